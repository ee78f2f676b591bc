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


@pytest.mark.parametrize("part", ["train", "test"])
def test_standardize_accepts_float32(part, capsys):
    """As the hidden tests (finding B): a z-score computed in float32 is right."""

    def in_float32(x_train, x_test):
        a, b = x_train.astype(np.float32), x_test.astype(np.float32)
        m, s = a.mean(0), a.std(0)
        return (a - m) / s, (b - m) / s

    def ddof_one(x_train, x_test):
        mean, std = x_train.mean(axis=0), x_train.std(axis=0, ddof=1)
        return (x_train - mean) / std, (x_test - mean) / std

    for _ in range(20):
        check.standardize(in_float32, part)
        with pytest.raises(CheckFailed, match="np.std"):
            check.standardize(ddof_one, part)
    assert "✅" in capsys.readouterr().out


def test_half_schedules_fail_and_the_rounding_keeps_before(capsys):
    """As the hidden tests (finding C): each part also tries epochs on the other side of
    start (not the boundary); Ponti's rounding still passes the epochs before start."""
    with pytest.raises(CheckFailed, match="sem mudar"):
        check.decay_schedule(lambda s, d: (lambda e, lr: lr), "before")
    with pytest.raises(CheckFailed, match="não muda"):
        check.decay_schedule(lambda s, d: (lambda e, lr: lr * math.exp(-d)), "after")
    check.decay_schedule(rounding, "before")
    check.decay_schedule(off_by_one, "before")
    check.decay_schedule(early, "after")
    assert "✅" in capsys.readouterr().out


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
