"""Self-checks of lesson 04 (data augmentation with Keras preprocessing layers).

Random contrast and brightness layers with the requested ranges, and the LeNet-type
network of lesson 03 with augmentation layers in front. Every check builds the
student's layers or model with fresh random arguments and looks at what they do.
"""

from __future__ import annotations

import numpy as np

from .. import formatting
from ._core import CheckFailed, call, expect, passed, rng

MAX_ROTATION = 60 / 360
"""Largest rotation factor accepted for CIFAR-10 augmentation: ±60° (lesson 04)."""


def is_augmentation_layer(layer) -> bool:
    """True for Keras's random image layers (``RandomFlip``, ``RandAugment``, …) (lesson 04)."""
    kind = type(layer).__name__
    return kind.startswith("Random") or kind in {"RandAugment", "AugMix"}


def flat_layers(model) -> list:
    """The layers of a model in order, nested models and pipelines opened, inputs left out."""
    import keras

    out = []
    for layer in getattr(model, "layers", []):
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(getattr(layer, "layers", None), (list, tuple)):
            out.extend(flat_layers(layer))
        else:
            out.append(layer)
    return out


def _run(layers, x, training: bool) -> np.ndarray:
    for layer in layers:
        x = layer(x, training=training)
    return np.asarray(x)


def _config_value(value):
    if isinstance(value, list):
        return tuple(value)
    return value


def _num(value, decimals: int = 3) -> str:
    """Decimal comma, no trailing zeros: 0.65 → ``'0,65'``, 255.0 → ``'255'``."""
    text = formatting.number(value, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


def _span(value_range) -> str:
    low, high = value_range
    return f"de {_num(low)} a {_num(high)}"


def _describe(kind: str, config: dict) -> str:
    shown = {k: v for k, v in config.items() if k in ("filters", "units", "rate", "activation")}
    inner = ", ".join(f"{k}={v}" for k, v in shown.items())
    return f"{kind}({inner})" if inner else kind


# ---------------------------------------------------------------------------- exercise 1


def _value_ranges(generator):
    low = float(generator.uniform(-1.0, 1.0))
    return [(0, 255), (0.0, 1.0), (low, low + float(generator.uniform(2.0, 5.0)))]


def contrast_multipliers(layer, images) -> np.ndarray:
    """The contrast factor each image received: the slope of output vs input deviations.

    Both deviations are taken from each channel's mean, as ``RandomContrast`` does (lesson 04).
    """
    images = np.asarray(images, dtype="float32")
    mean = images.mean(axis=(1, 2), keepdims=True)
    out = np.asarray(layer(images, training=True), dtype="float64")
    dev = images - mean
    return ((out - mean) * dev).sum(axis=(1, 2, 3)) / (dev**2).sum(axis=(1, 2, 3))


def build_contrast_layer(fn) -> None:
    """Check ``build_contrast_layer(factor, value_range)``: contrast × [1−f, 1+f], clipped."""
    import keras

    generator = rng()
    for value_range in _value_ranges(generator):
        low, high = value_range
        width = high - low
        factor = round(float(generator.uniform(0.15, 0.6)), 3)
        layer = call(fn, "build_contrast_layer", factor, value_range)
        expect(
            isinstance(layer, keras.layers.RandomContrast),
            "`build_contrast_layer` deve devolver uma camada keras.layers.RandomContrast, "
            f"não {type(layer).__name__}.",
        )
        # Narrow images around the middle of the range: no pixel is clipped, so each
        # image's contrast factor can be measured exactly.
        shape = (64, 6, 6, 3)
        images = (low + width * generator.uniform(0.35, 0.65, size=shape)).astype("float32")
        same = np.asarray(layer(images, training=False))
        expect(
            np.allclose(same, images, atol=1e-5 * width),
            "Com training=False a camada deve devolver a imagem sem mudança.",
        )
        m = contrast_multipliers(layer, images)
        f = _num(factor)
        low_c, high_c = _num(1 - factor), _num(1 + factor)
        got_c = f"entre {_num(m.min())} e {_num(m.max())}"
        expect(
            m.max() <= 1 + factor + 1e-3 and m.min() >= 1 - factor - 1e-3,
            f"Com factor {f} o contraste deve ser multiplicado por um número entre "
            f"{low_c} e {high_c}, mas saiu {got_c}.",
        )
        if m.min() > 1 - 1e-3:
            raise CheckFailed(
                f"❌ Com factor {f} o contraste só AUMENTOU (multiplicadores {got_c}). Com um "
                "factor escalar, o RandomContrast das versões atuais do Keras 3 sorteia em "
                "[1, 1 + f], apesar do que diz a documentação. Veja em "
                "help(keras.layers.RandomContrast) que outra forma o argumento factor aceita."
            )
        expect(
            m.min() < 1 - factor / 2 and m.max() > 1 + factor / 2,
            f"Com factor {f} os multiplicadores sorteados deveriam cobrir a faixa de {low_c} a "
            f"{high_c}, mas ficaram {got_c}.",
        )
        # Wide images: a strong contrast pushes pixels out of the range, which must be clipped.
        wide = (low + width * generator.uniform(0, 1, size=(32, 6, 6, 3))).astype("float32")
        out = np.asarray(layer(wide, training=True))
        tolerance = 1e-4 * width
        expect(
            out.min() >= low - tolerance and out.max() <= high + tolerance,
            f"Para imagens com valores {_span(value_range)}, a saída foi "
            f"{_span((out.min(), out.max()))}: passe value_range={value_range} para a camada "
            "cortar o que "
            "sair da faixa.",
        )
    passed("build_contrast_layer sorteia o contraste em [1 − f, 1 + f] e respeita value_range.")


def build_brightness_layer(fn) -> None:
    """Check ``build_brightness_layer(max_delta, value_range)``: adds U(−d, d), clipped."""
    import keras

    generator = rng()
    for value_range in _value_ranges(generator):
        low, high = value_range
        width = high - low
        max_delta = float(generator.uniform(0.05, 0.3)) * width
        try:
            layer = call(fn, "build_brightness_layer", max_delta, value_range)
        except CheckFailed as error:
            if isinstance(error.__cause__, ValueError) and "factor" in str(error.__cause__):
                raise CheckFailed(
                    f"{error} O factor de RandomBrightness é uma FRAÇÃO da largura da faixa "
                    "(entre −1 e 1), não o deslocamento em níveis de cinza: "
                    "factor = max_delta / (alto − baixo)."
                ) from error
            raise
        expect(
            isinstance(layer, keras.layers.RandomBrightness),
            "`build_brightness_layer` deve devolver uma camada keras.layers.RandomBrightness, "
            f"não {type(layer).__name__}.",
        )
        shape = (64, 5, 5, 3)
        images = (low + width * generator.uniform(0.4, 0.6, size=shape)).astype("float32")
        same = np.asarray(layer(images, training=False))
        expect(
            np.allclose(same, images, atol=1e-5 * width),
            "Com training=False a camada deve devolver a imagem sem mudança.",
        )
        out = np.asarray(layer(images, training=True), dtype="float64")
        delta = (out - images).mean(axis=(1, 2, 3))
        d = _num(max_delta)
        tolerance = 1e-3 * max_delta + 1e-5 * width
        if np.abs(delta).max() > max_delta + tolerance or np.abs(delta).max() < 0.75 * max_delta:
            raise CheckFailed(
                f"❌ Para valores {_span(value_range)} e max_delta {d}, os deslocamentos de "
                f"brilho foram até {_num(np.abs(delta).max())}; deviam ir até ±{d}. O factor de "
                "RandomBrightness é uma FRAÇÃO da largura da faixa: "
                "factor = max_delta / (alto − baixo), e passe também value_range."
            )
        expect(
            delta.min() < -max_delta / 2 and delta.max() > max_delta / 2,
            f"O brilho deve subir e descer (deslocamentos entre −{d} e +{d}), mas saiu entre "
            f"{_num(delta.min())} e {_num(delta.max())}: use um factor simétrico.",
        )
        bright = np.full((16, 4, 4, 3), high - 0.01 * width, dtype="float32")
        bright[:8] = low + 0.01 * width
        out = np.asarray(layer(bright, training=True))
        tolerance = 1e-4 * width
        expect(
            out.min() >= low - tolerance and out.max() <= high + tolerance,
            f"Para imagens com valores {_span(value_range)}, a saída foi "
            f"{_span((out.min(), out.max()))}: passe value_range={value_range} para a camada "
            "cortar o que "
            "sair da faixa.",
        )
    passed("build_brightness_layer desloca o brilho em ±max_delta e respeita value_range.")


# ---------------------------------------------------------------------------- exercise 2


def _augmentation_problem(aug_layers, low: float, high: float) -> str | None:
    for layer in aug_layers:
        kind = type(layer).__name__
        config = layer.get_config()
        if kind == "RandomRotation":
            factor = np.max(np.abs(np.ravel(config["factor"])))
            if factor > MAX_ROTATION + 1e-9:
                return (
                    f"RandomRotation tem factor {_num(factor)}, isto é, rotações de até "
                    f"±{_num(factor * 360, 0)}°. O fator é uma FRAÇÃO DE VOLTA (não graus nem "
                    "radianos): 15° é 15/360 ≈ 0,042. Para o CIFAR-10 use no máximo 60/360."
                )
        if "value_range" in config:
            vr = tuple(float(v) for v in config["value_range"])
            if not np.allclose(vr, (low, high)):
                return (
                    f"{kind} tem value_range={vr}, mas as entradas da rede vão "
                    f"{_span((low, high))}: passe value_range=({low}, {high}), senão a camada "
                    "corta metade dos valores."
                )
    return None


def build_augmented_lenet(fn) -> None:
    """Check ``build_augmented_lenet(input_shape, num_classes)``: augmentation, then LeNet."""
    import keras

    generator = rng()
    side = int(generator.integers(28, 41))
    # 3 channels, as in CIFAR-10, so that colour augmentations (RandomHue …) work
    shapes = [((32, 32, 3), 10), ((side, side + 2, 3), int(generator.integers(2, 9)))]
    conv = {"kernel_size": (5, 5), "strides": (1, 1), "padding": "valid", "activation": "relu"}
    pool = {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid"}
    for input_shape, classes in shapes:
        model = call(fn, "build_augmented_lenet", input_shape, classes)
        expect(
            isinstance(model, keras.Model),
            f"`build_augmented_lenet` deve devolver um modelo Keras, não {type(model).__name__}.",
        )
        layers = flat_layers(model)
        n_aug = 0
        while n_aug < len(layers) and is_augmentation_layer(layers[n_aug]):
            n_aug += 1
        aug, rest = layers[:n_aug], layers[n_aug:]
        if not aug:
            late = [type(l).__name__ for l in layers if is_augmentation_layer(l)]
            raise CheckFailed(
                "❌ "
                + (
                    f"As camadas de aumento ({', '.join(late)}) devem vir no COMEÇO, logo "
                    "depois da entrada, antes da primeira convolução."
                    if late
                    else "Não encontrei camadas de aumento de dados (keras.layers.Random…) no "
                    "começo do modelo."
                )
            )
        expected = [  # the LeNet of lesson 03, after its input
            ("Conv2D", {"filters": 20, **conv}),
            ("MaxPooling2D", pool),
            ("Conv2D", {"filters": 40, **conv}),
            ("MaxPooling2D", pool),
            ("Flatten", {}),
            ("Dropout", {"rate": 0.25}),
            ("Dense", {"units": 1000, "activation": "relu"}),
            ("Dropout", {"rate": 0.25}),
            ("Dense", {"units": classes, "activation": "softmax"}),
        ]
        got_kinds = [type(l).__name__ for l in rest]
        wanted = ", ".join(_describe(k, c) for k, c in expected)
        got = ", ".join(_describe(type(l).__name__, l.get_config()) for l in rest)
        expect(
            got_kinds == [kind for kind, _ in expected],
            "Depois do aumento de dados a rede deve ser a LeNet da lição 03, sem mudanças "
            f"(use lenet_layers): esperava {wanted}; encontrei {got}.",
        )
        for layer, (kind, wanted_config) in zip(rest, expected):
            config = layer.get_config()
            for key, value in wanted_config.items():
                expect(
                    _config_value(config.get(key)) == value,
                    f"Na camada {kind} esperava {key}={value!r}, mas está "
                    f"{_config_value(config.get(key))!r}. Não mude a LeNet: só acrescente o "
                    "aumento de dados.",
                )
        problem = _augmentation_problem(aug, -0.5, 0.5)
        if problem:
            raise CheckFailed("❌ " + problem)
        got_shape = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else None
        expect(
            got_shape == tuple(input_shape),
            f"Pedi input_shape={input_shape}, mas o modelo recebe {got_shape}: use "
            "keras.Input(shape=input_shape), sem fixar (32, 32, 3).",
        )
        x = generator.uniform(-0.5, 0.5, size=(16, *input_shape)).astype("float32")
        off = _run(aug, x, training=False)
        expect(
            off.shape == x.shape and np.allclose(off, x, atol=1e-6),
            "Com training=False (inferência: predict, evaluate) as camadas de aumento devem "
            "devolver a imagem sem mudança. Use só camadas aleatórias que preservem o tamanho "
            "da imagem (nada de recortes ou redimensionamentos).",
        )
        first, second = _run(aug, x, training=True), _run(aug, x, training=True)
        expect(
            first.shape == x.shape,
            f"O aumento de dados mudou a forma das imagens de {x.shape[1:]} para "
            f"{first.shape[1:]}: use transformações que preservem o tamanho.",
        )
        expect(
            not np.allclose(first, second),
            "Duas chamadas com training=True deram a mesma saída: o aumento de dados deve "
            "sortear uma transformação nova a cada lote.",
        )
        height, width, channels = input_shape  # valid 5×5 convolutions, 2×2 poolings
        flat = ((height - 4) // 2 - 4) // 2 * (((width - 4) // 2 - 4) // 2) * 40
        lenet_params = (
            (5 * 5 * channels * 20 + 20)
            + (5 * 5 * 20 * 40 + 40)
            + (flat * 1000 + 1000)
            + (1000 * classes + classes)
        )
        expect(
            model.count_params() == lenet_params,
            f"O modelo tem {model.count_params()} parâmetros; a LeNet com entrada "
            f"{input_shape} tem {lenet_params}. Não mude a LeNet.",
        )
        y = np.asarray(model.predict(x[:4], verbose=0))
        expect(y.shape == (4, classes), f"Saída de forma {y.shape}; esperava (4, {classes}).")
        expect(model.compiled, "Compile o modelo (model.compile) antes de devolvê-lo.")
        optimizer = type(model.optimizer).__name__
        expect(optimizer == "Adam", f"Use o otimizador Adam, como na lição 03 (está {optimizer}).")
        loss = str(getattr(model, "loss", None)).lower().replace("_", "")
        expect(
            "sparsecategoricalcrossentropy" in loss,
            "Use a perda sparse_categorical_crossentropy (rótulos inteiros).",
        )
        expect(
            "acc" in str((model.get_compile_config() or {}).get("metrics")),
            "Inclua metrics=['accuracy'] no compile.",
        )
    passed(
        "build_augmented_lenet põe o aumento de dados no começo, ativo só no treino, "
        "e mantém a LeNet da lição 03."
    )
