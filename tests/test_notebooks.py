"""Every lesson: the solution runs and passes in smoke mode, the student version fails only in
its exercises, the two forms agree, and the notebooks are clean and canonical."""

import importlib
import json
import re
import shutil
import subprocess
import sys
import time

import nbformat
import pytest
from conftest import LESSONS, ROOT, SOLUTIONS

from autograder import course
from grader import grading, notebooks, sandbox
from grader.verdicts import lesson_key

LESSON_IDS = [p.parent.name for p in SOLUTIONS]
SMOKE_LIMIT_S = 120 * 1.5  # the target is 2 min on 2 cores; leave room for a loaded CI machine


def _validate(notebook, tmp_path, *extra):
    """Run nbgrader validate on a copy (running a lesson writes files next to it)."""
    copy = tmp_path / notebook.name
    shutil.copy(notebook, copy)
    timeout = f"--Execute.timeout={sandbox.CELL_TIMEOUT}"
    started = time.monotonic()
    result = subprocess.run(
        # the copy is outside the course: give it the course's per-cell limit (nbgrader's
        # own default is 30 s)
        [sys.executable, "-m", "nbgrader", "validate", *extra, timeout, copy.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    return result, time.monotonic() - started


def test_there_are_lessons():
    assert "01_inferencia_imagenet" in LESSON_IDS and "02_cifar10" in LESSON_IDS
    assert [p.parent.name for p in LESSONS] == LESSON_IDS


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", SOLUTIONS, ids=LESSON_IDS)
def test_solution_runs_top_to_bottom_and_passes_all_tests(notebook, tmp_path):
    """Executed as grading executes it (in the sandbox, smoke mode), every cell must run
    without error, and every test cell must earn its points from the verdicts computed
    outside the kernel, by nbgrader's own scoring rule."""
    from grader.preprocessors import execute_and_judge

    nb = nbformat.read(notebook, 4)
    started = time.monotonic()
    executed, scores = execute_and_judge(nb, notebook.parent.name, tmp_path)
    seconds = time.monotonic() - started
    print(f"{notebook.parent.name}: {seconds:.0f} s")
    assert not executed.metadata.get("autograder", {}).get("stopped"), executed.metadata
    for cell in executed.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{cell.source[:300]}\n-> {errors[0].ename}: {errors[0].evalue}"
    assert scores, "no autograded test cell"
    for grade_id, (score, max_score) in scores.items():
        assert score == max_score, grade_id
    assert seconds < SMOKE_LIMIT_S


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", LESSONS, ids=LESSON_IDS)
def test_student_version_fails_only_in_exercises(notebook, tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_SMOKE", raising=False)
    result, _ = _validate(notebook, tmp_path, "--invert")
    assert "Success! The notebook does not pass any tests." in result.stdout, result.stdout[-3000:]


@pytest.mark.parametrize("notebook", LESSONS, ids=LESSON_IDS)
def test_student_version_has_no_solutions(notebook):
    text = notebook.read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    solution = nbformat.read(ROOT / "solutions" / notebook.parent.name / notebook.name, 4)
    student = nbformat.read(notebook, 4)
    student_sources = "\n".join(c.source for c in student.cells)
    visible = "\n".join(
        re.sub(
            r"### BEGIN (SOLUTION|HIDDEN TESTS)\n.*?### END (SOLUTION|HIDDEN TESTS)",
            "",
            c.source,
            flags=re.S,
        )
        for c in solution.cells
    )
    for cell in solution.cells:
        for block in re.findall(
            r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END", cell.source, re.S
        ):
            lines = [
                l.strip()
                for l in block[1].splitlines()
                if len(l.strip()) > 25 and l.strip() not in visible
            ]
            for line in lines:
                assert line not in student_sources, f"leaked into {notebook}: {line}"


def test_lessons_equal_a_fresh_generation():
    assert grading.generate_drift(ROOT) == []


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=LESSON_IDS)
def test_solution_is_canonical(notebook):
    assert notebooks.canonical_text(notebook) == notebook.read_text(
        encoding="utf-8"
    ), f"run `autograder format` on {notebook}"


@pytest.mark.parametrize("notebook", SOLUTIONS + LESSONS)
def test_no_outputs_ids_or_colab_metadata(notebook):
    raw = json.loads(notebook.read_text(encoding="utf-8"))
    assert notebook.name.isascii() and notebook.stem == notebook.parent.name
    for cell in raw["cells"]:
        assert "id" not in cell
        assert set(cell["metadata"]) <= {"nbgrader", "deletable", "editable"}
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("notebook", SOLUTIONS + LESSONS)
def test_badge_points_at_its_own_lesson(notebook):
    own = notebooks.lesson_path(notebook)
    assert (ROOT / own).is_file()
    assert notebooks.badge_targets(notebook) == [course.colab_url(own)]


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=LESSON_IDS)
def test_fixed_opening_and_closing(notebook):
    nb = nbformat.read(notebook, 4)
    first, setup = nb.cells[0].source, nb.cells[1].source
    assert first.startswith("# ") and "Abrir no Colab" in first and "Tempo no Colab" in first
    assert setup.startswith("## Configuração")
    assert course.pip_spec() in nb.cells[2].source and "google.colab" in nb.cells[2].source
    assert "settings.setup()" in nb.cells[3].source
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert any(h.startswith("## Resumo") for h in headings)
    assert "## Para ir além" in "\n".join(c.source for c in nb.cells[-2:])


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=LESSON_IDS)
def test_exercises_have_points_docstrings_and_self_checks(notebook):
    nb = nbformat.read(notebook, 4)
    ids = []
    pending_answer = None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta:
            continue
        ids.append(meta["grade_id"])
        if meta.get("grade"):
            assert float(meta.get("points", 0)) > 0, meta["grade_id"]
        if meta.get("solution") and cell.cell_type == "code" and not meta.get("grade"):
            pending_answer = meta["grade_id"]
        if meta.get("grade"):  # a test cell, or a manually graded answer, closes the exercise
            pending_answer = None
        if meta.get("grade") and not meta.get("solution"):
            assert re.match(r'^"""[^\n]+"""', cell.source), f"{meta['grade_id']}: docstring first"
            assert "check." in cell.source.split("### BEGIN HIDDEN TESTS")[0], meta["grade_id"]
            assert "### BEGIN HIDDEN TESTS" in cell.source, meta["grade_id"]
            pending_answer = None
    assert pending_answer is None, f"answer cell {pending_answer} has no test cell after it"
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    importlib.import_module(f"autograder.checks.lesson{lesson_key(notebook.parent.name)}")
