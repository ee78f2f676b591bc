"""Probes of lesson 00b (classic architectures: LeNet-5, AlexNet, transfer learning); the
grader judges them (see :mod:`autograder.probes`).

Every probe calls the student's function on fresh small inputs (input shapes and class
counts, lists of layer specifications) and reports what came back; the first case is always
the smallest, so that a function of the wrong kind fails at once. The Keras models of the
LeNet-5 exercise are described layer by layer (class, configuration, parameters, output
shape).
"""

from __future__ import annotations

import numpy as np

from . import call, describe_layers, emit, generator, run_seed, value

# ---------------------------------------------------------------------------- exercise 1


def _lenet_cases(gen):
    """(input_shape, num_classes): the classic (32, 32, 1) with 10 classes, then colour
    or grey inputs with fresh class counts."""
    return [((32, 32, 1), 10), ((32, 32, int(gen.integers(2, 5))), int(gen.integers(2, 40)))]


def lenet_convs_inputs(gen):
    return _lenet_cases(gen)


def lenet_dense_inputs(gen):
    return _lenet_cases(gen)


def lenet_pooling_inputs(gen):
    return _lenet_cases(gen)


def _shape(layer):
    try:
        return [None if d is None else int(d) for d in layer.output.shape]
    except Exception:  # noqa: BLE001 - a layer that was never called has no output
        return None


def _lenet_result(fn, input_shape, classes) -> dict:
    """The model's layers (class, config, parameters, output shape) and its output on a
    batch of two images (inference)."""
    import keras

    model = fn(input_shape, classes)
    if not isinstance(model, keras.Model):
        return {"kind": type(model).__name__}
    layers = describe_layers(model.layers)
    for entry, layer in zip(layers, model.layers):
        entry["output_shape"] = _shape(layer)
    x = np.linspace(-1.0, 1.0, 2 * int(np.prod(input_shape)), dtype="float32")
    return {
        "kind": "Model",
        "layers": layers,
        "params": int(model.count_params()),
        "output": np.asarray(model(x.reshape(2, *input_shape), training=False)),
    }


def _lenet_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    emit(name, seed, [call(_lenet_result, fn, shape, k) for shape, k in cases])


def lenet_convs(fn) -> None:
    _lenet_probe("lenet_convs", fn)


def lenet_dense(fn) -> None:
    _lenet_probe("lenet_dense", fn)


def lenet_pooling(fn) -> None:
    _lenet_probe("lenet_pooling", fn)


# ---------------------------------------------------------------------------- exercise 2

ALEXNET = [
    ("conv", 96, 11, 4, 0),
    ("pool", 3, 2),
    ("conv", 256, 5, 1, 2),
    ("pool", 3, 2),
    ("conv", 384, 3, 1, 1),
    ("conv", 384, 3, 1, 1),
    ("conv", 256, 3, 1, 1),
    ("pool", 3, 2),
    ("dense", 4096),
    ("dense", 4096),
    ("dense", 1000),
]
"""The AlexNet of the architectures notebook's table, input (227, 227, 3) (lesson 00b)."""


def _fits(size, f, s, p) -> bool:
    return size + 2 * p >= f and (size - f + 2 * p) % s == 0


def _random_specs(gen) -> tuple:
    """A fresh list of 2 to 6 specifications on a small rectangular input; every size is
    an integer (lesson 00b)."""
    height, width = int(gen.integers(12, 49)), int(gen.integers(12, 49))
    shape = (height, width, int(gen.integers(1, 5)))
    specs = []
    for _ in range(int(gen.integers(1, 5))):
        if gen.random() < 0.7 or min(height, width) < 4:
            f, p = int(gen.integers(1, 6)), int(gen.integers(0, 3))
            s = int(gen.integers(1, 3))
            if not (_fits(height, f, s, p) and _fits(width, f, s, p)):
                s = 1
            if not (_fits(height, f, 1, p) and _fits(width, f, 1, p)):
                continue
            specs.append(("conv", int(gen.integers(2, 33)), f, s, p))
            height, width = (height - f + 2 * p) // s + 1, (width - f + 2 * p) // s + 1
        else:
            f, s = (2, 2) if gen.random() < 0.5 else (3, 2)
            if not (_fits(height, f, s, 0) and _fits(width, f, s, 0)):
                f, s = 2, 1
            specs.append(("pool", f, s))
            height, width = (height - f) // s + 1, (width - f) // s + 1
    if not specs:
        specs.append(("conv", int(gen.integers(2, 33)), 3, 1, 1))
    for _ in range(int(gen.integers(1, 3))):
        specs.append(("dense", int(gen.integers(2, 65))))
    return specs, shape


def layer_costs_alexnet_inputs(gen):
    """The AlexNet list as in the table, then with a fresh number of classes."""
    classes = int(gen.integers(2, 2000))
    return [(list(ALEXNET), (227, 227, 3)), (ALEXNET[:-1] + [("dense", classes)], (227, 227, 3))]


def layer_costs_params_inputs(gen):
    """A one-convolution list first, then fresh lists on fresh rectangular inputs."""
    return [([("conv", 2, 3, 1, 0)], (5, 5, 1))] + [_random_specs(gen) for _ in range(4)]


def layer_costs_macs_inputs(gen):
    return [([("conv", 2, 3, 1, 0)], (5, 5, 1))] + [_random_specs(gen) for _ in range(4)]


def _costs_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    emit(name, seed, [call(fn, list(specs), tuple(shape)) for specs, shape in cases])


def layer_costs_alexnet(fn) -> None:
    _costs_probe("layer_costs_alexnet", fn)


def layer_costs_params(fn) -> None:
    _costs_probe("layer_costs_params", fn)


def layer_costs_macs(fn) -> None:
    _costs_probe("layer_costs_macs", fn)


# ---------------------------------------------------------------------------- exercise 3


def resposta_transferencia(answer) -> None:
    seed = run_seed()
    emit("resposta_transferencia", seed, value(answer))
