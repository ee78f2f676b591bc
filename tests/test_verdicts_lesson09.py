"""Lesson 09's hidden tests: the probes and the judges pass the solution and fail typical
mistakes (the apostila's broken snippets among them), with a Portuguese reason, on inputs
regenerated from the grading seed. The transfer-learning exercises are lesson 09b's
(tests/test_verdicts_lesson09b.py)."""

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

from autograder.probes import lesson09 as probes09
from grader.verdicts import lesson09 as verdicts

LESSON = "09_efficientnet"
SOLVED = solution_namespace(LESSON)
ANSWER_OF = {
    "compound": SOLVED["compound_scaling"],
    "swish": SOLVED["swish"],
    "gelu_sigmoid": SOLVED["gelu_sigmoid"],
    "gelu": SOLVED["gelu"],
    "conv_costs": SOLVED["conv_costs"],
    "inverted_residual": SOLVED["inverted_residual_block"],
    "se_block": SOLVED["se_block"],
}
layers = keras.layers


def _answer_for(probe_name: str):
    return next(v for k, v in ANSWER_OF.items() if probe_name.startswith(k))


def _stub(*args, **kwargs):
    raise NotImplementedError()


def _exec_answer(source: str, name: str):
    scope = {"keras": keras, "np": np}
    exec(source, scope)
    return scope[name]


# ----------------------------------------------------------------------------- coverage


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    assert_tests_cover_cells(LESSON)


def test_demo_answers_name_answer_cells():
    assert_demo_students_use_answer_cells(LESSON)


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_solution_passes(grade_id):
    probe_name, _ = verdicts.TESTS[grade_id]
    assert_right(LESSON, grade_id, _answer_for(probe_name), seeds=(3,))


# ----------------------------------------------------------------------------- exercise 1


def scaling(multipliers=None, flops=None):
    def compound_scaling(phi, alpha=1.2, beta=1.1, gamma=1.15):
        values = [alpha**phi, beta**phi, gamma**phi]
        if multipliers == "linear":
            values = [alpha * phi, beta * phi, gamma * phi]
        elif multipliers == "swapped":
            values = values[::-1]
        elif multipliers == "ignores_arguments":
            values = [1.2**phi, 1.1**phi, 1.15**phi]
        product = alpha * beta**2 * gamma**2
        if flops == "two":
            product = 2.0
        elif flops == "no_squares":
            product = alpha * beta * gamma
        return (*values, product**phi)

    return compound_scaling


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_compound_multipliers", scaling(multipliers="linear"), "expoente"),
        ("test_compound_multipliers", scaling(multipliers="swapped"), "ordem"),
        ("test_compound_multipliers", scaling(multipliers="ignores_arguments"), "recebidos"),
        ("test_compound_multipliers", lambda phi, **k: 1.2**phi, "tupla"),
        ("test_compound_multipliers", _stub, "ainda não foi implementada"),
        ("test_compound_flops", scaling(flops="two"), "aproximação"),
        ("test_compound_flops", scaling(flops="no_squares"), "QUADRADO"),
    ],
)
def test_wrong_scalings_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint)


def test_flops_mistake_keeps_the_multipliers():
    assert_right(LESSON, "test_compound_multipliers", scaling(flops="two"))


def test_demo_wrong_answer_loses_only_the_flops():
    demo = _exec_answer(verdicts.DEMO_WRONG_ANSWER["compound_scaling"], "compound_scaling")
    assert_wrong(LESSON, "test_compound_flops", demo, "aproximação")
    assert_right(LESSON, "test_compound_multipliers", demo)


# ----------------------------------------------------------------------------- exercise 2


def keras_gelu_default(x):
    return np.asarray(keras.ops.gelu(x))  # the tanh approximation


def float32_swish(x):
    x = np.asarray(x, dtype="float32")
    return x / (np.float32(1) + np.exp(-x))


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_swish", lambda x: x / (1 + np.exp(-1.702 * x)), "aproximação x·σ"),
        ("test_swish", lambda x: np.maximum(x, 0), "ReLU"),
        ("test_swish", lambda x: 1 / (1 + np.exp(-x)), "difere"),
        ("test_swish", lambda x: float(np.sum(x)), "np.ndarray"),
        ("test_swish", lambda x: SOLVED["swish"](x).ravel(), "forma"),
        ("test_gelu", keras_gelu_default, "tanh"),
        ("test_gelu", SOLVED["gelu_sigmoid"], "aproximação x·σ"),
        ("test_gelu", SOLVED["swish"], "swish"),
        ("test_gelu_sigmoid", SOLVED["gelu"], "GELU exata"),
        ("test_gelu_sigmoid", lambda x: x / (1 + np.exp(-1.7 * x)), "difere"),
        ("test_gelu_sigmoid", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_activations_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint)


def test_float32_and_keras_answers_pass():
    """The tolerance lets a float32 formula and Keras's own functions through."""
    assert_right(LESSON, "test_swish", float32_swish)
    assert_right(
        LESSON, "test_gelu", lambda x: np.asarray(keras.activations.gelu(x, approximate=False))
    )


# ----------------------------------------------------------------------------- exercise 3


def costs(mistake):
    def conv_costs(height, width, channels_in, channels_out, kernel_size):
        got = SOLVED["conv_costs"](height, width, channels_in, channels_out, kernel_size)
        k2 = kernel_size * kernel_size
        if mistake == "depthwise_like_normal":
            got["depthwise"] = (
                k2 * channels_in * channels_out + channels_out,
                got["depthwise"][1],
            )
        elif mistake == "no_bias":
            got = {
                kind: (p - (channels_in if kind == "depthwise" else channels_out), m)
                for kind, (p, m) in got.items()
            }
        elif mistake == "two_biases":
            p, m = got["separable"]
            got["separable"] = (p + channels_in, m)
        elif mistake == "one_pixel":
            got = {kind: (p, m // (height * width)) for kind, (p, m) in got.items()}
        elif mistake == "list":
            got = [got["normal"], got["depthwise"], got["separable"]]
        return got

    return conv_costs


@pytest.mark.parametrize(
    "grade_id, mistake, hint",
    [
        ("test_conv_costs_params", "depthwise_like_normal", "UM filtro"),
        ("test_conv_costs_params", "no_bias", "vieses"),
        ("test_conv_costs_params", "two_biases", "só a convolução 1×1 tem viés"),
        ("test_conv_costs_params", "list", "dicionário"),
        ("test_conv_costs_mults", "one_pixel", "imagem inteira"),
    ],
)
def test_wrong_costs_fail(grade_id, mistake, hint):
    assert_wrong(LESSON, grade_id, costs(mistake), hint)


def test_mults_mistake_keeps_the_params():
    assert_right(LESSON, "test_conv_costs_params", costs("one_pixel"))


def test_extra_keys_pass():
    """A dictionary with the three kinds and one more key is still a right answer."""

    def conv_costs(height, width, channels_in, channels_out, kernel_size):
        got = SOLVED["conv_costs"](height, width, channels_in, channels_out, kernel_size)
        return {**got, "ratio": got["separable"][1] / got["normal"][1]}

    for grade_id in ("test_conv_costs_params", "test_conv_costs_mults"):
        assert_right(LESSON, grade_id, conv_costs, seeds=(3, 11, 2024))


def test_cost_formulas_match_keras():
    for case in ((5, 5, 3, 4, 3), (17, 9, 12, 40, 5), (8, 8, 1, 1, 1)):
        got = SOLVED["conv_costs"](*case)
        expected = verdicts.keras_params(*case)
        assert {kind: pair[0] for kind, pair in got.items()} == expected
        assert {kind: pair[1] for kind, pair in got.items()} == verdicts.multiplications(*case)


# ----------------------------------------------------------------------------- exercise 4


def apostila_block(x, expand, squeeze=16):
    """The apostila's snippet as written: no padding, `squeeze` output channels, ReLU."""
    y = layers.Conv2D(expand, 1, activation="relu")(x)
    y = layers.DepthwiseConv2D(3, activation="relu")(y)
    y = layers.Conv2D(squeeze, 1, activation="relu")(y)
    return layers.Add()([y, x])


def block(projection_activation=None, final=None, shortcut=True, batch_norm=False, kernel=3):
    def inverted_residual_block(x, expand):
        channels = x.shape[-1]
        y = layers.Conv2D(expand, 1, padding="same", activation="swish")(x)
        y = layers.DepthwiseConv2D(kernel, padding="same", activation="swish")(y)
        y = layers.Conv2D(channels, 1, padding="same", activation=projection_activation)(y)
        if batch_norm:
            y = layers.BatchNormalization()(y)
        out = layers.Add()([x, y]) if shortcut else y
        return layers.Activation(final)(out) if final else out

    return inverted_residual_block


def fixed_padding_only(x, expand):
    """Padding fixed, but the apostila's 16 output channels kept."""
    y = layers.Conv2D(expand, 1, padding="same", activation="relu")(x)
    y = layers.DepthwiseConv2D(3, padding="same", activation="relu")(y)
    y = layers.Conv2D(16, 1, activation="relu")(y)
    return layers.Add()([y, x])


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_inverted_residual_shape", apostila_block, "padding='same'"),
        ("test_inverted_residual_shape", fixed_padding_only, "x.shape\\[-1\\]"),
        ("test_inverted_residual_shape", block(kernel=5), "3×3"),
        ("test_inverted_residual_shape", lambda x, e: None, "levantou|tensor"),
        ("test_inverted_residual_params", block(batch_norm=True), "BatchNormalization"),
        ("test_inverted_residual_params", apostila_block, "padding='same'"),
        ("test_inverted_residual_sum", block(projection_activation="relu"), "linear"),
        ("test_inverted_residual_sum", block(final="relu"), "depois da soma"),
        ("test_inverted_residual_sum", block(shortcut=False), "não depende de x"),
        ("test_inverted_residual_sum", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_inverted_blocks_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint, seeds=(11,))


def test_keras_ops_sum_passes():
    def with_ops(x, expand):
        y = layers.Conv2D(expand, 1, padding="same", activation="silu")(x)
        y = layers.DepthwiseConv2D(3, padding="same")(y)
        y = layers.Activation("swish")(y)
        return x + layers.Conv2D(x.shape[-1], 1)(y)

    for grade_id in (
        "test_inverted_residual_shape",
        "test_inverted_residual_params",
        "test_inverted_residual_sum",
    ):
        assert_right(LESSON, grade_id, with_ops, seeds=(5,))


def test_swish_as_separate_operations_passes():
    """Swish as keras.ops.silu or as y·σ(y) after convolutions without activation."""

    def separate(x, expand):
        y = layers.Conv2D(expand, 1, padding="same")(x)
        y = y * keras.ops.sigmoid(y)
        y = keras.ops.silu(layers.DepthwiseConv2D(3, padding="same")(y))
        return layers.Add()([x, layers.Conv2D(x.shape[-1], 1, padding="same")(y)])

    assert_right(LESSON, "test_inverted_residual_shape", separate, seeds=(3, 11))


def linear_block(x, expand):
    """The finding's block: the right layers, no activation anywhere."""
    y = layers.Conv2D(expand, 1)(x)
    y = layers.DepthwiseConv2D(3, padding="same")(y)
    y = layers.Conv2D(x.shape[-1], 1)(y)
    return layers.Add()([x, y])


def activated(expansion, depthwise):
    def inverted_residual_block(x, expand):
        y = layers.Conv2D(expand, 1, padding="same", activation=expansion)(x)
        y = layers.DepthwiseConv2D(3, padding="same", activation=depthwise)(y)
        return layers.Add()([x, layers.Conv2D(x.shape[-1], 1, padding="same")(y)])

    return inverted_residual_block


def dense_projection(x, expand):
    y = layers.Conv2D(expand, 1, padding="same", activation="swish")(x)
    y = layers.DepthwiseConv2D(3, padding="same", activation="swish")(y)
    return layers.Add()([x, layers.Dense(x.shape[-1])(y)])


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_inverted_residual_shape", linear_block, "expansão 1×1 .*swish"),
        ("test_inverted_residual_shape", activated("sigmoid", "sigmoid"), "expansão .*swish"),
        ("test_inverted_residual_shape", activated("swish", "relu"), "profundidade .*swish"),
        ("test_inverted_residual_shape", activated("swish", None), "profundidade .*swish"),
        ("test_inverted_residual_sum", dense_projection, "Conv2D 1×1"),
        ("test_inverted_residual_sum", block(projection_activation="tanh"), "linear"),
    ],
)
def test_inverted_block_activations_and_projection(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint, seeds=(3, 11))


def test_linear_block_loses_only_the_shape_point():
    for grade_id in ("test_inverted_residual_params", "test_inverted_residual_sum"):
        assert_right(LESSON, grade_id, linear_block, seeds=(3, 11))


def test_inverted_params_match_keras():
    gen = np.random.default_rng(0)
    for _ in range(3):
        case = probes09._inverted_case(gen)
        inputs = keras.Input(shape=case["shape"])
        model = keras.Model(inputs, SOLVED["inverted_residual_block"](inputs, case["expand"]))
        assert verdicts.inverted_params(case) == model.count_params()


# ----------------------------------------------------------------------------- exercise 5


def se(guard=True, reshape=True, gate="sigmoid", pool=True, multiply="layer"):
    def se_block(x, ratio=16):
        channels = x.shape[-1]
        reduced = max(1, channels // ratio) if guard else channels // ratio
        s = layers.GlobalAveragePooling2D()(x) if pool else layers.Flatten()(x[:, :1, :1, :])
        s = layers.Dense(reduced, activation="relu")(s)
        s = layers.Dense(channels, activation=gate)(s)
        if reshape:
            s = layers.Reshape((1, 1, channels))(s)
        return layers.Multiply()([x, s]) if multiply == "layer" else x * s

    return se_block


def constant_weights(x, ratio=16):
    channels = x.shape[-1]
    reduced = max(1, channels // ratio)
    s = layers.Dense(reduced, activation="relu")(keras.ops.ones_like(x[:, 0, 0, :]))
    s = layers.Dense(channels, activation="sigmoid")(s)
    return layers.Multiply()([x, layers.Reshape((1, 1, channels))(s)])


def demo_se():
    ((_, _, _, overrides),) = verdicts.DEMO_EXTRA_STUDENTS
    return _exec_answer(overrides["se_block"], "se_block")


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_se_block_guard", se(guard=False), "ch // ratio|levantou"),
        ("test_se_block_guard", demo_se(), "ch // ratio|levantou"),
        ("test_se_block_excitation", se(gate="relu"), "entre 0 e 1"),
        ("test_se_block_excitation", se(gate=None), "entre 0 e 1"),
        ("test_se_block_excitation", se(reshape=False, multiply="ops"), "levantou|UM peso"),
        ("test_se_block_excitation", constant_weights, "PRÓPRIA imagem"),
        ("test_se_block_params", lambda x, ratio=16: layers.Multiply()([x, x]), "parâmetros"),
        ("test_se_block_params", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_se_blocks_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint, seeds=(11,))


def se_variant(pooling=layers.GlobalAveragePooling2D, middle="relu", gate="sigmoid"):
    """The solution's block with one layer changed (the findings' answers)."""

    def se_block(x, ratio=16):
        channels = x.shape[-1]
        s = pooling()(x)
        s = layers.Dense(max(1, channels // ratio), activation=middle)(s)
        s = layers.Dense(channels, activation=gate)(s)
        s = layers.Reshape((1, 1, channels))(s)
        return layers.Multiply()([x, s])

    return se_block


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (se_variant(pooling=layers.GlobalMaxPooling2D), "MÉDIA"),
        (se_variant(gate="softmax"), "softmax"),
        (se_variant(middle="tanh"), "ReLU"),
        (se_variant(middle=None), "ReLU"),
        (se_variant(gate="hard_sigmoid"), "sigmoide"),
    ],
)
def test_se_excitation_is_computed(wrong, hint):
    """The probe gives the dense layers known weights; the judge computes the block."""
    assert_wrong(LESSON, "test_se_block_excitation", wrong, hint, seeds=(3, 11))


def conv_se(x, ratio=16):
    """1×1 convolutions on the pooled (1, 1, ch) tensor instead of Dense layers."""
    channels = x.shape[-1]
    s = layers.GlobalAveragePooling2D(keepdims=True)(x)
    s = layers.Conv2D(max(1, channels // ratio), 1, activation="relu")(s)
    s = layers.Conv2D(channels, 1, activation="sigmoid")(s)
    return x * s


def ops_se(x, ratio=16):
    channels = x.shape[-1]
    s = keras.ops.mean(x, axis=(1, 2))
    s = keras.ops.sigmoid(layers.Dense(channels)(layers.Dense(max(1, channels // ratio))(s)))
    return layers.Multiply()([x, layers.Reshape((1, 1, channels))(s)])


def test_equivalent_se_blocks_pass():
    assert_right(LESSON, "test_se_block_excitation", conv_se, seeds=(3, 11, 2024))
    assert_right(LESSON, "test_se_block_params", conv_se, seeds=(3, 11))


def test_se_without_middle_relu_fails():
    assert_wrong(LESSON, "test_se_block_excitation", ops_se, "ReLU", seeds=(3, 11))


def test_demo_se_student_loses_only_the_guard():
    """Keras's Multiply inserts the missing axes: without Reshape the block still works."""
    assert_right(LESSON, "test_se_block_params", demo_se(), seeds=(6,))
    assert_right(LESSON, "test_se_block_excitation", demo_se(), seeds=(6,))


def test_se_params_match_keras():
    gen = np.random.default_rng(1)
    for kind in ("params", "guard", "excitation"):
        case = probes09._se_case(gen, kind)
        inputs = keras.Input(shape=case["shape"])
        model = keras.Model(inputs, SOLVED["se_block"](inputs, ratio=case["ratio"]))
        assert verdicts.se_params(case) == model.count_params()
