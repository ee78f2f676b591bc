"""Lesson 00b's visible self-checks: they accept right answers and reject wrong ones with a
Portuguese message, and hold no answer."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from lessontools import solution_namespace
from test_checks_lesson00 import fails, passes

from autograder.checks import lesson00b as check

# layer_costs uses the lesson's conv_output_size (extra code, not an answer)
SOLVED = solution_namespace(
    "00b_arquiteturas_classicas", also=lambda cell: "def conv_output_size" in cell.source
)


@pytest.mark.parametrize("part", ["convs", "dense", "pooling"])
def test_lenet_accepts_the_solution(part, capsys):
    passes(check.build_lenet5, SOLVED["build_lenet5"], part, capsys=capsys)


def test_lenet_rejects_mistakes():
    def with_max(input_shape=(32, 32, 1), num_classes=10):
        model = SOLVED["build_lenet5"](input_shape, num_classes)
        layers = [
            keras.layers.MaxPooling2D(2) if type(layer).__name__ == "AveragePooling2D" else layer
            for layer in model.layers
        ]
        return keras.Sequential([keras.Input(shape=input_shape)] + layers)

    fails(check.build_lenet5, with_max, "pooling", "AveragePooling2D")
    fails(check.build_lenet5, lambda s, k: None, "convs", "modelo Keras")


@pytest.mark.parametrize("part", ["alexnet", "params", "macs"])
def test_layer_costs_accepts_the_solution(part, capsys):
    passes(check.layer_costs, SOLVED["layer_costs"], part, capsys=capsys)


def test_layer_costs_rejects_mistakes():
    solve = SOLVED["layer_costs"]

    def no_dense_bias(specs, shape):
        return [
            (p - s[1], m) if s[0] == "dense" else (p, m)
            for s, (p, m) in zip(specs, solve(specs, shape))
        ]

    def bias_as_mac(specs, shape):
        return [
            (p, m // (p - s[1]) * p) if s[0] == "conv" else (p, m)
            for s, (p, m) in zip(specs, solve(specs, shape))
        ]

    fails(check.layer_costs, no_dense_bias, "alexnet", "vieses das")
    fails(check.layer_costs, no_dense_bias, "params", "parâmetros")
    fails(check.layer_costs, bias_as_mac, "alexnet", "viés")
    fails(check.layer_costs, bias_as_mac, "macs", "MACs")
    fails(check.layer_costs, lambda s, i: [], "params", "um par")


@pytest.mark.parametrize("part", ["alexnet", "params", "macs"])
def test_layer_costs_accepts_an_array_of_pairs(part, capsys):
    """As the hidden tests: an (n, 2) integer array is a list of pairs (finding F)."""
    solve = SOLVED["layer_costs"]
    passes(check.layer_costs, lambda s, i: np.array(solve(s, i)), part, capsys=capsys)


def test_softmax_layers_pass(capsys):
    """A softmax layer after the output Dense is right, as in the hidden tests (finding D)."""

    def softmax_layer(input_shape=(32, 32, 1), num_classes=10):
        model = SOLVED["build_lenet5"](input_shape, num_classes)
        layers = [keras.Input(shape=input_shape)] + model.layers[:-1]
        return keras.Sequential(layers + [keras.layers.Dense(num_classes), keras.layers.Softmax()])

    for part in ("convs", "dense", "pooling"):
        passes(check.build_lenet5, softmax_layer, part, capsys=capsys)


def test_multiple_choice_checks_only_the_form(capsys):
    passes(check.multiple_choice, "c", "resposta_transferencia", capsys=capsys)
    fails(check.multiple_choice, "e", "resposta_transferencia", "letras")
