"""Lesson 07's visible self-checks: they accept right answers and reject wrong ones with a
Portuguese message, and hold no answer."""

from __future__ import annotations

import re

import keras
import nbformat
import numpy as np
import pytest
from conftest import ROOT
from lessontools import passes

from autograder.checks import CheckFailed
from autograder.checks import lesson07 as check

LESSON = "07_resnet"
SOLUTION = ROOT / "solutions" / LESSON / f"{LESSON}.ipynb"
MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def _solution():
    namespace = {}
    exec("import keras\nimport numpy as np\n", namespace)
    for cell in nbformat.read(SOLUTION, 4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        is_answer = grade_id in ("residual_block", "lr_schedule", "select_classes")
        if cell.cell_type == "code" and (
            is_answer
            or grade_id == "build_ponti_resnet"
            or cell.source.startswith("def resnet_layer")
        ):
            exec(MARKERS.sub("", cell.source), namespace)
    return namespace


SOLVED = _solution()
resnet_layer = SOLVED["resnet_layer"]


def _stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------- residual block


@pytest.mark.parametrize("part", check.BLOCK_PARTS)
def test_residual_block_accepts_the_solution(part, capsys):
    passes(check.residual_block, SOLVED["residual_block"], part, capsys=capsys)


def relu_before_sum(x, num_filters, strides=1):
    y = resnet_layer(resnet_layer(x, num_filters, strides=strides), num_filters)
    if strides != 1 or x.shape[-1] != num_filters:
        x = resnet_layer(x, num_filters, 1, strides, None, False)
    return keras.layers.Activation("relu")(keras.layers.Add()([x, y]))


def no_shortcut(x, num_filters, strides=1):
    y = resnet_layer(x, num_filters, strides=strides)
    return keras.layers.Activation("relu")(resnet_layer(y, num_filters, activation=None))


def concatenated(x, num_filters, strides=1):
    y = resnet_layer(resnet_layer(x, num_filters, strides=strides), num_filters, activation=None)
    if strides != 1:
        x = resnet_layer(x, num_filters, 1, strides, None, False)
    return keras.layers.Activation("relu")(keras.layers.Concatenate()([x, y]))


def projection_with_bn(x, num_filters, strides=1):
    y = resnet_layer(resnet_layer(x, num_filters, strides=strides), num_filters, activation=None)
    if strides != 1 or x.shape[-1] != num_filters:
        x = resnet_layer(x, num_filters, 1, strides, None, True)
    return keras.layers.Activation("relu")(keras.layers.Add()([x, y]))


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("identity", relu_before_sum, "não pode ter ativação"),
        ("identity", no_shortcut, "não depende do atalho"),
        ("projection", no_shortcut, "1×1 com passo 2"),
        ("projection", projection_with_bn, "ReLU\\(atalho"),
        ("params", projection_with_bn, "parâmetros"),
        ("add", concatenated, "concatena"),
        ("add", no_shortcut, "soma"),
        ("identity", _stub, "ainda não foi implementada"),
        ("add", lambda x, f, strides=1: "saída", "levantou"),
    ],
)
def test_residual_block_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.residual_block(wrong, part)


# ---------------------------------------------------------------------------- lr_schedule


@pytest.mark.parametrize("part", ["epochs", "beyond"])
def test_lr_schedule_accepts_the_solution(part, capsys):
    passes(check.lr_schedule, SOLVED["lr_schedule"], part, capsys=capsys)


def greater_or_equal(epoch):
    return SOLVED["lr_schedule"](epoch + 1)


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("epochs", greater_or_equal, "fronteiras"),
        ("epochs", lambda e: 1e-3, "época 81"),
        ("epochs", lambda e: "0.001", "número"),
        ("beyond", lambda e: 1e-3, "errou em 10"),
        ("epochs", _stub, "ainda não foi implementada"),
    ],
)
def test_lr_schedule_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.lr_schedule(wrong, part)


# ---------------------------------------------------------------------------- select_classes


@pytest.mark.parametrize("part", ["images", "labels"])
def test_select_classes_accepts_the_solution(part, capsys):
    passes(check.select_classes, SOLVED["select_classes"], part, capsys=capsys)


def increasing(images, labels, classes):
    labels = np.ravel(labels)
    keep = np.isin(labels, classes)
    return images[keep], np.searchsorted(np.sort(classes), labels[keep])


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("labels", increasing, "posição"),
        ("images", lambda x, y, c: (x[::-1], np.ravel(y)), "ordem original"),
        ("labels", lambda x, y, c: (x, y), "forma"),
        ("images", lambda x, y, c: x, "tupla"),
    ],
)
def test_select_classes_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.select_classes(wrong, part)


# ---------------------------------------------------------------------------- Ponti's ResNet


@pytest.mark.parametrize("part", ["params", "structure", "compile"])
def test_build_ponti_resnet_accepts_the_solution(part, capsys):
    passes(check.build_ponti_resnet, SOLVED["build_ponti_resnet"], part, capsys=capsys)


def adam_ponti(shape, classes):
    model = SOLVED["build_ponti_resnet"](shape, classes)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def flat_ponti(shape, classes):
    inputs = keras.Input(shape=shape)
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Flatten()(keras.layers.MaxPooling2D(2)(x))
    model = keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(x))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("compile", adam_ponti, "SGD"),
        ("params", flat_ponti, "186 058"),
        ("structure", flat_ponti, "3 blocos"),
        ("params", lambda shape, classes: None, "modelo Keras"),
    ],
)
def test_build_ponti_resnet_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.build_ponti_resnet(wrong, part)


# ---------------------------------------------------------------------------- multiple choice


def test_multiple_choice_checks_only_the_form(capsys):
    for letter in "abcd":
        check.multiple_choice(letter, "resposta_ponti")
    assert "formato certo" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="letras"):
        check.multiple_choice("e", "resposta_ponti")


def test_student_package_has_no_answers():
    """No reference block, schedule, network or right letter in the student package."""
    for name in ("RIGHT_LETTER", "REASON", "DEMO_WRONG_ANSWER", "expected_lr", "ponti_params"):
        assert not hasattr(check, name)
    assert not [name for name in dir(check) if "reference" in name.lower()]
