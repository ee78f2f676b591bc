"""Probes of lesson 00 (CNN fundamentals); the grader judges them (see :mod:`autograder.probes`).

Every probe calls the student's function on fresh small inputs (arrays, layer
configurations) and reports what came back; the first case is always the smallest, so that
a function of the wrong kind fails at once. The LeNet-5, AlexNet and transfer-learning
probes are in :mod:`autograder.probes.lesson00b`.
"""

from __future__ import annotations

import numpy as np

from . import call, emit, generator, run_seed

# ---------------------------------------------------------------------------- exercise 1


def _correlate_case(gen, rows, cols, k_rows, k_cols, kind="float"):
    if kind == "uint8":
        image = gen.integers(0, 256, size=(rows, cols)).astype(np.uint8)
    elif kind == "int":
        image = gen.integers(-5, 6, size=(rows, cols)).astype(np.int64)
    else:
        image = gen.normal(0.0, 1.0, size=(rows, cols))
    kernel = gen.normal(0.0, 1.0, size=(k_rows, k_cols)).round(3)
    return image, kernel


def correlate_shape_inputs(gen):
    """Rectangular images and kernels (kernels of every size from 1×1 up, never square
    in the last two cases)."""
    cases = [_correlate_case(gen, 4, 5, 1, 1)]
    for _ in range(3):
        k_rows, k_cols = int(gen.integers(1, 6)), int(gen.integers(1, 6))
        if k_rows == k_cols:
            k_cols += 1
        rows, cols = k_rows + int(gen.integers(0, 12)), k_cols + int(gen.integers(0, 12))
        cases.append(_correlate_case(gen, rows, cols, k_rows, k_cols))
    return cases


def correlate_values_inputs(gen):
    """A small integer case, float images with asymmetric kernels (square and not) and a
    uint8 photo-like image (its sums pass 255)."""
    cases = [_correlate_case(gen, 4, 4, 2, 2, "int")]
    for kind in ("float", "float", "uint8"):
        k_rows = int(gen.integers(2, 6))
        k_cols = k_rows if gen.random() < 0.5 else int(gen.integers(2, 6))
        rows, cols = k_rows + int(gen.integers(2, 20)), k_cols + int(gen.integers(2, 20))
        cases.append(_correlate_case(gen, rows, cols, k_rows, k_cols, kind))
    return cases


def _correlate_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    emit(name, seed, [call(fn, image.copy(), kernel.copy()) for image, kernel in cases])


def correlate_shape(fn) -> None:
    _correlate_probe("correlate_shape", fn)


def correlate_values(fn) -> None:
    _correlate_probe("correlate_values", fn)


# ---------------------------------------------------------------------------- exercise 2


def _valid_config(gen) -> tuple:
    """(w, f, s, p) with an integer output size."""
    while True:
        f = int(gen.integers(1, 12))
        s = int(gen.integers(1, 5))
        p = int(gen.integers(0, 4))
        w = int(gen.integers(max(f - 2 * p, 1), 300))
        if (w - f + 2 * p) % s == 0 and w + 2 * p >= f:
            return w, f, s, p


def _invalid_config(gen) -> tuple:
    """(w, f, s, p) whose output size is not an integer, or whose filter does not fit."""
    while True:
        if gen.random() < 0.25:  # the filter is larger than the padded input
            w = int(gen.integers(1, 10))
            p = int(gen.integers(0, 2))
            f = w + 2 * p + int(gen.integers(1, 4))
            return w, f, int(gen.integers(1, 3)), p
        f = int(gen.integers(1, 12))
        s = int(gen.integers(2, 6))
        p = int(gen.integers(0, 4))
        w = int(gen.integers(max(f - 2 * p, 1), 300))
        if (w - f + 2 * p) % s != 0:
            return w, f, s, p


def output_size_values_inputs(gen):
    """The slides' 7×7 cases, then fresh valid configurations (w, f, s, p)."""
    return [(7, 3, 1, 0), (7, 3, 2, 0), (7, 3, 1, 1)] + [_valid_config(gen) for _ in range(8)]


def output_size_errors_inputs(gen):
    """The slides' 7×7 filter 3×3 stride 3, fresh invalid configurations, and valid ones
    in between (a function that always raises is wrong)."""
    cases = [((7, 3, 3, 0), False)]
    for _ in range(6):
        cases.append((_invalid_config(gen), False))
        cases.append((_valid_config(gen), True))
    return cases


def output_size_values(fn) -> None:
    seed = run_seed()
    cases = output_size_values_inputs(generator(seed, "output_size_values"))
    emit("output_size_values", seed, [call(fn, *config) for config in cases])


def _size_or_error(fn, config) -> dict:
    """``call``'s result, saying also whether an error is a ValueError (a subclass of it,
    such as the student's own ``class ConfigError(ValueError)``, is one)."""
    if not callable(fn):
        return call(fn, *config)
    raised = []

    def watched(*args):
        try:
            return fn(*args)
        except Exception as error:
            raised.append(error)
            raise

    result = call(watched, *config)
    if raised:
        result["value_error"] = isinstance(raised[0], ValueError)
    return result


def output_size_errors(fn) -> None:
    seed = run_seed()
    cases = output_size_errors_inputs(generator(seed, "output_size_errors"))
    emit("output_size_errors", seed, [_size_or_error(fn, config) for config, _ in cases])


# ---------------------------------------------------------------------------- exercise 3


def _pool_array(gen, rows, cols):
    return gen.normal(0.0, 10.0, size=(rows, cols)).round(2) - 5.0  # mostly negative


def _pool_cases(gen, mode: str, odd: bool):
    cases = [(_pool_array(gen, 2, 2), mode)]
    for _ in range(3):
        rows, cols = 2 * int(gen.integers(1, 12)), 2 * int(gen.integers(1, 12))
        if odd:
            rows += 1
            cols += int(gen.integers(0, 2))
        cases.append((_pool_array(gen, rows, cols), mode))
    return cases


def pool_max_inputs(gen):
    """Arrays of even sizes (values mostly negative), mode "max"."""
    return _pool_cases(gen, "max", odd=False)


def pool_avg_inputs(gen):
    """Arrays of even sizes, mode "avg"."""
    return _pool_cases(gen, "avg", odd=False)


def pool_odd_inputs(gen):
    """Arrays with an odd number of rows (and sometimes columns), both modes."""
    return _pool_cases(gen, "max", odd=True)[1:] + _pool_cases(gen, "avg", odd=True)[1:]


def _pool_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    emit(name, seed, [call(fn, x.copy(), mode) for x, mode in cases])


def pool_max(fn) -> None:
    _pool_probe("pool_max", fn)


def pool_avg(fn) -> None:
    _pool_probe("pool_avg", fn)


def pool_odd(fn) -> None:
    _pool_probe("pool_odd", fn)


# ---------------------------------------------------------------------------- exercise 4


def conv_params_inputs(gen):
    """(f, d1, k): one filter on one channel first, then fresh sizes, depths and counts."""
    cases = [(3, 1, 1)]
    for _ in range(6):
        cases.append(
            (int(gen.integers(1, 12)), int(gen.integers(1, 513)), int(gen.integers(2, 513)))
        )
    return cases


def conv_params(fn) -> None:
    seed = run_seed()
    cases = conv_params_inputs(generator(seed, "conv_params"))
    emit("conv_params", seed, [call(fn, *case) for case in cases])
