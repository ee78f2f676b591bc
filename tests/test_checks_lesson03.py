"""Lesson 03 self-checks accept right answers and reject wrong ones with the right hint."""

from pathlib import Path

import keras
import numpy as np
import pytest
from sklearn import metrics as skm

from autograder.checks import CheckFailed, lesson03
from grader.verdicts import lesson03 as verdicts03


def stub(*args, **kwargs):
    raise NotImplementedError()


def run_source(source):
    """Execute a demo student's answer cell and return the names it defines."""
    scope = {"np": np, "keras": keras}
    exec(source, scope)
    return scope


# ---------------------------------------------------------------------------- exercise 1


def split_right(x, y, fraction=0.1):
    n_train = int(len(x) * (1 - fraction))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def split_round(x, y, fraction=0.1):
    n_val = round(len(x) * fraction)
    return (x[:-n_val], y[:-n_val]), (x[-n_val:], y[-n_val:])


def split_shuffled(x, y, fraction=0.1):
    order = np.random.default_rng().permutation(len(x))
    return split_right(x[order], y[order], fraction)


def split_labels_unshuffled(x, y, fraction=0.1):
    order = np.random.default_rng().permutation(len(x))
    return split_right(x[order], y, fraction)


def test_split_right(capsys):
    lesson03.split_train_validation(split_right)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            run_source(verdicts03.DEMO_WRONG_ANSWER["split_train_validation"])[
                "split_train_validation"
            ],
            "COMEÇO",
        ),
        (split_shuffled, "sem embaralhar"),
        (split_labels_unshuffled, "sem embaralhar"),
        (lambda x, y, fraction=0.1: ((x[:45], y[:45]), (x[45:50], y[45:50])), "esperava"),
        (lambda x, y, fraction=0.1: split_right(x, np.ravel(y), fraction), "forma"),
        (stub, "ainda não foi implementada"),
    ],
)
def test_split_wrong(wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson03.split_train_validation(wrong)


def test_split_rounding_up_is_caught():
    # int(37 * 0.9) = 33 → 4 for validation; round(3.7) = 4 agrees, so try many sizes
    with pytest.raises(CheckFailed):
        for _ in range(20):
            lesson03.split_train_validation(split_round)


def test_best_checkpoint():
    right = lambda path: keras.callbacks.ModelCheckpoint(
        path, monitor="val_accuracy", save_best_only=True, mode="max"
    )
    lesson03.best_checkpoint(right)
    lesson03.best_checkpoint(
        lambda path: keras.callbacks.ModelCheckpoint(
            path, monitor="val_accuracy", save_best_only=True
        )
    )
    cases = [
        (lambda path: keras.callbacks.ModelCheckpoint(path, save_best_only=True), "val_accuracy"),
        (
            lambda path: keras.callbacks.ModelCheckpoint(path, monitor="val_accuracy"),
            "save_best_only",
        ),
        (
            lambda path: keras.callbacks.ModelCheckpoint(
                path, monitor="val_accuracy", save_best_only=True, mode="min"
            ),
            "max",
        ),
        (
            lambda path: keras.callbacks.ModelCheckpoint(
                "melhor.keras", monitor="val_accuracy", save_best_only=True
            ),
            "caminho recebido",
        ),
        (lambda path: keras.callbacks.EarlyStopping(monitor="val_accuracy"), "ModelCheckpoint"),
        (stub, "ainda não foi implementada"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson03.best_checkpoint(wrong)


# ---------------------------------------------------------------------------- multiple choice


@pytest.mark.parametrize("answer", ["a", "B", " (c) ", "d"])
def test_multiple_choice_format_ok(answer, capsys):
    lesson03.multiple_choice(answer, "resposta")
    out = capsys.readouterr().out
    assert "formato certo" in out
    # it must never reveal whether the letter is right
    assert "errad" not in out and "corret" not in out


@pytest.mark.parametrize(
    "answer, hint", [("e", "uma das letras"), ("", "uma das letras"), (3, "texto")]
)
def test_multiple_choice_format_wrong(answer, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson03.multiple_choice(answer, "resposta")


def test_student_package_holds_no_answers():
    names = set(dir(lesson03))
    assert not [n for n in names if n.startswith("reference_")]
    assert (
        not {"APOSTILA_ROC", "ANSWER_LETTERS", "DEMO_WRONG_ANSWER", "DEMO_EXTRA_STUDENTS"} & names
    )
    assert "normalize_letter" not in names and "_eer_candidates" not in names
    source = Path(lesson03.__file__).read_text(encoding="utf-8")
    assert "0.971" not in source and "Alternativa certa" not in source


# ---------------------------------------------------------------------------- exercise 2


def select_right(images, labels):
    labels = np.ravel(labels)
    keep = (labels == 3) | (labels == 5)
    return images[keep], (labels[keep] == 5).astype(np.uint8)


def test_select_dogs_cats():
    lesson03.select_dogs_cats(select_right)

    def keep_labels(images, labels):
        labels = np.ravel(labels)
        keep = np.isin(labels, (3, 5))
        return images[keep], labels[keep]

    def inverted(images, labels):
        x, y = select_right(images, labels)
        return x, 1 - y

    def column(images, labels):
        x, y = select_right(images, labels)
        return x, y.reshape(-1, 1)

    def only_dogs(images, labels):
        keep = np.ravel(labels) == 5
        return images[keep], np.ones(keep.sum(), int)

    cases = [
        (keep_labels, "ainda são 3 e 5"),
        (inverted, "invertidos"),
        (column, "forma"),
        (only_dogs, "Selecione as classes 3"),
        (stub, "ainda não foi implementada"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson03.select_dogs_cats(wrong)


# ---------------------------------------------------------------------------- exercise 3


def metrics_right(scores, labels, threshold=0.5):
    scores, labels = np.ravel(scores), np.ravel(labels).astype(bool)
    predicted = scores >= threshold
    tp, tn = np.sum(predicted & labels), np.sum(~predicted & ~labels)
    return tp / labels.sum(), tn / (~labels).sum(), (tp + tn) / labels.size


def metrics_strict(scores, labels, threshold=0.5):
    return metrics_right(scores, labels, np.nextafter(threshold, np.inf))


def metrics_swapped(scores, labels, threshold=0.5):
    sens, spec, acc = metrics_right(scores, labels, threshold)
    return spec, sens, acc


def metrics_sklearn(scores, labels, threshold=0.5):
    tn, fp, fn, tp = skm.confusion_matrix(labels, np.asarray(scores) >= threshold).ravel()
    return tp / (tp + fn), tn / (tn + fp), (tp + tn) / len(labels)


def roc_right(scores, labels):
    scores, labels = np.ravel(scores).astype(float), np.ravel(labels).astype(bool)
    thresholds = np.concatenate([[np.inf], np.unique(scores)[::-1]])
    predicted = scores[None, :] >= thresholds[:, None]
    tpr = (predicted & labels).sum(axis=1) / labels.sum()
    fpr = (predicted & ~labels).sum(axis=1) / (~labels).sum()
    return fpr, tpr, thresholds


def auc_right(scores, labels):
    fpr, tpr, _ = roc_right(scores, labels)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def eer_right(scores, labels):
    fpr, tpr, thr = roc_right(scores, labels)
    i = int(np.argmin(np.round(np.abs(fpr - (1 - tpr)), 12)))
    return (fpr[i] + 1 - tpr[i]) / 2, thr[i], metrics_right(scores, labels, thr[i])[2]


HUGO = verdicts03.DEMO_EXTRA_STUDENTS[0][3]


def hugo(name):
    return run_source(HUGO[name])[name]


def test_local_roc_matches_sklearn():
    generator = np.random.default_rng(3)
    for decimals in (None, 1, 0):
        scores, labels = lesson03._binary_problem(generator, decimals=decimals)
        fpr, tpr, thr = skm.roc_curve(labels, scores, drop_intermediate=False)
        ours = roc_right(scores, labels)
        assert np.allclose(ours[0], fpr) and np.allclose(ours[1], tpr)
        assert np.allclose(ours[2], thr)  # both start with +inf
        assert abs(auc_right(scores, labels) - skm.roc_auc_score(labels, scores)) < 1e-12


def test_eer_tie_takes_largest_threshold():
    scores = np.array([0.9, 0.7, 0.5, 0.3, 0.2, 0.1])
    labels = np.array([1, 0, 1, 0, 0, 0])
    assert np.allclose(eer_right(scores, labels), (0.375, 0.7, 4 / 6))
    lesson03.equal_error_rate(eer_right)


def test_threshold_metrics():
    lesson03.threshold_metrics(metrics_right)
    cases = [
        (metrics_strict, ">="),
        (metrics_swapped, "trocadas"),
        (metrics_sklearn, "scikit-learn"),
        (hugo("threshold_metrics"), "esperava"),
        (lambda s, l, t=0.5: (0.5, 0.5), "tupla"),
        (stub, "ainda não foi implementada"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson03.threshold_metrics(wrong)


def test_roc_points():
    lesson03.roc_points(roc_right)

    def no_inf(scores, labels):
        fpr, tpr, thr = roc_right(scores, labels)
        return fpr[1:], tpr[1:], thr[1:]

    def every_score(scores, labels):
        order = np.argsort(-np.asarray(scores), kind="stable")
        s, l = np.asarray(scores)[order], np.asarray(labels)[order].astype(bool)
        tpr = np.r_[0, np.cumsum(l)] / l.sum()
        fpr = np.r_[0, np.cumsum(~l)] / (~l).sum()
        return fpr, tpr, np.r_[np.inf, s]

    def increasing(scores, labels):
        return tuple(v[::-1] for v in roc_right(scores, labels))

    def swapped(scores, labels):
        fpr, tpr, thr = roc_right(scores, labels)
        return tpr, fpr, thr

    def grid(scores, labels):  # a fixed grid of thresholds in [0, 1]
        thr = np.r_[np.inf, np.linspace(1, 0, 101)]
        s, l = np.asarray(scores), np.asarray(labels).astype(bool)
        pred = s[None] >= thr[:, None]
        return (pred & ~l).sum(1) / (~l).sum(), (pred & l).sum(1) / l.sum(), thr

    def sklearn_roc(scores, labels):
        return skm.roc_curve(labels, scores, drop_intermediate=False)

    cases = [
        (no_inf, r"\+inf"),
        (every_score, "DISTINTOS"),
        (increasing, "DECRESCENTE"),
        (swapped, "trocados"),
        (grid, "pontos"),
        (sklearn_roc, "scikit-learn"),
        (hugo("roc_points"), "pontos"),
        (stub, "ainda não foi implementada"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson03.roc_points(wrong)


def test_roc_auc():
    lesson03.roc_auc(auc_right)

    def uses_sklearn_through_helper(scores, labels):
        return helper_auc(scores, labels)

    cases = [
        (lambda s, l: 1 - auc_right(s, l), "1 − AUC"),
        (
            lambda s, l: float(
                np.mean(
                    np.asarray(s)[np.asarray(l) == 1][:, None]
                    > np.asarray(s)[np.asarray(l) == 0][None]
                )
            ),
            "trapézios",
        ),
        (uses_sklearn_through_helper, "scikit-learn"),
        (hugo("roc_auc"), "esperava"),
        (stub, "ainda não foi implementada"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson03.roc_auc(wrong)


def helper_auc(scores, labels):
    return skm.roc_auc_score(labels, scores)


def test_roc_auc_pairwise_with_half_ties_passes():
    def pairwise(scores, labels):
        s, l = np.asarray(scores), np.asarray(labels) == 1
        diff = s[l][:, None] - s[~l][None]
        return float(np.mean((diff > 0) + 0.5 * (diff == 0)))

    lesson03.roc_auc(pairwise)


def test_equal_error_rate():
    lesson03.equal_error_rate(eer_right)

    def last_minimum(scores, labels):
        fpr, tpr, thr = roc_right(scores, labels)
        gap = np.round(np.abs(fpr - (1 - tpr)), 12)
        i = len(gap) - 1 - int(np.argmin(gap[::-1]))
        acc = metrics_right(scores, labels, thr[i])[2]
        return (fpr[i] + 1 - tpr[i]) / 2, thr[i], acc

    def eer_is_fpr(scores, labels):
        eer, thr, acc = eer_right(scores, labels)
        fpr, tpr, thresholds = roc_right(scores, labels)
        return fpr[list(thresholds).index(thr)], thr, acc

    def wrong_accuracy(scores, labels):
        eer, thr, acc = eer_right(scores, labels)
        return eer, thr, 1 - eer

    cases = [
        (last_minimum, "MAIOR limiar"),
        (eer_is_fpr, r"\(FPR \+ FNR\) / 2"),
        (wrong_accuracy, "acurácia"),
        (hugo("equal_error_rate"), "limiar do EER"),
        (stub, "ainda não foi implementada"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson03.equal_error_rate(wrong)


@pytest.mark.parametrize(
    "name, right, properties",
    [
        ("threshold_metrics", metrics_right, lesson03.THRESHOLD_PROPERTIES),
        ("roc_points", roc_right, lesson03.ROC_PROPERTIES),
        ("roc_auc", auc_right, lesson03.AUC_PROPERTIES),
        ("equal_error_rate", eer_right, lesson03.EER_PROPERTIES),
    ],
)
def test_each_property_check_passes_right_answers_and_names_its_property(
    name, right, properties, capsys
):
    for part, text in properties.items():
        getattr(lesson03, name)(right, part)
        assert f"✅ {name} {text}." in capsys.readouterr().out
    with pytest.raises(ValueError, match="parte desconhecida"):
        getattr(lesson03, name)(right, "tudo")


def test_property_checks_look_only_at_their_property():
    # strict ">" breaks only the tie property; a wrong accuracy only the accuracy
    for part in ("sens_spec", "accuracy"):
        lesson03.threshold_metrics(metrics_strict, part)
    with pytest.raises(CheckFailed, match=">="):
        lesson03.threshold_metrics(metrics_strict, "ties")
    lesson03.threshold_metrics(metrics_swapped, "accuracy")
    lesson03.threshold_metrics(metrics_swapped, "ties")
    with pytest.raises(CheckFailed, match="trocadas"):
        lesson03.threshold_metrics(metrics_swapped, "sens_spec")

    def increasing(scores, labels):
        return tuple(v[::-1] for v in roc_right(scores, labels))

    lesson03.roc_points(increasing, "tpr")
    lesson03.roc_points(increasing, "fpr")
    with pytest.raises(CheckFailed, match="DECRESCENTE"):
        lesson03.roc_points(increasing, "thresholds")


def test_hugo_fails_every_roc_check():
    properties = {
        "threshold_metrics": lesson03.THRESHOLD_PROPERTIES,
        "roc_points": lesson03.ROC_PROPERTIES,
        "roc_auc": lesson03.AUC_PROPERTIES,
        "equal_error_rate": lesson03.EER_PROPERTIES,
    }
    for name, parts in properties.items():
        with pytest.raises(CheckFailed):
            getattr(lesson03, name)(hugo(name))
        for part in parts:
            with pytest.raises(CheckFailed):
                getattr(lesson03, name)(hugo(name), part)


def test_sklearn_imported_inside_function_is_caught():
    def inner(scores, labels):
        from sklearn.metrics import roc_auc_score

        return roc_auc_score(labels, scores)

    with pytest.raises(CheckFailed, match="scikit-learn"):
        lesson03.roc_auc(inner)


# ---------------------------------------------------------------------------- exercise 4

CAT_DOG = ("gato", "cachorro")


def classify_right(model_path, image_path):
    model = keras.models.load_model(model_path)
    image = keras.utils.img_to_array(keras.utils.load_img(image_path, target_size=(32, 32)))
    probabilities = model.predict(image[None] / 255.0 - 0.5, verbose=0)[0]
    label = int(np.argmax(probabilities))
    return CAT_DOG[label], float(probabilities[label])


def test_classify_dog_or_cat(capsys):
    lesson03.classify_dog_or_cat(classify_right)
    assert "✅" in capsys.readouterr().out

    def unscaled(model_path, image_path):
        model = keras.models.load_model(model_path)
        image = keras.utils.img_to_array(keras.utils.load_img(image_path))
        probabilities = model.predict(image[None], verbose=0)[0]
        return CAT_DOG[int(np.argmax(probabilities))], float(np.max(probabilities))

    def always_cat(model_path, image_path):
        return "gato", 0.5

    cases = [
        (unscaled, "sem pré-processamento"),
        (always_cat, "esperava"),
        (lambda m, p: classify_right(m, p)[0], "tupla"),
        (stub, "ainda não foi implementada"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson03.classify_dog_or_cat(wrong)


# ---------------------------------------------------------------------------- exercise 5


def lenet(
    input_shape, classes, blocks=("conv", "pool", "conv", "pool"), extra=None, compiled=True
):
    kinds = {
        "conv": lambda: keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
        "pool": lambda: keras.layers.MaxPooling2D(2),
        "avg": lambda: keras.layers.AveragePooling2D(2),
        "drop": lambda: keras.layers.Dropout(0.2),
        "bn": lambda: keras.layers.BatchNormalization(),
    }
    layers = [keras.Input(input_shape)] + [kinds[b]() for b in blocks]
    layers += [keras.layers.Flatten(), keras.layers.Dense(16, activation="relu")]
    layers += extra or []
    layers.append(keras.layers.Dense(classes, activation="softmax"))
    model = keras.Sequential(layers)
    if compiled:
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def residual(input_shape, classes):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(input_shape[-1], 3, padding="same")(inputs)
    x = keras.layers.Add()([x, inputs])
    x = keras.layers.MaxPooling2D(2)(keras.layers.Conv2D(4, 3, padding="same")(x))
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Dense(classes, activation="softmax")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, x)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_build_better_lenet():
    lesson03.build_better_lenet(lenet)
    lesson03.build_better_lenet(lambda s, c: lenet(s, c, ("conv", "drop", "avg", "conv", "pool")))
    cases = [
        (lambda s, c: lenet(s, c, ("conv", "bn", "pool", "conv", "pool")), "BatchNormalization"),
        (residual, "residuais"),
        (
            lambda s, c: lenet(s, c, ("conv", "conv", "pool", "conv", "pool")),
            "convolução → pooling",
        ),
        (lambda s, c: lenet(s, c, ("conv", "pool")), "pelo menos dois"),
        (lambda s, c: lenet(s, 10), "neurônios"),
        (lambda s, c: lenet(s, c, compiled=False), "Compile"),
        (apostila_lenet, "sem mudanças"),
        (lambda s, c: lenet((32, 32, 3), c), "não roda"),
        (stub, "ainda não foi implementada"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson03.build_better_lenet(wrong)


def apostila_lenet(input_shape, classes, filters=(20, 40)):
    """The lesson's build_lenet."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(filters[0], 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(filters[1], 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(1000, activation="relu"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_apostila_lenet_is_lenet_type_but_not_better():
    model = apostila_lenet((32, 32, 3), 10)
    assert lesson03.lenet_structure_problem(model) is None
    layers = [(type(layer).__name__, layer.get_config()) for layer in model.layers]
    assert lesson03.is_apostila_lenet(layers)
    wider = apostila_lenet((32, 32, 3), 10, filters=(40, 80))  # the apostila's own change
    assert not lesson03.is_apostila_lenet(
        [(type(layer).__name__, layer.get_config()) for layer in wider.layers]
    )
    lesson03.build_better_lenet(lambda s, c: apostila_lenet(s, c, filters=(40, 80)))


# ---------------------------------------------------------------------------- exercise 6


def misclassified_right(y_true, y_pred, n=2, num_classes=10):
    y_true, y_pred = np.ravel(y_true), np.asarray(y_pred)
    predicted = y_pred.argmax(axis=1) if y_pred.ndim == 2 else np.ravel(y_pred)
    wrong = predicted != y_true
    return [np.flatnonzero(wrong & (y_true == c))[:n] for c in range(num_classes)]


def test_first_misclassified():
    lesson03.first_misclassified(misclassified_right)

    def all_examples(y_true, y_pred, n=2, num_classes=10):
        y_true = np.ravel(y_true)
        return [np.flatnonzero(y_true == c)[:n] for c in range(num_classes)]

    def by_predicted(y_true, y_pred, n=2, num_classes=10):
        y_pred = np.asarray(y_pred)
        predicted = y_pred.argmax(1) if y_pred.ndim == 2 else y_pred
        wrong = predicted != np.ravel(y_true)
        return [np.flatnonzero(wrong & (predicted == c))[:n] for c in range(num_classes)]

    def last_ones(y_true, y_pred, n=2, num_classes=10):
        return [m[::-1] for m in misclassified_right(y_true, y_pred, 10**6, num_classes)]

    def fixed_ten(y_true, y_pred, n=2, num_classes=10):
        return misclassified_right(y_true, y_pred, n, 10)

    cases = [
        (all_examples, "CORRETAMENTE"),
        (by_predicted, "VERDADEIRA"),
        (last_ones, "esperava os índices"),
        (fixed_ten, "uma entrada por classe"),
        (stub, "ainda não foi implementada"),
    ]
    for wrong, hint in cases:
        with pytest.raises(CheckFailed, match=hint):
            lesson03.first_misclassified(wrong)
