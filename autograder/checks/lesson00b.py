"""Self-checks of lesson 00b (classic architectures: LeNet-5, AlexNet, transfer learning).

The classic LeNet-5 in Keras and the cost table of a list of layers. Every check runs the
student's function on fresh random inputs and compares it with Keras layers computed on the
spot (or with the counts of the LeNet-5 paper and of the AlexNet table); the
multiple-choice answer is only checked for its form. Nothing here is a function that
answers an exercise.
"""

from __future__ import annotations

import numpy as np

from ._core import CheckFailed, call, expect, is_int, multiple_choice, passed, rng

__all__ = ["CheckFailed", "build_lenet5", "layer_costs", "multiple_choice"]


# ---------------------------------------------------------------------------- exercise 1


def build_lenet5(fn, part: str) -> None:
    """Check ``build_lenet5(input_shape, num_classes)`` (lesson 00b) on the classic
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


# ---------------------------------------------------------------------------- exercise 2


def _pairs(got):
    """An (n, 2) array of ``layer_costs`` as a list of pairs (a list of lists is right too)."""
    if isinstance(got, np.ndarray) and got.ndim == 2:
        return [tuple(row) for row in got]
    return got


def layer_costs(fn, part: str) -> None:
    """Check ``layer_costs(specs, input_shape)`` (lesson 00b): on the AlexNet list
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
            isinstance(item, (list, tuple)) and len(item) == 2 and all(map(is_int, item)),
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
