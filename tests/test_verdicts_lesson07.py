"""Lesson 07's hidden tests: the probes and the judges pass the solution and fail typical
mistakes, with a Portuguese reason, on inputs regenerated from the grading seed."""

from __future__ import annotations

import json
from functools import partial

import keras
import lessontools
import numpy as np
import pytest

from autograder import probes
from autograder.probes import lesson07 as probes07
from grader.verdicts import lesson07 as verdicts

LESSON = "07_resnet"
SOLVED = lessontools.solution_namespace(  # the autograded answers and `resnet_layer`
    LESSON, also=lambda c: c.source.startswith("def resnet_layer"), manual=False
)
resnet_layer = SOLVED["resnet_layer"]
ANSWER_OF = {
    "residual_block": SOLVED["residual_block"],
    "lr_schedule": SOLVED["lr_schedule"],
    "select_classes": SOLVED["select_classes"],
    "ponti_resnet": SOLVED["build_ponti_resnet"],
    "resposta_ponti": SOLVED["resposta_ponti"],
}


def _answer_for(probe_name: str):
    return next(v for k, v in ANSWER_OF.items() if probe_name.startswith(k))


judged = partial(lessontools.judged, LESSON)
assert_right = partial(lessontools.assert_right, LESSON)
assert_wrong = partial(lessontools.assert_wrong, LESSON)


def _stub(*args, **kwargs):
    raise NotImplementedError()


# ----------------------------------------------------------------------------- coverage


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    lessontools.assert_tests_cover_cells(LESSON, no_inputs=frozenset({"resposta_ponti"}))


def test_demo_answers_name_answer_cells():
    lessontools.assert_demo_students_use_answer_cells(LESSON)


def test_solution_passes_every_test():
    for grade_id, (probe_name, _) in verdicts.TESTS.items():
        assert_right(grade_id, _answer_for(probe_name), seeds=(0, 1))


# ----------------------------------------------------------------------------- residual block


def _exec_answer(source: str, name: str):
    scope = {"keras": keras, "np": np, "resnet_layer": resnet_layer}
    exec(source, scope)
    return scope[name]


def block(
    second_activation=None,
    final_relu=True,
    shortcut="auto",
    merge="add",
    stride_first=True,
):
    """A residual block with one thing changed from the apostila's."""

    def residual_block(x, num_filters, strides=1):
        first, second = (strides, 1) if stride_first else (1, strides)
        y = resnet_layer(x, num_filters, strides=first)
        y = resnet_layer(y, num_filters, strides=second, activation=second_activation)
        needed = strides != 1 or x.shape[-1] != num_filters
        if shortcut == "always" or (shortcut == "auto" and needed):
            x = resnet_layer(
                x,
                num_filters,
                kernel_size=1,
                strides=strides,
                activation=None,
                batch_normalization=False,
            )
        elif shortcut == "conv3" and needed:
            x = resnet_layer(
                x, num_filters, 3, strides, activation=None, batch_normalization=False
            )
        elif shortcut == "bn" and needed:
            x = resnet_layer(x, num_filters, kernel_size=1, strides=strides, activation=None)
        elif shortcut == "relu" and needed:
            x = resnet_layer(
                x, num_filters, kernel_size=1, strides=strides, batch_normalization=False
            )
        if shortcut == "none":
            out = y
        elif merge == "concat":
            out = keras.layers.Concatenate()([x, y])
        elif merge == "ops":
            out = x + y
        else:
            out = keras.layers.add([x, y])
        if final_relu == "layer":
            return keras.layers.ReLU()(out)
        if final_relu == "ops":
            return keras.ops.relu(out)
        return keras.layers.Activation("relu")(out) if final_relu else out

    return residual_block


BLOCK_TESTS = [
    f"test_residual_block_{part}" for part in ("identity", "projection", "params", "add")
]


@pytest.mark.parametrize(
    "answer",
    [block(), block(final_relu="layer"), block(merge="ops", final_relu="ops")],
    ids=["add_helper", "relu_layer", "keras_ops"],
)
def test_right_blocks_pass(answer):
    for grade_id in BLOCK_TESTS:
        assert_right(grade_id, answer, seeds=(5,))


def demo_block():
    ((_, _, _, overrides),) = verdicts.DEMO_EXTRA_STUDENTS
    return _exec_answer(overrides["residual_block"], "residual_block")


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_residual_block_identity", block(shortcut="none"), "não depende do atalho"),
        ("test_residual_block_identity", demo_block(), "não pode ter ativação"),
        ("test_residual_block_identity", block(second_activation="relu"), "não pode ter ativa"),
        ("test_residual_block_identity", block(final_relu=False), "falta a ReLU"),
        ("test_residual_block_identity", block(shortcut="always"), "sem a convolução 1×1"),
        ("test_residual_block_identity", block(merge="concat"), "forma"),
        ("test_residual_block_identity", lambda x, f, strides=1: None, "tensor|levantou"),
        ("test_residual_block_identity", _stub, "ainda não foi implementada"),
        ("test_residual_block_projection", block(shortcut="conv3"), "1×1 com passo 2"),
        ("test_residual_block_projection", block(shortcut="bn"), "BatchNormalization"),
        ("test_residual_block_projection", block(shortcut="relu"), "ativação"),
        ("test_residual_block_projection", block(stride_first=False), "PRIMEIRA"),
        ("test_residual_block_projection", demo_block(), "não pode ter ativação"),
        ("test_residual_block_projection", block(shortcut="none"), "1×1 com passo 2"),
        ("test_residual_block_params", block(shortcut="bn"), "parâmetros"),
        ("test_residual_block_params", block(shortcut="conv3"), "parâmetros"),
        ("test_residual_block_add", block(merge="concat"), "concatena"),
        ("test_residual_block_add", block(shortcut="none"), "esperava uma soma"),
        ("test_residual_block_add", block(final_relu=False), "ReLU aplicada à soma"),
        ("test_residual_block_add", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_blocks_fail(grade_id, wrong, hint):
    assert_wrong(grade_id, wrong, hint)


def test_demo_student_keeps_params_and_add():
    """The ReLU-before-the-sum student loses exactly the identity and projection tests."""
    assert_right("test_residual_block_params", demo_block(), seeds=(6,))
    assert_right("test_residual_block_add", demo_block(), seeds=(6,))


def test_block_params_match_keras():
    gen = np.random.default_rng(0)
    for projection in (False, True, True):
        case = probes07._block_case(gen, projection)
        inputs = keras.Input(shape=case["shape"])
        model = keras.Model(
            inputs, SOLVED["residual_block"](inputs, case["filters"], strides=case["strides"])
        )
        assert verdicts.block_params(case) == model.count_params()


def test_probe_weights_give_the_hand_computed_output():
    gen = np.random.default_rng(1)
    case = probes07._block_case(gen, projection=True)
    result = probes07._block_result(SOLVED["residual_block"], case)
    expected = np.maximum(case["x"][:, ::2, ::2, :] @ case["kernel"] + case["beta"], 0)
    assert np.allclose(result["output"], expected, atol=1e-5)


# ----------------------------------------------------------------------------- lr_schedule


def demo_schedule():
    return _exec_answer(verdicts.DEMO_WRONG_ANSWER["lr_schedule"], "lr_schedule")


def test_schedule_follows_the_apostila():
    schedule = SOLVED["lr_schedule"]
    assert schedule(0) == 1e-3 and schedule(80) == 1e-3
    assert np.isclose(schedule(81), 1e-4) and np.isclose(schedule(199), 5e-7)
    assert all(np.isclose(schedule(e), verdicts.expected_lr(e)) for e in range(300))


def test_demo_schedule_loses_only_the_first_test():
    assert_wrong("test_lr_schedule_epochs", demo_schedule(), "fronteiras")
    assert_right("test_lr_schedule_beyond", demo_schedule())


def printing_schedule(epoch):
    rate = SOLVED["lr_schedule"](epoch)
    print("Learning rate:", rate)
    return rate


def test_printing_schedule_passes():
    assert_right("test_lr_schedule_epochs", printing_schedule, seeds=(1,))


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_lr_schedule_epochs", lambda e: 1e-3 * (0.1 if e > 80 else 1), "época 121"),
        ("test_lr_schedule_epochs", lambda e: SOLVED["lr_schedule"](e + 1), "fronteiras"),
        ("test_lr_schedule_epochs", lambda e: 1e-2 * SOLVED["lr_schedule"](e) / 1e-3, "inicial"),
        ("test_lr_schedule_epochs", lambda e, lr: lr, "levantou TypeError"),
        ("test_lr_schedule_epochs", lambda e: str(SOLVED["lr_schedule"](e)), "número"),
        ("test_lr_schedule_epochs", lambda e: None, "número"),
        ("test_lr_schedule_epochs", _stub, "ainda não foi implementada"),
        (
            "test_lr_schedule_beyond",
            lambda e: SOLVED["lr_schedule"](e) if e < 200 else 1e-3,
            "errou em 13",
        ),
        (
            "test_lr_schedule_beyond",
            lambda e: 1e-3 * 1e-3 if e > 160 else SOLVED["lr_schedule"](e),
            "errou",
        ),
    ],
)
def test_wrong_schedules_fail(grade_id, wrong, hint):
    assert_wrong(grade_id, wrong, hint)


# ----------------------------------------------------------------------------- select_classes


def sorted_mapping(images, labels, classes):
    """Lesson 03's habit: the new label follows the classes' increasing order."""
    labels = np.ravel(labels)
    keep = np.isin(labels, classes)
    return images[keep], np.searchsorted(np.sort(classes), labels[keep])


def grouped_by_class(images, labels, classes):
    labels = np.ravel(labels)
    order = [i for c in classes for i in np.flatnonzero(labels == c)]
    return images[order], np.array([classes.index(labels[i]) for i in order])


def with_column_labels(images, labels, classes):
    x, y = SOLVED["select_classes"](images, labels, classes)
    return x, y[:, None]


def old_labels(images, labels, classes):
    labels = np.ravel(labels)
    keep = np.isin(labels, classes)
    return images[keep], labels[keep]


def float_labels(images, labels, classes):
    x, y = SOLVED["select_classes"](images, labels, classes)
    return x, y.astype("float32")


def test_selection_partial_credit():
    assert_right("test_select_classes_images", sorted_mapping)
    assert_wrong("test_select_classes_labels", sorted_mapping, "ordem crescente")


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_select_classes_images", grouped_by_class, "ordem original"),
        ("test_select_classes_images", lambda x, y, c: (x, np.ravel(y)), "havia"),
        ("test_select_classes_images", lambda x, y, c: x, "tupla"),
        ("test_select_classes_labels", with_column_labels, "forma"),
        ("test_select_classes_labels", old_labels, "originais"),
        ("test_select_classes_labels", float_labels, "inteiros"),
        ("test_select_classes_labels", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_selections_fail(grade_id, wrong, hint):
    assert_wrong(grade_id, wrong, hint)


# ----------------------------------------------------------------------------- Ponti's ResNet


def ponti(
    blocks=3,
    batch_norm=False,
    flatten=False,
    optimizer=None,
    loss="sparse_categorical_crossentropy",
    pool_first=False,
):
    def build_ponti_resnet(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)
        x = inputs
        for _ in range(blocks):
            if pool_first:
                x = keras.layers.MaxPooling2D(2, strides=2, padding="same")(x)
            shortcut = x
            if x.shape[-1] != 64:
                shortcut = keras.layers.Conv2D(64, 1, padding="same", activation="relu")(x)
            y = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
            if batch_norm:
                y = keras.layers.BatchNormalization()(y)
            y = keras.layers.Conv2D(64, 3, padding="same")(y)
            x = keras.layers.Activation("relu")(keras.layers.Add()([y, shortcut]))
            if not pool_first:
                x = keras.layers.MaxPooling2D(2, strides=2, padding="same")(x)
        x = keras.layers.Flatten()(x) if flatten else keras.layers.GlobalAveragePooling2D()(x)
        outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(
            optimizer=optimizer or keras.optimizers.SGD(learning_rate=0.05, momentum=0.8),
            loss=loss,
            metrics=["accuracy"],
        )
        return model

    return build_ponti_resnet


def test_ponti_params_match_keras_and_the_seed():
    assert verdicts.ponti_params((28, 28, 1), 10) == 186_058
    for shape, classes in (((28, 28, 1), 10), ((20, 33, 3), 4), ((16, 16, 64), 7)):
        model = ponti()(shape, classes)
        assert verdicts.ponti_params(shape, classes) == model.count_params()


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_ponti_resnet_params", ponti(batch_norm=True), "BatchNormalization"),
        ("test_ponti_resnet_params", ponti(blocks=2), "parâmetros"),
        ("test_ponti_resnet_params", ponti(flatten=True), "parâmetros"),
        ("test_ponti_resnet_structure", ponti(blocks=4), "3 blocos"),
        ("test_ponti_resnet_structure", ponti(batch_norm=True), "BatchNormalization"),
        ("test_ponti_resnet_structure", ponti(flatten=True), "GlobalAveragePooling2D"),
        ("test_ponti_resnet_structure", ponti(pool_first=True), "logo depois"),
        ("test_ponti_resnet_compile", ponti(optimizer="adam"), "SGD"),
        (
            "test_ponti_resnet_compile",
            ponti(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)),
            "momentum",
        ),
        (
            "test_ponti_resnet_compile",
            ponti(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.8)),
            "0,05",
        ),
        ("test_ponti_resnet_compile", ponti(loss="categorical_crossentropy"), "sparse"),
        ("test_ponti_resnet_params", lambda shape, classes: "modelo", "modelo Keras"),
        ("test_ponti_resnet_structure", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_ponti_resnets_fail(grade_id, wrong, hint):
    assert_wrong(grade_id, wrong, hint, seeds=(11,))


def test_ponti_probe_output_stays_small():
    captured = []
    previous, probes.sink = probes.sink, captured.append
    try:
        probes07.ponti_resnet_structure(SOLVED["build_ponti_resnet"])
    finally:
        probes.sink = previous
    assert len(json.dumps(captured[0])) < 1_000_000


# ----------------------------------------------------------------------------- multiple choice


@pytest.mark.parametrize("answer", ["a", " (A) ", "A"])
def test_right_letter_passes(answer):
    verdict = judged("test_resposta_ponti", answer, 1)
    assert verdict.passed and "sobreajuste" in verdict.message


@pytest.mark.parametrize("answer", ["b", "c", "d", 1, None, "sobreajuste"])
def test_wrong_letters_fail(answer):
    assert_wrong("test_resposta_ponti", answer, "alternativa|texto", seeds=(1,))


def test_the_right_letter_is_only_in_the_verdicts():
    from autograder.checks import lesson07 as check

    assert "RIGHT_LETTER" not in vars(check) and "RIGHT_LETTER" not in vars(probes07)
