"""Probes of lesson 09 (EfficientNet); the grader judges them (see :mod:`autograder.probes`).

Compound scaling, the activations and the convolution costs are probed with plain calls on
fresh numbers and arrays. The blocks (inverted residual, squeeze-and-excitation) are built on
fresh input shapes and described as graphs, with their outputs on fresh images; both first get
weights whose effect a grader can follow by hand (the inverted residual block: every weight
zero but the bias of the final 1×1 projection; the SE block, in the excitation cases: fresh
weights for its two dense layers). The transfer-learning model and ``unfreeze_top`` are probed
in :mod:`autograder.probes.lesson09b`.
"""

from __future__ import annotations

import numpy as np

from . import all_layers, call, emit, generator, graph, run_seed

# ---------------------------------------------------------------------------- exercise 1


def _scaling_cases(gen):
    """(phi, coefficients): the paper's φ = 1, fresh φ with the default coefficients, then
    fresh φ with fresh coefficients passed by name (``None``: use the defaults)."""
    cases = [(1.0, None)]
    cases += [(float(gen.uniform(0.2, 7.0)), None) for _ in range(3)]
    for _ in range(3):
        coefficients = tuple(float(v) for v in gen.uniform(1.02, 1.6, size=3).round(4))
        cases.append((float(gen.uniform(0.2, 6.0)), coefficients))
    return cases


def compound_multipliers_inputs(gen):
    return _scaling_cases(gen)


def compound_flops_inputs(gen):
    return _scaling_cases(gen)


def _call_scaling(fn, phi, coefficients):
    if coefficients is None:
        return call(fn, phi)
    alpha, beta, gamma = coefficients
    return call(fn, phi, alpha=alpha, beta=beta, gamma=gamma)


def _scaling_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    emit(name, seed, [_call_scaling(fn, phi, c) for phi, c in cases])


def compound_multipliers(fn) -> None:
    _scaling_probe("compound_multipliers", fn)


def compound_flops(fn) -> None:
    _scaling_probe("compound_flops", fn)


# ---------------------------------------------------------------------------- exercise 2


def _activation_cases(gen):
    """A short float32 vector first, then fresh shapes: wide normal values, a batch with
    extreme values (±30) and zeros, and a float64 array."""
    cases = [np.linspace(-3.0, 3.0, 7, dtype="float32")]
    rows, cols = int(gen.integers(2, 9)), int(gen.integers(2, 9))
    cases.append((gen.normal(0.0, 3.0, size=(rows, cols))).astype("float32"))
    batch = gen.uniform(-6.0, 6.0, size=(2, int(gen.integers(2, 6)), int(gen.integers(2, 6)), 3))
    batch = batch.astype("float32")
    batch[0, 0, 0, :] = [-30.0, 0.0, 30.0]
    cases.append(batch)
    cases.append(gen.normal(0.0, 2.0, size=int(gen.integers(5, 40))))
    return cases


def swish_inputs(gen):
    return _activation_cases(gen)


def gelu_inputs(gen):
    return _activation_cases(gen)


def gelu_sigmoid_inputs(gen):
    return _activation_cases(gen)


def _activation_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    results = []
    for x in cases:  # the student gets a copy: an answer that edits x changes no case
        results.append(call(fn, x.copy()))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def swish(fn) -> None:
    _activation_probe("swish", fn)


def gelu(fn) -> None:
    _activation_probe("gelu", fn)


def gelu_sigmoid(fn) -> None:
    _activation_probe("gelu_sigmoid", fn)


# ---------------------------------------------------------------------------- exercise 3


def _conv_cases(gen):
    """(height, width, channels_in, channels_out, kernel_size): a small case, then fresh
    sizes (kernels 1, 3, 5 or 7)."""
    cases = [(5, 5, 3, 4, 3)]
    for _ in range(4):
        cases.append(
            (
                int(gen.integers(4, 65)),
                int(gen.integers(4, 65)),
                int(gen.integers(1, 65)),
                int(gen.integers(1, 129)),
                int(gen.choice([1, 3, 5, 7])),
            )
        )
    return cases


def conv_costs_params_inputs(gen):
    return _conv_cases(gen)


def conv_costs_mults_inputs(gen):
    return _conv_cases(gen)


def _conv_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    emit(name, seed, [call(fn, *case) for case in cases])


def conv_costs_params(fn) -> None:
    _conv_probe("conv_costs_params", fn)


def conv_costs_mults(fn) -> None:
    _conv_probe("conv_costs_mults", fn)


# ---------------------------------------------------------------------------- exercise 4


def _inverted_case(gen) -> dict:
    channels = int(gen.integers(2, 17))
    expand = channels * int(gen.integers(2, 7))
    if gen.random() < 0.3:
        expand = channels + int(gen.integers(1, 30))
    height, width = int(gen.integers(4, 13)), int(gen.integers(4, 13))
    return {
        "shape": (height, width, channels),
        "expand": expand,
        "x": gen.normal(0.0, 1.0, size=(2, height, width, channels)).astype("float32"),
        "beta": gen.uniform(-1.0, 1.0, size=channels).astype("float32"),
    }


def set_projection_bias(model, expand: int, beta: np.ndarray) -> bool:
    """Zero every weight of ``model`` except the bias of the 1×1 projection (a Conv2D from
    ``expand`` channels to ``len(beta)``), which becomes ``beta`` (lesson 09); whether such a
    projection was found.

    The inverted residual block then gives x + β when the projection is linear and the sum
    takes x itself: the expansion and the depthwise convolution output zeros.
    """
    found = False
    for layer in all_layers(model):
        kernel = getattr(layer, "kernel", None)
        projection = (
            type(layer).__name__ == "Conv2D"
            and kernel is not None
            and tuple(kernel.shape) == (1, 1, expand, len(beta))
        )
        found = found or projection
        for weight in layer.weights:
            new = np.zeros(tuple(weight.shape), dtype="float32")
            name = weight.name.split("/")[-1]
            if projection and name == "bias":
                new = beta.astype("float32")
            elif type(layer).__name__ == "BatchNormalization" and name == "moving_variance":
                new = np.ones(tuple(weight.shape), dtype="float32")
            elif type(layer).__name__ == "BatchNormalization" and name == "gamma":
                new = np.ones(tuple(weight.shape), dtype="float32")
            weight.assign(new)
    return found


def _inverted_result(fn, case: dict) -> dict:
    """The block applied to a fresh input, as a model: graph, parameters, output shape, and
    its output on ``x`` after :func:`set_projection_bias` (and whether it found the
    projection)."""
    import keras

    inputs = keras.Input(shape=case["shape"])
    model = keras.Model(inputs, fn(inputs, case["expand"]))
    described = {
        "kind": "Model",
        "graph": graph(model),
        "params": int(model.count_params()),
        "output_shape": [None if d is None else int(d) for d in model.output_shape],
    }
    described["projection"] = set_projection_bias(model, case["expand"], case["beta"])
    described["output"] = np.asarray(model(case["x"], training=False))
    return described


def inverted_residual_shape_inputs(gen):
    return [_inverted_case(gen) for _ in range(2)]


def inverted_residual_params_inputs(gen):
    return [_inverted_case(gen) for _ in range(2)]


def inverted_residual_sum_inputs(gen):
    return [_inverted_case(gen) for _ in range(2)]


def _inverted_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    results = []
    for case in cases:
        results.append(call(_inverted_result, fn, case))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def inverted_residual_shape(fn) -> None:
    _inverted_probe("inverted_residual_shape", fn)


def inverted_residual_params(fn) -> None:
    _inverted_probe("inverted_residual_params", fn)


def inverted_residual_sum(fn) -> None:
    _inverted_probe("inverted_residual_sum", fn)


# ---------------------------------------------------------------------------- exercise 5


def _se_case(gen, kind: str) -> dict:
    """A case of ``kind``: ``"params"`` (at least ``ratio`` channels), ``"guard"`` (fewer
    channels than ``ratio``: ch // ratio is 0) or ``"excitation"`` (ch // ratio ≥ 6, so that
    some ReLU of the middle layer is active for some image: with a single neuron, a right
    block may give the same weights to every image). Batches of 4 images at least 4 pixels
    wide, each channel of each image shifted, so that their averages differ. The excitation
    cases also carry weights for the two dense layers (``w1``, ``b1``: ch → ch // ratio;
    ``w2``, ``b2``: back to ch), scaled so that some ReLUs are active and the sigmoids stay
    away from 0 and 1."""
    if kind == "guard":
        ratio = int(gen.choice([8, 16]))
        channels = int(gen.integers(1, ratio))
    elif kind == "excitation":
        ratio = int(gen.choice([2, 4]))
        channels = ratio * int(gen.integers(6, 12)) + int(gen.integers(0, ratio))
    else:
        ratio = int(gen.choice([2, 4, 8, 16]))
        channels = ratio * int(gen.integers(1, 5)) + int(gen.integers(0, ratio))
    height, width = int(gen.integers(4, 10)), int(gen.integers(4, 10))
    x = gen.normal(0.0, 1.0, size=(4, height, width, channels))
    x += gen.uniform(-1.0, 1.0, size=(4, 1, 1, channels))
    x = x.astype("float32")
    x[np.abs(x) < 0.05] = 0.5  # the grader divides by x
    case = {"shape": (height, width, channels), "ratio": ratio, "x": x}
    if kind == "excitation":
        reduced = channels // ratio
        case["w1"] = gen.normal(0.0, 2.0, size=(channels, reduced)) / np.sqrt(channels)
        case["b1"] = gen.uniform(-0.5, 0.5, size=reduced)
        case["w2"] = gen.normal(0.0, 1.5, size=(reduced, channels)) / np.sqrt(reduced)
        case["b2"] = gen.uniform(-0.5, 0.5, size=channels)
        for key in ("w1", "b1", "w2", "b2"):
            case[key] = case[key].astype("float32")
    return case


def set_se_weights(model, case: dict) -> list[str]:
    """Give the dense layers of an SE block the case's weights (lesson 09): a layer whose
    kernel maps ch to ch // ratio (a Dense, or a 1×1 Conv2D) gets ``w1`` and ``b1``, one that
    maps back gets ``w2`` and ``b2``. The names of the weights given, sorted."""
    w1, w2 = case["w1"], case["w2"]
    given = set()
    for layer in all_layers(model):
        kernel = getattr(layer, "kernel", None)
        if kernel is None or len(kernel.shape) < 2:
            continue
        shape = tuple(int(d) for d in kernel.shape)
        flat = (int(np.prod(shape[:-1])), shape[-1])
        for weight, bias in (("w1", "b1"), ("w2", "b2")):
            if flat != case[weight].shape:
                continue
            kernel.assign(case[weight].reshape(shape))
            given.add(weight)
            layer_bias = getattr(layer, "bias", None)
            if layer_bias is not None and tuple(layer_bias.shape) == case[bias].shape:
                layer_bias.assign(case[bias])
                given.add(bias)
            break
    return sorted(given)


def _se_result(fn, case: dict) -> dict:
    """The SE block on a fresh input: graph, parameters, output shape and its output on
    ``x``, with the case's weights where it has some (:func:`set_se_weights`, the names of
    those given under ``"weights"``), its own random initial weights otherwise."""
    import keras

    inputs = keras.Input(shape=case["shape"])
    model = keras.Model(inputs, fn(inputs, ratio=case["ratio"]))
    described = {
        "kind": "Model",
        "graph": graph(model),
        "params": int(model.count_params()),
        "output_shape": [None if d is None else int(d) for d in model.output_shape],
    }
    if "w1" in case:
        described["weights"] = set_se_weights(model, case)
    described["output"] = np.asarray(model(case["x"], training=False))
    return described


def se_block_params_inputs(gen):
    return [_se_case(gen, "params") for _ in range(2)]


def se_block_guard_inputs(gen):
    return [_se_case(gen, "guard") for _ in range(2)]


def se_block_excitation_inputs(gen):
    return [_se_case(gen, "excitation") for _ in range(2)]


def _se_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    results = []
    for case in cases:
        results.append(call(_se_result, fn, case))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def se_block_params(fn) -> None:
    _se_probe("se_block_params", fn)


def se_block_guard(fn) -> None:
    _se_probe("se_block_guard", fn)


def se_block_excitation(fn) -> None:
    _se_probe("se_block_excitation", fn)
