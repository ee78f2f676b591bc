"""Lesson 09b's visible self-checks: they accept right answers and reject wrong ones with a
Portuguese message, and hold no answer."""

from __future__ import annotations

import keras
import pytest
from lessontools import fails, passes, solution_namespace

from autograder.checks import lesson09b as check

SOLVED = solution_namespace("09b_transferencia")
layers = keras.layers


def _stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------- exercise 1


@pytest.mark.parametrize("part", ["output", "frozen"])
def test_transfer_model_accepts_the_solution(part, capsys):
    passes(check.build_transfer_model, SOLVED["build_transfer_model"], part, capsys=capsys)


def unfrozen_model(num_classes, input_shape=(32, 32, 3), image_size=224, weights=None):
    inputs = keras.Input(shape=input_shape)
    x = layers.Resizing(image_size, image_size)(inputs)
    base = keras.applications.EfficientNetB0(
        include_top=False, weights=weights, input_shape=(image_size, image_size, 3)
    )
    x = layers.GlobalAveragePooling2D()(base(x))
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))


def conv_instead_of_base(num_classes, input_shape=(32, 32, 3), image_size=224, weights=None):
    inputs = keras.Input(shape=input_shape)
    x = layers.Resizing(image_size, image_size)(inputs)
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(1280, 1, trainable=False)(x))
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))


def test_transfer_model_rejects_mistakes():
    fails(check.build_transfer_model, unfrozen_model, "frozen", hint="treináveis")
    fails(check.build_transfer_model, conv_instead_of_base, "frozen", hint="EfficientNetB0")
    fails(check.build_transfer_model, lambda *a, **k: None, "output", hint="modelo Keras")


@pytest.mark.parametrize("part", ["layers", "bn"])
def test_unfreeze_top_accepts_the_solution(part, capsys):
    passes(check.unfreeze_top, SOLVED["unfreeze_top"], part, capsys=capsys)


def bn_too(base, n):
    base.trainable = True
    for layer in base.layers[:-n]:
        layer.trainable = False


def test_unfreeze_top_rejects_mistakes():
    fails(check.unfreeze_top, bn_too, "bn", hint="BatchNormalization")
    fails(check.unfreeze_top, lambda base, n: None, "layers", hint="congelada")
    fails(check.unfreeze_top, _stub, "bn", hint="ainda não foi implementada")


def test_unknown_parts_raise():
    with pytest.raises(ValueError):
        check.unfreeze_top(SOLVED["unfreeze_top"], "everything")
