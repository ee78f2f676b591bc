"""Lesson 01's hidden tests: the probes and the judges pass the solution and fail typical
mistakes, with a Portuguese reason, on inputs regenerated from the grading seed."""

from __future__ import annotations

from functools import partial

import lessontools
import numpy as np
import pytest

from autograder.probes import generator
from autograder.probes import lesson01 as probes01
from grader.verdicts import lesson01 as verdicts

LESSON = "01_inferencia_imagenet"
ANSWERS = ("top_k_error", "load_batch")
# the autograded answers; `outro_modelo` (ungraded) needs a pretrained ResNet50
SOLVED = lessontools.solution_namespace(LESSON, manual=False, skip=frozenset({"outro_modelo"}))
judged = partial(lessontools.judged, LESSON)
assert_right = partial(lessontools.assert_right, LESSON)
assert_wrong = partial(lessontools.assert_wrong, LESSON)


# ----------------------------------------------------------------------------- coverage


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    lessontools.assert_tests_cover_cells(LESSON)


def test_demo_wrong_answer_names_an_answer_cell():
    lessontools.assert_demo_students_use_answer_cells(LESSON)
    assert set(verdicts.DEMO_WRONG_ANSWER) <= set(ANSWERS)  # an autograded one


# ----------------------------------------------------------------------------- top_k_error


def test_expected_top_k_error_is_a_direct_count():
    generator = np.random.default_rng(0)
    probs = generator.random((50, 7))
    labels = generator.integers(0, 7, 50)
    for k in range(1, 8):
        top = np.argsort(probs, axis=1)[:, -k:]
        direct = 1.0 - np.mean(np.any(top == labels[:, None], axis=1))
        assert verdicts.expected_top_k_error(probs, labels, k) == pytest.approx(direct)


@pytest.mark.parametrize("seed", [0, 1, 7, 123456789])
def test_top_k_error_solution_passes(seed):
    verdict = judged("test_top_k_error", SOLVED["top_k_error"], seed)
    assert verdict.passed, verdict.message


def test_top_k_error_other_right_answers_pass():
    def with_sklearn(probs, labels, k):
        from sklearn.metrics import top_k_accuracy_score

        classes = probs.shape[1]
        if k >= classes:
            return 0.0
        hits = top_k_accuracy_score(np.ravel(labels), probs, k=k, labels=np.arange(classes))
        return 1 - hits

    def loop(probs, labels, k):
        misses = 0
        for row, label in zip(probs, np.ravel(labels)):
            misses += label not in np.argsort(-row)[:k]
        return misses / len(probs)

    for answer in (with_sklearn, loop):
        assert_right("test_top_k_error", answer)


def _demo_wrong():
    namespace = {"np": np}
    exec(verdicts.DEMO_WRONG_ANSWER["top_k_error"], namespace)
    return namespace["top_k_error"]


def _error(probs, labels, k, columns=slice(None)):
    top = np.argsort(probs, axis=1)[:, columns]
    return float(1.0 - np.mean(np.any(top == np.ravel(labels)[:, None], axis=1)))


def _stub(*args):
    raise NotImplementedError()


def _sorts_in_place(probs, labels, k):
    result = SOLVED["top_k_error"](probs, labels, k)
    probs.sort(axis=1)
    return result


def _no_ravel(probs, labels, k):
    top = np.argsort(probs, axis=1)[:, -k:]
    return float(1.0 - np.mean(np.any(top == np.asarray(labels)[:, None], axis=-1)))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (_demo_wrong(), "top-1"),
        (lambda p, y, k: 1.0 - _error(p, y, k, slice(-k, None)), "ACERTO"),
        (lambda p, y, k: _error(p, y, k, slice(-k, None)) * len(p), "divida"),
        (lambda p, y, k: _error(p, y, k, slice(None, k)), "MENOS prováveis"),
        (lambda p, y, k: _error(p, y, k, slice(-k - 1, None)), "k \\+ 1"),
        (lambda p, y, k: _error(p, y, k, slice(-k + 1, None)) if k > 1 else 1.0, "k − 1"),
        (_no_ravel, "np.ravel"),
        (_sorts_in_place, "alterou"),
        (lambda p, y, k: 0.5, "não é o erro top-k"),
        (lambda p, y, k: np.array([_error(p, y, k, slice(-k, None))]), "número"),
        (lambda p, y, k: None, "número"),
        (_stub, "ainda não foi implementada"),
        ("top_k_error", "não é uma função"),
    ],
)
def test_top_k_error_wrong_answers_fail(wrong, hint):
    assert_wrong("test_top_k_error", wrong, hint)


def test_top_k_error_message_does_not_give_the_expected_value():
    verdict = judged("test_top_k_error", lambda p, y, k: 0.5, seed=5)
    cases = probes01.top_k_error_inputs(generator(5, "top_k_error"))
    assert not verdict.passed
    for case in cases:
        expected = verdicts.expected_top_k_error(*case)
        if expected not in (0.0, 0.5, 1.0):
            assert f"{expected:.4g}" not in verdict.message


# ----------------------------------------------------------------------------- load_batch


def _keras_batch(paths, target_size, interpolation="nearest"):
    import keras

    images = [
        keras.utils.img_to_array(
            keras.utils.load_img(p, target_size=target_size, interpolation=interpolation)
        )
        for p in paths
    ]
    return np.stack(images)


def _cv2_batch(paths, target_size, *, rgb=True, swap=False, interpolation=None):
    import cv2

    images = []
    for path in paths:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if rgb:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        size = tuple(target_size) if swap else tuple(target_size)[::-1]
        images.append(cv2.resize(image, size, interpolation=interpolation or cv2.INTER_AREA))
    return np.stack(images).astype("float32")


def _per_image(paths, target_size, preprocess):
    return np.stack([preprocess(b) for b in _keras_batch(paths, target_size)]).astype("float32")


def _pil_lanczos(paths, target_size, preprocess):
    from PIL import Image

    images = []
    for path in paths:
        with Image.open(path) as image:
            resized = image.convert("RGB").resize(target_size[::-1], Image.LANCZOS)
        images.append(np.asarray(resized, dtype="float32"))
    return preprocess(np.stack(images))


RIGHT_LOADERS = {
    "cv2_area": lambda p, s, f: f(_cv2_batch(p, s)),
    "cv2_cubic": lambda p, s, f: f(_cv2_batch(p, s, interpolation=3)),
    "keras_bilinear": lambda p, s, f: f(_keras_batch(p, s, "bilinear")),
    "per_image": _per_image,
    "pil_lanczos": _pil_lanczos,
}


@pytest.mark.parametrize("seed", [0, 1, 7, 123456789])
def test_load_batch_solution_passes(seed):
    verdict = judged("test_load_batch", SOLVED["load_batch"], seed)
    assert verdict.passed, verdict.message


@pytest.mark.parametrize("name", sorted(RIGHT_LOADERS))
def test_load_batch_other_right_answers_pass(name):
    for seed in (3, 4, 5):
        verdict = judged("test_load_batch", RIGHT_LOADERS[name], seed)
        assert verdict.passed, f"seed {seed}: {verdict.message}"


def _no_rgb_conversion(paths, target_size, preprocess):
    from PIL import Image

    images = [np.asarray(Image.open(p).resize(target_size[::-1]), dtype="float32") for p in paths]
    return preprocess(np.stack(images))


def _ignores_return(paths, target_size, preprocess):
    batch = _keras_batch(paths, target_size)
    preprocess(batch)
    return batch


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda p, s, f: f(_cv2_batch(p, s, rgb=False)), "BGR"),
        (lambda p, s, f: f(_cv2_batch(p, s, swap=True)), "trocadas"),
        (lambda p, s, f: f(f(_keras_batch(p, s))), "DUAS vezes"),
        (_ignores_return, "RETORNA"),
        (lambda p, s, f: f(_keras_batch(p, s) / 255.0), "255"),
        (lambda p, s, f: f(_keras_batch(list(p)[::-1], s)), "ordem"),
        (lambda p, s, f: f(_keras_batch(p, s)).astype(np.float64), "float32"),
        (_no_rgb_conversion, "tons de cinza|3 canais|levantou"),
        (lambda p, s, f: np.zeros((len(p), *s, 3), dtype="float32"), "preprocess não foi chamado"),
        (lambda p, s, f: f(np.zeros((len(p), *s, 3))), "não são os esperados"),
        (lambda p, s, f: list(f(_keras_batch(p, s))), "np.ndarray"),
        (lambda p, s, f: f(_keras_batch(p[:1], s)), "forma"),
        (_stub, "ainda não foi implementada"),
    ],
)
def test_load_batch_wrong_answers_fail(wrong, hint):
    assert_wrong("test_load_batch", wrong, hint)
