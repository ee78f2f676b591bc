"""Self-checks of lesson 00 (CNN fundamentals).

The correlation of one channel with one kernel, the output size of a convolution, 2×2
pooling, the parameters of a ``Conv2D``, the classic LeNet-5 in Keras and the cost table of
a list of layers. Every check runs the student's function on fresh random inputs and
compares it with Keras layers computed on the spot (or with the counts of the LeNet-5
paper); nothing here is a function that answers an exercise.
"""

from __future__ import annotations

import numpy as np

from ._core import CheckFailed, call, expect, expect_array, multiple_choice, passed, rng

__all__ = [
    "CheckFailed",
    "build_lenet5",
    "conv2d_params",
    "conv_output_size",
    "correlate2d_valid",
    "layer_costs",
    "multiple_choice",
    "pool_2x2",
]


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


# ---------------------------------------------------------------------------- exercise 1


def correlate2d_valid(fn, part: str) -> None:
    """Check ``correlate2d_valid(image, kernel)`` (lesson 00): the output shape
    (``part="shape"``) or its values against a Keras ``Conv2D`` with the kernel copied into
    its weights (``part="values"``)."""
    if part not in ("shape", "values"):
        raise ValueError('part deve ser "shape" ou "values"')
    import keras

    generator = rng()
    for number in range(3):
        k_rows, k_cols = int(generator.integers(1, 5)), int(generator.integers(2, 6))
        rows, cols = k_rows + int(generator.integers(1, 9)), k_cols + int(generator.integers(1, 9))
        image = generator.normal(size=(rows, cols))
        if number == 2:
            image = generator.integers(0, 256, size=(rows, cols)).astype(np.uint8)
        kernel = generator.normal(size=(k_rows, k_cols)).round(2)
        got = call(fn, "correlate2d_valid", image.copy(), kernel.copy())
        expected_shape = (rows - k_rows + 1, cols - k_cols + 1)
        where = f"Com imagem {image.shape} ({image.dtype}) e núcleo {kernel.shape}"
        got = expect_array(got, "correlate2d_valid")
        expect(
            got.shape == expected_shape,
            f"{where}, a saída tem forma {got.shape}; a correlação 'valid' dá "
            f"(H − kh + 1, W − kw + 1) = {expected_shape}.",
        )
        if part == "shape":
            continue
        layer = keras.layers.Conv2D(1, kernel.shape, use_bias=False)
        layer.build((None, rows, cols, 1))
        layer.set_weights([kernel.reshape(k_rows, k_cols, 1, 1).astype("float32")])
        keras_out = np.asarray(layer(image.astype("float32")[None, :, :, None]))[0, :, :, 0]
        expect(
            np.allclose(got, keras_out, atol=1e-3, rtol=1e-4),
            f"{where}, os valores não conferem com um Conv2D do Keras que usa o mesmo "
            "núcleo. Não gire o núcleo (a 'convolução' das redes é a correlação) e, com "
            "imagens uint8, converta para float antes das contas.",
        )
    messages = {
        "shape": "a saída tem a forma da correlação 'valid'.",
        "values": "os valores conferem com um Conv2D do Keras com o mesmo núcleo.",
    }
    passed("correlate2d_valid: " + messages[part])


# ---------------------------------------------------------------------------- exercise 2


def conv_output_size(fn, part: str) -> None:
    """Check ``conv_output_size(w, f, s=1, p=0)`` (lesson 00) against the widths of Keras'
    ``Conv2D`` after ``ZeroPadding2D`` (``part="values"``), or that configurations with a
    non-integer size raise ``ValueError`` (``part="errors"``)."""
    if part not in ("values", "errors"):
        raise ValueError('part deve ser "values" ou "errors"')
    import keras

    generator = rng()
    valid, invalid = [], [(7, 3, 3, 0)]
    while len(valid) < 6 or len(invalid) < 4:
        w, f = int(generator.integers(5, 120)), int(generator.integers(1, 8))
        s, p = int(generator.integers(1, 5)), int(generator.integers(0, 3))
        if w + 2 * p < f:
            continue
        (valid if (w - f + 2 * p) % s == 0 else invalid).append((w, f, s, p))
    for w, f, s, p in valid[:6]:
        what = f"conv_output_size({w}, {f}, {s}, {p})"
        got = call(fn, "conv_output_size", w, f, s, p)
        expect(_is_int(got), f"{what} deve devolver um inteiro (int); veio {got!r}.")
        padded = keras.layers.ZeroPadding2D(p).compute_output_shape((1, w, w, 1))
        width = keras.layers.Conv2D(1, f, strides=s).compute_output_shape(padded)[1]
        expect(got == width, f"{what} devolveu {got}; o Conv2D do Keras dá {width}.")
    if part == "errors":
        for w, f, s, p in invalid[:4]:
            what = f"conv_output_size({w}, {f}, {s}, {p})"
            try:
                got = fn(w, f, s, p)
            except ValueError:
                continue
            except Exception as error:  # noqa: BLE001 - the wrong kind of error is feedback
                raise CheckFailed(
                    f"❌ {what} levantou {type(error).__name__}; use ValueError."
                ) from error
            raise CheckFailed(
                f"❌ {what} devolveu {got!r}, mas (W − F + 2P)/S + 1 não é inteiro aí: "
                "levante ValueError com uma mensagem clara."
            )
    messages = {
        "values": "confere com as larguras de saída do Conv2D do Keras.",
        "errors": "recusa (ValueError) as configurações em que o filtro não cabe.",
    }
    passed("conv_output_size " + messages[part])


# ---------------------------------------------------------------------------- exercise 3


def pool_2x2(fn, part: str) -> None:
    """Check ``pool_2x2(x, mode)`` (lesson 00) against Keras' 2×2 pooling with stride 2:
    ``part`` = ``"max"``, ``"avg"`` or ``"odd"`` (odd sizes, both modes)."""
    if part not in ("max", "avg", "odd"):
        raise ValueError('part deve ser "max", "avg" ou "odd"')
    import keras

    generator = rng()
    modes = ["max", "avg"] if part == "odd" else [part, part]
    for mode in modes:
        rows, cols = 2 * int(generator.integers(1, 6)), 2 * int(generator.integers(1, 6))
        if part == "odd":
            rows += 1
        x = generator.normal(-3.0, 5.0, size=(rows, cols)).round(2)
        got = expect_array(call(fn, "pool_2x2", x.copy(), mode), "pool_2x2")
        layer = (
            keras.layers.MaxPooling2D(2, 2)
            if mode == "max"
            else keras.layers.AveragePooling2D(2, 2)
        )
        expected = np.asarray(layer(x[None, :, :, None].astype("float32")))[0, :, :, 0]
        what = f'pool_2x2(x, "{mode}") com x de forma {x.shape}'
        expect(
            got.shape == expected.shape,
            f"{what} deu forma {got.shape}; o Keras dá {expected.shape} (a sobra ímpar é "
            "descartada).",
        )
        expect(
            np.allclose(got, expected, atol=1e-4),
            f"{what}: os valores não conferem com o pooling 2×2 (passo 2) do Keras.",
        )
    messages = {
        "max": "o máximo 2×2 confere com MaxPooling2D.",
        "avg": "a média 2×2 confere com AveragePooling2D.",
        "odd": "com tamanho ímpar, a sobra é descartada como no Keras.",
    }
    passed("pool_2x2: " + messages[part])


# ---------------------------------------------------------------------------- exercise 4


def conv2d_params(fn) -> None:
    """Check ``conv2d_params(f, d1, k)`` (lesson 00) against ``count_params()`` of a Keras
    ``Conv2D(k, f)`` on ``d1`` channels."""
    import keras

    generator = rng()
    for _ in range(4):
        f, d1, k = (
            int(generator.integers(1, 8)),
            int(generator.integers(1, 65)),
            int(generator.integers(2, 129)),
        )
        got = call(fn, "conv2d_params", f, d1, k)
        layer = keras.layers.Conv2D(k, f)
        layer.build((None, f, f, d1))
        what = f"conv2d_params({f}, {d1}, {k})"
        expect(_is_int(got), f"{what} deve devolver um inteiro; veio {got!r}.")
        expect(
            got == layer.count_params(),
            f"{what} devolveu {got}; Conv2D({k}, {f}) sobre {d1} canais tem "
            f"{layer.count_params()} parâmetros (count_params()).",
        )
    passed("conv2d_params confere com count_params() do Keras.")


# ---------------------------------------------------------------------------- exercise 5


def build_lenet5(fn, part: str) -> None:
    """Check ``build_lenet5(input_shape, num_classes)`` (lesson 00) on the classic
    (32, 32, 1) input with 10 classes: the convolutions (``"convs"``), the dense layers
    (``"dense"``) or the subsampling layers and the total (``"pooling"``)."""
    if part not in ("convs", "dense", "pooling"):
        raise ValueError('part deve ser "convs", "dense" ou "pooling"')
    import keras

    model = call(fn, "build_lenet5", (32, 32, 1), 10)
    expect(isinstance(model, keras.Model), "build_lenet5 deve devolver um modelo Keras.")
    kinds = {
        "convs": ("Conv2D", [156, 2416, 48120], "C1, C3 e C5"),
        "dense": ("Dense", [10164, 850], "F6 e a saída"),
        "pooling": ("AveragePooling2D", [0, 0], "S2 e S4"),
    }
    kind, counts, names = kinds[part]
    found = [layer.count_params() for layer in model.layers if type(layer).__name__ == kind]
    expect(
        found == counts,
        f"Com entrada (32, 32, 1) e 10 classes, esperava camadas {kind} ({names}) com "
        f"{counts} parâmetros; achei {found}.",
    )
    if part == "pooling":
        expect(model.count_params() == 61706, "A LeNet-5 do Keras tem 61 706 parâmetros.")
        output = np.asarray(model(np.zeros((1, 32, 32, 1), "float32"), training=False))
        expect(output.shape == (1, 10), f"A saída deve ter forma (1, 10); veio {output.shape}.")
        expect(np.isclose(output.sum(), 1.0, atol=1e-4), "A saída usa softmax (soma 1).")
    passed(f"build_lenet5: {names} têm os parâmetros da LeNet-5 no Keras.")


# ---------------------------------------------------------------------------- exercise 6


def _pairs(got):
    """An (n, 2) array of ``layer_costs`` as a list of pairs (a list of lists is right too)."""
    if isinstance(got, np.ndarray) and got.ndim == 2:
        return [tuple(row) for row in got]
    return got


def layer_costs(fn, part: str) -> None:
    """Check ``layer_costs(specs, input_shape)`` (lesson 00): on the AlexNet list
    (``"alexnet"``: the totals), or on a fresh small list, compared with a Keras model
    built from it (``"params"``, ``"macs"``)."""
    if part not in ("alexnet", "params", "macs"):
        raise ValueError('part deve ser "alexnet", "params" ou "macs"')
    import keras

    if part == "alexnet":
        specs = [
            ("conv", 96, 11, 4, 0), ("pool", 3, 2), ("conv", 256, 5, 1, 2), ("pool", 3, 2),
            ("conv", 384, 3, 1, 1), ("conv", 384, 3, 1, 1), ("conv", 256, 3, 1, 1),
            ("pool", 3, 2), ("dense", 4096), ("dense", 4096), ("dense", 1000),
        ]  # fmt: skip
        got = _pairs(call(fn, "layer_costs", specs, (227, 227, 3)))
        expect(
            isinstance(got, (list, tuple)) and len(got) == len(specs),
            "layer_costs deve devolver uma lista com um par (parâmetros, MACs) por camada.",
        )
        params = sum(int(p) for p, _ in got)
        macs = sum(int(m) for _, m in got)
        expect(
            params == 62_369_152 + 4096 + 4096 + 1000,
            f"A AlexNet somou {params} parâmetros; a tabela dá 62 369 152 SEM os vieses das "
            "três densas (4096 + 4096 + 1000), que você deve contar.",
        )
        conv_macs = sum(int(m) for (m_spec, (_, m)) in zip(specs, got) if m_spec[0] == "conv")
        expect(
            conv_macs == 1_077_284_224 - 290_400 - 186_624 - 64_896 - 64_896 - 43_264,
            f"As convoluções da AlexNet somaram {conv_macs} MACs; a tabela dá 1 077 284 224 "
            "contando o viés como mais uma multiplicação em cada saída, o que você não deve "
            "contar.",
        )
        expect(macs - conv_macs == 58_621_952, "As densas da AlexNet fazem 58 621 952 MACs.")
        passed("layer_costs: os totais da AlexNet conferem.")
        return
    generator = rng()
    height, width = 2 * int(generator.integers(5, 10)), 2 * int(generator.integers(5, 10))
    channels = int(generator.integers(1, 4))
    specs = [
        ("conv", int(generator.integers(2, 9)), 3, 1, 1),
        ("pool", 2, 2),
        ("conv", int(generator.integers(2, 9)), 2, 1, 0),
        ("dense", int(generator.integers(2, 20))),
    ]
    got = _pairs(call(fn, "layer_costs", specs, (height, width, channels)))
    expect(
        isinstance(got, (list, tuple)) and len(got) == len(specs),
        "layer_costs deve devolver uma lista com um par (parâmetros, MACs) por camada.",
    )
    inputs = keras.Input(shape=(height, width, channels))
    x = keras.layers.ZeroPadding2D(1)(inputs)
    first = keras.layers.Conv2D(specs[0][1], 3)
    x = keras.layers.MaxPooling2D(2, 2)(first(x))
    second = keras.layers.Conv2D(specs[2][1], 2)
    x = second(x)
    dense = keras.layers.Dense(specs[3][1])
    dense(keras.layers.Flatten()(x))
    layers = [first, None, second, dense]
    for spec, layer, item in zip(specs, layers, got):
        expect(
            isinstance(item, (list, tuple)) and len(item) == 2 and all(map(_is_int, item)),
            f"Cada item da lista é um par de inteiros (parâmetros, MACs); veio {item!r}.",
        )
        where = f"Com entrada {(height, width, channels)}, a camada {spec}"
        if part == "params":
            right = 0 if layer is None else layer.count_params()
            expect(item[0] == right, f"{where} tem {right} parâmetros (Keras); veio {item[0]}.")
        else:
            if layer is None:
                right = 0
            elif spec[0] == "dense":
                right = int(np.prod(layer.kernel.shape))
            else:
                _, rows, cols, _ = layer.output.shape
                right = int(np.prod(layer.kernel.shape)) * rows * cols
            expect(item[1] == right, f"{where} faz {right} MACs; veio {item[1]}.")
    what = "os parâmetros conferem" if part == "params" else "as MACs conferem"
    passed(f"layer_costs: {what} com um modelo Keras montado com as mesmas camadas.")
