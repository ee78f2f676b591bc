"""Lesson 02 verdicts: the solution passes every test cell, realistic mistakes fail with a
Portuguese reason, and a mistake in one property of read_cifar10_bin costs only that cell."""

import os
from functools import partial

import cv2
import keras
import lessontools
import nbformat
import numpy as np
import pytest

from autograder.checks import CheckFailed
from autograder.checks import lesson02 as check
from grader.verdicts import lesson02 as verdicts

LESSON = "02_cifar10"
NOTEBOOK = lessontools.solution_path(LESSON)
READ_CELLS = [f"test_read_cifar10_bin_{part}" for part in check.READ_PROPERTIES]
SOLUTION = lessontools.solution_namespace(LESSON)
judged = partial(lessontools.judged, LESSON)
assert_right = partial(lessontools.assert_right, LESSON)
assert_wrong = partial(lessontools.assert_wrong, LESSON)


# ---------------------------------------------------------------------------- coverage


def test_every_autograded_test_cell_is_judged_and_calls_its_probe():
    lessontools.assert_tests_cover_cells(LESSON)
    for cell in lessontools.test_cells(LESSON):
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        name = verdicts.TESTS[grade_id][0]
        visible, hidden = cell.source.split("### BEGIN HIDDEN TESTS")
        assert f"_probe.{name}({name})" in hidden  # called on the answer of its name
        if grade_id in READ_CELLS:  # each property cell runs its own visible check
            part = grade_id.removeprefix("test_read_cifar10_bin_")
            assert f'check.read_cifar10_bin(read_cifar10_bin, "{part}")' in visible


def test_read_cells_share_the_exercise_points():
    points = {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in nbformat.read(NOTEBOOK, 4).cells
        if c.metadata.get("nbgrader", {}).get("grade_id") in READ_CELLS
    }
    assert points == {grade_id: 1 for grade_id in READ_CELLS}
    heading = next(
        c.source for c in nbformat.read(NOTEBOOK, 4).cells if "### Exercício 1 —" in c.source
    )
    assert "(4 pontos)" in heading


def test_demo_wrong_answer_names_an_answer_cell():
    lessontools.assert_demo_students_use_answer_cells(LESSON)


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_solution_passes(grade_id):
    name = verdicts.TESTS[grade_id][0]
    assert_right(grade_id, SOLUTION[name])


# ---------------------------------------------------------------------------- exercise 1


def _records(path):
    return np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)


def read_right(path):
    records = _records(path)
    return records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), records[:, 0].copy()


def read_int64(path):  # np.fromfile without dtype=np.uint8 would read other numbers
    images, labels = read_right(path)
    return images.astype(np.int64), labels.astype(np.int64)


def read_labels_last_byte(path):  # images right, labels from the apostila's last byte
    images, _ = read_right(path)
    return images, _records(path)[:, -1].copy()


def read_no_transpose(path):  # reshape to (N, 32, 32, 3) straight from the planes
    return _records(path)[:, 1:].reshape(-1, 32, 32, 3).copy(), _records(path)[:, 0].copy()


def read_official_size(path):  # works only on files of 10 000 records
    records = np.fromfile(path, dtype=np.uint8).reshape(10_000, 3073)
    return records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), records[:, 0]


def read_squeezed(path):  # one record: (32, 32, 3) instead of (1, 32, 32, 3)
    images, labels = read_right(path)
    return np.squeeze(images), labels


@pytest.mark.parametrize(
    "wrong, part, hint",
    [
        (read_int64, "shape", "uint8"),
        (read_labels_last_byte, "labels", "PRIMEIRO"),
        (read_no_transpose, "images", "transpose"),
        (read_official_size, "any_size", "qualquer número de registros"),
        (read_squeezed, "any_size", "squeeze"),
    ],
)
def test_one_wrong_property_costs_only_its_cell(wrong, part, hint):
    for grade_id in READ_CELLS:
        if grade_id.endswith(f"_{part}"):
            assert_wrong(grade_id, wrong, hint)
        else:
            assert_right(grade_id, wrong)


def test_the_apostilas_label_byte_costs_labels_and_images_only():
    demo = {"np": np}
    exec(verdicts.DEMO_WRONG_ANSWER["read_cifar10_bin"], demo)
    for seed in (11, 2024):
        failed = {g for g in READ_CELLS if not judged(g, demo["read_cifar10_bin"], seed).passed}
        assert failed == {"test_read_cifar10_bin_labels", "test_read_cifar10_bin_images"}, seed
    assert_wrong("test_read_cifar10_bin_images", demo["read_cifar10_bin"], "PRIMEIRO byte")


def test_read_errors_fail_every_cell_with_the_students_error():
    def raises(path):
        raise ValueError("de propósito")

    for grade_id in READ_CELLS:
        assert_wrong(grade_id, raises, "levantou ValueError")
        assert_wrong(grade_id, None, "não é uma função")
        assert_wrong(grade_id, lambda path: None, "tupla")


@pytest.mark.parametrize("part", list(check.READ_PROPERTIES))
def test_self_check_of_each_cell_agrees_with_its_judge(part):
    """A visible check that failed on another property would stop the cell before its probe."""
    wrong_in = {
        "shape": read_int64,
        "labels": read_labels_last_byte,
        "images": read_no_transpose,
        "any_size": read_official_size,
    }
    check.read_cifar10_bin(read_right, part)
    for other, wrong in wrong_in.items():
        if other == part:
            with pytest.raises(CheckFailed):
                check.read_cifar10_bin(wrong, part)
        else:
            check.read_cifar10_bin(wrong, part)


def test_read_inputs_are_reproducible():
    from autograder.probes import generator
    from autograder.probes import lesson02 as probe

    first = probe.read_cifar10_bin_inputs(generator(5, "read_cifar10_bin"))
    second = probe.read_cifar10_bin_inputs(generator(5, "read_cifar10_bin"))
    for a, b in zip(first[:3], second[:3]):
        assert np.array_equal(a, b)
    assert len(first[0]) == 10_000 and len(first[1]) == 10_000
    assert [len(y) for _, y in first[3]][0] == 1


# ---------------------------------------------------------------------------- exercises 2-4


def test_save_first_images_wrong():
    def bgr(images, labels, class_id, n, prefix, folder="."):
        paths = []
        for k, i in enumerate(np.flatnonzero(np.ravel(labels) == class_id)[:n], start=1):
            paths.append(os.path.join(folder, f"{prefix}{k}.png"))
            cv2.imwrite(paths[-1], images[i])
        return paths

    assert_wrong("test_save_first_images", bgr, "BGR")


def test_first_per_class_wrong():
    def last(images, labels, n=10):
        return np.stack([images[np.ravel(labels) == c][-n:] for c in range(10)])

    assert_wrong("test_first_per_class", last, "primeiras imagens")


def dense(input_shape, classes, optimizer="adam", loss="sparse_categorical_crossentropy"):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def test_build_dense_model_compile_settings():
    grade_id = "test_build_dense_model"
    assert_right(grade_id, dense)
    loss_object = keras.losses.SparseCategoricalCrossentropy()
    assert_right(grade_id, lambda s, c: dense(s, c, loss=loss_object))
    assert_wrong(grade_id, lambda s, c: dense(s, c, optimizer="sgd"), "Adam")
    assert_wrong(grade_id, lambda s, c: dense(s, c, loss="mse"), "sparse_categorical_crossentropy")
    for wrong, hint in (
        (lambda s, c: dense(s, c, optimizer="sgd"), "Adam"),
        (lambda s, c: dense(s, c, loss="mse"), "sparse_categorical_crossentropy"),
    ):
        with pytest.raises(CheckFailed, match=hint):
            check.build_dense_model(wrong)
    check.build_dense_model(lambda s, c: dense(s, c, loss=loss_object))
