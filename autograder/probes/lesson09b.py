"""Probes of lesson 09b (transfer learning from EfficientNetB0 to CIFAR-10); the grader judges
them (see :mod:`autograder.probes`).

The transfer-learning model is built with ``weights=None`` at a small resolution (nothing is
downloaded), and ``unfreeze_top`` is tried first on a small stand-in base, then on a real
EfficientNetB0 base: an answer of the wrong kind never gets to the expensive model.
"""

from __future__ import annotations

import numpy as np

from . import call, emit, generator, run_seed, value

# ---------------------------------------------------------------------------- exercise 1


def _transfer_cases(gen):
    """(num_classes, input_shape, image_size, images): two fresh class counts (never 10),
    CIFAR-sized or smaller inputs, small resolutions (EfficientNetB0 accepts 32 and up)."""
    cases = []
    for input_shape in ((32, 32, 3), (int(gen.integers(16, 32)),) * 2 + (3,)):
        classes = int(gen.choice([k for k in range(2, 21) if k != 10]))
        size = int(gen.choice([32, 40, 48]))
        images = gen.integers(0, 256, size=(2, *input_shape)).astype("float32")
        cases.append((classes, input_shape, size, images))
    return cases


def _layer_summary(layer) -> dict:
    import keras

    from . import _plain

    weights = layer.trainable_weights if layer.trainable else []
    return {
        "class": type(layer).__name__,
        "name": layer.name,
        "config": _plain(layer.get_config()),
        "trainable": bool(layer.trainable),
        "params": int(layer.count_params()) if layer.built else 0,
        "trainable_params": int(sum(np.prod(w.shape) for w in weights)),
        "nested": isinstance(layer, keras.Model),
        "layers": len(getattr(layer, "layers", []) or []),
    }


def _transfer_result(fn, classes, input_shape, size, images) -> dict:
    """The model described: its layers (nested models summed up), parameters, trainable
    parameters and its output on ``images`` (inference)."""
    import keras

    model = fn(classes, input_shape, image_size=size, weights=None)
    if not isinstance(model, keras.Model):
        return {"kind": type(model).__name__}
    return {
        "kind": "Model",
        "layers": [_layer_summary(layer) for layer in model.layers],
        "params": int(model.count_params()),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "output": np.asarray(model(images, training=False)),
    }


def transfer_output_inputs(gen):
    return _transfer_cases(gen)


def transfer_frozen_inputs(gen):
    return _transfer_cases(gen)


def _transfer_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    results = []
    for case in cases:
        results.append(call(_transfer_result, fn, *case))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def transfer_output(fn) -> None:
    _transfer_probe("transfer_output", fn)


def transfer_frozen(fn) -> None:
    _transfer_probe("transfer_frozen", fn)


def stand_in_base():
    """A small frozen base: convolutions, BatchNormalization, activations and a dense layer,
    the kinds of layers an EfficientNet has (lesson 09b)."""
    import keras

    layers = keras.layers
    inputs = keras.Input(shape=(8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("swish")(x)
    x = layers.DepthwiseConv2D(3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("swish")(x)
    x = layers.Conv2D(6, 1)(x)
    x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(5)(x)
    base = keras.Model(inputs, x, name="base")
    base.trainable = False
    return base


def efficientnet_base():
    """EfficientNetB0 without its top, random weights, 32×32 input, frozen (lesson 09b)."""
    import keras

    base = keras.applications.EfficientNetB0(
        include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    base.trainable = False
    return base


def _unfreeze_cases(gen):
    """(base kind, n): the stand-in base first, then EfficientNetB0 with n = 20 (the
    Keras example's choice) and two fresh n."""
    cases = [("stand-in", int(gen.integers(3, 9)))]
    cases += [("efficientnetb0", 20)]
    cases += [("efficientnetb0", int(v)) for v in gen.integers(5, 120, size=2)]
    return cases


def _state(base) -> dict:
    return {
        "base_trainable": bool(base.trainable),
        "layers": [
            [type(layer).__name__, bool(layer.weights), bool(layer.trainable)]
            for layer in base.layers
        ],
    }


def unfreeze_top_layers_inputs(gen):
    return _unfreeze_cases(gen)


def unfreeze_top_bn_inputs(gen):
    return _unfreeze_cases(gen)


def _unfreeze_probe(name: str, fn) -> None:
    """The answer gets the stand-in base first; only an answer that made some layer of it
    trainable, without error, is tried on EfficientNetB0 (built once, frozen again before
    each call)."""
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    results = []
    real = None
    for kind, n in cases:
        if kind == "stand-in":
            base = stand_in_base()
        else:
            if real is None:
                real = efficientnet_base()
            base = real
            base.trainable = False
        answer = call(fn, base, n)
        if "error" in answer:
            results.append(answer)
            break
        state = _state(base)
        results.append(value(state))
        moved = any(weights and trainable for _, weights, trainable in state["layers"])
        if not (state["base_trainable"] and moved):
            break
    emit(name, seed, results)


def unfreeze_top_layers(fn) -> None:
    _unfreeze_probe("unfreeze_top_layers", fn)


def unfreeze_top_bn(fn) -> None:
    _unfreeze_probe("unfreeze_top_bn", fn)


# ---------------------------------------------------------------------------- exercise 2


def resposta_bn(answer) -> None:
    seed = run_seed()
    emit("resposta_bn", seed, value(answer))
