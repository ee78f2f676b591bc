"""Verdicts of lesson 09 (EfficientNet); inputs come from :mod:`autograder.probes.lesson09`.

Compound scaling is judged against the formulas of Tan and Le (2019); the activations
against ``keras.activations`` on the same arrays; the convolution costs against the
``count_params()`` of Keras layers and the multiplication counts; the blocks on their graphs
(the swish activations of the inverted residual block among them), parameter counts and
outputs (the SE block's against NumPy, with the weights the probe gave its dense layers). The
transfer-learning exercises are judged in :mod:`grader.verdicts.lesson09b`.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from autograder import probes
from autograder.probes import lesson09 as probe

from . import Opaque, Wrong, as_array, outcome

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who returns the paper's approximation
# 2^φ as the FLOPs factor (the usual mistake): keeps the test on the three multipliers, loses
# the one on the FLOPs factor.
DEMO_WRONG_ANSWER = {
    "compound_scaling": (
        "def compound_scaling(phi, alpha=1.2, beta=1.1, gamma=1.15):\n"
        "    return alpha**phi, beta**phi, gamma**phi, 2.0**phi\n"
    ),
}

# A student who keeps the apostila's SE block: ch // ratio without the guard, and the weights
# multiplied without the reshape. Keras's Multiply layer inserts the missing axes itself, so
# only the case with fewer channels than `ratio` breaks: loses the guard test (1 point).
DEMO_EXTRA_STUDENTS = [
    (
        "Sofia Espremida",
        "SE da apostila, sem proteger ch // ratio",
        "perde o teste da proteção ch // ratio ≥ 1 do bloco SE",
        {
            "se_block": (
                "def se_block(x, ratio=16):\n"
                "    ch = x.shape[-1]\n"
                "    s = keras.layers.GlobalAveragePooling2D()(x)\n"
                "    s = keras.layers.Dense(ch // ratio, activation='relu')(s)\n"
                "    s = keras.layers.Dense(ch, activation='sigmoid')(s)\n"
                "    return keras.layers.Multiply()([x, s])\n"
            ),
        },
    ),
]


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, what: str, stop_at_error: bool = False) -> list:
    """The probe's results; a probe that stops early (at the first error, or at an answer
    already wrong) returns fewer, and the judge must find the fault in them."""
    if not isinstance(results, list) or not results or len(results) > count:
        raise Wrong(f"a sonda não conseguiu chamar {what}.")
    if len(results) < count and not stop_at_error:
        raise Wrong(f"a sonda não conseguiu chamar {what} em todos os casos.")
    return results


def _number(value, what: str) -> float:
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = value.text if isinstance(value, Opaque) else type(value).__name__
        raise Wrong(f"{what} deve ser um número, não {kind}.")
    return float(value)


# ---------------------------------------------------------------------------- exercise 1


def _scaling_call(phi, coefficients) -> str:
    if coefficients is None:
        return f"compound_scaling({phi:.4g})"
    a, b, g = coefficients
    return f"compound_scaling({phi:.4g}, alpha={a}, beta={b}, gamma={g})"


def _scaling_results(seed, results, name: str):
    cases = _inputs(name, seed)
    for (phi, coefficients), result in zip(cases, _calls(results, len(cases), "compound_scaling")):
        where = _scaling_call(phi, coefficients)
        got = outcome(result, where)
        if isinstance(got, np.ndarray) and got.ndim == 1:
            got = tuple(got.tolist())
        if not isinstance(got, (tuple, list)) or len(got) != 4:
            raise Wrong(
                f"{where} deve devolver a tupla (profundidade, largura, resolução, flops), "
                "com 4 números."
            )
        numbers = [_number(v, f"cada valor devolvido por {where}") for v in got]
        alpha, beta, gamma = coefficients or (1.2, 1.1, 1.15)
        yield where, phi, (alpha, beta, gamma), coefficients is None, numbers


def compound_multipliers(seed, results) -> str:
    for where, phi, (alpha, beta, gamma), default, got in _scaling_results(
        seed, results, "compound_multipliers"
    ):
        expected = np.array([alpha**phi, beta**phi, gamma**phi])
        values = np.array(got[:3])
        if np.allclose(values, expected, rtol=1e-6, atol=0):
            continue
        if np.allclose(sorted(values), sorted(expected), rtol=1e-6, atol=0):
            raise Wrong(
                f"{where}: os três multiplicadores estão fora de ordem; devolva (profundidade "
                "α^φ, largura β^φ, resolução γ^φ, flops)."
            )
        if np.allclose(
            values, [1 + (alpha - 1) * phi, 1 + (beta - 1) * phi, 1 + (gamma - 1) * phi]
        ):
            raise Wrong(f"{where}: o crescimento é exponencial em φ (α^φ), não linear.")
        if np.allclose(values, [alpha * phi, beta * phi, gamma * phi], rtol=1e-6):
            raise Wrong(f"{where}: φ é um expoente: a profundidade é α elevado a φ, não α·φ.")
        if default:
            raise Wrong(
                f"{where}: com os coeficientes padrão (α=1,2, β=1,1, γ=1,15), os "
                "multiplicadores não são α^φ, β^φ e γ^φ."
            )
        raise Wrong(
            f"{where}: os multiplicadores devem ser α^φ, β^φ e γ^φ, com os coeficientes "
            "recebidos."
        )
    return "devolve α^φ, β^φ e γ^φ, com os coeficientes padrão e com outros, em φ novos."


def compound_flops(seed, results) -> str:
    for where, phi, (alpha, beta, gamma), _, got in _scaling_results(
        seed, results, "compound_flops"
    ):
        expected = (alpha * beta**2 * gamma**2) ** phi
        flops = got[3]
        if np.isclose(flops, expected, rtol=1e-6, atol=0):
            continue
        if np.isclose(flops, 2.0**phi, rtol=1e-6):
            raise Wrong(
                f"{where}: 2^φ é só a aproximação do artigo; o fator de FLOPs é o produto "
                "exato (α·β²·γ²)^φ."
            )
        if np.isclose(flops, (alpha * beta * gamma) ** phi, rtol=1e-6):
            raise Wrong(
                f"{where}: o custo de uma convolução cresce com o QUADRADO da largura e da "
                "resolução: use α·β²·γ²."
            )
        raise Wrong(f"{where}: o fator de FLOPs deve ser (α·β²·γ²)^φ.")
    return "devolve o fator de FLOPs (α·β²·γ²)^φ, em φ e coeficientes novos."


# ---------------------------------------------------------------------------- exercise 2


ATOL_ACTIVATION = 1e-5
RTOL_ACTIVATION = 1e-4
"""Tolerance on the activations: float32 results of one or two transcendental functions."""


def _keras_activation(name: str, x: np.ndarray) -> np.ndarray:
    import keras

    values = x.astype("float32")
    if name == "swish":
        return np.asarray(keras.activations.silu(values), dtype="float64")
    if name == "gelu":
        return np.asarray(keras.activations.gelu(values, approximate=False), dtype="float64")
    if name == "gelu_tanh":
        return np.asarray(keras.activations.gelu(values, approximate=True), dtype="float64")
    sigmoid = np.asarray(keras.activations.sigmoid(1.702 * values), dtype="float64")
    return values.astype("float64") * sigmoid


def _close(got, expected, atol=ATOL_ACTIVATION, rtol=RTOL_ACTIVATION) -> bool:
    return got.shape == expected.shape and np.allclose(got, expected, atol=atol, rtol=rtol)


MISTAKES = {
    "swish": "a swish, x·σ(x)",
    "gelu": "a GELU exata, x·Φ(x)",
    "gelu_tanh": "a aproximação da GELU por tanh (o padrão de keras.ops.gelu)",
    "gelu_sigmoid": "a aproximação x·σ(1,702x)",
}


def _judge_activation(seed, results, name: str, formula: str) -> None:
    cases = _inputs(name, seed)
    results = _calls(results, len(cases), name, stop_at_error=True)
    for x, result in zip(cases, results):
        where = f"{name} de um array de forma {x.shape}"
        got = outcome(result, where)
        got = as_array(got, where)
        if got.shape != x.shape:
            raise Wrong(f"{where} devolveu forma {got.shape}; devolva a mesma forma da entrada.")
        if not np.issubdtype(got.dtype, np.floating):
            raise Wrong(f"{where} devolveu dtype {got.dtype}; devolva números reais (float).")
        got = got.astype("float64")
        if not np.all(np.isfinite(got)):
            raise Wrong(f"{where} devolveu valores não finitos (nan ou inf) para x = ±30.")
        expected = _keras_activation(name, x)
        if _close(got, expected):
            continue
        for other, text in MISTAKES.items():
            if other != name and _close(got, _keras_activation(other, x)):
                raise Wrong(f"{where}: a função calcula {text}; o pedido é {formula}.")
        if _close(got, np.maximum(x, 0)):
            raise Wrong(f"{where}: isso é a ReLU; o pedido é {formula}.")
        worst = int(np.argmax(np.abs(got - expected)))
        point = float(np.ravel(x)[worst])
        raise Wrong(
            f"{where}: difere de {formula} em x = {point:.3f}".replace(".", ",")
            + f" (tolerância {ATOL_ACTIVATION:g} mais {RTOL_ACTIVATION:g} relativo)."
        )


def swish(seed, results) -> str:
    _judge_activation(seed, results, "swish", "x·σ(x) (keras.activations.silu)")
    return "calcula x·σ(x) como keras.activations.silu, em arrays novos."


def gelu(seed, results) -> str:
    _judge_activation(seed, results, "gelu", "x·Φ(x), com Φ(x) = (1 + erf(x/√2))/2")
    return "calcula a GELU exata como keras.activations.gelu(approximate=False), em arrays novos."


def gelu_sigmoid(seed, results) -> str:
    _judge_activation(seed, results, "gelu_sigmoid", "x·σ(1,702x)")
    return "calcula a aproximação x·σ(1,702x) da GELU, em arrays novos."


# ---------------------------------------------------------------------------- exercise 3


KINDS = ("normal", "depthwise", "separable")


@functools.lru_cache(maxsize=256)
def keras_params(height, width, channels_in, channels_out, kernel_size) -> dict:
    """``count_params()`` of the three Keras layers (padding "same", stride 1, with bias)."""
    import keras

    layers = {
        "normal": keras.layers.Conv2D(channels_out, kernel_size, padding="same"),
        "depthwise": keras.layers.DepthwiseConv2D(kernel_size, padding="same"),
        "separable": keras.layers.SeparableConv2D(channels_out, kernel_size, padding="same"),
    }
    counts = {}
    for kind, layer in layers.items():
        layer.build((None, height, width, channels_in))
        counts[kind] = int(layer.count_params())
    return counts


def multiplications(height, width, channels_in, channels_out, kernel_size) -> dict:
    """Multiplications of one image through each layer (padding "same", stride 1)."""
    positions, window = height * width, kernel_size * kernel_size
    return {
        "normal": positions * window * channels_in * channels_out,
        "depthwise": positions * window * channels_in,
        "separable": positions * channels_in * (window + channels_out),
    }


def _costs(seed, results, name: str):
    cases = _inputs(name, seed)
    for case, result in zip(cases, _calls(results, len(cases), "conv_costs")):
        where = "conv_costs({}, {}, {}, {}, {})".format(*case)
        got = outcome(result, where)
        if not isinstance(got, dict) or not set(KINDS) <= set(got):
            raise Wrong(
                f"{where} deve devolver um dicionário com as chaves 'normal', 'depthwise' e "
                "'separable'."
            )
        pairs = {}
        for kind in KINDS:
            pair = got[kind]
            if isinstance(pair, np.ndarray):
                pair = tuple(pair.tolist())
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise Wrong(f"{where}['{kind}'] deve ser o par (parâmetros, multiplicações).")
            pairs[kind] = [_number(v, f"{where}['{kind}']") for v in pair]
        yield where, case, pairs


def conv_costs_params(seed, results) -> str:
    for where, case, pairs in _costs(seed, results, "conv_costs_params"):
        expected = keras_params(*case)
        for kind in KINDS:
            got = pairs[kind][0]
            if got == expected[kind]:
                continue
            height, width, channels_in, channels_out, k = case
            hint = ""
            if kind == "depthwise" and got == k * k * channels_in * channels_out + channels_out:
                hint = " A convolução em profundidade tem UM filtro k×k por canal de entrada."
            elif kind == "separable" and got == expected[kind] + channels_in:
                hint = " No SeparableConv2D do Keras só a convolução 1×1 tem viés."
            elif got == expected[kind] - (channels_out if kind != "depthwise" else channels_in):
                hint = " Conte os vieses (use_bias=True é o padrão do Keras)."
            raise Wrong(
                f"{where}: a convolução '{kind}' tem {expected[kind]} parâmetros no Keras; "
                f"veio {got:.0f}.{hint}"
            )
    return "conta os parâmetros das três convoluções como count_params() do Keras."


def conv_costs_mults(seed, results) -> str:
    for where, case, pairs in _costs(seed, results, "conv_costs_mults"):
        expected = multiplications(*case)
        for kind in KINDS:
            got = pairs[kind][1]
            if got == expected[kind]:
                continue
            height, width = case[0], case[1]
            hint = ""
            if got * height * width == expected[kind]:
                hint = " Conte a imagem inteira: uma janela por pixel de saída (altura × largura)."
            raise Wrong(
                f"{where}: a convolução '{kind}' faz {expected[kind]} multiplicações por "
                f"imagem; veio {got:.0f}.{hint}"
            )
    return "conta as multiplicações das três convoluções, em formas novas."


# ---------------------------------------------------------------------------- exercise 4


def _by_name(graph):
    return {entry["name"]: entry for entry in graph}


def _block_results(seed, results, name: str, what: str):
    cases = _inputs(name, seed)
    for case, result in zip(cases, _calls(results, len(cases), what, stop_at_error=True)):
        call_text = (
            f"{what}(x, {case['expand']})" if what == "inverted_residual_block" else None
        ) or f"se_block(x, ratio={case['ratio']})"
        where = f"com x de forma {(None, *case['shape'])} e {call_text}"
        if "error" in result:
            error = str(result["error"])
            hint = ""
            if what == "inverted_residual_block" and re.search(r"[Ss]hape|Add|add", error):
                hint = (
                    " Para a soma, F(x) precisa da forma de x: padding='same' na convolução "
                    "em profundidade e a última 1×1 com x.shape[-1] filtros."
                )
            raise Wrong(f"{where}, a função levantou {error[:300]}{hint}")
        got = outcome(result, where)
        if not isinstance(got, dict) or got.get("kind") != "Model":
            raise Wrong(f"{where}, a função deve devolver o tensor de saída do bloco.")
        got["where"] = where
        yield case, got


def inverted_params(case: dict) -> int:
    """Parameters of the inverted residual block: 1×1 expansion, 3×3 depthwise and the 1×1
    projection back to the input's channels, each with bias."""
    channels, expand = case["shape"][2], case["expand"]
    return (channels * expand + expand) + (9 * expand + expand) + (expand * channels + channels)


def inverted_residual_shape(seed, results) -> str:
    for case, got in _block_results(
        seed, results, "inverted_residual_shape", "inverted_residual_block"
    ):
        expected = [None, *case["shape"]]
        if got["output_shape"] != expected:
            raise Wrong(
                f"{got['where']}, a saída tem forma {tuple(got['output_shape'])}; esperava "
                f"{tuple(expected)}, a forma de x."
            )
        depthwise = [e for e in got["graph"] if e["class"] == "DepthwiseConv2D"]
        if not depthwise:
            raise Wrong(
                f"{got['where']}, falta a convolução em profundidade (DepthwiseConv2D) 3×3."
            )
        if any(tuple(e["config"].get("kernel_size") or ()) != (3, 3) for e in depthwise):
            raise Wrong(f"{got['where']}, a convolução em profundidade deve ser 3×3.")
        _check_swish(got, depthwise[0])
    return (
        "devolve um tensor da forma de x, com a convolução em profundidade 3×3 e swish na "
        "expansão e na convolução em profundidade."
    )


SWISH = frozenset({"silu", "swish"})
"""Names of the swish activation in layer configs (Keras writes activation="swish" as silu)."""


def _swish_node(entry) -> bool:
    """An Activation layer with swish, or the operation of keras.ops.silu / swish."""
    if entry is None:
        return False
    if entry["class"] == "Activation":
        return entry["config"].get("activation") in SWISH
    return entry["class"] in ("Silu", "Swish")


def _sigmoid_of(entry, name: str) -> bool:
    if entry is None or entry["inbound"] != [name]:
        return False
    if entry["class"] == "Activation":
        return entry["config"].get("activation") == "sigmoid"
    return entry["class"] == "Sigmoid"


def _unswished(nodes: dict, name: str):
    """(the tensor before a swish applied to ``name``'s output, whether there was one): a
    swish layer or operation, or the product y·σ(y)."""
    entry = nodes.get(name)
    if _swish_node(entry) and len(entry["inbound"]) == 1:
        return entry["inbound"][0], True
    if entry is not None and entry["class"] == "Multiply" and len(entry["inbound"]) == 2:
        first, second = entry["inbound"]
        if _sigmoid_of(nodes.get(second), first):
            return first, True
        if _sigmoid_of(nodes.get(first), second):
            return second, True
    return name, False


def _check_swish(got: dict, depthwise: dict) -> None:
    """Swish after the expansion and after the depthwise convolution, as the layer's
    activation or as a separate layer or operation."""
    nodes = _by_name(got["graph"])
    before, swished = _unswished(nodes, (depthwise["inbound"] or [""])[0])
    if not swished and nodes.get(before, {}).get("activation") not in SWISH:
        raise Wrong(
            f"{got['where']}, a expansão 1×1 (a Conv2D antes da convolução em profundidade) "
            "deve usar activation='swish'."
        )
    after = depthwise["activation"] in SWISH or any(
        _unswished(nodes, entry["name"]) == (depthwise["name"], True)
        for entry in got["graph"]
        if depthwise["name"] in entry["inbound"]
    )
    if not after:
        raise Wrong(f"{got['where']}, a convolução em profundidade deve usar activation='swish'.")


def inverted_residual_params(seed, results) -> str:
    for case, got in _block_results(
        seed, results, "inverted_residual_params", "inverted_residual_block"
    ):
        expected = inverted_params(case)
        if got["params"] != expected:
            norms = sum(e["class"] == "BatchNormalization" for e in got["graph"])
            hint = " O bloco do exercício não tem BatchNormalization." if norms else ""
            if not norms:
                hint = (
                    " Confira: 1×1 de C para `expand` canais, 3×3 em profundidade e 1×1 de "
                    "volta para C canais, todas com viés."
                )
            raise Wrong(
                f"{got['where']}, o bloco tem {got['params']} parâmetros; deveria ter "
                f"{expected}.{hint}"
            )
    return "tem o número de parâmetros certo (expansão, profundidade, projeção), em formas novas."


def inverted_residual_sum(seed, results) -> str:
    for case, got in _block_results(
        seed, results, "inverted_residual_sum", "inverted_residual_block"
    ):
        x, beta = case["x"], case["beta"]
        where = got["where"]
        if not got.get("projection"):
            raise Wrong(
                f"{where}, não encontrei a projeção: ela deve ser uma Conv2D 1×1 (kernel_size "
                "1) de `expand` canais de volta para os C canais de x, não uma Dense nem outra "
                "camada."
            )
        out = as_array(got["output"], "o bloco")

        def close(expected):
            return out.shape == expected.shape and np.allclose(out, expected, atol=2e-3)

        if close(x + beta):
            continue
        if close(np.broadcast_to(beta, x.shape)):
            raise Wrong(f"{where}, a saída não depende de x: some x à saída (keras.layers.Add).")
        if close(x + np.maximum(beta, 0)) or close(x + beta / (1 + np.exp(-beta))):
            raise Wrong(
                f"{where}, a última convolução 1×1 deve ser linear (sem ativação): a ReLU "
                "que a apostila põe nela joga fora informação num espaço de poucos canais."
            )
        if close(np.maximum(x + beta, 0)) or close((x + beta) / (1 + np.exp(-(x + beta)))):
            raise Wrong(f"{where}, não aplique ativação depois da soma: a saída é x + F(x).")
        projections = [
            e
            for e in got["graph"]
            if e["class"] == "Conv2D"
            and tuple(e["config"].get("kernel_size") or ()) == (1, 1)
            and e["config"].get("filters") == len(beta)
        ]
        if any(e["activation"] not in (None, "linear") for e in projections[-1:]):
            raise Wrong(f"{where}, a última convolução 1×1 deve ser linear (sem ativação).")
        raise Wrong(
            f"{where}, o bloco não devolve x + F(x), com F terminando na projeção 1×1 linear."
        )
    return "soma x à saída da projeção 1×1 linear (x + F(x)), em formas novas."


# ---------------------------------------------------------------------------- exercise 5


def se_params(case: dict) -> int:
    """Parameters of the SE block: dense (or 1×1) layers ch → max(1, ch // ratio) → ch."""
    channels = case["shape"][2]
    reduced = max(1, channels // case["ratio"])
    return (channels * reduced + reduced) + (reduced * channels + channels)


def _se_shape(got, case) -> None:
    expected = [None, *case["shape"]]
    if got["output_shape"] != expected:
        raise Wrong(
            f"{got['where']}, a saída tem forma {tuple(got['output_shape'])}; esperava "
            f"{tuple(expected)}, a forma de x."
        )


def se_block_params(seed, results) -> str:
    for case, got in _block_results(seed, results, "se_block_params", "se_block"):
        _se_shape(got, case)
        expected = se_params(case)
        if got["params"] != expected:
            raise Wrong(
                f"{got['where']}, o bloco tem {got['params']} parâmetros; deveria ter "
                f"{expected} (duas camadas densas, ch → ch // ratio → ch, com viés)."
            )
    return "devolve a forma de x e tem os parâmetros de ch → ch // ratio → ch."


def se_block_guard(seed, results) -> str:
    for case, got in _block_results(seed, results, "se_block_guard", "se_block"):
        _se_shape(got, case)
        expected = se_params(case)
        if got["params"] != expected:
            raise Wrong(
                f"{got['where']}, ch // ratio = 0: a camada do meio deve ter pelo menos 1 "
                f"neurônio, max(1, ch // ratio); o bloco tem {got['params']} parâmetros, e "
                f"deveria ter {expected}."
            )
    return "funciona com menos canais que ratio (max(1, ch // ratio) neurônios)."


def se_block_excitation(seed, results) -> str:
    for case, got in _block_results(seed, results, "se_block_excitation", "se_block"):
        _se_shape(got, case)
        x, where = case["x"], got["where"]
        out = as_array(got["output"], "o bloco", x.shape).astype("float64")
        weights = out / x
        per_channel = weights.mean(axis=(1, 2), keepdims=True)
        if not np.allclose(weights, per_channel, atol=1e-4, rtol=1e-3):
            raise Wrong(
                f"{where}, a saída não é x multiplicado por UM peso por canal e por imagem: "
                "o peso de cada canal deve valer para todos os pixels (reshape para "
                "(1, 1, ch) antes de multiplicar)."
            )
        found = got.get("weights") == ["b1", "b2", "w1", "w2"]
        if found and _se_close(out, se_output(case)):
            continue
        if found:
            _se_mistake(case, where, out)
        if not np.all((per_channel > 0) & (per_channel < 1)):
            raise Wrong(
                f"{where}, os pesos dos canais devem estar entre 0 e 1 (sigmoide na "
                "segunda camada densa)."
            )
        if np.allclose(per_channel, per_channel[:1], atol=1e-6):
            raise Wrong(
                f"{where}, os pesos são os mesmos para imagens diferentes: eles devem vir da "
                "média de cada canal da PRÓPRIA imagem (GlobalAveragePooling2D)."
            )
        if not found:
            raise Wrong(
                f"{where}, não encontrei as duas camadas densas do bloco, de ch para "
                "max(1, ch // ratio) neurônios e de volta para ch, ambas com viés."
            )
        pools = {e["class"] for e in got["graph"]} & {"GlobalMaxPooling2D", "MaxPooling2D"}
        if pools:
            raise Wrong(
                f"{where}, use GlobalAveragePooling2D (a média de cada canal), não "
                f"{min(pools)}."
            )
        raise Wrong(
            f"{where}, o peso de cada canal não é σ(Dense(ReLU(Dense(média do canal)))): "
            "confira GlobalAveragePooling2D → Dense(max(1, ch // ratio), activation='relu') "
            "→ Dense(ch, activation='sigmoid') → Reshape((1, 1, ch)) → Multiply com x."
        )
    return (
        "multiplica cada canal de x pelo peso σ(Dense(ReLU(Dense(média do canal)))), entre 0 "
        "e 1 e que depende da imagem."
    )


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


SE_POOLS = {
    "mean": lambda x: x.mean(axis=(1, 2)),
    "max": lambda x: x.max(axis=(1, 2)),
}
SE_MIDDLES = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "swish": lambda z: z / (1 + np.exp(-z)),
    "linear": lambda z: z,
}
SE_GATES = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softmax": _softmax,
    "hard_sigmoid": lambda z: np.clip(z / 6 + 0.5, 0, 1),
}


def se_output(case: dict, pool="mean", middle="relu", gate="sigmoid") -> np.ndarray:
    """The SE block's output on the case's images with its weights (lesson 09):
    x · gate(middle(pool(x)·W1 + b1)·W2 + b2), one weight per channel and image."""
    x = case["x"].astype("float64")
    hidden = SE_MIDDLES[middle](SE_POOLS[pool](x) @ case["w1"] + case["b1"])
    weights = SE_GATES[gate](hidden @ case["w2"] + case["b2"])
    return x * weights[:, None, None, :]


SE_MISTAKES = [
    (
        {"pool": "max"},
        "o squeeze é a MÉDIA de cada canal (GlobalAveragePooling2D), não o máximo.",
    ),
    (
        {"gate": "softmax"},
        "a segunda camada densa usa sigmoide, um peso entre 0 e 1 para cada canal por si; "
        "a softmax faz os canais dividirem uma soma 1.",
    ),
    ({"gate": "hard_sigmoid"}, "a segunda camada densa usa a sigmoide (activation='sigmoid')."),
]
SE_MISTAKES += [
    ({"middle": middle}, "a primeira camada densa (a do meio) usa ReLU.")
    for middle in SE_MIDDLES
    if middle != "relu"
]


def _se_close(out: np.ndarray, expected: np.ndarray) -> bool:
    return np.allclose(out, expected, atol=1e-4, rtol=1e-3)


def _se_mistake(case: dict, where: str, out: np.ndarray) -> None:
    """Name the usual mistake the output matches (with the weights the probe gave), if any."""
    for changes, text in SE_MISTAKES:
        if _se_close(out, se_output(case, **changes)):
            raise Wrong(f"{where}, {text}")


TESTS = {
    "test_compound_multipliers": ("compound_multipliers", compound_multipliers),
    "test_compound_flops": ("compound_flops", compound_flops),
    "test_swish": ("swish", swish),
    "test_gelu": ("gelu", gelu),
    "test_gelu_sigmoid": ("gelu_sigmoid", gelu_sigmoid),
    "test_conv_costs_params": ("conv_costs_params", conv_costs_params),
    "test_conv_costs_mults": ("conv_costs_mults", conv_costs_mults),
    "test_inverted_residual_shape": ("inverted_residual_shape", inverted_residual_shape),
    "test_inverted_residual_params": ("inverted_residual_params", inverted_residual_params),
    "test_inverted_residual_sum": ("inverted_residual_sum", inverted_residual_sum),
    "test_se_block_params": ("se_block_params", se_block_params),
    "test_se_block_guard": ("se_block_guard", se_block_guard),
    "test_se_block_excitation": ("se_block_excitation", se_block_excitation),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
