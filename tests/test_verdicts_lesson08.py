"""Lesson 08's hidden tests: the probes and the judges pass the solution and fail typical
mistakes, with a Portuguese reason, on inputs regenerated from the grading seed."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from lessontools import (
    assert_demo_students_use_answer_cells,
    assert_right,
    assert_tests_cover_cells,
    assert_wrong,
    solution_namespace,
)

from autograder import probes
from autograder.probes import lesson08 as probes08
from grader.verdicts import lesson08 as verdicts

LESSON = "08_tta_ensemble"


SOLVED = solution_namespace(LESSON, manual=False)  # exercise 6 needs trained networks
tta_predict = SOLVED["tta_predict"]
vote = SOLVED["vote"]
ensemble_predict = SOLVED["ensemble_predict"]
ANSWER_OF = {
    "tta_predict": tta_predict,
    "vote": vote,
    "disagreement": SOLVED["disagreement"],
    "ensemble_predict": ensemble_predict,
}


def _answer_for(probe_name: str):
    return next(v for k, v in ANSWER_OF.items() if probe_name.startswith(k))


def _stub(*args, **kwargs):
    raise NotImplementedError()


def _demo(grade_id: str, source: str):
    scope = {"np": np}
    exec(source, scope)
    return scope[grade_id]


# ----------------------------------------------------------------------------- coverage


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    assert_tests_cover_cells(LESSON, no_inputs=frozenset({"disagreement"}))


def test_demo_answers_name_answer_cells():
    assert_demo_students_use_answer_cells(LESSON)


@pytest.mark.parametrize("grade_id", sorted(verdicts.TESTS))
def test_solution_passes_every_test(grade_id):
    probe_name, _ = verdicts.TESTS[grade_id]
    assert_right(LESSON, grade_id, _answer_for(probe_name), seeds=(0, 1))


def test_demo_vote_loses_only_the_ties():
    wrong = _demo("vote", verdicts.DEMO_WRONG_ANSWER["vote"])
    assert_right(LESSON, "test_vote_majority", wrong)
    assert_wrong(LESSON, "test_vote_ties", wrong, "desempate")


def test_demo_student_loses_only_the_inference_tests():
    ((_, _, _, overrides),) = verdicts.DEMO_EXTRA_STUDENTS
    tta = _demo("tta_predict", overrides["tta_predict"])
    ensemble = _demo("ensemble_predict", overrides["ensemble_predict"])
    assert_right(LESSON, "test_tta_predict_original", tta, seeds=(5,))
    assert_right(LESSON, "test_tta_predict_mean", tta, seeds=(5,))
    assert_wrong(LESSON, "test_tta_predict_inference", tta, "inferência")
    assert_right(LESSON, "test_ensemble_predict_mean", ensemble, seeds=(5,))
    assert_wrong(LESSON, "test_ensemble_predict_inference", ensemble, "inferência")


# ----------------------------------------------------------------------------- stand-ins


def test_stand_in_models_give_the_judges_softmax():
    gen = np.random.default_rng(0)
    for kind in ("linear", "hidden", "augmented"):
        shape, classes, x = probes08._images_case(gen)
        spec = probes08._model_spec(gen, shape, classes, kind)
        model = probes08.build_model(spec)
        expected = verdicts.softmax_of(spec, x)
        assert np.allclose(model.predict(x, verbose=0), expected, atol=1e-6)
        assert np.allclose(np.asarray(model(x, training=False)), expected, atol=1e-6)
        if kind == "augmented":  # model(x) runs the augmentation layers, seeded by the spec
            first = np.asarray(model(x))
            assert not np.allclose(first, expected, atol=1e-3)
            assert np.allclose(np.asarray(probes08.build_model(spec)(x)), first, atol=1e-6)


def test_augmented_stand_in_changes_on_every_call_as_model_x():
    """A model(x) answer must lose the inference tests on every draw, not on most: the
    brightness shift is continuous, so no call leaves the images as they were."""
    gen = np.random.default_rng(1)
    for _ in range(40):
        shape, classes, x = probes08._images_case(gen)
        spec = probes08._model_spec(gen, shape, classes, "augmented")
        model = probes08.build_model(spec)
        expected = verdicts.softmax_of(spec, x)
        for _ in range(3):
            assert not np.allclose(np.asarray(model(x)), expected, atol=1e-3)


def test_shift_distortion_adds_k_shifts_and_records():
    shift = np.full((2, 2, 1), 0.5, dtype="float32")
    distortion = probes08.ShiftDistortion(shift)
    x = np.zeros((3, 2, 2, 1), dtype="float32")
    assert np.allclose(distortion(x), 0.5) and np.allclose(distortion(x), 1.0)
    assert distortion.received == [{"shape": [3, 2, 2, 1], "sum": 0.0}] * 2


def test_vote_cases_have_the_ties_they_promise():
    gen = np.random.default_rng(7)
    for tie, cases in (
        (False, probes08.vote_majority_inputs(gen)),
        (True, probes08.vote_ties_inputs(gen)),
    ):
        for probabilities in cases:
            assert np.allclose(probabilities.sum(axis=-1), 1, atol=1e-5)
            counts = verdicts._counts(probabilities)
            tied = (counts == counts.max(axis=1, keepdims=True)).sum(axis=1) > 1
            assert tied.any() == tie
        if not tie:  # the mean must disagree somewhere, or a mean-based vote would pass
            assert any((vote(p) != p.mean(axis=0).argmax(axis=1)).any() for p in cases)


def test_probe_output_stays_small():
    captured = []
    previous, probes.sink = probes.sink, captured.append
    try:
        probes08.tta_predict_mean(tta_predict)
    finally:
        probes.sink = previous
    assert len(json.dumps(captured[0])) < 100_000


# ----------------------------------------------------------------------------- tta_predict


def without_original(model, images, distort, m):
    return np.mean([model.predict(distort(images), verbose=0) for _ in range(m)], axis=0)


def original_plus_m(model, images, distort, m):
    versions = [images] + [distort(images) for _ in range(m)]
    return np.mean([model.predict(v, verbose=0) for v in versions], axis=0)


def chained(model, images, distort, m):
    versions = [images]
    for _ in range(m - 1):
        versions.append(distort(versions[-1]))
    return np.mean([model.predict(v, verbose=0) for v in versions], axis=0)


def summed(model, images, distort, m):
    return tta_predict(model, images, distort, m) * m


def classes_only(model, images, distort, m):
    return tta_predict(model, images, distort, m).argmax(axis=1)


def stacked(model, images, distort, m):
    versions = [images] + [distort(images) for _ in range(m - 1)]
    return np.stack([model.predict(v, verbose=0) for v in versions])


def image_by_image(model, images, distort, m):
    total = model.predict(images, verbose=0)
    for _ in range(m - 1):
        total = total + model.predict(np.stack([distort(i[None])[0] for i in images]), verbose=0)
    return total / m


def no_distortion(model, images, distort, m):
    return np.mean([model.predict(images, verbose=0) for _ in range(m)], axis=0)


def training_mode(model, images, distort, m):
    total = np.asarray(model(images))
    for _ in range(m - 1):
        total = total + np.asarray(model(distort(images)))
    return total / m


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_tta_predict_original", without_original, "conta como uma das m"),
        ("test_tta_predict_original", original_plus_m, "conta como uma das m"),
        ("test_tta_predict_original", classes_only, "uma classe por imagem"),
        ("test_tta_predict_original", lambda model, x, d, m: None, "np.ndarray"),
        ("test_tta_predict_original", _stub, "ainda não foi implementada"),
        ("test_tta_predict_mean", without_original, "só as \\d+ distorções"),
        ("test_tta_predict_mean", original_plus_m, "versões\\)"),
        ("test_tta_predict_mean", chained, "imagens originais"),
        ("test_tta_predict_mean", summed, "SOMA"),
        ("test_tta_predict_mean", stacked, "pilha"),
        ("test_tta_predict_mean", image_by_image, "lote inteiro"),
        ("test_tta_predict_mean", no_distortion, "chamada 0 vez"),
        ("test_tta_predict_inference", training_mode, "model.predict"),
        ("test_tta_predict_inference", classes_only, "uma classe por imagem"),
    ],
)
def test_wrong_tta_predicts_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint)


def test_training_mode_keeps_the_other_tta_tests():
    assert_right(LESSON, "test_tta_predict_original", training_mode, seeds=(6,))
    assert_right(LESSON, "test_tta_predict_mean", training_mode, seeds=(6,))


def test_no_tta_at_all_gets_only_the_m_equal_1_point():
    """The finding: an answer with no TTA at all passes m = 1 by design, and nothing else."""
    no_tta = lambda model, images, distort, m: model.predict(images, verbose=0)  # noqa: E731
    assert_right(LESSON, "test_tta_predict_original", no_tta, seeds=(3, 11))
    assert_wrong(LESSON, "test_tta_predict_mean", no_tta, "chamada 0 vez", seeds=(3, 11))
    assert_wrong(
        LESSON, "test_tta_predict_inference", no_tta, "distort não foi chamada", seeds=(3, 11)
    )


def distorts_but_ignores(model, images, distort, m):
    for _ in range(m - 1):
        distort(images)
    return model.predict(images, verbose=0)


def test_distortions_must_be_used_at_inference():
    assert_wrong(LESSON, "test_tta_predict_inference", distorts_but_ignores, "inferência")
    assert_wrong(LESSON, "test_tta_predict_inference", no_distortion, "não foi chamada")


def test_a_wrong_count_of_versions_loses_only_the_mean_test():
    """How many versions make the mean is the mean test's business: at inference, the
    original and the c distortions, or the c distortions alone, pass."""
    for answer in (without_original, original_plus_m):
        assert_right(LESSON, "test_tta_predict_inference", answer, seeds=(3, 11))
        assert_wrong(LESSON, "test_tta_predict_mean", answer, "versões|distorções")


def test_tensorflow_style_answers_pass():
    """Stacking all versions in one batch, or calling the model with training=False."""

    def one_batch(model, images, distort, m):
        versions = np.concatenate([images] + [distort(images) for _ in range(m - 1)])
        probabilities = np.asarray(model(versions, training=False))
        return probabilities.reshape(m, len(images), -1).mean(axis=0)

    for grade_id in ("test_tta_predict_original", "test_tta_predict_mean"):
        assert_right(LESSON, grade_id, one_batch, seeds=(7,))
    assert_right(LESSON, "test_tta_predict_inference", one_batch, seeds=(7,))


# ----------------------------------------------------------------------------- vote


def mean_vote(probabilities):
    return np.asarray(probabilities).mean(axis=0).argmax(axis=1)


def first_seen(probabilities):
    choices = np.asarray(probabilities).argmax(axis=-1)
    return np.array([Counter(column).most_common(1)[0][0] for column in choices.T])


def counts_only(probabilities):
    choices = np.asarray(probabilities).argmax(axis=-1)
    return (choices[..., None] == np.arange(probabilities.shape[-1])).sum(axis=0)


def float_labels(probabilities):
    return vote(probabilities).astype("float32")


def wrong_axis(probabilities):
    choices = np.asarray(probabilities).argmax(axis=-1)
    counts = (choices[..., None] == np.arange(probabilities.shape[-1])).sum(axis=1)
    return counts.argmax(axis=1)


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_vote_majority", mean_vote, "MÉDIA"),
        ("test_vote_majority", counts_only, "contagem"),
        ("test_vote_majority", float_labels, "inteiras"),
        ("test_vote_majority", wrong_axis, "forma|mais votadas|MÉDIA"),
        ("test_vote_majority", lambda p: list(vote(p)), "lista"),
        ("test_vote_majority", _stub, "ainda não foi implementada"),
        ("test_vote_ties", first_seen, "desempate"),
        ("test_vote_ties", mean_vote, "MÉDIA|mais votadas|desempate"),
    ],
)
def test_wrong_votes_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (float_labels, "dtype float32; o enunciado pede um np.ndarray de classes inteiras"),
        (lambda p: vote(p).astype("float64"), "converta com .astype\\(int\\)"),
        (lambda p: list(vote(p)), "lista; o enunciado pede um np.ndarray de inteiros"),
        (lambda p: tuple(vote(p)), "tupla; o enunciado pede"),
    ],
)
def test_vote_type_is_the_one_the_exercise_asks_for(wrong, hint):
    """The exercise asks for "um np.ndarray de inteiros": right classes of another type
    fail, with a message that says what the statement asks for and how to convert."""
    for grade_id in ("test_vote_majority", "test_vote_ties"):
        assert_wrong(LESSON, grade_id, wrong, hint, seeds=(3, 11))


def test_any_integer_dtype_passes():
    for dtype in ("int32", "int64", "uint8"):
        assert_right(LESSON, "test_vote_ties", lambda p, d=dtype: vote(p).astype(d))


def test_first_seen_vote_passes_without_ties():
    assert_right(LESSON, "test_vote_majority", first_seen)


# ----------------------------------------------------------------------------- disagreement

AGREEING = np.array([[[0.6, 0.4, 0.0]], [[0.7, 0.3, 0.0]], [[0.3, 0.7, 0.0]]])
TIED_VOTE = np.array([[[0.6, 0.4]], [[0.1, 0.9]]])
UNNORMALISED = np.array([[[0.55, 0.45, 0.1]], [[0.55, 0.45, 0.1]], [[0.05, 0.95, 0.1]]])
TIED_ROW = np.array([[[0.5, 0.5, 0.0]], [[0.5, 0.5, 0.0]], [[0.0, 1.0, 0.0]]])
SECOND_IMAGE_AGREES = np.concatenate([SOLVED["disagreement"], AGREEING], axis=1)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (AGREEING, "mesma classe"),
        (TIED_VOTE, "empata"),
        (UNNORMALISED, "somam 1"),
        (TIED_ROW, "empata no máximo"),
        (SECOND_IMAGE_AGREES, "imagem 1"),
        (np.array([[0.2, 0.8], [0.9, 0.1]]), "3 dimensões"),
        (None, "3 dimensões"),
        ("a", "3 dimensões"),
    ],
)
def test_wrong_disagreements_fail(wrong, hint):
    assert_wrong(LESSON, "test_disagreement", wrong, hint)


def test_a_list_of_lists_is_accepted():
    assert_right(LESSON, "test_disagreement", SOLVED["disagreement"].tolist())


# ----------------------------------------------------------------------------- ensemble_predict


def ensemble_sum(models, images):
    return sum(model.predict(images, verbose=0) for model in models)


def first_model(models, images):
    return models[0].predict(images, verbose=0)


def ensemble_vote(models, images):
    return vote(np.stack([model.predict(images, verbose=0) for model in models]))


def ensemble_stack(models, images):
    return np.stack([model.predict(images, verbose=0) for model in models])


def geometric(models, images):
    logs = np.mean([np.log(model.predict(images, verbose=0)) for model in models], axis=0)
    return np.exp(logs) / np.exp(logs).sum(axis=1, keepdims=True)


def ensemble_training_mode(models, images):
    return np.mean([np.asarray(model(images)) for model in models], axis=0)


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_ensemble_predict_mean", ensemble_sum, "SOMA"),
        ("test_ensemble_predict_mean", first_model, "primeiro"),
        ("test_ensemble_predict_mean", ensemble_vote, "uma classe por imagem"),
        ("test_ensemble_predict_mean", ensemble_stack, "pilha"),
        ("test_ensemble_predict_mean", geometric, "média das probabilidades"),
        ("test_ensemble_predict_mean", _stub, "ainda não foi implementada"),
        ("test_ensemble_predict_inference", ensemble_training_mode, "inferência"),
        ("test_ensemble_predict_inference", lambda models, x: "média", "np.ndarray"),
    ],
)
def test_wrong_ensembles_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint)


def test_training_mode_ensemble_keeps_the_mean_test():
    assert_right(LESSON, "test_ensemble_predict_mean", ensemble_training_mode, seeds=(8,))
