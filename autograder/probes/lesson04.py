"""Probes of lesson 04 (data augmentation); the grader judges them (see :mod:`autograder.probes`)."""

from __future__ import annotations

import numpy as np

from . import call, describe_layers, describe_model, emit, generator, run_seed

# ---------------------------------------------------------------------------- exercise 1


def value_ranges(gen: np.random.Generator) -> list[tuple]:
    """0-255 (the default), 0-1 and a random range of width 2 to 5."""
    low = round(float(gen.uniform(-1.0, 1.0)), 3)
    return [(0, 255), (0.0, 1.0), (low, round(low + float(gen.uniform(2.0, 5.0)), 3))]


def _layer_outputs(fn, args, batches: dict) -> dict:
    """The layer ``fn(*args)`` described, and its outputs on each batch
    (``name: (images, training)``)."""
    import keras

    layer = fn(*args)
    if not isinstance(layer, keras.layers.Layer):
        return {"kind": type(layer).__name__}
    outputs = {"kind": "Layer", "layer": describe_layers([layer])[0]}
    for name, (images, training) in batches.items():
        outputs[name] = np.asarray(layer(images, training=training))
    return outputs


def build_contrast_layer_inputs(gen):
    """For each value range: a factor, images narrow around the middle of the range (no
    pixel is clipped: each image's contrast factor can be measured) and wide images (a
    strong contrast pushes pixels out of the range)."""
    cases = []
    for low, high in value_ranges(gen):
        width = high - low
        factor = round(float(gen.uniform(0.15, 0.6)), 3)
        narrow = low + width * gen.uniform(0.35, 0.65, size=(256, 3, 3, 3))
        wide = low + width * gen.uniform(0.0, 1.0, size=(32, 6, 6, 3))
        cases.append(((low, high), factor, narrow.astype("float32"), wide.astype("float32")))
    return cases


def build_contrast_layer(fn) -> None:
    """The first case leaves value_range at its default (0, 255)."""
    seed = run_seed()
    results = []
    for number, (value_range, factor, narrow, wide) in enumerate(
        build_contrast_layer_inputs(generator(seed, "build_contrast_layer"))
    ):
        args = (factor,) if number == 0 else (factor, value_range)
        batches = {"off": (narrow[:16], False), "on": (narrow, True), "wide": (wide, True)}
        results.append(call(_layer_outputs, fn, args, batches))
    emit("build_contrast_layer", seed, results)


def build_brightness_layer_inputs(gen):
    """For each value range: max_delta (in pixel units), images narrow around the middle
    of the range (never clipped) and images close to its ends (clipped)."""
    cases = []
    for low, high in value_ranges(gen):
        width = high - low
        max_delta = round(float(gen.uniform(0.05, 0.3)) * width, 4)
        narrow = low + width * gen.uniform(0.4, 0.6, size=(256, 3, 3, 3))
        ends = np.where(gen.random((32, 1, 1, 1)) < 0.5, 0.01, 0.99) * np.ones((32, 4, 4, 3))
        ends = low + width * ends
        cases.append(((low, high), max_delta, narrow.astype("float32"), ends.astype("float32")))
    return cases


def build_brightness_layer(fn) -> None:
    """The first case leaves value_range at its default (0, 255)."""
    seed = run_seed()
    results = []
    for number, (value_range, max_delta, narrow, ends) in enumerate(
        build_brightness_layer_inputs(generator(seed, "build_brightness_layer"))
    ):
        args = (max_delta,) if number == 0 else (max_delta, value_range)
        batches = {"off": (narrow[:16], False), "on": (narrow, True), "ends": (ends, True)}
        results.append(call(_layer_outputs, fn, args, batches))
    emit("build_brightness_layer", seed, results)


# ---------------------------------------------------------------------------- exercise 2


def build_augmented_lenet_inputs(gen):
    """Two (input_shape, classes, batch) cases with 3 channels, as CIFAR-10 (so colour
    augmentations work): 32×32×3 with 10 classes, then a new size and class count; the
    batch of 16 images is in [-0.5, 0.5], as the lesson scales the images."""
    side = int(gen.integers(28, 41))
    other = (side, side + int(gen.integers(1, 5)), 3)
    cases = [((32, 32, 3), 10), (other, int(gen.integers(2, 9)))]
    return [
        (shape, classes, gen.uniform(-0.5, 0.5, size=(16, *shape)).astype("float32"))
        for shape, classes in cases
    ]


def leading_weightless_layers(model) -> list:
    """The model's layers in order (nested models opened, inputs left out) up to the first
    layer that has weights."""
    found = []

    def walk(layers) -> bool:
        for layer in layers:
            if type(layer).__name__ == "InputLayer":
                continue
            inner = getattr(layer, "layers", None)
            if isinstance(inner, (list, tuple)):
                if not walk(inner):
                    return False
            elif layer.weights:
                return False
            else:
                found.append(layer)
        return True

    walk(model.layers)
    return found


def _run(layers, x, training: bool) -> np.ndarray:
    for layer in layers:
        x = layer(x, training=training)
    return np.asarray(x)


def _lenet_outputs(fn, shape, classes, x) -> dict:
    """The model described; its outputs with training=False on ``x``, twice; what its
    leading weightless layers do with training off (to 4 images) and on (twice, to all of
    ``x``, sent as float16 to keep the output small). Each run is a separate result."""
    model = fn(shape, classes)
    described = describe_model(model)
    if described["kind"] != "Model":
        return described
    front = leading_weightless_layers(model)
    described["front"] = len(front)
    described["front_off"] = call(_run, front, x[:4], False)
    described["front_on"] = [
        call(lambda: _run(front, x, True).astype("float16")) for _ in range(2)
    ]
    described["output"] = call(lambda: np.asarray(model(x, training=False)))
    described["output_again"] = call(lambda: np.asarray(model(x, training=False)))
    return described


def build_augmented_lenet(fn) -> None:
    seed = run_seed()
    results = []
    for shape, classes, x in build_augmented_lenet_inputs(
        generator(seed, "build_augmented_lenet")
    ):
        results.append(call(_lenet_outputs, fn, shape, classes, x))
    emit("build_augmented_lenet", seed, results)
