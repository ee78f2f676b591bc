"""ApplyVerdicts, the preprocessor that turns a test cell's probe output into its grade: one
payload of the real probe passes, and a payload next to an error output does not (an answer
can display a payload of its own and then stop the cell before the real probe runs)."""

from __future__ import annotations

import os

import pytest
from lessontools import MARKERS, code_cells
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder import probes
from autograder.probes import lesson06 as probes06
from grader.preprocessors import ApplyVerdicts
from grader.verdicts import lesson_module

LESSON = "06_inception"
GRADE_ID = "test_conv_cost_weights"
SEED = 1234


def _payload(answer) -> dict:
    """What the real probe of GRADE_ID displays for ``answer`` in a run seeded with SEED."""
    captured, previous = [], probes.sink
    probes.sink = captured.append
    try:
        os.environ[probes.SEED_VARIABLE] = str(SEED)
        getattr(probes06, _probe_name())(answer)
    finally:
        probes.sink = previous
        os.environ.pop(probes.SEED_VARIABLE, None)
    return captured[-1]


def _probe_name() -> str:
    return lesson_module(LESSON).TESTS[GRADE_ID][0]


def _graded(outputs) -> tuple:
    cell = new_code_cell("...", execution_count=3, outputs=outputs)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "grade_id": GRADE_ID,
        "points": 1,
        "locked": True,
        "schema_version": 3,
    }
    nb = new_notebook(cells=[cell])
    resources = {"nbgrader": {"assignment": LESSON}, "autograder_seed": SEED}
    nb, _ = ApplyVerdicts().preprocess(nb, resources)
    return nb.cells[0].outputs, nb.metadata.get("autograder", {}).get("flags", [])


def _display(payload):
    return new_output("display_data", data={probes.MIME: payload, "text/plain": "Sonda"})


def _error(name="SystemExit", value=""):
    return new_output("error", ename=name, evalue=value, traceback=[])


@pytest.fixture(scope="module")
def right_payload():
    """The payload the probe displays for the solution's answer."""
    (cell,) = code_cells(
        LESSON, lambda c: c.metadata.get("nbgrader", {}).get("grade_id") == "conv_cost"
    )
    namespace = {}
    exec(MARKERS.sub("", cell.source), namespace)
    return _payload(namespace["conv_cost"])


def test_the_real_probes_payload_passes(right_payload):
    outputs, flags = _graded([_display(right_payload)])
    assert outputs[0]["output_type"] == "stream" and "✅" in outputs[0]["text"]
    assert flags == []


def test_a_payload_followed_by_an_error_gets_nothing_and_is_flagged(right_payload):
    outputs, flags = _graded([_display(right_payload), _error()])
    assert outputs[0]["output_type"] == "error" and "terminou com erro" in outputs[0]["evalue"]
    assert any(GRADE_ID in flag for flag in flags)


def test_an_error_without_payload_says_where_the_cell_stopped():
    outputs, flags = _graded([_error("CheckFailed", "resposta errada")])
    assert "parou com erro" in outputs[0]["evalue"] and "resposta errada" in outputs[0]["evalue"]
    assert flags == []
