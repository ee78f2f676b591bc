"""Self-checks of lesson 10 (Vision Transformer).

Cutting images into patches, the patch embedding layer with learned positions and the
transformer encoder block. Every check runs the student's answer on fresh random inputs
and tests properties: each patch is a square of the image, read row by row with the
channels last; the embedding equals the projection plus the position vector, recomputed
from random values given to the layer's weights; the block keeps the shape, has the
parameters of the formula and, with every weight zero, gives back its input through two
residual sums with a LayerNorm before each branch.
"""

from __future__ import annotations

import numpy as np

from ..probes import lesson10 as _probe
from ._core import CheckFailed, call, expect, expect_array, multiple_choice, passed, rng

__all__ = [
    "CheckFailed",
    "extract_patches",
    "multiple_choice",
    "patch_embedding",
    "transformer_block",
]

PATCH_PARTS = ("single", "batch", "remainder")
"""The properties of ``extract_patches`` checked one by one (lesson 10)."""

EMBEDDING_PARTS = ("shape", "params", "values")
"""The properties of ``PatchEmbedding`` checked one by one (lesson 10)."""

BLOCK_PARTS = ("shape", "params", "identity", "structure")
"""The properties of ``transformer_block`` checked one by one (lesson 10)."""


# ---------------------------------------------------------------------------- exercise 1


def extract_patches(fn, part: str) -> None:
    """Check ``extract_patches(images, patch_size)`` (lesson 10) on fresh images:
    ``"single"`` (one image), ``"batch"`` (a batch) or ``"remainder"`` (sides that are not
    multiples of the patch size)."""
    if part not in PATCH_PARTS:
        raise ValueError(f"part deve ser um de {PATCH_PARTS}")
    generator = rng()
    cases = {
        "single": [_probe._patch_case(generator, False, False, small=True)]
        + [_probe._patch_case(generator, False, False) for _ in range(2)],
        "batch": [_probe._patch_case(generator, True, False) for _ in range(2)],
        "remainder": [
            _probe._patch_case(generator, False, True),
            _probe._patch_case(generator, True, True),
        ],
    }[part]
    for images, patch in cases:
        kind = "a imagem" if images.ndim == 3 else "o lote"
        where = f"Com {kind} de forma {images.shape} e patch_size={patch}"
        got = call(fn, "extract_patches", images.copy(), patch)
        if not isinstance(got, np.ndarray):
            got = np.asarray(got) if hasattr(got, "shape") else got
        got = expect_array(got, "extract_patches")
        rows, cols = images.shape[-3] // patch, images.shape[-2] // patch
        channels = images.shape[-1]
        shape = (rows * cols, patch * patch * channels)
        if images.ndim == 4:
            shape = (len(images), *shape)
        expect(
            got.shape == shape,
            f"{where}, extract_patches devolveu forma {got.shape}; esperava {shape} "
            f"({rows} × {cols} pedaços de {patch}·{patch}·{channels} números; as bordas que "
            "não completam um pedaço são descartadas).",
        )
        batch = images if images.ndim == 4 else images[None]
        flat = got if images.ndim == 4 else got[None]
        for n in range(len(batch)):
            for r in range(rows):
                for c in range(cols):
                    square = batch[n, r * patch : (r + 1) * patch, c * patch : (c + 1) * patch]
                    row = flat[n, r * cols + c]
                    if np.allclose(row, square.reshape(-1), atol=1e-6):
                        continue
                    hint = (
                        "cada pedaço é lido linha a linha, com os canais de cada pixel juntos "
                        "(canais por último)"
                        if np.allclose(np.sort(row), np.sort(square.reshape(-1)), atol=1e-6)
                        else "os pedaços vão da esquerda para a direita, uma linha de pedaços "
                        "depois da outra"
                    )
                    raise CheckFailed(
                        f"❌ {where}, o pedaço da linha {r} e coluna {c} da grade (posição "
                        f"{r * cols + c}) não está certo: {hint}."
                    )
    messages = {
        "single": "corta uma imagem em pedaços, na ordem pedida.",
        "batch": "corta cada imagem de um lote, mantendo o eixo do lote.",
        "remainder": "descarta as bordas que não completam um pedaço.",
    }
    passed("extract_patches " + messages[part])


# ---------------------------------------------------------------------------- exercise 2


def patch_embedding(cls, part: str) -> None:
    """Check the layer ``PatchEmbedding(num_patches, projection_dim)`` (lesson 10) on fresh
    sizes: ``"shape"``, ``"params"`` or ``"values"``."""
    if part not in EMBEDDING_PARTS:
        raise ValueError(f"part deve ser um de {EMBEDDING_PARTS}")
    generator = rng()
    for case in (_probe._embedding_case(generator) for _ in range(2)):
        n, p, d = case["num_patches"], case["patch_dim"], case["dim"]
        where = f"PatchEmbedding({n}, {d}), com pedaços de {p} números"
        got = call(_probe._embedding_result, "PatchEmbedding", cls, case)
        expect(
            got.get("kind") == "Layer",
            f"PatchEmbedding({n}, {d}) deve criar uma camada Keras, não {got.get('kind')}.",
        )
        if part in ("shape", "params"):
            expect(
                not np.allclose(got["output"], got["output"][:1], atol=1e-4),
                f"{where}: a saída é a mesma para pedaços diferentes (com pesos sorteados); a "
                "camada deve projetar os pedaços que recebe.",
            )
        if part == "shape":
            expect(
                got["symbolic_shape"] == [None, n, d]
                and got["output"].shape == (len(case["x"]), n, d),
                f"{where}: a saída tem forma {tuple(got['symbolic_shape'])}; esperava "
                f"(None, {n}, {d}).",
            )
        elif part == "params":
            expected = (p + 1) * d + n * d
            expect(
                got["params"] == expected,
                f"{where}: a camada tem {got['params']} parâmetros; deveria ter {expected} "
                "(Dense com viés: (P + 1)·D; tabela de posições: N·D).",
            )
        else:
            shapes = {w.shape: w for w in got["weights"]}
            for w in got["weights"]:
                if w.ndim == 3 and w.shape[0] == 1:
                    shapes.setdefault(w.shape[1:], w[0])
            expect(
                all(s in shapes for s in ((p, d), (d,), (n, d))),
                f"{where}: esperava entre os pesos o núcleo {(p, d)}, o viés {(d,)} e a tabela "
                f"de posições {(n, d)}.",
            )
            expected = case["x"] @ shapes[(p, d)] + shapes[(d,)] + shapes[(n, d)]
            expect(
                np.allclose(got["output"], expected, atol=1e-4, rtol=1e-4),
                f"{where}: a saída deve ser pedaços · W + b + E[posição] (a posição i soma a "
                "linha i da tabela).",
            )
    messages = {
        "shape": "devolve um vetor de projection_dim números por pedaço.",
        "params": "tem (P + 1)·D + N·D parâmetros.",
        "values": "soma à projeção de cada pedaço o vetor da sua posição.",
    }
    passed("PatchEmbedding " + messages[part])


# ---------------------------------------------------------------------------- exercise 3


def _source(by_name: dict, name: str) -> dict:
    """The operation behind ``name`` in a probe's graph, skipping Dropout layers."""
    entry = by_name[name]
    for _ in range(len(by_name)):
        if entry["class"] not in ("Dropout", "Identity") or len(set(entry["inbound"])) != 1:
            break
        entry = by_name[entry["inbound"][0]]
    return entry


def _normalized_branch(by_name: dict, name: str) -> bool:
    """Walking back from ``name`` through one-input operations, a Dense, then a LayerNorm."""
    entry, dense = by_name[name], False
    for _ in range(len(by_name)):
        if entry["class"] in ("Add", "MultiHeadAttention", "InputLayer"):
            return False
        if len(set(entry["inbound"])) != 1:
            return False
        if entry["class"] == "LayerNormalization":
            return dense
        dense = dense or entry["class"] == "Dense"
        entry = by_name[entry["inbound"][0]]
    return False


def _pre_norm_residuals(graph: list) -> bool:
    """x + MHA(LN(x)), then that sum + MLP(LN(·)) (see the probe's ``graph``)."""
    by_name = {e["name"]: e for e in graph}
    attention = next(e for e in graph if e["class"] == "MultiHeadAttention")
    if not all(_source(by_name, n)["class"] == "LayerNormalization" for n in attention["inbound"]):
        return False
    sums = [e for e in graph if e["class"] == "Add" and len(e["inbound"]) == 2]
    first = [e for e in sums if any(_source(by_name, n) is attention for n in e["inbound"])]
    return any(
        _normalized_branch(by_name, branch) and any(_source(by_name, skip) is e for e in first)
        for add in sums
        for skip, branch in (add["inbound"], add["inbound"][::-1])
    )


def _gelu_after(graph: list, dense: dict) -> bool:
    """GELU as the Dense's activation or in the one operation that uses its output."""
    if dense.get("activation") == "gelu":
        return True
    users = [e for e in graph if dense["name"] in e["inbound"]]
    return dense.get("activation") in (None, "linear") and (
        len(users) == 1
        and (
            users[0]["class"] == "Gelu"
            or (users[0]["class"] == "Activation" and users[0].get("activation") == "gelu")
        )
    )


def transformer_block(fn, part: str) -> None:
    """Check ``transformer_block(x, num_heads, key_dim, mlp_units)`` (lesson 10) on fresh
    shapes: ``"shape"``, ``"params"``, ``"identity"`` or ``"structure"``."""
    if part not in BLOCK_PARTS:
        raise ValueError(f"part deve ser um de {BLOCK_PARTS}")
    generator = rng()
    for case in (_probe._block_case(generator) for _ in range(2)):
        d, h, k, m = case["dim"], case["num_heads"], case["key_dim"], case["mlp_units"]
        where = f"transformer_block(x, {h}, {k}, {m}) com x de forma (None, {case['tokens']}, {d})"
        got = call(_probe._block_result, "transformer_block", fn, case)
        graph = got["graph"]
        kinds = [e["class"] for e in graph]
        expect(
            "MultiHeadAttention" in kinds,
            f"{where}: o bloco deve usar keras.layers.MultiHeadAttention.",
        )
        expect(
            not np.allclose(got["output"], case["x"], atol=1e-4),
            f"{where}: a saída é igual à entrada, com pesos aleatórios.",
        )
        if part == "shape":
            expect(
                got["output_shape"] == [None, case["tokens"], d],
                f"{where}: a saída tem forma {tuple(got['output_shape'])}; deve ter a forma da "
                "entrada.",
            )
        elif part == "params":
            expected = 4 * d + 4 * d * h * k + 3 * h * k + d + 2 * d * m + m + d
            expect(
                got["params"] == expected,
                f"{where}: o bloco tem {got['params']} parâmetros; deveria ter {expected} "
                "(duas LayerNorm, a atenção e o MLP).",
            )
        elif part == "identity":
            expect(
                np.allclose(got["zero_output"], case["x"], atol=1e-4),
                f"{where}: com todos os pesos zerados o bloco deveria devolver a própria "
                "entrada: some x à saída de cada ramo, com a LayerNorm ANTES de cada ramo.",
            )
            expect(
                _pre_norm_residuals(graph),
                f"{where}: o bloco deve ter as duas somas residuais com a LayerNorm antes de "
                "cada ramo: x + MHA(LN(x)), depois (essa soma) + MLP(LN(essa soma)).",
            )
        else:
            dense = [e for e in graph if e["class"] == "Dense"]
            expect(
                kinds.count("LayerNormalization") == 2 and kinds.count("Add") == 2,
                f"{where}: esperava duas LayerNormalization e duas somas residuais; achei "
                f"{kinds.count('LayerNormalization')} e {kinds.count('Add')}.",
            )
            attention = next(e for e in graph if e["class"] == "MultiHeadAttention")
            expect(
                attention["config"].get("num_heads") == h
                and attention["config"].get("key_dim") == k,
                f"{where}: use MultiHeadAttention(num_heads={h}, key_dim={k}).",
            )
            expect(
                len(dense) == 2
                and any(e["config"].get("units") == m and _gelu_after(graph, e) for e in dense)
                and any(e["config"].get("units") == d for e in dense),
                f"{where}: o MLP tem duas Dense: {m} unidades com GELU e {d} unidades.",
            )
    messages = {
        "shape": "devolve um tensor da forma da entrada.",
        "params": "tem o número de parâmetros da fórmula.",
        "identity": "vira a identidade com todos os pesos zerados.",
        "structure": "tem LayerNorm, atenção, MLP com GELU e duas somas residuais.",
    }
    passed("transformer_block " + messages[part])
