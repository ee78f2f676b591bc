"""The self-checks of lesson 01 accept right answers and explain typical wrong ones."""

from __future__ import annotations

from pathlib import Path

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


# ----------------------------------------------------------------------------- pretrained

# What Keras's get_file raises when a download fails (keras/src/utils/file_utils.py:
# Exception("URL fetch failure on {}: {} -- {}".format(origin, errno, reason))).
WEIGHTS_URL = "https://storage.googleapis.com/keras-applications/efficientnetb0.h5"
URL_FETCH_FAILURE = (
    f"URL fetch failure on {WEIGHTS_URL}: None -- [Errno -3] Temporary failure in name resolution"
)


def test_pretrained_turns_a_failed_download_into_portuguese_and_random_weights(
    monkeypatch, capsys
):
    import keras

    from autograder import imagenet

    calls = []

    def EfficientNetB0(**kwargs):  # the constructor, as it fails offline
        calls.append(kwargs)
        if kwargs.get("weights") is not None:
            raise Exception(URL_FETCH_FAILURE)
        return "rede com pesos aleatórios"

    monkeypatch.setattr(keras.applications, "EfficientNetB0", EfficientNetB0)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    # as the lesson writes it
    model = imagenet.pretrained(keras.applications.EfficientNetB0, weights="imagenet")
    assert model == "rede com pesos aleatórios"
    assert calls == [{"weights": "imagenet"}, {"weights": None}]
    out = capsys.readouterr().out
    for words in (
        "Não foi possível baixar os pesos do ImageNet da EfficientNetB0",
        "Colab",
        "COURSE_SMOKE=1",
        "weights=None",
        "efficientnetb0.h5",
        "~/.keras/models/",
        "A lição continua com pesos ALEATÓRIOS",
    ):
        assert words in out, out


def test_pretrained_catches_the_exception_keras_itself_raises(monkeypatch, tmp_path, capsys):
    """A real constructor, a real get_file, an empty cache and no network."""
    import urllib.error

    import keras
    from keras.src.backend import config
    from keras.src.utils import file_utils

    from autograder import imagenet

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))  # nothing cached
    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    model = imagenet.pretrained(keras.applications.MobileNetV2, weights="imagenet", alpha=0.35)
    assert isinstance(model, keras.Model) and model.output_shape == (None, 1000)
    out = capsys.readouterr().out
    assert "Não foi possível baixar os pesos do ImageNet da MobileNetV2" in out
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224.h5" in out
    assert str(tmp_path / "models") in out and "URL fetch failure" in out


def test_pretrained_is_silent_when_nothing_fails_and_keeps_other_errors(capsys):
    from autograder import imagenet

    def builds(**kwargs):
        return kwargs

    assert imagenet.pretrained(builds, weights=None, include_top=False) == {
        "weights": None,
        "include_top": False,
    }
    assert capsys.readouterr().out == ""

    def bad_shape(**kwargs):
        raise ValueError("input_shape must be (224, 224, 3)")

    with pytest.raises(ValueError, match="input_shape"):
        imagenet.pretrained(bad_shape, weights="imagenet")
    assert capsys.readouterr().out == ""


# ----------------------------------------------------------------------------- the lesson


def lesson_cells():
    import nbformat

    root = Path(__file__).resolve().parent.parent
    path = root / "solutions/01_inferencia_imagenet/01_inferencia_imagenet.ipynb"
    return nbformat.read(path, as_version=4).cells


def test_lesson_builds_every_pretrained_model_through_imagenet_pretrained():
    import re

    code = "\n".join(c.source for c in lesson_cells() if c.cell_type == "code")
    assert not re.search(r"keras\.applications\.[A-Z]\w*\(", code)  # never called directly
    assert len(re.findall(r"imagenet\.pretrained\(\s*keras\.applications\.[A-Z]\w*,", code)) >= 3


def test_lesson_writes_numbers_with_decimal_comma():
    import re

    for cell in lesson_cells():
        if cell.cell_type == "code":
            assert not re.search(r"\{[^{}]*:[^{}]*\.\d+[f%g]\}", cell.source), cell.source
        else:
            prose = re.sub(r"`[^`]*`|<[^>]*>|\([^)]*https?://[^)]*\)", "", cell.source)
            assert not re.search(r"\d\.\d+ ?%", prose), cell.source
            assert not re.search(r"Keras 3\.\d", prose), cell.source


def test_lesson_facts_match_the_apostila():
    text = "\n".join(c.source for c in lesson_cells() if c.cell_type == "markdown")
    assert "acertam menos que a MobileNetV2" not in text
    assert "acertam o mesmo que a MobileNetV2" in text and "71,3%" in text
    assert "a VGG (19 camadas) ficou em segundo lugar" in text
    assert "GoogLeNet (22 camadas) venceu" in text
    assert "pela tabela 1, acerta menos no ImageNet (74,9% contra 77,1%" not in text
    for paragraph in text.split("\n\n"):
        if "77,1%" in paragraph:  # not in the apostila's table 1: Keras's documentation
            assert "documentação do Keras" in paragraph, paragraph


EXERCISE_HEADING = r"### Exercício (\d+) — [^()]+ \(\d+ pontos?( \+ \d+ pontos?)?\)"


def test_lesson_exercise_headings_follow_the_course_convention():
    import re

    headings = [
        line
        for c in lesson_cells()
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if re.match(r"#+ Exerc", line)
    ]
    numbers = [int(re.fullmatch(EXERCISE_HEADING, h).group(1)) for h in headings]
    assert numbers == list(range(1, len(headings) + 1)), headings
