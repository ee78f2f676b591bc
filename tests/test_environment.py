"""environment.yml and pyproject.toml pin the same packages at the same versions."""

import re
import tomllib

from conftest import ROOT

PIN = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)")


def _pyproject_pins():
    pins = {}
    for path in (ROOT / "pyproject.toml", ROOT / "instructor" / "pyproject.toml"):
        project = tomllib.loads(path.read_text())["project"]
        pins.update(_pins(project["dependencies"]))
        for requirements in project["optional-dependencies"].values():
            pins.update(_pins(requirements))
    return pins


def _pins(requirements):
    pins = {}
    for requirement in requirements:
        match = PIN.match(requirement)
        if match and "platform_machine != 'x86_64'" not in requirement:
            pins[match[1].lower()] = match[2]
    return pins


def _environment_pins():
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        line = line.strip()
        if line.startswith("- "):
            match = PIN.match(line[2:])
            if match:
                pins[match[1].lower()] = match[2]
                assert "#" in line or "tensorflow" in line, f"comment where it is used: {line}"
    return pins


def test_same_pins_in_both_files():
    assert _environment_pins() == _pyproject_pins()


def test_base_dependencies_never_pin_or_pull_tensorflow():
    """On Colab `pip install` must leave the preinstalled TensorFlow alone."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        assert (
            "==" not in requirement
            and "tensorflow" not in requirement
            and "keras" not in requirement
        )


def test_python_version_matches():
    assert "python=3.11" in (ROOT / "environment.yml").read_text()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    test_command = blocks[1].strip()
    assert "pytest" in test_command
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_readme_links_every_lesson():
    from autograder import course

    readme = (ROOT / "README.md").read_text()
    for notebook in sorted(ROOT.glob("lessons/*/*.ipynb")):
        assert course.colab_url(f"lessons/{notebook.parent.name}/{notebook.name}") in readme
