"""Canonical form of the course notebooks, used by ``autograder format`` and the tests.

Canonical means: nbformat 4.4 JSON as nbformat writes it (one-space indent, sorted
keys), no outputs, no execution counts, no cell ids, only ``nbgrader`` cell metadata,
fixed notebook metadata (Colab opens it on a GPU), and every code cell formatted by
``black`` (cells with IPython magics or shell escapes are left as written).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from autograder import course

NOTEBOOK_METADATA = {
    "accelerator": "GPU",
    "colab": {"gpuType": "T4", "provenance": []},
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
INSTALL_RE = re.compile(r'"autograder @ git\+https://github\.com/[^"]*"')
BADGE_RE = re.compile(r'<a href="https://colab\.research\.google\.com/github/[^"]*"[^>]*>.*?</a>')
LINE_LENGTH = 99


def lesson_path(notebook: Path) -> str:
    """Repository path of the student version of a notebook (``lessons/<id>/<id>.ipynb``)."""
    notebook = Path(notebook)
    return f"lessons/{notebook.parent.name}/{notebook.name}"


def _black(source: str) -> str:
    if not source.strip() or re.search(r"^\s*[%!]", source, re.M):
        return source
    import black

    try:
        formatted = black.format_str(source, mode=black.Mode(line_length=LINE_LENGTH))
    except black.InvalidInput:
        return source
    return formatted.rstrip("\n")


def canonical(nb, notebook_path: Path):
    """Return ``nb`` in canonical form; ``notebook_path`` gives the badge target."""
    nb.nbformat, nb.nbformat_minor = 4, 4
    nb.metadata = nbformat.from_dict(NOTEBOOK_METADATA)
    badge = course.badge_markdown(lesson_path(notebook_path))
    for cell in nb.cells:
        cell.pop("id", None)
        keep = {k: v for k, v in cell.metadata.items() if k == "nbgrader"}
        cell.metadata = nbformat.from_dict(keep)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.source = INSTALL_RE.sub(f'"{course.pip_spec()}"', _black(cell.source))
        elif cell.cell_type == "markdown":
            cell.source = BADGE_RE.sub(badge, cell.source)
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
    return nb


def canonical_text(notebook_path: Path) -> str:
    nb = nbformat.read(notebook_path, as_version=4)
    return nbformat.writes(canonical(nb, notebook_path)) + "\n"


def format_file(notebook_path: Path) -> bool:
    """Rewrite a notebook in canonical form; True if it changed."""
    notebook_path = Path(notebook_path)
    text = canonical_text(notebook_path)
    if notebook_path.read_text(encoding="utf-8") == text:
        return False
    notebook_path.write_text(text, encoding="utf-8")
    return True


def badge_targets(notebook_path: Path) -> list[str]:
    """Colab URLs that a notebook's badges point to."""
    text = Path(notebook_path).read_text(encoding="utf-8")
    return re.findall(r"https://colab\.research\.google\.com/github/[^\"\\ )]*", text)
