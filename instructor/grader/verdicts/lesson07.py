"""Verdicts of lesson 07 (ResNet); inputs come from :mod:`autograder.probes.lesson07`.

The residual block is judged on its graph and on its output after the probe set its
weights (see :func:`autograder.probes.lesson07.set_probe_weights`): every weight zero but
the BatchNormalization offsets β and the 1×1 kernels K, so that the block
ReLU(atalho(x) + F(x)) must give ReLU(x + β) (identity) or ReLU(x[:, ::2, ::2] · K + β)
(projection). The right letter of the multiple-choice question lives only here.
"""

from __future__ import annotations

import numpy as np

from autograder import probes
from autograder.probes import lesson07 as probe

from . import Wrong, as_array, multiple_choice, outcome

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who writes the boundaries of the
# schedule with >= (the apostila's code has >): epochs 80, 120, 160 and 180 come out wrong,
# so only the test on epochs 0-199 is lost; the test beyond epoch 200 still passes.
DEMO_WRONG_ANSWER = {
    "lr_schedule": (
        "def lr_schedule(epoch):\n"
        "    lr = 1e-3\n"
        "    if epoch >= 180:\n"
        "        lr *= 0.5e-3\n"
        "    elif epoch >= 160:\n"
        "        lr *= 1e-3\n"
        "    elif epoch >= 120:\n"
        "        lr *= 1e-2\n"
        "    elif epoch >= 80:\n"
        "        lr *= 1e-1\n"
        "    return lr\n"
    ),
}

# A student who leaves the ReLU on the second resnet_layer, before the sum: the block keeps
# its parameters and its Add, but computes ReLU(x + ReLU(F(x))). Loses the identity and the
# projection tests (2 points), keeps the parameter count and the Add.
DEMO_EXTRA_STUDENTS = [
    (
        "Igor Ativou",
        "ReLU antes da soma no bloco residual",
        "perde os testes de identidade e de projeção do bloco",
        {
            "residual_block": (
                "def residual_block(x, num_filters, strides=1):\n"
                "    y = resnet_layer(x, num_filters, strides=strides)\n"
                "    y = resnet_layer(y, num_filters)\n"
                "    if strides != 1 or x.shape[-1] != num_filters:\n"
                "        x = resnet_layer(x, num_filters, kernel_size=1, strides=strides,\n"
                "                         activation=None, batch_normalization=False)\n"
                "    x = keras.layers.Add()([x, y])\n"
                "    return keras.layers.Activation('relu')(x)\n"
            ),
        },
    ),
]

ATOL = 1e-4
"""Tolerance on the block's outputs (float32 sums of a few terms of order 1)."""


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, what: str) -> list:
    if not isinstance(results, list) or len(results) != count:
        raise Wrong(f"a sonda não conseguiu chamar {what} em todos os casos.")
    return results


def _relu(values):
    return np.maximum(values, 0.0)


def _close(got, expected) -> bool:
    return got.shape == expected.shape and np.allclose(got, expected, atol=ATOL, rtol=1e-4)


def _is_relu(entry: dict) -> bool:
    kind = entry["class"]
    if kind == "Activation":
        return entry["config"].get("activation") == "relu"
    if kind == "ReLU":
        config = entry["config"]
        return not config.get("negative_slope") and config.get("max_value") is None
    return kind == "Relu"  # keras.ops.relu


def _by_name(graph: list[dict]) -> dict:
    return {entry["name"]: entry for entry in graph}


def _convs(graph: list[dict], size: int) -> list[dict]:
    return [
        e
        for e in graph
        if e["class"] == "Conv2D" and tuple(e["config"].get("kernel_size") or ()) == (size, size)
    ]


# ---------------------------------------------------------------------------- exercise 1


def _block_model(result, case: dict) -> dict:
    call_text = (
        f"residual_block(x, {case['filters']})"
        if case["strides"] == 1
        else f"residual_block(x, {case['filters']}, strides=2)"
    )
    where = f"com x de forma {(None, *case['shape'])} e {call_text}"
    got = outcome(result, where)
    if not isinstance(got, dict) or got.get("kind") != "Model":
        raise Wrong(f"{where}, a função deve devolver o tensor de saída do bloco.")
    got["where"] = where
    return got


def _expected_shape(case: dict) -> list:
    height, width, _ = case["shape"]
    if case["strides"] == 1:
        return [None, height, width, case["filters"]]
    return [None, (height + 1) // 2, (width + 1) // 2, case["filters"]]


def _check_shape(got: dict, case: dict) -> None:
    expected = _expected_shape(case)
    if got["output_shape"] != expected:
        raise Wrong(
            f"{got['where']}, a saída tem forma {tuple(got['output_shape'])}; esperava "
            f"{tuple(expected)}."
        )


def _diagnose_output(got: dict, case: dict, shortcut: np.ndarray) -> None:
    """Compare the output with ReLU(shortcut + β); say which common mistake it matches."""
    beta = case["beta"]
    out = as_array(got["output"], "o bloco")
    if _close(out, _relu(shortcut + beta)):
        return
    where = got["where"]
    if _close(out, np.broadcast_to(_relu(beta), shortcut.shape)):
        raise Wrong(
            f"{where}, a saída do bloco não depende do atalho: some a entrada (ou a sua "
            "projeção) à saída da segunda resnet_layer, com keras.layers.Add."
        )
    if _close(out, shortcut + beta):
        raise Wrong(f"{where}, a saída tem valores negativos: falta a ReLU DEPOIS da soma.")
    if _close(out, _relu(shortcut + _relu(beta))):
        raise Wrong(
            f"{where}, a segunda resnet_layer não pode ter ativação: a ReLU vem só depois da "
            "soma (activation=None na segunda camada)."
        )
    if case["strides"] != 1 and _close(out, _relu(2 * beta + 0 * shortcut)):
        raise Wrong(
            f"{where}, o atalho de projeção não deve ter BatchNormalization: é só a "
            "convolução 1×1 (batch_normalization=False, activation=None)."
        )
    if case["strides"] != 1 and _close(out, _relu(_relu(shortcut) + beta)):
        raise Wrong(
            f"{where}, o atalho de projeção não deve ter ativação (activation=None): a ReLU "
            "vem só depois da soma."
        )
    raise Wrong(
        f"{where}, o bloco não calcula ReLU(atalho(x) + F(x)), com F = duas resnet_layer "
        "(a segunda sem ativação). Confira a ordem das camadas."
    )


def residual_block_identity(seed, results) -> str:
    cases = _inputs("residual_block_identity", seed)
    for case, result in zip(cases, _calls(results, len(cases), "residual_block")):
        got = _block_model(result, case)
        _check_shape(got, case)
        if _convs(got["graph"], 1):
            raise Wrong(
                f"{got['where']}, a entrada já tem {case['filters']} canais e o passo é 1: o "
                "atalho é a própria entrada x, sem a convolução 1×1."
            )
        _diagnose_output(got, case, case["x"])
    return "soma a entrada à saída das duas resnet_layer e aplica a ReLU, em formas novas."


def residual_block_projection(seed, results) -> str:
    cases = _inputs("residual_block_projection", seed)
    for case, result in zip(cases, _calls(results, len(cases), "residual_block")):
        got = _block_model(result, case)
        _check_shape(got, case)
        projections = [
            e
            for e in _convs(got["graph"], 1)
            if tuple(e["config"].get("strides") or ()) == (2, 2)
            and e["config"].get("filters") == case["filters"]
        ]
        if not projections:
            raise Wrong(
                f"{got['where']}, as formas de x e de F(x) diferem: o atalho deve ser uma "
                "convolução 1×1 com passo 2 e num_filters filtros (projeção)."
            )
        inputs = {e["name"] for e in got["graph"] if e["class"] == "InputLayer"}
        first = [e for e in _convs(got["graph"], 3) if set(e["inbound"]) & inputs]
        if first and tuple(first[0]["config"].get("strides") or ()) != (2, 2):
            raise Wrong(
                f"{got['where']}, o passo 2 vai na PRIMEIRA resnet_layer do caminho F (a que "
                "recebe x); a segunda usa passo 1."
            )
        shortcut = case["x"][:, ::2, ::2, :] @ case["kernel"]
        _diagnose_output(got, case, shortcut)
    return "usa a projeção 1×1 com passo 2 no atalho quando a forma muda, em formas novas."


def block_params(case: dict) -> int:
    """Parameters of the block of program 10: two resnet_layer (3×3 convolution with bias,
    BatchNormalization with 4 vectors) and, when the shape changes, the 1×1 projection."""
    channels, filters = case["shape"][2], case["filters"]
    total = (9 * channels * filters + filters) + 4 * filters
    total += (9 * filters * filters + filters) + 4 * filters
    if case["strides"] != 1 or channels != filters:
        total += channels * filters + filters
    return total


def residual_block_params(seed, results) -> str:
    cases = _inputs("residual_block_params", seed)
    for case, result in zip(cases, _calls(results, len(cases), "residual_block")):
        got = _block_model(result, case)
        expected = block_params(case)
        if got["params"] != expected:
            norms = [e for e in got["graph"] if e["class"] == "BatchNormalization"]
            hint = (
                f" Cada resnet_layer tem a sua BatchNormalization; encontrei {len(norms)}."
                if len(norms) != 2
                else " Confira os filtros e os tamanhos de núcleo (3×3 no caminho F, 1×1 na "
                "projeção)."
            )
            raise Wrong(
                f"{got['where']}, o bloco tem {got['params']} parâmetros; deveria ter "
                f"{expected}.{hint}"
            )
    return "tem o número de parâmetros certo, com e sem projeção, em formas novas."


def residual_block_add(seed, results) -> str:
    cases = _inputs("residual_block_add", seed)
    for case, result in zip(cases, _calls(results, len(cases), "residual_block")):
        got = _block_model(result, case)
        graph, where = got["graph"], got["where"]
        if any(e["class"] == "Concatenate" for e in graph):
            raise Wrong(
                f"{where}, o bloco concatena mapas: a conexão da ResNet SOMA o atalho à saída "
                "(keras.layers.Add), não concatena (isso é o Inception)."
            )
        adds = [e for e in graph if e["class"] == "Add"]
        if len(adds) != 1:
            raise Wrong(
                f"{where}, esperava uma soma (keras.layers.Add) no bloco; encontrei "
                f"{len(adds)}."
            )
        add = adds[0]
        if len(add["inbound"]) != 2:
            raise Wrong(f"{where}, a soma deve juntar 2 tensores: o atalho e F(x).")
        names = _by_name(graph)
        sources = [names.get(name, {}).get("class") for name in add["inbound"]]
        if case["strides"] == 1 and "InputLayer" not in sources:
            raise Wrong(
                f"{where}, um dos termos da soma deve ser a própria entrada x (atalho "
                "identidade)."
            )
        if case["strides"] != 1 and "Conv2D" not in sources:
            raise Wrong(f"{where}, um dos termos da soma deve ser a projeção de x (atalho).")
        last = graph[-1]
        if not (_is_relu(last) and last["inbound"] == [add["name"]]):
            raise Wrong(f"{where}, a saída do bloco deve ser a ReLU aplicada à soma.")
    return "soma (Add) o atalho e F(x) e aplica a ReLU à soma."


# ---------------------------------------------------------------------------- exercise 2


def expected_lr(epoch: int) -> float:
    """The learning rate of program 10's ``lr_schedule`` (the apostila's code, with ``>``)."""
    lr = 1e-3
    if epoch > 180:
        return lr * 0.5e-3
    if epoch > 160:
        return lr * 1e-3
    if epoch > 120:
        return lr * 1e-2
    if epoch > 80:
        return lr * 1e-1
    return lr


def _rates(results, epochs: list[int]) -> list[float]:
    """The rates the answer gave; the probe stops calling it at its first error."""
    if not isinstance(results, list) or not results or len(results) > len(epochs):
        raise Wrong("a sonda não conseguiu chamar lr_schedule.")
    rates = []
    for epoch, result in zip(epochs, results):
        got = outcome(result, f"lr_schedule({epoch})")
        if isinstance(got, np.ndarray) and got.size == 1:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            raise Wrong(
                f"lr_schedule({epoch}) deve devolver um número (float), não "
                f"{type(got).__name__}."
            )
        rates.append(float(got))
    if len(rates) != len(epochs):
        raise Wrong("a sonda não conseguiu chamar lr_schedule em todas as épocas.")
    return rates


def _scientific(value: float) -> str:
    """1e-4 → ``'1,00e-04'`` (decimal comma)."""
    return f"{value:.2e}".replace(".", ",")


def _judge_rates(epochs: list[int], rates: list[float]) -> None:
    expected = np.array([expected_lr(e) for e in epochs])
    got = np.array(rates)
    wrong = ~np.isclose(got, expected, rtol=1e-9, atol=0.0)
    if not wrong.any():
        return
    bad = sorted(e for e, w in zip(epochs, wrong) if w)
    first = bad[0]
    text = f"lr_schedule errou em {len(bad)} época(s); a primeira é a época {first}"
    text += f" (devolveu {_scientific(got[epochs.index(first)])})."
    if set(bad) <= {80, 120, 160, 180}:
        text += (
            " Só as fronteiras estão erradas: confira se a troca é em epoch > 80 ou "
            "epoch >= 80, como no código da apostila (o Keras conta as épocas a partir de 0)."
        )
    elif first == 0:
        text += " A taxa inicial é 1e-3."
    raise Wrong(text)


def lr_schedule_epochs(seed, results) -> str:
    epochs = _inputs("lr_schedule_epochs", seed)
    _judge_rates(epochs, _rates(results, epochs))
    return "devolve a taxa do programa 10 em todas as épocas de 0 a 199."


def lr_schedule_beyond(seed, results) -> str:
    epochs = _inputs("lr_schedule_beyond", seed)
    rates = _rates(results, epochs)
    _judge_rates(epochs, rates)
    return "continua com a última taxa (5 × 10⁻⁷) em épocas depois da 200, em épocas novas."


# ---------------------------------------------------------------------------- exercise 3


def _selection(seed, results, name: str):
    cases = _inputs(name, seed)
    for (images, labels, classes), result in zip(
        cases, _calls(results, len(cases), "select_classes")
    ):
        where = f"com classes={classes} e rótulos de forma {labels.shape}"
        got = outcome(result, f"select_classes ({where})")
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise Wrong("select_classes deve devolver a tupla (imagens, rotulos).")
        flat = np.ravel(labels)
        keep = np.isin(flat, classes)
        yield where, images, flat, keep, classes, got


def select_classes_images(seed, results) -> str:
    for where, images, flat, keep, classes, got in _selection(
        seed, results, "select_classes_images"
    ):
        got_x = as_array(got[0], "select_classes (imagens)")
        if len(got_x) != int(keep.sum()):
            raise Wrong(
                f"{where}, havia {int(keep.sum())} imagens dessas classes entre {len(flat)}; "
                f"vieram {len(got_x)}."
            )
        if not np.array_equal(got_x, images[keep]):
            raise Wrong(
                f"{where}, as imagens devolvidas não são as dessas classes, na ordem original."
            )
    return "mantém só as imagens das classes pedidas, na ordem original, em rótulos novos."


def select_classes_labels(seed, results) -> str:
    for where, images, flat, keep, classes, got in _selection(
        seed, results, "select_classes_labels"
    ):
        m = int(keep.sum())
        got_y = as_array(got[1], "select_classes (rótulos)")
        if got_y.shape != (m,):
            raise Wrong(f"{where}, devolva os rótulos com forma ({m},); veio {got_y.shape}.")
        original = flat[keep]
        expected = np.array([classes.index(int(c)) for c in original])
        if np.array_equal(got_y, expected):
            if not np.issubdtype(got_y.dtype, np.integer):
                raise Wrong(f"use rótulos inteiros (veio dtype {got_y.dtype}).")
            continue
        if np.array_equal(got_y, original):
            raise Wrong(
                f"{where}, os rótulos ainda são os originais: o rótulo novo é a posição da "
                "classe na lista `classes`."
            )
        if np.array_equal(got_y, np.searchsorted(np.sort(classes), original)):
            raise Wrong(
                f"{where}, os rótulos seguem a ordem crescente das classes; o pedido é a "
                "posição na lista `classes`, na ordem dada (em caogato2, cachorro → 0 e "
                "gato → 1)."
            )
        raise Wrong(
            f"{where}, o rótulo novo de cada imagem deve ser a posição da sua classe na "
            "lista `classes`."
        )
    return "troca cada classe pela sua posição na lista, com rótulos (N,) ou (N, 1)."


# ---------------------------------------------------------------------------- exercise 6


def ponti_params(input_shape, num_classes: int) -> int:
    """Parameters of the ResNet of Ponti's exercise 10: three blocks of 64 filters
    (3×3 convolutions with bias; a 1×1 convolution on the shortcut when the input does not
    have 64 channels), poolings, global average pooling, a dense softmax layer."""
    channels = input_shape[2]
    conv = 9 * 64 * 64 + 64
    total = (9 * channels * 64 + 64) + conv
    if channels != 64:
        total += channels * 64 + 64
    total += 4 * conv
    return total + 64 * num_classes + num_classes


def _ponti_models(seed, results, name: str):
    cases = _inputs(name, seed)
    for (shape, classes, x), result in zip(
        cases, _calls(results, len(cases), "build_ponti_resnet")
    ):
        where = f"build_ponti_resnet({shape}, {classes})"
        got = outcome(result, where)
        if not isinstance(got, dict) or got.get("kind") != "Model":
            found = got.get("kind") if isinstance(got, dict) else type(got).__name__
            raise Wrong(f"{where} deve devolver um modelo Keras, não {found}.")
        yield where, shape, classes, x, got


def ponti_resnet_params(seed, results) -> str:
    for where, shape, classes, _, got in _ponti_models(seed, results, "ponti_resnet_params"):
        expected = ponti_params(shape, classes)
        if got["params"] != expected:
            norms = sum(e["class"] == "BatchNormalization" for e in got["graph"])
            hint = " O exercício de Ponti não usa BatchNormalization." if norms else ""
            raise Wrong(f"{where} tem {got['params']} parâmetros; deveria ter {expected}.{hint}")
    return "tem os parâmetros da ResNet de Ponti (186 058 no Fashion-MNIST), em formas novas."


def ponti_resnet_structure(seed, results) -> str:
    for where, shape, classes, x, got in _ponti_models(seed, results, "ponti_resnet_structure"):
        graph = got["graph"]
        names = _by_name(graph)
        adds = [e for e in graph if e["class"] == "Add"]
        if len(adds) != 3:
            raise Wrong(f"{where}: esperava 3 blocos residuais (3 somas, Add); achei {len(adds)}.")
        if any(e["class"] == "BatchNormalization" for e in graph):
            raise Wrong(f"{where}: o exercício de Ponti não usa BatchNormalization.")
        convs = [
            e
            for e in _convs(graph, 3)
            if e["config"].get("filters") == 64 and e["config"].get("padding") == "same"
        ]
        if len(convs) != 6:
            raise Wrong(
                f"{where}: cada bloco tem duas convoluções 3×3 de 64 filtros com "
                f"padding='same' (6 ao todo); achei {len(convs)}."
            )
        pools = [e for e in graph if e["class"] == "MaxPooling2D"]
        if len(pools) != 3:
            raise Wrong(
                f"{where}: cada bloco é seguido por um MaxPooling2D (3 ao todo); achei "
                f"{len(pools)}."
            )
        for pool in pools:
            config = pool["config"]
            if tuple(config.get("pool_size") or ()) != (2, 2) or tuple(
                config.get("strides") or ()
            ) != (2, 2):
                raise Wrong(f"{where}: use MaxPooling2D com pool_size=2 e strides=2.")
            before = names.get(pool["inbound"][0] if pool["inbound"] else "", {})
            after_add = before and before.get("inbound") and names.get(before["inbound"][0])
            if not (before and _is_relu(before) and after_add and after_add["class"] == "Add"):
                raise Wrong(
                    f"{where}: cada MaxPooling2D deve vir logo depois da ReLU aplicada à soma "
                    "de um bloco."
                )
        gap = [e for e in graph if e["class"] == "GlobalAveragePooling2D"]
        last = graph[-1]
        if not gap or last["class"] != "Dense" or last["inbound"] != [gap[0]["name"]]:
            raise Wrong(
                f"{where}: depois do último bloco vêm GlobalAveragePooling2D e a camada "
                "densa de saída."
            )
        if last["config"].get("units") != classes or last.get("activation") != "softmax":
            raise Wrong(f"{where}: a saída é uma Dense de {classes} unidades com softmax.")
        output = as_array(got["output"], "o modelo", (len(x), classes))
        if not np.allclose(output.sum(axis=1), 1, atol=1e-4):
            raise Wrong(f"{where}: as saídas do modelo não somam 1 (softmax).")
    return "tem 3 blocos residuais, cada um seguido de MaxPooling2D, e GAP antes da saída."


def ponti_resnet_compile(seed, results) -> str:
    for where, _, _, _, got in _ponti_models(seed, results, "ponti_resnet_compile"):
        if not got.get("compiled"):
            raise Wrong(f"{where}: compile o modelo (model.compile) antes de devolvê-lo.")
        if got.get("optimizer") != "SGD":
            raise Wrong(f"{where}: use o otimizador SGD, como Ponti (está {got['optimizer']}).")
        rate = got.get("learning_rate")
        if rate is None or not np.isclose(rate, 0.05, rtol=1e-5):
            raise Wrong(f"{where}: a taxa de aprendizado do SGD deve ser 0,05.")
        momentum = got.get("optimizer_config", {}).get("momentum")
        if momentum is None or not np.isclose(momentum, 0.8, rtol=1e-5):
            raise Wrong(f"{where}: o momentum do SGD deve ser 0,8.")
        if "sparsecategoricalcrossentropy" not in str(got.get("loss")).lower().replace("_", ""):
            raise Wrong(
                f"{where}: use a perda sparse_categorical_crossentropy (rótulos inteiros)."
            )
        if "acc" not in str(got.get("metrics")):
            raise Wrong(f"{where}: inclua metrics=['accuracy'] no compile.")
    return "compila com SGD (taxa 0,05, momentum 0,8), entropia cruzada e taxa de acerto."


RIGHT_LETTER = "a"
REASON = (
    "com 800 imagens e 100 épocas, a ResNet chega a perda ~0 e 100% de acerto no treino, mas "
    "fica bem pior no teste (perda alta): é sobreajuste, não subajuste, o que descarta (d). "
    "Nenhuma das duas generaliza bem — as duas perdem muito do treino para o teste —, o que "
    "descarta (b). Reduzir a taxa de aprendizado deixaria a convergência da Inception mais "
    "lenta, não mais rápida, o que descarta (c)."
)


resposta_ponti = multiple_choice("resposta_ponti", RIGHT_LETTER, REASON)


TESTS = {
    "test_residual_block_identity": ("residual_block_identity", residual_block_identity),
    "test_residual_block_projection": ("residual_block_projection", residual_block_projection),
    "test_residual_block_params": ("residual_block_params", residual_block_params),
    "test_residual_block_add": ("residual_block_add", residual_block_add),
    "test_lr_schedule_epochs": ("lr_schedule_epochs", lr_schedule_epochs),
    "test_lr_schedule_beyond": ("lr_schedule_beyond", lr_schedule_beyond),
    "test_select_classes_images": ("select_classes_images", select_classes_images),
    "test_select_classes_labels": ("select_classes_labels", select_classes_labels),
    "test_ponti_resnet_params": ("ponti_resnet_params", ponti_resnet_params),
    "test_ponti_resnet_structure": ("ponti_resnet_structure", ponti_resnet_structure),
    "test_ponti_resnet_compile": ("ponti_resnet_compile", ponti_resnet_compile),
    "test_resposta_ponti": ("resposta_ponti", resposta_ponti),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
