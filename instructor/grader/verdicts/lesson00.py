"""Verdicts of lesson 00 (CNN fundamentals); inputs come from :mod:`autograder.probes.lesson00`.

Expected results come from pristine libraries: ``scipy.signal.correlate2d`` for the
correlation, Keras layers (``Conv2D`` behind ``ZeroPadding2D``, ``MaxPooling2D``,
``AveragePooling2D``) for output sizes, pooling and parameter counts. The LeNet-5 and
AlexNet counts are cheap closed forms, cross-checked against Keras in the course's tests
(the judges must stay fast: a wrong answer may be tried many times). The right letter of the
multiple-choice question lives only here.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import signal

from autograder import probes
from autograder.probes import lesson00 as probe

from . import Wrong, as_array, decode, multiple_choice, outcome

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who follows the slide's summary and
# counts F·F·D₁ weights (one filter's) plus K biases: only the parameter test is lost.
DEMO_WRONG_ANSWER = {
    "conv2d_params": "def conv2d_params(f, d1, k):\n    return f * f * d1 + k\n",
}

# A student who computes the mathematical convolution (kernel flipped, as scipy's
# convolve2d): the shapes are right, the values are not.
DEMO_EXTRA_STUDENTS = [
    (
        "Vera Virada",
        "convolução com o núcleo girado (a convolução da matemática)",
        "perde o teste dos valores da correlação",
        {
            "correlate2d_valid": (
                "def correlate2d_valid(image, kernel):\n"
                "    image = np.asarray(image, dtype=float)\n"
                "    kernel = np.asarray(kernel, dtype=float)[::-1, ::-1]\n"
                "    kh, kw = kernel.shape\n"
                "    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1\n"
                "    out = np.zeros((rows, cols))\n"
                "    for i in range(kh):\n"
                "        for j in range(kw):\n"
                "            out += kernel[i, j] * image[i:i + rows, j:j + cols]\n"
                "    return out\n"
            ),
        },
    ),
]

RTOL = 1e-5
"""Relative tolerance of the correlation's values: a float32 answer (or Keras' own Conv2D)
is right too."""


def correlation_atol(image: np.ndarray, kernel: np.ndarray) -> float:
    """Absolute tolerance of one correlation: what float32 arithmetic may lose on a sum of
    products as large as ``Σ|kernel| · max|image|`` (about 1e-4 on a uint8 photo), many
    times less than a flipped kernel or a uint8 overflow changes."""
    bound = float(np.abs(kernel).sum() * np.abs(image.astype(np.float64)).max(initial=0.0))
    return 1e-6 + 1e-5 * bound


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, what: str) -> list:
    if not isinstance(results, list) or len(results) != count:
        raise Wrong(f"a sonda não conseguiu chamar {what} em todos os casos.")
    return results


def _integer(got, what: str) -> int:
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (numbers.Integral, np.integer)):
        kind = type(got).__name__
        if isinstance(got, float) and float(got).is_integer():
            raise Wrong(f"{what} devolveu {got!r} (float); devolva um inteiro (int).")
        raise Wrong(f"{what} deve devolver um inteiro, não {kind} ({str(got)[:60]}).")
    return int(got)


# ---------------------------------------------------------------------------- exercise 1


def _correlations(seed, results, name: str):
    cases = _inputs(name, seed)
    for (image, kernel), result in zip(cases, _calls(results, len(cases), "correlate2d_valid")):
        where = f"com imagem {image.shape} ({image.dtype}) e núcleo {kernel.shape}"
        got = outcome(result, f"correlate2d_valid ({where})")
        got = as_array(got, f"correlate2d_valid ({where})")
        yield where, image, kernel, got


def correlate_shape(seed, results) -> str:
    for where, image, kernel, got in _correlations(seed, results, "correlate_shape"):
        expected = (image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1)
        if got.shape == expected:
            continue
        if got.shape == image.shape:
            raise Wrong(
                f"{where}, a saída tem a forma da imagem: a correlação 'valid' só usa as "
                "posições em que o núcleo cabe inteiro, sem preencher a borda."
            )
        if got.shape == expected[::-1]:
            raise Wrong(f"{where}, a saída veio transposta: linhas e colunas trocadas.")
        if got.shape != expected:
            raise Wrong(
                f"{where}, a saída tem forma {got.shape}; a correlação 'valid' dá "
                "(H − kh + 1, W − kw + 1)."
            )
    return "a saída tem a forma (H − kh + 1, W − kw + 1), com núcleos retangulares também."


def correlate_values(seed, results) -> str:
    for where, image, kernel, got in _correlations(seed, results, "correlate_values"):
        floats = image.astype(np.float64)
        expected = signal.correlate2d(floats, kernel, mode="valid")
        if got.shape != expected.shape:
            raise Wrong(f"{where}, a saída tem forma {got.shape}; esperava {expected.shape}.")
        atol = correlation_atol(image, kernel)
        if np.allclose(got, expected, atol=atol, rtol=RTOL):
            continue
        flipped = signal.convolve2d(floats, kernel, mode="valid")
        if np.allclose(got, flipped, atol=atol, rtol=RTOL):
            raise Wrong(
                f"{where}, você girou o núcleo: isso é a convolução da matemática. A "
                "'convolução' das redes (e do Keras) é a correlação cruzada, sem girar."
            )
        if image.dtype == np.uint8:
            raise Wrong(
                f"{where}, os valores estão errados numa imagem uint8: converta para float "
                "antes de multiplicar e somar (em uint8 as contas passam de 255 e dão a volta)."
            )
        wrong = int(np.sum(~np.isclose(got, expected, atol=atol, rtol=RTOL)))
        raise Wrong(
            f"{where}, {wrong} de {expected.size} valores estão errados: cada saída (i, j) é "
            "a soma de núcleo × o pedaço da imagem que começa em (i, j)."
        )
    return "confere com scipy.signal.correlate2d (e com o Conv2D do Keras) em entradas novas."


# ---------------------------------------------------------------------------- exercise 2


def keras_output_size(w: int, f: int, s: int, p: int) -> int:
    """The width Keras gives: ZeroPadding2D(p) then Conv2D(1, f, strides=s), on a w×w input."""
    import keras

    padded = keras.layers.ZeroPadding2D(p).compute_output_shape((1, w, w, 1))
    return int(keras.layers.Conv2D(1, f, strides=s).compute_output_shape(padded)[1])


def output_size_values(seed, results) -> str:
    cases = _inputs("output_size_values", seed)
    for (w, f, s, p), result in zip(cases, _calls(results, len(cases), "conv_output_size")):
        what = f"conv_output_size({w}, {f}, {s}, {p})"
        got = _integer(outcome(result, what), what)
        expected = keras_output_size(w, f, s, p)
        if got != expected:
            if got == (w - f + p) // s + 1:
                raise Wrong(f"{what} devolveu {got}: o preenchimento conta dos dois lados (2P).")
            raise Wrong(f"{what} devolveu {got}, mas o Conv2D do Keras dá outra largura.")
    return "confere com as formas de saída do Conv2D do Keras em configurações novas."


def output_size_errors(seed, results) -> str:
    cases = _inputs("output_size_errors", seed)
    for ((w, f, s, p), valid), result in zip(
        cases, _calls(results, len(cases), "conv_output_size")
    ):
        what = f"conv_output_size({w}, {f}, {s}, {p})"
        if valid:
            got = _integer(outcome(result, what), what)
            if got != keras_output_size(w, f, s, p):
                raise Wrong(f"{what} devolveu {got}, que não é a largura da saída.")
            continue
        if not isinstance(result, dict) or "error" not in result:
            got = decode(result.get("value")) if isinstance(result, dict) else None
            raise Wrong(
                f"{what} devolveu {str(got)[:40]}, mas essa configuração não é válida: "
                "levante ValueError com uma mensagem que diga por quê."
            )
        if result.get("value_error") is not True:  # a subclass of ValueError is one
            raise Wrong(f"{what} levantou {str(result['error'])[:80]}; use ValueError.")
        if len(str(result["error"]).split(":", 1)[-1].strip()) < 5:
            raise Wrong(f"{what}: dê ao ValueError uma mensagem que explique o problema.")
    return "levanta ValueError nas configurações inválidas e acerta as válidas."


# ---------------------------------------------------------------------------- exercise 3


def keras_pool(x: np.ndarray, mode: str) -> np.ndarray:
    """``x`` (H, W) through Keras' 2×2, stride 2, 'valid' pooling layer."""
    import keras

    layer = (
        keras.layers.MaxPooling2D(2, 2) if mode == "max" else keras.layers.AveragePooling2D(2, 2)
    )
    return np.asarray(layer(x[None, :, :, None].astype("float32")))[0, :, :, 0]


def _pools(seed, results, name: str) -> None:
    cases = _inputs(name, seed)
    for (x, mode), result in zip(cases, _calls(results, len(cases), "pool_2x2")):
        what = f'pool_2x2(x, "{mode}") com x de forma {x.shape}'
        got = as_array(outcome(result, what), what)
        expected = keras_pool(x, mode)
        if got.shape != expected.shape:
            hint = ""
            if got.shape == ((x.shape[0] + 1) // 2, (x.shape[1] + 1) // 2):
                hint = " Como no Keras (padding='valid'), a última linha ou coluna ímpar sobra."
            raise Wrong(f"{what}: a saída tem forma {got.shape}; esperava {expected.shape}.{hint}")
        if np.allclose(got, expected, atol=1e-4, rtol=1e-5):
            continue
        other = keras_pool(x, "avg" if mode == "max" else "max")
        if np.allclose(got, other, atol=1e-4, rtol=1e-5):
            raise Wrong(f"{what}: calculou o outro modo (máximo e média trocados).")
        raise Wrong(
            f"{what}: os valores não conferem com o {'Max' if mode == 'max' else 'Average'}"
            "Pooling2D do Keras (janelas 2×2 que não se sobrepõem, passo 2)."
        )


def pool_max(seed, results) -> str:
    _pools(seed, results, "pool_max")
    return "o máximo 2×2 com passo 2 confere com MaxPooling2D."


def pool_avg(seed, results) -> str:
    _pools(seed, results, "pool_avg")
    return "a média 2×2 com passo 2 confere com AveragePooling2D."


def pool_odd(seed, results) -> str:
    _pools(seed, results, "pool_odd")
    return "com tamanhos ímpares, descarta a sobra como o Keras."


# ---------------------------------------------------------------------------- exercise 4


def keras_conv_params(f: int, d1: int, k: int) -> int:
    import keras

    layer = keras.layers.Conv2D(k, f)
    layer.build((None, f, f, d1))
    return int(layer.count_params())


def conv_params(seed, results) -> str:
    cases = _inputs("conv_params", seed)
    for (f, d1, k), result in zip(cases, _calls(results, len(cases), "conv2d_params")):
        what = f"conv2d_params({f}, {d1}, {k})"
        got = _integer(outcome(result, what), what)
        expected = keras_conv_params(f, d1, k)
        if got == expected:
            continue
        if got == f * f * d1 + k:
            raise Wrong(
                f"{what} devolveu {got}: F·F·D₁ são os pesos de UM filtro; com K filtros são "
                "F·F·D₁·K pesos (o resumo do slide esquece o K)."
            )
        if got == f * f * d1 * k:
            raise Wrong(f"{what} devolveu {got}: faltam os vieses (um por filtro).")
        raise Wrong(f"{what} devolveu {got}, mas o Conv2D do Keras tem outro count_params().")
    return "confere com count_params() do Conv2D em configurações novas."


# ---------------------------------------------------------------------------- exercise 5


def _models(seed, results, name: str):
    cases = _inputs(name, seed)
    for (shape, classes), result in zip(cases, _calls(results, len(cases), "build_lenet5")):
        where = f"build_lenet5({shape}, {classes})"
        got = outcome(result, where)
        if not isinstance(got, dict) or got.get("kind") != "Model":
            found = got.get("kind") if isinstance(got, dict) else type(got).__name__
            raise Wrong(f"{where} deve devolver um modelo Keras, não {found}.")
        yield where, shape, classes, got


def _activation_after(layers: list, index: int) -> str | None:
    """The activation applied to layer ``index``: its own, or that of a following
    Activation (or Softmax) layer."""
    own = layers[index].get("activation")
    if own and own != "linear":
        return own
    following = layers[index + 1] if index + 1 < len(layers) else None
    if following and following["class"] == "Activation":
        return following["config"].get("activation")
    if following and following["class"] == "Softmax":
        return "softmax"
    return own


def _of_class(layers: list, kinds: tuple) -> list[int]:
    return [i for i, e in enumerate(layers) if e["class"] in kinds]


def lenet_convs(seed, results) -> str:
    for where, shape, classes, got in _models(seed, results, "lenet_convs"):
        layers = got["layers"]
        convs = _of_class(layers, ("Conv2D",))
        if len(convs) != 3:
            raise Wrong(f"{where}: a LeNet-5 tem 3 convoluções (C1, C3, C5); achei {len(convs)}.")
        channels = shape[2]
        expected = [
            (156 if channels == 1 else (25 * channels + 1) * 6, [None, 28, 28, 6]),
            (2416, [None, 10, 10, 16]),
            (48120, [None, 1, 1, 120]),
        ]
        for name, index, (params, out) in zip(("C1", "C3", "C5"), convs, expected):
            entry = layers[index]
            if entry["params"] != params:
                raise Wrong(
                    f"{where}: {name} tem {entry['params']} parâmetros; deveria ter {params} "
                    "(núcleos 5×5 sobre todos os mapas da entrada, com viés)."
                )
            if entry.get("output_shape") != out:
                raise Wrong(
                    f"{where}: {name} sai com forma {entry.get('output_shape')}; esperava "
                    f"{tuple(out)} (5×5, passo 1, sem preenchimento: padding='valid')."
                )
            if _activation_after(layers, index) != "tanh":
                raise Wrong(f"{where}: {name} usa a tangente hiperbólica (activation='tanh').")
    return "C1, C3 e C5 têm os parâmetros e as formas da LeNet-5 (com a C3 completa do Keras)."


def lenet_dense(seed, results) -> str:
    for where, shape, classes, got in _models(seed, results, "lenet_dense"):
        layers = got["layers"]
        dense = _of_class(layers, ("Dense",))
        if len(dense) != 2:
            raise Wrong(
                f"{where}: depois de C5 vêm 2 camadas densas (F6 e a saída); achei {len(dense)}."
            )
        f6, out = layers[dense[0]], layers[dense[1]]
        if f6["params"] != 10164 or _activation_after(layers, dense[0]) != "tanh":
            raise Wrong(
                f"{where}: F6 é Dense(84, activation='tanh') sobre as 120 saídas de C5: "
                f"(120 + 1)·84 parâmetros; a sua tem {f6['params']}."
            )
        expected = 84 * classes + classes
        if out["params"] != expected or out["config"].get("units") != classes:
            raise Wrong(
                f"{where}: a saída é Dense({classes}) sobre as 84 saídas de F6, com "
                f"{expected} parâmetros; a sua tem {out['params']}."
            )
        if _activation_after(layers, dense[1]) != "softmax":
            raise Wrong(f"{where}: a camada de saída usa softmax.")
        output = as_array(got["output"], "o modelo", (2, classes))
        if not np.allclose(output.sum(axis=1), 1.0, atol=1e-4):
            raise Wrong(f"{where}: as saídas do modelo não somam 1 (softmax).")
    return "F6 e a saída têm os parâmetros certos, com tanh e softmax."


def lenet_pooling(seed, results) -> str:
    for where, shape, classes, got in _models(seed, results, "lenet_pooling"):
        layers = got["layers"]
        if _of_class(layers, ("MaxPooling2D",)):
            raise Wrong(
                f"{where}: a LeNet-5 original faz a média (subamostragem): use "
                "AveragePooling2D, não MaxPooling2D."
            )
        pools = _of_class(layers, ("AveragePooling2D",))
        if len(pools) != 2:
            raise Wrong(
                f"{where}: a LeNet-5 tem 2 camadas de subamostragem (S2, S4); achei {len(pools)}."
            )
        for name, index, out in zip(("S2", "S4"), pools, ([None, 14, 14, 6], [None, 5, 5, 16])):
            entry = layers[index]
            config = entry["config"]
            if tuple(config.get("pool_size") or ()) != (2, 2) or tuple(
                config.get("strides") or ()
            ) != (2, 2):
                raise Wrong(f"{where}: {name} é AveragePooling2D(2) (janela 2×2, passo 2).")
            if entry.get("output_shape") != out or entry["params"] != 0:
                raise Wrong(f"{where}: {name} deve sair com forma {tuple(out)}.")
        total = sum(e["params"] or 0 for e in layers)
        channels = shape[2]
        expected = (25 * channels + 1) * 6 + 2416 + 48120 + 10164 + 84 * classes + classes
        if got["params"] != expected or total != expected:
            raise Wrong(
                f"{where}: o modelo tem {got['params']} parâmetros; a LeNet-5 do Keras teria "
                f"{expected}. Sobrou ou faltou alguma camada?"
            )
    return "S2 e S4 são médias 2×2 com passo 2, e o total de parâmetros confere."


# ---------------------------------------------------------------------------- exercise 6


def expected_costs(specs, input_shape) -> list[tuple[int, int]]:
    """(parameters, multiply-accumulates) of each layer; the shapes come from Keras'
    compute_output_shape (no weights are built, so AlexNet costs nothing)."""
    import keras

    shape = (1, *input_shape)
    costs = []
    for spec in specs:
        kind = spec[0]
        if kind == "conv":
            _, k, f, s, p = spec
            padded = keras.layers.ZeroPadding2D(p).compute_output_shape(shape)
            out = keras.layers.Conv2D(k, f, strides=s).compute_output_shape(padded)
            d1 = shape[3]
            costs.append((f * f * d1 * k + k, f * f * d1 * k * out[1] * out[2]))
        elif kind == "pool":
            _, f, s = spec
            out = keras.layers.MaxPooling2D(f, s).compute_output_shape(shape)
            costs.append((0, 0))
        else:
            units = spec[1]
            n_in = int(np.prod(shape[1:]))
            out = (1, units)
            costs.append((n_in * units + units, n_in * units))
        shape = tuple(int(d) for d in out)
    return costs


def _costs(seed, results, name: str):
    cases = _inputs(name, seed)
    for (specs, shape), result in zip(cases, _calls(results, len(cases), "layer_costs")):
        where = f"layer_costs(specs, {shape}) com {len(specs)} camadas"
        got = outcome(result, where)
        if isinstance(got, np.ndarray) and got.ndim == 2:  # an (n, 2) array is a list of pairs
            got = list(got)
        if not isinstance(got, (list, tuple)) or len(got) != len(specs):
            raise Wrong(f"{where}: devolva uma lista com um par (parâmetros, MACs) por camada.")
        pairs = []
        for item in got:
            if isinstance(item, np.ndarray) and item.ndim == 1:
                item = list(item)
            if not isinstance(item, (list, tuple)) or len(item) != 2:
                raise Wrong(f"{where}: cada item da lista é um par (parâmetros, MACs).")
            pairs.append((_integer(item[0], where), _integer(item[1], where)))
        yield where, specs, shape, pairs, expected_costs(specs, shape)


def _first_difference(specs, pairs, expected, column: int):
    for spec, got, right in zip(specs, pairs, expected):
        if got[column] != right[column]:
            return spec, got[column], right[column]
    return None


def _costs_message(where, spec, got, right, column) -> str:
    what = "parâmetros" if column == 0 else "MACs"
    kind = spec[0]
    text = f"{where}: a camada {spec} tem {got} {what}, não é o que o Keras daria."
    if kind == "pool":
        return text + " Pooling não tem parâmetros nem multiplicações."
    if column == 0 and kind == "conv":
        return text + " Conte F·F·D₁·K pesos e K vieses, com D₁ os canais que chegam."
    if column == 0:
        return text + " Uma densa tem (entradas + 1)·unidades parâmetros (o viés conta)."
    if kind == "conv":
        return (
            text + " Cada uma das H₂·W₂·K saídas faz F·F·D₁ multiplicações-acumulações "
            "(o viés não conta), com H₂ e W₂ da fórmula (W − F + 2P)/S + 1."
        )
    return text + " Uma densa faz entradas·unidades multiplicações-acumulações."


def layer_costs_alexnet(seed, results) -> str:
    for where, specs, _, pairs, expected in _costs(seed, results, "layer_costs_alexnet"):
        for column in (0, 1):
            wrong = _first_difference(specs, pairs, expected, column)
            if wrong:
                raise Wrong(_costs_message("na AlexNet", *wrong, column))
    return "parâmetros e MACs de cada camada da AlexNet conferem."


def layer_costs_params(seed, results) -> str:
    for where, specs, _, pairs, expected in _costs(seed, results, "layer_costs_params"):
        wrong = _first_difference(specs, pairs, expected, 0)
        if wrong:
            raise Wrong(_costs_message(where, *wrong, 0))
    return "os parâmetros conferem em listas novas de camadas."


def layer_costs_macs(seed, results) -> str:
    for where, specs, _, pairs, expected in _costs(seed, results, "layer_costs_macs"):
        wrong = _first_difference(specs, pairs, expected, 1)
        if wrong:
            raise Wrong(_costs_message(where, *wrong, 1))
    return "as multiplicações-acumulações conferem em listas novas de camadas."


# ---------------------------------------------------------------------------- exercise 7

RIGHT_LETTER = "b"
REASON = (
    "com poucas imagens e um domínio parecido com o do ImageNet, os atributos que a rede já "
    "extrai servem; treinar muitos pesos com poucos exemplos leva ao sobreajuste. Congela-se "
    "a base e treina-se só o classificador novo. Treinar do zero (a) ou ajustar tudo com taxa "
    "alta (c) joga fora o que a rede aprendeu e sobreajusta; a última camada original (d) "
    "tem as 1000 classes do ImageNet, não as suas."
)


resposta_transferencia = multiple_choice("resposta_transferencia", RIGHT_LETTER, REASON)


TESTS = {
    "test_correlate_shape": ("correlate_shape", correlate_shape),
    "test_correlate_values": ("correlate_values", correlate_values),
    "test_output_size_values": ("output_size_values", output_size_values),
    "test_output_size_errors": ("output_size_errors", output_size_errors),
    "test_pool_max": ("pool_max", pool_max),
    "test_pool_avg": ("pool_avg", pool_avg),
    "test_pool_odd": ("pool_odd", pool_odd),
    "test_conv2d_params": ("conv_params", conv_params),
    "test_lenet5_convs": ("lenet_convs", lenet_convs),
    "test_lenet5_dense": ("lenet_dense", lenet_dense),
    "test_lenet5_pooling": ("lenet_pooling", lenet_pooling),
    "test_layer_costs_alexnet": ("layer_costs_alexnet", layer_costs_alexnet),
    "test_layer_costs_params": ("layer_costs_params", layer_costs_params),
    "test_layer_costs_macs": ("layer_costs_macs", layer_costs_macs),
    "test_resposta_transferencia": ("resposta_transferencia", resposta_transferencia),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
