"""Lesson 10's hidden tests: the probes and the judges pass the solution and fail typical
mistakes, with a Portuguese reason, on inputs regenerated from the grading seed."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from lessontools import (
    assert_demo_students_use_answer_cells,
    assert_right,
    assert_tests_cover_cells,
    assert_wrong,
    solution_namespace,
)

from autograder.probes import lesson10 as probes10
from grader.verdicts import lesson10 as verdicts

LESSON = "10_vision_transformer"
SOLVED = solution_namespace(LESSON)
ANSWER_OF = {
    "extract_patches": SOLVED["extract_patches"],
    "patch_embedding": SOLVED["PatchEmbedding"],
    "transformer_block": SOLVED["transformer_block"],
    "resposta_dados": SOLVED["resposta_dados"],
}


def _answer_for(probe_name: str):
    return next(v for k, v in ANSWER_OF.items() if probe_name.startswith(k))


def _stub(*args, **kwargs):
    raise NotImplementedError()


def _exec(source: str, name: str):
    scope = {"keras": keras, "np": np}
    exec(source, scope)
    return scope[name]


# ----------------------------------------------------------------------------- coverage


def test_every_test_cell_has_a_judge_and_calls_its_probe():
    assert_tests_cover_cells(LESSON, no_inputs=frozenset({"resposta_dados"}))


def test_demo_answers_name_answer_cells():
    assert_demo_students_use_answer_cells(LESSON)


def test_solution_passes_every_test():
    for grade_id, (probe_name, _) in verdicts.TESTS.items():
        assert_right(LESSON, grade_id, _answer_for(probe_name), seeds=(0, 1))


# ----------------------------------------------------------------------------- patches


def test_reference_patches_agree_with_keras():
    images = np.random.default_rng(0).normal(size=(2, 11, 14, 3)).astype("float32")
    keras_grid = np.asarray(keras.ops.image.extract_patches(images, 4))
    assert np.array_equal(verdicts.expected_patches(images, 4), keras_grid.reshape(2, -1, 48))
    assert np.array_equal(verdicts.expected_patches(images[0], 4), keras_grid[0].reshape(-1, 48))


def patches(order=(0, 1, 3, 2, 4, 5), crop=True, keep_batch=False):
    """extract_patches with the axes of (n, rows, p, cols, p, c) put in ``order``."""

    def extract_patches(images, patch_size):
        images = np.asarray(images)
        single = images.ndim == 3
        if single:
            images = images[None]
        n, h, w, c = images.shape
        p = patch_size
        rows, cols = (h // p, w // p) if crop else (-(-h // p), -(-w // p))
        if crop:
            x = images[:, : rows * p, : cols * p]
        else:
            x = np.pad(images, ((0, 0), (0, rows * p - h), (0, cols * p - w), (0, 0)))
        x = x.reshape(n, rows, p, cols, p, c).transpose(order)
        x = x.reshape(n, rows * cols, p * p * c)
        return x[0] if single and not keep_batch else x

    return extract_patches


def demo_patches():
    return _exec(verdicts.DEMO_WRONG_ANSWER["extract_patches"], "extract_patches")


def plain_reshape(images, patch_size):
    images = np.asarray(images)
    c = images.shape[-1]
    if images.ndim == 3:
        return images.reshape(-1, patch_size * patch_size * c)
    return images.reshape(len(images), -1, patch_size * patch_size * c)


def assumes_multiples(images, patch_size):
    """Right when the sides are multiples of the patch size; a reshape error otherwise."""
    images = np.asarray(images)
    single = images.ndim == 3
    batch = images[None] if single else images
    n, h, w, c = batch.shape
    p = patch_size
    x = batch.reshape(n, h // p, p, w // p, p, c).transpose(0, 1, 3, 2, 4, 5)
    x = x.reshape(n, -1, p * p * c)
    return x[0] if single else x


def test_patch_partial_credit():
    assert_right(LESSON, "test_extract_patches_single", assumes_multiples)
    assert_right(LESSON, "test_extract_patches_batch", assumes_multiples)
    assert_wrong(LESSON, "test_extract_patches_remainder", assumes_multiples, "levantou")


def test_keras_ops_answer_passes():
    def with_keras(images, patch_size):
        grid = keras.ops.image.extract_patches(np.asarray(images), patch_size)
        return np.asarray(grid).reshape(*grid.shape[:-3], -1, grid.shape[-1])

    for grade_id in ("test_extract_patches_single", "test_extract_patches_batch"):
        assert_right(LESSON, grade_id, with_keras, seeds=(7,))
    assert_right(LESSON, "test_extract_patches_remainder", with_keras, seeds=(7,))


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_extract_patches_single", demo_patches(), "canais primeiro"),
        ("test_extract_patches_single", patches((0, 3, 1, 2, 4, 5)), "fora de ordem"),
        ("test_extract_patches_single", patches((0, 1, 3, 4, 2, 5)), "coluna a coluna"),
        ("test_extract_patches_single", plain_reshape, "reshape direto"),
        ("test_extract_patches_single", patches(keep_batch=True), "sem o eixo do lote"),
        ("test_extract_patches_single", lambda images, p: None, "np.ndarray"),
        ("test_extract_patches_single", _stub, "ainda não foi implementada"),
        ("test_extract_patches_batch", demo_patches(), "canais primeiro"),
        ("test_extract_patches_batch", patches((0, 3, 1, 2, 4, 5)), "fora de ordem"),
        ("test_extract_patches_remainder", patches(crop=False), "descartadas"),
        ("test_extract_patches_remainder", demo_patches(), "canais primeiro"),
    ],
)
def test_wrong_patches_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint)


# ----------------------------------------------------------------------------- embedding


def embedding(bias=True, positions="table", combine="add"):
    class PatchEmbedding(keras.layers.Layer):
        def __init__(self, num_patches, projection_dim, **kwargs):
            super().__init__(**kwargs)
            self.num_patches = num_patches
            self.projection = keras.layers.Dense(projection_dim, use_bias=bias)
            if positions == "table":
                self.table = keras.layers.Embedding(num_patches, projection_dim)
            elif positions == "weight":
                self.table = self.add_weight(shape=(1, num_patches, projection_dim))
            elif positions == "one":
                self.table = self.add_weight(shape=(projection_dim,))

        def call(self, patches):
            x = self.projection(patches)
            if positions == "none":
                return x
            if positions == "table":
                position = self.table(keras.ops.arange(self.num_patches))
            else:
                position = self.table
            if combine == "table_only":
                return position
            return x + position if combine == "add" else x * position

    return PatchEmbedding


def test_position_weight_variant_passes():
    """A table made with add_weight((1, N, D)), as some implementations do, is right."""
    for grade_id in ("test_patch_embedding_shape", "test_patch_embedding_values"):
        assert_right(LESSON, grade_id, embedding(positions="weight"), seeds=(5,))


def test_embedding_params_match_keras():
    layer = SOLVED["PatchEmbedding"](64, 32)
    layer(np.zeros((1, 64, 48), "float32"))
    assert layer.count_params() == verdicts.embedding_params(64, 48, 32) == 3616


def not_a_layer(num_patches, projection_dim):
    return keras.layers.Dense(projection_dim)  # right kind, wrong thing: no positions


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        ("test_patch_embedding_shape", embedding(combine="table_only"), "forma"),
        ("test_patch_embedding_shape", lambda n, d: "camada", "camada Keras"),
        ("test_patch_embedding_shape", _stub, "ainda não foi implementada"),
        ("test_patch_embedding_params", embedding(positions="none"), "Falta a tabela"),
        ("test_patch_embedding_params", embedding(bias=False), "viés"),
        ("test_patch_embedding_params", embedding(positions="one"), "num_patches linhas"),
        ("test_patch_embedding_params", not_a_layer, "Falta a tabela"),
        ("test_patch_embedding_values", embedding(positions="none"), "tabela de posições"),
        ("test_patch_embedding_values", embedding(combine="mul"), "não multiplicado"),
        ("test_patch_embedding_values", embedding(bias=False), "viés"),
    ],
)
def test_wrong_embeddings_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint, seeds=(11,))


def test_projection_only_fails_values_with_hint():
    # positions are created but never added
    class Forgot(keras.layers.Layer):
        def __init__(self, num_patches, projection_dim, **kwargs):
            super().__init__(**kwargs)
            self.projection = keras.layers.Dense(projection_dim)
            self.table = keras.layers.Embedding(num_patches, projection_dim)
            self.table.build((num_patches,))

        def call(self, patches):
            return self.projection(patches)

    assert_right(LESSON, "test_patch_embedding_params", Forgot, seeds=(3,))
    assert_wrong(LESSON, "test_patch_embedding_values", Forgot, "só a projeção", seeds=(3,))


class DoesNothing(keras.layers.Layer):
    """The finding: the right weights, all zero, and an output of zeros."""

    def __init__(self, num_patches, projection_dim, **kw):
        super().__init__(**kw)
        self.n, self.d = num_patches, projection_dim

    def build(self, s):
        self.k = self.add_weight(shape=(s[-1], self.d), initializer="zeros")
        self.b = self.add_weight(shape=(self.d,), initializer="zeros")
        self.t = self.add_weight(shape=(self.n, self.d), initializer="zeros")

    def call(self, x):
        return keras.ops.zeros((keras.ops.shape(x)[0], self.n, self.d))


class ZeroTableNeverAdded(keras.layers.Layer):
    """The finding's realistic variant: a zero-initialised table that is never added."""

    def __init__(self, num_patches, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.projection = keras.layers.Dense(projection_dim)
        self.table = keras.layers.Embedding(
            num_patches, projection_dim, embeddings_initializer="zeros"
        )
        self.table.build((num_patches,))

    def call(self, patches):
        return self.projection(patches)


def test_a_layer_that_does_nothing_fails_all_three():
    for grade_id in ("test_patch_embedding_shape", "test_patch_embedding_params"):
        assert_wrong(LESSON, grade_id, DoesNothing, "mesma para pedaços diferentes", (3, 11))
    assert_wrong(LESSON, "test_patch_embedding_values", DoesNothing, "não é projeção", (3, 11))


def test_zero_initialised_tables_are_overwritten():
    # it has the parameters (params passes) but never adds the positions
    assert_right(LESSON, "test_patch_embedding_params", ZeroTableNeverAdded, seeds=(3, 11))
    assert_wrong(LESSON, "test_patch_embedding_values", ZeroTableNeverAdded, "só a projeção")


def test_probe_gives_every_weight_the_drawn_values():
    case = probes10._embedding_case(np.random.default_rng(4))
    result = probes10._embedding_result(SOLVED["PatchEmbedding"], case)
    shapes = {w.shape: w for w in result["weights"]}
    for key in ("kernel", "bias", "table"):
        assert np.any(case[key] != 0)
        assert np.array_equal(shapes[case[key].shape], case[key]), key


@pytest.mark.parametrize(
    "grade_id", ["test_patch_embedding_params", "test_patch_embedding_values"]
)
def test_other_initialisers_and_table_shapes_pass(grade_id):
    """Zero-initialised weights and a (1, N, D) table: the probe's values replace them."""

    class ZeroInit(keras.layers.Layer):
        def __init__(self, num_patches, projection_dim, **kwargs):
            super().__init__(**kwargs)
            self.projection = keras.layers.Dense(projection_dim, kernel_initializer="zeros")
            self.table = self.add_weight(
                shape=(1, num_patches, projection_dim), initializer="zeros"
            )

        def call(self, patches):
            return self.projection(patches) + self.table

    assert_right(LESSON, grade_id, ZeroInit, seeds=(3, 11))


# ----------------------------------------------------------------------------- block


def block(
    norm="pre",
    first_residual=True,
    key_dim=None,
    activation="gelu",
    share_norm=False,
    use_ops=False,
):
    """A transformer block with one thing changed."""

    def transformer_block(x, num_heads, key_dim_arg, mlp_units, dropout=0.1):
        dim = x.shape[-1]
        k = key_dim_arg if key_dim is None else dim
        norm1 = keras.layers.LayerNormalization(epsilon=1e-6)
        norm2 = norm1 if share_norm else keras.layers.LayerNormalization(epsilon=1e-6)
        add = (lambda a, b: a + b) if use_ops else (lambda a, b: keras.layers.Add()([a, b]))
        if norm == "none":
            norm1 = norm2 = lambda t: t
        y = norm1(x) if norm == "pre" or norm == "none" or share_norm else x
        y = keras.layers.MultiHeadAttention(num_heads, k, dropout=dropout)(y, y)
        x = add(x, y) if first_residual else y
        if norm == "post":
            x = norm1(x)
        y = norm2(x) if norm != "post" else x
        y = keras.layers.Dense(mlp_units, activation=activation)(y)
        y = keras.layers.Dropout(dropout)(y)
        y = keras.layers.Dense(dim)(y)
        out = add(x, y)
        return norm2(out) if norm == "post" else out

    return transformer_block


BLOCK_TESTS = [
    f"test_transformer_block_{part}" for part in ("shape", "params", "identity", "structure")
]


def test_block_with_ops_sums_passes():
    for grade_id in BLOCK_TESTS:
        assert_right(LESSON, grade_id, block(use_ops=True), seeds=(5,))


def demo_block():
    ((_, _, _, overrides),) = verdicts.DEMO_EXTRA_STUDENTS
    return _exec(overrides["transformer_block"], "transformer_block")


def test_demo_post_norm_student_loses_only_the_identity():
    for grade_id in ("shape", "params", "structure"):
        assert_right(LESSON, f"test_transformer_block_{grade_id}", demo_block(), seeds=(6,))
    assert_wrong(LESSON, "test_transformer_block_identity", demo_block(), "pré-norma")


def test_block_params_match_keras():
    for dim, heads, key_dim, mlp in ((64, 4, 16, 128), (10, 3, 5, 17)):
        inputs = keras.Input(shape=(7, dim))
        model = keras.Model(inputs, SOLVED["transformer_block"](inputs, heads, key_dim, mlp))
        assert model.count_params() == verdicts.block_params(dim, heads, key_dim, mlp)


def attention_only(x, h, k, m, dropout=0.1):
    """The finding: one residual sum around the attention, no LayerNorm, no MLP."""
    return keras.layers.Add()([x, keras.layers.MultiHeadAttention(h, k)(x, x)])


def attention_then_unnormalised_mlp(x, h, k, m, dropout=0.1):
    y = keras.layers.LayerNormalization(epsilon=1e-6)(x)
    x = keras.layers.Add()([x, keras.layers.MultiHeadAttention(h, k)(y, y)])
    y = keras.layers.Dense(x.shape[-1])(keras.layers.Dense(m, activation="gelu")(x))
    return keras.layers.Add()([x, y])


def mlp_added_to_the_input(x, h, k, m, dropout=0.1):
    """x + MLP(LN(x + MHA(LN(x)))): the second sum skips the first one."""
    y = keras.layers.LayerNormalization(epsilon=1e-6)(x)
    z = keras.layers.Add()([x, keras.layers.MultiHeadAttention(h, k)(y, y)])
    y = keras.layers.LayerNormalization(epsilon=1e-6)(z)
    y = keras.layers.Dense(x.shape[-1])(keras.layers.Dense(m, activation="gelu")(y))
    return keras.layers.Add()([x, y])


def test_attention_only_block_keeps_shape_fails_identity():
    """The finding: a bare x + MHA(x, x) passed the shape and identity tests. The shape
    test only asks for the shape; the identity test now finds what its message claims."""
    assert_right(LESSON, "test_transformer_block_shape", attention_only, seeds=(3,))
    assert_wrong(LESSON, "test_transformer_block_identity", attention_only, "ANTES da Multi")


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (attention_only, "pré-norma"),
        (block(norm="none"), "pré-norma"),
        (attention_then_unnormalised_mlp, "MLP deve ser um ramo residual com pré-norma"),
        (mlp_added_to_the_input, "MLP deve ser um ramo residual"),
    ],
)
def test_identity_requires_two_pre_norm_residual_branches(wrong, hint):
    assert_wrong(LESSON, "test_transformer_block_identity", wrong, hint, seeds=(3, 11))


def test_a_forged_cyclic_graph_does_not_hang_the_judge():
    graph = [
        {"class": "MultiHeadAttention", "name": "mha", "inbound": ["d"]},
        {"class": "Dropout", "name": "d", "inbound": ["d"]},
        {"class": "Add", "name": "a", "inbound": ["g", "mha"]},
        {"class": "Gelu", "name": "g", "inbound": ["g"]},
    ]
    with pytest.raises(verdicts.Wrong):
        verdicts._pre_norm_residuals("x", graph)
    graph[1]["class"] = "LayerNormalization"
    with pytest.raises(verdicts.Wrong, match="MLP"):
        verdicts._pre_norm_residuals("x", graph)


def test_shared_norm_keeps_the_identity():
    """One LayerNorm used before both branches has pre-norm and both sums (it loses the
    parameter and structure tests)."""
    assert_right(LESSON, "test_transformer_block_identity", block(share_norm=True), seeds=(3,))


def gelu_block(how):
    """The solution's block with the MLP's GELU applied by ``how`` after a plain Dense."""

    def transformer_block(x, num_heads, key_dim, mlp_units, dropout=0.1):
        dim = x.shape[-1]
        y = keras.layers.LayerNormalization(epsilon=1e-6)(x)
        y = keras.layers.MultiHeadAttention(num_heads, key_dim, dropout=dropout)(y, y)
        x = keras.layers.Add()([x, y])
        y = keras.layers.LayerNormalization(epsilon=1e-6)(x)
        y = how(keras.layers.Dense(mlp_units)(y))
        y = keras.layers.Dropout(dropout)(y)
        y = keras.layers.Dense(dim)(y)
        y = keras.layers.Dropout(dropout)(y)
        return keras.layers.Add()([x, y])

    return transformer_block


GELUS = {
    "Activation('gelu')": lambda t: keras.layers.Activation("gelu")(t),
    "Activation(keras.activations.gelu)": lambda t: keras.layers.Activation(
        keras.activations.gelu
    )(t),
    "keras.activations.gelu": keras.activations.gelu,
    "keras.ops.gelu": lambda t: keras.ops.gelu(t, approximate=False),
}


@pytest.mark.parametrize("how", GELUS.values(), ids=list(GELUS))
def test_gelu_after_the_dense_passes_every_block_test(how):
    for grade_id in BLOCK_TESTS:
        assert_right(LESSON, grade_id, gelu_block(how), seeds=(3, 11))


@pytest.mark.parametrize(
    "how",
    [lambda t: keras.layers.Activation("relu")(t), lambda t: keras.layers.Dropout(0.1)(t)],
)
def test_other_activations_after_the_dense_fail(how):
    assert_wrong(LESSON, "test_transformer_block_structure", gelu_block(how), "GELU")


@pytest.mark.parametrize(
    "grade_id, wrong, hint",
    [
        (
            "test_transformer_block_shape",
            lambda x, h, k, m, dropout=0.1: x,
            "levantou|MultiHeadAttention",
        ),
        ("test_transformer_block_shape", lambda x, h, k, m, dropout=0.1: None, "levantou"),
        ("test_transformer_block_shape", _stub, "ainda não foi implementada"),
        ("test_transformer_block_params", block(norm="none"), "Faltam as duas"),
        ("test_transformer_block_params", block(share_norm=True), "São duas"),
        ("test_transformer_block_params", block(key_dim="dim"), "key_dim"),
        ("test_transformer_block_identity", block(first_residual=False), "pesos zerados"),
        ("test_transformer_block_identity", block(norm="post"), "pré-norma"),
        ("test_transformer_block_structure", block(activation="relu"), "GELU"),
        ("test_transformer_block_structure", block(key_dim="dim"), "key_dim"),
        ("test_transformer_block_structure", block(norm="none"), "LayerNormalization"),
        ("test_transformer_block_structure", block(first_residual=False), "duas somas"),
    ],
)
def test_wrong_blocks_fail(grade_id, wrong, hint):
    assert_wrong(LESSON, grade_id, wrong, hint, seeds=(11,))


def test_probe_zeroes_every_weight():
    case = probes10._block_case(np.random.default_rng(2))
    result = probes10._block_result(SOLVED["transformer_block"], case)
    assert np.allclose(result["zero_output"], case["x"], atol=1e-6)
    assert not np.allclose(result["output"], case["x"], atol=1e-3)


# ----------------------------------------------------------------------------- multiple choice


@pytest.mark.parametrize("answer", ["a", " (A) ", "A"])
def test_right_letter_passes(answer):
    assert_right(LESSON, "test_resposta_dados", answer, seeds=(1,))


@pytest.mark.parametrize("answer", ["b", "c", "d", 1, None, "viés"])
def test_wrong_letters_fail(answer):
    assert_wrong(LESSON, "test_resposta_dados", answer, "alternativa|texto", seeds=(1,))


def test_the_right_letter_is_only_in_the_verdicts():
    from autograder.checks import lesson10 as check

    assert "RIGHT_LETTER" not in vars(check) and "RIGHT_LETTER" not in vars(probes10)
