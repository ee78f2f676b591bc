"""Self-checks of lesson 00 (CNN fundamentals).

The correlation of one channel with one kernel, the output size of a convolution, 2×2
pooling and the parameters of a ``Conv2D``. Every check runs the student's function on
fresh random inputs and compares it with Keras layers computed on the spot; nothing here is
a function that answers an exercise. The LeNet-5, AlexNet and transfer-learning checks are
in :mod:`autograder.checks.lesson00b`.
"""

from __future__ import annotations

import numpy as np

from ._core import CheckFailed, call, expect, expect_array, is_int, passed, rng

__all__ = ["CheckFailed", "conv2d_params", "conv_output_size", "correlate2d_valid", "pool_2x2"]


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
        expect(is_int(got), f"{what} deve devolver um inteiro (int); veio {got!r}.")
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
        expect(is_int(got), f"{what} deve devolver um inteiro; veio {got!r}.")
        expect(
            got == layer.count_params(),
            f"{what} devolveu {got}; Conv2D({k}, {f}) sobre {d1} canais tem "
            f"{layer.count_params()} parâmetros (count_params()).",
        )
    passed("conv2d_params confere com count_params() do Keras.")
