"""Self-checks of lesson 03b (learning rate and batch size, Ponti's exercises 7-9).

The z-score on fresh matrices, the learning-rate schedule on fresh starts, decays, epochs
and rates, and the number of epochs per batch size; the multiple-choice answers are only
checked for their form (the letters are judged after hand-in).
"""

from __future__ import annotations

import math

import numpy as np

from ..probes import lesson03b as _probe
from ._core import CheckFailed, call, expect, multiple_choice, passed, rng

__all__ = ["CheckFailed", "decay_schedule", "epochs_for_batch", "multiple_choice", "standardize"]

PONTI_EPOCHS = {2: 10, 4: 11, 8: 12, 16: 13, 32: 14, 64: 15, 128: 16, 256: 17}
"""The epochs of Ponti's table for each batch size (lesson 03b, exercise 4)."""


# ---------------------------------------------------------------------------- exercise 1


def standardize(fn, part: str) -> None:
    """Check ``standardize(x_train, x_test)`` (lesson 03b): the training set (``"train"``)
    or the test set (``"test"``), on fresh matrices."""
    if part not in ("train", "test"):
        raise ValueError('part deve ser "train" ou "test"')
    for x_train, x_test in _probe._standardize_cases(rng()):
        result = call(fn, "standardize", x_train.copy(), x_test.copy())
        where = f"Com treino {x_train.shape} e teste {x_test.shape}"
        expect(
            isinstance(result, (tuple, list)) and len(result) == 2,
            "`standardize` deve devolver a tupla (train_z, test_z).",
        )
        x = x_train if part == "train" else x_test
        got = np.asarray(result[0 if part == "train" else 1], dtype=np.float64)
        expect(got.shape == x.shape, f"{where}, a forma mudou: {got.shape} em vez de {x.shape}.")
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        # float32 answers are right too: 1e-4 plus a few float32 roundings of the inputs,
        # counted in each column's training standard deviations
        spread = np.maximum(np.abs(x_train).max(axis=0), np.abs(x_test).max(axis=0)) / std
        slack = 4 * float(np.finfo(np.float32).eps) * spread

        def close(expected):
            return bool(np.all(np.abs(got - expected) <= 1e-4 + 1e-4 * np.abs(expected) + slack))

        if part == "test":
            expect(
                not close((x - x.mean(axis=0)) / x.std(axis=0)),
                f"{where}, o teste foi padronizado com as estatísticas do próprio teste; use "
                "a média e o desvio do treino.",
            )
        expect(
            close((x - mean) / std),
            f"{where}, o {'treino' if part == 'train' else 'teste'} padronizado não é "
            "(x − média do treino) / desvio do treino, coluna a coluna (np.std, axis=0).",
        )
    what = "o treino" if part == "train" else "o teste, com as estatísticas do treino"
    passed(f"standardize padroniza {what}.")


# ---------------------------------------------------------------------------- exercise 2


def decay_schedule(fn, part: str) -> None:
    """Check ``decay_schedule(start, decay)`` (lesson 03b): its schedule before ``start``
    (``"before"``) or from ``start`` on (``"after"``), on fresh values."""
    if part not in ("before", "after"):
        raise ValueError('part deve ser "before" ou "after"')
    generator = rng()
    make = (
        _probe.decay_schedule_before_inputs
        if part == "before"
        else (_probe.decay_schedule_after_inputs)
    )
    for start, decay, calls in make(generator):
        schedule = call(fn, "decay_schedule", start, decay)
        expect(
            callable(schedule), "`decay_schedule` deve devolver uma função schedule(epoch, lr)."
        )
        for epoch, lr in calls:
            got = call(schedule, "o agendador", epoch, lr)
            where = f"decay_schedule({start}, {decay:.3g}) na época {epoch} com lr={lr:.3g}"
            expect(
                isinstance(got, (float, np.float32, np.float64)),
                f"{where} devolveu {type(got).__name__}; devolva um float (o Keras 3 recusa "
                "outros tipos).",
            )
            tolerance = 1e-6 if isinstance(got, np.float32) else 1e-9
            if part == "before" and epoch > start:  # the other side: the rate must change
                expect(
                    not math.isclose(float(got), lr, rel_tol=tolerance),
                    f"{where}: devolveu a taxa sem mudar; depois de start ela decai.",
                )
                continue
            expected = lr if epoch < start else lr * math.exp(-decay)
            if math.isclose(float(got), expected, rel_tol=tolerance):
                continue
            if epoch == start and math.isclose(float(got), lr, rel_tol=tolerance):
                raise CheckFailed(
                    f"❌ {where}: o decaimento começa NA época start (o Keras conta a partir "
                    "de 0: epoch < start mantém a taxa)."
                )
            if epoch < start:
                raise CheckFailed(f"❌ {where}: antes de start a taxa não muda.")
            raise CheckFailed(
                f"❌ {where}: esperava {'lr' if epoch < start else 'lr · exp(−decay)'}, sem "
                "arredondar."
            )
    what = (
        "mantém a taxa antes de start"
        if part == "before"
        else ("multiplica a taxa por exp(−decay) de start em diante")
    )
    passed(f"o agendador de decay_schedule {what}.")


# ---------------------------------------------------------------------------- exercise 4


def epochs_for_batch(fn, part: str) -> None:
    """Check ``epochs_for_batch(batch_size)`` (lesson 03b) on Ponti's batch sizes
    (``"ponti"``) or on fresh ones (``"fresh"``)."""
    if part == "ponti":
        cases = dict(PONTI_EPOCHS)
    elif part == "fresh":
        sizes = [3, 6] + [int(b) for b in rng().integers(5, 5000, size=10)]
        cases = {b: (512 * b).bit_length() - 1 for b in sizes}
    else:
        raise ValueError('part deve ser "ponti" ou "fresh"')
    for batch_size, expected in cases.items():
        got = call(fn, "epochs_for_batch", batch_size)
        expect(
            isinstance(got, (int, np.integer)) and not isinstance(got, bool),
            f"epochs_for_batch({batch_size}) devolveu {type(got).__name__}; devolva um int.",
        )
        expect(
            got == expected,
            f"epochs_for_batch({batch_size}) devolveu {got}; confira ⌊log₂(512 · lote)⌋ "
            "(piso, não arredondamento).",
        )
    where = "os lotes de Ponti" if part == "ponti" else "lotes sorteados"
    passed(f"epochs_for_batch dá o número de épocas certo para {where}.")
