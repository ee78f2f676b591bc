"""The self-checks of lesson 01 accept right answers and explain typical wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import CheckFailed
from autograder.checks import lesson01 as check
from grader.verdicts import lesson01 as verdicts

# ----------------------------------------------------------------------------- top_k_error


def right_top_k_error(probs, labels, k):
    labels = np.ravel(labels)
    top = np.argsort(probs, axis=1)[:, -k:]
    return float(1.0 - np.mean(np.any(top == labels[:, None], axis=1)))


def stub_top_k_error(probs, labels, k):
    raise NotImplementedError()


def demo_wrong_top_k_error():
    namespace = {"np": np}
    exec(verdicts.DEMO_WRONG_ANSWER["top_k_error"], namespace)
    return namespace["top_k_error"]


def accuracy_instead(probs, labels, k):
    return 1.0 - right_top_k_error(probs, labels, k)


def count_instead(probs, labels, k):
    return right_top_k_error(probs, labels, k) * len(probs)


def lowest_k(probs, labels, k):
    labels = np.ravel(labels)
    top = np.argsort(probs, axis=1)[:, :k]
    return float(1.0 - np.mean(np.any(top == labels[:, None], axis=1)))


def one_too_many(probs, labels, k):
    labels = np.ravel(labels)
    top = np.argsort(probs, axis=1)[:, -k - 1 :]
    return float(1.0 - np.mean(np.any(top == labels[:, None], axis=1)))


def no_ravel(probs, labels, k):
    top = np.argsort(probs, axis=1)[:, -k:]
    return float(1.0 - np.mean(np.any(top == np.asarray(labels)[:, None], axis=-1)))


def sorts_in_place(probs, labels, k):
    result = right_top_k_error(probs, labels, k)
    probs.sort(axis=1)
    return result


def hard_coded(probs, labels, k):
    return 0.64


def returns_array(probs, labels, k):
    return np.array([right_top_k_error(probs, labels, k)])


def test_top_k_error_accepts_right_answer(capsys):
    for _ in range(5):
        check.top_k_error(right_top_k_error)
    assert "✅" in capsys.readouterr().out


def test_student_package_has_no_answers():
    """The answers are computed inside the checks, never handed out as functions."""
    public = {name for name in dir(check) if not name.startswith("_")}
    assert not {name for name in public if "reference" in name or "expected" in name}
    assert not hasattr(check, "DEMO_WRONG_ANSWER")


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (stub_top_k_error, "ainda não foi implementada"),
        (demo_wrong_top_k_error(), "top-1"),
        (accuracy_instead, "ACERTO"),
        (count_instead, "divida"),
        (lowest_k, "MENOS prováveis"),
        (one_too_many, "k + 1"),
        (no_ravel, "np.ravel"),
        (sorts_in_place, "alterou"),
        (hard_coded, "o certo é"),
        (returns_array, "número"),
    ],
)
def test_top_k_error_explains_wrong_answers(wrong, hint):
    for _ in range(3):  # fresh random inputs each time: the hint must not depend on luck
        with pytest.raises(CheckFailed) as info:
            check.top_k_error(wrong)
        assert hint in str(info.value)


# ----------------------------------------------------------------------------- load_batch


def right_load_batch(paths, target_size, preprocess):
    import keras

    images = [
        keras.utils.img_to_array(keras.utils.load_img(p, target_size=target_size)) for p in paths
    ]
    return np.asarray(preprocess(np.stack(images)), dtype="float32")


def per_image_load_batch(paths, target_size, preprocess):
    """Pre-processing each image once is also right."""
    import keras

    images = [
        preprocess(keras.utils.img_to_array(keras.utils.load_img(p, target_size=target_size)))
        for p in paths
    ]
    return np.stack(images).astype("float32")


def cv2_load_batch(paths, target_size, preprocess, *, rgb=True, swap=False):
    import cv2

    images = []
    for path in paths:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if rgb:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        size = target_size if swap else target_size[::-1]  # cv2 wants (width, height)
        images.append(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    return preprocess(np.stack(images).astype("float32"))


def stub_load_batch(paths, target_size, preprocess):
    raise NotImplementedError()


def bgr(paths, target_size, preprocess):
    return cv2_load_batch(paths, target_size, preprocess, rgb=False)


def swapped(paths, target_size, preprocess):
    return cv2_load_batch(paths, target_size, preprocess, swap=True)


def twice(paths, target_size, preprocess):
    return preprocess(right_load_batch(paths, target_size, preprocess))


def ignores_return(paths, target_size, preprocess):
    batch = right_load_batch(paths, target_size, lambda x: x)
    preprocess(batch)
    return batch


def divides_by_255(paths, target_size, preprocess):
    return right_load_batch(paths, target_size, lambda x: preprocess(x / 255.0))


def reversed_order(paths, target_size, preprocess):
    return right_load_batch(list(paths)[::-1], target_size, preprocess)


def float64(paths, target_size, preprocess):
    return right_load_batch(paths, target_size, preprocess).astype(np.float64)


def no_rgb_conversion(paths, target_size, preprocess):
    from PIL import Image

    images = [np.asarray(Image.open(p).resize(target_size[::-1]), dtype="float32") for p in paths]
    return preprocess(np.stack(images))


def hard_coded_batch(paths, target_size, preprocess):
    return np.zeros((3, *target_size, 3), dtype="float32")


def test_load_batch_accepts_right_answers(capsys):
    for _ in range(3):
        check.load_batch(right_load_batch)
        check.load_batch(per_image_load_batch)
        check.load_batch(cv2_load_batch)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (stub_load_batch, "ainda não foi implementada"),
        (bgr, "BGR"),
        (swapped, "trocadas"),
        (twice, "DUAS vezes"),
        (ignores_return, "RETORNA"),
        (divides_by_255, "255"),
        (reversed_order, "ordem"),
        (float64, "float32"),
        (no_rgb_conversion, "tons de cinza"),
        (hard_coded_batch, "preprocess` não foi chamado"),
    ],
)
def test_load_batch_explains_wrong_answers(wrong, hint):
    for _ in range(2):
        with pytest.raises(CheckFailed) as info:
            check.load_batch(wrong)
        assert hint in str(info.value)
