"""Lesson 00's hidden tests: the probes and the judges pass the solution and fail typical
mistakes, with a Portuguese reason, on inputs regenerated from the grading seed."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from lessontools import (
    assert_demo_students_use_answer_cells,
    assert_right,
    assert_tests_cover_cells,
    assert_wrong,
    solution_namespace,
)

from grader.verdicts import lesson00 as verdicts

LESSON = "00_fundamentos"
SOLVED = solution_namespace(LESSON)
ANSWER_OF = {
    "correlate": SOLVED["correlate2d_valid"],
    "output_size": SOLVED["conv_output_size"],
    "pool": SOLVED["pool_2x2"],
    "conv_params": SOLVED["conv2d_params"],
}


def _answer_for(probe_name: str):
    return next(v for k, v in ANSWER_OF.items() if probe_name.startswith(k))


def _stub(*args, **kwargs):
    raise NotImplementedError()


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    assert_tests_cover_cells(LESSON)


def test_demo_answers_name_answer_cells():
    assert_demo_students_use_answer_cells(LESSON)


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_solution_passes(grade_id):
    probe_name, _ = verdicts.TESTS[grade_id]
    assert_right(LESSON, grade_id, _answer_for(probe_name), seeds=(0, 1))


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_unimplemented_answer_fails(grade_id):
    assert_wrong(LESSON, grade_id, _stub, "NotImplementedError")


# ---------------------------------------------------------------------------- exercise 1


def flipped(image, kernel):
    return SOLVED["correlate2d_valid"](image, np.asarray(kernel)[::-1, ::-1])


def same_size(image, kernel):
    out = np.zeros(np.shape(image))
    valid = SOLVED["correlate2d_valid"](image, kernel)
    out[: valid.shape[0], : valid.shape[1]] = valid
    return out


def in_uint8(image, kernel):
    image = np.asarray(image)
    kh, kw = np.shape(kernel)
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((rows, cols), dtype=image.dtype if image.dtype == np.uint8 else float)
    for u in range(kh):
        for v in range(kw):
            out += (kernel[u, v] * image[u : u + rows, v : v + cols]).astype(out.dtype)
    return out.astype(float)


def square_only(image, kernel):
    k = np.asarray(kernel)[:1, :1] if kernel.shape[0] != kernel.shape[1] else kernel
    return SOLVED["correlate2d_valid"](image, k)


def test_correlation_mistakes():
    assert_wrong(LESSON, "test_correlate_values", flipped, "girou o núcleo")
    assert_wrong(LESSON, "test_correlate_shape", same_size, "forma da imagem")
    assert_wrong(LESSON, "test_correlate_values", in_uint8, "uint8")
    assert_wrong(LESSON, "test_correlate_shape", square_only, "forma")
    assert_wrong(LESSON, "test_correlate_values", lambda i, k: None, "np.ndarray")


def test_flipped_kernel_keeps_the_shape_point():
    assert_right(LESSON, "test_correlate_shape", flipped)


def in_float32(image, kernel):
    """The solution's loop computed in np.float32: right, within float32."""
    image = np.asarray(image, dtype=np.float32)
    kernel = np.asarray(kernel, dtype=np.float32)
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((rows, cols), dtype=np.float32)
    for u in range(kh):
        for v in range(kw):
            out += kernel[u, v] * image[u : u + rows, v : v + cols]
    return out


def keras_conv2d(image, kernel):
    """Keras' own Conv2D with the kernel copied in (float32)."""
    layer = keras.layers.Conv2D(1, kernel.shape, use_bias=False)
    layer.build((None, *image.shape, 1))
    layer.set_weights([np.asarray(kernel, "float32").reshape(*kernel.shape, 1, 1)])
    return np.asarray(layer(np.asarray(image, "float32")[None, :, :, None]))[0, :, :, 0]


@pytest.mark.parametrize("answer", [in_float32, keras_conv2d])
def test_float32_correlations_pass(answer):
    """Finding A: float32 answers lost the values' 2 points (uint8 sums reach ~1500)."""
    assert_right(LESSON, "test_correlate_values", answer, seeds=(3, 11, 12, 13, 2024))


def test_float32_tolerance_still_sees_the_mistakes():
    """Within the float32 tolerance the flipped kernel and the uint8 overflow keep their
    diagnoses, in float32 too."""
    assert_wrong(
        LESSON, "test_correlate_values", lambda i, k: in_float32(i, k[::-1, ::-1]), "girou"
    )
    assert_wrong(LESSON, "test_correlate_values", in_uint8, "uint8", seeds=(3, 11, 12, 13, 2024))
    assert_wrong(
        LESSON, "test_correlate_values", lambda i, k: in_float32(i, k) * 1.001, "valores estão"
    )


# ---------------------------------------------------------------------------- exercise 2


def no_error(w, f, s=1, p=0):
    return (w - f + 2 * p) // s + 1


def true_division(w, f, s=1, p=0):
    return (w - f + 2 * p) / s + 1


def one_side_padding(w, f, s=1, p=0):
    if (w - f + p) % s or w + p < f:
        raise ValueError("não encaixa")
    return (w - f + p) // s + 1


def always_raises(w, f, s=1, p=0):
    raise ValueError("nunca encaixa")


def wrong_exception(w, f, s=1, p=0):
    if (w - f + 2 * p) % s or w + 2 * p < f:
        raise TypeError("não encaixa")
    return (w - f + 2 * p) // s + 1


class ConfigError(ValueError):
    """A student's own error class: a ValueError."""


def own_value_error(w, f, s=1, p=0):
    if (w - f + 2 * p) % s or w + 2 * p < f:
        raise ConfigError(f"o filtro {f} não encaixa em {w}")
    return (w - f + 2 * p) // s + 1


def own_other_error(w, f, s=1, p=0):
    if (w - f + 2 * p) % s or w + 2 * p < f:
        raise type("ValueErrorish", (Exception,), {})(f"o filtro {f} não encaixa em {w}")
    return (w - f + 2 * p) // s + 1


def test_subclass_of_value_error_is_a_value_error():
    """Finding E: the judge matched the class name, failing a subclass of ValueError."""
    assert_right(LESSON, "test_output_size_errors", own_value_error, seeds=(3, 11, 12))
    assert_wrong(LESSON, "test_output_size_errors", own_other_error, "use ValueError")


def test_output_size_mistakes():
    assert_right(LESSON, "test_output_size_values", no_error)  # only the errors test is lost
    assert_wrong(LESSON, "test_output_size_errors", no_error, "ValueError")
    assert_wrong(LESSON, "test_output_size_values", true_division, "inteiro")
    assert_wrong(LESSON, "test_output_size_values", one_side_padding, "2P")
    assert_wrong(LESSON, "test_output_size_errors", always_raises, "levantou")
    assert_wrong(LESSON, "test_output_size_errors", wrong_exception, "ValueError")


# ---------------------------------------------------------------------------- exercise 3


def padded_pool(x, mode="max"):
    x = np.asarray(x, dtype=float)
    if x.shape[0] % 2:
        x = np.vstack([x, np.zeros((1, x.shape[1]))])
    if x.shape[1] % 2:
        x = np.hstack([x, np.zeros((x.shape[0], 1))])
    return SOLVED["pool_2x2"](x, mode)


def swapped_modes(x, mode="max"):
    return SOLVED["pool_2x2"](x, "avg" if mode == "max" else "max")


def stride_one(x, mode="max"):
    x = np.asarray(x, dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(x, (2, 2))
    return windows.max(axis=(2, 3)) if mode == "max" else windows.mean(axis=(2, 3))


def test_pooling_mistakes():
    assert_right(LESSON, "test_pool_max", padded_pool)  # even sizes: no padding happens
    assert_wrong(LESSON, "test_pool_odd", padded_pool, "sobra")
    assert_wrong(LESSON, "test_pool_max", swapped_modes, "trocados")
    assert_wrong(LESSON, "test_pool_avg", swapped_modes, "trocados")
    assert_wrong(LESSON, "test_pool_max", stride_one, "forma")


# ---------------------------------------------------------------------------- exercise 4


def test_conv_params_mistakes():
    assert_wrong(LESSON, "test_conv2d_params", lambda f, d1, k: f * f * d1 + k, "esquece o K")
    assert_wrong(LESSON, "test_conv2d_params", lambda f, d1, k: f * f * d1 * k, "vieses")
    assert_wrong(LESSON, "test_conv2d_params", lambda f, d1, k: float(f * f * d1 * k + k), "int")
    assert_wrong(LESSON, "test_conv2d_params", lambda f, d1, k: (f * f + 1) * k, "count_params")
