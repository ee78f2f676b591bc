"""Lesson 06's hidden tests: the probes and the judges pass the solution and fail typical
mistakes, with a Portuguese reason, on inputs regenerated from the grading seed."""

from __future__ import annotations

from functools import partial

import keras
import lessontools
import numpy as np
import pytest

from grader.verdicts import lesson06 as verdicts

LESSON = "06_inception"
ANSWERS = (
    "conv1x1",
    "conv_cost",
    "inception_module",
    "build_functional_lenet",
    "select_dogs_cats",
    "resposta_arquiteturas",
    "build_ponti_inception",
)
SOLVED = lessontools.solution_namespace(LESSON, manual=False)  # the autograded answers
ANSWER_OF = {  # probe → the notebook name it judges
    "conv1x1": "conv1x1",
    "conv1x1_bias": "conv1x1",
    "conv_cost": "conv_cost",
    "inception_module": "inception_module",
    "functional_lenet": "build_functional_lenet",
    "select_dogs_cats": "select_dogs_cats",
    "resposta_arquiteturas": "resposta_arquiteturas",
    "ponti_inception": "build_ponti_inception",
}


judged = partial(lessontools.judged, LESSON)
assert_right = partial(lessontools.assert_right, LESSON, seeds=(5, 6))
assert_wrong = partial(lessontools.assert_wrong, LESSON)


def _stub(*args, **kwargs):
    raise NotImplementedError()


# ----------------------------------------------------------------------------- coverage


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    lessontools.assert_tests_cover_cells(LESSON, no_inputs=frozenset({"resposta_arquiteturas"}))


def test_demo_answers_name_answer_cells():
    lessontools.assert_demo_students_use_answer_cells(LESSON)
    assert set(verdicts.DEMO_WRONG_ANSWER) <= set(ANSWERS)  # autograded ones
    for _, _, _, overrides in verdicts.DEMO_EXTRA_STUDENTS:
        assert set(overrides) <= set(ANSWERS)


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_solution_passes_every_test(grade_id):
    probe_name, _ = verdicts.TESTS[grade_id]
    assert_right(grade_id, SOLVED[ANSWER_OF[probe_name]], seeds=(0, 99))


# ----------------------------------------------------------------------------- exercise 1


def transposed(images, kernel, bias=None):
    return images @ kernel[0, 0].T + (0 if bias is None else bias)


def channel_sum(images, kernel, bias=None):
    return np.repeat(images.sum(axis=-1, keepdims=True), kernel.shape[-1], axis=-1)


def no_bias(images, kernel, bias=None):
    return images @ kernel[0, 0]


def bias_twice(images, kernel, bias=None):
    out = images @ kernel[0, 0]
    return out if bias is None else out + 2 * bias


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (transposed, "levantou|forma|difere"),
        (channel_sum, "difere"),
        (lambda images, kernel, bias=None: None, "np.ndarray"),
        (lambda images, kernel, bias=None: images, "forma"),
        (_stub, "ainda não foi implementada"),
    ],
)
def test_conv1x1_wrong_answers_fail(wrong, hint):
    assert_wrong("test_conv1x1", wrong, hint)


@pytest.mark.parametrize("wrong, hint", [(no_bias, "bias"), (bias_twice, "difere")])
def test_conv1x1_bias_wrong_answers_fail(wrong, hint):
    assert_wrong("test_conv1x1_bias", wrong, hint)
    assert judged("test_conv1x1", wrong, 3).passed  # partial credit: the bias part only


# ----------------------------------------------------------------------------- exercise 2


def valid_padding(h, w, c_in, c_out, k):
    return k * k * c_in * (h - k + 1) * (w - k + 1) * c_out, k * k * c_in * c_out


def with_bias(h, w, c_in, c_out, k):
    return k * k * c_in * h * w * c_out, k * k * c_in * c_out + c_out


def swapped(h, w, c_in, c_out, k):
    return k * k * c_in * c_out, k * k * c_in * h * w * c_out


def no_channels_in(h, w, c_in, c_out, k):
    return k * k * h * w * c_out, k * k * c_out


def test_conv_cost_partial_credit():
    assert_wrong("test_conv_cost_multiplications", valid_padding, "padding 'same'")
    assert_right("test_conv_cost_weights", valid_padding)
    assert_wrong("test_conv_cost_weights", with_bias, "bias")
    assert_right("test_conv_cost_multiplications", with_bias)


@pytest.mark.parametrize("grade_id", ["test_conv_cost_multiplications", "test_conv_cost_weights"])
@pytest.mark.parametrize(
    "wrong, hint",
    [
        (swapped, "errado"),
        (no_channels_in, "errado"),
        (lambda *args: None, "tupla"),
        (lambda *args: 3, "tupla"),
        (_stub, "ainda não foi implementada"),
    ],
)
def test_conv_cost_wrong_answers_fail(grade_id, wrong, hint):
    assert_wrong(grade_id, wrong, hint)


# ----------------------------------------------------------------------------- exercise 3


def make_module(
    reduce=True,
    bn=True,
    pool_strides=1,
    pool_size=3,
    regularize=True,
    tower_3x3=2,
    merge="concat",
    shared_reduction=False,
    separate_activation=False,
):
    def inception_module(x, filters, weight_decay=0.0):
        def conv(tensor, n, size):
            extra = {}
            if weight_decay and regularize:
                extra = {
                    "kernel_regularizer": keras.regularizers.L2(weight_decay),
                    "bias_regularizer": keras.regularizers.L2(weight_decay),
                }
            if separate_activation:
                out = keras.layers.Conv2D(n, size, padding="same", **extra)(tensor)
                return keras.layers.Activation("relu")(out)
            return keras.layers.Conv2D(n, size, padding="same", activation="relu", **extra)(tensor)

        half = filters // 2
        t0 = conv(x, filters, 1)
        if shared_reduction:
            reduced = conv(x, 2 * filters, 1)
            t1 = conv(reduced, tower_3x3 * filters, 3)
            t2 = conv(reduced, half, 5)
        else:
            t1 = conv(conv(x, 2 * filters, 1) if reduce else x, tower_3x3 * filters, 3)
            t2 = conv(conv(x, half, 1) if reduce else x, half, 5)
        pooled = keras.layers.MaxPooling2D(pool_size, strides=pool_strides, padding="same")(x)
        t3 = conv(pooled, half, 1)
        if merge == "concat":
            out = keras.layers.concatenate([t3, t2, t1, t0])  # any order of the towers
        else:
            out = keras.layers.Add()([t0, t0])
        return keras.layers.BatchNormalization()(out) if bn else out

    return inception_module


def demo_wrong_module():
    scope = {"keras": keras}
    exec(verdicts.DEMO_WRONG_ANSWER["inception_module"], scope)
    return scope["inception_module"]


@pytest.mark.parametrize(
    "builder", [make_module(), make_module(separate_activation=True)], ids=["concat", "activation"]
)
def test_inception_module_variants_pass(builder):
    for grade_id in ("test_inception_channels", "test_inception_params", "test_inception_towers"):
        assert_right(grade_id, builder, seeds=(7,))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        # the apostila's naive module (figure 11): right channels, wrong parameters and towers
        (demo_wrong_module(), {"channels": True, "params": False, "towers": "Faltou"}),
        (make_module(bn=False), {"channels": True, "params": False, "towers": "BatchNorm"}),
        (make_module(regularize=False), {"channels": True, "params": True, "towers": "L2"}),
        (make_module(pool_size=2), {"channels": True, "params": True, "towers": "MaxPooling2D"}),
        (
            make_module(pool_strides=2),
            {"channels": "levantou", "params": "levantou", "towers": "levantou"},
        ),
        (make_module(tower_3x3=1), {"channels": False, "params": False, "towers": "Faltou"}),
        (make_module(merge="add"), {"channels": False, "params": False, "towers": "Concatenate"}),
        (
            make_module(shared_reduction=True),
            {"channels": True, "params": False, "towers": "MESMA entrada"},
        ),
    ],
    ids=[
        "naive",
        "no_bn",
        "no_l2",
        "pool_2x2",
        "pool_stride_2",
        "narrow_3x3",
        "add",
        "shared_1x1",
    ],
)
def test_inception_module_partial_credit(wrong, expected):
    for part, outcome in expected.items():
        grade_id = f"test_inception_{part}"
        if outcome is True:
            assert_right(grade_id, wrong, seeds=(11,))
        else:
            assert_wrong(grade_id, wrong, outcome if isinstance(outcome, str) else ".", (11,))


@pytest.mark.parametrize(
    "wrong, hint",
    [(lambda x, f, wd=0.0: None, "tensor|levantou"), (_stub, "ainda não foi implementada")],
)
def test_inception_module_non_answers_fail(wrong, hint):
    for grade_id in ("test_inception_channels", "test_inception_params", "test_inception_towers"):
        assert_wrong(grade_id, wrong, hint, seeds=(11,))


def test_inception_params_formula_matches_keras():
    inputs = keras.Input(shape=(32, 32, 256))
    model = keras.Model(inputs, SOLVED["inception_module"](inputs, 64))
    assert model.count_params() == verdicts.inception_params(256, 64) == 240_032
    assert model.output_shape == (None, 32, 32, 256)


# ----------------------------------------------------------------------------- exercise 4


def sequential_lenet(input_shape, num_classes):
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(20, 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(40, 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(1000, activation="relu"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )


def functional_from(layers_of):
    def build(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        x = inputs
        for layer in layers_of(num_classes):
            x = layer(x)
        return keras.Model(inputs, x)

    return build


def lenet_layers(num_classes, dense_activation="relu", output="softmax", dropout=True):
    layers = [
        keras.layers.Conv2D(20, 5, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(40, 5, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(1000, activation=dense_activation),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(num_classes, activation=output),
    ]
    return layers if dropout else [l for l in layers if not isinstance(l, keras.layers.Dropout)]


def test_functional_lenet_rebuilt_from_a_loop_passes():
    assert_right("test_functional_lenet", functional_from(lenet_layers))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (sequential_lenet, "Sequential"),
        (functional_from(lambda n: lenet_layers(n, dense_activation=None)), "saídas diferem"),
        (functional_from(lambda n: lenet_layers(n, output=None)), "saídas diferem"),
        (functional_from(lambda n: lenet_layers(n, dropout=False)), "Dropout"),
        (
            functional_from(lambda n: lenet_layers(n)[:-1] + [keras.layers.Dense(10)]),
            "diferem|formas",
        ),
        (lambda shape, classes: "modelo", "str"),
        (_stub, "ainda não foi implementada"),
    ],
)
def test_functional_lenet_wrong_answers_fail(wrong, hint):
    assert_wrong("test_functional_lenet", wrong, hint, seeds=(11,))


# ----------------------------------------------------------------------------- exercises 6, 8


def test_select_dogs_cats_reuses_lesson_03():
    def swapped_labels(images, labels):
        labels = np.ravel(labels)
        keep = (labels == 3) | (labels == 5)
        return images[keep], (labels[keep] == 3).astype(np.uint8)

    assert_wrong("test_select_dogs_cats", swapped_labels, ".")
    assert_wrong("test_select_dogs_cats", _stub, "ainda não foi implementada")


@pytest.mark.parametrize("answer", ["d", " (D) ", "d)"])
def test_multiple_choice_right_letter(answer):
    verdict = judged("test_resposta_arquiteturas", answer, 11)
    assert verdict.passed and "Raciocínio" in verdict.message


@pytest.mark.parametrize("answer", ["a", "b", "c", 4, None])
def test_multiple_choice_wrong_letter_shows_the_reasoning(answer):
    assert_wrong("test_resposta_arquiteturas", answer)
    verdict = judged("test_resposta_arquiteturas", answer, 11)
    if isinstance(answer, str):
        assert "(d)" in verdict.message and "Raciocínio" in verdict.message


# ----------------------------------------------------------------------------- exercise 9


def ponti_module(x, f1, f3_in, f3, f5_in, f5, pool_proj, bn=False):
    def conv(tensor, n, size):
        return keras.layers.Conv2D(n, size, padding="same", activation="relu")(tensor)

    towers = [
        conv(x, f1, 1),
        conv(conv(x, f3_in, 1), f3, 3),
        conv(conv(x, f5_in, 1), f5, 5),
        conv(keras.layers.MaxPooling2D(3, strides=1, padding="same")(x), pool_proj, 1),
    ]
    out = keras.layers.concatenate(towers)
    return keras.layers.BatchNormalization()(out) if bn else out


def make_ponti(
    modules=((32, 32, 32, 32, 32, 16), (32, 64, 64, 64, 64, 16)),
    optimizer=lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.8),
    head="gap",
    bn=False,
    padding="same",
    compile_model=True,
):
    def build(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        x = inputs
        for filters in modules:
            x = ponti_module(x, *filters, bn=bn)
            x = keras.layers.MaxPooling2D(2, strides=2, padding=padding)(x)
        if head == "gap":
            x = keras.layers.GlobalAveragePooling2D()(x)
        else:
            x = keras.layers.Flatten()(x)
        outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        if compile_model:
            model.compile(
                optimizer=optimizer(),
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
            )
        return model

    return build


PONTI_PARTS = ("test_ponti_structure", "test_ponti_params", "test_ponti_compile")


def test_ponti_params_formula_is_the_seed_number():
    model = make_ponti()((28, 28, 1), 10)
    assert model.count_params() == verdicts.ponti_params(1, 10) == 196_154


def test_ponti_valid_pooling_passes():
    for grade_id in PONTI_PARTS:
        assert_right(grade_id, make_ponti(padding="valid"), seeds=(8,))


def demo_extra_ponti():
    _, _, _, overrides = verdicts.DEMO_EXTRA_STUDENTS[0]
    scope = dict(SOLVED)
    exec(overrides["build_ponti_inception"], scope)
    return scope["build_ponti_inception"]


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (demo_extra_ponti(), (False, False, True)),
        (make_ponti(bn=True), (False, False, True)),
        (
            make_ponti(modules=((32, 64, 64, 64, 64, 16), (32, 32, 32, 32, 32, 16))),
            (False, False, True),
        ),
        (make_ponti(head="flatten"), (False, False, True)),
        (make_ponti(optimizer=lambda: keras.optimizers.Adam()), (True, True, False)),
        (make_ponti(optimizer=lambda: keras.optimizers.SGD(0.05)), (True, True, False)),
        (make_ponti(compile_model=False), (True, True, False)),
    ],
    ids=[
        "program9_module",
        "bn",
        "modules_swapped",
        "flatten",
        "adam",
        "no_momentum",
        "uncompiled",
    ],
)
def test_ponti_partial_credit(wrong, expected):
    for grade_id, right in zip(PONTI_PARTS, expected):
        verdict = judged(grade_id, wrong, 12)
        assert verdict.passed == right, f"{grade_id}: {verdict.message}"


def test_ponti_non_answers_fail():
    for grade_id in PONTI_PARTS:
        assert_wrong(grade_id, lambda shape, classes: None, "modelo Keras", seeds=(3,))
        assert_wrong(grade_id, _stub, "ainda não foi implementada", seeds=(3,))
