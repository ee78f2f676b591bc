"""Self-checks of lesson 07 (ResNet).

The residual block (identity and projection shortcuts, parameter count, the sum), the
learning-rate schedule of program 10, the selection of classes for dogs vs cats and the
ResNet of Ponti's exercise 10. Every check runs the student's answer on fresh random
inputs; the block is run after :func:`autograder.probes.lesson07.set_probe_weights` has
given it weights whose effect can be followed by hand.
"""

from __future__ import annotations

import numpy as np

from ..probes import lesson07 as _probe
from ._core import CheckFailed, call, expect, multiple_choice, passed, rng

__all__ = [
    "CheckFailed",
    "build_ponti_resnet",
    "lr_schedule",
    "multiple_choice",
    "residual_block",
    "select_classes",
]

BLOCK_PARTS = ("identity", "projection", "params", "add")
"""The properties of ``residual_block`` checked one by one (lesson 07)."""


# ---------------------------------------------------------------------------- exercise 1


def _block(fn, case: dict) -> dict:
    strides = "" if case["strides"] == 1 else ", strides=2"
    where = (
        f"Com x de forma {(None, *case['shape'])} e residual_block(x, {case['filters']}{strides})"
    )
    got = call(_probe._block_result, "residual_block", fn, case)
    got["where"] = where
    return got


def _relu(values):
    return np.maximum(values, 0.0)


def _output_matches(got: dict, case: dict, shortcut: np.ndarray) -> None:
    out, beta, where = got["output"], case["beta"], got["where"]

    def close(expected):
        return out.shape == expected.shape and np.allclose(out, expected, atol=1e-4, rtol=1e-4)

    if close(_relu(shortcut + beta)):
        return
    if close(np.broadcast_to(_relu(beta), shortcut.shape)):
        raise CheckFailed(
            f"❌ {where}, a saída não depende do atalho: some x (ou a sua projeção) à saída "
            "da segunda resnet_layer com keras.layers.Add."
        )
    if close(shortcut + beta):
        raise CheckFailed(
            f"❌ {where}, a saída tem valores negativos: falta a ReLU depois da soma."
        )
    if close(_relu(shortcut + _relu(beta))):
        raise CheckFailed(
            f"❌ {where}, a segunda resnet_layer não pode ter ativação (activation=None): a "
            "ReLU vem só depois da soma."
        )
    raise CheckFailed(
        f"❌ {where}, o bloco não calcula ReLU(atalho(x) + F(x)), com F = duas resnet_layer "
        "(a segunda sem ativação) e o atalho sem BatchNormalization nem ativação."
    )


def _shape_is(got: dict, case: dict) -> None:
    height, width, _ = case["shape"]
    if case["strides"] != 1:
        height, width = (height + 1) // 2, (width + 1) // 2
    expected = (None, height, width, case["filters"])
    expect(
        tuple(got["output_shape"]) == expected,
        f"{got['where']}, a saída tem forma {tuple(got['output_shape'])}; esperava {expected}.",
    )


def _convs_1x1(got: dict) -> list:
    return [
        e
        for e in got["graph"]
        if e["class"] == "Conv2D" and tuple(e["config"].get("kernel_size") or ()) == (1, 1)
    ]


def residual_block(fn, part: str) -> None:
    """Check one property of ``residual_block(x, num_filters, strides=1)`` (lesson 07):
    ``"identity"``, ``"projection"``, ``"params"`` or ``"add"``."""
    if part not in BLOCK_PARTS:
        raise ValueError(f"part deve ser um de {BLOCK_PARTS}")
    generator = rng()
    projection = part == "projection"
    cases = [_probe._block_case(generator, projection) for _ in range(2)]
    if part in ("params", "add"):
        cases = [_probe._block_case(generator, False), _probe._block_case(generator, True)]
    for case in cases:
        got = _block(fn, case)
        channels, filters = case["shape"][2], case["filters"]
        if part == "identity":
            _shape_is(got, case)
            expect(
                not _convs_1x1(got),
                f"{got['where']}, a entrada já tem {filters} canais e o passo é 1: o atalho é "
                "a própria entrada x, sem convolução 1×1.",
            )
            _output_matches(got, case, case["x"])
        elif part == "projection":
            _shape_is(got, case)
            expect(
                any(
                    tuple(e["config"].get("strides") or ()) == (2, 2)
                    and e["config"].get("filters") == filters
                    for e in _convs_1x1(got)
                ),
                f"{got['where']}, as formas de x e de F(x) diferem: o atalho deve ser uma "
                "convolução 1×1 com passo 2 e num_filters filtros.",
            )
            inputs = {e["name"] for e in got["graph"] if e["class"] == "InputLayer"}
            first = [
                e
                for e in got["graph"]
                if e["class"] == "Conv2D"
                and tuple(e["config"].get("kernel_size") or ()) == (3, 3)
                and set(e["inbound"]) & inputs
            ]
            expect(
                not first or tuple(first[0]["config"].get("strides") or ()) == (2, 2),
                f"{got['where']}, o passo 2 vai na PRIMEIRA resnet_layer do caminho F (a que "
                "recebe x); a segunda usa passo 1.",
            )
            _output_matches(got, case, case["x"][:, ::2, ::2, :] @ case["kernel"])
        elif part == "params":
            expected = 9 * channels * filters + 9 * filters * filters + 2 * filters + 8 * filters
            if case["strides"] != 1:
                expected += channels * filters + filters
            expect(
                got["params"] == expected,
                f"{got['where']}, o bloco tem {got['params']} parâmetros; deveria ter "
                f"{expected} (duas convoluções 3×3 com viés, duas BatchNormalization de 4 "
                "vetores e, com passo 2, a projeção 1×1 com viés).",
            )
        else:
            graph = got["graph"]
            adds = [e for e in graph if e["class"] == "Add"]
            expect(
                not any(e["class"] == "Concatenate" for e in graph),
                f"{got['where']}, o bloco concatena: a ResNet SOMA o atalho a F(x).",
            )
            expect(
                len(adds) == 1 and len(adds[0]["inbound"]) == 2,
                f"{got['where']}, esperava uma soma (keras.layers.Add) de dois tensores; "
                f"encontrei {len(adds)} soma(s).",
            )
            last = graph[-1]
            relu = (
                last["class"] == "Activation" and last["config"].get("activation") == "relu"
            ) or last["class"] in ("ReLU", "Relu")
            expect(
                relu and last["inbound"] == [adds[0]["name"]],
                f"{got['where']}, a saída do bloco deve ser a ReLU aplicada à soma.",
            )
    messages = {
        "identity": "no caso identidade, o bloco devolve ReLU(x + F(x)).",
        "projection": "quando a forma muda, o atalho é a projeção 1×1 com passo 2.",
        "params": "o bloco tem o número de parâmetros certo, com e sem projeção.",
        "add": "o bloco soma (Add) o atalho e F(x) e aplica a ReLU à soma.",
    }
    passed("residual_block: " + messages[part])


# ---------------------------------------------------------------------------- exercise 2


def lr_schedule(fn, part: str) -> None:
    """Check ``lr_schedule(epoch)`` (lesson 07) on the epochs of program 10 (``part`` =
    ``"epochs"``: 0 to 199) or on fresh epochs after them (``"beyond"``)."""
    if part == "epochs":
        epochs = list(range(200))
    elif part == "beyond":
        epochs = [int(e) for e in rng().integers(200, 5000, size=10)]
    else:
        raise ValueError('part deve ser "epochs" ou "beyond"')
    bad = []
    for epoch in epochs:
        got = call(fn, "lr_schedule", epoch)
        expect(
            isinstance(got, (int, float, np.floating, np.integer)) and not isinstance(got, bool),
            f"lr_schedule({epoch}) deve devolver um número (float), não {type(got).__name__}.",
        )
        factor = 1.0
        for start, multiplier in ((80, 1e-1), (120, 1e-2), (160, 1e-3), (180, 0.5e-3)):
            if epoch > start:
                factor = multiplier
        if not np.isclose(float(got), 1e-3 * factor, rtol=1e-9, atol=0.0):
            bad.append(epoch)
    if bad:
        hint = ""
        if set(bad) <= {80, 120, 160, 180}:
            hint = " Só as fronteiras estão erradas: a apostila usa epoch > 80, não >=."
        raise CheckFailed(
            f"❌ lr_schedule errou em {len(bad)} época(s); a primeira é a época {bad[0]}.{hint}"
        )
    where = "em todas as épocas de 0 a 199" if part == "epochs" else "depois da época 200"
    passed(f"lr_schedule devolve a taxa de aprendizado do programa 10 {where}.")


# ---------------------------------------------------------------------------- exercise 3


def select_classes(fn, part: str) -> None:
    """Check ``select_classes(images, labels, classes)`` (lesson 07): the images kept
    (``part="images"``) or the new labels (``part="labels"``)."""
    if part not in ("images", "labels"):
        raise ValueError('part deve ser "images" ou "labels"')
    for images, labels, classes in _probe._selection_cases(rng()):
        result = call(fn, "select_classes", images.copy(), labels.copy(), list(classes))
        expect(
            isinstance(result, (tuple, list)) and len(result) == 2,
            "`select_classes` deve devolver a tupla (imagens, rotulos).",
        )
        got_x, got_y = np.asarray(result[0]), np.asarray(result[1])
        flat = np.ravel(labels)
        keep = np.isin(flat, classes)
        where = f"Com classes={classes} e rótulos de forma {labels.shape}"
        if part == "images":
            expect(
                len(got_x) == keep.sum() and np.array_equal(got_x, images[keep]),
                f"{where}, as imagens devolvidas não são as {int(keep.sum())} imagens dessas "
                "classes, na ordem original.",
            )
            continue
        expect(
            got_y.shape == (int(keep.sum()),),
            f"{where}, devolva os rótulos com forma ({int(keep.sum())},); veio {got_y.shape}.",
        )
        position = {c: i for i, c in enumerate(classes)}
        expect(
            np.array_equal(got_y, [position[int(c)] for c in flat[keep]]),
            f"{where}, o rótulo novo de cada imagem deve ser a posição da sua classe na lista "
            "`classes` (na ordem dada: com [5, 3], cachorro → 0 e gato → 1).",
        )
        expect(
            np.issubdtype(got_y.dtype, np.integer), f"Use rótulos inteiros (veio {got_y.dtype})."
        )
    what = "só as imagens das classes pedidas, na ordem" if part == "images" else "rótulos novos"
    passed(f"select_classes devolve {what}.")


# ---------------------------------------------------------------------------- exercise 6


def build_ponti_resnet(fn, part: str) -> None:
    """Check ``build_ponti_resnet(input_shape, num_classes)`` (lesson 07): the parameter
    count (``"params"``), the structure (``"structure"``) or the compile settings
    (``"compile"``)."""
    if part not in ("params", "structure", "compile"):
        raise ValueError('part deve ser "params", "structure" ou "compile"')
    for shape, classes, x in _probe._ponti_cases(rng()):
        where = f"build_ponti_resnet({shape}, {classes})"
        got = call(_probe._ponti_result, "build_ponti_resnet", fn, shape, classes, x)
        expect(
            got.get("kind") == "Model",
            f"{where} deve devolver um modelo Keras, não {got['kind']}.",
        )
        graph = got["graph"]
        if part == "params":
            channels = shape[2]
            conv = 9 * 64 * 64 + 64
            expected = 9 * channels * 64 + 64 + 5 * conv + 64 * classes + classes
            expected += channels * 64 + 64 if channels != 64 else 0
            expect(
                got["params"] == expected,
                f"{where} tem {got['params']} parâmetros; deveria ter {expected} (com entrada "
                "(28, 28, 1) e 10 classes, Ponti imprime 186 058).",
            )
        elif part == "structure":
            count = {k: sum(e["class"] == k for e in graph) for k in ("Add", "MaxPooling2D")}
            expect(
                count["Add"] == 3 and count["MaxPooling2D"] == 3,
                f"{where}: esperava 3 blocos residuais (3 somas), cada um seguido de "
                f"MaxPooling2D; achei {count['Add']} somas e {count['MaxPooling2D']} poolings.",
            )
            expect(
                not any(e["class"] == "BatchNormalization" for e in graph),
                f"{where}: o exercício de Ponti não usa BatchNormalization.",
            )
            last = graph[-1]
            expect(
                any(e["class"] == "GlobalAveragePooling2D" for e in graph)
                and last["class"] == "Dense"
                and last["config"].get("units") == classes
                and last.get("activation") == "softmax",
                f"{where}: termine com GlobalAveragePooling2D e uma Dense de {classes} unidades "
                "com softmax.",
            )
        else:
            expect(got.get("compiled"), f"{where}: compile o modelo antes de devolvê-lo.")
            expect(got.get("optimizer") == "SGD", f"{where}: use o otimizador SGD.")
            expect(
                np.isclose(got.get("learning_rate") or 0, 0.05)
                and np.isclose(got["optimizer_config"].get("momentum") or 0, 0.8),
                f"{where}: use SGD(learning_rate=0.05, momentum=0.8).",
            )
            expect(
                "sparsecategoricalcrossentropy" in str(got.get("loss")).lower().replace("_", ""),
                f"{where}: use a perda sparse_categorical_crossentropy.",
            )
            expect("acc" in str(got.get("metrics")), f"{where}: inclua metrics=['accuracy'].")
    messages = {
        "params": "tem os parâmetros da ResNet de Ponti.",
        "structure": "tem 3 blocos residuais com pooling e termina com GAP e softmax.",
        "compile": "compila com SGD (0,05; momentum 0,8).",
    }
    passed("build_ponti_resnet " + messages[part])
