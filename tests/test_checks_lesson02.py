"""Lesson 02 self-checks accept right answers and reject wrong ones with the right hint."""

import os

import cv2
import keras
import numpy as np
import pytest

from autograder.checks import CheckFailed, lesson02


def read_right(path):
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), records[:, 0].copy()


def read_label_last(path):
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return (
        records[:, :-1].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(),
        records[:, -1].copy(),
    )


def read_no_transpose(path):
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return records[:, 1:].reshape(-1, 32, 32, 3).copy(), records[:, 0].copy()


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_read_cifar10_bin_right(capsys):
    lesson02.read_cifar10_bin(read_right)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (read_label_last, "PRIMEIRO"),
        (read_no_transpose, "transpose"),
        (stub, "ainda não foi implementada"),
        (lambda path: (np.zeros((2, 32, 32, 3), np.uint8), np.zeros(2, np.uint8)), "forma"),
        ("não é função", "Esperava a função"),
    ],
)
def test_read_cifar10_bin_wrong(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson02.read_cifar10_bin(wrong)


@pytest.mark.parametrize(
    "wrong, part, hint",
    [
        (read_label_last, "labels", "PRIMEIRO"),
        (read_no_transpose, "images", "transpose"),
        (lambda path: tuple(v.astype(np.int64) for v in read_right(path)), "shape", "uint8"),
        (
            lambda path: (
                tuple(v[:1] for v in read_right(path))
                if os.path.getsize(path) > 4e6
                else read_right(path)
            ),
            "shape",
            "forma",
        ),
    ],
)
def test_read_cifar10_bin_one_part(wrong, part, hint, capsys):
    read_right_parts = list(lesson02.READ_PROPERTIES)
    for name in read_right_parts:
        lesson02.read_cifar10_bin(read_right, name)
        assert lesson02.READ_PROPERTIES[name] in capsys.readouterr().out
    with pytest.raises(CheckFailed, match=hint):
        lesson02.read_cifar10_bin(wrong, part)


def test_read_cifar10_bin_fixed_size_fails_only_any_size():
    def official_only(path):
        records = np.fromfile(path, dtype=np.uint8).reshape(10_000, 3073)
        return records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), records[:, 0]

    for part in ("shape", "labels", "images"):
        lesson02.read_cifar10_bin(official_only, part)
    with pytest.raises(CheckFailed, match="qualquer número de registros"):
        lesson02.read_cifar10_bin(official_only, "any_size")
    with pytest.raises(CheckFailed, match="ainda não foi implementada"):
        lesson02.read_cifar10_bin(stub, "any_size")
    with pytest.raises(ValueError):
        lesson02.read_cifar10_bin(read_right, "tudo")


def save_right(images, labels, class_id, n, prefix, folder="."):
    paths = []
    for k, i in enumerate(np.flatnonzero(np.ravel(labels) == class_id)[:n], start=1):
        paths.append(os.path.join(folder, f"{prefix}{k}.png"))
        cv2.imwrite(paths[-1], cv2.cvtColor(images[i], cv2.COLOR_RGB2BGR))
    return paths


def save_bgr(images, labels, class_id, n, prefix, folder="."):
    paths = []
    for k, i in enumerate(np.flatnonzero(np.ravel(labels) == class_id)[:n], start=1):
        paths.append(os.path.join(folder, f"{prefix}{k}.png"))
        cv2.imwrite(paths[-1], images[i])
    return paths


def save_first_n(images, labels, class_id, n, prefix, folder="."):
    paths = []
    for k in range(n):  # ignores the class
        paths.append(os.path.join(folder, f"{prefix}{k + 1}.png"))
        cv2.imwrite(paths[-1], cv2.cvtColor(images[k], cv2.COLOR_RGB2BGR))
    return paths


def test_save_first_images():
    lesson02.save_first_images(save_right)
    with pytest.raises(CheckFailed, match="BGR"):
        lesson02.save_first_images(save_bgr)
    with pytest.raises(CheckFailed, match="imagem certa"):
        lesson02.save_first_images(save_first_n)


def test_first_per_class():
    right = lambda x, y, n=10: np.stack([x[np.ravel(y) == c][:n] for c in range(10)])
    lesson02.first_per_class(right)
    last = lambda x, y, n=10: np.stack([x[np.ravel(y) == c][-n:] for c in range(10)])
    with pytest.raises(CheckFailed, match="primeiras"):
        lesson02.first_per_class(last)


def dense(
    input_shape,
    classes,
    conv=False,
    activation="softmax",
    compiled=True,
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
):
    layers = [keras.Input(input_shape)]
    if conv:
        layers.append(keras.layers.Conv2D(4, 3))
    layers += [keras.layers.Flatten(), keras.layers.Dense(16, activation="relu")]
    layers.append(keras.layers.Dense(classes, activation=activation))
    model = keras.Sequential(layers)
    if compiled:
        model.compile(optimizer, loss, metrics=["accuracy"])
    return model


def test_build_dense_model():
    lesson02.build_dense_model(dense)
    cases = [
        (lambda s, c: dense(s, c, conv=True), "densa"),
        (lambda s, c: dense(s, c, activation="relu"), "softmax"),
        (lambda s, c: dense(s, c, compiled=False), "Compile"),
        (lambda s, c: dense(s, 10), "neurônios"),
        (lambda s, c: dense(s, c, optimizer="rmsprop"), "Adam"),
        (lambda s, c: dense(s, c, loss="categorical_crossentropy"), "sparse_categorical"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson02.build_dense_model(wrong)
