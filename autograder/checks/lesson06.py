"""Self-checks of lesson 06 (Inception).

The 1×1 convolution in NumPy against Keras's ``Conv2D``, the cost of a convolution, the
Inception module and Ponti's Inception network written with the functional API (their
graphs are read with :func:`autograder.probes.lesson06.model_graph` and compared tower by
tower), and the lesson-03 LeNet rewritten with the functional API. Every check uses fresh
random inputs; none of them contains an answer.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..probes.lesson06 import model_graph
from ._core import CheckFailed, call, expect, passed, rng
from ._core import multiple_choice  # noqa: F401 - exercise 8
from .lesson03 import select_dogs_cats  # noqa: F401 - exercise 6

# ---------------------------------------------------------------------------- graphs


def _pair(value) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value), int(value))


def _size(pair) -> str:
    return f"{pair[0]}×{pair[1]}"


def consumers(graph: dict) -> dict:
    """Layer name → names of the layers that take its output (lesson 06)."""
    found = {entry["name"]: [] for entry in graph["layers"]}
    for entry in graph["layers"]:
        for source in entry["inbound"]:
            found.setdefault(source, []).append(entry["name"])
    return found


def _step(entry: dict) -> dict:
    config = entry["config"]
    kind = entry["class"]
    if kind == "Conv2D":
        return {
            "kind": "conv",
            "kernel": _pair(config.get("kernel_size", 1)),
            "filters": int(config.get("filters", 0)),
            "strides": _pair(config.get("strides", 1)),
            "padding": config.get("padding"),
            "activation": config.get("activation"),
            "kernel_l2": entry.get("kernel_l2"),
            "bias_l2": entry.get("bias_l2"),
        }
    if kind == "MaxPooling2D":
        pool = _pair(config.get("pool_size", 2))
        strides = config.get("strides")
        return {
            "kind": "pool",
            "pool": pool,
            "strides": pool if strides is None else _pair(strides),
            "padding": config.get("padding"),
        }
    if kind in ("Activation", "ReLU"):
        activation = config.get("activation", "relu") if kind == "Activation" else "relu"
        return {"kind": "activation", "activation": activation}
    return {"kind": kind}


def step_text(step: dict) -> str:
    """A tower step in Portuguese: ``'Conv2D 3×3 (64 filtros)'`` (lesson 06)."""
    if step["kind"] == "conv":
        return f"Conv2D {_size(step['kernel'])} ({step['filters']} filtros)"
    if step["kind"] == "pool":
        return f"MaxPooling2D {_size(step['pool'])} passo {_size(step['strides'])}"
    if step["kind"] == "activation":
        return f"Activation({step['activation']})"
    return step["kind"]


def towers(graph: dict, concat_name: str) -> tuple[list, list]:
    """The towers that feed the Concatenate ``concat_name``: for each, its steps from the
    module's input to the concatenation (an activation layer right after a linear
    convolution becomes that convolution's activation), and the layer each tower starts
    from: the first layer, going back, whose output feeds more than one layer (lesson 06)."""
    by_name = {entry["name"]: entry for entry in graph["layers"]}
    users = consumers(graph)
    found, starts = [], []
    for end in by_name[concat_name]["inbound"]:
        steps, name = [], end
        while True:
            entry = by_name[name]
            if entry["class"] == "InputLayer" or len(users.get(name, [])) > 1:
                break
            steps.insert(0, _step(entry))
            if len(entry["inbound"]) != 1:
                break
            name = entry["inbound"][0]
        merged = []
        for step in steps:
            previous = merged[-1] if merged else None
            if (
                step["kind"] == "activation"
                and previous is not None
                and previous["kind"] == "conv"
                and previous["activation"] in (None, "linear")
            ):
                previous["activation"] = step["activation"]
            else:
                merged.append(step)
        found.append(merged)
        starts.append(name)
    return found, starts


def expected_towers(f1, f3_in, f3, f5_in, f5, pool_proj) -> list:
    """Tower signatures of an Inception v1 module with these filter counts (lesson 06)."""
    return [
        (("conv", 1, f1),),
        (("conv", 1, f3_in), ("conv", 3, f3)),
        (("conv", 1, f5_in), ("conv", 5, f5)),
        (("pool", 3), ("conv", 1, pool_proj)),
    ]


def _signature(step: dict) -> tuple:
    if step["kind"] == "conv":
        kernel = step["kernel"][0] if step["kernel"][0] == step["kernel"][1] else step["kernel"]
        return ("conv", kernel, step["filters"])
    if step["kind"] == "pool":
        pool = step["pool"][0] if step["pool"][0] == step["pool"][1] else step["pool"]
        return ("pool", pool)
    return (step["kind"],)


def _signature_text(signature: tuple) -> str:
    parts = []
    for step in signature:
        if step[0] == "conv":
            parts.append(f"Conv2D {step[1]}×{step[1]} ({step[2]} filtros)")
        elif step[0] == "pool":
            parts.append(f"MaxPooling2D {step[1]}×{step[1]} passo 1")
        else:
            parts.append(str(step[0]))
    return " → ".join(parts)


def module_problem(graph: dict, concat_name: str, expected: list, decay=None) -> str | None:
    """What is wrong with the Inception module that ends at ``concat_name`` (None if
    nothing): four towers from one input, with the expected convolutions and pooling,
    ``padding="same"``, stride 1, ReLU, and, when ``decay`` is given, that L2 factor on
    kernels and biases (0: no regularization) (lesson 06)."""
    found, starts = towers(graph, concat_name)
    if len(found) != 4:
        return (
            f"a concatenação junta {len(found)} tensores; o módulo Inception concatena "
            "4 torres (1×1; 1×1→3×3; 1×1→5×5; max-pooling 3×3→1×1)."
        )
    if len(set(starts)) != 1:
        return (
            "as 4 torres devem partir da MESMA entrada do módulo (x), cada uma com as suas "
            "próprias camadas; não reaproveite a saída de uma torre em outra."
        )
    for tower in found:
        for step in tower:
            if step["kind"] == "conv":
                if step["padding"] != "same" or step["strides"] != (1, 1):
                    return (
                        f"a {step_text(step)} tem padding={step['padding']!r} e passo "
                        f"{_size(step['strides'])}: no módulo todas as convoluções usam "
                        "padding='same' e passo 1, para as 4 torres terem o mesmo tamanho."
                    )
                if step["activation"] != "relu":
                    return f"a {step_text(step)} deve usar activation='relu'."
            if step["kind"] == "pool" and (step["strides"] != (1, 1) or step["padding"] != "same"):
                return (
                    f"o {step_text(step)} deve ter strides=1 e padding='same', para manter "
                    "o tamanho do mapa."
                )
    got = Counter(tuple(_signature(step) for step in tower) for tower in found)
    want = Counter(tuple(expected))
    if got != want:
        missing = [_signature_text(t) for t in want - got]
        extra = [_signature_text(t) for t in got - want]
        return (
            f"as torres não são as esperadas. Faltou: {'; '.join(missing)}. "
            f"Encontrei no lugar: {'; '.join(extra)}."
        )
    if decay is not None:
        for tower in found:
            for step in tower:
                if step["kind"] != "conv":
                    continue
                for part in ("kernel", "bias"):
                    factor = step[f"{part}_l2"] or 0.0
                    if not np.isclose(factor, decay, rtol=1e-5, atol=1e-12):
                        wanted = (
                            "nenhuma regularização"
                            if decay == 0
                            else f"{part}_regularizer=keras.regularizers.L2({decay})"
                        )
                        return (
                            f"com weight_decay={decay}, a {step_text(step)} tem L2 "
                            f"{factor:g} no {part}; esperava {wanted} em todas as "
                            "convoluções."
                        )
    return None


def _only(graph: dict, kind: str) -> list[dict]:
    return [entry for entry in graph["layers"] if entry["class"] == kind]


def inception_structure_problem(graph: dict, filters: int, decay: float) -> str | None:
    """The module alone: one Concatenate of 4 towers (channels axis), then
    BatchNormalization as the output (lesson 06)."""
    concats = _only(graph, "Concatenate")
    if len(concats) != 1:
        return (
            f"encontrei {len(concats)} camadas Concatenate; o módulo tem exatamente uma, que "
            "junta as 4 torres (keras.layers.Concatenate() ou keras.layers.concatenate)."
        )
    concat = concats[0]
    if concat["config"].get("axis") not in (-1, 3):
        return "concatene no eixo dos canais (axis=-1 ou axis=3)."
    by_name = {entry["name"]: entry for entry in graph["layers"]}
    outputs = [by_name[name] for name in graph["outputs"] if name in by_name]
    if (
        len(outputs) != 1
        or outputs[0]["class"] != "BatchNormalization"
        or outputs[0]["inbound"] != [concat["name"]]
    ):
        return (
            "a saída do módulo deve ser uma BatchNormalization aplicada à concatenação, como "
            "no programa 9."
        )
    half = filters // 2
    expected = expected_towers(filters, 2 * filters, 2 * filters, half, half, half)
    return module_problem(graph, concat["name"], expected, decay)


# ---------------------------------------------------------------------------- exercise 1


def _conv1x1(fn, with_bias: bool) -> None:
    import keras

    generator = rng()
    for number in range(3):
        n, height, width = (int(v) for v in generator.integers((1, 3, 3), (4, 9, 9)))
        c_in = 3 if number == 0 else int(generator.integers(1, 7))
        c_out = (
            c_in + int(generator.integers(1, 4)) if number == 1 else int(generator.integers(1, 7))
        )
        images = generator.normal(size=(n, height, width, c_in)).astype("float32")
        kernel = generator.normal(size=(1, 1, c_in, c_out)).astype("float32")
        bias = generator.normal(size=c_out).astype("float32") if with_bias else None
        args = (images, kernel, bias) if with_bias else (images, kernel)
        got = call(fn, "conv1x1", *args)
        expect(
            isinstance(got, np.ndarray),
            f"`conv1x1` deve devolver um np.ndarray (calculado com NumPy), não "
            f"{type(got).__name__}.",
        )
        expect(
            got.shape == (n, height, width, c_out),
            f"Para imagens {images.shape} e kernel {kernel.shape}, a saída deve ter forma "
            f"{(n, height, width, c_out)}, mas tem {got.shape}.",
        )
        layer = keras.layers.Conv2D(c_out, kernel_size=1, use_bias=with_bias)
        layer.build(images.shape)
        layer.set_weights([kernel, bias] if with_bias else [kernel])
        want = np.asarray(layer(images))
        what = "com bias" if with_bias else "sem bias"
        expect(
            np.allclose(got, want, rtol=1e-4, atol=1e-4),
            f"Com {c_in} canais de entrada e {c_out} de saída ({what}), a saída difere da de "
            f"keras.layers.Conv2D(kernel_size=1) com os mesmos pesos (maior diferença "
            f"{np.abs(got - want).max():.3g}). Cada pixel de saída, no canal j, é "
            "Σ_c imagem[..., c]·kernel[0, 0, c, j]" + (" + bias[j]." if with_bias else "."),
        )


def conv1x1(fn) -> None:
    """Check ``conv1x1(images, kernel)`` against ``keras.layers.Conv2D(kernel_size=1)``."""
    _conv1x1(fn, with_bias=False)
    passed("conv1x1 (sem bias) dá a mesma saída que Conv2D(kernel_size=1) do Keras.")


def conv1x1_bias(fn) -> None:
    """Check ``conv1x1(images, kernel, bias)`` against a Keras ``Conv2D`` with bias."""
    _conv1x1(fn, with_bias=True)
    passed("conv1x1 com bias dá a mesma saída que Conv2D(kernel_size=1) do Keras.")


# ---------------------------------------------------------------------------- exercise 2


def conv_cost(fn, part: str = "multiplications") -> None:
    """Check ``conv_cost(height, width, channels_in, channels_out, kernel_size)`` →
    ``(multiplications, weights)``: ``part`` is ``"multiplications"`` or ``"weights"``."""
    generator = rng()
    for _ in range(5):
        height, width = (int(v) for v in generator.integers(1, 65, 2))
        c_in, c_out = int(generator.integers(1, 601)), int(generator.integers(1, 301))
        k = int(generator.choice([1, 3, 5, 7]))
        args = (height, width, c_in, c_out, k)
        got = call(fn, "conv_cost", *args)
        expect(
            isinstance(got, (tuple, list)) and len(got) == 2,
            "`conv_cost` deve devolver uma tupla (multiplicações, pesos), não "
            f"{type(got).__name__}.",
        )
        index = 0 if part == "multiplications" else 1
        value = got[index]
        expect(
            isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, bool),
            f"o {'primeiro' if index == 0 else 'segundo'} valor de `conv_cost` deve ser um "
            f"número, não {type(value).__name__}.",
        )
        per_output = k * k * c_in
        if part == "multiplications":
            want = per_output * height * width * c_out
            hint = (
                "cada valor de saída custa k·k·C_in multiplicações, e há H·W·C_out valores de "
                "saída (padding 'same', passo 1: o mapa de saída tem o tamanho do de entrada)."
            )
        else:
            want = per_output * c_out
            hint = "cada um dos C_out filtros tem k·k·C_in pesos (sem contar os bias)."
        expect(
            float(value) == want,
            f"conv_cost{args}: {'multiplicações' if index == 0 else 'pesos'} = {value}, "
            f"errado: {hint}",
        )
    what = "as multiplicações" if part == "multiplications" else "os pesos"
    passed(f"conv_cost conta {what} de uma convolução em valores novos.")


# ---------------------------------------------------------------------------- exercise 3


def _module_graph(fn, shape, filters, decay):
    import keras

    inputs = keras.Input(shape=shape)
    args = (inputs, filters) if decay == 0 else (inputs, filters, decay)
    out = call(fn, "inception_module", *args)
    try:
        model = keras.Model(inputs, out)
    except Exception as error:
        raise CheckFailed(
            "❌ `inception_module(x, filters)` deve devolver o tensor de saída do módulo (a "
            f"saída da BatchNormalization), construído a partir de x: {type(error).__name__}."
        ) from error
    return model


def inception_module(fn, part: str = "channels") -> None:
    """Check ``inception_module(x, filters, weight_decay=0.0)``: ``part`` is ``"channels"``
    (output shape), ``"params"`` (parameter count) or ``"towers"`` (structure)."""
    generator = rng()
    for number in range(3):
        shape = tuple(int(v) for v in generator.integers((5, 5, 1), (15, 15, 33)))
        filters = 2 * int(generator.integers(2, 11)) + (1 if number == 2 else 0)
        decay = float(generator.uniform(1e-4, 1e-3)) if number == 2 else 0.0
        model = _module_graph(fn, shape, filters, decay)
        half = filters // 2
        channels = filters + 2 * filters + 2 * half
        if part == "channels":
            got = tuple(model.output_shape[1:])
            expect(
                got == (shape[0], shape[1], channels),
                f"Com entrada {shape} e filters={filters}, a saída deve ser "
                f"({shape[0]}, {shape[1]}, {channels}) — {filters} + {2 * filters} + {half} + "
                f"{half} canais concatenados, mesmo tamanho de mapa —, mas é {got}.",
            )
        elif part == "params":
            c = shape[2]
            want = (
                (c * filters + filters)
                + (c * 2 * filters + 2 * filters + 9 * (2 * filters) ** 2 + 2 * filters)
                + (c * half + half + 25 * half * half + half)
                + (c * half + half)
                + 4 * channels
            )
            got = model.count_params()
            expect(
                got == want,
                f"Com entrada {shape} e filters={filters}, o módulo tem {got} parâmetros; "
                "confira as quatro torres (1×1 com filters; 1×1 e 3×3 com 2·filters; 1×1 e "
                "5×5 com filters//2; max-pooling e 1×1 com filters//2), os bias e a "
                "BatchNormalization (4 números por canal).",
            )
        else:
            problem = inception_structure_problem(model_graph(model), filters, decay)
            if problem:
                raise CheckFailed(f"❌ Com entrada {shape} e filters={filters}: {problem}")
    texts = {
        "channels": "concatena filters + 2·filters + filters//2 + filters//2 canais",
        "params": "tem o número de parâmetros da fórmula",
        "towers": "tem as quatro torres, a concatenação, a BatchNormalization e a L2",
    }
    passed(f"inception_module {texts[part]}, com entradas e filtros novos.")


# ---------------------------------------------------------------------------- exercise 4


def functional_lenet(fn) -> None:
    """Check ``build_functional_lenet(input_shape, num_classes)``: a functional model that,
    with the weights of a Sequential LeNet (program 2) copied into it, gives its outputs."""
    import keras

    generator = rng()
    side = int(generator.integers(28, 37))
    for shape, classes in [((32, 32, 3), 10), ((side, side, 1), int(generator.integers(2, 9)))]:
        model = call(fn, "build_functional_lenet", shape, classes)
        expect(
            isinstance(model, keras.Model),
            f"`build_functional_lenet` deve devolver um modelo Keras, não {type(model).__name__}.",
        )
        expect(
            type(model).__name__ == "Functional",
            f"O modelo é um {type(model).__name__}: monte-o com a API funcional, "
            "inputs = keras.Input(...), x = Camada(...)(x), …, keras.Model(inputs, outputs).",
        )
        sequential = keras.Sequential(
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
        want_shapes = [tuple(w.shape) for w in sequential.get_weights()]
        got_shapes = [tuple(np.shape(w)) for w in model.get_weights()]
        expect(
            got_shapes == want_shapes,
            f"Com entrada {shape} e {classes} classes, os pesos do seu modelo têm formas "
            f"{got_shapes}; os da LeNet da lição 03 (programa 2), {want_shapes}.",
        )
        weights = [
            generator.normal(0, 1 / np.sqrt(max(1, np.prod(s[:-1]))) if len(s) > 1 else 0.1, s)
            for s in want_shapes
        ]
        sequential.set_weights(weights)
        model.set_weights(sequential.get_weights())  # the copy
        x = generator.uniform(-0.5, 0.5, (4, *shape)).astype("float32")
        want = np.asarray(sequential(x, training=False))
        got = np.asarray(model(x, training=False))
        expect(
            got.shape == want.shape and np.allclose(got, want, atol=1e-4),
            f"Com entrada {shape}, os pesos da LeNet Sequential copiados no seu modelo dão "
            "saídas diferentes: confira a ordem das camadas, as ativações e o softmax.",
        )
    passed(
        "build_functional_lenet é a LeNet da lição 03 com a API funcional: mesmos pesos, "
        "mesmas saídas."
    )


# ---------------------------------------------------------------------------- exercise 9


def ponti_structure_problem(graph: dict, classes: int) -> str | None:
    """Ponti's network: module (32, 32, 32, 32, 32, 16) → max-pooling 2×2 → module (32, 64,
    64, 64, 64, 16) → max-pooling 2×2 → GlobalAveragePooling2D → Dense softmax (lesson 06)."""
    concats = _only(graph, "Concatenate")
    if len(concats) != 2:
        return (
            f"encontrei {len(concats)} camadas Concatenate; a rede tem dois módulos Inception, "
            "cada um com uma concatenação."
        )
    by_name = {entry["name"]: entry for entry in graph["layers"]}
    users = consumers(graph)
    modules = [(32, 32, 32, 32, 32, 16), (32, 64, 64, 64, 64, 16)]
    starts = []
    for number, (concat, filters) in enumerate(zip(concats, modules), start=1):
        _, tower_starts = towers(graph, concat["name"])
        starts.append(tower_starts[0] if tower_starts else None)
        problem = module_problem(graph, concat["name"], expected_towers(*filters))
        if problem:
            return f"no módulo {number} (filtros {', '.join(map(str, filters))}), {problem}"
        after = [by_name[name] for name in users.get(concat["name"], [])]
        if len(after) != 1 or after[0]["class"] != "MaxPooling2D":
            return f"o módulo {number} deve ser seguido de MaxPooling2D(pool_size=2, strides=2)."
        pool = _step(after[0])
        if pool["pool"] != (2, 2) or pool["strides"] != (2, 2):
            return (
                f"o pooling depois do módulo {number} é {step_text(pool)}; esperava "
                "MaxPooling2D(pool_size=2, strides=2)."
            )
        concat["pool_after"] = after[0]["name"]
    if by_name[starts[0]]["class"] != "InputLayer":
        return "o primeiro módulo deve receber a entrada da rede (sem camadas antes dele)."
    if starts[1] != concats[0]["pool_after"]:
        return "o segundo módulo deve receber a saída do pooling que segue o primeiro."
    tail = [by_name[name] for name in users.get(concats[1]["pool_after"], [])]
    if len(tail) != 1 or tail[0]["class"] != "GlobalAveragePooling2D":
        return "depois do segundo pooling vem GlobalAveragePooling2D, antes da camada de saída."
    dense = [by_name[name] for name in users.get(tail[0]["name"], [])]
    if (
        len(dense) != 1
        or dense[0]["class"] != "Dense"
        or dense[0]["config"].get("units") != classes
        or dense[0]["config"].get("activation") != "softmax"
        or graph["outputs"] != [dense[0]["name"]]
    ):
        return (
            f"a saída deve ser Dense({classes}, activation='softmax') logo depois do "
            "GlobalAveragePooling2D."
        )
    return None


def ponti_inception(fn, part: str = "structure") -> None:
    """Check ``build_ponti_inception(input_shape, num_classes)``: ``part`` is
    ``"structure"``, ``"params"`` or ``"compile"``."""
    import keras

    generator = rng()
    side = 2 * int(generator.integers(8, 17))
    for shape, classes in [((28, 28, 1), 10), ((side, side, 3), int(generator.integers(2, 9)))]:
        model = call(fn, "build_ponti_inception", shape, classes)
        expect(
            isinstance(model, keras.Model) and type(model).__name__ == "Functional",
            "`build_ponti_inception` deve devolver um modelo da API funcional "
            f"(keras.Model(inputs, outputs)), não {type(model).__name__}.",
        )
        if part == "structure":
            problem = ponti_structure_problem(model_graph(model), classes)
            if problem:
                raise CheckFailed(f"❌ Com entrada {shape} e {classes} classes, {problem}")
        elif part == "params":
            c = shape[2]
            first = 2 * (c * 32 + 32) + (c * 32 + 32) + 9 * 32 * 32 + 32
            first += 25 * 32 * 32 + 32 + c * 16 + 16
            second = 112 * 32 + 32 + 2 * (112 * 64 + 64) + 9 * 64 * 64 + 64
            second += 25 * 64 * 64 + 64 + 112 * 16 + 16
            want = first + second + 176 * classes + classes
            expect(
                model.count_params() == want,
                f"Com entrada {shape} e {classes} classes, o modelo tem "
                f"{model.count_params()} parâmetros, mas a rede de Ponti tem {want} "
                "(196.154 com 28×28×1 e 10 classes).",
            )
        else:
            expect(model.compiled, "Compile o modelo (model.compile) antes de devolvê-lo.")
            optimizer = model.optimizer
            expect(
                type(optimizer).__name__ == "SGD",
                f"Use keras.optimizers.SGD, não {type(optimizer).__name__}.",
            )
            rate = float(np.asarray(optimizer.learning_rate))
            momentum = float(np.asarray(optimizer.momentum))
            expect(
                np.isclose(rate, 0.05) and np.isclose(momentum, 0.8),
                f"SGD com learning_rate={rate:g} e momentum={momentum:g}; Ponti usa 0,05 e 0,8.",
            )
            loss = str(model.loss).lower().replace("_", "")
            expect(
                "sparsecategoricalcrossentropy" in loss,
                "Use a perda sparse_categorical_crossentropy (rótulos inteiros).",
            )
            expect(
                "acc" in str((model.get_compile_config() or {}).get("metrics")),
                "Inclua metrics=['accuracy'] no compile.",
            )
    texts = {
        "structure": "tem os dois módulos de Ponti, os poolings, o GlobalAveragePooling2D e a saída",
        "params": "tem o número de parâmetros da rede de Ponti",
        "compile": "está compilada com SGD (0,05; momentum 0,8)",
    }
    passed(f"build_ponti_inception {texts[part]}.")
