"""Lesson 05's hidden tests: the probes and the judges pass the solution and fail typical
mistakes, with a Portuguese reason, on inputs regenerated from the grading seed."""

from __future__ import annotations

from functools import partial

import cv2
import keras
import lessontools
import numpy as np
import pytest

from autograder.probes import lesson05 as probes05
from grader.verdicts import lesson05 as verdicts

LESSON = "05_vgg_batchnorm"
SOLVED = lessontools.solution_namespace(  # the autograded answers, with `compile_classifier`
    LESSON,
    also=lambda c: c.source.startswith("def compile_classifier"),
    setup="import cv2\n",
    manual=False,
)
ANSWER_OF = {  # probe name → the solution's answer it is called with
    "build_alexnet_cifar": "build_alexnet_cifar",
    "conv_stack": "conv_stack",
    "ordem_pesos_bn": "ordem_pesos_bn",
    "bn_weights_by_name": "bn_weights_by_name",
    "channel_mean_variance": "channel_mean_variance",
    "bn_no_affine": "BatchNormNoAffine",
    "normalize_with_training_stats": "normalize_with_training_stats",
    "pad_to_32": "pad_to_32",
    "fashion_augmentation": "fashion_augmentation",
    "select_airplanes_ships": "select_airplanes_ships",
}


judged = partial(lessontools.judged, LESSON)
assert_right = partial(lessontools.assert_right, LESSON)
assert_wrong = partial(lessontools.assert_wrong, LESSON)


def stub(*args, **kwargs):
    raise NotImplementedError()


def run_source(source: str, name: str):
    scope = {"np": np, "keras": keras, "cv2": cv2}
    exec(source, scope)
    return scope[name]


# ----------------------------------------------------------------------------- coverage


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    lessontools.assert_tests_cover_cells(LESSON, no_inputs=frozenset({"ordem_pesos_bn"}))


def test_demo_answers_name_answer_cells():
    lessontools.assert_demo_students_use_answer_cells(LESSON)


@pytest.mark.parametrize("seed", [0, 7])
def test_solution_passes_every_test(seed):
    for grade_id, (probe_name, _) in verdicts.TESTS.items():
        assert_right(grade_id, SOLVED[ANSWER_OF[probe_name]], seeds=(seed,))


# ----------------------------------------------------------------------------- AlexNet


def alexnet(
    pool=(3, 2),
    first=5,
    denses=(1024, 1024),
    dropout=True,
    convs=5,
    compiled=True,
    fixed=None,
    loss="sparse_categorical_crossentropy",
    bn=False,
):
    def build(input_shape, num_classes):
        layers = [keras.Input(shape=fixed or input_shape)]
        kernels = [first, 5, 3, 3, 3][:convs] + [3] * max(0, convs - 5)
        for i, k in enumerate(kernels):
            layers.append(
                keras.layers.Conv2D(32, k, padding="same", activation=None if bn else "relu")
            )
            if bn:
                layers += [keras.layers.BatchNormalization(), keras.layers.Activation("relu")]
            if i in (0, 1, len(kernels) - 1):
                layers.append(keras.layers.MaxPooling2D(pool_size=pool[0], strides=pool[1]))
        layers.append(keras.layers.Flatten())
        for units in denses:
            layers.append(keras.layers.Dense(units, activation="relu"))
            if dropout:
                layers.append(keras.layers.Dropout(0.5))
        layers.append(keras.layers.Dense(num_classes, activation="softmax"))
        model = keras.Sequential(layers)
        if compiled:
            model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        return model

    return build


@pytest.mark.parametrize("builder", [alexnet(), alexnet(first=7), alexnet(bn=True)])
def test_alexnet_variants_pass(builder):
    for grade_id in ("test_alexnet_structure", "test_alexnet_runs"):
        verdict = judged(grade_id, builder, 5)
        assert verdict.passed, verdict.message


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (alexnet(pool=(2, 2)), "sobrepostos"),
        (alexnet(first=3), "janela grande"),
        (alexnet(convs=4), "exatamente 5 Conv2D"),
        (alexnet(denses=(256,)), "3 camadas densas"),
        (alexnet(dropout=False), "Dropout"),
        (lambda shape, classes: "modelo", "modelo Keras"),
        (stub, "ainda não foi implementada"),
    ],
)
def test_alexnet_structure_wrong(wrong, hint):
    assert_wrong("test_alexnet_structure", wrong, hint, seeds=(3,))


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (alexnet(compiled=False), "compile"),
        (alexnet(fixed=(32, 32, 3)), "input_shape|levantou"),
        (alexnet(loss="mse"), "sparse_categorical_crossentropy"),
    ],
)
def test_alexnet_runs_wrong(wrong, hint):
    assert_wrong("test_alexnet_runs", wrong, hint, seeds=(3,))


def test_alexnet_structure_wrong_does_not_cost_the_runs_point():
    assert judged("test_alexnet_runs", alexnet(pool=(2, 2)), 4).passed


# ----------------------------------------------------------------------------- conv_stack


@pytest.mark.parametrize(
    "wrong, grade_id, hint",
    [
        (lambda k, n, c=1: (n * k, n * k * k * c * c), "test_conv_stack_field", "k − 1"),
        (lambda k, n, c=1: (n * (k - 1), n * k * k * c * c), "test_conv_stack_field", "errado"),
        (
            lambda k, n, c=1: (n * (k - 1) + 1, n * k * k * c),
            "test_conv_stack_weights",
            "C canais",
        ),
        (
            lambda k, n, c=1: (n * (k - 1) + 1, n * (k * k * c + 1) * c),
            "test_conv_stack_weights",
            "vieses",
        ),
        (lambda k, n, c=1: (n * (k - 1) + 1, float("nan")), "test_conv_stack_weights", "inteiro"),
        (lambda k, n, c=1: None, "test_conv_stack_field", "tupla"),
        (lambda k, n: (n * (k - 1) + 1, n * k * k), "test_conv_stack_weights", "levantou"),
    ],
)
def test_conv_stack_wrong(wrong, grade_id, hint):
    assert_wrong(grade_id, wrong, hint)


def test_conv_stack_parts_are_independent():
    assert_right("test_conv_stack_field", lambda k, n, c=1: (n * (k - 1) + 1, 0))


# ----------------------------------------------------------------------------- weight order


def test_standard_deviation_answer_loses_part_a_only():
    source = verdicts.DEMO_EXTRA_STUDENTS[0][3]["ordem_pesos_bn"]
    scope = {}
    exec(source, scope)
    assert_wrong("test_ordem_pesos_bn", scope["ordem_pesos_bn"], "VARIÂNCIA")


@pytest.mark.parametrize(
    "answer, hint",
    [
        (["beta", "gamma", "media_movel", "variancia_movel"], "posições erradas: 1º, 2º"),
        (["gamma", "beta", "variancia_movel", "media_movel"], "posições erradas"),
        (["gamma", "beta", "mu", "sigma"], "fora do vocabulário"),
        ("gamma, beta, media, variancia", "lista de 4"),
        (None, "lista de 4"),
    ],
)
def test_weight_order_wrong(answer, hint):
    assert_wrong("test_ordem_pesos_bn", answer, hint)


def test_weight_order_accepts_accents_and_case():
    assert_right("test_ordem_pesos_bn", ["Gamma", "beta", "Média móvel", "variância_móvel"])


# ----------------------------------------------------------------------------- weights by name


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            lambda layer: dict(
                zip(["gamma", "beta", "moving_mean", "moving_variance"], layer.get_weights())
            ),
            "chaves",
        ),
        (lambda layer: {v.path: np.asarray(v) for v in layer.weights}, "chaves"),
        (lambda layer: layer.get_weights(), "dicionário"),
        (
            lambda layer: {
                v.name: np.sqrt(np.asarray(v)) if "variance" in v.name else np.asarray(v)
                for v in layer.weights
            },
            "moving_variance",
        ),
        (
            lambda layer: {v.name: np.asarray(v) for v in layer.trainable_weights},
            "chaves",
        ),
        (stub, "ainda não foi implementada"),
    ],
)
def test_bn_weights_by_name_wrong(wrong, hint):
    assert_wrong("test_bn_weights_by_name", wrong, hint)


# ----------------------------------------------------------------------------- channel stats


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda x: (x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))), "DESVIO PADRÃO"),
        (
            lambda x: (
                x.mean(axis=(0, 1, 2)),
                x.astype(float).reshape(-1, x.shape[-1]).var(0, ddof=1),
            ),
            "N − 1",
        ),
        (lambda x: (x.mean(), x.var()), "forma|np.ndarray"),
        (lambda x: (x.mean(axis=(1, 2)), x.var(axis=(1, 2))), "forma"),
        (lambda x: (x.mean(axis=(0, 1, 2)) / 255, x.var(axis=(0, 1, 2))), "média"),
        (lambda x: x.mean(axis=(0, 1, 2)), "tupla"),
    ],
)
def test_channel_mean_variance_wrong(wrong, hint):
    assert_wrong("test_channel_mean_variance", wrong, hint)


# ----------------------------------------------------------------------------- custom layer

BASE = SOLVED["BatchNormNoAffine"]


class EpsOutside(BASE):
    def call(self, inputs, training=None):
        if training:
            mean, variance = keras.ops.moments(inputs, axes=list(range(len(inputs.shape) - 1)))
            m = self.momentum
            self.moving_mean.assign(m * self.moving_mean + (1 - m) * mean)
            self.moving_variance.assign(m * self.moving_variance + (1 - m) * variance)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return (inputs - mean) / (keras.ops.sqrt(variance) + self.epsilon)


class AlwaysBatch(BASE):
    """Uses the batch statistics in inference too."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


class MomentumSwapped(BASE):
    def call(self, inputs, training=None):
        if training:
            mean, variance = keras.ops.moments(inputs, axes=list(range(len(inputs.shape) - 1)))
            m = self.momentum
            self.moving_mean.assign((1 - m) * self.moving_mean + m * mean)
            self.moving_variance.assign((1 - m) * self.moving_variance + m * variance)
            return (inputs - mean) / keras.ops.sqrt(variance + self.epsilon)
        return (inputs - self.moving_mean) / keras.ops.sqrt(self.moving_variance + self.epsilon)


class NeverUpdates(BASE):
    def call(self, inputs, training=None):
        if training:
            mean, variance = keras.ops.moments(inputs, axes=list(range(len(inputs.shape) - 1)))
            return (inputs - mean) / keras.ops.sqrt(variance + self.epsilon)
        return (inputs - self.moving_mean) / keras.ops.sqrt(self.moving_variance + self.epsilon)


class UpdatesInInference(BASE):
    """The apostila's claim: the moving statistics keep moving during prediction."""

    def call(self, inputs, training=None):
        out = super().call(inputs, training=training)
        if not training:
            super().call(inputs, training=True)
        return out


class TrainableStats(BASE):
    def build(self, input_shape):
        channels = input_shape[-1]
        self.moving_mean = self.add_weight(shape=(channels,), initializer="zeros")
        self.moving_variance = self.add_weight(shape=(channels,), initializer="ones")


class WithGamma(BASE):
    def build(self, input_shape):
        super().build(input_shape)
        self.gamma = self.add_weight(shape=(input_shape[-1],), initializer="ones")


def test_custom_layer_matches_keras_batchnorm_by_construction():
    """The judge's NumPy model of the layer agrees with Keras's own BatchNormalization."""
    momentum, epsilon, batches, probe_batch = probes05.bn_no_affine_inputs(
        np.random.default_rng(3)
    )[0]
    layer = keras.layers.BatchNormalization(
        momentum=momentum, epsilon=epsilon, center=False, scale=False
    )
    for batch in batches:
        layer(batch, training=True)
    mean, variance = np.zeros(batches[0].shape[-1]), np.ones(batches[0].shape[-1])
    for batch in batches:
        mean = momentum * mean + (1 - momentum) * batch.mean(axis=(0, 1, 2), dtype=np.float64)
        variance = momentum * variance + (1 - momentum) * batch.var(axis=(0, 1, 2))
    assert np.allclose(
        np.asarray(layer(probe_batch, training=False)),
        (probe_batch - mean) / np.sqrt(variance + epsilon),
        atol=1e-4,
    )


@pytest.mark.parametrize(
    "wrong, grade_id, hint",
    [
        (EpsOutside, "test_bn_no_affine_training", "σ \\+ ε"),
        (AlwaysBatch, "test_bn_no_affine_inference", "média e a variância do lote"),
        (UpdatesInInference, "test_bn_no_affine_inference", "training=False"),
        (MomentumSwapped, "test_bn_no_affine_moving", "momentum"),
        (NeverUpdates, "test_bn_no_affine_moving", "momentum"),
        (TrainableStats, "test_bn_no_affine_weights", "treináveis"),
        (WithGamma, "test_bn_no_affine_weights", "treináveis"),
        (keras.layers.Dense, "test_bn_no_affine_training", "levantou|criada"),
    ],
)
def test_custom_layer_wrong(wrong, grade_id, hint):
    assert_wrong(grade_id, wrong, hint, seeds=(5,))


@pytest.mark.parametrize(
    "wrong, grade_id",
    [
        (NeverUpdates, "test_bn_no_affine_training"),
        (NeverUpdates, "test_bn_no_affine_inference"),
        (TrainableStats, "test_bn_no_affine_moving"),
        (MomentumSwapped, "test_bn_no_affine_inference"),
    ],
)
def test_custom_layer_partial_credit(wrong, grade_id):
    """A mistake in one property keeps the points of the others."""
    verdict = judged(grade_id, wrong, 6)
    assert verdict.passed, verdict.message


# ----------------------------------------------------------------------------- normalisation


def demo_normalize():
    return run_source(
        verdicts.DEMO_WRONG_ANSWER["normalize_with_training_stats"],
        "normalize_with_training_stats",
    )


def global_stats(x_train, x_test):
    mean, std = x_train.mean(), x_train.std()
    return (x_train - mean) / std, (x_test - mean) / std


def pooled_stats(x_train, x_test):
    both = np.concatenate([x_train, x_test]).astype(float)
    mean, std = both.mean(axis=(0, 1, 2)), both.std(axis=(0, 1, 2))
    return (x_train - mean) / std, (x_test - mean) / std


def per_image(x_train, x_test):
    norm = lambda x: (x - x.mean(axis=(1, 2), keepdims=True)) / x.std(axis=(1, 2), keepdims=True)
    return norm(x_train.astype(float)), norm(x_test.astype(float))


@pytest.mark.parametrize(
    "wrong, grade_id, hint",
    [
        (demo_normalize(), "test_normalize_test", "DO TESTE"),
        (global_stats, "test_normalize_train", "CANAL"),
        (global_stats, "test_normalize_test", "CANAL"),
        (pooled_stats, "test_normalize_test", "treino \\+ teste"),
        (pooled_stats, "test_normalize_train", "média 0"),
        (per_image, "test_normalize_train", "média 0"),
        (lambda a, b: (a / 255.0, b / 255.0), "test_normalize_train", "média 0"),
        (stub, "test_normalize_train", "ainda não foi implementada"),
    ],
)
def test_normalize_wrong(wrong, grade_id, hint):
    assert_wrong(grade_id, wrong, hint)


def test_test_statistics_keep_the_training_point():
    assert_right("test_normalize_train", demo_normalize())


# ----------------------------------------------------------------------------- Fashion-MNIST


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda x: np.pad(x, ((0, 0), (4, 0), (4, 0))), "centro"),
        (lambda x: np.pad(x, ((0, 0), (2, 2), (2, 2)), constant_values=255), "preta"),
        (
            lambda x: np.stack([cv2.resize(i, (32, 32)) for i in x]),
            "centro",
        ),
        (lambda x: np.pad(x, ((0, 0), (2, 2), (2, 2))).astype("float64"), "dtype"),
        (lambda x: x, "forma"),
    ],
)
def test_pad_to_32_wrong(wrong, hint):
    assert_wrong("test_pad_to_32", wrong, hint)


def test_pad_to_32_accepts_a_channel_axis():
    assert_right("test_pad_to_32", lambda x: np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None])


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            lambda: keras.Sequential(
                [keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.02)]
            ),
            "RandomFlip",
        ),
        (lambda: keras.Sequential([keras.layers.RandomRotation(0.1)]), "15°"),
        (lambda: keras.Sequential([keras.layers.RandomCrop(28, 28)]), "tamanho"),
        (lambda: keras.Sequential([keras.layers.Rescaling(1.0)]), "Random"),
        (lambda: None, "keras.Sequential"),
    ],
)
def test_fashion_augmentation_wrong(wrong, hint):
    assert_wrong("test_fashion_augmentation", wrong, hint, seeds=(1,))


# ----------------------------------------------------------------------------- airplanes


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (
            lambda x, y: (
                x[(np.ravel(y) == 0) | (np.ravel(y) == 8)],
                np.ravel(y)[(np.ravel(y) == 0) | (np.ravel(y) == 8)],
            ),
            "0 e 8",
        ),
        (
            lambda x, y: (
                x[(np.ravel(y) == 0) | (np.ravel(y) == 8)],
                (np.ravel(y)[(np.ravel(y) == 0) | (np.ravel(y) == 8)] == 0).astype(int),
            ),
            "invertidos",
        ),
        (
            lambda x, y: (
                x[(np.ravel(y) == 0) | (np.ravel(y) == 1)],
                np.ravel(y)[(np.ravel(y) == 0) | (np.ravel(y) == 1)],
            ),
            "havia",
        ),
        (stub, "ainda não foi implementada"),
    ],
)
def test_select_airplanes_ships_wrong(wrong, hint):
    assert_wrong("test_select_airplanes_ships", wrong, hint)
