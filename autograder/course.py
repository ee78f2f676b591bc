"""Where the course lives: the one place that names the repository (lesson 01).

Change these when the course moves; the Colab badges and the install line of every
lesson are checked against them by the tests (``autograder format`` rewrites them).
"""

REPOSITORY = "psi5790/redes-convolucionais-avancadas"
"""GitHub ``owner/name`` of the course repository."""

BRANCH = "main"
"""Branch the Colab badges open."""

PACKAGE_REF = "v0.1.0"
"""Tag (or commit) of this package that the lessons install on Colab."""


def colab_url(notebook_path: str) -> str:
    """The "Abrir no Colab" address of a notebook, given its path in the repository."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{notebook_path}"


def badge_markdown(notebook_path: str) -> str:
    """Markdown of the Colab badge for a notebook path inside the repository."""
    return (
        f'<a href="{colab_url(notebook_path)}" target="_parent">'
        '<img src="https://colab.research.google.com/assets/colab-badge.svg" '
        'alt="Abrir no Colab"/></a>'
    )


def pip_spec() -> str:
    """What Colab installs: this package from the repository at :data:`PACKAGE_REF`."""
    return f"autograder @ git+https://github.com/{REPOSITORY}@{PACKAGE_REF}"
