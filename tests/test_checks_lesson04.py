"""Lesson 04 self-checks accept right answers and reject wrong ones with the right hint."""

import re
from pathlib import Path

import keras
import numpy as np
import pytest

from autograder.checks import CheckFailed, lesson04
from grader.verdicts import lesson04 as verdicts


def stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------- contrast


def contrast_right(factor, value_range=(0, 255)):
    return keras.layers.RandomContrast((factor, factor), value_range=value_range)


def test_build_contrast_layer_right(capsys):
    lesson04.build_contrast_layer(contrast_right)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        # current Keras 3 (3.10 to 3.15): a scalar factor only raises the contrast.
        (lambda f, vr=(0, 255): keras.layers.RandomContrast(f, value_range=vr), "AUMENTOU"),
        (lambda f, vr=(0, 255): keras.layers.RandomContrast((f, f)), "value_range"),
        (lambda f, vr=(0, 255): contrast_right(f / 2, vr), "cobrir"),
        (lambda f, vr=(0, 255): contrast_right(min(1.0, 1.8 * f), vr), "entre"),
        (lambda f, vr=(0, 255): contrast_right(0.3, (0, 255)), "value_range|entre|cobrir"),
        (
            lambda f, vr=(0, 255): keras.layers.RandomBrightness(f, value_range=vr),
            "RandomContrast",
        ),
        (stub, "ainda não foi implementada"),
        ("não é função", "Esperava a função"),
    ],
)
def test_build_contrast_layer_wrong(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson04.build_contrast_layer(wrong)


def test_contrast_multipliers_measures_the_factor():
    x = np.random.default_rng(1).uniform(100, 150, (50, 6, 6, 3)).astype("float32")
    m = lesson04.contrast_multipliers(keras.layers.RandomContrast((0.4, 0.4)), x)
    assert m.shape == (50,) and 0.6 - 1e-3 <= m.min() < 0.8 and 1.2 < m.max() <= 1.4 + 1e-3


# ---------------------------------------------------------------------------- brightness


def brightness_right(max_delta, value_range=(0, 255)):
    low, high = value_range
    return keras.layers.RandomBrightness(max_delta / (high - low), value_range=value_range)


def test_build_brightness_layer_right(capsys):
    lesson04.build_brightness_layer(brightness_right)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        # the delta in pixel levels passed as the factor
        (lambda d, vr=(0, 255): keras.layers.RandomBrightness(d, value_range=vr), "FRAÇÃO"),
        # right factor, but the default value range 0-255
        (lambda d, vr=(0, 255): keras.layers.RandomBrightness(d / (vr[1] - vr[0])), "FRAÇÃO"),
        (
            lambda d, vr=(0, 255): keras.layers.RandomBrightness(
                (0, d / (vr[1] - vr[0])), value_range=vr
            ),
            "subir e descer",
        ),
        (lambda d, vr=(0, 255): brightness_right(d / 3, vr), "FRAÇÃO"),
        (lambda d, vr=(0, 255): keras.layers.RandomBrightness(0.1, value_range=vr), "FRAÇÃO"),
        (lambda d, vr=(0, 255): contrast_right(0.2, vr), "RandomBrightness"),
        (stub, "ainda não foi implementada"),
    ],
)
def test_build_brightness_layer_wrong(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson04.build_brightness_layer(wrong)


# ---------------------------------------------------------------------------- augmented LeNet


def lenet_layers(num_classes):
    return [
        keras.layers.Conv2D(20, kernel_size=(5, 5), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(40, kernel_size=(5, 5), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(1000, activation="relu"),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]


def default_augmentation():
    return [
        keras.layers.RandomRotation(15 / 360, fill_mode="nearest"),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="nearest"),
        keras.layers.RandomFlip("horizontal"),
    ]


def make_builder(
    augmentation=default_augmentation,
    body=lenet_layers,
    nested=True,
    optimizer="adam",
    compile_model=True,
    fixed_shape=None,
    metrics=("accuracy",),
):
    def build(input_shape, num_classes):
        shape = fixed_shape or input_shape
        aug = augmentation()
        front = [keras.Sequential(aug, name="aumento")] if nested and aug else aug
        model = keras.Sequential([keras.Input(shape=shape), *front, *body(num_classes)])
        if compile_model:
            model.compile(
                optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=list(metrics)
            )
        return model

    return build


def functional_builder(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for layer in default_augmentation() + lenet_layers(num_classes):
        x = layer(x)
    model = keras.Model(inputs, x)
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    return model


def colour_augmentation():
    """Colour layers need 3 channels: the checks use CIFAR-10-like inputs."""
    return [
        keras.layers.RandomFlip("horizontal"),
        keras.layers.RandomHue(0.1, value_range=(-0.5, 0.5)),
        keras.layers.RandomSaturation(0.2, value_range=(-0.5, 0.5)),
        keras.layers.RandomColorJitter(
            value_range=(-0.5, 0.5), brightness_factor=0.1, contrast_factor=0.1
        ),
    ]


@pytest.mark.parametrize(
    "builder",
    [
        make_builder(),
        make_builder(nested=False),
        functional_builder,
        make_builder(colour_augmentation),
    ],
)
def test_build_augmented_lenet_right(builder, capsys):
    lesson04.build_augmented_lenet(builder)
    assert "✅" in capsys.readouterr().out


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


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (demo_wrong_builder(), "FRAÇÃO DE VOLTA"),
        (make_builder(lambda: [keras.layers.RandomRotation(0.3)]), "FRAÇÃO DE VOLTA"),
        (make_builder(lambda: []), "Não encontrei"),
        (make_builder(lambda: [], body=conv_first), "COMEÇO"),
        (make_builder(body=wider_dense), "LeNet"),
        (make_builder(body=same_padding), "padding"),
        (make_builder(lambda: [keras.layers.RandomBrightness(0.1)]), "value_range"),
        (make_builder(lambda: [keras.layers.RandomContrast(0.2)]), "value_range"),
        (make_builder(lambda: [keras.layers.RandomCrop(24, 24)]), "preserv"),
        (make_builder(fixed_shape=(32, 32, 3)), "input_shape"),
        (make_builder(compile_model=False), "Compile"),
        (make_builder(optimizer="sgd"), "Adam"),
        (make_builder(metrics=()), "accuracy"),
        (lambda shape, classes: "modelo", "modelo Keras"),
        (stub, "ainda não foi implementada"),
    ],
)
def test_build_augmented_lenet_wrong(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson04.build_augmented_lenet(wrong)


def test_augmentation_with_right_value_range_passes(capsys):
    builder = make_builder(
        lambda: [
            keras.layers.RandomFlip("horizontal"),
            keras.layers.RandomBrightness(0.1, value_range=(-0.5, 0.5)),
        ]
    )
    lesson04.build_augmented_lenet(builder)
    assert "✅" in capsys.readouterr().out


def test_student_package_has_no_answers():
    """No reference network, layer list or demo answer in the student package."""
    for name in ("lenet_reference", "reference_lenet", "DEMO_WRONG_ANSWER"):
        assert not hasattr(lesson04, name)
    assert not [name for name in dir(lesson04) if "reference" in name.lower()]


# ---------------------------------------------------------------------------- the lesson

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "04_aumento_de_dados/04_aumento_de_dados.ipynb"
EXERCISE_HEADING = r"### Exercício (\d+) — [^()]+ \(\d+ pontos?( \+ \d+ pontos?)?\)"
# a RandomContrast with the lower and upper bounds given: the answer of exercise 1a
CONTRAST_BOUNDS = r"RandomContrast\(\s*(factor\s*=\s*)?[(\[]|\(f, f\)|\(0\.3, 0\.3\)"


def lesson_cells(folder="solutions"):
    import nbformat

    return nbformat.read(ROOT / folder / NOTEBOOK, as_version=4).cells


def test_nothing_before_exercise_1a_gives_its_answer_away():
    cells = lesson_cells()
    first = next(i for i, c in enumerate(cells) if c.source.startswith("### Exercício 1 "))
    for cell in cells[:first]:
        assert not re.search(CONTRAST_BOUNDS, cell.source), cell.source
    # nor anything the student sees (the answer cell is emptied in lessons/)
    for cell in lesson_cells("lessons"):
        assert not re.search(CONTRAST_BOUNDS, cell.source), cell.source


def test_lesson_writes_numbers_with_decimal_comma_and_shows_training_progress():
    for cell in lesson_cells():
        if cell.cell_type == "code":
            assert not re.search(r"\{[^{}]*:[^{}]*\.\d+[f%g]\}", cell.source), cell.source
            assert not re.search(r"\.fit\([^)]*verbose=0", cell.source), cell.source
        else:
            prose = re.sub(r"`[^`]*`|<[^>]*>", "", cell.source)
            assert not re.search(r"\d\.\d+ ?%", prose), cell.source
            assert not re.search(r"Keras 3\.\d", prose), cell.source


def test_lesson_facts_match_the_apostila_and_lesson_03():
    text = "\n".join(c.source for c in lesson_cells() if c.cell_type == "markdown")
    assert "decora as 50 000" not in text and "45 000" in text
    assert "validando no conjunto de teste" not in text
    for paragraph in text.split("\n\n"):
        if "scipy" in paragraph:  # scipy.ndimage.rotate takes degrees
            assert "graus" in paragraph and "(como em `scipy`" not in paragraph, paragraph


def test_lesson_exercise_headings_follow_the_course_convention():
    headings = [
        line
        for c in lesson_cells()
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if re.match(r"#+ Exerc", line)
    ]
    numbers = [int(re.fullmatch(EXERCISE_HEADING, h).group(1)) for h in headings]
    assert numbers == list(range(1, len(headings) + 1)), headings
