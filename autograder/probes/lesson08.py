"""Probes of lesson 08 (test-time augmentation and ensembles); the grader judges them (see
:mod:`autograder.probes`).

The answers are called with stand-ins whose outputs a grader can compute by hand, on fresh
arrays, with no training:

- models: tiny Keras models with fixed weights (:func:`build_model`). At inference a
  ``"linear"`` model gives softmax(flatten(x) · W + b); a ``"hidden"`` one has a ReLU layer
  before; an ``"augmented"`` one is linear too, but carries a ``RandomFlip``, a
  ``RandomBrightness`` (seeded from the case, so that a grade can be reproduced) and a
  ``Dropout``. Called as ``model(x)``, with no ``training``, Keras 3 runs the two
  augmentation layers (their ``call`` defaults to ``training=True``; the brightness shift is
  continuous, so the output always changes) but not the ``Dropout`` (its default is
  ``False``);
- distortions: :class:`ShiftDistortion`, whose k-th call returns the images it received
  plus k·shift and records what it received (shape and sum), so that the number of calls
  and their arguments can be judged.
"""

from __future__ import annotations

import numpy as np

from . import call, emit, generator, run_seed, value

# ---------------------------------------------------------------------------- stand-ins


class ShiftDistortion:
    """A deterministic stand-in for a random distortion (lesson 08): the k-th call (k = 1,
    2, …) returns the images it received plus ``k * shift``; ``received`` lists the shape
    and the sum of each argument."""

    def __init__(self, shift):
        self.shift = np.asarray(shift, dtype="float32")
        self.received = []

    def __call__(self, images):
        array = np.asarray(images, dtype="float32")
        self.received.append(
            {"shape": [int(d) for d in array.shape], "sum": float(array.sum(dtype=np.float64))}
        )
        return array + np.float32(len(self.received)) * self.shift


def _model_spec(gen, shape, classes: int, kind: str) -> dict:
    """Weights of a stand-in model (see :func:`build_model`)."""
    size = int(np.prod(shape))
    spec = {"kind": kind, "shape": tuple(shape), "classes": classes}
    if kind == "augmented":
        spec["seed"] = int(gen.integers(2**30))
    if kind == "hidden":
        hidden = int(gen.integers(3, 9))
        spec["hidden_kernel"] = (gen.normal(0.0, 1.5, (size, hidden)) / np.sqrt(size)).astype(
            "float32"
        )
        spec["hidden_bias"] = gen.normal(0.0, 0.5, hidden).astype("float32")
        size = hidden
    spec["kernel"] = (gen.normal(0.0, 2.5, (size, classes)) / np.sqrt(size)).astype("float32")
    spec["bias"] = gen.normal(0.0, 0.5, classes).astype("float32")
    return spec


def build_model(spec: dict):
    """A tiny Keras classifier with the fixed weights of ``spec`` (lesson 08)."""
    import keras

    layers = [keras.Input(shape=spec["shape"])]
    if spec["kind"] == "augmented":
        seed = spec["seed"]
        layers.append(keras.layers.RandomFlip("horizontal_and_vertical", seed=seed))
        layers.append(keras.layers.RandomBrightness(0.5, value_range=(-0.5, 0.5), seed=seed + 1))
    layers.append(keras.layers.Flatten())
    if spec["kind"] == "augmented":
        layers.append(keras.layers.Dropout(0.5))
    if spec["kind"] == "hidden":
        layers.append(keras.layers.Dense(spec["hidden_kernel"].shape[1], activation="relu"))
    layers.append(keras.layers.Dense(spec["classes"], activation="softmax"))
    model = keras.Sequential(layers)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if spec["kind"] == "hidden":
        dense[0].set_weights([spec["hidden_kernel"], spec["hidden_bias"]])
    dense[-1].set_weights([spec["kernel"], spec["bias"]])
    return model


def _images_case(gen) -> tuple:
    shape = (int(gen.integers(2, 6)), int(gen.integers(2, 6)), int(gen.integers(1, 4)))
    n = int(gen.integers(3, 9))
    classes = int(gen.integers(2, 8))
    x = gen.uniform(-0.5, 0.5, size=(n, *shape)).astype("float32")
    return shape, classes, x


# ---------------------------------------------------------------------------- exercise 1


def _tta_case(gen, m: int, kind: str = "linear") -> dict:
    shape, classes, x = _images_case(gen)
    return {
        "x": x,
        "m": m,
        "model": _model_spec(gen, shape, classes, kind),
        "shift": gen.normal(0.15, 0.2, size=shape).astype("float32"),
    }


def tta_predict_original_inputs(gen):
    """Two cases with m = 1 (only the original images)."""
    return [_tta_case(gen, 1), _tta_case(gen, 1)]


def tta_predict_mean_inputs(gen):
    """Three cases with m = 2, 3-5 and 6-9."""
    return [_tta_case(gen, m) for m in (2, int(gen.integers(3, 6)), int(gen.integers(6, 10)))]


def tta_predict_inference_inputs(gen):
    """Models with RandomFlip, RandomBrightness and Dropout, with m = 1 and with m = 2-4 (a distortion that
    shifts the images, so that an answer that never distorts cannot pass)."""
    return [
        _tta_case(gen, 1, "augmented"),
        _tta_case(gen, int(gen.integers(2, 5)), "augmented"),
    ]


def _tta_probe(name: str, fn) -> None:
    """Calls stop at the first error (a failing answer is wrong anyway)."""
    seed = run_seed()
    results = []
    for case in globals()[f"{name}_inputs"](generator(seed, name)):
        distortion = ShiftDistortion(case["shift"])
        model = build_model(case["model"])
        result = call(fn, model, case["x"].copy(), distortion, case["m"])
        results.append({"call": result, "received": distortion.received})
        if "error" in result:
            break
    emit(name, seed, results)


def tta_predict_original(fn) -> None:
    _tta_probe("tta_predict_original", fn)


def tta_predict_mean(fn) -> None:
    _tta_probe("tta_predict_mean", fn)


def tta_predict_inference(fn) -> None:
    _tta_probe("tta_predict_inference", fn)


# ---------------------------------------------------------------------------- exercise 2


def _vote_counts(gen, voters: int, classes: int, tie: bool) -> np.ndarray:
    """The class each of ``voters`` predictions votes for, for one image: a unique winner
    with at least one dissenting vote, or (``tie``) a tie at the top in which neither the
    first class voted for nor the highest class wins the tie."""
    for _ in range(10_000):
        weights = gen.dirichlet(np.ones(classes))
        choices = gen.choice(classes, size=voters, p=weights)
        counts = np.bincount(choices, minlength=classes)
        top = np.flatnonzero(counts == counts.max())
        if tie and len(top) >= 2:
            first = next(int(c) for c in choices if c in top)
            if first != top[0]:
                return choices
        if not tie and len(top) == 1 and counts.max() < voters:
            return choices
    raise RuntimeError("no vote pattern found")  # pragma: no cover - never with these sizes


def _vote_case(gen, tie: bool) -> np.ndarray:
    """Probabilities (K, N, C). Without ties, the dissenting votes are confident and the
    winning votes hesitant in every image, so that the mean often picks another class."""
    voters = int(gen.integers(2, 9)) if tie else int(gen.integers(3, 10))
    classes = int(gen.integers(3, 8)) if voters == 2 or tie else int(gen.integers(2, 8))
    images = int(gen.integers(6, 20))
    probabilities = np.zeros((voters, images, classes))
    for n in range(images):
        tied = tie and (n % 4 != 3 or voters == 2)  # two voters that disagree always tie
        choices = _vote_counts(gen, voters, classes, tied)
        winner = int(np.bincount(choices, minlength=classes).argmax())
        for k, chosen in enumerate(choices):
            row = gen.uniform(0.01, 0.3, size=classes)
            if chosen == winner:  # hesitant: a runner-up right behind
                runner_up = (chosen + 1 + int(gen.integers(0, classes - 1))) % classes
                row[runner_up] = gen.uniform(0.6, 0.8)
                row[chosen] = row[runner_up] + gen.uniform(0.05, 0.1)
            else:  # confident
                row[chosen] = row.max() + gen.uniform(3.0, 8.0)
            probabilities[k, n] = row / row.sum()
    return probabilities.astype("float32")


def vote_majority_inputs(gen):
    """Three cases without ties (a unique most-voted class for every image)."""
    return [_vote_case(gen, tie=False) for _ in range(3)]


def vote_ties_inputs(gen):
    """Three cases in which most images have a tie at the top of the vote."""
    return [_vote_case(gen, tie=True) for _ in range(3)]


def _vote_probe(name: str, fn) -> None:
    seed = run_seed()
    results = []
    for probabilities in globals()[f"{name}_inputs"](generator(seed, name)):
        results.append(call(fn, probabilities.copy()))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def vote_majority(fn) -> None:
    _vote_probe("vote_majority", fn)


def vote_ties(fn) -> None:
    _vote_probe("vote_ties", fn)


# ---------------------------------------------------------------------------- exercise 3


def disagreement(answer) -> None:
    """The array the student built, as it is (no inputs: the answer is a value)."""
    seed = run_seed()
    emit("disagreement", seed, value(answer))


# ---------------------------------------------------------------------------- exercise 4


def _ensemble_case(gen, kinds) -> dict:
    shape, classes, x = _images_case(gen)
    return {"x": x, "models": [_model_spec(gen, shape, classes, kind) for kind in kinds]}


def ensemble_predict_mean_inputs(gen):
    """One model, two models, then three or four (all linear)."""
    sizes = (1, 2, int(gen.integers(3, 5)))
    return [_ensemble_case(gen, ["linear"] * n) for n in sizes]


def ensemble_predict_inference_inputs(gen):
    """Models of different architectures, one with RandomFlip, RandomBrightness and
    Dropout."""
    return [
        _ensemble_case(gen, ["hidden", "augmented"]),
        _ensemble_case(gen, ["augmented", "linear", "hidden"]),
    ]


def _ensemble_probe(name: str, fn) -> None:
    seed = run_seed()
    results = []
    for case in globals()[f"{name}_inputs"](generator(seed, name)):
        models = [build_model(spec) for spec in case["models"]]
        results.append(call(fn, models, case["x"].copy()))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def ensemble_predict_mean(fn) -> None:
    _ensemble_probe("ensemble_predict_mean", fn)


def ensemble_predict_inference(fn) -> None:
    _ensemble_probe("ensemble_predict_inference", fn)
