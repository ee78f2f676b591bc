"""Probes of lesson 01 (ImageNet); the grader judges them (see :mod:`autograder.probes`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from . import call, emit, generator, run_seed, value

# ----------------------------------------------------------------------------- top_k_error


def random_scores(gen: np.random.Generator, n: int, classes: int) -> np.ndarray:
    """``n`` rows of softmax probabilities over ``classes`` classes (no ties)."""
    logits = gen.normal(size=(n, classes)) * 2.0
    scores = np.exp(logits - logits.max(axis=1, keepdims=True))
    return scores / scores.sum(axis=1, keepdims=True)


def top_k_error_inputs(gen):
    """Cases ``(probs, labels, k)``: random sizes, labels right at the k-th and (k+1)-th
    places, k = 1, k = C and one image over 1000 classes; float32 as ``predict`` gives."""
    cases = []
    for _ in range(4):
        n, classes = int(gen.integers(5, 60)), int(gen.integers(3, 30))
        k = int(gen.integers(2, classes))
        cases.append((random_scores(gen, n, classes), gen.integers(0, classes, size=n), k))
    n, classes = int(gen.integers(10, 40)), int(gen.integers(6, 20))
    k = int(gen.integers(2, classes - 1))
    probs = random_scores(gen, n, classes)
    order = np.argsort(-probs, axis=1)
    place = np.where(gen.random(n) < 0.5, k - 1, k)  # exactly at the k-th or the (k+1)-th
    cases.append((probs, order[np.arange(n), place], k))
    n, classes = int(gen.integers(5, 40)), int(gen.integers(3, 12))
    probs, labels = random_scores(gen, n, classes), gen.integers(0, classes, size=n)
    cases += [(probs, labels, 1), (probs, labels, classes)]
    cases.append((random_scores(gen, 1, 1000), gen.integers(0, 1000, size=1), 5))
    return [(p.astype("float32"), labels.astype("int64"), k) for p, labels, k in cases]


def top_k_error(fn) -> None:
    """Each case twice, labels ``(N,)`` then ``(N, 1)``; the arrays of the first call are
    sent back too (an answer must not change them)."""
    seed = run_seed()
    results = []
    for probs, labels, k in top_k_error_inputs(generator(seed, "top_k_error")):
        probs_in, labels_in = probs.copy(), labels.copy()
        flat = call(fn, probs_in, labels_in, k)
        column = call(fn, probs.copy(), labels.reshape(-1, 1), k)
        results.append(
            {
                "flat": flat,
                "column": column,
                "probs_after": value(probs_in),
                "labels_after": value(labels_in),
            }
        )
    emit("top_k_error", seed, results)


# ----------------------------------------------------------------------------- load_batch


def distinct_colours(gen: np.random.Generator, count: int) -> np.ndarray:
    """``count`` RGB colours whose red and blue differ by at least 60 levels (to see BGR)."""
    colours = []
    while len(colours) < count:
        colour = gen.integers(0, 256, size=3)
        if abs(int(colour[0]) - int(colour[2])) >= 60:
            colours.append(colour)
    return np.array(colours, dtype=np.uint8)


def quadrant_image(colours: np.ndarray, height: int, width: int) -> np.ndarray:
    """An image of 4 constant quadrants: top-left, top-right, bottom-left, bottom-right."""
    image = np.empty((height, width, *colours.shape[1:]), dtype=np.uint8)
    h, w = height // 2, width // 2
    image[:h, :w], image[:h, w:], image[h:, :w], image[h:, w:] = colours
    return image


def write_image(path: Path, kind: str, image: np.ndarray) -> None:
    """Write ``image`` as ``kind``: ``png``, ``jpg``, ``rgba`` (PNG with alpha) or ``grey``."""
    from PIL import Image

    if kind == "jpg":
        Image.fromarray(image).save(path, quality=95, subsampling=0)
    elif kind == "rgba":
        alpha = np.full(image.shape[:2] + (1,), 255, dtype=np.uint8)
        Image.fromarray(np.concatenate([image, alpha], axis=2), "RGBA").save(path)
    elif kind == "grey":
        Image.fromarray(image, "L").save(path)
    else:
        Image.fromarray(image).save(path)


SUFFIX = {"png": ".png", "jpg": ".jpg", "rgba": ".png", "grey": ".png"}


def load_batch_inputs(gen):
    """Target size (height != width), colour files of different sizes and formats, each of
    4 constant quadrants (sides multiples of 16, so JPEG blocks never straddle a border),
    a grayscale file, and the (scale, shift) of the stand-in ``preprocess`` of each call."""
    height = int(gen.integers(36, 57))
    width = height + int(gen.choice([-1, 1])) * int(gen.integers(8, 17))
    kinds = ["png", "jpg", "rgba", str(gen.choice(["png", "jpg"]))]
    kinds = [kinds[i] for i in gen.permutation(len(kinds))]
    files = []
    for kind in kinds:
        colours = distinct_colours(gen, 4)
        h, w = (16 * int(v) for v in gen.integers(3, 8, size=2))
        files.append((kind, colours, quadrant_image(colours, h, w)))
    affine = (
        float(gen.uniform(1.5, 3.0)) * float(gen.choice([-1.0, 1.0])),
        float(gen.uniform(-50, 50)),
    )
    levels = gen.choice(np.arange(0, 256, 16), size=4, replace=False).astype(np.uint8)
    grey = ("grey", levels, quadrant_image(levels, 48, 64))
    grey_affine = (float(gen.uniform(1.5, 3.0)), float(gen.uniform(-50, 50)))
    return (height, width), files, affine, grey, grey_affine


class StandIn:
    """A stand-in ``preprocess``: a fixed affine map that counts its calls."""

    def __init__(self, scale: float, shift: float):
        self.scale, self.shift, self.calls = scale, shift, 0

    def __call__(self, x):
        self.calls += 1
        return np.asarray(x, dtype=np.float32) * np.float32(self.scale) + np.float32(self.shift)


def load_batch(fn) -> None:
    """Writes the files in a temporary folder, calls ``load_batch`` on the colour files
    (paths as ``str`` and ``pathlib.Path``) and on the grayscale file, and sends back the
    batches and how many times each ``preprocess`` ran."""
    seed = run_seed()
    target_size, files, affine, grey, grey_affine = load_batch_inputs(
        generator(seed, "load_batch")
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for number, (kind, _, image) in enumerate(files):
            path = Path(tmp) / f"sonda_{number}{SUFFIX[kind]}"
            write_image(path, kind, image)
            paths.append(str(path) if number % 2 == 0 else path)
        grey_path = Path(tmp) / "sonda_cinza.png"
        write_image(grey_path, "grey", grey[2])
        preprocess, grey_preprocess = StandIn(*affine), StandIn(*grey_affine)
        batch = call(fn, paths, target_size, preprocess)
        grey_batch = call(fn, [str(grey_path)], target_size, grey_preprocess)
    emit(
        "load_batch",
        seed,
        {
            "batch": batch,
            "calls": value(preprocess.calls),
            "grey": grey_batch,
            "grey_calls": value(grey_preprocess.calls),
        },
    )
