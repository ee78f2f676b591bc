"""Verdicts of lesson 10 (Vision Transformer); inputs come from
:mod:`autograder.probes.lesson10`.

``extract_patches`` is compared with patches cut one by one with NumPy slicing (grid in
row-major order, each patch flattened row by row with the channels last, the incomplete
border dropped). ``PatchEmbedding`` is judged on its output shapes, its parameter count
((P + 1)·D + N·D) and its output recomputed from the random values the probe gave its
kernel, bias and position table (patches·W + b + E); shapes and count also ask for an
output that depends on the patches. ``transformer_block`` is judged on its output shape,
its parameter count, its graph and on the identity it must become when every weight is
zero, with both residual sums and a LayerNorm before each branch found in its graph.
The right letter of the multiple-choice question lives only here.
"""

from __future__ import annotations

import numpy as np

from autograder import probes
from autograder.probes import lesson10 as probe

from . import Wrong, as_array, multiple_choice, outcome

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who flattens each patch with the
# channels first (a PyTorch habit: (C, p, p)). The shapes are right, the values are not:
# loses the three tests of extract_patches.
DEMO_WRONG_ANSWER = {
    "extract_patches": (
        "def extract_patches(images, patch_size):\n"
        "    images = np.asarray(images)\n"
        "    single = images.ndim == 3\n"
        "    if single:\n"
        "        images = images[None]\n"
        "    n, h, w, c = images.shape\n"
        "    p = patch_size\n"
        "    rows, cols = h // p, w // p\n"
        "    x = images[:, : rows * p, : cols * p]\n"
        "    x = x.reshape(n, rows, p, cols, p, c).transpose(0, 1, 3, 5, 2, 4)\n"
        "    x = x.reshape(n, rows * cols, c * p * p)\n"
        "    return x[0] if single else x\n"
    ),
}

# A student who writes the original transformer's post-norm block (LayerNorm AFTER each
# sum): same layers, same parameters, same shapes, but the block is no longer the identity
# when its weights are zero. Loses only the identity test.
DEMO_EXTRA_STUDENTS = [
    (
        "Paulo Posnorma",
        "LayerNorm depois de cada soma (pós-norma) no bloco do transformer",
        "perde só o teste da identidade do bloco",
        {
            "transformer_block": (
                "def transformer_block(x, num_heads, key_dim, mlp_units, dropout=0.1):\n"
                "    y = keras.layers.MultiHeadAttention(num_heads, key_dim, "
                "dropout=dropout)(x, x)\n"
                "    x = keras.layers.LayerNormalization(epsilon=1e-6)(\n"
                "        keras.layers.Add()([x, y]))\n"
                "    y = keras.layers.Dense(mlp_units, activation='gelu')(x)\n"
                "    y = keras.layers.Dense(x.shape[-1])(y)\n"
                "    return keras.layers.LayerNormalization(epsilon=1e-6)(\n"
                "        keras.layers.Add()([x, y]))\n"
            ),
        },
    ),
]

ATOL = 1e-4
"""Tolerance on outputs (float32 sums of a few dozen terms of order 1)."""


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, what: str) -> list:
    """The probe stops at the first error: fewer results than cases end in that error."""
    if not isinstance(results, list) or not results or len(results) > count:
        raise Wrong(f"a sonda não conseguiu chamar {what}.")
    if len(results) < count and "error" not in results[-1]:
        raise Wrong(f"a sonda não conseguiu chamar {what} em todos os casos.")
    return results


def _close(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.shape == expected.shape and np.allclose(got, expected, atol=ATOL, rtol=1e-4)


# ---------------------------------------------------------------------------- exercise 1


def expected_patches(images: np.ndarray, patch: int, order: str = "hwc", grid: str = "rows"):
    """The patches cut one by one: grid row by row (``grid="rows"``) or column by column,
    each patch flattened in the axis order ``order`` (``"hwc"``: row-major, channels last)."""
    single = images.ndim == 3
    batch = images[None] if single else images
    rows, cols = batch.shape[1] // patch, batch.shape[2] // patch
    positions = [(r, c) for r in range(rows) for c in range(cols)]
    if grid == "columns":
        positions = [(r, c) for c in range(cols) for r in range(rows)]
    axes = {"hwc": (0, 1, 2), "chw": (2, 0, 1), "whc": (1, 0, 2)}[order]
    out = np.stack(
        [
            np.stack(
                [
                    np.transpose(
                        image[r * patch : (r + 1) * patch, c * patch : (c + 1) * patch], axes
                    ).reshape(-1)
                    for r, c in positions
                ]
            )
            for image in batch
        ]
    )
    return out[0] if single else out


def _shape_text(images: np.ndarray, patch: int) -> str:
    kind = "a imagem" if images.ndim == 3 else "o lote"
    return f"com {kind} de forma {images.shape} e patch_size={patch}"


def _judge_patches(seed, results, name: str) -> None:
    cases = _inputs(name, seed)
    for (images, patch), result in zip(cases, _calls(results, len(cases), "extract_patches")):
        where = _shape_text(images, patch)
        got = as_array(outcome(result, f"extract_patches ({where})"), "extract_patches")
        expected = expected_patches(images, patch)
        if got.shape != expected.shape:
            rows, cols = images.shape[-3] // patch, images.shape[-2] // patch
            hint = (
                f" A grade tem {rows} × {cols} pedaços de {patch}·{patch}·{images.shape[-1]} "
                "números."
            )
            if images.ndim == 3 and got.shape == (1, *expected.shape):
                hint = (
                    " Para uma imagem só (3 dimensões), devolva 2 dimensões, sem o eixo do lote."
                )
            elif images.ndim == 4 and got.shape == (expected.shape[0] * expected.shape[1],) + (
                expected.shape[2],
            ):
                hint = " Para um lote, mantenha o eixo do lote: (N, pedaços, números)."
            elif (images.shape[-3] % patch or images.shape[-2] % patch) and got.ndim == len(
                expected.shape
            ):
                hint = (
                    " As bordas que não completam um pedaço inteiro devem ser descartadas "
                    "(como padding='valid')."
                )
            raise Wrong(f"{where}, extract_patches devolveu forma {got.shape}.{hint}")
        if _close(got, expected):
            continue
        got_sorted, expected_sorted = np.sort(got, axis=-1), np.sort(expected, axis=-1)
        if _close(got, expected_patches(images, patch, "chw")):
            raise Wrong(
                f"{where}, cada pedaço está achatado com os canais primeiro: a ordem pedida é "
                "linha a linha do pedaço, com os canais de cada pixel juntos (canais por último)."
            )
        if _close(got, expected_patches(images, patch, "whc")):
            raise Wrong(
                f"{where}, cada pedaço está achatado coluna a coluna: percorra as linhas do "
                "pedaço de cima para baixo, cada linha da esquerda para a direita."
            )
        if _close(got, expected_patches(images, patch, grid="columns")):
            raise Wrong(
                f"{where}, os pedaços estão fora de ordem: vão da esquerda para a direita na "
                "primeira linha de pedaços, depois na segunda, e assim por diante."
            )
        if _close(got_sorted, expected_sorted):
            raise Wrong(
                f"{where}, cada linha tem os números do pedaço certo, mas na ordem errada: "
                "linha a linha do pedaço, canais por último."
            )
        raise Wrong(
            f"{where}, os pedaços não são os quadrados de patch_size × patch_size pixels da "
            "imagem (um reshape direto da imagem não separa os pedaços)."
        )


def extract_patches_single(seed, results) -> str:
    _judge_patches(seed, results, "extract_patches_single")
    return "corta uma imagem em pedaços na ordem pedida, em tamanhos novos."


def extract_patches_batch(seed, results) -> str:
    _judge_patches(seed, results, "extract_patches_batch")
    return "corta cada imagem de um lote em pedaços, mantendo o eixo do lote."


def extract_patches_remainder(seed, results) -> str:
    _judge_patches(seed, results, "extract_patches_remainder")
    return "descarta as bordas que não completam um pedaço inteiro."


# ---------------------------------------------------------------------------- exercise 2


def embedding_params(num_patches: int, patch_dim: int, dim: int) -> int:
    """A Dense projection (kernel and bias) and a table of one vector per position."""
    return (patch_dim + 1) * dim + num_patches * dim


def _embedding_layers(seed, results, name: str):
    cases = _inputs(name, seed)
    for case, result in zip(cases, _calls(results, len(cases), "PatchEmbedding")):
        where = f"PatchEmbedding({case['num_patches']}, {case['dim']})"
        got = outcome(result, where)
        if not isinstance(got, dict) or got.get("kind") != "Layer":
            found = got.get("kind") if isinstance(got, dict) else type(got).__name__
            raise Wrong(f"{where} deve criar uma camada Keras (keras.layers.Layer), não {found}.")
        yield case, where, got


def _depends_on_patches(where: str, output: np.ndarray) -> None:
    """With the probe's random weights, different patches must give different outputs."""
    if output.ndim and len(output) > 1 and np.allclose(output, output[:1], atol=ATOL):
        raise Wrong(
            f"{where}: a saída é a mesma para pedaços diferentes (com pesos sorteados); a "
            "camada deve projetar os pedaços que recebe."
        )


def patch_embedding_shape(seed, results) -> str:
    for case, where, got in _embedding_layers(seed, results, "patch_embedding_shape"):
        n, p, d = case["num_patches"], case["patch_dim"], case["dim"]
        what = f"{where} aplicada a pedaços de forma (lote, {n}, {p})"
        if got["symbolic_shape"] != [None, n, d]:
            raise Wrong(
                f"{what} dá saída de forma {tuple(got['symbolic_shape'])}; esperava "
                f"(None, {n}, {d}): um vetor de projection_dim números por pedaço."
            )
        output = as_array(got["output"], "a camada")
        if output.shape != (len(case["x"]), n, d):
            raise Wrong(f"{what} dá saída de forma {output.shape} num lote de {len(case['x'])}.")
        _depends_on_patches(where, output)
    return "devolve um vetor de projection_dim números por pedaço, em tamanhos novos."


def patch_embedding_params(seed, results) -> str:
    for case, where, got in _embedding_layers(seed, results, "patch_embedding_params"):
        n, p, d = case["num_patches"], case["patch_dim"], case["dim"]
        expected = embedding_params(n, p, d)
        if got["params"] == expected:
            _depends_on_patches(where, as_array(got["output"], "a camada"))
            continue
        hint = ""
        if got["params"] == (p + 1) * d:
            hint = " Falta a tabela de posições: um vetor aprendido por posição."
        elif got["params"] == p * d + n * d:
            hint = " A projeção (Dense) deve ter viés."
        elif got["params"] == (p + 1) * d + d:
            hint = " A tabela de posições tem um vetor por posição (num_patches linhas)."
        raise Wrong(
            f"{where}, com pedaços de {p} números, tem {got['params']} parâmetros; deveria "
            f"ter {expected}.{hint}"
        )
    return "tem (P + 1)·D parâmetros na projeção e N·D na tabela de posições."


def _find(weights: list, shape: tuple, what: str, where: str) -> np.ndarray:
    for weight in weights:
        if weight.shape == shape:
            return weight
    if len(shape) == 2:
        for weight in weights:
            if weight.shape == (1, *shape):
                return weight[0]
    raise Wrong(f"{where}: não encontrei {what} de forma {shape} entre os pesos da camada.")


def patch_embedding_values(seed, results) -> str:
    for case, where, got in _embedding_layers(seed, results, "patch_embedding_values"):
        n, p, d = case["num_patches"], case["patch_dim"], case["dim"]
        weights = [as_array(w, "um peso da camada") for w in got["weights"]]
        _find(weights, (p, d), "o núcleo da projeção (Dense)", where)
        _find(weights, (d,), "o viés da projeção", where)
        _find(weights, (n, d), "a tabela de posições", where)
        # the values the probe gave those weights, drawn again here
        kernel, bias, table = (case[k].astype(np.float64) for k in ("kernel", "bias", "table"))
        x = case["x"].astype(np.float64)
        output = as_array(got["output"], "a camada")
        projected = x @ kernel + bias
        if _close(output, projected + table):
            continue
        if _close(output, projected):
            raise Wrong(
                f"{where}: a saída é só a projeção dos pedaços; some a cada pedaço o vetor "
                "da sua posição (posições 0, 1, …, num_patches − 1)."
            )
        if _close(output, projected + table[::-1]):
            raise Wrong(f"{where}: o pedaço i deve receber o vetor da posição i (não o inverso).")
        if _close(output, projected * table):
            raise Wrong(f"{where}: o vetor de posição é SOMADO à projeção, não multiplicado.")
        raise Wrong(
            f"{where}: a saída não é projeção(pedaço) + posição; confira a Dense e a soma "
            "do vetor de cada posição."
        )
    return "soma à projeção de cada pedaço o vetor aprendido da sua posição (com pesos sorteados)."


# ---------------------------------------------------------------------------- exercise 3


def block_params(dim: int, num_heads: int, key_dim: int, mlp_units: int) -> int:
    """Two LayerNormalizations, MultiHeadAttention (Q, K, V and the output projection,
    with biases) and the MLP (Dense mlp_units, Dense dim)."""
    norms = 2 * 2 * dim
    inner = num_heads * key_dim
    attention = 3 * (dim * inner + inner) + inner * dim + dim
    mlp = dim * mlp_units + mlp_units + mlp_units * dim + dim
    return norms + attention + mlp


def _call_text(case: dict) -> str:
    return (
        f"transformer_block(x, {case['num_heads']}, {case['key_dim']}, {case['mlp_units']}) "
        f"com x de forma (None, {case['tokens']}, {case['dim']})"
    )


def _blocks(seed, results, name: str):
    cases = _inputs(name, seed)
    for case, result in zip(cases, _calls(results, len(cases), "transformer_block")):
        where = _call_text(case)
        got = outcome(result, where)
        if not isinstance(got, dict) or got.get("kind") != "Model":
            raise Wrong(f"{where}: a função deve devolver o tensor de saída do bloco.")
        yield case, where, got


def _does_something(case: dict, where: str, got: dict) -> None:
    output = as_array(got["output"], "o bloco")
    if not any(e["class"] == "MultiHeadAttention" for e in got["graph"]):
        raise Wrong(f"{where}: o bloco deve usar keras.layers.MultiHeadAttention.")
    if output.shape == case["x"].shape and _close(output, case["x"]):
        raise Wrong(f"{where}: a saída é igual à entrada, com pesos aleatórios.")


def transformer_block_shape(seed, results) -> str:
    for case, where, got in _blocks(seed, results, "transformer_block_shape"):
        expected = [None, case["tokens"], case["dim"]]
        if got["output_shape"] != expected:
            raise Wrong(
                f"{where}: a saída tem forma {tuple(got['output_shape'])}; deve ter a forma da "
                f"entrada, {tuple(expected)} (a última Dense do MLP volta a {case['dim']} "
                "números)."
            )
        _does_something(case, where, got)
    return "devolve um tensor da forma da entrada, em tamanhos novos."


def transformer_block_params(seed, results) -> str:
    for case, where, got in _blocks(seed, results, "transformer_block_params"):
        d, h, k, m = case["dim"], case["num_heads"], case["key_dim"], case["mlp_units"]
        expected = block_params(d, h, k, m)
        if got["params"] == expected:
            continue
        hint = ""
        if got["params"] == expected - 4 * d:
            hint = " Faltam as duas LayerNormalization."
        elif got["params"] == expected - 2 * d:
            hint = " São duas LayerNormalization, uma antes de cada ramo."
        elif got["params"] - expected == 4 * d * (d - h * k) + 3 * (d - h * k):
            hint = f" Use key_dim={k} na MultiHeadAttention, como pedido."
        raise Wrong(
            f"{where}: o bloco tem {got['params']} parâmetros; deveria ter {expected}.{hint}"
        )
    return "tem o número de parâmetros da fórmula (LayerNorms, atenção e MLP)."


PASS_THROUGH = frozenset({"Dropout", "Identity"})
"""Operations a branch may pass through between its parts (identities at inference)."""

STOP = frozenset({"Add", "MultiHeadAttention", "InputLayer"})
"""Operations that end the walk back along a branch of the block."""


def _source(by_name: dict, name: str) -> dict:
    """The operation behind ``name``, skipping pass-through layers (Dropout …)."""
    entry = by_name[name]
    for _ in range(len(by_name)):  # a graph has no cycles; a forged one must not hang us
        if entry["class"] not in PASS_THROUGH or len(set(entry["inbound"])) != 1:
            break
        entry = by_name[entry["inbound"][0]]
    return entry


def _branch(by_name: dict, name: str) -> tuple[list, dict | None]:
    """Walk back from ``name`` through operations of one input: the classes met and the
    LayerNormalization that starts the branch (``None`` when none does)."""
    classes, entry = [], by_name[name]
    for _ in range(len(by_name)):
        if entry["class"] in STOP or len(set(entry["inbound"])) != 1:
            break
        if entry["class"] == "LayerNormalization":
            return classes, entry
        classes.append(entry["class"])
        entry = by_name[entry["inbound"][0]]
    return classes, None


def _pre_norm_residuals(where: str, graph: list) -> None:
    """The graph has x + MHA(LN(x)) and then (that sum) + MLP(LN(·)), through Dropouts."""
    by_name = {e["name"]: e for e in graph}
    attention = next(e for e in graph if e["class"] == "MultiHeadAttention")
    fed = [_source(by_name, name) for name in attention["inbound"]]
    if not fed or any(e["class"] != "LayerNormalization" for e in fed):
        raise Wrong(
            f"{where}: com os pesos zerados a saída é x, mas a atenção não recebe a entrada "
            "normalizada: ponha uma LayerNormalization ANTES da MultiHeadAttention (pré-norma), "
            "x + MHA(LN(x))."
        )
    sums = [e for e in graph if e["class"] == "Add" and len(e["inbound"]) == 2]
    first = [e for e in sums if any(_source(by_name, n) is attention for n in e["inbound"])]
    if not first:
        raise Wrong(
            f"{where}: a saída da atenção deve ser somada à entrada do bloco (a primeira "
            "conexão residual, x + MHA(LN(x)), com keras.layers.Add ou +)."
        )
    for add in sums:
        for skip, branch in (add["inbound"], add["inbound"][::-1]):
            classes, norm = _branch(by_name, branch)
            before = _source(by_name, skip)
            if norm is not None and "Dense" in classes and any(before is e for e in first):
                return
    raise Wrong(
        f"{where}: o MLP deve ser um ramo residual com pré-norma: some à saída da primeira "
        "soma o MLP aplicado a LN(dessa soma), x + MLP(LN(x)), com a LayerNormalization antes "
        "da primeira Dense."
    )


def transformer_block_identity(seed, results) -> str:
    for case, where, got in _blocks(seed, results, "transformer_block_identity"):
        _does_something(case, where, got)
        zero = as_array(got["zero_output"], "o bloco")
        x = case["x"]
        if _close(zero, x):
            _pre_norm_residuals(where, got["graph"])
            continue
        if zero.shape == x.shape and _close(zero, np.zeros_like(x)):
            raise Wrong(
                f"{where}: com todos os pesos zerados a saída é zero, não x. Some a entrada de "
                "cada ramo à sua saída (as duas conexões residuais) e normalize ANTES de cada "
                "ramo (pré-norma), não depois da soma."
            )
        raise Wrong(
            f"{where}: com todos os pesos zerados o bloco deveria devolver a própria entrada "
            "x: x + atenção(LN(x)), depois + MLP(LN(·)), com as duas somas residuais."
        )
    return "com os pesos zerados vira a identidade: duas somas residuais e pré-norma."


def _gelu_after(graph: list, dense: dict) -> bool:
    """The Dense ``dense`` has the GELU: its own activation, or the one operation that uses
    its output is an Activation("gelu") layer or keras.activations.gelu / keras.ops.gelu."""
    if dense.get("activation") == "gelu":
        return True
    if dense.get("activation") not in (None, "linear"):
        return False
    users = [e for e in graph if dense["name"] in e["inbound"]]
    return len(users) == 1 and (
        users[0]["class"] == "Gelu"
        or (users[0]["class"] == "Activation" and users[0].get("activation") == "gelu")
    )


def transformer_block_structure(seed, results) -> str:
    for case, where, got in _blocks(seed, results, "transformer_block_structure"):
        graph = got["graph"]
        count = {
            kind: sum(e["class"] == kind for e in graph)
            for kind in ("LayerNormalization", "MultiHeadAttention", "Dense", "Add")
        }
        if count["MultiHeadAttention"] != 1:
            raise Wrong(
                f"{where}: use uma MultiHeadAttention; achei {count['MultiHeadAttention']}."
            )
        attention = next(e for e in graph if e["class"] == "MultiHeadAttention")
        config = attention["config"]
        if (
            config.get("num_heads") != case["num_heads"]
            or config.get("key_dim") != case["key_dim"]
        ):
            raise Wrong(
                f"{where}: a MultiHeadAttention deve ter num_heads={case['num_heads']} e "
                f"key_dim={case['key_dim']}."
            )
        if count["LayerNormalization"] != 2:
            raise Wrong(
                f"{where}: o bloco tem duas LayerNormalization, uma antes da atenção e outra "
                f"antes do MLP; achei {count['LayerNormalization']}."
            )
        dense = [e for e in graph if e["class"] == "Dense"]
        hidden = [
            e
            for e in dense
            if e["config"].get("units") == case["mlp_units"] and _gelu_after(graph, e)
        ]
        back = [e for e in dense if e["config"].get("units") == case["dim"]]
        if len(dense) != 2 or not hidden or not back:
            raise Wrong(
                f"{where}: o MLP tem duas Dense: {case['mlp_units']} unidades com GELU, depois "
                f"{case['dim']} unidades (a dimensão dos tokens)."
            )
        if count["Add"] != 2:
            raise Wrong(
                f"{where}: o bloco tem duas somas residuais (keras.layers.Add ou +); achei "
                f"{count['Add']}."
            )
    return "tem LayerNorm, MultiHeadAttention, o MLP com GELU e duas somas residuais."


# ---------------------------------------------------------------------------- exercise 5

RIGHT_LETTER = "a"
REASON = (
    "a convolução traz na arquitetura o que vale para imagens — vizinhos importam mais que "
    "pixels distantes e o mesmo filtro serve em toda a imagem —, e a atenção não: o ViT tem "
    "de aprender isso dos exemplos. Com poucos dados ele perde para a CNN; com centenas de "
    "milhões de imagens, passa à frente. O ViT pequeno da lição tem menos parâmetros que a "
    "ResNet-20, o que descarta (b); ViTs funcionam em 32×32 com pedaços pequenos, o que "
    "descarta (c); e o aumento de dados ajuda o ViT tanto quanto a CNN, o que descarta (d)."
)


resposta_dados = multiple_choice("resposta_dados", RIGHT_LETTER, REASON)


TESTS = {
    "test_extract_patches_single": ("extract_patches_single", extract_patches_single),
    "test_extract_patches_batch": ("extract_patches_batch", extract_patches_batch),
    "test_extract_patches_remainder": ("extract_patches_remainder", extract_patches_remainder),
    "test_patch_embedding_shape": ("patch_embedding_shape", patch_embedding_shape),
    "test_patch_embedding_params": ("patch_embedding_params", patch_embedding_params),
    "test_patch_embedding_values": ("patch_embedding_values", patch_embedding_values),
    "test_transformer_block_shape": ("transformer_block_shape", transformer_block_shape),
    "test_transformer_block_params": ("transformer_block_params", transformer_block_params),
    "test_transformer_block_identity": ("transformer_block_identity", transformer_block_identity),
    "test_transformer_block_structure": (
        "transformer_block_structure",
        transformer_block_structure,
    ),
    "test_resposta_dados": ("resposta_dados", resposta_dados),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
