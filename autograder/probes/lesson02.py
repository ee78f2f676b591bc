"""Probes of lesson 02 (CIFAR-10); the grader judges them (see :mod:`autograder.probes`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ..data import write_cifar10_binary
from . import call, describe_model, emit, generator, run_seed, value


def random_cifar(gen: np.random.Generator, n: int):
    images = gen.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
    labels = gen.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


OFFICIAL_RECORDS = 10_000
"""Records in one official batch file: the file the shape, label and image properties read."""


def read_cifar10_bin_inputs(gen):
    """An official-size batch (10 000 records), the records sent back from it, and small files.

    Returns ``(images, labels, sample, small)``: ``sample`` are the indices of the records
    whose images the probe sends back (the whole batch is too large), ``small`` the
    ``(images, labels)`` of files with 1 and with a random number of records.
    """
    images, labels = random_cifar(gen, OFFICIAL_RECORDS)
    inner = gen.choice(np.arange(1, OFFICIAL_RECORDS - 1), size=14, replace=False)
    sample = np.sort(np.r_[0, inner, OFFICIAL_RECORDS - 1])
    small = [random_cifar(gen, n) for n in (1, int(gen.integers(3, 20)))]
    return images, labels, sample, small


def describe_read(result, sample) -> dict:
    """What ``read_cifar10_bin`` returned, small enough to send: its form, the shape and dtype
    of each part, every label and the images of the records in ``sample``."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        return {"form": type(result).__name__}
    described = {"form": "pair"}
    for name, part in zip(("images", "labels"), result):
        described[f"{name}_type"] = type(part).__name__
        try:
            array = np.asarray(part)
        except Exception:  # noqa: BLE001 - a part that is not array-like is described by type
            continue
        described[f"{name}_shape"] = list(array.shape)
        described[f"{name}_dtype"] = str(array.dtype)
        if name == "labels":
            described["labels"] = array.ravel()
        elif array.ndim >= 1 and len(array) > int(np.max(sample)):
            described["images_sample"] = array[np.asarray(sample)]
    return described


def _described(fn, path, sample) -> dict:
    if not callable(fn):
        return call(fn, path)  # reports "not a function"
    return call(lambda p: describe_read(fn(p), sample), path)


def read_cifar10_bin(fn) -> None:
    """The official-size batch, then each small file: what came back, described."""
    seed = run_seed()
    images, labels, sample, small = read_cifar10_bin_inputs(generator(seed, "read_cifar10_bin"))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(images, labels, sample)] + [(x, y, np.arange(len(y))) for x, y in small]
        for number, (x, y, kept) in enumerate(cases):
            path = Path(tmp) / f"sonda_{number}.bin"
            write_cifar10_binary(path, x, y)
            results.append(_described(fn, str(path), kept))
            path.unlink()
    emit("read_cifar10_bin", seed, results)


def save_first_images_inputs(gen):
    images, labels = random_cifar(gen, 40)
    class_id = int(gen.integers(0, 10))
    labels[gen.choice(40, size=5, replace=False)] = class_id
    shape = (40, 1) if gen.random() < 0.5 else (40,)
    return images, labels.reshape(shape), class_id, int(gen.integers(2, 5))


def save_first_images(fn) -> None:
    """Files written are read back in the kernel with OpenCV and sent as RGB arrays."""
    import cv2

    seed = run_seed()
    images, labels, class_id, n = save_first_images_inputs(generator(seed, "save_first_images"))
    with tempfile.TemporaryDirectory() as tmp:
        result = call(fn, images, labels, class_id, n, "sonda", tmp)
        names, pixels = [], []
        if "value" in result and isinstance(result["value"], list):
            for path in result["value"]:
                names.append(Path(str(path)).name if isinstance(path, str) else repr(path))
                full = Path(tmp) / Path(str(path)).name
                image = cv2.imread(str(full), cv2.IMREAD_COLOR) if full.is_file() else None
                pixels.append(None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
        written = sorted(p.name for p in Path(tmp).iterdir())
    emit(
        "save_first_images",
        seed,
        {"call": result, "names": value(names), "pixels": value(pixels), "files": value(written)},
    )


def first_per_class_inputs(gen):
    n = int(gen.integers(2, 5))
    size = int(gen.integers(4, 12))
    labels = gen.integers(0, 10, size=90)
    for c in range(10):  # every class has at least n images, at random places
        labels[gen.choice(90, size=n, replace=False)] = c
    for c in range(10):
        if np.sum(labels == c) < n:
            labels[np.flatnonzero(labels != c)[: n - np.sum(labels == c)]] = c
    images = gen.integers(0, 256, size=(90, size, size, 3), dtype=np.uint8)
    if gen.random() < 0.5:
        labels = labels.reshape(-1, 1)
    return images, labels, n


def first_per_class(fn) -> None:
    seed = run_seed()
    images, labels, n = first_per_class_inputs(generator(seed, "first_per_class"))
    emit("first_per_class", seed, call(fn, images, labels, n))


def build_dense_model_inputs(gen):
    """Two (input_shape, classes) pairs and a batch for each."""
    cases = [((32, 32, 3), 10), ((int(gen.integers(5, 30)),) * 2 + (1,), int(gen.integers(2, 9)))]
    return [
        (shape, classes, gen.random((3, *shape)).astype("float32")) for shape, classes in cases
    ]


def build_dense_model(fn) -> None:
    seed = run_seed()
    results = []
    for shape, classes, x in build_dense_model_inputs(generator(seed, "build_dense_model")):
        built = call(lambda *a: describe_model(fn(*a), x), shape, classes)
        results.append(built)
    emit("build_dense_model", seed, results)
