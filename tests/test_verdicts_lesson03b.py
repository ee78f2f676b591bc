"""Lesson 03b's hidden tests: the probes and the judges pass the solution and fail typical
mistakes (Ponti's rounding, an off-by-one start, the test set's own statistics, rounding
instead of the floor…), with a Portuguese reason, on inputs regenerated from the seed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lessontools import (
    assert_demo_students_use_answer_cells,
    assert_tests_cover_cells,
    judged,
    solution_namespace,
)
from lessontools import assert_right as _assert_right
from lessontools import assert_wrong as _assert_wrong

from grader.verdicts import lesson03b as verdicts

LESSON = "03b_taxa_e_lote"
SOLVED = solution_namespace(LESSON, setup="import math\n")


def assert_right(grade_id, answer, seeds=(3, 4)):
    _assert_right(LESSON, grade_id, answer, seeds)


def assert_wrong(grade_id, answer, hint="", seeds=(11, 2024)):
    _assert_wrong(LESSON, grade_id, answer, hint, seeds)


def _stub(*args, **kwargs):
    raise NotImplementedError()


def test_every_test_cell_is_judged():
    assert_tests_cover_cells(
        LESSON, no_inputs=frozenset({"resposta_7", "resposta_8", "resposta_9"})
    )


def test_demo_students_use_answer_cells():
    assert_demo_students_use_answer_cells(LESSON)


@pytest.mark.parametrize(
    "grade_id, name",
    [
        ("test_standardize_train", "standardize"),
        ("test_standardize_test", "standardize"),
        ("test_decay_schedule_before", "decay_schedule"),
        ("test_decay_schedule_after", "decay_schedule"),
        ("test_epochs_for_batch_ponti", "epochs_for_batch"),
        ("test_epochs_for_batch_fresh", "epochs_for_batch"),
        ("test_resposta_7", "resposta_7"),
        ("test_resposta_8", "resposta_8"),
        ("test_resposta_9", "resposta_9"),
    ],
)
def test_the_solution_passes(grade_id, name):
    assert_right(grade_id, SOLVED[name])


def _demo(source: str, name: str):
    namespace = {}
    exec("import math\nimport numpy as np\n" + source, namespace)
    return namespace[name]


def test_demo_wrong_answer_loses_only_the_decay():
    wrong = _demo(verdicts.DEMO_WRONG_ANSWER["decay_schedule"], "decay_schedule")
    assert_right("test_decay_schedule_before", wrong)
    assert_wrong("test_decay_schedule_after", wrong, "arredondou")


def test_demo_extra_student_loses_only_the_test_set():
    ((_, _, _, overrides),) = verdicts.DEMO_EXTRA_STUDENTS
    wrong = _demo(overrides["standardize"], "standardize")
    assert_right("test_standardize_train", wrong)
    assert_wrong("test_standardize_test", wrong, "próprio teste")


# ----------------------------------------------------------------------------- standardize


def ddof_one(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0, ddof=1)
    return (x_train - mean) / std, (x_test - mean) / std


def whole_matrix(x_train, x_test):
    return (x_train - x_train.mean()) / x_train.std(), (x_test - x_train.mean()) / x_train.std()


def centred_only(x_train, x_test):
    mean = x_train.mean(axis=0)
    return x_train - mean, x_test - mean


def train_only(x_train, x_test):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return (x_train - mean) / std, x_test


def in_float32(x_train, x_test):
    """Finding B's answer: right, computed in float32."""
    a, b = x_train.astype(np.float32), x_test.astype(np.float32)
    m, s = a.mean(0), a.std(0)
    return (a - m) / s, (b - m) / s


def ddof_one_float32(x_train, x_test):
    a, b = x_train.astype(np.float32), x_test.astype(np.float32)
    m, s = a.mean(0), a.std(0, ddof=1)
    return (a - m) / s, (b - m) / s


@pytest.mark.parametrize("grade_id", ["test_standardize_train", "test_standardize_test"])
def test_float32_standardizations_pass(grade_id):
    """Finding B: a float32 z-score failed 4 seeds of 5 (errors up to 6e-5)."""
    assert_right(grade_id, in_float32, seeds=(3, 11, 12, 13, 2024))


def test_float32_tolerance_is_far_from_the_mistakes():
    """On many seeds, float32 answers use a third of the tolerance at most, and ddof=1 is
    dozens of times beyond it, even in float32."""
    from autograder import probes
    from autograder.probes import lesson03b as probe

    used, ddof_used = 0.0, np.inf
    for seed in range(300):
        for x_train, x_test in probe.standardize_train_inputs(
            probes.generator(seed, "standardize_train")
        ):
            mean, std = x_train.mean(axis=0), x_train.std(axis=0)
            columns = verdicts.spread(x_train, x_test)
            for got, ddof, x in zip(
                in_float32(x_train, x_test), ddof_one_float32(x_train, x_test), (x_train, x_test)
            ):
                expected = (x - mean) / std
                tolerance = 1e-4 + 1e-4 * np.abs(expected) + 4 * verdicts.FLOAT32_EPS * columns
                used = max(used, float((np.abs(got - expected) / tolerance).max()))
                ddof_used = min(ddof_used, float((np.abs(ddof - expected) / tolerance).max()))
    assert used < 0.5 and ddof_used > 10, (used, ddof_used)
    assert_wrong("test_standardize_train", ddof_one_float32, "ddof", seeds=(3, 11, 12, 13))
    assert_wrong("test_standardize_test", ddof_one_float32, "ddof", seeds=(3, 11, 12, 13))


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_standardize_train", ddof_one, "ddof"),
        ("test_standardize_train", whole_matrix, "axis=0"),
        ("test_standardize_train", centred_only, "dividir"),
        ("test_standardize_test", ddof_one, "ddof"),
        ("test_standardize_test", train_only, "também"),
        ("test_standardize_test", whole_matrix, "coluna a coluna"),
        ("test_standardize_train", lambda a, b: a, "tupla"),
        ("test_standardize_train", lambda a, b: (a.tolist(), b), "np.ndarray"),
        ("test_standardize_test", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_standardizations_fail(grade_id, wrong, hint):
    assert_wrong(grade_id, wrong, hint)


# ----------------------------------------------------------------------------- decay_schedule


def factory(rule):
    def decay_schedule(start, decay):
        return lambda epoch, lr: rule(epoch, lr, start, decay)

    return decay_schedule


def off_by_one(epoch, lr, start, decay):
    return lr if epoch <= start else lr * math.exp(-decay)


def early(epoch, lr, start, decay):
    return lr if epoch < start - 1 else lr * math.exp(-decay)


def compounded(epoch, lr, start, decay):
    return lr if epoch < start else lr * math.exp(-decay * (epoch - start + 1))


def linear(epoch, lr, start, decay):
    return lr if epoch < start else lr * (1 - decay)


def tensor(epoch, lr, start, decay):
    import tensorflow as tf

    return lr if epoch < start else lr * tf.math.exp(-decay)


def growing(epoch, lr, start, decay):
    return lr if epoch < start else lr * math.exp(decay)


def test_float32_rates_pass():
    """Keras accepts numpy.float32 from a schedule; so does the judge, within float32."""
    right = factory(lambda e, lr, s, d: np.float32(lr if e < s else lr * np.exp(-d)))
    assert_right("test_decay_schedule_before", right)
    assert_right("test_decay_schedule_after", right)


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_decay_schedule_after", factory(off_by_one), "NA época start"),
        ("test_decay_schedule_before", factory(early), "já decaiu"),
        ("test_decay_schedule_after", factory(compounded), "várias épocas"),
        ("test_decay_schedule_after", factory(linear), "1 − decay"),
        ("test_decay_schedule_after", factory(tensor), "float"),
        ("test_decay_schedule_after", factory(growing), "crescer"),
        ("test_decay_schedule_after", factory(lambda e, lr, s, d: lr), "sem mudar"),
        ("test_decay_schedule_before", factory(lambda e, lr, s, d: str(lr)), "float"),
        ("test_decay_schedule_before", lambda start, decay: 0.02, "não uma função"),
        ("test_decay_schedule_after", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_schedules_fail(grade_id, wrong, hint):
    assert_wrong(grade_id, wrong, hint)


def test_half_schedules_earn_nothing():
    """Finding C: a schedule that ignores start passed the decay (2 points), one that never
    changes the rate passed the epochs before start (1 point)."""
    ignores_start = lambda start, decay: (lambda epoch, lr: lr * math.exp(-decay))  # noqa: E731
    identity = lambda start, decay: (lambda epoch, lr: lr)  # noqa: E731
    seeds = (3, 11, 12, 13, 2024)
    assert_wrong("test_decay_schedule_after", ignores_start, "antes de start", seeds)
    assert_wrong("test_decay_schedule_before", identity, "sem mudar", seeds)


def test_off_by_one_schedules_lose_one_test_only():
    """The other side's epochs leave out the boundary: an off-by-one start loses one test."""
    assert_right("test_decay_schedule_before", factory(off_by_one), seeds=(3, 11, 12, 13))
    assert_right("test_decay_schedule_after", factory(early), seeds=(3, 11, 12, 13))
    assert_right("test_decay_schedule_before", factory(growing), seeds=(3, 11))


def test_schedule_drives_the_keras_callback():
    """The solution's schedule works in keras.callbacks.LearningRateScheduler."""
    import keras

    rates = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rates.append(float(np.asarray(self.model.optimizer.learning_rate)))

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse")
    callback = keras.callbacks.LearningRateScheduler(SOLVED["decay_schedule"](1, 0.5))
    model.fit(np.zeros((4, 2)), np.zeros(4), epochs=3, verbose=0, callbacks=[callback, Record()])
    assert np.allclose(rates, [0.02, 0.02 * math.exp(-0.5), 0.02 * math.exp(-1)], rtol=1e-6)


# ----------------------------------------------------------------------------- epochs_for_batch


def test_expected_epochs_match_the_formula_and_ponti():
    assert [verdicts.expected_epochs(2**k) for k in range(1, 9)] == list(range(10, 18))
    for b in (1, 3, 5, 6, 7, 100, 1000, 4095, 4096, 4097):
        assert verdicts.expected_epochs(b) == math.floor(math.log2(512 * b))


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_epochs_for_batch_fresh", lambda b: round(math.log2(512 * b)), "arredondou"),
        (
            "test_epochs_for_batch_fresh",
            lambda b: math.ceil(math.log2(512 * b)),
            "arredondou|teto",
        ),
        ("test_epochs_for_batch_ponti", lambda b: np.floor(np.log2(512 * b)), "int\\(...\\)"),
        ("test_epochs_for_batch_ponti", lambda b: int(math.log2(b)) + 10, "fórmula"),
        ("test_epochs_for_batch_fresh", lambda b: 9 + int(math.log2(b)) + (b % 2), "fórmula"),
        ("test_epochs_for_batch_ponti", lambda b: str(b), "inteiro"),
        ("test_epochs_for_batch_ponti", _stub, "ainda não foi implementada"),
    ],
)
def test_wrong_epochs_fail(grade_id, wrong, hint):
    assert_wrong(grade_id, wrong, hint)


def test_powers_of_two_alone_do_not_pass_fresh_sizes():
    """A table of Ponti's eight sizes earns the first point, not the second."""
    table = {2**k: 9 + k for k in range(1, 9)}
    assert_right("test_epochs_for_batch_ponti", lambda b: table[b])
    assert_wrong("test_epochs_for_batch_fresh", lambda b: table[b], "levantou KeyError")


# ----------------------------------------------------------------------------- multiple choice


@pytest.mark.parametrize(
    "grade_id, right, wrong",
    [("test_resposta_7", "b", "a"), ("test_resposta_8", "a", "c"), ("test_resposta_9", "d", "a")],
)
def test_letters_are_judged_with_the_reasoning(grade_id, right, wrong):
    for answer in (right, f" ({right.upper()}) "):
        verdict = judged(LESSON, grade_id, answer, 1)
        assert verdict.passed and "Raciocínio" in verdict.message
    for answer in (wrong, None, 2, "sobreajuste"):
        verdict = judged(LESSON, grade_id, answer, 1)
        assert not verdict.passed
        assert "alternativa" in verdict.message


def test_the_right_letters_are_only_in_the_verdicts():
    from autograder.checks import lesson03b as check
    from autograder.probes import lesson03b as probe

    for module in (check, probe):
        assert not {"RIGHT_LETTERS", "REASONS", "expected_epochs"} & set(vars(module))
