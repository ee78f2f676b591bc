"""Lesson 04's hidden tests: the probes and the judges pass the solution and fail typical
mistakes, with a Portuguese reason, on inputs regenerated from the grading seed."""

from __future__ import annotations

import json
from functools import partial

import keras
import lessontools
import numpy as np
import pytest

from autograder import probes
from autograder.probes import lesson04 as probes04
from grader.verdicts import lesson04 as verdicts

LESSON = "04_aumento_de_dados"
ANSWERS = ("build_contrast_layer", "build_brightness_layer", "build_augmented_lenet")
SOLVED = lessontools.solution_namespace(  # the autograded answers and `lenet_layers`
    LESSON, also=lambda c: c.source.startswith("def lenet_layers"), manual=False
)
lenet_layers = SOLVED["lenet_layers"]
assert_right = partial(lessontools.assert_right, LESSON)
assert_wrong = partial(lessontools.assert_wrong, LESSON)


def _stub(*args, **kwargs):
    raise NotImplementedError()


# ----------------------------------------------------------------------------- coverage


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    lessontools.assert_tests_cover_cells(LESSON)


def test_demo_wrong_answer_names_an_answer_cell():
    lessontools.assert_demo_students_use_answer_cells(LESSON)
    assert set(verdicts.DEMO_WRONG_ANSWER) <= set(ANSWERS)  # an autograded one


def test_solution_passes_every_test():
    for grade_id, (probe_name, _) in verdicts.TESTS.items():
        assert_right(grade_id, SOLVED[probe_name], seeds=(0, 1, 99))


# ----------------------------------------------------------------------------- contrast


def contrast_right(factor, value_range=(0, 255)):
    return keras.layers.RandomContrast((factor, factor), value_range=value_range)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        # current Keras 3 (3.10 to 3.15): a scalar factor only raises the contrast.
        (lambda f, vr=(0, 255): keras.layers.RandomContrast(f, value_range=vr), "AUMENTOU"),
        (lambda f, vr=(0, 255): keras.layers.RandomContrast((f, f)), "faixa|value_range"),
        (lambda f, vr=(0, 255): contrast_right(f, (0, 255)), "faixa|value_range"),
        (lambda f, vr=(0, 255): contrast_right(f / 2, vr), "cobrir"),
        (lambda f, vr=(0, 255): contrast_right(min(1.0, 1.8 * f), vr), "entre"),
        (lambda f, vr=(0, 255): contrast_right(0.3, vr), "entre|cobrir"),
        (
            lambda f, vr=(0, 255): keras.layers.RandomBrightness(f, value_range=vr),
            "RandomContrast, não RandomBrightness",
        ),
        (lambda f, vr=(0, 255): None, "RandomContrast, não NoneType"),
        (_stub, "ainda não foi implementada"),
    ],
)
def test_build_contrast_layer_wrong_answers_fail(wrong, hint):
    assert_wrong("test_build_contrast_layer", wrong, hint)


# ----------------------------------------------------------------------------- brightness


def brightness_right(max_delta, value_range=(0, 255)):
    low, high = value_range
    return keras.layers.RandomBrightness(max_delta / (high - low), value_range=value_range)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        # the delta in pixel levels passed as the factor
        (lambda d, vr=(0, 255): keras.layers.RandomBrightness(d, value_range=vr), "FRAÇÃO"),
        # right factor, default value range 0-255
        (
            lambda d, vr=(0, 255): keras.layers.RandomBrightness(d / (vr[1] - vr[0])),
            "faixa|value_range",
        ),
        (lambda d, vr=(0, 255): brightness_right(d, (0, 255)), "faixa|value_range|FRAÇÃO"),
        (
            lambda d, vr=(0, 255): keras.layers.RandomBrightness(
                (0, d / (vr[1] - vr[0])), value_range=vr
            ),
            "subir e descer",
        ),
        (lambda d, vr=(0, 255): brightness_right(d / 3, vr), "FRAÇÃO"),
        (lambda d, vr=(0, 255): brightness_right(2 * d, vr), "FRAÇÃO"),
        (lambda d, vr=(0, 255): keras.layers.RandomBrightness(0.1, value_range=vr), "FRAÇÃO"),
        (lambda d, vr=(0, 255): contrast_right(0.2, vr), "RandomBrightness, não RandomContrast"),
        (_stub, "ainda não foi implementada"),
    ],
)
def test_build_brightness_layer_wrong_answers_fail(wrong, hint):
    assert_wrong("test_build_brightness_layer", wrong, hint)


# ----------------------------------------------------------------------------- augmented LeNet


def default_augmentation():
    return [
        keras.layers.RandomRotation(15 / 360, fill_mode="nearest"),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="nearest"),
        keras.layers.RandomFlip("horizontal"),
    ]


def colour_augmentation():
    return [
        keras.layers.RandomFlip("horizontal"),
        keras.layers.RandomHue(0.1, value_range=(-0.5, 0.5)),
        keras.layers.RandomSaturation(0.2, value_range=(-0.5, 0.5)),
        keras.layers.RandomColorJitter(
            value_range=(-0.5, 0.5), brightness_factor=0.1, contrast_factor=0.1, hue_factor=0.1
        ),
    ]


def make_builder(
    augmentation=default_augmentation,
    body=None,
    nested=True,
    optimizer="adam",
    compile_model=True,
    fixed_shape=None,
    metrics=("accuracy",),
    loss="sparse_categorical_crossentropy",
):
    body = body or lenet_layers

    def build(input_shape, num_classes):
        aug = augmentation()
        front = [keras.Sequential(aug, name="aumento")] if nested and aug else aug
        shape = fixed_shape or input_shape
        model = keras.Sequential([keras.Input(shape=shape), *front, *body(num_classes)])
        if compile_model:
            model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
        return model

    return build


def functional_builder(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for layer in default_augmentation() + lenet_layers(num_classes):
        x = layer(x)
    model = keras.Model(inputs, x)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    return model


@pytest.mark.parametrize(
    "builder",
    [
        make_builder(),
        make_builder(nested=False),
        make_builder(colour_augmentation),
        make_builder(lambda: [keras.layers.RandomFlip("horizontal")]),
        make_builder(
            lambda: [
                keras.layers.RandomZoom(0.1),
                keras.layers.RandomContrast((0.2, 0.2), value_range=(-0.5, 0.5)),
                keras.layers.RandomBrightness(0.1, value_range=(-0.5, 0.5)),
            ]
        ),
        functional_builder,
    ],
    ids=["nested", "flat", "colour", "flip_only", "zoom_contrast_brightness", "functional"],
)
def test_build_augmented_lenet_right_answers_pass(builder):
    assert_right("test_build_augmented_lenet", builder, seeds=(3, 4))


def demo_wrong_builder():
    scope = {"keras": keras, "np": np, "lenet_layers": lenet_layers}
    exec(verdicts.DEMO_WRONG_ANSWER["build_augmented_lenet"], scope)
    return scope["build_augmented_lenet"]


def conv_first(num_classes):
    layers = lenet_layers(num_classes)
    return layers[:1] + [keras.layers.RandomFlip("horizontal")] + layers[1:]


def wider_dense(num_classes):
    layers = lenet_layers(num_classes)
    layers[6] = keras.layers.Dense(512, activation="relu")
    return layers


def same_padding(num_classes):
    layers = lenet_layers(num_classes)
    layers[0] = keras.layers.Conv2D(20, (5, 5), activation="relu", padding="same")
    return layers


def no_softmax(num_classes):
    layers = lenet_layers(num_classes)
    layers[-1] = keras.layers.Dense(num_classes)
    return layers


class RandomFlipAlways(keras.layers.RandomFlip):
    """Flips in inference too (a custom layer that ignores `training`)."""

    def call(self, data, training=True):
        return super().call(data, training=True)


def resizing(num_classes):
    return [keras.layers.Resizing(32, 32)] + lenet_layers(num_classes)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (demo_wrong_builder(), "FRAÇÃO DE VOLTA"),
        (make_builder(lambda: [keras.layers.RandomRotation(0.3)]), "FRAÇÃO DE VOLTA"),
        (make_builder(lambda: []), "não encontrei"),
        (make_builder(lambda: [], body=conv_first), "COMEÇO"),
        (make_builder(body=wider_dense), "units=1000"),
        (make_builder(body=same_padding), "padding"),
        (make_builder(body=no_softmax), "softmax"),
        (make_builder(body=resizing), "LeNet"),
        (make_builder(lambda: [keras.layers.RandomBrightness(0.1)]), "value_range"),
        (make_builder(lambda: [keras.layers.RandomHue(0.1)]), "value_range"),
        (make_builder(lambda: [keras.layers.RandomCrop(24, 24)]), "preserv|tamanho"),
        (make_builder(lambda: [RandomFlipAlways("horizontal")]), "training=False"),
        (make_builder(fixed_shape=(32, 32, 3)), "input_shape"),
        (make_builder(compile_model=False), "Compile|compile"),
        (make_builder(optimizer="sgd"), "Adam"),
        (make_builder(metrics=()), "accuracy"),
        (make_builder(loss="mse"), "sparse_categorical_crossentropy"),
        (lambda shape, classes: "modelo", "modelo Keras"),
        (_stub, "ainda não foi implementada"),
    ],
)
def test_build_augmented_lenet_wrong_answers_fail(wrong, hint):
    assert_wrong("test_build_augmented_lenet", wrong, hint, seeds=(11,))


@pytest.mark.parametrize("shape, classes", [((32, 32, 3), 10), ((29, 33, 3), 4), ((40, 41, 1), 2)])
def test_lenet_params_match_keras(shape, classes):
    model = keras.Sequential([keras.Input(shape=shape), *lenet_layers(classes)])
    assert verdicts.lenet_params(shape, classes) == model.count_params()


def test_lenet_probe_output_stays_small():
    captured = []
    previous, probes.sink = probes.sink, captured.append
    try:
        probes04.build_augmented_lenet(make_builder())
    finally:
        probes.sink = previous
    assert len(json.dumps(captured[0])) < 1_000_000
