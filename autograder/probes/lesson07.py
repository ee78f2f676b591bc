"""Probes of lesson 07 (ResNet); the grader judges them (see :mod:`autograder.probes`).

The residual block is probed as a graph (layers, their inputs, parameter counts) and by
its output after :func:`set_probe_weights` has given its weights values that a grader can
follow by hand: every weight zero, except the BatchNormalization offsets (one vector,
``beta``) and the 1×1 convolution kernels (one matrix, ``kernel``).
"""

from __future__ import annotations

import numpy as np

from . import all_layers, call, describe_model, emit, generator, graph, run_seed, value


def set_probe_weights(model, beta: np.ndarray, kernel: np.ndarray) -> None:
    """Give every weight of ``model`` a value a grader can follow (lesson 07).

    Each BatchNormalization offset of ``len(beta)`` channels becomes ``beta`` (its scale,
    moving mean and everything else zero; its moving variance one); each 1×1 Conv2D kernel
    of the shape of ``kernel`` becomes ``kernel``; every other weight becomes zero.
    """
    for layer in all_layers(model):
        kind = type(layer).__name__
        for weight in layer.weights:
            shape = tuple(weight.shape)
            name = weight.name.split("/")[-1]
            new = np.zeros(shape, dtype="float32")
            if kind == "BatchNormalization" and name == "beta" and shape == beta.shape:
                new = beta.astype("float32")
            elif kind == "BatchNormalization" and name == "moving_variance":
                new = np.ones(shape, dtype="float32")
            elif kind == "Conv2D" and name == "kernel" and shape == (1, 1, *kernel.shape):
                new = kernel.astype("float32").reshape(shape)
            weight.assign(new)


# ---------------------------------------------------------------------------- exercise 1


def _block_case(gen, projection: bool) -> dict:
    channels = int(gen.integers(3, 9))
    filters = channels + int(gen.integers(1, 9)) if projection else channels
    if projection and gen.random() < 0.5:
        filters = 2 * channels  # as in program 10
    height, width = int(gen.integers(5, 14)), int(gen.integers(5, 14))
    return {
        "shape": (height, width, channels),
        "filters": filters,
        "strides": 2 if projection else 1,
        "x": gen.normal(0.0, 1.0, size=(3, height, width, channels)).astype("float32"),
        "beta": gen.uniform(-1.0, 1.0, size=filters).astype("float32"),
        "kernel": (gen.normal(0.0, 1.0, size=(channels, filters)) / np.sqrt(channels)).astype(
            "float32"
        ),
    }


def _block_result(fn, case: dict) -> dict:
    """The block applied to a fresh input, as a model: its graph, parameter count, output
    shape and its output on ``x`` (inference) after :func:`set_probe_weights`."""
    import keras

    inputs = keras.Input(shape=case["shape"])
    if case["strides"] == 1:  # the default of strides
        outputs = fn(inputs, case["filters"])
    else:
        outputs = fn(inputs, case["filters"], strides=case["strides"])
    model = keras.Model(inputs, outputs)
    described = {
        "kind": "Model",
        "graph": graph(model),
        "params": int(model.count_params()),
        "output_shape": [None if d is None else int(d) for d in model.output_shape],
    }
    set_probe_weights(model, case["beta"], case["kernel"])
    described["output"] = np.asarray(model(case["x"], training=False))
    return described


def residual_block_identity_inputs(gen):
    """Two identity cases (strides 1, as many filters as input channels)."""
    return [_block_case(gen, projection=False) for _ in range(2)]


def residual_block_projection_inputs(gen):
    """Two projection cases (strides 2, more filters than input channels)."""
    return [_block_case(gen, projection=True) for _ in range(2)]


def residual_block_params_inputs(gen):
    """An identity case and a projection case."""
    return [_block_case(gen, projection=False), _block_case(gen, projection=True)]


def residual_block_add_inputs(gen):
    """An identity case and a projection case."""
    return [_block_case(gen, projection=False), _block_case(gen, projection=True)]


def _residual_block_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    emit(name, seed, [call(_block_result, fn, case) for case in cases])


def residual_block_identity(fn) -> None:
    _residual_block_probe("residual_block_identity", fn)


def residual_block_projection(fn) -> None:
    _residual_block_probe("residual_block_projection", fn)


def residual_block_params(fn) -> None:
    _residual_block_probe("residual_block_params", fn)


def residual_block_add(fn) -> None:
    _residual_block_probe("residual_block_add", fn)


# ---------------------------------------------------------------------------- exercise 2


def lr_schedule_epochs_inputs(gen):
    """Every epoch of program 10, from 199 down to 0 (see :func:`_lr_probe`)."""
    return list(range(199, -1, -1))


def lr_schedule_beyond_inputs(gen):
    """Fresh epochs after the 200 of program 10 (a longer training)."""
    epochs = gen.integers(200, 2000, size=12).tolist() + [int(gen.integers(10**4, 10**6))]
    return [int(e) for e in epochs]


def _lr_probe(name: str, fn) -> None:
    """Calls stop at the first error: a failing answer is wrong anyway, and a function that
    is not a schedule (say, one that opens the file descriptor it is given) never gets the
    small numbers 0, 1, 2 (the epochs go downwards)."""
    seed = run_seed()
    epochs = globals()[f"{name}_inputs"](generator(seed, name))
    results = []
    for epoch in epochs:
        results.append(call(fn, epoch))
        if "error" in results[-1]:
            break
    emit(name, seed, results)


def lr_schedule_epochs(fn) -> None:
    _lr_probe("lr_schedule_epochs", fn)


def lr_schedule_beyond(fn) -> None:
    _lr_probe("lr_schedule_beyond", fn)


# ---------------------------------------------------------------------------- exercise 3


def _selection_cases(gen):
    """(images, labels, classes): CIFAR-10-like labels of shape (N, 1) or (N,), images
    marked with their index; the first case asks for dogs and cats as caogato2 does."""
    cases = []
    for number, tail in enumerate(((1,), (), (1,))):
        n = int(gen.integers(40, 150))
        if number == 0:
            classes = [5, 3]
        else:
            classes = [int(c) for c in gen.permutation(10)[: int(gen.integers(2, 5))]]
            if classes == sorted(classes):  # never in increasing order: that is a mistake
                classes = classes[::-1]
        labels = gen.integers(0, 10, size=n).astype(np.uint8)
        spots = gen.choice(n, size=2 * len(classes), replace=False)
        labels[spots] = classes * 2  # every class asked for is present
        channels = int(gen.integers(1, 4))
        images = gen.integers(0, 256, size=(n, 4, 4, channels)).astype(np.uint8)
        images[:, 0, 0, 0] = np.arange(n) % 256
        images[:, 0, 1, 0] = np.arange(n) // 256
        cases.append((images, labels.reshape(n, *tail), classes))
    return cases


def select_classes_images_inputs(gen):
    return _selection_cases(gen)


def select_classes_labels_inputs(gen):
    return _selection_cases(gen)


def _selection_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    # the student receives copies: a function that edits its inputs changes no case
    emit(name, seed, [call(fn, x.copy(), y.copy(), list(c)) for x, y, c in cases])


def select_classes_images(fn) -> None:
    _selection_probe("select_classes_images", fn)


def select_classes_labels(fn) -> None:
    _selection_probe("select_classes_labels", fn)


# ---------------------------------------------------------------------------- exercise 6


def _ponti_cases(gen):
    """(input_shape, classes, batch): Fashion-MNIST's (28, 28, 1) with 10 classes, then
    fresh sizes, channels and class counts."""
    cases = [((28, 28, 1), 10)]
    for _ in range(2):
        shape = (int(gen.integers(16, 41)), int(gen.integers(16, 41)), int(gen.integers(1, 5)))
        cases.append((shape, int(gen.integers(2, 13))))
    return [
        (shape, classes, gen.uniform(0.0, 1.0, size=(2, *shape)).astype("float32"))
        for shape, classes in cases
    ]


def ponti_resnet_params_inputs(gen):
    return _ponti_cases(gen)


def ponti_resnet_structure_inputs(gen):
    return _ponti_cases(gen)


def ponti_resnet_compile_inputs(gen):
    return _ponti_cases(gen)[:2]


def _ponti_result(fn, shape, classes, x) -> dict:
    """The model described, as a graph too, with its optimizer's settings and its output on
    ``x`` (inference)."""
    model = fn(shape, classes)
    described = describe_model(model, x)
    if described["kind"] != "Model":
        return described
    described["graph"] = graph(model)
    optimizer = getattr(model, "optimizer", None)
    settings = {}
    if optimizer is not None:
        for key, item in optimizer.get_config().items():
            if isinstance(item, (bool, int, float, str)) or item is None:
                settings[key] = item
    described["optimizer_config"] = settings
    return described


def _ponti_probe(name: str, fn) -> None:
    seed = run_seed()
    cases = globals()[f"{name}_inputs"](generator(seed, name))
    emit(name, seed, [call(_ponti_result, fn, shape, k, x) for shape, k, x in cases])


def ponti_resnet_params(fn) -> None:
    _ponti_probe("ponti_resnet_params", fn)


def ponti_resnet_structure(fn) -> None:
    _ponti_probe("ponti_resnet_structure", fn)


def ponti_resnet_compile(fn) -> None:
    _ponti_probe("ponti_resnet_compile", fn)


def resposta_ponti(answer) -> None:
    seed = run_seed()
    emit("resposta_ponti", seed, value(answer))
