"""Probes of lesson 03b (learning rate and batch size); the grader judges them (see
:mod:`autograder.probes`).

The z-score is probed on fresh matrices (the test set drawn from another distribution, so
that its own statistics differ from the training ones); the schedule factory is asked for a
schedule with a fresh ``start`` and ``decay``, which is then called on fresh epochs and
rates; the number of epochs per batch size on Ponti's eight sizes and on fresh ones.
"""

from __future__ import annotations

import numpy as np

from . import call, emit, generator, run_seed, value

# ---------------------------------------------------------------------------- exercise 1


def _standardize_cases(gen) -> list:
    """Three (x_train, x_test) pairs: columns of very different scales and centres; the
    test set is shifted and stretched, so its own mean and std are not the training ones."""
    cases = []
    for _ in range(3):
        n_train, n_test = int(gen.integers(12, 60)), int(gen.integers(5, 30))
        features = int(gen.integers(2, 9))
        scale = 10 ** gen.uniform(-1, 3, size=features)
        centre = gen.normal(0, 50, size=features)
        x_train = centre + scale * gen.normal(size=(n_train, features))
        x_test = centre + scale * gen.normal(size=(n_test, features))
        x_test = x_test * gen.uniform(1.5, 3.0) + scale * gen.uniform(1.0, 3.0, size=features)
        cases.append((x_train, x_test))
    return cases


def standardize_train_inputs(gen):
    return _standardize_cases(gen)


def standardize_test_inputs(gen):
    return _standardize_cases(gen)


def _standardize_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    # the answer receives copies: a function that edits its inputs changes no case
    emit(name, seed, [call(fn, a.copy(), b.copy()) for a, b in cases])


def standardize_train(fn) -> None:
    _standardize_probe("standardize_train", fn)


def standardize_test(fn) -> None:
    _standardize_probe("standardize_test", fn)


# ---------------------------------------------------------------------------- exercise 2


def _rate(gen) -> float:
    return float(10 ** gen.uniform(-5, -0.5))


def decay_schedule_before_inputs(gen):
    """Three (start, decay, [(epoch, lr), ...]): epochs before ``start``, 0 and ``start - 1``
    always among them, then two epochs after ``start`` (never ``start`` itself: that
    boundary belongs to the other test), where the schedule must change the rate, so that a
    schedule that never changes it earns nothing."""
    cases = []
    for _ in range(3):
        start, decay = int(gen.integers(2, 40)), float(gen.uniform(0.01, 0.5))
        epochs = [0, start - 1] + gen.integers(0, start, size=4).tolist()
        epochs += (start + gen.integers(1, 300, size=2)).tolist()
        cases.append((start, decay, [(int(e), _rate(gen)) for e in epochs]))
    return cases


def decay_schedule_after_inputs(gen):
    """Three (start, decay, [(epoch, lr), ...]): epochs from ``start`` on, ``start`` itself
    always among them, then, when ``start`` >= 2 (always in the first case), two epochs
    before ``start - 1`` (that boundary belongs to the other test), where the rate must not
    change, so that a schedule that decays from epoch 0 earns nothing."""
    cases = []
    for number in range(3):
        start = int(gen.integers(2 if number == 0 else 0, 40))
        decay = float(gen.uniform(0.01, 0.5))
        epochs = [start] + (start + gen.integers(1, 300, size=5)).tolist()
        if start >= 2:
            epochs += gen.integers(0, start - 1, size=2).tolist()
        cases.append((start, decay, [(int(e), _rate(gen)) for e in epochs]))
    return cases


def _schedule_results(fn, start, decay, calls) -> list:
    """``fn(start, decay)`` is the schedule; each of its results with its type's name (the
    Keras callback accepts only float, numpy.float32 and numpy.float64)."""
    schedule = fn(start, decay)
    if not callable(schedule):
        raise TypeError(f"decay_schedule devolveu {type(schedule).__name__}, não uma função")
    results = []
    for epoch, lr in calls:
        got = schedule(epoch, lr)
        results.append((type(got).__name__, got))
    return results


def _schedule_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    results = []
    for start, decay, calls in cases:
        results.append(call(_schedule_results, fn, start, decay, calls))
        if "error" in results[-1]:
            break  # a wrong kind of answer fails at once
    emit(name, seed, results)


def decay_schedule_before(fn) -> None:
    _schedule_probe("decay_schedule_before", fn)


def decay_schedule_after(fn) -> None:
    _schedule_probe("decay_schedule_after", fn)


# ---------------------------------------------------------------------------- exercise 4


def epochs_for_batch_ponti_inputs(gen):
    """Ponti's eight batch sizes, 2 to 256, in a fresh order."""
    return [int(b) for b in gen.permutation([2, 4, 8, 16, 32, 64, 128, 256])]


def epochs_for_batch_fresh_inputs(gen):
    """Batch sizes that are not powers of two (3 and 6 among them, where rounding and the
    floor differ), 1, and a large one."""
    sizes = [3, 1, 6] + gen.integers(5, 5000, size=10).tolist()
    sizes.append(int(gen.integers(10**5, 10**7)))
    return [int(b) for b in sizes]


def _epochs_probe(name: str, fn) -> None:
    seed = run_seed()
    sizes = globals()[f"{name}_inputs"](generator(seed, name))
    results = []
    for batch_size in sizes:
        results.append(call(fn, batch_size))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def epochs_for_batch_ponti(fn) -> None:
    _epochs_probe("epochs_for_batch_ponti", fn)


def epochs_for_batch_fresh(fn) -> None:
    _epochs_probe("epochs_for_batch_fresh", fn)


# ---------------------------------------------------------------------------- multiple choice


def resposta_7(answer) -> None:
    emit("resposta_7", run_seed(), value(answer))


def resposta_8(answer) -> None:
    emit("resposta_8", run_seed(), value(answer))


def resposta_9(answer) -> None:
    emit("resposta_9", run_seed(), value(answer))
