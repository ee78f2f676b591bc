"""Probes of lesson 05 (AlexNet, VGG and batch normalization); the grader judges them (see
:mod:`autograder.probes`)."""

from __future__ import annotations

import numpy as np

from .lesson03 import class_pair_inputs, probe_class_pair
from . import call, describe_layers, describe_model, emit, generator, run_seed, value

# ---------------------------------------------------------------------------- exercise 1


def build_alexnet_cifar_inputs(gen):
    """Three (input_shape, classes, batch) cases: CIFAR-10's 32×32×3 with 10 classes, a new
    colour size and a new grey size (sides 32 to 48), with new class counts; a batch of 4
    images in [-1, 1] per case."""
    h1, h2 = (int(v) for v in gen.integers(32, 49, size=2))
    cases = [
        ((32, 32, 3), 10),
        ((h1, h1 + int(gen.integers(0, 5)), 3), int(gen.integers(2, 9))),
        ((h2, h2, 1), int(gen.integers(2, 12))),
    ]
    return [
        (shape, classes, gen.uniform(-1, 1, size=(4, *shape)).astype("float32"))
        for shape, classes in cases
    ]


def _alexnet(fn, shape, classes, x) -> dict:
    """The model described, with its outputs (training=False) on ``x``."""
    model = fn(shape, classes)
    described = describe_model(model)
    if described["kind"] == "Model":
        described["output"] = call(lambda: np.asarray(model(x, training=False)))
    return described


def build_alexnet_cifar(fn) -> None:
    seed = run_seed()
    results = [
        call(_alexnet, fn, shape, classes, x)
        for shape, classes, x in build_alexnet_cifar_inputs(generator(seed, "build_alexnet_cifar"))
    ]
    emit("build_alexnet_cifar", seed, results)


# ---------------------------------------------------------------------------- exercise 2


def conv_stack_inputs(gen):
    """(kernel, layers, channels) cases: the apostila's two (3×3 twice and four times, one
    channel), one with the default ``channels`` left out, and new ones."""
    cases = [(3, 2, 1), (3, 4, 1), (int(gen.choice([3, 5, 7])), int(gen.integers(1, 8)), None)]
    for _ in range(5):
        kernel = int(gen.choice([1, 3, 5, 7, 9, 11]))
        cases.append((kernel, int(gen.integers(1, 12)), int(gen.integers(1, 65))))
    return cases


def conv_stack(fn) -> None:
    seed = run_seed()
    results = []
    for kernel, layers, channels in conv_stack_inputs(generator(seed, "conv_stack")):
        if channels is None:
            results.append(call(fn, kernel, layers))
        else:
            results.append(call(fn, kernel, layers, channels))
    emit("conv_stack", seed, results)


# ---------------------------------------------------------------------------- exercise 3


def ordem_pesos_bn(answer) -> None:
    seed = run_seed()
    emit("ordem_pesos_bn", seed, value(answer))


def bn_weights_by_name_inputs(gen):
    """BatchNormalization layers to build: ``(config, input_shape, values, batches)``.

    ``values`` maps a weight name to the values the probe assigns (γ and β away from 1 and 0,
    moving statistics of any size); ``batches`` are fed with ``training=True`` afterwards (a
    "trained" layer: its moving statistics change). Channel counts are new every time; one
    layer has no β (``center=False``), one no γ (``scale=False``), one normalises a dense
    layer's output."""
    cases = []
    configs = [
        ({}, 4, 0),
        ({}, 4, 3),
        ({"center": False}, 4, 2),
        ({"scale": False}, 4, 0),
        ({"momentum": round(float(gen.uniform(0.5, 0.95)), 3)}, 2, 4),
    ]
    for config, rank, steps in configs:
        channels = int(gen.integers(2, 17))
        shape = (int(gen.integers(2, 6)), int(gen.integers(2, 6)), channels)
        shape = shape if rank == 4 else (channels,)
        values = {
            "gamma": gen.uniform(0.5, 2.0, channels),
            "beta": gen.normal(0.0, 1.0, channels),
            "moving_mean": gen.normal(0.0, 3.0, channels),
            "moving_variance": gen.uniform(0.1, 5.0, channels),
        }
        values = {k: v.astype("float32") for k, v in values.items()}
        offset = gen.normal(0.0, 5.0, channels)
        batches = [
            (offset + gen.normal(0.0, 2.0, size=(8, *shape))).astype("float32")
            for _ in range(steps)
        ]
        cases.append((config, shape, values, batches))
    return cases


def make_bn_layer(config, shape, values, batches):
    """The layer of one case: built, its weights assigned by name, then fed ``batches`` in
    training mode. The grader builds the same layer to know its weights."""
    import keras

    layer = keras.layers.BatchNormalization(**config)
    layer.build((None, *shape))
    for variable in layer.weights:
        variable.assign(values[variable.name])
    for batch in batches:
        layer(batch, training=True)
    return layer


def _weights_of(fn, layer):
    got = fn(layer)
    if isinstance(got, dict):
        return {str(k): np.asarray(v) for k, v in got.items()}
    return got


def bn_weights_by_name(fn) -> None:
    seed = run_seed()
    results = []
    for case in bn_weights_by_name_inputs(generator(seed, "bn_weights_by_name")):
        layer = make_bn_layer(*case)
        results.append(call(_weights_of, fn, layer))
    emit("bn_weights_by_name", seed, results)


def channel_mean_variance_inputs(gen):
    """Image batches ``(N, H, W, C)``: uint8 0-255, floats in [0, 1] with a different mean
    and spread per channel, a batch of only 2 small images (where dividing by N − 1 would
    show), and a single channel."""
    cases = []
    n, h, w = (int(v) for v in gen.integers(5, 30, size=3))
    cases.append(gen.integers(0, 256, size=(n, h, w, 3), dtype=np.uint8))
    channels = int(gen.integers(2, 7))
    means, spreads = gen.uniform(0.2, 0.8, channels), gen.uniform(0.02, 0.3, channels)
    cases.append(
        (means + spreads * gen.normal(size=(int(gen.integers(10, 40)), 6, 7, channels)))
        .clip(0, 1)
        .astype("float32")
    )
    cases.append(gen.normal(3.0, 2.0, size=(2, 2, 3, 4)).astype("float32"))
    cases.append(gen.uniform(-1, 1, size=(int(gen.integers(3, 9)), 5, 5, 1)))
    return cases


def channel_mean_variance(fn) -> None:
    seed = run_seed()
    cases = channel_mean_variance_inputs(generator(seed, "channel_mean_variance"))
    emit("channel_mean_variance", seed, [call(fn, images.copy()) for images in cases])


# ---------------------------------------------------------------------------- exercise 4


def bn_no_affine_inputs(gen):
    """Cases ``(momentum, epsilon, batches, probe_batch)`` for a new layer each: 4-D maps and
    2-D vectors, new channel counts and statistics; ``batches`` are the training steps."""
    cases = []
    for rank in (4, 2, 4):
        channels = int(gen.integers(1, 13))
        shape = (int(gen.integers(2, 6)), int(gen.integers(2, 6)), channels)
        shape = shape if rank == 4 else (channels,)
        momentum = round(float(gen.uniform(0.5, 0.99)), 3)
        epsilon = float(gen.choice([1e-3, 1e-2, 0.1, 1e-5]))
        offset, scale = gen.normal(0.0, 4.0, channels), gen.uniform(0.1, 3.0, channels)
        batches = [
            (offset + scale * gen.normal(size=(int(gen.integers(4, 12)), *shape))).astype(
                "float32"
            )
            for _ in range(int(gen.integers(3, 7)))
        ]
        probe_batch = (offset + scale * gen.normal(size=(6, *shape))).astype("float32")
        cases.append((momentum, epsilon, batches, probe_batch))
    return cases


def _run_no_affine(cls, momentum, epsilon, batches, probe_batch) -> dict:
    """What one new layer does: inference before any training (twice, to see that inference
    changes nothing), one training call, then more training calls, inference again; and its
    weights."""
    layer = cls(momentum=momentum, epsilon=epsilon)
    out = {}
    out["inference_fresh"] = call(lambda: np.asarray(layer(probe_batch, training=False)))
    out["inference_fresh_again"] = call(
        lambda: np.asarray(layer(probe_batch + 1.0, training=False))
    )
    out["training"] = [
        call(lambda b=batch: np.asarray(layer(b, training=True))) for batch in batches
    ]
    out["inference_trained"] = call(lambda: np.asarray(layer(probe_batch, training=False)))
    out["inference_trained_again"] = call(
        lambda: np.asarray(layer(probe_batch * 2.0, training=False))
    )
    out["weights"] = [
        {"shape": list(np.shape(w)), "trainable": bool(w.trainable)} for w in layer.weights
    ]
    out["trainable"] = len(layer.trainable_weights)
    return out


def bn_no_affine(cls) -> None:
    seed = run_seed()
    results = []
    for case in bn_no_affine_inputs(generator(seed, "bn_no_affine")):
        results.append(call(_run_no_affine, cls, *case))
    emit("bn_no_affine", seed, results)


# ---------------------------------------------------------------------------- exercise 5


def normalize_with_training_stats_inputs(gen):
    """(x_train, x_test) pairs: channels with very different means and spreads, and a test
    set whose statistics differ from the training set's; uint8 and float32."""
    cases = []
    for dtype in ("uint8", "float32", "float32"):
        channels = int(gen.integers(1, 5)) if dtype == "float32" else 3
        means = gen.uniform(20, 230, channels)
        spreads = gen.uniform(5, 60, channels)
        shape = (int(gen.integers(3, 8)), int(gen.integers(3, 7)))
        train = means + spreads * gen.normal(size=(int(gen.integers(20, 50)), *shape, channels))
        shift, stretch = gen.uniform(-30, 30, channels), gen.uniform(0.5, 1.6, channels)
        test = means + shift + stretch * spreads * gen.normal(size=(12, *shape, channels))
        if dtype == "uint8":
            train, test = (np.clip(np.round(a), 0, 255).astype("uint8") for a in (train, test))
        else:
            train, test = (a.astype("float32") / 255.0 for a in (train, test))
        cases.append((train, test))
    return cases


def normalize_with_training_stats(fn) -> None:
    seed = run_seed()
    cases = normalize_with_training_stats_inputs(generator(seed, "normalize_with_training_stats"))
    emit(
        "normalize_with_training_stats",
        seed,
        [call(fn, train.copy(), test.copy()) for train, test in cases],
    )


# ---------------------------------------------------------------------------- exercise 6


def pad_to_32_inputs(gen):
    """Batches of 28×28 grey images (uint8 with no zero pixel, so the border shows), and a
    float batch."""
    n1, n2 = (int(v) for v in gen.integers(1, 20, size=2))
    return [
        gen.integers(1, 256, size=(n1, 28, 28), dtype=np.uint8),
        gen.uniform(0.1, 1.0, size=(n2, 28, 28)).astype("float32"),
    ]


def pad_to_32(fn) -> None:
    seed = run_seed()
    cases = pad_to_32_inputs(generator(seed, "pad_to_32"))
    emit("pad_to_32", seed, [call(fn, images.copy()) for images in cases])


def fashion_augmentation_inputs(gen):
    """A batch of 16 grey 32×32 images in [0, 1], each with a bright patch on its left half
    (a left-right flip would move it)."""
    x = gen.uniform(0.0, 0.2, size=(16, 32, 32, 1))
    x[:, 8:24, 4:14, 0] = 1.0
    return x.astype("float32")


def _augmentation(fn, x) -> dict:
    import keras

    aug = fn()
    if isinstance(aug, (list, tuple)):
        layers = list(aug)
    elif isinstance(aug, keras.layers.Layer):
        layers = list(aug.layers) if hasattr(aug, "layers") else [aug]
    else:
        return {"kind": type(aug).__name__}

    def run(batch, training):
        out = batch
        for layer in layers:
            out = layer(out, training=training)
        return np.asarray(out)

    return {
        "kind": "Layers",
        "layers": describe_layers(layers),
        "off": call(run, x, False),
        "on": [call(run, x, True) for _ in range(3)],
    }


def fashion_augmentation(fn) -> None:
    seed = run_seed()
    x = fashion_augmentation_inputs(generator(seed, "fashion_augmentation"))
    emit("fashion_augmentation", seed, call(_augmentation, fn, x))


# ---------------------------------------------------------------------------- exercise 7


def select_airplanes_ships_inputs(gen):
    return class_pair_inputs(gen, (0, 8))


def select_airplanes_ships(fn) -> None:
    probe_class_pair("select_airplanes_ships", fn, select_airplanes_ships_inputs)
