"""Lesson 00b's hidden tests: the probes and the judges pass the solution and fail typical
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

from autograder.probes import lesson00b as probes00b
from grader.verdicts import lesson00b as verdicts

LESSON = "00b_arquiteturas_classicas"
# layer_costs uses the lesson's conv_output_size (extra code, not an answer)
SOLVED = solution_namespace(LESSON, also=lambda cell: "def conv_output_size" in cell.source)
ANSWER_OF = {
    "lenet": SOLVED["build_lenet5"],
    "layer_costs": SOLVED["layer_costs"],
    "resposta_transferencia": SOLVED["resposta_transferencia"],
}


def _answer_for(probe_name: str):
    return next(v for k, v in ANSWER_OF.items() if probe_name.startswith(k))


def _stub(*args, **kwargs):
    raise NotImplementedError()


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    assert_tests_cover_cells(LESSON, no_inputs=frozenset({"resposta_transferencia"}))


def test_demo_answers_name_answer_cells():
    assert_demo_students_use_answer_cells(LESSON)


def test_demo_wrong_answer_loses_only_the_subsampling():
    """The demo's student (the architectures notebook's MaxPooling2D) loses one test."""
    scope = {"keras": keras}
    exec(verdicts.DEMO_WRONG_ANSWER["build_lenet5"], scope)
    wrong = scope["build_lenet5"]
    assert_wrong(LESSON, "test_lenet5_pooling", wrong, "AveragePooling2D")
    for grade_id in ("test_lenet5_convs", "test_lenet5_dense"):
        assert_right(LESSON, grade_id, wrong, seeds=(5,))


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_solution_passes(grade_id):
    probe_name, _ = verdicts.TESTS[grade_id]
    assert_right(LESSON, grade_id, _answer_for(probe_name), seeds=(0, 1))


@pytest.mark.parametrize("grade_id", sorted(set(verdicts.TESTS) - {"test_resposta_transferencia"}))
def test_unimplemented_answer_fails(grade_id):
    assert_wrong(LESSON, grade_id, _stub, "NotImplementedError")


# ---------------------------------------------------------------------------- exercise 1


def lenet(pool=keras.layers.AveragePooling2D, activation="tanh", classes_fixed=False, extra=False):
    def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
        layers = [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(6, 5, activation=activation),
            pool(2),
            keras.layers.Conv2D(16, 5, activation=activation),
            pool(2),
            keras.layers.Conv2D(120, 5, activation=activation),
            keras.layers.Flatten(),
        ]
        if extra:
            layers.append(keras.layers.Dense(120, activation=activation))
        layers += [
            keras.layers.Dense(84, activation=activation),
            keras.layers.Dense(10 if classes_fixed else num_classes, activation="softmax"),
        ]
        return keras.Sequential(layers)

    return build_lenet5


def seed_notebook_lenet(input_shape=(32, 32, 1), num_classes=10):
    """The architectures notebook's version: padding on C1 (28×28 input there), ReLU, max."""
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(6, 5, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(16, 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(120, activation="relu"),
            keras.layers.Dense(84, activation="relu"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )


def separate_activations(input_shape=(32, 32, 1), num_classes=10):
    act = keras.layers.Activation
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(6, 5),
            act("tanh"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(16, 5),
            act("tanh"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(120, 5),
            act("tanh"),
            keras.layers.Flatten(),
            keras.layers.Dense(84),
            act("tanh"),
            keras.layers.Dense(num_classes),
            act("softmax"),
        ]
    )


def test_lenet_variants():
    for grade_id in ("test_lenet5_convs", "test_lenet5_dense", "test_lenet5_pooling"):
        assert_right(LESSON, grade_id, separate_activations, seeds=(5,))
    assert_wrong(LESSON, "test_lenet5_pooling", lenet(pool=keras.layers.MaxPooling2D), "Average")
    assert_right(LESSON, "test_lenet5_convs", lenet(pool=keras.layers.MaxPooling2D), seeds=(5,))
    assert_wrong(LESSON, "test_lenet5_convs", lenet(activation="relu"), "tanh")
    assert_wrong(LESSON, "test_lenet5_dense", lenet(classes_fixed=True), "saída")
    assert_wrong(LESSON, "test_lenet5_dense", lenet(extra=True), "2 camadas densas")
    assert_wrong(LESSON, "test_lenet5_convs", seed_notebook_lenet, "3 convoluções")
    assert_wrong(LESSON, "test_lenet5_convs", lambda shape, k: "lenet", "modelo Keras")


def softmax_layer(input_shape=(32, 32, 1), num_classes=10):
    """The output Dense followed by a keras.layers.Softmax() layer."""
    model = lenet()(input_shape, num_classes)
    layers = [keras.Input(shape=input_shape)] + model.layers[:-1]
    layers += [keras.layers.Dense(num_classes), keras.layers.Softmax()]
    return keras.Sequential(layers)


def test_softmax_layer_is_a_softmax():
    """Finding D: only an Activation layer counted as the output's softmax."""
    for grade_id in ("test_lenet5_convs", "test_lenet5_dense", "test_lenet5_pooling"):
        assert_right(LESSON, grade_id, softmax_layer, seeds=(3, 11))

    def no_softmax(input_shape=(32, 32, 1), num_classes=10):
        model = softmax_layer(input_shape, num_classes)
        return keras.Sequential([keras.Input(shape=input_shape)] + model.layers[:-1])

    assert_wrong(LESSON, "test_lenet5_dense", no_softmax, "softmax")


def test_lenet_closed_forms_match_keras():
    """The judge's counts (156 or (25·C + 1)·6, 2 416, 48 120, 10 164, 85·K) are Keras'."""
    model = SOLVED["build_lenet5"]((32, 32, 3), 7)
    counts = [layer.count_params() for layer in model.layers if layer.count_params()]
    assert counts == [(25 * 3 + 1) * 6, 2416, 48120, 10164, 84 * 7 + 7]


# ---------------------------------------------------------------------------- exercise 2


def no_dense_bias(specs, input_shape):
    costs = SOLVED["layer_costs"](specs, input_shape)
    return [
        (p - spec[1], m) if spec[0] == "dense" else (p, m) for spec, (p, m) in zip(specs, costs)
    ]


def bias_as_mac(specs, input_shape):
    """The architectures notebook's 'forward computation': (F·F·D₁ + 1)·K·H₂·W₂."""
    costs = SOLVED["layer_costs"](specs, input_shape)
    out = []
    for spec, (p, m) in zip(specs, costs):
        if spec[0] == "conv":
            m = m // (p - spec[1]) * p
        out.append((p, m))
    return out


def square_only_costs(specs, input_shape):
    h, _, c = input_shape
    return SOLVED["layer_costs"](specs, (h, h, c))


def pool_changes_depth(specs, input_shape):
    costs = SOLVED["layer_costs"](specs, input_shape)
    return [(p, m) if spec[0] != "pool" else (0, 1) for spec, (p, m) in zip(specs, costs)]


def test_layer_costs_mistakes():
    assert_wrong(LESSON, "test_layer_costs_alexnet", no_dense_bias, "viés conta")
    assert_right(LESSON, "test_layer_costs_macs", no_dense_bias)  # only parameters are wrong
    assert_wrong(LESSON, "test_layer_costs_params", no_dense_bias, "viés conta")
    assert_wrong(LESSON, "test_layer_costs_alexnet", bias_as_mac, "não conta")
    assert_wrong(LESSON, "test_layer_costs_macs", bias_as_mac, "não conta")
    assert_wrong(LESSON, "test_layer_costs_params", square_only_costs, "parâmetros")
    assert_wrong(LESSON, "test_layer_costs_macs", pool_changes_depth, "Pooling")
    assert_wrong(LESSON, "test_layer_costs_params", lambda s, i: [], "um par")


@pytest.mark.parametrize(
    "grade_id", ["test_layer_costs_alexnet", "test_layer_costs_params", "test_layer_costs_macs"]
)
def test_costs_as_an_array_or_tuples_pass(grade_id):
    """Finding F: an (n, 2) integer array (or tuples of tuples) is a list of pairs."""
    solve = SOLVED["layer_costs"]
    assert_right(LESSON, grade_id, lambda s, i: np.array(solve(s, i)), seeds=(3, 11, 12))
    assert_right(LESSON, grade_id, lambda s, i: tuple(map(tuple, solve(s, i))), seeds=(3,))
    assert_right(LESSON, grade_id, lambda s, i: list(np.array(solve(s, i))), seeds=(3,))
    as_floats = lambda s, i: np.array(solve(s, i), dtype=float)  # noqa: E731
    assert_wrong(LESSON, grade_id, as_floats, "inteiro")
    assert_wrong(LESSON, grade_id, lambda s, i: np.array(solve(s, i))[:, :1], "par")


def test_alexnet_costs_match_the_table_and_keras():
    """The judge's closed forms give the architectures notebook's numbers once its two
    conventions are undone, and Keras' count_params() on a small list."""
    costs = verdicts.expected_costs(probes00b.ALEXNET, (227, 227, 3))
    params = sum(p for p, _ in costs)
    assert params == 62_369_152 + 4096 + 4096 + 1000
    biases_as_ops = sum(
        m + spec[1] * m // (p - spec[1])
        for spec, (p, m) in zip(probes00b.ALEXNET, costs)
        if spec[0] == "conv"
    )
    assert biases_as_ops == 1_077_284_224
    specs, shape = probes00b.layer_costs_params_inputs(np.random.default_rng(7))[2]
    x = keras.Input(shape=shape)
    counts = []
    for spec in specs:
        if spec[0] == "conv":
            layer = keras.layers.Conv2D(spec[1], spec[2], strides=spec[3])
            x = layer(keras.layers.ZeroPadding2D(spec[4])(x))
        elif spec[0] == "pool":
            layer = keras.layers.MaxPooling2D(spec[1], spec[2])
            x = layer(x)
        else:
            layer = keras.layers.Dense(spec[1])
            x = layer(keras.layers.Flatten()(x) if len(x.shape) > 2 else x)
        counts.append(layer.count_params())
    assert counts == [p for p, _ in verdicts.expected_costs(specs, shape)]


# ---------------------------------------------------------------------------- exercise 3


def test_multiple_choice():
    assert_right(LESSON, "test_resposta_transferencia", "(B) ")
    for letter in "acd":
        assert_wrong(LESSON, "test_resposta_transferencia", letter, "alternativa certa")
    assert_wrong(LESSON, "test_resposta_transferencia", 2, "texto")
