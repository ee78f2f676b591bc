"""End to end for lesson 05: the student who takes BatchNormalization's fourth vector for the
standard deviation loses the points of that exercise part, and only those."""

import nbformat
import pytest
from test_pipeline import _by_student, _cell_scores

from grader import demo, grading

LESSON = "05_vgg_batchnorm"


@pytest.mark.notebook
def test_standard_deviation_answer_loses_only_its_part(root, tmp_path):
    module = demo.lesson_module(LESSON)
    course = grading.scratch_course(root, tmp_path / "curso", [LESSON])
    grading.generate(course, [LESSON])
    released = nbformat.read(course / "lessons" / LESSON / f"{LESSON}.ipynb", 4)
    solution = nbformat.read(course / "solutions" / LESSON / f"{LESSON}.ipynb", 4)
    students = demo.synthetic_students(released, solution, LESSON)
    keep = {"ana-completa"} | {grading.slug(s[0]) for s in module.DEMO_EXTRA_STUDENTS}
    chosen = [s for s in students if s.student_id in keep]
    rows = _by_student(
        demo.run(root, LESSON, workdir=tmp_path / "run", keep=True, students=chosen, jobs=2)
    )
    graded = tmp_path / "run" / "curso"
    name, _, _, overrides = module.DEMO_EXTRA_STUDENTS[0]
    assert set(overrides) == {"ordem_pesos_bn"}
    student = grading.slug(name)
    # the complete student earns every autograded point
    assert rows["ana-completa"]["score"] == rows["ana-completa"]["auto_max"] > 0
    honest = _cell_scores(graded, LESSON, "ana-completa")
    wrong = _cell_scores(graded, LESSON, student)
    autograded = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in solution.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata["nbgrader"].get("solution")
    }
    for grade_id in autograded:
        assert honest[grade_id][0] == honest[grade_id][1], grade_id
        if grade_id == "test_ordem_pesos_bn":
            assert wrong[grade_id][0] == 0  # the part's points are lost …
        else:
            assert wrong[grade_id] == honest[grade_id], grade_id  # … and nothing else
    lost = honest["test_ordem_pesos_bn"][1]
    assert rows[student]["score"] == rows["ana-completa"]["score"] - lost
