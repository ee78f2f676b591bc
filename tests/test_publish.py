"""`autograder publish`: the student repository, installed exactly as the lessons install it,
with no solution, hidden-test or instructor text in it."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from grader import grading, publish
from grader.verdicts import lesson_key

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# the instructor package (grader.x, import grader), its verdicts module, the instructor side;
# the English word "grader" in the package's docstrings ("the grader judges them") is allowed
INSTRUCTOR_TEXT = re.compile(
    r"(?<![\w.])grader\.\w|\b(from|import) grader\b|\bverdicts\b|\binstructor\b|solutions/",
    re.I,
)
PUBLIC_LINES = {
    # solution lines that are public knowledge (see publish.PUBLIC_LINES for why)
    "eer = (fpr[i] + 1 - tpr[i]) / 2",
    "n_train = int(len(x) * (1 - fraction))",
    "predicted = y_pred.argmax(axis=1) if y_pred.ndim == 2 else np.ravel(y_pred)",
    'loss="sparse_categorical_crossentropy",',
    "images = np.asarray(images)",
}
RUNTIME = {"tensorflow", "tensorflow-cpu", "keras", "numpy", "scikit-learn", "matplotlib"}
SMALL_LESSON = "02_cifar10"


def _autograder(*args, cwd):
    """Run the instructor command in a subprocess; returns the finished process."""
    command = [sys.executable, "-m", "grader.cli", *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def _git(repo, *args) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def _pip(*args, cwd):
    """``pip install`` with this interpreter; without build isolation if that needs a network
    (the published package builds with hatchling, which the course environment has)."""
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    command = [sys.executable, "-m", "pip", "install", "-q", *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        result = subprocess.run(
            command[:5] + ["--no-build-isolation"] + command[5:],
            cwd=cwd,
            capture_output=True,
            text=True,
            env=env,
        )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    print("pip", " ".join(map(str, result.args[4:])))
    return result


def _scratch(target: Path, lessons=(SMALL_LESSON,)) -> Path:
    """A copy of the course with only ``lessons``: their solutions and lessons, the package
    with only their check and probe modules, the data."""
    root = grading.scratch_course(ROOT, target, list(lessons))
    for lesson in lessons:
        shutil.copytree(ROOT / "lessons" / lesson, root / "lessons" / lesson)
    others = [
        f"lesson{lesson_key(p.name)}.py" for p in ROOT.glob("solutions/*") if p.name not in lessons
    ]
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", *others)
    shutil.copytree(ROOT / "autograder", root / "autograder", ignore=skip)
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def _snapshot(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    }


def _cell_sources(notebook: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(notebook, 4).cells)


def _secret_lines(root: Path) -> set:
    """Lines longer than 25 characters of the solution and hidden-test blocks of solutions/
    that are visible in no lesson (as in test_notebooks.test_student_version_has_no_solutions,
    with "visible" taken over all lessons: the published tree holds all of them)."""
    notebooks = [nbformat.read(p, 4) for p in sorted(root.glob("solutions/*/*.ipynb"))]
    visible = "\n".join(
        re.sub(
            r"### BEGIN (SOLUTION|HIDDEN TESTS)\n.*?### END (SOLUTION|HIDDEN TESTS)",
            "",
            c.source,
            flags=re.S,
        )
        for nb in notebooks
        for c in nb.cells
    )
    secret = set()
    for nb in notebooks:
        for cell in nb.cells:
            for block in re.findall(
                r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END", cell.source, re.S
            ):
                secret |= {
                    l.strip()
                    for l in block[1].splitlines()
                    if len(l.strip()) > 25 and l.strip() not in visible
                }
    return secret - PUBLIC_LINES


def _leaks(files: dict, root: Path) -> list:
    """Every forbidden thing in a published tree given as ``{path: bytes}``."""
    secret = _secret_lines(root)
    assert len(secret) > 20, "the solutions should have many lines to look for"
    found = []
    for path, content in sorted(files.items()):
        if path.split("/")[0] in {"solutions", "instructor", "tests", "tools", "grading"}:
            found.append(f"{path}: must not be published")
        text = content.decode("utf-8", errors="replace")
        if path.endswith(".ipynb"):
            text += "\n" + "\n".join(c.source for c in nbformat.reads(text, 4).cells)
        found += [f"{path}: marker {m!r}" for m in MARKERS if m in text]
        found += [f"{path}: {m.group(0)!r}" for m in INSTRUCTOR_TEXT.finditer(text)]
        found += [f"{path}: solution line {line!r}" for line in secret if line in text]
    return found


def _committed_files(repo: Path, rev: str) -> dict:
    paths = _git(repo, "ls-tree", "-r", "--name-only", rev).splitlines()
    return {
        p: subprocess.run(
            ["git", "show", f"{rev}:{p}"], cwd=repo, capture_output=True, check=True
        ).stdout
        for p in paths
    }


# --------------------------------------------------------------------------- fast checks


def test_planned_tree_is_the_student_repository():
    files = publish.build_tree(ROOT, publish.load_course(ROOT).PACKAGE_REF)
    tops = {path.split("/")[0] for path in files}
    assert tops <= {"lessons", "autograder", "data", "pyproject.toml", "README.md"} | {
        ".gitignore",
        *publish.LICENSE_NAMES,
    }
    assert {"lessons", "autograder", "data", "pyproject.toml", "README.md", ".gitignore"} <= tops
    assert not [p for p in files if "__pycache__" in p or p.endswith(".pyc")]
    assert {f"lessons/{p.parent.name}/{p.name}" for p in ROOT.glob("lessons/*/*.ipynb")} <= set(
        files
    )


def test_planned_tree_has_no_solution_or_instructor_text():
    files = publish.build_tree(ROOT, publish.load_course(ROOT).PACKAGE_REF)
    assert _leaks(files, ROOT) == []
    assert publish.scan(files, ROOT) == []


def test_student_readme_and_pyproject():
    course = publish.load_course(ROOT)
    readme = publish.student_readme(ROOT, course, course.PACKAGE_REF)
    for notebook in sorted(ROOT.glob("lessons/*/*.ipynb")):
        assert course.colab_url(f"lessons/{notebook.parent.name}/{notebook.name}") in readme
    assert f"github.com/{course.REPOSITORY}@{course.PACKAGE_REF}" in readme
    assert "Como entregar" in readme and "Colab" in readme
    import tomllib

    pyproject = tomllib.loads(publish.student_pyproject(ROOT))
    original = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["build-system"] == original["build-system"]
    assert pyproject["project"]["dependencies"] == original["project"]["dependencies"]
    assert pyproject["tool"]["hatch"] == original["tool"]["hatch"]
    assert "instructor" not in pyproject["project"]["description"]


def test_refuses_a_tag_other_than_the_lessons_one(tmp_path):
    result = _autograder(
        "--course-dir", ROOT, "publish", tmp_path / "alunos", "--tag", "v99.0.0", cwd=tmp_path
    )
    assert result.returncode != 0
    assert "difere de PACKAGE_REF" in result.stderr and "--force" in result.stderr
    assert not (tmp_path / "alunos").exists()


def test_refuses_a_destination_inside_the_course_or_not_a_repository(tmp_path):
    result = _autograder("--course-dir", ROOT, "publish", ROOT / "grading" / "x", cwd=tmp_path)
    assert result.returncode != 0 and "fora de" in result.stderr
    busy = tmp_path / "ocupada"
    busy.mkdir()
    (busy / "notas.txt").write_text("não apague")
    result = _autograder("--course-dir", ROOT, "publish", busy, cwd=tmp_path)
    assert result.returncode != 0 and "não é um repositório git" in result.stderr
    assert (busy / "notas.txt").read_text() == "não apague"


def test_refuses_forbidden_content_and_names_the_file(tmp_path):
    root = _scratch(tmp_path / "curso")
    with open(root / "autograder" / "plots.py", "a", encoding="utf-8") as handle:
        handle.write("\n# ver grader.verdicts.lesson02\n")
    result = _autograder("--course-dir", root, "publish", tmp_path / "alunos", cwd=tmp_path)
    assert result.returncode != 0
    assert "publicação recusada" in result.stderr and "autograder/plots.py" in result.stderr
    assert not (tmp_path / "alunos").exists()


# --------------------------------------------------------------------------- slow: nbgrader


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The real course published into a fresh folder: (repository, command output)."""
    work = tmp_path_factory.mktemp("publish")
    repo = work / "alunos"
    result = _autograder("--course-dir", ROOT, "publish", repo, cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    return repo, result.stdout


@pytest.mark.notebook
def test_publish_commits_and_tags(published):
    repo, output = published
    tag = publish.load_course(ROOT).PACKAGE_REF
    print(output)
    assert f"tag {tag}" in output and "push origin main --tags" in output
    assert _git(repo, "log", "--format=%s") == f"Publicação: {tag}"
    assert _git(repo, "tag", "--points-at", "HEAD") == tag
    assert _git(repo, "status", "--porcelain") == ""
    assert _git(repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert not (repo / "solutions").exists() and not (repo / "instructor").exists()


@pytest.mark.notebook
def test_published_tree_has_no_solution_or_instructor_text(published):
    repo, _ = published
    files = _committed_files(repo, publish.load_course(ROOT).PACKAGE_REF)
    assert len(files) > 20
    assert _leaks(files, ROOT) == []


@pytest.mark.notebook
def test_installs_like_the_lesson_install_cell_and_changes_no_runtime_package(published, tmp_path):
    repo, _ = published
    course = publish.load_course(ROOT)
    lessons = sorted(repo.glob("lessons/*/*.ipynb"))
    specs = {spec for notebook in lessons for spec in publish.install_specs(notebook)}
    assert specs == {course.pip_spec()}
    # The same requirement, the same form (git+<scheme>://<host>/<path>@<tag>), served from
    # the temporary repository (pip's URL parser wants a host in a git+file URL).
    github = f"git+https://github.com/{course.REPOSITORY}@"
    assert course.pip_spec().startswith(f"autograder @ {github}")
    spec = course.pip_spec().replace(github, f"git+file://localhost{repo}@")
    print("requirement:", spec)

    report_path = tmp_path / "report.json"
    _pip("--dry-run", "--report", report_path, spec, cwd=tmp_path)
    report = json.loads(report_path.read_text())
    changes = {
        item["metadata"]["name"].lower(): item["metadata"]["version"] for item in report["install"]
    }
    print("pip would install or change:", changes)
    assert set(changes) == {"autograder"}, changes
    assert not RUNTIME & set(changes)
    assert report["install"][0]["download_info"]["vcs_info"]["requested_revision"] == (
        course.PACKAGE_REF
    )

    site = tmp_path / "site"
    _pip("--no-deps", "--target", site, spec, cwd=tmp_path)
    assert (site / "autograder" / "_data" / "imagenet_class_index.json").is_file()

    statements = set()
    for notebook in lessons:
        for line in _cell_sources(notebook).splitlines():
            line = line.strip()
            if re.match(r"(import|from) [\w.]+", line) and "google.colab" not in line:
                statements.add(line)
    assert any("autograder.checks" in s for s in statements)
    probe = f"""
import importlib.util, json, sys
from pathlib import Path
# nothing of a course checkout (the editable installs of this environment add two)
sys.path = [
    p for p in sys.path
    if p == {str(site)!r} or not any(Path(p, n, "__init__.py").is_file() for n in ("autograder", "grader"))
]
failed = {{}}
for statement in {sorted(statements)!r}:
    try:
        exec(statement, {{}})
    except Exception as error:
        failed[statement] = f"{{type(error).__name__}}: {{error}}"
import autograder, autograder.resources, numpy, keras, tensorflow, sklearn, matplotlib
print(json.dumps({{
    "failed": failed,
    "package": autograder.__file__,
    "data_dir": str(autograder.resources.data_dir()),
    "grader": importlib.util.find_spec("grader") is not None,
    "versions": {{m.__name__: m.__version__ for m in (numpy, keras, tensorflow, sklearn, matplotlib)}},
}}))
"""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "COURSE_SMOKE"}}
    env.update(PYTHONPATH=str(site), TF_CPP_MIN_LOG_LEVEL="3")
    run_dir = tmp_path / "cwd"
    run_dir.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=run_dir, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    print("imports:", len(statements), "statements;", outcome)
    assert outcome["failed"] == {}
    assert Path(outcome["package"]).is_relative_to(site)
    assert Path(outcome["data_dir"]).is_relative_to(site)
    assert not outcome["grader"]


@pytest.mark.notebook
def test_refuses_lessons_out_of_date_with_solutions(tmp_path):
    root = _scratch(tmp_path / "curso")
    notebook = root / "solutions" / SMALL_LESSON / f"{SMALL_LESSON}.ipynb"
    nb = nbformat.read(notebook, 4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## "))
    cell.source += "\n\nUma frase nova que lessons/ ainda não tem."
    nbformat.write(nb, notebook)
    result = _autograder("--course-dir", root, "publish", tmp_path / "alunos", cwd=tmp_path)
    assert result.returncode != 0
    assert "lessons/ está desatualizado" in result.stderr and SMALL_LESSON in result.stderr
    assert not (tmp_path / "alunos").exists()


@pytest.mark.notebook
def test_check_writes_nothing_and_republishing_is_safe(tmp_path):
    root = _scratch(tmp_path / "curso")
    tag = publish.load_course(root).PACKAGE_REF
    repo = tmp_path / "alunos"
    result = _autograder("--course-dir", root, "publish", repo, "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Nada foi escrito" in result.stdout and not repo.exists()

    assert _autograder("--course-dir", root, "publish", repo, cwd=tmp_path).returncode == 0
    before = _snapshot(repo)
    result = _autograder("--course-dir", root, "publish", repo, "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _snapshot(repo) == before

    result = _autograder("--course-dir", root, "publish", repo, cwd=tmp_path)
    assert result.returncode == 0 and "mesmo conteúdo" in result.stdout
    assert _snapshot(repo) == before

    with open(root / "autograder" / "plots.py", "a", encoding="utf-8") as handle:
        handle.write("\n# uma correção\n")
    result = _autograder("--course-dir", root, "publish", repo, cwd=tmp_path)
    assert result.returncode != 0 and f"a tag {tag} já existe" in result.stderr
    assert _snapshot(repo) == before
    result = _autograder("--course-dir", root, "publish", repo, "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _git(repo, "log", "--format=%s").splitlines() == [f"Publicação: {tag}"] * 2
    assert _git(repo, "tag", "--points-at", "HEAD") == tag
    assert "uma correção" in (repo / "autograder" / "plots.py").read_text(encoding="utf-8")


def test_table_titles_drop_the_lesson_number():
    """The students' table shows a lettered lesson's title without its "Lição 09b —", as it
    shows a numbered one's."""
    for lesson in ("09_efficientnet", "09b_transferencia"):
        info = publish.lesson_info(ROOT / "lessons" / lesson / f"{lesson}.ipynb")
        assert info["number"] == lesson_key(lesson)
        assert info["title"] and not info["title"].startswith("Lição"), info["title"]


def test_table_has_every_lessons_source_and_time_on_one_line():
    """The header fields are read whole even where the lesson wraps them over two lines, and
    the supplementary lessons' "Fonte" counts as their source."""
    for notebook in publish.lesson_notebooks(ROOT):
        info = publish.lesson_info(notebook)
        for field in ("title", "section", "time"):
            assert info[field] and "\n" not in info[field], (notebook.name, field, info)
        assert not info["time"].startswith("**"), info
