"""Lesson 03 verdicts: the solution's answers pass, realistic wrong answers fail with a reason."""

from functools import partial

import cv2
import keras
import lessontools
import numpy as np
import pytest
from sklearn import metrics as skm

from autograder.checks import CheckFailed
from autograder.checks import lesson03 as check03
from autograder.probes import generator
from autograder.probes import lesson03 as probe
from grader.verdicts import lesson03 as verdicts

LESSON = "03_lenet"
SCALE_CELL = lessontools.code_cells(LESSON, lambda c: c.source.startswith("def scale("))[0]
SOLUTION = lessontools.solution_namespace(
    LESSON,  # with the notebook's `scale` and CAT_DOG, used by exercise 4
    setup='CAT_DOG = ("gato", "cachorro")\n' + SCALE_CELL.source.split("\n\n\n")[0],
)
judged = partial(lessontools.judged, LESSON)
assert_right = partial(lessontools.assert_right, LESSON)
assert_wrong = partial(lessontools.assert_wrong, LESSON)


def run_source(source: str, name: str):
    scope = {"np": np, "keras": keras}
    exec(source, scope)
    return scope[name]


def raises(*args, **kwargs):
    raise ValueError("de propósito")


def returns_none(*args, **kwargs):
    return None


HUGO = verdicts.DEMO_EXTRA_STUDENTS[0][3]


def hugo(name):
    return run_source(HUGO[name], name)


# ---------------------------------------------------------------------------- coverage


def test_every_autograded_test_cell_is_judged():
    lessontools.assert_tests_cover_cells(
        LESSON,
        no_inputs=frozenset({"resposta_perda", "resposta_otimizador", "resposta_pratica"}),
    )
    for cell in lessontools.test_cells(LESSON):  # one probe call in the whole cell, on its answer
        name = verdicts.TESTS[cell.metadata["nbgrader"]["grade_id"]][0]
        assert f"_probe.{name}({name})" in cell.source
        assert cell.source.count("_probe.") == 1


def test_demo_students_use_answer_cells():
    lessontools.assert_demo_students_use_answer_cells(LESSON)


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_solution_passes(grade_id):
    name = verdicts.TESTS[grade_id][0]
    assert_right(grade_id, SOLUTION[name])


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
    assert_wrong(grade_id, wrong, "alternativa certa")
    assert "Raciocínio" in judged(grade_id, wrong, 11).message


@pytest.mark.parametrize("grade_id", ["test_resposta_perda", "test_resposta_pratica"])
def test_multiple_choice_forms(grade_id):
    assert_right(grade_id, " (C) ")
    assert_wrong(grade_id, 3, "texto")
    assert_wrong(grade_id, None, "texto")


# ---------------------------------------------------------------------------- exercise 1


def test_split_wrong():
    grade_id = "test_split_train_validation"
    assert_wrong(
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

    assert_wrong(grade_id, floor_validation, "int\\(len\\(x\\)")
    assert_wrong(grade_id, shuffled, "sem embaralhar")
    assert_wrong(grade_id, flat_labels, "forma")
    assert_wrong(grade_id, fixed_fraction, "fraction=")
    assert_wrong(grade_id, returns_none, "devolver")
    assert_wrong(grade_id, raises, "levantou ValueError")


def test_best_checkpoint_wrong():
    grade_id = "test_best_checkpoint"
    mc = keras.callbacks.ModelCheckpoint
    assert_wrong(grade_id, lambda path: mc(path, save_best_only=True), "val_accuracy")
    assert_wrong(grade_id, lambda path: mc(path, monitor="val_accuracy"), "save_best_only")
    assert_wrong(
        grade_id,
        lambda path: mc(path, monitor="val_accuracy", save_best_only=True, mode="min"),
        'mode="max"',
    )
    assert_wrong(
        grade_id,
        lambda path: mc("melhor.keras", monitor="val_accuracy", save_best_only=True),
        "caminho",
    )
    assert_wrong(
        grade_id, lambda path: keras.callbacks.EarlyStopping(monitor="val_accuracy"), "não"
    )
    assert_wrong(  # weights only: Keras refuses a .keras path
        grade_id,
        lambda path: mc(path, monitor="val_accuracy", save_best_only=True, save_weights_only=True),
        "levantou",
    )
    assert_wrong(grade_id, returns_none, "ModelCheckpoint")


class OldCheckpoint(keras.callbacks.ModelCheckpoint):
    """As on Keras < 3.11: no `mode` attribute, the direction only in `monitor_op`."""

    def __init__(self, *args, mode="auto", **kwargs):
        super().__init__(*args, mode=mode, **kwargs)
        self.__dict__.pop("mode", None)  # Keras < 3.11 never sets it
        self.monitor_op = np.less if mode == "min" else np.greater


def test_best_checkpoint_without_mode_attribute():
    from autograder.checks import CheckFailed, lesson03

    right = lambda path: OldCheckpoint(path, monitor="val_accuracy", save_best_only=True)
    wrong = lambda path: OldCheckpoint(
        path, monitor="val_accuracy", save_best_only=True, mode="min"
    )
    assert_right("test_best_checkpoint", right)
    assert_wrong("test_best_checkpoint", wrong, 'mode="max"')
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

    assert_wrong(grade_id, keep_labels, "3 e 5")
    assert_wrong(grade_id, inverted, "invertidos")
    assert_wrong(grade_id, column, "forma")
    assert_wrong(grade_id, float_labels, "inteiros")
    assert_wrong(grade_id, labels_only_flat)
    assert_wrong(grade_id, raises, "levantou")


# ---------------------------------------------------------------------------- exercise 3


def sens_spec_acc(scores, labels, threshold=0.5, strict=False):
    scores, labels = np.ravel(scores), np.ravel(labels).astype(bool)
    predicted = scores > threshold if strict else scores >= threshold
    tp, tn = np.sum(predicted & labels), np.sum(~predicted & ~labels)
    return float(tp / labels.sum()), float(tn / (~labels).sum()), float((tp + tn) / labels.size)


def roc_numpy(scores, labels):
    scores, labels = np.ravel(scores).astype(float), np.ravel(labels).astype(bool)
    thresholds = np.r_[np.inf, np.unique(scores)[::-1]]
    predicted = scores[None] >= thresholds[:, None]
    tpr = (predicted & labels).sum(1) / labels.sum()
    fpr = (predicted & ~labels).sum(1) / (~labels).sum()
    return fpr, tpr, thresholds


def auc_numpy(scores, labels):
    fpr, tpr, _ = roc_numpy(scores, labels)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def eer_at(scores, labels, pick):
    fpr, tpr, thr = roc_numpy(scores, labels)
    i = pick(np.round(np.abs(fpr - (1 - tpr)), 12))
    return (fpr[i] + 1 - tpr[i]) / 2, thr[i], sens_spec_acc(scores, labels, thr[i])[2]


def eer_numpy(scores, labels):
    return eer_at(scores, labels, lambda gap: int(np.argmin(gap)))


# threshold_metrics: one mistake each


def metrics_strict(scores, labels, threshold=0.5):
    return sens_spec_acc(scores, labels, threshold, strict=True)


def metrics_swapped(scores, labels, threshold=0.5):
    sens, spec, acc = sens_spec_acc(scores, labels, threshold)
    return spec, sens, acc


def metrics_balanced_accuracy(scores, labels, threshold=0.5):  # the mean of sens and spec
    sens, spec, _ = sens_spec_acc(scores, labels, threshold)
    return sens, spec, (sens + spec) / 2


def metrics_median_default(scores, labels, threshold=None):
    return sens_spec_acc(scores, labels, np.median(scores) if threshold is None else threshold)


# roc_points: one mistake each


def roc_no_inf(scores, labels):
    return tuple(v[1:] for v in roc_numpy(scores, labels))


def roc_increasing(scores, labels):
    return tuple(v[::-1] for v in roc_numpy(scores, labels))


def roc_max_plus_one(scores, labels):  # a finite first threshold instead of +inf
    fpr, tpr, thr = roc_numpy(scores, labels)
    return fpr, tpr, np.r_[np.max(scores) + 1, thr[1:]]


def roc_tpr_over_all(scores, labels):  # VP / N instead of VP / (VP + FN)
    fpr, tpr, thr = roc_numpy(scores, labels)
    return fpr, tpr * np.mean(np.ravel(labels) == 1), thr


def roc_fpr_over_all(scores, labels):  # FP / N instead of FP / (FP + VN)
    fpr, tpr, thr = roc_numpy(scores, labels)
    return fpr * np.mean(np.ravel(labels) != 1), tpr, thr


# roc_auc: one mistake each


def auc_rectangles(scores, labels):  # a left Riemann sum: equal to the trapezoids without ties
    fpr, tpr, _ = roc_numpy(scores, labels)
    return float(np.sum(np.diff(fpr) * tpr[:-1]))


def auc_pairs_ties_zero(scores, labels):  # a tied pair counts zero instead of one half
    s, l = np.ravel(scores), np.ravel(labels) == 1
    return float(np.mean(s[l][:, None] > s[~l][None]))


def auc_pairwise(scores, labels):
    s, l = np.ravel(scores), np.ravel(labels) == 1
    diff = s[l][:, None] - s[~l][None]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


# equal_error_rate: one mistake each


def eer_last_minimum(scores, labels):
    return eer_at(scores, labels, lambda gap: len(gap) - 1 - int(np.argmin(gap[::-1])))


def eer_is_fpr(scores, labels):
    fpr, tpr, thr = roc_numpy(scores, labels)
    _, limit, accuracy = eer_numpy(scores, labels)
    return fpr[list(thr).index(limit)], limit, accuracy


def eer_accuracy_at_half(scores, labels):
    eer, limit, _ = eer_numpy(scores, labels)
    return eer, limit, sens_spec_acc(scores, labels, 0.5)[2]


ONE_PROPERTY_WRONG = [
    ("threshold_metrics", metrics_swapped, "sens_spec", "trocadas"),
    ("threshold_metrics", metrics_median_default, "sens_spec", "limiar padrão é 0,5"),
    ("threshold_metrics", metrics_balanced_accuracy, "accuracy", "acurácia"),
    ("threshold_metrics", metrics_strict, "ties", ">="),
    ("roc_points", roc_no_inf, "thresholds", r"\+inf"),
    ("roc_points", roc_increasing, "thresholds", "DECRESCENTE"),
    ("roc_points", roc_max_plus_one, "thresholds", r"\+inf seguido"),
    ("roc_points", roc_tpr_over_all, "tpr", "TPR errado"),
    ("roc_points", roc_fpr_over_all, "fpr", "FPR errado"),
    ("roc_auc", auc_rectangles, "ties", "trapézios"),
    ("roc_auc", auc_pairs_ties_zero, "ties", "meio"),
    ("equal_error_rate", eer_last_minimum, "tie", "MAIOR limiar"),
    ("equal_error_rate", eer_is_fpr, "eer", r"\(FPR \+ FNR\) / 2"),
    ("equal_error_rate", eer_accuracy_at_half, "accuracy", "acurácia"),
]
PROPERTIES = {
    "threshold_metrics": check03.THRESHOLD_PROPERTIES,
    "roc_points": check03.ROC_PROPERTIES,
    "roc_auc": check03.AUC_PROPERTIES,
    "equal_error_rate": check03.EER_PROPERTIES,
}
RIGHT = {
    "threshold_metrics": sens_spec_acc,
    "roc_points": roc_numpy,
    "roc_auc": auc_numpy,
    "equal_error_rate": eer_numpy,
}


def test_every_roc_property_has_its_cell():
    for name, properties in PROPERTIES.items():
        cells = {g for g in verdicts.TESTS if g.startswith(f"test_{name}_")}
        assert cells == {f"test_{name}_{part}" for part in properties}
        assert {verdicts.TESTS[g][0] for g in cells} == {name}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_other_right_answers_pass_every_cell(name):
    for part in PROPERTIES[name]:
        assert_right(f"test_{name}_{part}", RIGHT[name])
    if name == "roc_auc":
        for part in PROPERTIES[name]:
            assert_right(f"test_roc_auc_{part}", auc_pairwise)


@pytest.mark.parametrize(
    "name, wrong, part, hint", ONE_PROPERTY_WRONG, ids=[w[1].__name__ for w in ONE_PROPERTY_WRONG]
)
def test_one_wrong_property_costs_only_its_cell(name, wrong, part, hint):
    for other in PROPERTIES[name]:
        if other == part:
            assert_wrong(f"test_{name}_{other}", wrong, hint, seeds=(3, 2024))
        else:
            assert_right(f"test_{name}_{other}", wrong, seeds=(3, 2024))


@pytest.mark.parametrize(
    "name, wrong, part, hint", ONE_PROPERTY_WRONG, ids=[w[1].__name__ for w in ONE_PROPERTY_WRONG]
)
def test_self_check_of_each_cell_fails_only_on_its_property(name, wrong, part, hint):
    """The visible check runs before the probe in the same cell: if it failed on another
    property, the probe would never run and the cell would lose its point."""
    for other in PROPERTIES[name]:
        if other == part:
            with pytest.raises(CheckFailed, match=hint):
                getattr(check03, name)(wrong, other)
        else:
            getattr(check03, name)(wrong, other)


def roc_swapped(scores, labels):
    fpr, tpr, thr = roc_numpy(scores, labels)
    return tpr, fpr, thr


def roc_strict(scores, labels):
    _, _, thr = roc_numpy(scores, labels)
    s, l = np.ravel(scores), np.ravel(labels).astype(bool)
    predicted = s[None] > thr[:, None]
    return (predicted & ~l).sum(1) / (~l).sum(), (predicted & l).sum(1) / l.sum(), thr


def test_roc_mistakes_that_break_several_properties():
    for part in ("tpr", "fpr"):
        assert_wrong(f"test_roc_points_{part}", roc_swapped, "trocados")
        assert_wrong(f"test_roc_points_{part}", roc_strict, ">=")
    assert_right("test_roc_points_thresholds", roc_swapped)
    for part in ("distinct", "ties"):
        assert_wrong(f"test_roc_auc_{part}", lambda s, l: 1 - auc_numpy(s, l), "1 − AUC")

    def min_total_error(scores, labels):  # another criterion: the smallest FPR + FNR
        fpr, tpr, thr = roc_numpy(scores, labels)
        i = int(np.argmin(fpr + 1 - tpr))
        return (fpr[i] + 1 - tpr[i]) / 2, thr[i], sens_spec_acc(scores, labels, thr[i])[2]

    assert_wrong("test_equal_error_rate_threshold", min_total_error, "minimiza")


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_sklearn_wrong_forms_and_errors_fail_every_cell(name):
    uses_sklearn = {
        "threshold_metrics": lambda s, l, t=0.5: tuple(
            skm.recall_score(l, np.asarray(s) >= t, pos_label=k) for k in (1, 0)
        )
        + (skm.accuracy_score(l, np.asarray(s) >= t),),
        "roc_points": lambda s, l: skm.roc_curve(l, s, drop_intermediate=False),
        "roc_auc": lambda s, l: skm.roc_auc_score(l, s),
        "equal_error_rate": lambda s, l: (skm.roc_auc_score(l, s), 0.5, 0.5),
    }[name]
    for part in PROPERTIES[name]:
        grade_id = f"test_{name}_{part}"
        assert_wrong(grade_id, uses_sklearn, "scikit-learn")
        assert_wrong(grade_id, raises, "levantou ValueError")
        assert_wrong(grade_id, returns_none, "tupla|número")


def test_hugo_gets_no_roc_point():
    for name, properties in PROPERTIES.items():
        for part in properties:
            assert_wrong(f"test_{name}_{part}", hugo(name))
    assert_wrong("test_roc_auc_distinct", hugo("roc_auc"), "apostila")


@pytest.mark.parametrize("seed", range(40))
def test_every_property_has_cases_to_judge(seed):
    kinds = {
        case[0] for case in probe.threshold_metrics_inputs(generator(seed, "threshold_metrics"))
    }
    assert kinds == {"plain", "tie", "default"}
    for _, scores, _, thresholds in probe.threshold_metrics_inputs(
        generator(seed, "threshold_metrics")
    ):
        if thresholds[0] is None:
            assert not np.any(scores == 0.5)
        elif len(thresholds) == 1:
            assert not np.any(scores == thresholds[0])
        else:
            assert np.any(scores == thresholds[1])
    tied = [
        len(np.unique(s)) < len(s) for s, _ in probe.roc_auc_inputs(generator(seed, "roc_auc"))
    ]
    assert any(tied) and not all(tied)
    counts = []
    for scores, labels in probe.equal_error_rate_inputs(generator(seed, "equal_error_rate")):
        fpr, tpr, _ = check03.sklearn_roc(scores, labels)
        gap = np.abs(fpr - (1 - tpr))
        counts.append(int(np.sum(gap <= gap.min() + 1e-9)))
    assert min(counts) == 1 and max(counts) > 1


# ---------------------------------------------------------------------------- exercise 4


def scale(images):
    return images.astype("float32") / 255.0 - 0.5


def classify_with(read, prepare, pick=None):
    def classify(model_path, image_path):
        model = keras.models.load_model(model_path)
        probabilities = np.asarray(model(prepare(read(image_path))[None]))[0]
        label = int(np.argmax(probabilities))
        chosen = label if pick is None else pick(label)
        return ("gato", "cachorro")[label], float(probabilities[chosen])

    return classify


def read_rgb(path):
    return cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)


def test_classify_dog_or_cat_wrong():
    grade_id = "test_classify_dog_or_cat"
    assert_right(grade_id, classify_with(read_rgb, scale))
    wrong = [
        (classify_with(read_rgb, lambda x: x.astype("float32")), "sem pré-processamento"),
        (classify_with(read_rgb, lambda x: x / np.float32(255)), "subtrair 0,5"),
        (classify_with(cv2.imread, scale), "BGR"),
        (classify_with(read_rgb, scale, pick=lambda label: 1 - label), "OUTRA classe"),
    ]
    for answer, hint in wrong:
        assert_wrong(grade_id, answer, hint)
        with pytest.raises(CheckFailed, match=hint):
            check03.classify_dog_or_cat(answer)
    inverted = lambda m, p: (lambda a, q: ({"gato": "cachorro"}.get(a, "gato"), q))(
        *classify_with(read_rgb, scale)(m, p)
    )
    assert_wrong(grade_id, inverted, "esperava")
    assert_wrong(
        grade_id, lambda m, p: SOLUTION["classify_dog_or_cat"]("caogato.keras", p), "levantou"
    )
    assert_wrong(grade_id, lambda m, p: ("cão", 0.9), "gato")
    assert_wrong(grade_id, lambda m, p: "gato", "tupla")


def test_classify_dog_or_cat_is_quick_and_has_both_classes():
    import time

    started = time.monotonic()
    assert judged("test_classify_dog_or_cat", SOLUTION["classify_dog_or_cat"], 3).passed
    assert time.monotonic() - started < 3.0  # about 1 s on an idle machine; CI may be loaded
    for seed in range(20):
        _, kernel, bias, images = probe.classify_dog_or_cat_inputs(
            generator(seed, "classify_dog_or_cat")
        )
        labels = [check03.dog_or_cat_expected(kernel, bias, image)[0] for image in images]
        assert sorted(labels) == [0, 0, 1, 1]


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
    ONE_SEED = (11,)  # each answer builds and runs networks: one seed keeps the test quick
    assert_right(grade_id, small_lenet, seeds=ONE_SEED)
    assert_right(grade_id, lambda s, c: apostila_lenet(s, c, filters=(40, 80)), seeds=ONE_SEED)
    assert_wrong(grade_id, apostila_lenet, "sem mudanças", seeds=ONE_SEED)

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

    assert_wrong(grade_id, with_batchnorm, "BatchNormalization", seeds=ONE_SEED)
    assert_wrong(grade_id, two_convs_per_pool, "convolução → pooling", seeds=ONE_SEED)
    assert_wrong(grade_id, augmented, "Antes do Flatten", seeds=ONE_SEED)
    assert_wrong(grade_id, lambda s, c: small_lenet(s, 10), "Dense\\(", seeds=ONE_SEED)
    assert_wrong(
        grade_id, lambda s, c: small_lenet(s, c, compiled=False), "Compile|compile", seeds=ONE_SEED
    )
    assert_wrong(
        grade_id, lambda s, c: small_lenet((32, 32, 3), c), "levantou|forma", seeds=ONE_SEED
    )
    assert_wrong(
        grade_id,
        lambda s, c: small_lenet(s, c, loss="categorical_crossentropy"),
        "levantou",
        seeds=ONE_SEED,
    )
    assert_wrong(grade_id, raises, "levantou", seeds=ONE_SEED)


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

    assert_wrong(grade_id, all_examples, "CORRETAMENTE")
    assert_wrong(grade_id, by_predicted, "VERDADEIRA")
    assert_wrong(grade_id, last_ones, "primeiros erros")
    assert_wrong(grade_id, fixed_ten, "uma entrada por classe")
    assert_wrong(grade_id, probabilities_only)
    assert_wrong(grade_id, lambda t, p, n=3, c=10: right(t, p, n, c), "n=2")
    assert_wrong(grade_id, returns_none, "lista")


def test_inputs_are_reproducible():
    for name in ("roc_points", "equal_error_rate", "split_train_validation"):
        make = getattr(probe, f"{name}_inputs")
        first, second = make(generator(7, name)), make(generator(7, name))
        for a, b in zip(first, second):
            for u, v in zip(a, b):
                assert np.array_equal(np.asarray(u), np.asarray(v))
