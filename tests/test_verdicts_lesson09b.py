"""Lesson 09b's hidden tests: the probes and the judges pass the solution and fail typical
mistakes (BatchNormalization unfrozen, the base left trainable, weights downloaded), with a
Portuguese reason, on inputs regenerated from the grading seed."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from lessontools import (
    assert_demo_students_use_answer_cells,
    assert_right,
    assert_tests_cover_cells,
    assert_wrong,
    judged,
    solution_namespace,
)

from autograder import probes
from autograder.probes import lesson09b as probes09b
from grader.verdicts import lesson09b as verdicts

LESSON = "09b_transferencia"
SOLVED = solution_namespace(LESSON)
ANSWER_OF = {
    "transfer": SOLVED["build_transfer_model"],
    "unfreeze_top": SOLVED["unfreeze_top"],
    "resposta_bn": SOLVED["resposta_bn"],
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
    assert_tests_cover_cells(LESSON, no_inputs=frozenset({"resposta_bn"}))


def test_demo_answers_name_answer_cells():
    assert_demo_students_use_answer_cells(LESSON)


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_solution_passes(grade_id):
    probe_name, _ = verdicts.TESTS[grade_id]
    assert_right(LESSON, grade_id, _answer_for(probe_name), seeds=(3,))


# ----------------------------------------------------------------------------- exercise 1


def transfer(resize=True, frozen=True, top=True, softmax=True, head_frozen=False, hardcoded=False):
    def build_transfer_model(num_classes, input_shape=(32, 32, 3), image_size=224, weights=None):
        inputs = keras.Input(shape=input_shape)
        x = layers.Resizing(image_size, image_size)(inputs) if resize else inputs
        shape = (image_size, image_size, 3) if resize else input_shape
        if not resize and min(input_shape[:2]) < 32:
            shape = None
        base = keras.applications.EfficientNetB0(
            include_top=False, weights="imagenet" if hardcoded else weights, input_shape=shape
        )
        base.trainable = not frozen
        x = base(x, training=False)
        x = layers.GlobalAveragePooling2D()(x)
        if not top:
            x = layers.Dense(128, activation="relu")(x)
        dense = layers.Dense(num_classes, activation="softmax" if softmax else None)
        if head_frozen:
            dense.trainable = False
        return keras.Model(inputs, dense(x))

    return build_transfer_model


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_transfer_output", transfer(resize=False), "Resizing"),
        ("test_transfer_output", transfer(top=False), "parâmetros"),
        ("test_transfer_output", transfer(softmax=False), "probabilidades"),
        ("test_transfer_frozen", transfer(frozen=False), "congelada"),
        ("test_transfer_frozen", transfer(head_frozen=True), "Não congele"),
        ("test_transfer_output", lambda k, s, image_size, weights: "modelo", "modelo Keras"),
    ],
)
def test_wrong_transfer_models_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint, seeds=(11,))


def conv_instead_of_base(num_classes, input_shape=(32, 32, 3), image_size=224, weights=None):
    """The finding's model: a frozen 1×1 convolution to 1280 channels in place of the base."""
    inputs = keras.Input(shape=input_shape)
    x = layers.Resizing(image_size, image_size)(inputs)
    x = layers.Conv2D(1280, 1, trainable=False)(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))


def test_frozen_needs_the_base():
    wrong = conv_instead_of_base
    assert_wrong(LESSON, "test_transfer_frozen", wrong, "EfficientNetB0 sem o topo", seeds=(3, 11))


@pytest.fixture
def offline_weights(monkeypatch):
    """Every weight download fails at once, as Keras fails on an offline machine."""
    from keras.src.utils import file_utils

    def refuse(fname=None, origin=None, *args, **kwargs):
        raise Exception(f"URL fetch failure on {origin}: None -- sem rede (teste)")

    monkeypatch.setattr(file_utils, "get_file", refuse)


def test_hardcoded_imagenet_weights_fail_offline(offline_weights):
    wrong = transfer(hardcoded=True)
    assert_wrong(LESSON, "test_transfer_output", wrong, "Passe o argumento weights", seeds=(11,))


def test_base_params_constant():
    assert verdicts.base_params() == 4_049_571


def unfreeze(mistake):
    def unfreeze_top(base, n):
        if mistake == "no_base_flag":
            for layer in base.layers[-n:]:
                if not isinstance(layer, layers.BatchNormalization):
                    layer.trainable = True
            return
        if mistake == "flag_last":
            for layer in base.layers[:-n]:
                layer.trainable = False
            base.trainable = True
            return
        base.trainable = True
        cut = -n - 1 if mistake == "off_by_one" else -n
        if mistake == "whole_base":
            cut = len(base.layers)
        for layer in base.layers[:cut]:
            if mistake != "whole_base":
                layer.trainable = False
            elif isinstance(layer, layers.BatchNormalization):
                layer.trainable = False
        for layer in base.layers[cut:]:
            if mistake != "bn_too" and isinstance(layer, layers.BatchNormalization):
                layer.trainable = False

    return unfreeze_top


def demo_unfreeze():
    return _exec_answer(verdicts.DEMO_WRONG_ANSWER["unfreeze_top"], "unfreeze_top")


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_unfreeze_top_layers", unfreeze("no_base_flag"), "base continua congelada"),
        ("test_unfreeze_top_layers", unfreeze("flag_last"), "ANTES das"),
        ("test_unfreeze_top_layers", unfreeze("whole_base"), "ANTES das"),
        ("test_unfreeze_top_layers", unfreeze("off_by_one"), "ANTES das"),
        ("test_unfreeze_top_layers", lambda base, n: None, "congelada"),
        ("test_unfreeze_top_bn", unfreeze("bn_too"), "BatchNormalization"),
        ("test_unfreeze_top_bn", demo_unfreeze(), "BatchNormalization"),
        ("test_unfreeze_top_bn", unfreeze("flag_last"), "BatchNormalization"),
        ("test_unfreeze_top_bn", lambda base, n: None, "congelada"),
        ("test_unfreeze_top_bn", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_unfreezes_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint, seeds=(11,))


def test_demo_unfreeze_keeps_the_layers_test():
    assert_right(LESSON, "test_unfreeze_top_layers", demo_unfreeze(), seeds=(6,))


def test_unfreeze_probe_fails_fast():
    """An answer that changes nothing never gets the EfficientNetB0 base."""
    captured = []
    previous, probes.sink = probes.sink, captured.append
    try:
        probes09b.unfreeze_top_layers(lambda base, n: None)
        probes09b.unfreeze_top_bn(3)
    finally:
        probes.sink = previous
    assert [len(payload["results"]) for payload in captured] == [1, 1]


# ----------------------------------------------------------------------------- exercise 2 (multiple choice)


@pytest.mark.parametrize("answer", ["b", " (B) "])
def test_right_letter_passes(answer):
    verdict = judged(LESSON, "test_resposta_bn", answer, 1)
    assert verdict.passed and "ImageNet" in verdict.message


@pytest.mark.parametrize("answer", ["a", "c", "d", 2, None])
def test_wrong_letters_fail(answer):
    verdict = judged(LESSON, "test_resposta_bn", answer, 1)
    assert not verdict.passed
    assert "alternativa" in verdict.message or "texto" in verdict.message


def test_the_right_letter_is_only_in_the_verdicts():
    from autograder.checks import lesson09b as check

    assert "RIGHT_LETTER" not in vars(check) and "RIGHT_LETTER" not in vars(probes09b)
