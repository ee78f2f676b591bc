"""environment.yml and pyproject.toml pin the same packages at the same versions, and the Colab
runtime packages at the versions of the declared target runtime (runtimes/colab-alvo.txt)."""

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


def _runtime(name: str) -> dict:
    """``{(package, environment marker or ""): version}`` of a file in runtimes/."""
    pins = {}
    for line in (ROOT / "runtimes" / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement, _, marker = line.partition(";")
            match = PIN.match(requirement)
            assert match, f"runtimes/{name}: not an exact pin: {line}"
            pins[match[1].lower(), " ".join(marker.split())] = match[2]
    return pins


def test_course_pins_the_target_runtime():
    """The instructors grade with the versions the students run on Colab."""
    target = _runtime("colab-alvo.txt")
    course = {}
    for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["course"]:
        requirement, _, marker = requirement.partition(";")
        match = PIN.match(requirement)
        if match:
            course[match[1].lower(), " ".join(marker.split())] = match[2]
    assert {key: course.get(key) for key in target} == target
    environment = _environment_pins()
    for (package, marker), version in target.items():
        if "!=" not in marker:  # environment.yml: x86_64 only
            assert environment.get(package) == version, package


def test_oldest_runtime_names_the_same_packages_at_older_or_equal_versions():
    def version(text):
        return tuple(int(part) for part in re.findall(r"\d+", text)[:3])

    target, oldest = _runtime("colab-alvo.txt"), _runtime("colab-minimo.txt")
    assert oldest.keys() == target.keys()
    for key in target:
        assert version(oldest[key]) <= version(target[key]), key


def test_ci_also_tests_on_the_oldest_runtime():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "runtimes/colab-minimo.txt" in ci and ".venv-minimo" in ci
    assert ".venv-minimo/" in (ROOT / ".gitignore").read_text().splitlines()


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
