"""Probes of lesson 03 (LeNet on CIFAR-10); the grader judges them (see :mod:`autograder.probes`)."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from ..checks.lesson03 import sklearn_names
from . import call, describe_model, emit, generator, run_seed, value

# ---------------------------------------------------------------------------- multiple choice


def _letter(name: str, answer) -> None:
    seed = run_seed()
    emit(name, seed, value(answer))


def resposta_perda(answer) -> None:
    _letter("resposta_perda", answer)


def resposta_otimizador(answer) -> None:
    _letter("resposta_otimizador", answer)


def resposta_pratica(answer) -> None:
    _letter("resposta_pratica", answer)


# ---------------------------------------------------------------------------- helpers


def _keep(fn, *args):
    """Call ``fn`` like :func:`call`, but also keep the object it returned (or None)."""
    kept = []
    result = call(lambda *a: kept.append(fn(*a)), *args)
    return (kept[0] if kept else None), result


def binary_problem(gen, n, rate, decimals=None, float_labels=False):
    """Scores (any real numbers) and 0/1 labels with both classes present."""
    labels = (gen.random(n) < rate).astype(int)
    labels[:2] = (0, 1)
    gen.shuffle(labels)
    scores = gen.normal(0.0, 1.0, n) + 1.5 * labels + gen.normal(0.0, 2.0)
    if decimals is not None:  # many ties
        scores = np.round(scores, decimals)
    return scores, labels.astype(float) if float_labels else labels


def _separable(gen, inverted=False):
    positives, negatives = gen.uniform(2, 3, int(gen.integers(5, 12))), gen.uniform(-1, 1, 40)
    scores = np.r_[-positives if inverted else positives, negatives]
    labels = np.r_[np.ones(len(positives), int), np.zeros(40, int)]
    order = gen.permutation(len(scores))
    return scores[order], labels[order]


def roc_problems(gen):
    """Problems shared by the ROC exercises: imbalanced, tied, separable, inverted…"""
    problems = [
        binary_problem(gen, int(gen.integers(150, 300)), 0.1),  # as imbalanced as the frogs
        binary_problem(gen, int(gen.integers(80, 200)), 0.5, decimals=1),  # many ties
        binary_problem(gen, int(gen.integers(60, 150)), 0.3, decimals=0, float_labels=True),
        _separable(gen),
        _separable(gen, inverted=True),
    ]
    scores, labels = binary_problem(gen, 120, 0.2)
    problems.append((1 / (1 + np.exp(np.quantile(scores, 0.7) - scores)), labels))  # in (0, 1)
    return problems


def _numpy_only(fn) -> dict:
    try:
        return value(sklearn_names(fn))
    except Exception as error:  # noqa: BLE001 - a description that failed is reported
        return {"error": f"{type(error).__name__}: {error}"}


# ---------------------------------------------------------------------------- exercise 1


def split_train_validation_inputs(gen):
    """(x, y, fraction or None for the default) with validation sizes that are not integers."""
    cases = []
    for fraction, step, rest, tail in ((None, 10, 3, (1,)), (0.25, 4, 3, ()), (0.2, 5, 1, (1,))):
        n = step * int(gen.integers(4, 40)) + rest
        ids = gen.permutation(60_000)[:n]
        x = (ids.reshape(n, 1, 1, 1) * np.ones((1, 2, 2, 3), dtype=np.int64)).astype(np.int64)
        y = (ids % 10).astype(np.uint8).reshape(n, *tail)
        cases.append((x, y, fraction))
    return cases


def split_train_validation(fn) -> None:
    seed = run_seed()
    results = []
    for x, y, fraction in split_train_validation_inputs(generator(seed, "split_train_validation")):
        args = (x, y) if fraction is None else (x, y, fraction)
        results.append(call(fn, *args))
    emit("split_train_validation", seed, results)


def best_checkpoint_inputs(gen):
    """A file name and a small noisy problem whose validation accuracy moves between epochs."""
    name = f"melhor_{int(gen.integers(10**6))}.keras"
    x = gen.normal(size=(80, 4)).astype("float32")
    y = ((x[:, 0] + 0.8 * gen.normal(size=80)) > 0).astype(int)
    return name, x, y


def best_checkpoint(fn) -> None:
    """Describe the callback (public attributes only), then train with it and read the file."""
    import keras

    seed = run_seed()
    name, x, y = best_checkpoint_inputs(generator(seed, "best_checkpoint"))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, name)
        callback, result = _keep(fn, path)
        description = {}
        if "value" in result:
            filepath = str(getattr(callback, "filepath", None))
            description = {
                "class": type(callback).__name__,
                "is_model_checkpoint": isinstance(callback, keras.callbacks.ModelCheckpoint),
                "filepath": filepath.replace(tmp, "<pasta>", 1),
                "monitor": str(getattr(callback, "monitor", None)),
                "save_best_only": _plain(getattr(callback, "save_best_only", None)),
                "save_weights_only": _plain(getattr(callback, "save_weights_only", None)),
                "save_freq": _plain(getattr(callback, "save_freq", None)),
                "mode": _plain(getattr(callback, "mode", None)),
            }
            if isinstance(callback, keras.callbacks.Callback):  # nothing to train otherwise
                description.update(_train_with(callback, x, y, path))
        emit("best_checkpoint", seed, {"call": result, "callback": value(description)})


def _plain(item):
    return item if isinstance(item, (bool, int, float, str)) or item is None else repr(item)


def _train_with(callback, x, y, path) -> dict:
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    trained = {"fit_error": None, "val_accuracy": None, "maximizes": None}
    try:
        history = model.fit(
            x[:50],
            y[:50],
            validation_data=(x[50:], y[50:]),
            epochs=6,
            batch_size=10,
            callbacks=[callback],
            verbose=0,
        )
        trained["val_accuracy"] = [float(v) for v in history.history.get("val_accuracy", [])]
    except Exception as error:  # noqa: BLE001 - the student's callback broke the training
        trained["fit_error"] = f"{type(error).__name__}: {str(error)[:300]}"
    operation = getattr(callback, "monitor_op", None)  # set by every Keras 3 after an epoch
    if callable(operation):
        try:
            trained["maximizes"] = bool(np.asarray(operation(1.0, 0.0)))
        except Exception:  # noqa: BLE001 - an unusual comparison is left undescribed
            pass
    trained["saved"] = os.path.isfile(path)
    trained["saved_accuracy"] = None
    if trained["saved"]:
        try:
            saved = keras.models.load_model(path)
            trained["saved_accuracy"] = float(saved.evaluate(x[50:], y[50:], verbose=0)[1])
        except Exception as error:  # noqa: BLE001 - not a loadable whole model
            trained["load_error"] = f"{type(error).__name__}: {str(error)[:200]}"
    return trained


# ---------------------------------------------------------------------------- exercise 2


def class_pair_inputs(gen, pair: tuple[int, int]):
    """Labels of shape (N, 1), as Keras loads CIFAR-10, and (N,), with at least three images
    of each class of ``pair``; each image is numbered in its first pixels so that the order
    can be checked. Lessons 03, 05 and 06 select two classes out of ten."""
    cases = []
    for tail in ((1,), ()):
        n = int(gen.integers(40, 120))
        images = gen.integers(0, 256, size=(n, 3, 3, 3), dtype=np.uint8)
        images[:, 0, 0, 0] = np.arange(n) % 256
        images[:, 0, 0, 1] = np.arange(n) // 256
        labels = gen.integers(0, 10, size=n).astype(np.uint8)
        labels[gen.choice(n, size=6, replace=False)] = [pair[0]] * 3 + [pair[1]] * 3
        cases.append((images, labels.reshape(n, *tail)))
    return cases


def probe_class_pair(name: str, fn, inputs) -> None:
    """Call a two-class selection ``fn(images, labels)`` on copies of each case."""
    seed = run_seed()
    cases = inputs(generator(seed, name))
    emit(name, seed, [call(fn, images.copy(), labels.copy()) for images, labels in cases])


def select_dogs_cats_inputs(gen):
    return class_pair_inputs(gen, (3, 5))


def select_dogs_cats(fn) -> None:
    probe_class_pair("select_dogs_cats", fn, select_dogs_cats_inputs)


# ---------------------------------------------------------------------------- exercise 3


def _between(gen, scores) -> float:
    """A threshold strictly between two neighbouring distinct scores: no score equals it."""
    distinct = np.unique(scores)
    i = int(gen.integers(0, len(distinct) - 1))
    return float((distinct[i] + distinct[i + 1]) / 2)


def threshold_metrics_inputs(gen):
    """``(kind, scores, labels, thresholds)``: the function is called once per threshold.

    ``plain``: one threshold equal to no score; ``default``: no threshold argument (``None``);
    ``tie``: a threshold equal to a score, just below it and just above it, in that order.
    """
    problems = roc_problems(gen)
    cases = []
    for scores, labels in problems[:4] + problems[5:]:
        cases.append(("plain", scores, labels, (_between(gen, scores),)))
        limit = float(gen.choice(scores))
        below, above = np.nextafter(limit, -np.inf), np.nextafter(limit, np.inf)
        cases.append(("tie", scores, labels, (float(below), limit, float(above))))
    scores, labels = problems[5]  # probabilities, as the frog network gives
    cases.append(("default", np.where(scores == 0.5, 0.5 + 1e-6, scores), labels, (None,)))
    return cases


def threshold_metrics(fn) -> None:
    seed = run_seed()
    results = []
    for _, scores, labels, thresholds in threshold_metrics_inputs(
        generator(seed, "threshold_metrics")
    ):
        results.append(
            [
                call(fn, scores, labels) if limit is None else call(fn, scores, labels, limit)
                for limit in thresholds
            ]
        )
    emit("threshold_metrics", seed, {"calls": results, "sklearn": _numpy_only(fn)})


def roc_points_inputs(gen):
    return roc_problems(gen) + [(np.full(30, 0.3), np.r_[np.ones(6, int), np.zeros(24, int)])]


def roc_points(fn) -> None:
    seed = run_seed()
    cases = roc_points_inputs(generator(seed, "roc_points"))
    results = [call(fn, scores, labels) for scores, labels in cases]
    emit("roc_points", seed, {"calls": results, "sklearn": _numpy_only(fn)})


def roc_auc_inputs(gen):
    """The ROC problems: some with distinct scores, some with ties (one all tied)."""
    return roc_points_inputs(gen)


def roc_auc(fn) -> None:
    seed = run_seed()
    cases = roc_auc_inputs(generator(seed, "roc_auc"))
    results = [call(fn, scores, labels) for scores, labels in cases]
    emit("roc_auc", seed, {"calls": results, "sklearn": _numpy_only(fn)})


def equal_error_rate_inputs(gen):
    """The ROC problems, one with a single best candidate and one with an exact tie between
    two candidates (the larger threshold wins), shifted and scaled at random."""
    scale, shift = gen.uniform(0.5, 3.0), gen.uniform(-2.0, 2.0)
    single = np.array([0.95, 0.85, 0.75, 0.65, 0.45, 0.35, 0.25, 0.15])
    single = (single * scale + shift, np.array([1, 1, 0, 1, 0, 1, 0, 0]))
    tie = (np.array([0.9, 0.7, 0.5, 0.3, 0.2, 0.1]) * scale + shift, np.array([1, 0, 1, 0, 0, 0]))
    balanced = binary_problem(gen, 200, 0.5, decimals=1)
    return roc_problems(gen) + [single, tie, balanced]


def equal_error_rate(fn) -> None:
    seed = run_seed()
    cases = equal_error_rate_inputs(generator(seed, "equal_error_rate"))
    results = [call(fn, scores, labels) for scores, labels in cases]
    emit("equal_error_rate", seed, {"calls": results, "sklearn": _numpy_only(fn)})


# ---------------------------------------------------------------------------- exercise 4


def classify_dog_or_cat_inputs(gen):
    """A tiny model's weights (``Flatten`` → ``Dense(2, softmax)``), its file name and four
    32×32 RGB images, two of each class when preprocessed as in training."""
    images = gen.integers(0, 256, size=(4, 32, 32, 3), dtype=np.uint8)
    kernel = gen.normal(0.0, 0.05, size=(32 * 32 * 3, 2)).astype("float32")
    x = images.reshape(4, -1).astype("float64") / 255.0 - 0.5
    margin = np.sort(x @ (kernel[:, 1] - kernel[:, 0]).astype("float64"))
    bias = np.array([0.0, -(margin[1] + margin[2]) / 2], dtype="float32")
    name = f"modelo_{int(gen.integers(10**6))}.keras"
    return name, kernel, bias, images


def tiny_model(kernel, bias):
    """The model of :func:`classify_dog_or_cat_inputs`, built with Keras."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.layers[-1].set_weights([kernel, bias])
    return model


def write_dog_or_cat_files(folder, name, kernel, bias, images):
    """Save the tiny model and the images as PNG in ``folder``; their paths."""
    import keras

    model_path = os.path.join(folder, name)
    tiny_model(kernel, bias).save(model_path)
    image_paths = []
    for number, image in enumerate(images):
        image_paths.append(os.path.join(folder, f"imagem_{number}.png"))
        keras.utils.save_img(image_paths[-1], image, scale=False)
    return model_path, image_paths


def classify_dog_or_cat(fn) -> None:
    """Saves a model with known weights and fresh images, then asks the answer about each."""
    seed = run_seed()
    name, kernel, bias, images = classify_dog_or_cat_inputs(generator(seed, "classify_dog_or_cat"))
    with tempfile.TemporaryDirectory() as tmp:
        model_path, image_paths = write_dog_or_cat_files(tmp, name, kernel, bias, images)
        results = [call(fn, model_path, path) for path in image_paths]
    emit("classify_dog_or_cat", seed, results)


# ---------------------------------------------------------------------------- exercise 5


def build_better_lenet_inputs(gen):
    """(input_shape, classes, batch) for the CIFAR-10 shape and two new ones."""
    shapes = [
        ((32, 32, 3), 10),
        ((int(gen.integers(32, 41)), int(gen.integers(32, 41)), 3), int(gen.integers(2, 10))),
        ((int(gen.integers(32, 41)), int(gen.integers(32, 41)), 1), int(gen.integers(2, 10))),
    ]
    return [
        (shape, classes, gen.uniform(-0.5, 0.5, size=(8, *shape)).astype("float32"))
        for shape, classes in shapes
    ]


def _one_epoch(model, x, classes):
    history = model.fit(x, np.arange(len(x)) % classes, epochs=1, batch_size=8, verbose=0)
    return float(history.history["loss"][0])


def build_better_lenet(fn) -> None:
    seed = run_seed()
    results = []
    for shape, classes, x in build_better_lenet_inputs(generator(seed, "build_better_lenet")):
        model, result = _keep(fn, shape, classes)
        if "value" in result:
            result = {
                "call": result,
                "model": call(describe_model, model, x[:2]),
                "fit_loss": call(_one_epoch, model, x, classes),
            }
        else:
            result = {"call": result}
        results.append(result)
    emit("build_better_lenet", seed, results)


# ---------------------------------------------------------------------------- exercise 6


def first_misclassified_inputs(gen):
    """(y_true, y_pred, n or None, num_classes or None); None: the default argument."""
    cases = []
    settings = [
        (int(gen.integers(3, 8)), 2, "probs"),
        (int(gen.integers(3, 8)), 3, "labels"),
        (10, None, "probs"),
        (int(gen.integers(3, 6)), 6, "labels"),  # fewer than n errors in some class
    ]
    for classes, n, kind in settings:
        size = int(gen.integers(60, 150))
        y_true = gen.integers(1, classes, size=size)  # class 0: no examples at all
        probabilities = gen.dirichlet(np.ones(classes), size=size)
        hits = gen.random(size) < 0.6
        probabilities[hits, y_true[hits]] += 2.0
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        y_pred = probabilities if kind == "probs" else probabilities.argmax(axis=1)
        y_true = y_true.reshape(-1, 1) if gen.random() < 0.5 else y_true
        cases.append((y_true, y_pred, n, None if n is None else classes))
    return cases


def first_misclassified(fn) -> None:
    seed = run_seed()
    results = []
    for y_true, y_pred, n, classes in first_misclassified_inputs(
        generator(seed, "first_misclassified")
    ):
        args = (y_true, y_pred) if n is None else (y_true, y_pred, n, classes)
        results.append(call(fn, *args))
    emit("first_misclassified", seed, results)
