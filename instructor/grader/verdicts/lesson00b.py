"""Verdicts of lesson 00b (classic architectures: LeNet-5, AlexNet, transfer learning);
inputs come from :mod:`autograder.probes.lesson00b`.

The LeNet-5 and AlexNet counts are cheap closed forms (the AlexNet shapes from Keras'
``compute_output_shape``), cross-checked against Keras in the course's tests (the judges
must stay fast: a wrong answer may be tried many times). The right letter of the
multiple-choice question lives only here.
"""

from __future__ import annotations

import numpy as np

from autograder import probes
from autograder.probes import lesson00b as probe

from . import Wrong, as_array, integer, multiple_choice, outcome, probe_calls

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who copies the architectures
# notebook's subsampling (MaxPooling2D instead of the paper's average): only the
# subsampling test is lost (the parameters and shapes are the same).
DEMO_WRONG_ANSWER = {
    "build_lenet5": (
        "def build_lenet5(input_shape=(32, 32, 1), num_classes=10):\n"
        "    return keras.Sequential(\n"
        "        [\n"
        "            keras.Input(shape=input_shape),\n"
        '            keras.layers.Conv2D(6, 5, activation="tanh"),\n'
        "            keras.layers.MaxPooling2D(2),\n"
        '            keras.layers.Conv2D(16, 5, activation="tanh"),\n'
        "            keras.layers.MaxPooling2D(2),\n"
        '            keras.layers.Conv2D(120, 5, activation="tanh"),\n'
        "            keras.layers.Flatten(),\n"
        '            keras.layers.Dense(84, activation="tanh"),\n'
        '            keras.layers.Dense(num_classes, activation="softmax"),\n'
        "        ]\n"
        "    )\n"
    ),
}


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


# ---------------------------------------------------------------------------- exercise 1


def _models(seed, results, name: str):
    cases = _inputs(name, seed)
    for (shape, classes), result in zip(cases, probe_calls(results, len(cases), "build_lenet5")):
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


# ---------------------------------------------------------------------------- exercise 2


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
    for (specs, shape), result in zip(cases, probe_calls(results, len(cases), "layer_costs")):
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
            pairs.append((integer(item[0], where), integer(item[1], where)))
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


# ---------------------------------------------------------------------------- exercise 3

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
    "test_lenet5_convs": ("lenet_convs", lenet_convs),
    "test_lenet5_dense": ("lenet_dense", lenet_dense),
    "test_lenet5_pooling": ("lenet_pooling", lenet_pooling),
    "test_layer_costs_alexnet": ("layer_costs_alexnet", layer_costs_alexnet),
    "test_layer_costs_params": ("layer_costs_params", layer_costs_params),
    "test_layer_costs_macs": ("layer_costs_macs", layer_costs_macs),
    "test_resposta_transferencia": ("resposta_transferencia", resposta_transferencia),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
