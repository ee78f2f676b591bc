"""Verdicts of lesson 06 (Inception); inputs come from :mod:`autograder.probes.lesson06`.

Expected values are computed here with pristine Keras (the 1×1 convolution, the Sequential
LeNet that receives the same fresh weights as the student's functional one) and plain
arithmetic (costs and parameter counts); the right letter of the multiple-choice question
lives only here.
"""

from __future__ import annotations

import numpy as np

from autograder import probes
from autograder.checks.lesson06 import (
    inception_structure_problem,
    ponti_structure_problem,
)
from autograder.probes import lesson06 as probe

from . import Opaque, Wrong, as_array, multiple_choice, outcome
from .lesson03 import select_dogs_cats

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who forgets the 1×1 reduction in
# front of the 3×3 and the 5×5 (the "naive" module of the apostila's figure 11): the output
# still has 256 channels for 64 filters, but the parameter count and the towers are wrong.
DEMO_WRONG_ANSWER = {
    "inception_module": (
        "def inception_module(x, filters, weight_decay=0.0):\n"
        "    reg = keras.regularizers.L2(weight_decay) if weight_decay else None\n"
        "    def conv(n, k, t):\n"
        "        return keras.layers.Conv2D(n, k, padding='same', activation='relu',\n"
        "            kernel_regularizer=reg, bias_regularizer=reg)(t)\n"
        "    tower_0 = conv(filters, 1, x)\n"
        "    tower_1 = conv(2 * filters, 3, x)\n"
        "    tower_2 = conv(filters // 2, 5, x)\n"
        "    pooled = keras.layers.MaxPooling2D(3, strides=1, padding='same')(x)\n"
        "    tower_3 = conv(filters // 2, 1, pooled)\n"
        "    x = keras.layers.concatenate([tower_0, tower_1, tower_2, tower_3])\n"
        "    return keras.layers.BatchNormalization()(x)\n"
    ),
}

# A student who builds Ponti's network with the apostila's module (program 9: 2·f filters
# in the 3×3 tower, BatchNormalization) instead of Ponti's filter counts: structure and
# parameters lose their points, the compile settings keep theirs.
DEMO_EXTRA_STUDENTS = [
    (
        "Ivo Trocou",
        "montou a rede de Ponti com o módulo do programa 9",
        "sem os pontos de estrutura e de parâmetros de Ponti",
        {
            "build_ponti_inception": (
                "def build_ponti_inception(input_shape, num_classes):\n"
                "    inputs = keras.Input(shape=input_shape)\n"
                "    x = inception_module(inputs, 32)\n"
                "    x = keras.layers.MaxPooling2D(2, strides=2)(x)\n"
                "    x = inception_module(x, 32)\n"
                "    x = keras.layers.MaxPooling2D(2, strides=2)(x)\n"
                "    x = keras.layers.GlobalAveragePooling2D()(x)\n"
                "    outputs = keras.layers.Dense(num_classes, activation='softmax')(x)\n"
                "    model = keras.Model(inputs, outputs)\n"
                "    model.compile(\n"
                "        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.8),\n"
                "        loss='sparse_categorical_crossentropy',\n"
                "        metrics=['accuracy'],\n"
                "    )\n"
                "    return model\n"
            ),
        },
    ),
]

# ---------------------------------------------------------------------------- helpers


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, what: str) -> list:
    if not isinstance(results, list) or len(results) != count:
        raise Wrong(f"a sonda não conseguiu chamar {what} nos casos pedidos.")
    return results


def _model(result, what: str) -> dict:
    got = outcome(result, what)
    if not isinstance(got, dict):
        kind = got.text if isinstance(got, Opaque) else type(got).__name__
        raise Wrong(f"{what} deve devolver um modelo Keras, não {kind}.")
    return got


# ---------------------------------------------------------------------------- exercise 1


def _keras_conv1x1(images, kernel, bias):
    import keras

    layer = keras.layers.Conv2D(kernel.shape[-1], kernel_size=1, use_bias=bias is not None)
    layer.build(images.shape)
    layer.set_weights([kernel] if bias is None else [kernel, bias])
    return np.asarray(layer(images), dtype=np.float64)


def _judge_conv1x1(name: str, with_bias: bool):
    def judge(seed, results) -> str:
        cases = _inputs(name, seed)
        for (images, kernel, bias), result in zip(cases, _calls(results, len(cases), "conv1x1")):
            n, height, width, c_in = images.shape
            c_out = kernel.shape[-1]
            call = f"imagens {images.shape}, kernel {kernel.shape}" + (
                f", bias {bias.shape}" if with_bias else ""
            )
            got = as_array(outcome(result, "conv1x1"), "conv1x1")
            if got.shape != (n, height, width, c_out):
                raise Wrong(
                    f"com {call}, conv1x1 devolveu forma {got.shape}; esperava "
                    f"{(n, height, width, c_out)} (um canal de saída por filtro)."
                )
            want = _keras_conv1x1(images, kernel, bias)
            if not np.all(np.isfinite(got)) or not np.allclose(got, want, rtol=1e-4, atol=1e-4):
                raise Wrong(
                    f"com {call}, a saída difere da de keras.layers.Conv2D(kernel_size=1) com "
                    f"os mesmos pesos (maior diferença {np.abs(got - want).max():.3g})."
                    + (" Some o bias de cada canal de saída." if with_bias else "")
                )
        what = "com bias" if with_bias else "sem bias"
        return f"igual a Conv2D(kernel_size=1) do Keras, {what}, em tensores e canais novos."

    judge.__name__ = name
    return judge


conv1x1 = _judge_conv1x1("conv1x1", with_bias=False)
conv1x1_bias = _judge_conv1x1("conv1x1_bias", with_bias=True)

# ---------------------------------------------------------------------------- exercise 2


def _cost_judge(index: int):
    def judge(seed, results) -> str:
        cases = _inputs("conv_cost", seed)
        for args, result in zip(cases, _calls(results, len(cases), "conv_cost")):
            height, width, c_in, c_out, k = args
            got = outcome(result, "conv_cost")
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                raise Wrong(
                    f"conv_cost deve devolver uma tupla (multiplicações, pesos), não {got!r}."
                )
            value = got[index]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise Wrong(f"conv_cost{args} devolveu {value!r}, que não é um número.")
            if index == 0:
                want = k * k * c_in * height * width * c_out
                hint = (
                    "cada valor de saída custa k·k·C_in multiplicações e o mapa de saída "
                    "tem H·W·C_out valores (padding 'same', passo 1)."
                )
                if value == k * k * c_in * (height - k + 1) * (width - k + 1) * c_out:
                    hint = "o mapa de saída tem o tamanho do de entrada (padding 'same')."
            else:
                want = k * k * c_in * c_out
                hint = "cada filtro tem k·k·C_in pesos; não conte os bias."
            if float(value) != want:
                part = "multiplicações" if index == 0 else "pesos"
                raise Wrong(f"conv_cost{args}: {part} = {value}, errado: {hint}")
        part = "as multiplicações" if index == 0 else "os pesos"
        return f"conta {part} de convoluções em valores novos."

    return judge


conv_cost_multiplications = _cost_judge(0)
conv_cost_weights = _cost_judge(1)

# ---------------------------------------------------------------------------- exercise 3


def inception_params(channels: int, filters: int) -> int:
    """Parameters of program 9's module on ``channels`` input channels, BN included."""
    half = filters // 2
    total = channels * filters + filters  # 1×1
    total += channels * 2 * filters + 2 * filters + 9 * (2 * filters) ** 2 + 2 * filters
    total += channels * half + half + 25 * half * half + half  # 1×1 → 5×5
    total += channels * half + half  # pooling → 1×1
    return total + 4 * (3 * filters + 2 * half)  # γ, β, moving mean and variance


def _modules(seed, results):
    cases = _inputs("inception_module", seed)
    for (shape, filters, decay), result in zip(
        cases, _calls(results, len(cases), "inception_module")
    ):
        where = f"entrada {shape}, filters={filters}" + (
            f", weight_decay={decay}" if decay else ""
        )
        got = outcome(result, f"inception_module ({where})")
        if not isinstance(got, dict) or "graph" not in got:
            raise Wrong(f"com {where}, inception_module não devolveu um tensor do Keras.")
        yield shape, filters, decay, where, got


def inception_channels(seed, results) -> str:
    for shape, filters, _, where, got in _modules(seed, results):
        half = filters // 2
        want = [None, shape[0], shape[1], 3 * filters + 2 * half]
        if list(got["output_shape"]) != want:
            raise Wrong(
                f"com {where}, a saída tem forma {tuple(got['output_shape'])}; esperava "
                f"{tuple(want)}: mesmo tamanho de mapa e filters + 2·filters + filters//2 + "
                "filters//2 canais."
            )
    return "a saída tem o tamanho do mapa de entrada e os canais das 4 torres, em casos novos."


def inception_params_judge(seed, results) -> str:
    for shape, filters, _, where, got in _modules(seed, results):
        want = inception_params(shape[2], filters)
        if got["params"] != want:
            raise Wrong(
                f"com {where}, o módulo tem {got['params']} parâmetros, não o que a fórmula dá "
                "para as quatro torres (com bias) mais a BatchNormalization (4 por canal)."
            )
    return "o número de parâmetros é o da fórmula, em entradas e filtros novos."


def inception_towers(seed, results) -> str:
    for _, filters, decay, where, got in _modules(seed, results):
        problem = inception_structure_problem(got["graph"], filters, decay)
        if problem:
            raise Wrong(f"com {where}, {problem}")
    return "as quatro torres, a concatenação, a BatchNormalization e a L2 estão certas."


# ---------------------------------------------------------------------------- exercise 4


def _sequential_lenet(shape, classes):
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=shape),
            keras.layers.Conv2D(20, 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(40, 5, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(1000, activation="relu"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )


def functional_lenet(seed, results) -> str:
    cases = _inputs("functional_lenet", seed)
    weights = probes.generator(seed, "functional_lenet_weights")
    for (shape, classes, x), result in zip(
        cases, _calls(results, len(cases), "build_functional_lenet")
    ):
        where = f"build_functional_lenet({shape}, {classes})"
        got = _model(result, where)
        if got.get("kind") != "Functional":
            raise Wrong(
                f"{where} devolveu um {got.get('kind')}: monte a rede com a API funcional "
                "(keras.Input, camadas chamadas sobre tensores, keras.Model(inputs, outputs))."
            )
        sequential = _sequential_lenet(shape, classes)
        want_layers = [
            [type(layer).__name__, layer.get_config().get("rate")] for layer in sequential.layers
        ]
        if got.get("layers") != want_layers:
            wanted = ", ".join(
                kind if rate is None else f"{kind}({rate})" for kind, rate in want_layers
            )
            found = ", ".join(
                kind if rate is None else f"{kind}({rate})"
                for kind, rate in got.get("layers") or []
            )
            raise Wrong(
                f"{where}: as camadas deviam ser as da LeNet da lição 03, na mesma ordem "
                f"({wanted}); encontrei {found}."
            )
        want_shapes = [list(w.shape) for w in sequential.get_weights()]
        if got.get("weight_shapes") != want_shapes:
            raise Wrong(
                f"{where}: os pesos têm formas {got.get('weight_shapes')}, e os da LeNet da "
                f"lição 03 (programa 2) são {want_shapes}. Mesmas camadas, na mesma ordem."
            )
        sequential.set_weights(probe.random_weights(weights, want_shapes))
        want = np.asarray(sequential(x, training=False))
        output = as_array(outcome(got["output"], "o modelo"), "o modelo", want.shape)
        if not np.allclose(output, want, atol=1e-4):
            raise Wrong(
                f"{where}: com os mesmos pesos da LeNet Sequential, as saídas diferem (maior "
                f"diferença {np.abs(output - want).max():.3g}). Confira a ordem das camadas, "
                "as ativações, o Flatten e o softmax."
            )
    return "com os pesos da LeNet Sequential, dá as mesmas saídas, em formas de entrada novas."


# ---------------------------------------------------------------------------- exercise 8

RIGHT_LETTER = "d"
REASON = (
    "a diferença está no caminho que a informação percorre. A VGG é uma pilha sequencial de "
    "convoluções (3×3), com max-pooling de vez em quando; a Inception põe convoluções de "
    "tamanhos diferentes EM PARALELO (1×1, 3×3, 5×5 e pooling) e concatena os mapas; a ResNet "
    "tem atalhos que SOMAM a entrada de um bloco à sua saída, pulando camadas. (a) erra porque "
    "a ResNet não usa filtros maiores nem concatena (ela soma); (b) inverte a ordem: a ResNet "
    "é a que permite treinar redes mais profundas; (c) troca as duas: quem concatena é a "
    "Inception, e quem pula camadas é a ResNet."
)


resposta_arquiteturas = multiple_choice("resposta_arquiteturas", RIGHT_LETTER, REASON)


# ---------------------------------------------------------------------------- exercise 9


def ponti_params(channels: int, classes: int) -> int:
    """Parameters of Ponti's Inception network (196 154 for 28×28×1 and 10 classes)."""

    def module(c, f1, f3_in, f3, f5_in, f5, pool_proj):
        return (
            (c * f1 + f1)
            + (c * f3_in + f3_in + 9 * f3_in * f3 + f3)
            + (c * f5_in + f5_in + 25 * f5_in * f5 + f5)
            + (c * pool_proj + pool_proj)
        )

    first = module(channels, 32, 32, 32, 32, 32, 16)
    second = module(32 + 32 + 32 + 16, 32, 64, 64, 64, 64, 16)
    return first + second + (32 + 64 + 64 + 16) * classes + classes


def _ponti_models(seed, results):
    cases = _inputs("ponti_inception", seed)
    for (shape, classes), result in zip(
        cases, _calls(results, len(cases), "build_ponti_inception")
    ):
        where = f"build_ponti_inception({shape}, {classes})"
        got = _model(result, where)
        if got.get("kind") != "Model":
            raise Wrong(f"{where} deve devolver um modelo Keras, não {got.get('kind')}.")
        yield shape, classes, where, got


def ponti_structure(seed, results) -> str:
    for _, classes, where, got in _ponti_models(seed, results):
        graph = outcome(got["graph"], "o grafo do modelo")
        problem = ponti_structure_problem(graph, classes)
        if problem:
            raise Wrong(f"{where}: {problem}")
    return "dois módulos com os filtros de Ponti, poolings 2×2, GAP e saída softmax."


def ponti_params_judge(seed, results) -> str:
    for shape, classes, where, got in _ponti_models(seed, results):
        want = ponti_params(shape[2], classes)
        if got.get("params") != want:
            raise Wrong(
                f"{where}: o modelo tem {got.get('params')} parâmetros, não os da rede de Ponti "
                "com essa entrada (com 28×28×1 e 10 classes, Ponti imprime 196.154)."
            )
    return "tem o número de parâmetros da rede de Ponti (196.154 no Fashion-MNIST)."


def ponti_compile(seed, results) -> str:
    for _, _, where, got in _ponti_models(seed, results):
        if not got.get("compiled"):
            raise Wrong(f"{where}: compile o modelo (model.compile) antes de devolvê-lo.")
        if got.get("optimizer") != "SGD":
            raise Wrong(f"{where}: use keras.optimizers.SGD, não {got.get('optimizer')}.")
        rate, momentum = got.get("learning_rate"), got.get("momentum")
        if (
            rate is None
            or momentum is None
            or not (np.isclose(rate, 0.05) and np.isclose(momentum, 0.8))
        ):
            raise Wrong(
                f"{where}: SGD com learning_rate={rate} e momentum={momentum}; Ponti usa "
                "learning_rate=0.05 e momentum=0.8."
            )
        if "sparsecategoricalcrossentropy" not in str(got.get("loss")).lower().replace("_", ""):
            raise Wrong(
                f"{where}: use a perda sparse_categorical_crossentropy (rótulos inteiros)."
            )
        if "acc" not in str(got.get("metrics")):
            raise Wrong(f"{where}: inclua metrics=['accuracy'] no compile.")
    return "compilada com SGD (taxa 0,05, momentum 0,8), entropia cruzada e acurácia."


TESTS = {
    "test_conv1x1": ("conv1x1", conv1x1),
    "test_conv1x1_bias": ("conv1x1_bias", conv1x1_bias),
    "test_conv_cost_multiplications": ("conv_cost", conv_cost_multiplications),
    "test_conv_cost_weights": ("conv_cost", conv_cost_weights),
    "test_inception_channels": ("inception_module", inception_channels),
    "test_inception_params": ("inception_module", inception_params_judge),
    "test_inception_towers": ("inception_module", inception_towers),
    "test_functional_lenet": ("functional_lenet", functional_lenet),
    "test_select_dogs_cats": ("select_dogs_cats", select_dogs_cats),
    "test_resposta_arquiteturas": ("resposta_arquiteturas", resposta_arquiteturas),
    "test_ponti_structure": ("ponti_inception", ponti_structure),
    "test_ponti_params": ("ponti_inception", ponti_params_judge),
    "test_ponti_compile": ("ponti_inception", ponti_compile),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
