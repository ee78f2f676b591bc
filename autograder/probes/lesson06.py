"""Probes of lesson 06 (Inception); the grader judges them (see :mod:`autograder.probes`).

The graph of a functional model travels as plain data (:func:`model_graph`): each layer
with its class, simple settings, parameter count, L2 factors and the names of the layers
that feed it. Cats and dogs reuse lesson 03's probe.
"""

from __future__ import annotations

import numpy as np

from . import _plain, call, describe_model, emit, generator, run_seed, value
from .lesson03 import select_dogs_cats, select_dogs_cats_inputs  # noqa: F401 - exercise 6

# ---------------------------------------------------------------------------- graphs


def _histories(item) -> list[str]:
    """Names of the layers whose outputs appear in a node's serialised arguments."""
    found = []
    if isinstance(item, dict):
        history = item.get("config", {}).get("keras_history") if "config" in item else None
        if item.get("class_name") == "__keras_tensor__" and history:
            found.append(str(history[0]))
        else:
            for inner in item.values():
                found.extend(_histories(inner))
    elif isinstance(item, (list, tuple)):
        for inner in item:
            found.extend(_histories(inner))
    return found


def _l2(regularizer):
    factor = getattr(regularizer, "l2", None)
    return None if factor is None else float(factor)


def model_graph(model) -> dict:
    """A functional model as plain data: its layers (class, simple config, parameters, L2
    factors of kernel and bias, the names of the layers feeding it, how many times it is
    called) and the names of its output layers (lesson 06)."""
    config = model.get_config()
    layers = []
    for entry in config["layers"]:
        layer = model.get_layer(entry["name"])
        nodes = entry.get("inbound_nodes") or []
        layers.append(
            {
                "name": entry["name"],
                "class": type(layer).__name__,
                "config": _plain(layer.get_config()),
                "params": int(layer.count_params()) if layer.built else 0,
                "kernel_l2": _l2(getattr(layer, "kernel_regularizer", None)),
                "bias_l2": _l2(getattr(layer, "bias_regularizer", None)),
                "inbound": _histories(nodes[0]) if nodes else [],
                "calls": len(nodes),
            }
        )
    outputs = config.get("output_layers") or []
    if outputs and isinstance(outputs[0], str):  # a single output: [name, node, tensor]
        outputs = [outputs]
    outputs = [str(item[0]) for item in outputs]
    return {"layers": layers, "outputs": outputs}


# ---------------------------------------------------------------------------- exercise 1


def conv1x1_inputs(gen, with_bias: bool = False):
    """Three (images, kernel, bias) cases: 1 to 4 images of 3 to 9 pixels a side, 1 to 8
    channels in and out (the first case has 3 channels in, as an RGB image); the kernel in
    Keras's layout (1, 1, C_in, C_out); a bias of C_out values, or None."""
    cases = []
    for number in range(3):
        n, height, width = (int(v) for v in gen.integers((1, 3, 3), (5, 10, 10)))
        c_in = 3 if number == 0 else int(gen.integers(1, 9))
        c_out = int(gen.integers(1, 9))
        if number == 1:
            c_out = c_in + int(gen.integers(1, 4))  # a square kernel would hide a transpose
        images = gen.normal(0.0, 1.0, (n, height, width, c_in)).astype("float32")
        kernel = gen.normal(0.0, 1.0, (1, 1, c_in, c_out)).astype("float32")
        bias = gen.normal(0.0, 1.0, c_out).astype("float32") if with_bias else None
        cases.append((images, kernel, bias))
    return cases


def conv1x1_bias_inputs(gen):
    """The cases of :func:`conv1x1_inputs`, each with a bias."""
    return conv1x1_inputs(gen, with_bias=True)


def conv1x1(fn) -> None:
    """Without bias: ``conv1x1(images, kernel)``."""
    seed = run_seed()
    cases = conv1x1_inputs(generator(seed, "conv1x1"))
    emit("conv1x1", seed, [call(fn, images, kernel) for images, kernel, _ in cases])


def conv1x1_bias(fn) -> None:
    """With bias: ``conv1x1(images, kernel, bias)``."""
    seed = run_seed()
    cases = conv1x1_bias_inputs(generator(seed, "conv1x1_bias"))
    emit("conv1x1_bias", seed, [call(fn, *case) for case in cases])


# ---------------------------------------------------------------------------- exercise 2


def conv_cost_inputs(gen):
    """Six (height, width, channels_in, channels_out, kernel_size) cases, sizes as in
    real networks: maps of 1 to 64 pixels a side, up to 600 channels, kernels 1 to 7."""
    cases = []
    for _ in range(6):
        height, width = (int(v) for v in gen.integers(1, 65, 2))
        c_in, c_out = int(gen.integers(1, 601)), int(gen.integers(1, 301))
        cases.append((height, width, c_in, c_out, int(gen.choice([1, 3, 5, 7]))))
    return cases


def conv_cost(fn) -> None:
    seed = run_seed()
    cases = conv_cost_inputs(generator(seed, "conv_cost"))
    emit("conv_cost", seed, [call(fn, *case) for case in cases])


# ---------------------------------------------------------------------------- exercise 3


def inception_module_inputs(gen):
    """Three (input_shape, filters, weight_decay) cases: maps of 5 to 16 pixels a side with 1
    to 40 channels; even numbers of filters, then an odd one; weight_decay 0 (the default,
    not passed) in the first two cases and between 1e-4 and 1e-3 in the third."""
    cases = []
    for number in range(3):
        shape = (int(gen.integers(5, 17)), int(gen.integers(5, 17)), int(gen.integers(1, 41)))
        filters = 2 * int(gen.integers(2, 13)) + (1 if number == 2 else 0)
        decay = round(float(gen.uniform(1e-4, 1e-3)), 6) if number == 2 else 0.0
        cases.append((shape, filters, decay))
    return cases


def _module_description(fn, shape, filters, decay) -> dict:
    import keras

    inputs = keras.Input(shape=shape)
    outputs = fn(inputs, filters) if decay == 0 else fn(inputs, filters, decay)
    model = keras.Model(inputs, outputs)
    return {
        "output_shape": [None if v is None else int(v) for v in model.output_shape],
        "params": int(model.count_params()),
        "graph": model_graph(model),
    }


def inception_module(fn) -> None:
    seed = run_seed()
    cases = inception_module_inputs(generator(seed, "inception_module"))
    emit("inception_module", seed, [call(_module_description, fn, *case) for case in cases])


# ---------------------------------------------------------------------------- exercise 4


def functional_lenet_inputs(gen):
    """Two (input_shape, num_classes, images) cases: 32×32×3 with 10 classes, then a new
    size (28 to 40 pixels a side), 1 or 3 channels and 2 to 12 classes; 6 images each,
    in [-0.5, 0.5]."""
    side = int(gen.integers(28, 41))
    other = (side, side + int(gen.integers(0, 5)), int(gen.choice([1, 3])))
    cases = [((32, 32, 3), 10), (other, int(gen.integers(2, 13)))]
    return [
        (shape, classes, gen.uniform(-0.5, 0.5, (6, *shape)).astype("float32"))
        for shape, classes in cases
    ]


def random_weights(gen, shapes) -> list[np.ndarray]:
    """Fresh weights of the given shapes: kernels with variance 1/fan-in, small biases."""
    weights = []
    for shape in shapes:
        shape = tuple(int(v) for v in shape)
        if len(shape) > 1:
            scale = 1.0 / np.sqrt(max(1, int(np.prod(shape[:-1]))))
        else:
            scale = 0.1
        weights.append(gen.normal(0.0, scale, shape).astype("float32"))
    return weights


def _lenet_outputs(fn, shape, classes, images, gen) -> dict:
    model = fn(shape, classes)
    described = {"kind": type(model).__name__}
    if not hasattr(model, "get_weights"):
        return described
    shapes = [list(np.shape(w)) for w in model.get_weights()]
    described["layers"] = [
        [type(layer).__name__, layer.get_config().get("rate")]
        for layer in getattr(model, "layers", [])
        if type(layer).__name__ != "InputLayer"
    ]
    described["weight_shapes"] = shapes
    described["params"] = int(model.count_params())
    model.set_weights(random_weights(gen, shapes))
    described["output"] = call(lambda: np.asarray(model(images, training=False)))
    return described


def functional_lenet(fn) -> None:
    """The weights are drawn from generator(seed, "functional_lenet_weights") in the order of
    ``model.get_weights()``, case after case; the grader puts the same ones in a Sequential
    LeNet."""
    seed = run_seed()
    cases = functional_lenet_inputs(generator(seed, "functional_lenet"))
    weights = generator(seed, "functional_lenet_weights")
    results = [call(_lenet_outputs, fn, shape, classes, x, weights) for shape, classes, x in cases]
    emit("functional_lenet", seed, results)


# ---------------------------------------------------------------------------- exercise 8


def resposta_arquiteturas(answer) -> None:
    seed = run_seed()
    emit("resposta_arquiteturas", seed, value(answer))


# ---------------------------------------------------------------------------- exercise 9


def ponti_inception_inputs(gen):
    """Two (input_shape, num_classes) cases: Fashion-MNIST's 28×28×1 with 10 classes, then
    a new even size (16 to 36 pixels a side), 1 or 3 channels and 2 to 12 classes."""
    side = 2 * int(gen.integers(8, 19))
    other = ((side, side, int(gen.choice([1, 3]))), int(gen.integers(2, 13)))
    return [((28, 28, 1), 10), other]


def _ponti_description(fn, shape, classes) -> dict:
    model = fn(shape, classes)
    described = describe_model(model)
    if described.get("kind") != "Model":
        return described
    described["output_shape"] = [None if v is None else int(v) for v in model.output_shape]
    described["graph"] = call(model_graph, model)
    optimizer = getattr(model, "optimizer", None)
    try:
        described["momentum"] = float(np.asarray(optimizer.momentum))
    except Exception:  # noqa: BLE001 - optimizers without momentum
        described["momentum"] = None
    return described


def ponti_inception(fn) -> None:
    seed = run_seed()
    cases = ponti_inception_inputs(generator(seed, "ponti_inception"))
    emit("ponti_inception", seed, [call(_ponti_description, fn, *case) for case in cases])
