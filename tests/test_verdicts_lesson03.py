"""Lesson 03 verdicts: the solution's answers pass, realistic wrong answers fail with a reason."""

import re

import keras
import nbformat
import numpy as np
import pytest
from conftest import ROOT
from sklearn import metrics as skm

from autograder.probes import generator
from autograder.probes import lesson03 as probe
from grader.verdicts import lesson03 as verdicts
from grader.verdicts import probe_and_judge

LESSON = "03_lenet"
NOTEBOOK = ROOT / "solutions" / LESSON / f"{LESSON}.ipynb"
SOLUTION_RE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def _answers() -> dict:
    """Every answer cell of the solution, executed in one namespace as in the notebook."""
    nb = nbformat.read(NOTEBOOK, 4)
    scope = {"np": np, "keras": keras}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            exec(SOLUTION_RE.sub("", cell.source), scope)
    return scope


SOLUTION = _answers()


def run_source(source: str, name: str):
    scope = {"np": np, "keras": keras}
    exec(source, scope)
    return scope[name]


def judged(grade_id, answer):
    return probe_and_judge(LESSON, grade_id, answer)


def fails(grade_id, answer, hint=None):
    verdict = judged(grade_id, answer)
    assert not verdict.passed, f"{grade_id}: wrong answer passed"
    assert verdict.message
    if hint is not None:
        assert re.search(hint, verdict.message), verdict.message
    return verdict


def raises(*args, **kwargs):
    raise ValueError("de propósito")


def returns_none(*args, **kwargs):
    return None


HUGO = verdicts.DEMO_EXTRA_STUDENTS[0][3]


def hugo(name):
    return run_source(HUGO[name], name)


# ---------------------------------------------------------------------------- coverage


def test_every_autograded_test_cell_is_judged():
    nb = nbformat.read(NOTEBOOK, 4)
    tests = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in nb.cells
        if cell.cell_type == "code"
        and cell.metadata.get("nbgrader", {}).get("grade")
        and not cell.metadata["nbgrader"].get("solution")
    }
    assert tests == set(verdicts.TESTS)
    for cell in nb.cells:  # one probe call per test cell, the one of its TESTS entry
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in tests:
            name = verdicts.TESTS[grade_id][0]
            assert f"_probe.{name}({name})" in cell.source
            assert cell.source.count("_probe.") == 1


def test_demo_students_use_answer_cells():
    nb = nbformat.read(NOTEBOOK, 4)
    answers = {
        cell.metadata["nbgrader"]["grade_id"]
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }
    assert set(verdicts.DEMO_WRONG_ANSWER) <= answers
    for _, _, _, overrides in verdicts.DEMO_EXTRA_STUDENTS:
        assert set(overrides) <= answers


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_solution_passes(grade_id):
    name = verdicts.TESTS[grade_id][0]
    verdict = judged(grade_id, SOLUTION[name])
    assert verdict.passed, verdict.message


# ---------------------------------------------------------------------------- multiple choice


@pytest.mark.parametrize(
    "grade_id, wrong",
    [
        ("test_resposta_perda", "a"),
        ("test_resposta_perda", "d"),
        ("test_resposta_otimizador", "b"),
        ("test_resposta_otimizador", "(d)"),
        ("test_resposta_pratica", "a"),
        ("test_resposta_pratica", "d"),
    ],
)
def test_multiple_choice_wrong_letter(grade_id, wrong):
    verdict = fails(grade_id, wrong, "alternativa certa")
    assert "Raciocínio" in verdict.message


@pytest.mark.parametrize("grade_id", ["test_resposta_perda", "test_resposta_pratica"])
def test_multiple_choice_forms(grade_id):
    assert judged(grade_id, " (C) ").passed
    fails(grade_id, 3, "texto")
    fails(grade_id, None, "texto")


# ---------------------------------------------------------------------------- exercise 1


def test_split_wrong():
    grade_id = "test_split_train_validation"
    fails(
        grade_id,
        run_source(verdicts.DEMO_WRONG_ANSWER["split_train_validation"], "split_train_validation"),
        "COMEÇO",
    )

    def floor_validation(x, y, fraction=0.1):  # n_val = int(n * fraction): one more to train
        n_val = int(len(x) * fraction)
        return (x[:-n_val], y[:-n_val]), (x[-n_val:], y[-n_val:])

    def shuffled(x, y, fraction=0.1):
        order = np.random.default_rng().permutation(len(x))
        return SOLUTION["split_train_validation"](x[order], y[order], fraction)

    def flat_labels(x, y, fraction=0.1):
        return SOLUTION["split_train_validation"](x, np.ravel(y), fraction)

    def fixed_fraction(x, y, fraction=0.1):
        return SOLUTION["split_train_validation"](x, y)

    fails(grade_id, floor_validation, "int\\(len\\(x\\)")
    fails(grade_id, shuffled, "sem embaralhar")
    fails(grade_id, flat_labels, "forma")
    fails(grade_id, fixed_fraction, "fraction=")
    fails(grade_id, returns_none, "devolver")
    fails(grade_id, raises, "levantou ValueError")


def test_best_checkpoint_wrong():
    grade_id = "test_best_checkpoint"
    mc = keras.callbacks.ModelCheckpoint
    fails(grade_id, lambda path: mc(path, save_best_only=True), "val_accuracy")
    fails(grade_id, lambda path: mc(path, monitor="val_accuracy"), "save_best_only")
    fails(
        grade_id,
        lambda path: mc(path, monitor="val_accuracy", save_best_only=True, mode="min"),
        'mode="max"',
    )
    fails(
        grade_id,
        lambda path: mc("melhor.keras", monitor="val_accuracy", save_best_only=True),
        "caminho",
    )
    fails(grade_id, lambda path: keras.callbacks.EarlyStopping(monitor="val_accuracy"), "não")
    fails(  # weights only: Keras refuses a .keras path
        grade_id,
        lambda path: mc(path, monitor="val_accuracy", save_best_only=True, save_weights_only=True),
        "levantou",
    )
    fails(grade_id, returns_none, "ModelCheckpoint")


class OldCheckpoint(keras.callbacks.ModelCheckpoint):
    """As on Keras < 3.11: no `mode` attribute, the direction only in `monitor_op`."""

    def __init__(self, *args, mode="auto", **kwargs):
        super().__init__(*args, mode=mode, **kwargs)
        del self.mode
        self.monitor_op = np.less if mode == "min" else np.greater


def test_best_checkpoint_without_mode_attribute():
    from autograder.checks import CheckFailed, lesson03

    right = lambda path: OldCheckpoint(path, monitor="val_accuracy", save_best_only=True)
    wrong = lambda path: OldCheckpoint(
        path, monitor="val_accuracy", save_best_only=True, mode="min"
    )
    assert judged("test_best_checkpoint", right).passed
    fails("test_best_checkpoint", wrong, 'mode="max"')
    lesson03.best_checkpoint(right)
    with pytest.raises(CheckFailed, match="max"):
        lesson03.best_checkpoint(wrong)


# ---------------------------------------------------------------------------- exercise 2


def test_select_dogs_cats_wrong():
    grade_id = "test_select_dogs_cats"
    right = SOLUTION["select_dogs_cats"]

    def keep_labels(images, labels):
        keep = np.isin(np.ravel(labels), (3, 5))
        return images[keep], np.ravel(labels)[keep]

    def inverted(images, labels):
        x, y = right(images, labels)
        return x, 1 - y

    def column(images, labels):
        x, y = right(images, labels)
        return x, y.reshape(-1, 1)

    def float_labels(images, labels):
        x, y = right(images, labels)
        return x, y.astype("float32")

    def labels_only_flat(images, labels):  # breaks on (N, 1) labels
        keep = (labels == 3) | (labels == 5)
        return images[keep], (labels[keep] == 5).astype(int)

    fails(grade_id, keep_labels, "3 e 5")
    fails(grade_id, inverted, "invertidos")
    fails(grade_id, column, "forma")
    fails(grade_id, float_labels, "inteiros")
    fails(grade_id, labels_only_flat)
    fails(grade_id, raises, "levantou")


# ---------------------------------------------------------------------------- exercise 3


def sens_spec_acc(scores, labels, threshold=0.5, strict=False):
    scores, labels = np.ravel(scores), np.ravel(labels).astype(bool)
    predicted = scores > threshold if strict else scores >= threshold
    tp, tn = np.sum(predicted & labels), np.sum(~predicted & ~labels)
    return float(tp / labels.sum()), float(tn / (~labels).sum()), float((tp + tn) / labels.size)


def test_threshold_metrics_wrong():
    grade_id = "test_threshold_metrics"

    def swapped(scores, labels, threshold=0.5):
        sens, spec, acc = sens_spec_acc(scores, labels, threshold)
        return spec, sens, acc

    def uses_sklearn(scores, labels, threshold=0.5):
        tn, fp, fn, tp = skm.confusion_matrix(labels, np.asarray(scores) >= threshold).ravel()
        return tp / (tp + fn), tn / (tn + fp), (tp + tn) / len(labels)

    def median_default(scores, labels, threshold=None):
        return sens_spec_acc(scores, labels, np.median(scores) if threshold is None else threshold)

    fails(grade_id, lambda s, l, t=0.5: sens_spec_acc(s, l, t, strict=True), ">=")
    fails(grade_id, swapped, "trocadas")
    fails(grade_id, uses_sklearn, "scikit-learn")
    fails(grade_id, median_default, "0.5")
    fails(grade_id, hugo("threshold_metrics"), "errados")
    fails(grade_id, lambda s, l, t=0.5: sens_spec_acc(s, l, t)[:2], "tupla")
    fails(grade_id, returns_none, "tupla")


def roc_numpy(scores, labels):
    scores, labels = np.ravel(scores).astype(float), np.ravel(labels).astype(bool)
    thresholds = np.r_[np.inf, np.unique(scores)[::-1]]
    predicted = scores[None] >= thresholds[:, None]
    tpr = (predicted & labels).sum(1) / labels.sum()
    fpr = (predicted & ~labels).sum(1) / (~labels).sum()
    return fpr, tpr, thresholds


def test_roc_points_wrong():
    grade_id = "test_roc_points"

    def no_inf(scores, labels):
        return tuple(v[1:] for v in roc_numpy(scores, labels))

    def every_score(scores, labels):  # one point per example: repeated thresholds
        order = np.argsort(-np.asarray(scores), kind="stable")
        s, l = np.asarray(scores)[order], np.asarray(labels)[order].astype(bool)
        return (
            np.r_[0, np.cumsum(~l)] / (~l).sum(),
            np.r_[0, np.cumsum(l)] / l.sum(),
            np.r_[np.inf, s],
        )

    def increasing(scores, labels):
        return tuple(v[::-1] for v in roc_numpy(scores, labels))

    def swapped(scores, labels):
        fpr, tpr, thr = roc_numpy(scores, labels)
        return tpr, fpr, thr

    def strict(scores, labels):
        fpr, tpr, thr = roc_numpy(scores, labels)
        s, l = np.ravel(scores), np.ravel(labels).astype(bool)
        predicted = s[None] > thr[:, None]
        return (predicted & ~l).sum(1) / (~l).sum(), (predicted & l).sum(1) / l.sum(), thr

    def uses_sklearn(scores, labels):
        return skm.roc_curve(labels, scores, drop_intermediate=False)

    assert judged(grade_id, roc_numpy).passed
    fails(grade_id, no_inf, r"\+inf")
    fails(grade_id, every_score, "pontos")
    fails(grade_id, increasing, "DECRESCENTE")
    fails(grade_id, swapped, "trocados")
    fails(grade_id, strict, "TPR errado|FPR errado")
    fails(grade_id, uses_sklearn, "scikit-learn")
    fails(grade_id, hugo("roc_points"), "pontos")
    fails(grade_id, raises, "levantou")


def test_roc_auc_wrong():
    grade_id = "test_roc_auc"

    def auc(scores, labels):
        fpr, tpr, _ = roc_numpy(scores, labels)
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))

    def pairwise_no_ties(scores, labels):  # ties count zero instead of one half
        s, l = np.asarray(scores), np.asarray(labels) == 1
        return float(np.mean(s[l][:, None] > s[~l][None]))

    def pairwise(scores, labels):
        s, l = np.asarray(scores), np.asarray(labels) == 1
        diff = s[l][:, None] - s[~l][None]
        return float(np.mean((diff > 0) + 0.5 * (diff == 0)))

    def rectangles(scores, labels):  # left Riemann sum instead of trapezoids
        fpr, tpr, _ = roc_numpy(scores, labels)
        return float(np.sum(np.diff(fpr) * tpr[:-1]))

    assert judged(grade_id, pairwise).passed
    fails(grade_id, lambda s, l: 1 - auc(s, l), "1 − AUC")
    fails(grade_id, pairwise_no_ties, "AUC errada")
    fails(grade_id, rectangles, "AUC errada")
    fails(grade_id, lambda s, l: skm.roc_auc_score(l, s), "scikit-learn")
    fails(grade_id, hugo("roc_auc"), "apostila")
    fails(grade_id, lambda s, l: "0.8", "número")


def test_equal_error_rate_wrong():
    grade_id = "test_equal_error_rate"

    def eer_at(scores, labels, pick):
        fpr, tpr, thr = roc_numpy(scores, labels)
        i = pick(np.round(np.abs(fpr - (1 - tpr)), 12))
        return (fpr[i] + 1 - tpr[i]) / 2, thr[i], sens_spec_acc(scores, labels, thr[i])[2]

    def last_minimum(scores, labels):
        return eer_at(scores, labels, lambda gap: len(gap) - 1 - int(np.argmin(gap[::-1])))

    def eer_is_fpr(scores, labels):
        fpr, tpr, thr = roc_numpy(scores, labels)
        i = int(np.argmin(np.round(np.abs(fpr - (1 - tpr)), 12)))
        return fpr[i], thr[i], sens_spec_acc(scores, labels, thr[i])[2]

    def accuracy_at_half(scores, labels):
        eer, thr, _ = SOLUTION["equal_error_rate"](scores, labels)
        return eer, thr, sens_spec_acc(scores, labels, 0.5)[2]

    def min_fpr_plus_fnr(scores, labels):  # another criterion: the smallest total error
        fpr, tpr, thr = roc_numpy(scores, labels)
        i = int(np.argmin(fpr + 1 - tpr))
        return (fpr[i] + 1 - tpr[i]) / 2, thr[i], sens_spec_acc(scores, labels, thr[i])[2]

    assert judged(grade_id, lambda s, l: eer_at(s, l, lambda gap: int(np.argmin(gap)))).passed
    fails(grade_id, last_minimum, "MAIOR limiar")
    fails(grade_id, eer_is_fpr, "EER errado")
    fails(grade_id, accuracy_at_half, "acurácia")
    fails(grade_id, min_fpr_plus_fnr, "limiar do EER errado")
    fails(grade_id, hugo("equal_error_rate"), "limiar do EER errado")
    fails(grade_id, lambda s, l: (0.1, 0.5), "tupla")


def test_hugo_gets_no_roc_point():
    for name in ("threshold_metrics", "roc_points", "roc_auc", "equal_error_rate"):
        assert not judged(f"test_{name}", hugo(name)).passed, name


# ---------------------------------------------------------------------------- exercise 5


def apostila_lenet(input_shape, num_classes, filters=(20, 40)):
    """The lesson's build_lenet, unchanged."""
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            keras.layers.Conv2D(filters[0], 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(filters[1], 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(1000, activation="relu"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def small_lenet(input_shape, classes, middle=None, compiled=True, loss=None, head=None):
    middle = middle or [
        keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
    ]
    head = head or [keras.layers.Dense(classes, activation="softmax")]
    model = keras.Sequential(
        [keras.Input(input_shape), *middle, keras.layers.Flatten(), keras.layers.Dense(16), *head]
    )
    if compiled:
        model.compile("adam", loss or "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_build_better_lenet_wrong():
    grade_id = "test_build_better_lenet"
    assert judged(grade_id, small_lenet).passed
    assert judged(grade_id, lambda s, c: apostila_lenet(s, c, filters=(40, 80))).passed
    fails(grade_id, apostila_lenet, "sem mudanças")

    def with_batchnorm(s, c):
        return small_lenet(
            s,
            c,
            [
                keras.layers.Conv2D(8, 3, padding="same"),
                keras.layers.BatchNormalization(),
                keras.layers.MaxPooling2D(2),
                keras.layers.Conv2D(8, 3),
                keras.layers.MaxPooling2D(2),
            ],
        )

    def two_convs_per_pool(s, c):
        conv = lambda: keras.layers.Conv2D(8, 3, padding="same", activation="relu")
        return small_lenet(s, c, [conv(), conv(), keras.layers.MaxPooling2D(2)])

    def augmented(s, c):
        return small_lenet(
            s,
            c,
            [
                keras.layers.RandomFlip("horizontal"),
                keras.layers.Conv2D(8, 3, activation="relu"),
                keras.layers.MaxPooling2D(2),
                keras.layers.Conv2D(8, 3, activation="relu"),
                keras.layers.MaxPooling2D(2),
            ],
        )

    fails(grade_id, with_batchnorm, "BatchNormalization")
    fails(grade_id, two_convs_per_pool, "convolução → pooling")
    fails(grade_id, augmented, "Antes do Flatten")
    fails(grade_id, lambda s, c: small_lenet(s, 10), "Dense\\(")
    fails(grade_id, lambda s, c: small_lenet(s, c, compiled=False), "Compile|compile")
    fails(grade_id, lambda s, c: small_lenet((32, 32, 3), c), "levantou|forma")
    fails(grade_id, lambda s, c: small_lenet(s, c, loss="categorical_crossentropy"), "levantou")
    fails(grade_id, raises, "levantou")


# ---------------------------------------------------------------------------- exercise 6


def test_first_misclassified_wrong():
    grade_id = "test_first_misclassified"
    right = SOLUTION["first_misclassified"]

    def all_examples(y_true, y_pred, n=2, num_classes=10):
        return [np.flatnonzero(np.ravel(y_true) == c)[:n] for c in range(num_classes)]

    def by_predicted(y_true, y_pred, n=2, num_classes=10):
        y_pred = np.asarray(y_pred)
        predicted = y_pred.argmax(1) if y_pred.ndim == 2 else y_pred
        wrong = predicted != np.ravel(y_true)
        return [np.flatnonzero(wrong & (predicted == c))[:n] for c in range(num_classes)]

    def last_ones(y_true, y_pred, n=2, num_classes=10):
        every = right(y_true, y_pred, 10**6, num_classes)
        return [m[::-1][:n] for m in every]

    def fixed_ten(y_true, y_pred, n=2, num_classes=10):
        return right(y_true, y_pred, n, 10)

    def probabilities_only(y_true, y_pred, n=2, num_classes=10):
        return right(y_true, np.atleast_2d(y_pred), n, num_classes)

    fails(grade_id, all_examples, "CORRETAMENTE")
    fails(grade_id, by_predicted, "VERDADEIRA")
    fails(grade_id, last_ones, "primeiros erros")
    fails(grade_id, fixed_ten, "uma entrada por classe")
    fails(grade_id, probabilities_only)
    fails(grade_id, lambda t, p, n=3, c=10: right(t, p, n, c), "n=2")
    fails(grade_id, returns_none, "lista")


def test_inputs_are_reproducible():
    for name in ("roc_points", "equal_error_rate", "split_train_validation"):
        make = getattr(probe, f"{name}_inputs")
        first, second = make(generator(7, name)), make(generator(7, name))
        for a, b in zip(first, second):
            for u, v in zip(a, b):
                assert np.array_equal(np.asarray(u), np.asarray(v))
