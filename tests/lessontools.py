"""Helpers shared by the per-lesson verdict tests (``tests/test_verdicts_lessonNN.py``).

A lesson's verdict tests need the same few things: the solution's answers, run the way the
notebook runs them; the probe and judge of a test cell on an answer; the guarantee that every
autograded test cell has a judge and calls its probe once; and the demo students naming real
answer cells. Every lesson's verdict tests use these; the self-check tests of 07, 09 and 09b
use ``passes`` and ``fails``.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import nbformat
import pytest

from autograder.checks import CheckFailed
from grader.verdicts import lesson_key, lesson_module, probe_and_judge

ROOT = Path(__file__).resolve().parent.parent
MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def solution_path(lesson: str) -> Path:
    return ROOT / "solutions" / lesson / f"{lesson}.ipynb"


def code_cells(lesson: str, predicate=lambda cell: True) -> list:
    notebook = nbformat.read(solution_path(lesson), 4)
    return [c for c in notebook.cells if c.cell_type == "code" and predicate(c)]


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def answer_ids(lesson: str) -> set[str]:
    """grade_ids of the answer cells (solution cells) of the solution notebook."""
    return {
        _grade_id(c)
        for c in code_cells(lesson, lambda c: c.metadata.get("nbgrader", {}).get("solution"))
    }


def test_cells(lesson: str) -> list:
    """The autograded test cells (grade true, solution false) of the solution notebook."""
    return code_cells(
        lesson,
        lambda c: c.metadata.get("nbgrader", {}).get("grade")
        and not c.metadata["nbgrader"].get("solution"),
    )


def solution_namespace(
    lesson: str,
    also=lambda cell: False,
    setup: str = "",
    manual: bool = True,
    skip: frozenset = frozenset(),
) -> dict:
    """Run the solution's answer cells (markers removed) in one namespace, in notebook order.

    ``also`` selects further code cells the answers need (a helper the lesson defines before
    the exercise); ``setup`` runs first (the imports of the notebook's setup cell);
    ``manual=False`` leaves out manually graded code cells (they may need trained models);
    ``skip`` leaves out the answer cells of these grade_ids (an ungraded answer that needs a
    pretrained network, say).
    """

    def answer(cell) -> bool:
        meta = cell.metadata.get("nbgrader", {})
        return (
            bool(meta.get("solution"))
            and (manual or not meta.get("grade"))
            and meta.get("grade_id") not in skip
        )

    namespace: dict = {}
    exec("import keras\nimport numpy as np\n" + setup, namespace)
    for cell in code_cells(lesson, lambda c: answer(c) or also(c)):
        exec(MARKERS.sub("", cell.source), namespace)
    return namespace


def judged(lesson: str, grade_id: str, answer, seed=None):
    return probe_and_judge(lesson, grade_id, answer, seed=seed)


def assert_right(lesson: str, grade_id: str, answer, seeds=(3, 4)) -> None:
    for seed in seeds:
        verdict = judged(lesson, grade_id, answer, seed)
        assert verdict.passed, f"{grade_id}, seed {seed}: {verdict.message}"


def assert_wrong(lesson: str, grade_id: str, answer, hint: str = "", seeds=(11, 2024)) -> None:
    """The answer fails on every seed, with a reason matching ``hint`` (a regex)."""
    for seed in seeds:  # the reason must not depend on the inputs
        verdict = judged(lesson, grade_id, answer, seed)
        assert not verdict.passed, f"{grade_id}, seed {seed}: passed: {verdict.message}"
        assert verdict.message.strip(), f"{grade_id}: failed without a reason"
        assert re.search(hint, verdict.message), verdict.message


def assert_tests_cover_cells(lesson: str, no_inputs: frozenset = frozenset()) -> None:
    """Every autograded test cell is judged, imports this lesson's probes and calls its probe
    once; every probe has an input generator except those in ``no_inputs`` (plain answers)."""
    verdicts = lesson_module(lesson)
    probes = importlib.import_module(f"autograder.probes.lesson{lesson_key(lesson)}")
    cells = test_cells(lesson)
    assert {_grade_id(c) for c in cells} == set(verdicts.TESTS)
    for cell in cells:
        probe_name, _ = verdicts.TESTS[_grade_id(cell)]
        assert "### BEGIN HIDDEN TESTS" in cell.source, _grade_id(cell)
        hidden = cell.source.split("### BEGIN HIDDEN TESTS", 1)[1]
        assert f"from autograder.probes import lesson{lesson_key(lesson)} as _probe" in hidden
        assert hidden.count("_probe.") == 1 and f"_probe.{probe_name}(" in hidden
        assert hasattr(probes, probe_name), probe_name
        assert probe_name in no_inputs or hasattr(probes, f"{probe_name}_inputs"), probe_name


def assert_demo_students_use_answer_cells(lesson: str) -> None:
    verdicts = lesson_module(lesson)
    ids = answer_ids(lesson)
    assert set(verdicts.DEMO_WRONG_ANSWER) <= ids
    for _, _, _, overrides in getattr(verdicts, "DEMO_EXTRA_STUDENTS", ()):
        assert set(overrides) <= ids


def passes(check, *args, capsys=None) -> None:
    """A visible self-check accepts the answer (and, given ``capsys``, prints its ✅)."""
    check(*args)
    if capsys is not None:
        assert "✅" in capsys.readouterr().out


def fails(check, *args, hint: str = "") -> None:
    """A visible self-check rejects the answer with a message matching ``hint``."""
    with pytest.raises(CheckFailed, match=hint):
        check(*args)
