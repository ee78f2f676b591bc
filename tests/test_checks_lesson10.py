"""Lesson 10's visible self-checks: they accept right answers and reject wrong ones with a
Portuguese message, and hold no answer."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from lessontools import solution_namespace

from autograder.checks import CheckFailed
from autograder.checks import lesson10 as check

LESSON = "10_vision_transformer"
SOLVED = solution_namespace(LESSON)


def _stub(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------- patches


@pytest.mark.parametrize("part", check.PATCH_PARTS)
def test_extract_patches_accepts_the_solution(part, capsys):
    check.extract_patches(SOLVED["extract_patches"], part)
    assert "✅" in capsys.readouterr().out


def channels_first(images, patch_size):
    images = np.asarray(images)
    batch = images[None] if images.ndim == 3 else images
    n, h, w, c = batch.shape
    p = patch_size
    x = batch[:, : h // p * p, : w // p * p].reshape(n, h // p, p, w // p, p, c)
    x = x.transpose(0, 1, 3, 5, 2, 4).reshape(n, -1, p * p * c)
    return x[0] if images.ndim == 3 else x


def plain_reshape(images, patch_size):
    images = np.asarray(images)
    return images.reshape(*images.shape[:-3], -1, patch_size * patch_size * images.shape[-1])


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("single", channels_first, "canais por último"),
        ("batch", channels_first, "canais por último"),
        ("single", plain_reshape, "não está certo"),
        ("single", lambda images, p: images[None], "forma"),
        ("single", lambda images, p: None, "np.ndarray"),
        ("remainder", plain_reshape, "levantou|forma"),
        ("single", _stub, "ainda não foi implementada"),
    ],
)
def test_extract_patches_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.extract_patches(wrong, part)


# ---------------------------------------------------------------------------- embedding


@pytest.mark.parametrize("part", check.EMBEDDING_PARTS)
def test_patch_embedding_accepts_the_solution(part, capsys):
    check.patch_embedding(SOLVED["PatchEmbedding"], part)
    assert "✅" in capsys.readouterr().out


class NoPositions(keras.layers.Layer):
    def __init__(self, num_patches, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.projection = keras.layers.Dense(projection_dim)

    def call(self, patches):
        return self.projection(patches)


class ProjectionOnly(NoPositions):
    """Creates the table but never adds it."""

    def __init__(self, num_patches, projection_dim, **kwargs):
        super().__init__(num_patches, projection_dim, **kwargs)
        self.table = keras.layers.Embedding(num_patches, projection_dim)
        self.table.build((num_patches,))


class DoesNothing(keras.layers.Layer):
    """The finding: the right weights, all zero, and an output of zeros."""

    def __init__(self, num_patches, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.n, self.d = num_patches, projection_dim

    def build(self, shape):
        self.k = self.add_weight(shape=(shape[-1], self.d), initializer="zeros")
        self.b = self.add_weight(shape=(self.d,), initializer="zeros")
        self.t = self.add_weight(shape=(self.n, self.d), initializer="zeros")

    def call(self, x):
        return keras.ops.zeros((keras.ops.shape(x)[0], self.n, self.d))


class ZeroTableNeverAdded(NoPositions):
    def __init__(self, num_patches, projection_dim, **kwargs):
        super().__init__(num_patches, projection_dim, **kwargs)
        self.table = keras.layers.Embedding(
            num_patches, projection_dim, embeddings_initializer="zeros"
        )
        self.table.build((num_patches,))


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("shape", DoesNothing, "mesma para pedaços diferentes"),
        ("params", DoesNothing, "mesma para pedaços diferentes"),
        ("values", DoesNothing, "E\\[posição\\]"),
        ("values", ZeroTableNeverAdded, "E\\[posição\\]"),
        ("params", NoPositions, "parâmetros"),
        ("values", NoPositions, "tabela"),
        ("values", ProjectionOnly, "E\\[posição\\]"),
        ("shape", lambda n, d: "camada", "camada Keras"),
        ("shape", _stub, "ainda não foi implementada"),
    ],
)
def test_patch_embedding_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.patch_embedding(wrong, part)


# ---------------------------------------------------------------------------- block


@pytest.mark.parametrize("part", check.BLOCK_PARTS)
def test_transformer_block_accepts_the_solution(part, capsys):
    check.transformer_block(SOLVED["transformer_block"], part)
    assert "✅" in capsys.readouterr().out


def post_norm(x, num_heads, key_dim, mlp_units, dropout=0.1):
    y = keras.layers.MultiHeadAttention(num_heads, key_dim)(x, x)
    x = keras.layers.LayerNormalization()(keras.layers.Add()([x, y]))
    y = keras.layers.Dense(x.shape[-1])(keras.layers.Dense(mlp_units, activation="gelu")(x))
    return keras.layers.LayerNormalization()(keras.layers.Add()([x, y]))


def relu_mlp(x, num_heads, key_dim, mlp_units, dropout=0.1):
    y = keras.layers.LayerNormalization()(x)
    x = keras.layers.Add()([x, keras.layers.MultiHeadAttention(num_heads, key_dim)(y, y)])
    y = keras.layers.LayerNormalization()(x)
    y = keras.layers.Dense(x.shape[-1])(keras.layers.Dense(mlp_units, activation="relu")(y))
    return keras.layers.Add()([x, y])


def no_norms(x, num_heads, key_dim, mlp_units, dropout=0.1):
    x = keras.layers.Add()([x, keras.layers.MultiHeadAttention(num_heads, key_dim)(x, x)])
    y = keras.layers.Dense(x.shape[-1])(keras.layers.Dense(mlp_units, activation="gelu")(x))
    return keras.layers.Add()([x, y])


def attention_only(x, num_heads, key_dim, mlp_units, dropout=0.1):
    """The finding: one residual sum, no LayerNorm, no MLP."""
    return keras.layers.Add()([x, keras.layers.MultiHeadAttention(num_heads, key_dim)(x, x)])


def gelu_layer(how):
    def transformer_block(x, num_heads, key_dim, mlp_units, dropout=0.1):
        y = keras.layers.LayerNormalization(epsilon=1e-6)(x)
        y = keras.layers.MultiHeadAttention(num_heads, key_dim, dropout=dropout)(y, y)
        x = keras.layers.Add()([x, y])
        y = keras.layers.LayerNormalization(epsilon=1e-6)(x)
        y = how(keras.layers.Dense(mlp_units)(y))
        y = keras.layers.Dropout(dropout)(y)
        return x + keras.layers.Dense(x.shape[-1])(y)

    return transformer_block


GELU_LAYERS = {
    "Activation('gelu')": lambda t: keras.layers.Activation("gelu")(t),
    "Activation(gelu)": lambda t: keras.layers.Activation(keras.activations.gelu)(t),
    "keras.activations.gelu": keras.activations.gelu,
    "keras.ops.gelu": lambda t: keras.ops.gelu(t, approximate=True),
}


@pytest.mark.parametrize("how", GELU_LAYERS.values(), ids=list(GELU_LAYERS))
def test_gelu_after_the_dense_passes(how, capsys):
    for part in ("identity", "structure"):
        check.transformer_block(gelu_layer(how), part)
    assert "❌" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "part, wrong, hint",
    [
        ("identity", attention_only, "duas somas residuais com a LayerNorm antes"),
        ("identity", no_norms, "duas somas residuais com a LayerNorm antes"),
        ("structure", gelu_layer(lambda t: keras.layers.Activation("relu")(t)), "GELU"),
        ("identity", post_norm, "ANTES de cada ramo"),
        ("structure", relu_mlp, "GELU"),
        ("params", no_norms, "parâmetros"),
        ("structure", no_norms, "duas LayerNormalization"),
        ("shape", _stub, "ainda não foi implementada"),
        ("shape", lambda x, h, k, m, dropout=0.1: keras.layers.Dense(3)(x), "MultiHeadAttention"),
    ],
)
def test_transformer_block_rejects_mistakes(part, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check.transformer_block(wrong, part)


def test_post_norm_passes_shape_params_and_structure():
    for part in ("shape", "params", "structure"):
        check.transformer_block(post_norm, part)


# ---------------------------------------------------------------------------- multiple choice


def test_multiple_choice_checks_only_the_form(capsys):
    for letter in "abcd":
        check.multiple_choice(letter, "resposta_dados")
    assert "formato certo" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="letras"):
        check.multiple_choice("e", "resposta_dados")


def test_student_package_has_no_answers():
    """No reference patches, formulas or right letter in the student package."""
    for name in ("RIGHT_LETTER", "REASON", "expected_patches", "embedding_params", "block_params"):
        assert not hasattr(check, name)
    assert not [name for name in dir(check) if "reference" in name.lower()]
