"""Verdicts of lesson 04 (data augmentation); inputs come from :mod:`autograder.probes.lesson04`."""

from __future__ import annotations

import numpy as np

from autograder import formatting, probes
from autograder.probes import lesson04 as probe

from . import Wrong, as_array, outcome

# `autograder demo` and the end-to-end tests: a student who writes the rotation angle in
# radians (as tf-addons' `rotate` and NumPy's np.sin/np.cos take it; scipy.ndimage.rotate
# takes degrees), so that "15 degrees"
# becomes a factor of 0.26 of a full turn, i.e. rotations of up to ±94°.
DEMO_WRONG_ANSWER = {
    "build_augmented_lenet": (
        "def build_augmented_lenet(input_shape, num_classes):\n"
        "    augmentation = keras.Sequential(\n"
        "        [\n"
        "            keras.layers.RandomFlip('horizontal'),\n"
        "            keras.layers.RandomTranslation(0.1, 0.1, fill_mode='nearest'),\n"
        "            keras.layers.RandomRotation(15 * np.pi / 180, fill_mode='nearest'),  # 15 graus\n"
        "        ],\n"
        "        name='aumento',\n"
        "    )\n"
        "    model = keras.Sequential(\n"
        "        [keras.Input(shape=input_shape), augmentation, *lenet_layers(num_classes)]\n"
        "    )\n"
        "    model.compile(\n"
        "        optimizer=keras.optimizers.Adam(),\n"
        "        loss='sparse_categorical_crossentropy',\n"
        "        metrics=['accuracy'],\n"
        "    )\n"
        "    return model\n"
    ),
}

MAX_ROTATION = 60 / 360
"""Largest rotation factor accepted for CIFAR-10 augmentation: ±60°."""

INPUT_RANGE = (-0.5, 0.5)
"""The range of the network's inputs in the lesson (images / 255 - 0.5)."""


def _num(value, decimals: int = 3) -> str:
    """Decimal comma, no trailing zeros: 0.65 → ``'0,65'``, 255.0 → ``'255'``."""
    text = formatting.number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _span(low, high) -> str:
    return f"de {_num(low)} a {_num(high)}"


def _call_text(name: str, number: int, first: float, value_range) -> str:
    """How the probe called the answer: the first case leaves value_range at its default."""
    if number == 0:
        return f"{name}({first!r})"
    return f"{name}({first!r}, {tuple(value_range)!r})"


def _layer(result, what: str, kind: str) -> dict:
    try:
        got = outcome(result, what)
    except Wrong as wrong:
        if kind == "RandomBrightness" and "ValueError" in str(wrong) and "factor" in str(wrong):
            raise Wrong(
                f"{wrong} O factor de RandomBrightness é uma FRAÇÃO da largura da faixa (entre "
                "−1 e 1), não o deslocamento em níveis de cinza: factor = max_delta / (alto − "
                "baixo)."
            ) from None
        raise
    if not isinstance(got, dict) or got.get("kind") != "Layer":
        found = got.get("kind") if isinstance(got, dict) else type(got).__name__
        raise Wrong(f"{what} deve devolver uma camada keras.layers.{kind}, não {found}.")
    if got["layer"]["class"] != kind:
        raise Wrong(
            f"{what} deve devolver uma camada keras.layers.{kind}, não {got['layer']['class']}."
        )
    return got


# ---------------------------------------------------------------------------- exercise 1


def build_contrast_layer(seed, results) -> str:
    cases = probe.build_contrast_layer_inputs(probes.generator(seed, "build_contrast_layer"))
    if not isinstance(results, list) or len(results) != len(cases):
        raise Wrong("a sonda não construiu as camadas pedidas.")
    for number, (((low, high), factor, narrow, wide), result) in enumerate(zip(cases, results)):
        width = high - low
        where = _call_text("build_contrast_layer", number, factor, (low, high))
        got = _layer(result, "build_contrast_layer", "RandomContrast")
        off = as_array(got["off"], "a camada", narrow[:16].shape)
        if not np.allclose(off, narrow[:16], atol=1e-5 * width):
            raise Wrong(
                f"com training=False a camada deve devolver a imagem sem mudança ({where})."
            )
        out = as_array(got["wide"], "a camada", wide.shape).astype(np.float64)
        tolerance = 1e-4 * width
        if out.min() < low - tolerance or out.max() > high + tolerance:
            raise Wrong(
                f"com {where}, a saída foi {_span(out.min(), out.max())}, fora da faixa: "
                "passe value_range à camada para ela cortar o que sair da faixa."
            )
        on = as_array(got["on"], "a camada", narrow.shape).astype(np.float64)
        mean = narrow.mean(axis=(1, 2), keepdims=True, dtype=np.float64)
        deviation = narrow - mean
        m = ((on - mean) * deviation).sum(axis=(1, 2, 3)) / (deviation**2).sum(axis=(1, 2, 3))
        residual = on - mean - m[:, None, None, None] * deviation
        if np.abs(residual).max() > 1e-3 * width:
            raise Wrong(
                f"com {where}, a saída não é (entrada − média) · c + média em imagens no meio "
                "da faixa: pixels foram cortados ou alterados de outro jeito. Confira value_range."
            )
        if m.max() > 1 + factor + 1e-3 or m.min() < 1 - factor - 1e-3:
            raise Wrong(
                f"com {where}, o contraste deve ser multiplicado por um número entre "
                f"{_num(1 - factor)} e {_num(1 + factor)}, mas saiu entre {_num(m.min())} e "
                f"{_num(m.max())}."
            )
        if m.min() > 1 - 1e-3:
            raise Wrong(
                f"com {where}, o contraste só AUMENTOU. Com um factor escalar, o "
                "RandomContrast das versões atuais do Keras 3 sorteia em [1, 1 + f], apesar do "
                "que diz a documentação; o argumento factor também aceita os limites inferior e "
                "superior (veja help(keras.layers.RandomContrast))."
            )
        # 256 draws: the extreme ones are within 7.5% of the ends but with odds of 1e-9
        if not (m.min() < 1 - 0.85 * factor and m.max() > 1 + 0.85 * factor):
            raise Wrong(
                f"com {where}, os multiplicadores sorteados deveriam cobrir a faixa "
                f"{_span(1 - factor, 1 + factor)}, mas ficaram entre {_num(m.min())} e "
                f"{_num(m.max())}."
            )
    return "sorteia o contraste em [1 − f, 1 + f] e respeita value_range, em faixas novas."


def build_brightness_layer(seed, results) -> str:
    cases = probe.build_brightness_layer_inputs(probes.generator(seed, "build_brightness_layer"))
    if not isinstance(results, list) or len(results) != len(cases):
        raise Wrong("a sonda não construiu as camadas pedidas.")
    for number, (((low, high), max_delta, narrow, ends), result) in enumerate(zip(cases, results)):
        width = high - low
        d = _num(max_delta, 4)
        where = _call_text("build_brightness_layer", number, max_delta, (low, high))
        got = _layer(result, "build_brightness_layer", "RandomBrightness")
        off = as_array(got["off"], "a camada", narrow[:16].shape)
        if not np.allclose(off, narrow[:16], atol=1e-5 * width):
            raise Wrong(
                f"com training=False a camada deve devolver a imagem sem mudança ({where})."
            )
        out = as_array(got["ends"], "a camada", ends.shape).astype(np.float64)
        tolerance = 1e-4 * width
        if out.min() < low - tolerance or out.max() > high + tolerance:
            raise Wrong(
                f"com {where}, a saída foi {_span(out.min(), out.max())}, fora da "
                "faixa: passe value_range à camada para ela cortar o que sair da faixa."
            )
        on = as_array(got["on"], "a camada", narrow.shape).astype(np.float64)
        shift = on - narrow
        delta = np.median(shift, axis=(1, 2, 3))
        tolerance = 1e-3 * max_delta + 1e-5 * width
        biggest = np.abs(delta).max()
        # 256 draws: the extreme ones are within 7.5% of ±max_delta but with odds of 1e-9
        if biggest > max_delta + tolerance or biggest < 0.85 * max_delta:
            raise Wrong(
                f"com {where}, os deslocamentos de brilho foram até {_num(biggest, 4)}; deviam ir "
                f"até ±{d}. O factor de RandomBrightness é uma FRAÇÃO da largura da faixa: "
                "factor = max_delta / (alto − baixo), e passe também value_range."
            )
        if np.abs(shift - delta[:, None, None, None]).max() > tolerance:
            raise Wrong(
                f"com {where}, a camada não somou um mesmo valor a todos os pixels de cada "
                "imagem (no meio da faixa nada deveria ser cortado). Confira value_range."
            )
        if not (delta.min() < -0.85 * max_delta and delta.max() > 0.85 * max_delta):
            raise Wrong(
                f"com {where}, o brilho deve subir e descer (deslocamentos entre −{d} e +{d}), "
                f"mas saiu entre {_num(delta.min(), 4)} e {_num(delta.max(), 4)}: use um factor "
                "simétrico."
            )
    return "desloca o brilho em ±max_delta e respeita value_range, em faixas novas."


# ---------------------------------------------------------------------------- exercise 2


def lenet_structure(num_classes: int) -> list[tuple[str, dict]]:
    """The LeNet-type network of lessons 03-04 after its input: ``(class, config)`` pairs."""
    conv = {"kernel_size": (5, 5), "strides": (1, 1), "padding": "valid", "activation": "relu"}
    pool = {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid"}
    return [
        ("Conv2D", {"filters": 20, **conv}),
        ("MaxPooling2D", pool),
        ("Conv2D", {"filters": 40, **conv}),
        ("MaxPooling2D", pool),
        ("Flatten", {}),
        ("Dropout", {"rate": 0.25}),
        ("Dense", {"units": 1000, "activation": "relu"}),
        ("Dropout", {"rate": 0.25}),
        ("Dense", {"units": num_classes, "activation": "softmax"}),
    ]


def lenet_params(input_shape, num_classes: int) -> int:
    """Parameters of :func:`lenet_structure` on ``input_shape`` (valid 5×5 convs, 2×2 pools)."""
    height, width, channels = input_shape
    total = 5 * 5 * channels * 20 + 20
    height, width = (height - 4) // 2, (width - 4) // 2
    total += 5 * 5 * 20 * 40 + 40
    height, width = (height - 4) // 2, (width - 4) // 2
    total += height * width * 40 * 1000 + 1000
    return total + 1000 * num_classes + num_classes


def is_augmentation(kind: str) -> bool:
    """Keras's random image layers (``RandomFlip``, ``RandAugment``, …)."""
    return kind.startswith("Random") or kind in {"RandAugment", "AugMix"}


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


def _plain(value):
    return tuple(value) if isinstance(value, list) else value


def _show(entry_or_kind, config=None) -> str:
    if isinstance(entry_or_kind, dict):
        kind, config = entry_or_kind["class"], entry_or_kind["config"]
    else:
        kind = entry_or_kind
    shown = {k: v for k, v in config.items() if k in ("filters", "units", "rate", "activation")}
    inner = ", ".join(f"{k}={v}" for k, v in shown.items())
    return f"{kind}({inner})" if inner else kind


def _augmentation_problem(augmentation: list[dict]) -> str | None:
    for entry in augmentation:
        kind, config = entry["class"], entry["config"]
        if kind == "RandomRotation" and config.get("factor") is not None:
            factor = float(np.max(np.abs(np.ravel(config["factor"]))))
            if factor > MAX_ROTATION + 1e-9:
                return (
                    f"RandomRotation tem factor {_num(factor)}, isto é, rotações de até "
                    f"±{_num(factor * 360, 0)}°. O fator é uma FRAÇÃO DE VOLTA (não graus nem "
                    "radianos): 15° é 15/360 ≈ 0,042. Para o CIFAR-10 use no máximo 60/360."
                )
        if config.get("value_range") is not None:
            value_range = tuple(float(v) for v in np.ravel(config["value_range"]))
            if len(value_range) != 2 or not np.allclose(value_range, INPUT_RANGE):
                return (
                    f"{kind} tem value_range={value_range}, mas as entradas da rede estão entre "
                    "−0,5 e 0,5: passe value_range=(-0.5, 0.5), senão a camada corta metade "
                    "dos valores."
                )
    return None


def _judge_lenet(model: dict, shape, classes: int, x: np.ndarray) -> None:
    if model.get("kind") != "Model":
        raise Wrong(
            f"build_augmented_lenet deve devolver um modelo Keras, não {model.get('kind')}."
        )
    layers = flat_layers(model["layers"])
    n_aug = 0
    while n_aug < len(layers) and is_augmentation(layers[n_aug]["class"]):
        n_aug += 1
    augmentation, rest = layers[:n_aug], layers[n_aug:]
    if not augmentation:
        late = [entry["class"] for entry in layers if is_augmentation(entry["class"])]
        if late:
            raise Wrong(
                f"as camadas de aumento ({', '.join(late)}) devem vir no COMEÇO, logo depois da "
                "entrada, antes da primeira convolução."
            )
        raise Wrong("não encontrei camadas de aumento de dados (keras.layers.Random…) no começo.")
    expected = lenet_structure(classes)
    if [entry["class"] for entry in rest] != [kind for kind, _ in expected]:
        wanted = ", ".join(_show(kind, config) for kind, config in expected)
        found = ", ".join(_show(entry) for entry in rest)
        raise Wrong(
            "depois do aumento de dados a rede deve ser a LeNet da lição 03, sem mudanças (use "
            f"lenet_layers): esperava {wanted}; encontrei {found}."
        )
    for entry, (kind, config) in zip(rest, expected):
        for key, wanted in config.items():
            found = _plain(entry["config"].get(key))
            if found != wanted:
                raise Wrong(
                    f"na camada {kind} esperava {key}={wanted!r}, mas está {found!r}. Não mude "
                    "a LeNet: só acrescente o aumento de dados."
                )
    problem = _augmentation_problem(augmentation)
    if problem:
        raise Wrong(problem)
    if model.get("input_shape") != str((None, *shape)):
        raise Wrong(
            f"pedi input_shape={shape}, mas o modelo recebe {model.get('input_shape')}: use "
            "keras.Input(shape=input_shape), sem fixar (32, 32, 3)."
        )
    if model.get("front") != n_aug:
        raise Wrong("não consegui separar as camadas de aumento do resto da rede.")
    off = as_array(outcome(model["front_off"], "o aumento de dados"), "o aumento de dados")
    if off.shape != (4, *shape) or not np.allclose(off, x[:4], atol=1e-5):
        raise Wrong(
            "com training=False (inferência: predict, evaluate) as camadas de aumento devem "
            "devolver a imagem sem mudança. Use só camadas aleatórias que preservem o tamanho "
            "da imagem (nada de recortes ou redimensionamentos)."
        )
    first, second = (
        as_array(outcome(result, "o aumento de dados"), "o aumento de dados")
        for result in model["front_on"]
    )
    if first.shape != x.shape or second.shape != x.shape:
        raise Wrong(
            f"o aumento de dados mudou a forma das imagens de {x.shape[1:]} para "
            f"{first.shape[1:]}: use transformações que preservem o tamanho."
        )
    if np.array_equal(first, second):
        raise Wrong(
            "duas chamadas com training=True deram a mesma saída: o aumento de dados deve "
            "sortear uma transformação nova a cada lote."
        )
    if model.get("params") != lenet_params(shape, classes):
        raise Wrong(
            f"o modelo tem {model.get('params')} parâmetros, não os da LeNet com entrada {shape} "
            "(as camadas de aumento não têm parâmetros). Não mude a LeNet."
        )
    output = as_array(outcome(model["output"], "o modelo"), "o modelo", (len(x), classes))
    if not np.allclose(output.sum(axis=1), 1, atol=1e-4):
        raise Wrong("as saídas do modelo não somam 1 (softmax).")
    again = as_array(outcome(model["output_again"], "o modelo"), "o modelo", output.shape)
    if not np.allclose(again, output, atol=1e-6):
        raise Wrong(
            "com training=False o modelo deu saídas diferentes para a mesma entrada: o aumento "
            "de dados deve agir só no treino."
        )
    if not model.get("compiled"):
        raise Wrong("compile o modelo (model.compile) antes de devolvê-lo.")
    if model.get("optimizer") != "Adam":
        raise Wrong(f"use o otimizador Adam, como na lição 03 (está {model.get('optimizer')}).")
    if "sparsecategoricalcrossentropy" not in str(model.get("loss")).lower().replace("_", ""):
        raise Wrong("use a perda sparse_categorical_crossentropy (rótulos inteiros).")
    if "acc" not in str(model.get("metrics")):
        raise Wrong("inclua metrics=['accuracy'] no compile.")


def build_augmented_lenet(seed, results) -> str:
    cases = probe.build_augmented_lenet_inputs(probes.generator(seed, "build_augmented_lenet"))
    if not isinstance(results, list) or len(results) != len(cases):
        raise Wrong("a sonda não construiu os modelos pedidos.")
    for (shape, classes, x), result in zip(cases, results):
        model = outcome(result, f"build_augmented_lenet({shape}, {classes})")
        if not isinstance(model, dict):
            raise Wrong(
                f"build_augmented_lenet deve devolver um modelo Keras, não {type(model).__name__}."
            )
        try:
            _judge_lenet(model, shape, classes, x)
        except Wrong as wrong:
            raise Wrong(f"com input_shape={shape} e {classes} classes, {wrong}") from None
    return (
        "põe o aumento de dados no começo, ativo só no treino, e mantém a LeNet, com formas de "
        "entrada e números de classes novos."
    )


TESTS = {
    "test_build_contrast_layer": ("build_contrast_layer", build_contrast_layer),
    "test_build_brightness_layer": ("build_brightness_layer", build_brightness_layer),
    "test_build_augmented_lenet": ("build_augmented_lenet", build_augmented_lenet),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
