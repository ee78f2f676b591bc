"""Probes of lesson 10 (Vision Transformer); the grader judges them (see
:mod:`autograder.probes`).

``extract_patches`` is called on fresh images and batches; ``PatchEmbedding`` is built
on fresh sizes, its kernel, bias and position table (known by their shapes) are set to
fresh random values, and the probe sends back its output, parameter count and weights
(the grader recomputes the output from the values it drew);
``transformer_block`` is applied to a fresh symbolic input and the probe sends back its
graph, parameter count, its output on a batch and its output after every weight was set
to zero.
"""

from __future__ import annotations

import numpy as np

from . import call, emit, generator, graph, run_seed, value

# ---------------------------------------------------------------------------- exercise 1


def _patch_case(gen, batch: bool, remainder: bool, small: bool = False):
    """(images, patch_size): an image (H, W, C) or a batch (N, H, W, C) of float32 values;
    with ``remainder``, H and W are not multiples of the patch size."""
    patch = int(gen.integers(2, 4 if small else 7))
    low, high = (1, 3) if small else (2, 6)
    rows, cols = int(gen.integers(low, high)), int(gen.integers(low, high))
    if rows == cols and not small:
        cols += 1  # at least 2 × 3 and never square: a mix-up of rows and columns must show
    height, width = rows * patch, cols * patch
    if remainder:
        height += int(gen.integers(1, patch))
        width += int(gen.integers(0, patch))
    channels = int(gen.integers(1 if small else 2, 5))  # with one channel, any order is right
    shape = (height, width, channels)
    if batch:
        shape = (int(gen.integers(2, 5)), *shape)
    images = gen.normal(0.0, 1.0, size=shape).astype("float32")
    return images, patch


def extract_patches_single_inputs(gen):
    """Three single images whose sides are multiples of the patch size (the first small)."""
    return [_patch_case(gen, False, False, small=True)] + [
        _patch_case(gen, False, False) for _ in range(2)
    ]


def extract_patches_batch_inputs(gen):
    """Two batches whose sides are multiples of the patch size."""
    return [_patch_case(gen, True, False, small=True), _patch_case(gen, True, False)]


def extract_patches_remainder_inputs(gen):
    """An image and a batch whose sides are NOT multiples of the patch size."""
    return [_patch_case(gen, False, True), _patch_case(gen, True, True)]


def _patches_probe(name: str, fn) -> None:
    """Calls stop at the first error (the first case is the smallest)."""
    seed = run_seed()
    results = []
    for images, patch in globals()[f"{name}_inputs"](generator(seed, name)):
        results.append(call(fn, images.copy(), patch))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def extract_patches_single(fn) -> None:
    _patches_probe("extract_patches_single", fn)


def extract_patches_batch(fn) -> None:
    _patches_probe("extract_patches_batch", fn)


def extract_patches_remainder(fn) -> None:
    _patches_probe("extract_patches_remainder", fn)


# ---------------------------------------------------------------------------- exercise 2


def _embedding_case(gen) -> dict:
    """Sizes of a patch embedding: the number of patches, the length of a flattened patch
    and the projection size all differ, so that each weight is known by its shape; and the
    values its kernel (P, D), bias (D,) and position table (N, D) are given (none zero, so
    that a layer whose output ignores one of them shows it)."""
    num_patches, patch_dim, dim = (int(v) for v in gen.choice(np.arange(3, 25), 3, False))
    batch = int(gen.integers(2, 4))
    x = gen.normal(0.0, 1.0, size=(batch, num_patches, patch_dim)).astype("float32")
    kernel = gen.normal(0.0, 1.0 / np.sqrt(patch_dim), size=(patch_dim, dim))
    bias = gen.normal(0.0, 1.0, size=dim)
    table = gen.normal(0.0, 1.0, size=(num_patches, dim))
    return {
        "num_patches": num_patches,
        "patch_dim": patch_dim,
        "dim": dim,
        "x": x,
        "kernel": kernel.astype("float32"),
        "bias": bias.astype("float32"),
        "table": table.astype("float32"),
    }


def patch_embedding_shape_inputs(gen):
    return [_embedding_case(gen) for _ in range(2)]


def patch_embedding_params_inputs(gen):
    return [_embedding_case(gen) for _ in range(2)]


def patch_embedding_values_inputs(gen):
    return [_embedding_case(gen) for _ in range(2)]


def set_embedding_weights(layer, case: dict) -> None:
    """Give every float weight of ``layer`` shaped like the kernel (P, D), the bias (D,) or
    the position table (N, D) or (1, N, D) the case's values; other weights keep theirs."""
    values = {
        (case["patch_dim"], case["dim"]): case["kernel"],
        (case["dim"],): case["bias"],
        (case["num_patches"], case["dim"]): case["table"],
        (1, case["num_patches"], case["dim"]): case["table"][None],
    }
    for weight in layer.weights:
        value = values.get(tuple(int(d) for d in weight.shape))
        if value is not None and "float" in str(weight.dtype):
            weight.assign(value.astype(str(weight.dtype)))


def _embedding_result(cls, case: dict) -> dict:
    """The layer ``cls(num_patches, dim)`` called on a symbolic input, given the case's
    weights, then called on ``x``: output shapes, output, parameter count and the values of
    its weights."""
    import keras

    layer = cls(case["num_patches"], case["dim"])
    if not isinstance(layer, keras.layers.Layer):
        return {"kind": type(layer).__name__}
    inputs = keras.Input(shape=(case["num_patches"], case["patch_dim"]))
    symbolic = layer(inputs)
    set_embedding_weights(layer, case)
    output = np.asarray(layer(case["x"]))
    return {
        "kind": "Layer",
        "symbolic_shape": [None if d is None else int(d) for d in symbolic.shape],
        "output": output,
        "params": int(layer.count_params()),
        "weights": [np.asarray(w, dtype="float32") for w in layer.weights],
    }


def _embedding_probe(name: str, fn) -> None:
    seed = run_seed()
    results = []
    for case in globals()[f"{name}_inputs"](generator(seed, name)):
        results.append(call(_embedding_result, fn, case))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def patch_embedding_shape(fn) -> None:
    _embedding_probe("patch_embedding_shape", fn)


def patch_embedding_params(fn) -> None:
    _embedding_probe("patch_embedding_params", fn)


def patch_embedding_values(fn) -> None:
    _embedding_probe("patch_embedding_values", fn)


# ---------------------------------------------------------------------------- exercise 3


def _block_case(gen) -> dict:
    tokens, dim = int(gen.integers(3, 11)), int(gen.integers(4, 17))
    case = {
        "tokens": tokens,
        "dim": dim,
        "num_heads": int(gen.integers(1, 5)),
        "key_dim": int(gen.integers(2, 9)),
        "mlp_units": int(gen.integers(8, 33)),
    }
    case["x"] = gen.normal(0.0, 1.0, size=(2, tokens, dim)).astype("float32")
    return case


def transformer_block_shape_inputs(gen):
    return [_block_case(gen) for _ in range(2)]


def transformer_block_params_inputs(gen):
    return [_block_case(gen) for _ in range(2)]


def transformer_block_identity_inputs(gen):
    return [_block_case(gen) for _ in range(2)]


def transformer_block_structure_inputs(gen):
    return [_block_case(gen) for _ in range(2)]


def _block_result(fn, case: dict) -> dict:
    """The block applied to a symbolic input (tokens, dim), as a model: its graph,
    parameter count, output shape, its output on ``x`` (inference), and its output on
    ``x`` after every weight of the model was set to zero."""
    import keras

    inputs = keras.Input(shape=(case["tokens"], case["dim"]))
    outputs = fn(inputs, case["num_heads"], case["key_dim"], case["mlp_units"])
    model = keras.Model(inputs, outputs)
    described = {
        "kind": "Model",
        "graph": graph(model),
        "params": int(model.count_params()),
        "output_shape": [None if d is None else int(d) for d in model.output_shape],
        "output": np.asarray(model(case["x"], training=False)),
    }
    for weight in model.weights:
        weight.assign(np.zeros(tuple(weight.shape), dtype="float32"))
    described["zero_output"] = np.asarray(model(case["x"], training=False))
    return described


def _block_probe(name: str, fn) -> None:
    seed = run_seed()
    results = []
    for case in globals()[f"{name}_inputs"](generator(seed, name)):
        results.append(call(_block_result, fn, case))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def transformer_block_shape(fn) -> None:
    _block_probe("transformer_block_shape", fn)


def transformer_block_params(fn) -> None:
    _block_probe("transformer_block_params", fn)


def transformer_block_identity(fn) -> None:
    _block_probe("transformer_block_identity", fn)


def transformer_block_structure(fn) -> None:
    _block_probe("transformer_block_structure", fn)


# ---------------------------------------------------------------------------- exercise 5


def resposta_dados(answer) -> None:
    seed = run_seed()
    emit("resposta_dados", seed, value(answer))
