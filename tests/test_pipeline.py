"""End to end: synthetic students through collect → grade → feedback → export."""

import re

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader import demo, grading


def _by_student(rows):
    return {row["student_id"]: row for row in rows}


@pytest.mark.notebook
def test_demo_class_of_lesson_02(root, tmp_path):
    rows = _by_student(demo.run(root, "02_cifar10", workdir=tmp_path, keep=True, jobs=2))
    full = rows["ana-completa"]["auto_max"]
    assert full > 0
    assert rows["ana-completa"]["score"] == full  # complete: full marks
    assert rows["bruno-branco"]["score"] == 0  # blank: zero, no crash
    assert 0 < rows["carla-umerro"]["score"] < full  # one exercise wrong: partial
    assert rows["davi-apagou"]["score"] == full  # deleted test cell restored and graded
    assert rows["elis-avisos"]["score"] == full  # TF lines on stderr cost nothing
    assert rows["fabio-colab"]["score"] == full  # "Copy of … (1).ipynb" matched
    assert rows["gil-corrompido"]["score"] == 0 and "ilegível" in rows["gil-corrompido"]["problem"]
    # the CSV has every student, the corrupted one included
    csv_rows = grading.read_grades(tmp_path / "curso" / grading.WORK_DIR / "notas.csv")
    assert sorted(r["student_id"] for r in csv_rows) == sorted(rows)
    # feedback was written for the graded students
    feedback = tmp_path / "curso" / grading.WORK_DIR / "feedback"
    assert (feedback / "ana-completa" / "02_cifar10" / "02_cifar10.html").is_file()
    table = demo.table(list(rows.values()))
    assert "gil-corrompido" in table and "não corrigido" in table


def _cell_scores(course, lesson, student):
    with Gradebook(f"sqlite:///{course / grading.WORK_DIR / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(lesson, lesson, student)
        return {g.name: (g.score, g.max_score) for g in notebook.grades}


@pytest.mark.notebook
def test_hard_coded_roc_numbers_get_no_roc_points(root, tmp_path):
    lesson = "03_lenet"
    if not (root / "solutions" / lesson).is_dir():
        pytest.fail("lesson 03 is missing")
    module = demo.lesson_module(lesson)
    course = grading.scratch_course(root, tmp_path / "curso", [lesson])
    grading.generate(course, [lesson])
    released = nbformat.read(course / "lessons" / lesson / f"{lesson}.ipynb", 4)
    solution = nbformat.read(course / "solutions" / lesson / f"{lesson}.ipynb", 4)
    students = demo.synthetic_students(released, solution, lesson)
    keep = {"ana-completa"} | {grading.slug(s[0]) for s in module.DEMO_EXTRA_STUDENTS}
    chosen = [s for s in students if s.student_id in keep]
    rows = _by_student(
        demo.run(root, lesson, workdir=tmp_path / "run", keep=True, students=chosen, jobs=2)
    )
    graded = tmp_path / "run" / "curso"
    name, _, _, overrides = module.DEMO_EXTRA_STUDENTS[0]
    copier = grading.slug(name)
    assert rows["ana-completa"]["score"] == rows["ana-completa"]["auto_max"]
    assert rows[copier]["score"] < rows["ana-completa"]["score"]
    # every test cell that exercises one of the copied functions gives zero
    functions = {
        f for source in overrides.values() for f in re.findall(r"^def (\w+)", source, re.M)
    }
    tests_of = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in solution.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata["nbgrader"].get("solution")
        and any(re.search(rf"\b{f}\b", cell.source) for f in functions)
    }
    assert tests_of, "no test cell exercises the ROC functions"
    copied = _cell_scores(graded, lesson, copier)
    honest = _cell_scores(graded, lesson, "ana-completa")
    for grade_id in tests_of:
        assert copied[grade_id][0] == 0, grade_id
        assert honest[grade_id][0] == honest[grade_id][1], grade_id
