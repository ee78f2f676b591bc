"""Lesson 08's visible self-checks: they accept right answers and reject wrong ones with a
Portuguese message, and hold no answer; and the lesson follows the course's conventions."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from lessontools import solution_namespace, solution_path

from autograder.checks import CheckFailed
from autograder.checks import lesson08 as check

LESSON = "08_tta_ensemble"


SOLVED = solution_namespace(LESSON, manual=False)  # exercise 6 needs trained networks
tta_predict = SOLVED["tta_predict"]
vote = SOLVED["vote"]
ensemble_predict = SOLVED["ensemble_predict"]


def _stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------- tta_predict


@pytest.mark.parametrize("part", check.TTA_PARTS)
def test_tta_predict_accepts_the_solution(part, capsys):
    check.tta_predict(tta_predict, part)
    assert "✅" in capsys.readouterr().out


def without_original(model, images, distort, m):
    return np.mean([model.predict(distort(images), verbose=0) for _ in range(m)], axis=0)


def chained(model, images, distort, m):
    versions = [images]
    for _ in range(m - 1):
        versions.append(distort(versions[-1]))
    return np.mean([model.predict(v, verbose=0) for v in versions], axis=0)


def summed(model, images, distort, m):
    return tta_predict(model, images, distort, m) * m


def training_mode(model, images, distort, m):
    total = np.asarray(model(images))
    for _ in range(m - 1):
        total = total + np.asarray(model(distort(images)))
    return total / m


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("original", without_original, "uma das m versões"),
        ("mean", chained, "ORIGINAIS"),
        ("mean", summed, "média das probabilidades"),
        ("inference", training_mode, "model.predict"),
        ("inference", lambda model, x, d, m: model.predict(x, verbose=0), "não foi chamada"),
        ("original", lambda model, x, d, m: tta_predict(model, x, d, m).argmax(1), "forma"),
        ("original", _stub, "ainda não foi implementada"),
    ],
)
def test_tta_predict_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.tta_predict(wrong, part)


def test_tta_inference_check_leaves_the_count_to_the_mean_check(capsys):
    check.tta_predict(without_original, "inference")
    assert "✅" in capsys.readouterr().out


# ---------------------------------------------------------------------------- vote


@pytest.mark.parametrize("part", ["majority", "ties"])
def test_vote_accepts_the_solution(part, capsys):
    check.vote(vote, part)
    assert "✅" in capsys.readouterr().out


def highest_on_ties(probabilities):
    classes = probabilities.shape[-1]
    choices = probabilities.argmax(axis=-1)
    counts = (choices[..., None] == np.arange(classes)).sum(axis=0)
    return classes - 1 - counts[:, ::-1].argmax(axis=1)


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("majority", lambda p: p.mean(axis=0).argmax(axis=1), "mais votadas"),
        ("ties", highest_on_ties, "MENOR índice"),
        ("majority", lambda p: vote(p).astype(float), "o enunciado pede .* inteiras"),
        ("majority", lambda p: list(vote(p)), "np.ndarray"),
        ("majority", _stub, "ainda não foi implementada"),
    ],
)
def test_vote_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.vote(wrong, part)


def test_highest_on_ties_passes_without_ties():
    check.vote(highest_on_ties, "majority")


# ---------------------------------------------------------------------------- disagreement


def test_disagreement_accepts_the_solution(capsys):
    check.disagreement(SOLVED["disagreement"])
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (np.array([[[0.6, 0.4, 0.0]], [[0.7, 0.3, 0.0]], [[0.3, 0.7, 0.0]]]), "mesma classe"),
        (np.array([[[0.6, 0.4]], [[0.1, 0.9]]]), "votação empatou"),
        (np.array([[[0.6, 0.6]], [[0.6, 0.6]], [[0.1, 0.9]]]), "somam 1"),
        (np.array([[0.6, 0.4]]), "3 dimensões"),
        ([[[0.5, 0.5]]], "3 dimensões"),
    ],
)
def test_disagreement_rejects_mistakes(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.disagreement(wrong)


# ---------------------------------------------------------------------------- ensemble


@pytest.mark.parametrize("part", check.ENSEMBLE_PARTS)
def test_ensemble_predict_accepts_the_solution(part, capsys):
    check.ensemble_predict(ensemble_predict, part)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("mean", lambda models, x: models[0].predict(x, verbose=0), "média"),
        (
            "mean",
            lambda models, x: sum(model.predict(x, verbose=0) for model in models),
            "média",
        ),
        (
            "inference",
            lambda models, x: np.mean([np.asarray(model(x)) for model in models], axis=0),
            "inferência",
        ),
        ("mean", _stub, "ainda não foi implementada"),
    ],
)
def test_ensemble_predict_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.ensemble_predict(wrong, part)


def test_checks_hold_no_answer():
    names = [name for name in dir(check) if not name.startswith("__")]
    assert not [name for name in names if "reference" in name.lower() or "expected" in name]


# ---------------------------------------------------------------------------- the lesson

EXERCISE_HEADING = r"### Exercício (\d+) — [^()]+ \(\d+ pontos?( \+ \d+ pontos?)?\)"


def lesson_cells():
    return nbformat.read(solution_path(LESSON), as_version=4).cells


def test_lesson_exercise_headings_follow_the_course_convention():
    headings = [
        line
        for c in lesson_cells()
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if re.match(r"#+ Exerc", line)
    ]
    numbers = [int(re.fullmatch(EXERCISE_HEADING, h).group(1)) for h in headings]
    assert numbers == list(range(1, len(headings) + 1)), headings


def test_lesson_uses_todays_api_and_decimal_comma():
    for cell in lesson_cells():
        if cell.cell_type == "code":
            for old in ("ImageDataGenerator", "fit_generator", "np_utils", "ReduceLRonPlateau"):
                assert old not in cell.source
            assert not re.search(r"\blr\s*=", cell.source), cell.source
            assert not re.search(r"\{[^{}]*:[^{}]*\.\d+[f%g]\}", cell.source), cell.source
            assert not re.search(r"\.fit\([^)]*verbose=0", cell.source), cell.source


def test_lesson_quotes_the_apostila_and_states_its_conventions():
    text = "\n".join(c.source for c in lesson_cells())
    for figure in ("91,24%", "93,25%", "11 distorções", "−0,5 e +0,5"):
        assert figure in text, figure
    assert "original conta como uma das m" in text.replace("**", "")
    assert "menor índice" in text


def test_lesson_never_downloads_in_smoke_mode():
    source = next(
        c.source for c in lesson_cells() if c.cell_type == "code" and "get_file" in c.source
    )
    assert source.index("settings.smoke()") < source.index("get_file")
