"""Lesson 06 self-checks accept right answers and reject wrong ones with the right hint."""

import re
from pathlib import Path

import keras
import numpy as np
import pytest

from autograder.checks import CheckFailed, lesson06


def stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------- conv 1×1


def conv1x1_right(images, kernel, bias=None):
    out = np.tensordot(images, kernel[0, 0], axes=([3], [0]))
    return out if bias is None else out + bias


def test_conv1x1_right(capsys):
    lesson06.conv1x1(conv1x1_right)
    lesson06.conv1x1_bias(conv1x1_right)
    assert capsys.readouterr().out.count("✅") == 2


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda x, k, b=None: x @ k[0, 0].T, "levantou|forma|difere"),
        (lambda x, k, b=None: np.repeat(x.sum(-1, keepdims=True), k.shape[-1], -1), "Conv2D"),
        (lambda x, k, b=None: (x @ k[0, 0]).tolist(), "np.ndarray"),
        (stub, "ainda não foi implementada"),
    ],
)
def test_conv1x1_wrong(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson06.conv1x1(wrong)


def test_conv1x1_bias_forgotten():
    forgot = lambda x, k, b=None: x @ k[0, 0]  # noqa: E731
    lesson06.conv1x1(forgot)
    with pytest.raises(CheckFailed, match="com bias"):
        lesson06.conv1x1_bias(forgot)


# ---------------------------------------------------------------------------- cost


def cost_right(h, w, c_in, c_out, k):
    return k * k * c_in * h * w * c_out, k * k * c_in * c_out


def test_conv_cost_right(capsys):
    lesson06.conv_cost(cost_right, "multiplications")
    lesson06.conv_cost(cost_right, "weights")
    assert capsys.readouterr().out.count("✅") == 2
    assert cost_right(14, 14, 480, 48, 5) == (112_896_000, 576_000)


@pytest.mark.parametrize(
    "wrong, part, hint",
    [
        (lambda h, w, ci, co, k: (k * k * ci * (h - k + 1) * (w - k + 1) * co, 1), "m", "same"),
        (lambda h, w, ci, co, k: (0, k * k * ci * co + co), "weights", "bias"),
        (lambda h, w, ci, co, k: cost_right(h, w, ci, co, k)[::-1], "m", "errado"),
        (lambda h, w, ci, co, k: None, "weights", "tupla"),
        (lambda h, w, ci, co, k: ("1", "2"), "weights", "número"),
        (stub, "m", "ainda não foi implementada"),
    ],
)
def test_conv_cost_wrong(wrong, part, hint):
    part = "multiplications" if part == "m" else part
    with pytest.raises(CheckFailed, match=hint):
        lesson06.conv_cost(wrong, part)


# ---------------------------------------------------------------------------- module


def module(reduce=True, bn=True, regularize=True, pool=3):
    def inception_module(x, filters, weight_decay=0.0):
        def conv(t, n, k):
            extra = {}
            if weight_decay and regularize:
                extra = {
                    "kernel_regularizer": keras.regularizers.L2(weight_decay),
                    "bias_regularizer": keras.regularizers.L2(weight_decay),
                }
            return keras.layers.Conv2D(n, k, padding="same", activation="relu", **extra)(t)

        t0 = conv(x, filters, 1)
        t1 = conv(conv(x, 2 * filters, 1) if reduce else x, 2 * filters, 3)
        t2 = conv(conv(x, filters // 2, 1) if reduce else x, filters // 2, 5)
        t3 = conv(keras.layers.MaxPooling2D(pool, strides=1, padding="same")(x), filters // 2, 1)
        out = keras.layers.Concatenate()([t0, t1, t2, t3])
        return keras.layers.BatchNormalization()(out) if bn else out

    return inception_module


def test_inception_module_right(capsys):
    for part in ("channels", "params", "towers"):
        lesson06.inception_module(module(), part)
    assert capsys.readouterr().out.count("✅") == 3


@pytest.mark.parametrize(
    "wrong, part, hint",
    [
        (module(reduce=False), "params", "parâmetros"),
        (module(reduce=False), "towers", "Faltou"),
        (module(bn=False), "params", "BatchNormalization"),
        (module(bn=False), "towers", "BatchNormalization"),
        (module(regularize=False), "towers", "L2"),
        (module(pool=2), "towers", "MaxPooling2D 3×3"),
        (lambda x, f, wd=0.0: keras.layers.Conv2D(f, 1)(x), "channels", "saída deve ser"),
        (lambda x, f, wd=0.0: None, "channels", "tensor de saída"),
        (stub, "towers", "ainda não foi implementada"),
    ],
)
def test_inception_module_wrong(wrong, part, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson06.inception_module(wrong, part)


def test_partial_credit_of_the_naive_module(capsys):
    lesson06.inception_module(module(reduce=False), "channels")
    assert "✅" in capsys.readouterr().out


# ---------------------------------------------------------------------------- functional LeNet


def lenet_layers(classes, last_activation="softmax"):
    return [
        keras.layers.Conv2D(20, 5, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(40, 5, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(1000, activation="relu"),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(classes, activation=last_activation),
    ]


def functional(last_activation="softmax"):
    def build(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        x = inputs
        for layer in lenet_layers(num_classes, last_activation):
            x = layer(x)
        return keras.Model(inputs, x)

    return build


def test_functional_lenet_right(capsys):
    lesson06.functional_lenet(functional())
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            lambda shape, n: keras.Sequential([keras.Input(shape=shape), *lenet_layers(n)]),
            "API funcional",
        ),
        (functional(last_activation=None), "saídas diferentes"),
        (lambda shape, n: "modelo", "modelo Keras"),
        (stub, "ainda não foi implementada"),
    ],
)
def test_functional_lenet_wrong(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson06.functional_lenet(wrong)


# ---------------------------------------------------------------------------- Ponti


def ponti_module(x, f1, f3_in, f3, f5_in, f5, pool_proj):
    def conv(t, n, k):
        return keras.layers.Conv2D(n, k, padding="same", activation="relu")(t)

    return keras.layers.concatenate(
        [
            conv(x, f1, 1),
            conv(conv(x, f3_in, 1), f3, 3),
            conv(conv(x, f5_in, 1), f5, 5),
            conv(keras.layers.MaxPooling2D(3, strides=1, padding="same")(x), pool_proj, 1),
        ]
    )


def ponti(second=(32, 64, 64, 64, 64, 16), optimizer="sgd"):
    def build(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        x = ponti_module(inputs, 32, 32, 32, 32, 32, 16)
        x = keras.layers.MaxPooling2D(2, strides=2)(x)
        x = ponti_module(x, *second)
        x = keras.layers.MaxPooling2D(2, strides=2)(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(x))
        opt = (
            keras.optimizers.SGD(learning_rate=0.05, momentum=0.8)
            if optimizer == "sgd"
            else "adam"
        )
        model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    return build


def test_ponti_right(capsys):
    for part in ("structure", "params", "compile"):
        lesson06.ponti_inception(ponti(), part)
    assert capsys.readouterr().out.count("✅") == 3


@pytest.mark.parametrize(
    "wrong, part, hint",
    [
        (ponti(second=(32, 32, 32, 32, 32, 16)), "structure", "módulo 2"),
        (ponti(second=(32, 32, 32, 32, 32, 16)), "params", "196.154"),
        (ponti(optimizer="adam"), "compile", "SGD"),
        (stub, "structure", "ainda não foi implementada"),
    ],
)
def test_ponti_wrong(wrong, part, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson06.ponti_inception(wrong, part)


# ---------------------------------------------------------------------------- the package


def test_student_package_has_no_answers():
    """No reference module, network, cost function or right letter in the student package."""
    for name in ("inception_params", "ponti_params", "RIGHT_LETTER", "DEMO_WRONG_ANSWER"):
        assert not hasattr(lesson06, name)
    assert not [name for name in dir(lesson06) if "reference" in name.lower()]


# ---------------------------------------------------------------------------- the lesson

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "06_inception/06_inception.ipynb"
EXERCISE_HEADING = r"### Exercício (\d+) — [^()]+ \(\d+ pontos?( \+ \d+ pontos?)?\)"


def lesson_cells(folder="solutions"):
    import nbformat

    return nbformat.read(ROOT / folder / NOTEBOOK, as_version=4).cells


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


def test_lesson_uses_todays_api_and_decimal_comma():
    for cell in lesson_cells():
        if cell.cell_type == "code":
            assert "ReduceLRonPlateau" not in cell.source
            assert not re.search(r"\blr\s*=", cell.source), cell.source
            assert not re.search(r"\{[^{}]*:[^{}]*\.\d+[f%g]\}", cell.source), cell.source
            assert not re.search(r"\.fit\([^)]*verbose=0", cell.source), cell.source


def test_lesson_quotes_the_apostila_and_ponti_figures():
    text = "\n".join(c.source for c in lesson_cells())
    for figure in ("92,38%", "112,9 M", "5,3 M", "576.000", "26.880", "196.154", "0,858", "0,758"):
        assert figure in text, figure


def test_the_reasoning_of_the_multiple_choice_is_not_in_the_lesson():
    from grader.verdicts import lesson06 as verdicts

    student = "\n".join(c.source for c in lesson_cells("lessons"))
    assert verdicts.REASON[:60] not in student
    assert 'resposta_arquiteturas = "d"' not in student
