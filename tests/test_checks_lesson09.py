"""Lesson 09's visible self-checks: they accept right answers and reject wrong ones with a
Portuguese message, and hold no answer."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from lessontools import fails, passes, solution_namespace

from autograder.checks import lesson09 as check

SOLVED = solution_namespace("09_efficientnet")
layers = keras.layers


def _stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------- exercise 1


@pytest.mark.parametrize("part", ["multipliers", "flops"])
def test_compound_scaling_accepts_the_solution(part, capsys):
    passes(check.compound_scaling, SOLVED["compound_scaling"], part, capsys=capsys)


def test_compound_scaling_rejects_mistakes():
    def two_to_phi(phi, alpha=1.2, beta=1.1, gamma=1.15):
        return alpha**phi, beta**phi, gamma**phi, 2.0**phi

    def linear(phi, alpha=1.2, beta=1.1, gamma=1.15):
        return alpha * phi, beta * phi, gamma * phi, 2.0**phi

    fails(check.compound_scaling, two_to_phi, "flops", hint="aproximação")
    fails(check.compound_scaling, linear, "multipliers", hint="α\\^φ")
    fails(check.compound_scaling, lambda phi: 1.0, "multipliers", hint="tupla")
    fails(check.compound_scaling, _stub, "flops", hint="ainda não foi implementada")


# ---------------------------------------------------------------------------- exercise 2


@pytest.mark.parametrize("name", ["swish", "gelu", "gelu_sigmoid"])
def test_activations_accept_the_solution(name, capsys):
    passes(getattr(check, name), SOLVED[name], capsys=capsys)


def test_activations_reject_mistakes():
    fails(check.gelu, lambda x: np.asarray(keras.ops.gelu(x)), hint="difere")
    fails(check.gelu_sigmoid, SOLVED["gelu"], hint="difere")
    fails(check.swish, lambda x: np.maximum(x, 0), hint="difere")
    fails(check.swish, lambda x: list(x), hint="np.ndarray")
    fails(check.swish, lambda x: SOLVED["swish"](x).ravel(), hint="forma")
    fails(check.gelu, _stub, hint="ainda não foi implementada")


# ---------------------------------------------------------------------------- exercise 3


@pytest.mark.parametrize("part", ["params", "mults"])
def test_conv_costs_accepts_the_solution(part, capsys):
    passes(check.conv_costs, SOLVED["conv_costs"], part, capsys=capsys)


def test_conv_costs_rejects_mistakes():
    def no_bias(h, w, c_in, c_out, k):
        got = SOLVED["conv_costs"](h, w, c_in, c_out, k)
        got["normal"] = (got["normal"][0] - c_out, got["normal"][1])
        return got

    def one_pixel(h, w, c_in, c_out, k):
        return {
            kind: (p, m // (h * w))
            for kind, (p, m) in SOLVED["conv_costs"](h, w, c_in, c_out, k).items()
        }

    fails(check.conv_costs, no_bias, "params", hint="count_params")
    fails(check.conv_costs, one_pixel, "mults", hint="multiplicações")
    fails(check.conv_costs, lambda *a: [1, 2, 3], "params", hint="dicionário")


@pytest.mark.parametrize("part", ["params", "mults"])
def test_conv_costs_accepts_extra_keys(part):
    def with_extra(*args):
        return {**SOLVED["conv_costs"](*args), "extra": (0, 0)}

    passes(check.conv_costs, with_extra, part)


# ---------------------------------------------------------------------------- exercise 4


@pytest.mark.parametrize("part", ["shape", "params", "sum"])
def test_inverted_block_accepts_the_solution(part, capsys):
    passes(check.inverted_residual_block, SOLVED["inverted_residual_block"], part, capsys=capsys)


def apostila_block(x, expand, squeeze=16):
    y = layers.Conv2D(expand, 1, activation="relu")(x)
    y = layers.DepthwiseConv2D(3, activation="relu")(y)
    y = layers.Conv2D(squeeze, 1, activation="relu")(y)
    return layers.Add()([y, x])


def relu_projection(x, expand):
    y = layers.Conv2D(expand, 1, padding="same", activation="swish")(x)
    y = layers.DepthwiseConv2D(3, padding="same", activation="swish")(y)
    y = layers.Conv2D(x.shape[-1], 1, activation="relu")(y)
    return layers.Add()([x, y])


def linear_block(x, expand):
    y = layers.Conv2D(expand, 1)(x)
    y = layers.DepthwiseConv2D(3, padding="same")(y)
    return layers.Add()([x, layers.Conv2D(x.shape[-1], 1)(y)])


def relu_depthwise(x, expand):
    y = layers.Conv2D(expand, 1, padding="same", activation="swish")(x)
    y = layers.DepthwiseConv2D(3, padding="same", activation="relu")(y)
    return layers.Add()([x, layers.Conv2D(x.shape[-1], 1)(y)])


def dense_projection(x, expand):
    y = layers.Conv2D(expand, 1, padding="same", activation="swish")(x)
    y = layers.DepthwiseConv2D(3, padding="same", activation="swish")(y)
    return layers.Add()([x, layers.Dense(x.shape[-1])(y)])


def separate_swish(x, expand):
    y = layers.Activation("swish")(layers.Conv2D(expand, 1, padding="same")(x))
    y = keras.ops.silu(layers.DepthwiseConv2D(3, padding="same")(y))
    return x + layers.Conv2D(x.shape[-1], 1)(y)


def test_inverted_block_rejects_mistakes():
    fails(check.inverted_residual_block, apostila_block, "shape", hint="levantou")
    fails(check.inverted_residual_block, linear_block, "shape", hint="expansão 1×1 .*swish")
    fails(check.inverted_residual_block, relu_depthwise, "shape", hint="profundidade .*swish")
    fails(check.inverted_residual_block, dense_projection, "sum", hint="Conv2D 1×1")
    fails(check.inverted_residual_block, relu_projection, "sum", hint="linear")
    fails(check.inverted_residual_block, _stub, "params", hint="ainda não foi implementada")


# ---------------------------------------------------------------------------- exercise 5


@pytest.mark.parametrize("part", ["params", "guard", "excitation"])
def test_se_block_accepts_the_solution(part, capsys):
    passes(check.se_block, SOLVED["se_block"], part, capsys=capsys)


def unguarded(x, ratio=16):
    channels = x.shape[-1]
    s = layers.GlobalAveragePooling2D()(x)
    s = layers.Dense(channels // ratio, activation="relu")(s)
    s = layers.Dense(channels, activation="sigmoid")(s)
    return layers.Multiply()([x, s])


def no_gate(x, ratio=16):
    channels = x.shape[-1]
    s = layers.GlobalAveragePooling2D()(x)
    s = layers.Dense(max(1, channels // ratio), activation="relu")(s)
    s = layers.Reshape((1, 1, channels))(layers.Dense(channels)(s))
    return layers.Multiply()([x, s])


def test_inverted_block_accepts_separate_swish():
    for part in ("shape", "params", "sum"):
        passes(check.inverted_residual_block, separate_swish, part)


def se_variant(pooling=layers.GlobalAveragePooling2D, middle="relu", gate="sigmoid"):
    def se_block(x, ratio=16):
        channels = x.shape[-1]
        s = pooling()(x)
        s = layers.Dense(max(1, channels // ratio), activation=middle)(s)
        s = layers.Dense(channels, activation=gate)(s)
        return layers.Multiply()([x, layers.Reshape((1, 1, channels))(s)])

    return se_block


@pytest.mark.parametrize(
    "wrong",
    [
        se_variant(pooling=layers.GlobalMaxPooling2D),
        se_variant(gate="softmax"),
        se_variant(middle="tanh"),
    ],
)
def test_se_block_computes_the_excitation(wrong):
    fails(check.se_block, wrong, "excitation", hint="média|ReLU|sigmoide")


def test_se_block_rejects_mistakes():
    fails(check.se_block, unguarded, "guard", hint="levantou|max\\(1")
    fails(check.se_block, no_gate, "excitation", hint="entre 0 e 1")
    fails(check.se_block, _stub, "params", hint="ainda não foi implementada")


def test_unknown_parts_raise():
    with pytest.raises(ValueError):
        check.se_block(SOLVED["se_block"], "everything")
