"""Lesson 03b's visible self-checks: they accept right answers and reject wrong ones with a
Portuguese message, and hold no answer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lessontools import solution_namespace

from autograder.checks import CheckFailed
from autograder.checks import lesson03b as check

SOLVED = solution_namespace("03b_taxa_e_lote", setup="import math\n")


def _stub(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("part", ["train", "test"])
def test_standardize_accepts_the_solution(part, capsys):
    check.standardize(SOLVED["standardize"], part)
    assert "✅" in capsys.readouterr().out


def own_statistics(x_train, x_test):
    return tuple((x - x.mean(axis=0)) / x.std(axis=0) for x in (x_train, x_test))


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("test", own_statistics, "próprio teste"),
        ("train", lambda a, b: (a - a.mean(), b), "coluna a coluna"),
        ("train", lambda a, b: a, "tupla"),
        ("test", _stub, "ainda não foi implementada"),
    ],
)
def test_standardize_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.standardize(wrong, part)


@pytest.mark.parametrize("part", ["before", "after"])
def test_decay_schedule_accepts_the_solution(part, capsys):
    check.decay_schedule(SOLVED["decay_schedule"], part)
    assert "✅" in capsys.readouterr().out


def rounding(start, decay):
    return lambda e, lr: lr if e < start else float(np.round(lr * math.exp(-decay), 4))


def off_by_one(start, decay):
    return lambda e, lr: lr if e <= start else lr * math.exp(-decay)


def early(start, decay):
    return lambda e, lr: lr if e < start - 1 else lr * math.exp(-decay)


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("after", rounding, "arredondar"),
        ("after", off_by_one, "NA época start"),
        ("before", early, "não muda"),
        ("after", lambda s, d: (lambda e, lr: str(lr)), "float"),
        ("before", lambda s, d: 0.02, "deve devolver uma função"),
        ("after", _stub, "ainda não foi implementada"),
    ],
)
def test_decay_schedule_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.decay_schedule(wrong, part)


@pytest.mark.parametrize("part", ["ponti", "fresh"])
def test_epochs_for_batch_accepts_the_solution(part, capsys):
    check.epochs_for_batch(SOLVED["epochs_for_batch"], part)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("fresh", lambda b: round(math.log2(512 * b)), "piso"),
        ("ponti", lambda b: np.floor(np.log2(512 * b)), "int"),
        ("ponti", lambda b: b, "devolveu 2"),
        ("fresh", _stub, "ainda não foi implementada"),
    ],
)
def test_epochs_for_batch_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.epochs_for_batch(wrong, part)


def test_multiple_choice_checks_only_the_form(capsys):
    for name in ("resposta_7", "resposta_8", "resposta_9"):
        for letter in "abcd":
            check.multiple_choice(letter, name)
    assert "formato certo" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="letras"):
        check.multiple_choice("e", "resposta_9")


def test_student_package_has_no_answers():
    for name in ("RIGHT_LETTERS", "REASONS", "DEMO_WRONG_ANSWER", "expected_epochs"):
        assert not hasattr(check, name)
    assert not [name for name in dir(check) if "reference" in name.lower()]
