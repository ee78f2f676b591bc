"""Self-checks of lesson 09 (EfficientNet).

Compound scaling, swish and GELU, the costs of normal, depthwise and separable convolutions,
the inverted residual block and the squeeze-and-excitation block. Every check runs the
student's answer on fresh random inputs and compares with what Keras itself gives
(activations, ``count_params()``) or with properties of the right answer. The
transfer-learning exercises are checked in :mod:`autograder.checks.lesson09b`.
"""

from __future__ import annotations

import numpy as np

from ..probes import lesson09 as _probe
from ._core import CheckFailed, call, expect, passed, rng

__all__ = [
    "CheckFailed",
    "compound_scaling",
    "conv_costs",
    "gelu",
    "gelu_sigmoid",
    "inverted_residual_block",
    "se_block",
    "swish",
]


def _parts(part: str, allowed: tuple) -> None:
    if part not in allowed:
        raise ValueError(f"part deve ser um de {allowed}")


# ---------------------------------------------------------------------------- exercise 1


def compound_scaling(fn, part: str) -> None:
    """Check ``compound_scaling(phi, alpha=1.2, beta=1.1, gamma=1.15)`` (lesson 09): the
    three multipliers (``part="multipliers"``) or the FLOPs factor (``"flops"``)."""
    _parts(part, ("multipliers", "flops"))
    generator = rng()
    cases = [(1.0, None), (float(generator.uniform(0.2, 7.0)), None)]
    cases.append((float(generator.uniform(0.2, 6.0)), tuple(generator.uniform(1.02, 1.6, 3))))
    for phi, coefficients in cases:
        if coefficients is None:
            got = call(fn, "compound_scaling", phi)
            alpha, beta, gamma = 1.2, 1.1, 1.15
            where = f"compound_scaling({phi:.3g})"
        else:
            alpha, beta, gamma = coefficients
            got = call(fn, "compound_scaling", phi, alpha=alpha, beta=beta, gamma=gamma)
            where = f"compound_scaling({phi:.3g}, alpha={alpha:.3g}, beta={beta:.3g}, ...)"
        expect(
            isinstance(got, (tuple, list)) and len(got) == 4,
            f"{where} deve devolver a tupla (profundidade, largura, resolução, flops).",
        )
        values = [float(v) for v in got]
        if part == "multipliers":
            expect(
                np.allclose(values[:3], [alpha**phi, beta**phi, gamma**phi], rtol=1e-6),
                f"{where}: os multiplicadores devem ser α^φ, β^φ e γ^φ, nessa ordem.",
            )
        else:
            expect(
                not np.isclose(values[3], 2.0**phi, rtol=1e-6) or phi == 0,
                f"{where}: 2^φ é só a aproximação; devolva (α·β²·γ²)^φ.",
            )
            expect(
                np.isclose(values[3], (alpha * beta**2 * gamma**2) ** phi, rtol=1e-6),
                f"{where}: o fator de FLOPs deve ser (α·β²·γ²)^φ.",
            )
    what = "α^φ, β^φ e γ^φ" if part == "multipliers" else "o fator de FLOPs (α·β²·γ²)^φ"
    passed(f"compound_scaling devolve {what}.")


# ---------------------------------------------------------------------------- exercise 2


def _activation(fn, name: str, expected_of, formula: str) -> None:
    generator = rng()
    cases = [np.linspace(-3.0, 3.0, 7, dtype="float32")]
    cases.append(generator.normal(0.0, 3.0, size=(3, int(generator.integers(2, 7)))))
    extreme = generator.uniform(-6.0, 6.0, size=(2, 4, 3)).astype("float32")
    extreme[0, 0, :] = [-30.0, 0.0, 30.0]
    cases.append(extreme)
    for x in cases:
        got = call(fn, name, x.copy())
        expect(
            isinstance(got, np.ndarray),
            f"`{name}` deve devolver um np.ndarray, mas devolveu {type(got).__name__}.",
        )
        expect(
            got.shape == x.shape,
            f"`{name}` devolveu forma {got.shape} para uma entrada {x.shape}: devolva a mesma "
            "forma.",
        )
        got = got.astype("float64")
        expect(np.all(np.isfinite(got)), f"`{name}` devolveu nan ou inf em x = ±30.")
        expected = expected_of(x.astype("float32"))
        expect(
            np.allclose(got, expected, atol=1e-5, rtol=1e-4),
            f"`{name}` difere de {formula} (tolerância 1e-5 mais 1e-4 relativo); a maior "
            f"diferença é {np.abs(got - expected).max():.2e}.",
        )
    passed(f"{name} calcula {formula}.")


def swish(fn) -> None:
    """Check ``swish(x)`` (lesson 09) against ``keras.activations.silu``."""
    import keras

    _activation(
        fn,
        "swish",
        lambda x: np.asarray(keras.activations.silu(x), dtype="float64"),
        "x·σ(x) como keras.activations.silu",
    )


def gelu(fn) -> None:
    """Check ``gelu(x)`` (lesson 09) against ``keras.activations.gelu(approximate=False)``."""
    import keras

    _activation(
        fn,
        "gelu",
        lambda x: np.asarray(keras.activations.gelu(x, approximate=False), dtype="float64"),
        "a GELU exata, como keras.activations.gelu(x, approximate=False)",
    )


def gelu_sigmoid(fn) -> None:
    """Check ``gelu_sigmoid(x)`` (lesson 09): x·σ(1.702x), with Keras's sigmoid."""
    import keras

    _activation(
        fn,
        "gelu_sigmoid",
        lambda x: x * np.asarray(keras.activations.sigmoid(1.702 * x), dtype="float64"),
        "x·σ(1,702x)",
    )


# ---------------------------------------------------------------------------- exercise 3


def conv_costs(fn, part: str) -> None:
    """Check ``conv_costs(height, width, channels_in, channels_out, kernel_size)`` (lesson
    09): the parameters against Keras's ``count_params()`` (``part="params"``) or the
    multiplications (``"mults"``)."""
    import keras

    _parts(part, ("params", "mults"))
    generator = rng()
    cases = [(5, 5, 3, 4, 3)] + [
        (
            int(generator.integers(4, 40)),
            int(generator.integers(4, 40)),
            int(generator.integers(1, 33)),
            int(generator.integers(1, 65)),
            int(generator.choice([1, 3, 5])),
        )
        for _ in range(2)
    ]
    for height, width, c_in, c_out, k in cases:
        where = f"conv_costs({height}, {width}, {c_in}, {c_out}, {k})"
        got = call(fn, "conv_costs", height, width, c_in, c_out, k)
        expect(
            isinstance(got, dict) and {"normal", "depthwise", "separable"} <= set(got),
            f"{where} deve devolver um dicionário com as chaves 'normal', 'depthwise' e "
            "'separable'.",
        )
        layers = {
            "normal": keras.layers.Conv2D(c_out, k, padding="same"),
            "depthwise": keras.layers.DepthwiseConv2D(k, padding="same"),
            "separable": keras.layers.SeparableConv2D(c_out, k, padding="same"),
        }
        for kind, layer in layers.items():
            pair = got[kind]
            expect(
                isinstance(pair, (tuple, list)) and len(pair) == 2,
                f"{where}['{kind}'] deve ser o par (parâmetros, multiplicações).",
            )
            if part == "params":
                layer.build((None, height, width, c_in))
                expect(
                    int(pair[0]) == layer.count_params(),
                    f"{where}: a convolução '{kind}' tem {layer.count_params()} parâmetros no "
                    f"Keras (count_params()); veio {pair[0]}.",
                )
            else:
                window = k * k * height * width
                expected = {
                    "normal": window * c_in * c_out,
                    "depthwise": window * c_in,
                    "separable": height * width * c_in * (k * k + c_out),
                }[kind]
                expect(
                    int(pair[1]) == expected,
                    f"{where}: a convolução '{kind}' faz {expected} multiplicações por imagem; "
                    f"veio {pair[1]}.",
                )
    what = "os parâmetros" if part == "params" else "as multiplicações"
    passed(f"conv_costs conta {what} das três convoluções.")


# ---------------------------------------------------------------------------- exercise 4


def inverted_residual_block(fn, part: str) -> None:
    """Check one property of ``inverted_residual_block(x, expand)`` (lesson 09):
    ``"shape"`` (and the swish activations), ``"params"`` or ``"sum"``."""
    _parts(part, ("shape", "params", "sum"))
    generator = rng()
    for _ in range(2):
        case = _probe._inverted_case(generator)
        channels, expand = case["shape"][2], case["expand"]
        where = f"Com x de forma {(None, *case['shape'])} e inverted_residual_block(x, {expand})"
        got = call(_probe._inverted_result, "inverted_residual_block", fn, case)
        if part == "shape":
            expect(
                tuple(got["output_shape"]) == (None, *case["shape"]),
                f"{where}, a saída tem forma {tuple(got['output_shape'])}; esperava a forma "
                "de x (padding='same' e a última 1×1 com x.shape[-1] filtros).",
            )
            _expect_swish(got["graph"], where)
        elif part == "params":
            expected = 2 * channels * expand + 11 * expand + channels
            expect(
                got["params"] == expected,
                f"{where}, o bloco tem {got['params']} parâmetros; deveria ter {expected}.",
            )
        else:
            expect(
                got["projection"],
                f"{where}, não encontrei a projeção: ela deve ser uma Conv2D 1×1 de `expand` "
                "canais de volta para os C canais de x (não uma Dense).",
            )
            expected = case["x"] + case["beta"]
            out = got["output"]
            expect(
                out.shape == expected.shape and np.allclose(out, expected, atol=2e-3),
                f"{where}, o bloco não devolve x + F(x) com a última 1×1 linear (sem "
                "ativação) e nada depois da soma.",
            )
    messages = {
        "shape": "devolve um tensor da forma de x e usa swish.",
        "params": "tem o número de parâmetros certo.",
        "sum": "soma x à saída da projeção 1×1 linear.",
    }
    passed("inverted_residual_block " + messages[part])


def _unswished(nodes: dict, name: str):
    """(the tensor before a swish applied by operation ``name``, whether it is one): an
    Activation layer, keras.ops.silu or y·σ(y)."""
    entry = nodes.get(name) or {"class": None, "config": {}, "inbound": []}
    inbound = entry["inbound"]
    if len(inbound) == 1 and (
        entry["class"] in ("Silu", "Swish")
        or (entry["class"] == "Activation" and entry["config"].get("activation") in SWISH)
    ):
        return inbound[0], True
    if entry["class"] == "Multiply" and len(inbound) == 2:
        for y, s in (inbound, inbound[::-1]):
            gate = nodes.get(s)
            if gate is not None and gate["inbound"] == [y]:
                if gate["class"] == "Sigmoid" or gate["config"].get("activation") == "sigmoid":
                    return y, True
    return name, False


SWISH = ("silu", "swish")


def _expect_swish(graph: list, where: str) -> None:
    """Swish after the expansion and after the depthwise convolution (lesson 09), as the
    layer's activation or as a separate layer or operation."""
    nodes = {entry["name"]: entry for entry in graph}
    depthwise = [entry for entry in graph if entry["class"] == "DepthwiseConv2D"]
    expect(bool(depthwise), f"{where}, falta a convolução em profundidade (DepthwiseConv2D).")
    depthwise = depthwise[0]
    before, swished = _unswished(nodes, (depthwise["inbound"] or [""])[0])
    expect(
        swished or (nodes.get(before) or {}).get("activation") in SWISH,
        f"{where}, a expansão 1×1 deve usar activation='swish'.",
    )
    expect(
        depthwise["activation"] in SWISH
        or any(
            _unswished(nodes, entry["name"]) == (depthwise["name"], True)
            for entry in graph
            if depthwise["name"] in entry["inbound"]
        ),
        f"{where}, a convolução em profundidade deve usar activation='swish'.",
    )


# ---------------------------------------------------------------------------- exercise 5


def se_block(fn, part: str) -> None:
    """Check one property of ``se_block(x, ratio=16)`` (lesson 09): ``"params"``,
    ``"guard"`` (fewer channels than ``ratio``) or ``"excitation"`` (the output with the
    probe's weights in the dense layers)."""
    _parts(part, ("params", "guard", "excitation"))
    generator = rng()
    for _ in range(2):
        case = _probe._se_case(generator, part)
        channels, ratio = case["shape"][2], case["ratio"]
        where = f"Com x de forma {(None, *case['shape'])} e se_block(x, ratio={ratio})"
        got = call(_probe._se_result, "se_block", fn, case)
        expect(
            tuple(got["output_shape"]) == (None, *case["shape"]),
            f"{where}, a saída tem forma {tuple(got['output_shape'])}; esperava a forma de x.",
        )
        if part in ("params", "guard"):
            reduced = max(1, channels // ratio)
            expected = 2 * channels * reduced + reduced + channels
            expect(
                got["params"] == expected,
                f"{where}, o bloco tem {got['params']} parâmetros; deveria ter {expected}"
                + (" (ch // ratio = 0: use max(1, ch // ratio))." if part == "guard" else "."),
            )
        else:
            weights = got["output"].astype("float64") / case["x"]
            per_channel = weights.mean(axis=(1, 2), keepdims=True)
            expect(
                np.allclose(weights, per_channel, atol=1e-4, rtol=1e-3),
                f"{where}, cada canal deve ser multiplicado por UM peso, o mesmo em todos os "
                "pixels (Reshape((1, 1, ch)) antes de multiplicar).",
            )
            # the probe gave the two dense layers the case's weights w1, b1, w2, b2
            found = got.get("weights") == ["b1", "b2", "w1", "w2"]
            x = case["x"].astype("float64")
            hidden = np.maximum(x.mean(axis=(1, 2)) @ case["w1"] + case["b1"], 0)
            gate = 1 / (1 + np.exp(-(hidden @ case["w2"] + case["b2"])))
            if found and np.allclose(got["output"], x * gate[:, None, None, :], 1e-3, 1e-4):
                continue
            expect(
                np.all((per_channel >= 0) & (per_channel <= 1)),
                f"{where}, os pesos devem ficar entre 0 e 1 (sigmoide).",
            )
            expect(
                not np.allclose(per_channel, per_channel[:1], atol=1e-6),
                f"{where}, os pesos devem depender da imagem (GlobalAveragePooling2D de x).",
            )
            expect(
                found,
                f"{where}, não encontrei as duas camadas densas, de ch para max(1, ch // ratio) "
                "e de volta para ch, com viés.",
            )
            expect(
                False,
                f"{where}, o peso de cada canal deve ser σ(Dense(ReLU(Dense(média do canal)))): "
                "GlobalAveragePooling2D (a média, não o máximo), ReLU na primeira densa e "
                "sigmoide na segunda.",
            )
    messages = {
        "params": "devolve a forma de x e tem os parâmetros certos.",
        "guard": "funciona com menos canais que ratio.",
        "excitation": "multiplica cada canal pelo peso calculado da média do canal na imagem.",
    }
    passed("se_block " + messages[part])
