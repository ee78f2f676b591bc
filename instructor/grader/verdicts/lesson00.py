"""Verdicts of lesson 00 (CNN fundamentals); inputs come from :mod:`autograder.probes.lesson00`.

Expected results come from pristine libraries: ``scipy.signal.correlate2d`` for the
correlation, Keras layers (``Conv2D`` behind ``ZeroPadding2D``, ``MaxPooling2D``,
``AveragePooling2D``) for output sizes, pooling and parameter counts. The LeNet-5, AlexNet
and transfer-learning verdicts are in :mod:`grader.verdicts.lesson00b`.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from autograder import probes
from autograder.probes import lesson00 as probe

from . import Wrong, as_array, decode, integer, outcome, probe_calls

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


# ---------------------------------------------------------------------------- exercise 1


def _correlations(seed, results, name: str):
    cases = _inputs(name, seed)
    for (image, kernel), result in zip(
        cases, probe_calls(results, len(cases), "correlate2d_valid")
    ):
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
    for (w, f, s, p), result in zip(cases, probe_calls(results, len(cases), "conv_output_size")):
        what = f"conv_output_size({w}, {f}, {s}, {p})"
        got = integer(outcome(result, what), what)
        expected = keras_output_size(w, f, s, p)
        if got != expected:
            if got == (w - f + p) // s + 1:
                raise Wrong(f"{what} devolveu {got}: o preenchimento conta dos dois lados (2P).")
            raise Wrong(f"{what} devolveu {got}, mas o Conv2D do Keras dá outra largura.")
    return "confere com as formas de saída do Conv2D do Keras em configurações novas."


def output_size_errors(seed, results) -> str:
    cases = _inputs("output_size_errors", seed)
    for ((w, f, s, p), valid), result in zip(
        cases, probe_calls(results, len(cases), "conv_output_size")
    ):
        what = f"conv_output_size({w}, {f}, {s}, {p})"
        if valid:
            got = integer(outcome(result, what), what)
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
    for (x, mode), result in zip(cases, probe_calls(results, len(cases), "pool_2x2")):
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
    for (f, d1, k), result in zip(cases, probe_calls(results, len(cases), "conv2d_params")):
        what = f"conv2d_params({f}, {d1}, {k})"
        got = integer(outcome(result, what), what)
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


TESTS = {
    "test_correlate_shape": ("correlate_shape", correlate_shape),
    "test_correlate_values": ("correlate_values", correlate_values),
    "test_output_size_values": ("output_size_values", output_size_values),
    "test_output_size_errors": ("output_size_errors", output_size_errors),
    "test_pool_max": ("pool_max", pool_max),
    "test_pool_avg": ("pool_avg", pool_avg),
    "test_pool_odd": ("pool_odd", pool_odd),
    "test_conv2d_params": ("conv_params", conv_params),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
