"""Verdicts of lesson 05 (AlexNet, VGG and batch normalization); inputs come from
:mod:`autograder.probes.lesson05`.

Expected values are computed here with NumPy and Keras; the order of BatchNormalization's
weights lives only here.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from autograder import formatting, probes
from autograder.probes import lesson05 as probe

from . import Opaque, Wrong, as_array, decode, outcome
from .lesson03 import judge_class_pair

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who normalises each set with its own
# statistics (the test set with the test set's mean and standard deviation).
DEMO_WRONG_ANSWER = {
    "normalize_with_training_stats": (
        "def normalize_with_training_stats(x_train, x_test):\n"
        "    def norm(x):\n"
        "        x = x.astype('float32')\n"
        "        return (x - x.mean(axis=(0, 1, 2))) / x.std(axis=(0, 1, 2))\n"
        "    return norm(x_train), norm(x_test)\n"
    ),
}

# The apostila's question read the other way round: the fourth vector taken for the moving
# STANDARD DEVIATION. Only part (a) of exercise 4 may cost points; everything else is right.
DEMO_EXTRA_STUDENTS = [
    (
        "Igor Desvio",
        "4º vetor da BatchNormalization = desvio padrão",
        "sem os pontos do item (a) do exercício 4",
        {
            "ordem_pesos_bn": (
                'ordem_pesos_bn = ["gamma", "beta", "media_movel", "desvio_padrao_movel"]\n'
            )
        },
    ),
]

# ---------------------------------------------------------------------------- helpers


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, name: str) -> list:
    if not isinstance(results, list) or len(results) != count:
        raise Wrong(f"a sonda não chamou {name} em todos os casos de teste.")
    return results


def _num(value, decimals: int = 4) -> str:
    text = formatting.number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _integer(value, what: str) -> int:
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        kind = value.text if isinstance(value, Opaque) else type(value).__name__
        raise Wrong(f"{what} deve ser um número inteiro, mas veio {kind}.")
    return int(value)


# ---------------------------------------------------------------------------- exercise 1


def flat_layers(described: list) -> list[dict]:
    """Described layers in order, nested models opened, inputs left out."""
    out = []
    for entry in described:
        if entry["class"] == "InputLayer":
            continue
        if isinstance(entry.get("layers"), list):
            out.extend(flat_layers(entry["layers"]))
        else:
            out.append(entry)
    return out


ALLOWED = {
    "Conv2D",
    "MaxPooling2D",
    "Flatten",
    "Dense",
    "Dropout",
    "BatchNormalization",
    "Activation",
    "ReLU",
}


def _kernel(entry) -> tuple:
    return tuple(entry["config"].get("kernel_size") or ())


def _relu(entry, after) -> bool:
    """The layer applies ReLU itself, or the next layer is a ReLU activation."""
    if entry.get("activation") == "relu":
        return True
    if after is None:
        return False
    return after["class"] == "ReLU" or (
        after["class"] == "Activation" and after["config"].get("activation") == "relu"
    )


def _alexnet_structure(model: dict, classes: int) -> None:
    layers = [
        entry
        for entry in flat_layers(model["layers"])
        if not entry["class"].startswith("Random")  # augmentation is welcome
    ]
    strange = sorted({e["class"] for e in layers} - ALLOWED)
    if strange:
        raise Wrong(
            f"camadas fora do que a AlexNet usa: {', '.join(strange)}. Use Conv2D, "
            "MaxPooling2D, Flatten, Dense e Dropout (BatchNormalization é aceita)."
        )
    kinds = [e["class"] for e in layers]
    if "Flatten" not in kinds:
        raise Wrong("falta o Flatten entre as convoluções e as camadas densas.")
    cut = kinds.index("Flatten")
    front, back = layers[:cut], layers[cut + 1 :]
    convs = [e for e in front if e["class"] == "Conv2D"]
    if len(convs) != 5 or any(e["class"] == "Conv2D" for e in back):
        raise Wrong(
            f"a parte convolucional deve ter exatamente 5 Conv2D antes do Flatten (tem "
            f"{len(convs)})."
        )
    for i, entry in enumerate(layers[:-1]):
        if entry["class"] not in ("Conv2D", "Dense"):
            continue
        following = [e for e in layers[i + 1 :] if e["class"] != "BatchNormalization"]
        if not _relu(entry, following[0] if following else None):
            size = entry["config"].get("filters") or entry["config"].get("units")
            raise Wrong(
                f"use ReLU em todas as convoluções e densas escondidas (a {entry['class']} de "
                f"{size} saídas não usa)."
            )
    first = _kernel(convs[0])
    if len(first) != 2 or min(first) < 5:
        raise Wrong(
            f"a primeira convolução deve ter janela grande, 5×5 ou maior (a AlexNet usa 11×11); "
            f"a sua tem {first}."
        )
    if any(_kernel(e) != (3, 3) for e in convs[2:]):
        raise Wrong("as três últimas convoluções devem ser 3×3, como na AlexNet.")
    pools = [e for e in front if e["class"] == "MaxPooling2D"]
    if len(pools) < 2:
        raise Wrong("use pelo menos dois MaxPooling2D (a AlexNet tem três).")
    for entry in pools:
        size = tuple(entry["config"].get("pool_size") or ())
        strides = tuple(entry["config"].get("strides") or size)
        if size != (3, 3) or strides != (2, 2):
            raise Wrong(
                "os max-poolings devem ser sobrepostos, como na AlexNet: janela 3×3 e passo 2 "
                f"(pool_size=3, strides=2); encontrei pool_size={size}, strides={strides}."
            )
    denses = [e for e in back if e["class"] == "Dense"]
    if len(denses) != 3:
        raise Wrong(f"depois do Flatten vêm exatamente 3 camadas densas (tem {len(denses)}).")
    if layers[-1]["class"] != "Dense" or layers[-1]["config"].get("units") != classes:
        raise Wrong(f"a última camada deve ser a Dense de saída, com {classes} neurônios.")
    if layers[-1].get("activation") != "softmax":
        raise Wrong("a camada de saída deve usar softmax.")
    positions = [back.index(d) for d in denses]
    drops = [
        any(e["class"] == "Dropout" for e in back[start + 1 : end])
        for start, end in zip(positions, positions[1:])
    ]
    if not all(drops):
        raise Wrong(
            "ponha um Dropout depois de cada uma das duas densas escondidas, como a AlexNet."
        )


def _alexnet_models(seed, results):
    cases = _inputs("build_alexnet_cifar", seed)
    for (shape, classes, x), result in zip(
        cases, _calls(results, len(cases), "build_alexnet_cifar")
    ):
        where = f"build_alexnet_cifar({shape}, {classes})"
        model = outcome(result, where)
        if not isinstance(model, dict) or model.get("kind") != "Model":
            kind = model.get("kind") if isinstance(model, dict) else type(model).__name__
            raise Wrong(f"{where} deve devolver um modelo Keras, não {kind}.")
        yield where, shape, classes, x, model


def alexnet_structure(seed, results) -> str:
    for where, _, classes, _, model in _alexnet_models(seed, results):
        try:
            _alexnet_structure(model, classes)
        except Wrong as wrong:
            raise Wrong(f"com {where}: {wrong}") from None
    return "5 convoluções (a primeira grande), max-pooling 3×3 sobreposto, 3 densas com dropout."


def alexnet_runs(seed, results) -> str:
    for where, shape, classes, x, model in _alexnet_models(seed, results):
        if model.get("input_shape") != str((None, *shape)):
            raise Wrong(
                f"{where}: o modelo recebe {model.get('input_shape')}; use "
                "keras.Input(shape=input_shape), sem fixar (32, 32, 3)."
            )
        output = as_array(outcome(model.get("output"), where), where, (len(x), classes))
        if not np.all(np.isfinite(output)) or not np.allclose(output.sum(axis=1), 1, atol=1e-4):
            raise Wrong(f"{where}: as saídas não são probabilidades que somam 1 (softmax).")
        if not model.get("compiled"):
            raise Wrong("compile o modelo (model.compile) antes de devolvê-lo.")
        if "sparsecategoricalcrossentropy" not in str(model.get("loss")).lower().replace("_", ""):
            raise Wrong("use a perda sparse_categorical_crossentropy (rótulos inteiros).")
        if "acc" not in str(model.get("metrics")):
            raise Wrong("inclua metrics=['accuracy'] no compile.")
    return "roda com formas de entrada e números de classes novos, compilado, saída softmax."


# ---------------------------------------------------------------------------- exercise 2


def _conv_stack_values(seed, results):
    cases = _inputs("conv_stack", seed)
    for (kernel, layers, channels), result in zip(
        cases, _calls(results, len(cases), "conv_stack")
    ):
        args = f"{kernel}, {layers}" + ("" if channels is None else f", {channels}")
        got = outcome(result, f"conv_stack({args})")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong("conv_stack deve devolver a tupla (campo, pesos).")
        yield kernel, layers, 1 if channels is None else channels, args, got


def conv_stack_field(seed, results) -> str:
    for kernel, layers, _, args, got in _conv_stack_values(seed, results):
        field = _integer(got[0], "o campo de visão")
        expected = layers * (kernel - 1) + 1
        if field != expected:
            hint = ""
            if field == layers * kernel:
                hint = " Cada camada k×k acrescenta k − 1 pixels ao campo, não k."
            raise Wrong(f"conv_stack({args}) deu campo de visão {field}; está errado.{hint}")
    return "campo de visão L·(k − 1) + 1 certo em valores novos."


def conv_stack_weights(seed, results) -> str:
    for kernel, layers, channels, args, got in _conv_stack_values(seed, results):
        weights = _integer(got[1], "o número de pesos")
        expected = layers * kernel * kernel * channels * channels
        if weights != expected:
            hint = ""
            if weights == layers * kernel * kernel * channels:
                hint = " Cada filtro vê os C canais de entrada, e há C filtros por camada."
            elif weights == layers * (kernel * kernel * channels + 1) * channels:
                hint = " Não conte os vieses."
            raise Wrong(f"conv_stack({args}) deu {weights} pesos; está errado.{hint}")
    return "número de pesos L·k²·C² certo em valores novos."


# ---------------------------------------------------------------------------- exercise 3

BN_ORDER = ("gamma", "beta", "media_movel", "variancia_movel")
"""The order of BatchNormalization's ``get_weights()``."""

BN_VOCABULARY = {"gamma", "beta", "media_movel", "variancia_movel", "desvio_padrao_movel"}


def normalize_name(name) -> str:
    """``" Média móvel "`` → ``"media_movel"``: no accents, lower case, underscores."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())


def ordem_pesos_bn(seed, results) -> str:
    answer = decode(results["value"]) if isinstance(results, dict) else None
    if not isinstance(answer, (list, tuple)) or len(answer) != 4:
        raise Wrong("ordem_pesos_bn deve ser uma lista de 4 nomes do vocabulário.")
    names = [normalize_name(n) for n in answer]
    unknown = [n for n in names if n not in BN_VOCABULARY]
    if unknown:
        raise Wrong(f"nomes fora do vocabulário: {', '.join(unknown)}.")
    if names[3] == "desvio_padrao_movel" and names[:3] == list(BN_ORDER[:3]):
        raise Wrong(
            "o 4º vetor é a VARIÂNCIA móvel, não o desvio padrão: na apostila ele vale "
            "(0,0605; 0,0589; 0,0679) e o desvio padrão dos pixels do CIFAR-10 é cerca de "
            "0,247 — 0,247² ≈ 0,061. Os outros três estão certos."
        )
    if names != list(BN_ORDER):
        wrong = [str(i + 1) + "º" for i, (a, b) in enumerate(zip(names, BN_ORDER)) if a != b]
        raise Wrong(
            f"a ordem não confere (posições erradas: {', '.join(wrong)}). O Keras guarda γ, β, "
            "a média móvel e a variância móvel, nessa ordem."
        )
    return "γ, β, média móvel e variância móvel — a ordem de get_weights()."


def expected_bn_weights(config, shape, values, batches) -> dict:
    """The weights of a case's layer, built with pristine Keras."""
    layer = probe.make_bn_layer(config, shape, values, batches)
    return {v.name: np.asarray(v) for v in layer.weights}


def bn_weights_by_name(seed, results) -> str:
    cases = _inputs("bn_weights_by_name", seed)
    for (config, shape, values, batches), result in zip(
        cases, _calls(results, len(cases), "bn_weights_by_name")
    ):
        where = f"uma BatchNormalization({', '.join(f'{k}={v}' for k, v in config.items())})"
        where += f" com {shape[-1]} canais" + (", já treinada" if batches else "")
        got = outcome(result, "bn_weights_by_name")
        if not isinstance(got, dict):
            raise Wrong(
                f"bn_weights_by_name deve devolver um dicionário nome → array, não "
                f"{type(got).__name__}."
            )
        expected = expected_bn_weights(config, shape, values, batches)
        if set(got) != set(expected):
            raise Wrong(
                f"para {where}, as chaves deviam ser {sorted(expected)}, mas vieram "
                f"{sorted(got)}. Use o nome de cada variável (layer.weights), não a posição na "
                "lista: uma camada sem β ou sem γ tem menos vetores."
            )
        for name, array in expected.items():
            value = got[name]
            if not isinstance(value, np.ndarray) or value.shape != array.shape:
                raise Wrong(f"para {where}, '{name}' devia ser um array de forma {array.shape}.")
            if not np.allclose(value, array, rtol=1e-5, atol=1e-6):
                raise Wrong(
                    f"para {where}, o valor de '{name}' não é o da variável com esse nome."
                )
    return "devolve os pesos pelo nome, com ou sem γ e β, treinada ou não."


def channel_mean_variance(seed, results) -> str:
    cases = _inputs("channel_mean_variance", seed)
    for images, result in zip(cases, _calls(results, len(cases), "channel_mean_variance")):
        where = f"imagens {images.shape} ({images.dtype})"
        got = outcome(result, "channel_mean_variance")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong("channel_mean_variance deve devolver a tupla (media, variancia).")
        channels = images.shape[-1]
        mean = as_array(got[0], "channel_mean_variance (média)")
        variance = as_array(got[1], "channel_mean_variance (variância)")
        for array, what in ((mean, "média"), (variance, "variância")):
            if array.shape != (channels,):
                raise Wrong(
                    f"com {where}, a {what} deve ter forma ({channels},): um valor por canal; "
                    f"veio {array.shape}."
                )
        data = images.astype(np.float64)
        right_mean = data.mean(axis=(0, 1, 2))
        right_var = data.var(axis=(0, 1, 2))
        scale = max(1.0, float(np.abs(data).max()))
        if not np.allclose(mean, right_mean, rtol=1e-4, atol=1e-5 * scale):
            raise Wrong(f"com {where}, a média por canal está errada.")
        if np.allclose(variance, right_var, rtol=1e-4, atol=1e-5 * scale**2):
            continue
        if np.allclose(variance, np.sqrt(right_var), rtol=1e-4, atol=1e-6 * scale):
            raise Wrong(
                f"com {where}, veio o DESVIO PADRÃO por canal; pedi a variância (o quadrado dele), "
                "que é o que a BatchNormalization guarda."
            )
        n = data.size // channels
        if n > 1 and np.allclose(variance, right_var * n / (n - 1), rtol=1e-4, atol=1e-8):
            raise Wrong(
                f"com {where}, a variância foi dividida por N − 1; a BatchNormalization divide "
                "por N (np.var, ddof=0)."
            )
        raise Wrong(
            f"com {where}, a variância por canal está errada (uma por canal, sobre imagens, "
            "linhas e colunas)."
        )
    return "média e variância por canal certas, em dados novos."


# ---------------------------------------------------------------------------- exercise 4


def _no_affine_cases(seed, results):
    cases = _inputs("bn_no_affine", seed)
    for case, result in zip(cases, _calls(results, len(cases), "BatchNormNoAffine")):
        momentum, epsilon = case[0], case[1]
        where = f"BatchNormNoAffine(momentum={momentum}, epsilon={epsilon})"
        got = outcome(result, where)
        if not isinstance(got, dict) or "training" not in got:
            raise Wrong(f"{where} não pôde ser criada e chamada como uma camada Keras.")
        yield case, where, got


def _normalized(x, mean, variance, epsilon):
    return (x.astype(np.float64) - mean) / np.sqrt(variance + epsilon)


def _close(got, expected, what: str) -> None:
    array = as_array(got, what)
    if array.shape != expected.shape:
        raise Wrong(f"{what} devolveu forma {array.shape}; esperava {expected.shape}.")
    if not np.allclose(array, expected, rtol=1e-3, atol=1e-3):
        raise Wrong(f"{what} deu valores errados.")


def _batch_axes(x) -> tuple:
    return tuple(range(x.ndim - 1))


def no_affine_training(seed, results) -> str:
    for (momentum, epsilon, batches, _), where, got in _no_affine_cases(seed, results):
        calls = got["training"]
        if not isinstance(calls, list) or len(calls) != len(batches):
            raise Wrong("a sonda não conseguiu treinar a camada.")
        for batch, result in zip(batches, calls):
            axes = _batch_axes(batch)
            expected = _normalized(
                batch, batch.mean(axis=axes, dtype=np.float64), batch.var(axis=axes), epsilon
            )
            value = outcome(result, f"{where} com training=True")
            array = as_array(value, f"{where} com training=True")
            without = _normalized(
                batch, batch.mean(axis=axes, dtype=np.float64), batch.var(axis=axes), 0.0
            )
            outside = (
                without * np.sqrt(batch.var(axis=axes)) / (np.sqrt(batch.var(axis=axes)) + epsilon)
            )
            if array.shape == batch.shape and not np.allclose(
                array, expected, rtol=1e-3, atol=1e-3
            ):
                if np.allclose(array, outside, rtol=1e-3, atol=1e-3):
                    raise Wrong(
                        f"{where} com training=True dividiu por σ + ε; o ε vai DENTRO da raiz: "
                        "√(σ² + ε)."
                    )
            _close(
                value,
                expected,
                f"{where} com training=True (normalizar com a média e a variância do lote, "
                "por canal, com ε dentro da raiz)",
            )
    return "no treino normaliza com a média e a variância do lote, por canal, com ε na raiz."


def no_affine_inference(seed, results) -> str:
    for (momentum, epsilon, _, probe_batch), where, got in _no_affine_cases(seed, results):
        for key, batch in (
            ("inference_fresh", probe_batch),
            ("inference_fresh_again", probe_batch + 1.0),
        ):
            value = outcome(got[key], f"{where} com training=False")
            array = as_array(value, f"{where} com training=False")
            expected = _normalized(batch, 0.0, 1.0, epsilon)
            axes = _batch_axes(batch)
            own = _normalized(batch, batch.mean(axis=axes), batch.var(axis=axes), epsilon)
            if array.shape == batch.shape and np.allclose(array, own, rtol=1e-3, atol=1e-3):
                raise Wrong(
                    f"{where} com training=False usou a média e a variância do lote; na "
                    "inferência use as estatísticas móveis (no começo, média 0 e variância 1)."
                )
            _close(
                value,
                expected,
                f"{where} com training=False numa camada nova (estatísticas móveis iniciais: "
                "média 0 e variância 1, que a inferência não pode alterar)",
            )
    return "na inferência usa as estatísticas móveis e não as altera."


def no_affine_moving(seed, results) -> str:
    for (momentum, epsilon, batches, probe_batch), where, got in _no_affine_cases(seed, results):
        channels = probe_batch.shape[-1]
        mean, variance = np.zeros(channels), np.ones(channels)
        for batch in batches:
            axes = _batch_axes(batch)
            mean = momentum * mean + (1 - momentum) * batch.mean(axis=axes, dtype=np.float64)
            variance = momentum * variance + (1 - momentum) * batch.var(axis=axes)
        for key, batch in (
            ("inference_trained", probe_batch),
            ("inference_trained_again", probe_batch * 2.0),
        ):
            value = outcome(got[key], f"{where} com training=False depois do treino")
            _close(
                value,
                _normalized(batch, mean, variance, epsilon),
                f"{where} com training=False depois de {len(batches)} passos de treino "
                "(média móvel ← momentum · média móvel + (1 − momentum) · média do lote; o "
                "mesmo para a variância)",
            )
    return "atualiza média e variância móveis no treino, com o momentum pedido."


def no_affine_weights(seed, results) -> str:
    for (_, _, _, probe_batch), where, got in _no_affine_cases(seed, results):
        channels = probe_batch.shape[-1]
        if got.get("trainable") != 0:
            raise Wrong(
                f"{where} tem {got.get('trainable')} pesos treináveis; sem γ e β ela não deve ter "
                "nenhum (crie as estatísticas móveis com trainable=False)."
            )
        weights = got.get("weights") or []
        moving = [w for w in weights if w.get("shape") == [channels] and not w.get("trainable")]
        if len(moving) < 2:
            raise Wrong(
                f"{where}: esperava a média e a variância móveis como pesos não treináveis da "
                f"camada (add_weight), de forma ({channels},)."
            )
    return "sem pesos treináveis; média e variância móveis guardadas como pesos da camada."


# ---------------------------------------------------------------------------- exercise 5


def _normalized_pairs(seed, results):
    cases = _inputs("normalize_with_training_stats", seed)
    for (train, test), result in zip(
        cases, _calls(results, len(cases), "normalize_with_training_stats")
    ):
        where = f"x_train {train.shape} ({train.dtype})"
        got = outcome(result, "normalize_with_training_stats")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Wrong("normalize_with_training_stats deve devolver (x_train_n, x_test_n).")
        a = as_array(got[0], "normalize_with_training_stats (treino)", train.shape)
        b = as_array(got[1], "normalize_with_training_stats (teste)", test.shape)
        if not np.issubdtype(a.dtype, np.floating) or not np.issubdtype(b.dtype, np.floating):
            raise Wrong("devolva arrays de ponto flutuante (float32).")
        axes = _batch_axes(train)
        data = train.astype(np.float64)
        mean, std = data.mean(axis=axes), data.std(axis=axes)
        yield where, train, test, a, b, mean, std


def _per_channel_hint(x, got, train) -> str:
    """A hint when ``got`` is ``x`` normalised with ONE mean and deviation for all channels
    (of the training set or of ``x`` itself)."""
    data, reference = x.astype(np.float64), train.astype(np.float64)
    for source in (reference, data):
        if np.allclose(got, (data - source.mean()) / source.std(), atol=1e-3):
            return (
                " Use uma média e um desvio padrão por CANAL (axis=(0, 1, 2)), não um só global."
            )
    return ""


def normalize_train(seed, results) -> str:
    for where, train, _, a, _, mean, std in _normalized_pairs(seed, results):
        expected = (train.astype(np.float64) - mean) / std
        if not np.allclose(a, expected, rtol=1e-3, atol=1e-3):
            hint = _per_channel_hint(train, a, train)
            raise Wrong(
                f"com {where}, o treino normalizado não tem média 0 e desvio 1 em cada canal."
                + hint
            )
    return "treino normalizado com média e desvio padrão por canal."


def normalize_test(seed, results) -> str:
    for where, train, test, a, b, mean, std in _normalized_pairs(seed, results):
        expected = (test.astype(np.float64) - mean) / std
        if np.allclose(b, expected, rtol=1e-3, atol=1e-3):
            continue
        data = test.astype(np.float64)
        axes = _batch_axes(test)
        if np.allclose(b, (data - data.mean(axis=axes)) / data.std(axis=axes), atol=1e-3):
            raise Wrong(
                f"com {where}, o teste foi normalizado com as estatísticas DO TESTE; use a média "
                "e o desvio padrão calculados no TREINO (o teste é só para medir)."
            )
        both = np.concatenate([train, test]).astype(np.float64)
        if np.allclose(b, (data - both.mean(axis=axes)) / both.std(axis=axes), atol=1e-3):
            raise Wrong(
                f"com {where}, as estatísticas vieram de treino + teste juntos; use só o treino."
            )
        raise Wrong(
            f"com {where}, o teste não foi normalizado com a média e o desvio padrão por canal "
            "do TREINO." + _per_channel_hint(test, b, train)
        )
    return "teste normalizado com as estatísticas do treino, por canal."


# ---------------------------------------------------------------------------- exercise 6


def pad_to_32(seed, results) -> str:
    cases = _inputs("pad_to_32", seed)
    for images, result in zip(cases, _calls(results, len(cases), "pad_to_32")):
        where = f"imagens {images.shape} ({images.dtype})"
        got = as_array(outcome(result, "pad_to_32"), "pad_to_32")
        expected = np.pad(images, ((0, 0), (2, 2), (2, 2)))
        if got.shape == (len(images), 32, 32, 1):
            got = got[..., 0]
        if got.shape != expected.shape:
            raise Wrong(f"com {where}, devolva forma {expected.shape}; veio {got.shape}.")
        if got.dtype != images.dtype:
            raise Wrong(f"com {where}, mantenha o dtype {images.dtype} (veio {got.dtype}).")
        if not np.array_equal(got[:, 2:30, 2:30], images):
            raise Wrong(
                f"com {where}, a imagem original não está no centro, intacta: 2 pixels de "
                "borda de cada lado, sem redimensionar."
            )
        if not np.array_equal(got, expected):
            raise Wrong(f"com {where}, a borda de 2 pixels deve ser preta (0).")
    return "borda preta de 2 pixels: 28×28 → 32×32, imagem intacta no centro."


def fashion_augmentation(seed, results) -> str:
    x = _inputs("fashion_augmentation", seed)
    got = outcome(results, "fashion_augmentation")
    if not isinstance(got, dict) or got.get("kind") != "Layers":
        kind = got.get("kind") if isinstance(got, dict) else type(got).__name__
        raise Wrong(
            f"fashion_augmentation deve devolver um keras.Sequential de camadas de aumento, "
            f"não {kind}."
        )
    layers = flat_layers(got["layers"])
    random = [e for e in layers if e["class"].startswith("Random")]
    if not random:
        raise Wrong("não encontrei camadas de aumento de dados (keras.layers.Random…).")
    for entry in layers:
        if entry["class"] == "RandomFlip":
            raise Wrong(
                "nada de RandomFlip: as roupas e os calçados do Fashion-MNIST têm lado (os "
                "calçados apontam todos para a esquerda); espelhar cria imagens que o teste não "
                "tem."
            )
        if entry["class"] == "RandomRotation":
            factor = float(np.max(np.abs(np.ravel(entry["config"].get("factor", 0)))))
            if factor > 15 / 360 + 1e-9:
                raise Wrong(
                    f"RandomRotation com factor {_num(factor)} gira até ±{_num(factor * 360, 0)}°; "
                    "use no máximo 15° (15/360) — o fator é fração de volta."
                )
    off = as_array(outcome(got["off"], "o aumento de dados"), "o aumento de dados")
    if off.shape != x.shape or not np.allclose(off, x, atol=1e-5):
        raise Wrong(
            "com training=False o aumento deve devolver a imagem sem mudança e do mesmo tamanho."
        )
    draws = [as_array(outcome(r, "o aumento de dados"), "o aumento de dados") for r in got["on"]]
    if any(d.shape != x.shape for d in draws):
        raise Wrong("o aumento de dados mudou o tamanho das imagens; preserve 32×32×1.")
    if all(np.allclose(d, x, atol=1e-6) for d in draws):
        raise Wrong("com training=True o aumento não mudou nenhuma imagem.")
    return "aumento sem espelhamento, ativo só no treino, tamanho preservado."


# ---------------------------------------------------------------------------- exercise 7


def select_airplanes_ships(seed, results) -> str:
    cases = _inputs("select_airplanes_ships", seed)
    return judge_class_pair(
        "select_airplanes_ships", cases, results, (0, 8), ("avião", "navio"), ("aviões", "navios")
    )


TESTS = {
    "test_alexnet_structure": ("build_alexnet_cifar", alexnet_structure),
    "test_alexnet_runs": ("build_alexnet_cifar", alexnet_runs),
    "test_conv_stack_field": ("conv_stack", conv_stack_field),
    "test_conv_stack_weights": ("conv_stack", conv_stack_weights),
    "test_ordem_pesos_bn": ("ordem_pesos_bn", ordem_pesos_bn),
    "test_bn_weights_by_name": ("bn_weights_by_name", bn_weights_by_name),
    "test_channel_mean_variance": ("channel_mean_variance", channel_mean_variance),
    "test_bn_no_affine_training": ("bn_no_affine", no_affine_training),
    "test_bn_no_affine_inference": ("bn_no_affine", no_affine_inference),
    "test_bn_no_affine_moving": ("bn_no_affine", no_affine_moving),
    "test_bn_no_affine_weights": ("bn_no_affine", no_affine_weights),
    "test_normalize_train": ("normalize_with_training_stats", normalize_train),
    "test_normalize_test": ("normalize_with_training_stats", normalize_test),
    "test_pad_to_32": ("pad_to_32", pad_to_32),
    "test_fashion_augmentation": ("fashion_augmentation", fashion_augmentation),
    "test_select_airplanes_ships": ("select_airplanes_ships", select_airplanes_ships),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
