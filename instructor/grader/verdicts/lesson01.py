"""Verdicts of lesson 01 (ImageNet); inputs come from :mod:`autograder.probes.lesson01`."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np

from autograder import formatting, probes
from autograder.probes import lesson01 as probe

from . import Opaque, Wrong, as_array, decode, outcome

# `autograder demo` and the end-to-end tests: a student who ignores k and only checks
# whether the most likely class (argmax) is the right one, i.e. always the top-1 error.
DEMO_WRONG_ANSWER = {
    "top_k_error": (
        "def top_k_error(probs, labels, k):\n"
        "    predicted = np.argmax(probs, axis=1)\n"
        "    return float(np.mean(predicted != np.ravel(labels)))\n"
    ),
}

# ----------------------------------------------------------------------------- top_k_error

TOLERANCE = 1e-6


def expected_top_k_error(probs, labels, k: int) -> float:
    """``1 - sklearn.metrics.top_k_accuracy_score``; 1 for k < 1 and 0 for k >= C."""
    from sklearn.metrics import top_k_accuracy_score

    classes = probs.shape[1]
    if k < 1:
        return 1.0
    if k >= classes:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        accuracy = top_k_accuracy_score(np.ravel(labels), probs, k=k, labels=np.arange(classes))
    return float(1.0 - accuracy)


def _misses_lowest(probs, labels, k):
    lowest = np.argsort(probs, axis=1)[:, :k]
    return float(np.mean(~np.any(lowest == np.ravel(labels)[:, None], axis=1)))


# Typical mistakes: (value the mistake gives on a case, hint). A hint is given when the
# answer gives that value on every case it got wrong.
MISTAKES = [
    (
        lambda p, y, k: 1.0 - expected_top_k_error(p, y, k),
        "Você devolveu a taxa de ACERTO top-k; o pedido é a taxa de ERRO (1 − acerto).",
    ),
    (
        lambda p, y, k: expected_top_k_error(p, y, k) * len(p),
        "Devolva uma fração entre 0 e 1: divida o número de erros pelo número N de linhas.",
    ),
    (
        lambda p, y, k: expected_top_k_error(p, y, 1),
        "O resultado é o erro top-1 (só o argmax): considere as k classes mais prováveis, "
        "não só a primeira.",
    ),
    (
        _misses_lowest,
        "Você pegou as k classes MENOS prováveis: np.argsort ordena em ordem crescente; use as "
        "k últimas colunas (ou ordene -probs).",
    ),
    (
        lambda p, y, k: expected_top_k_error(p, y, k + 1),
        "O resultado equivale a usar k + 1 classes: confira o fatiamento (exatamente k).",
    ),
    (
        lambda p, y, k: expected_top_k_error(p, y, k - 1),
        "O resultado equivale a usar k − 1 classes: confira o fatiamento (exatamente k).",
    ),
]

GENERAL_HINT = (
    "Para cada linha, veja se o rótulo verdadeiro está entre as k colunas de maior "
    "probabilidade; o erro é a fração de linhas em que ele NÃO está."
)


def _number(got, what: str) -> float:
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "iuf":
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        kind = got.text if isinstance(got, Opaque) else type(got).__name__
        raise Wrong(f"{what} deve devolver um número (float), mas devolveu {kind}.")
    return float(got)


def _hint(wrong_cases) -> str:
    for mistake, hint in MISTAKES:
        if all(abs(mistake(p, y, k) - got) < TOLERANCE for p, y, k, got in wrong_cases):
            return hint
    return GENERAL_HINT


def top_k_error(seed, results) -> str:
    cases = probe.top_k_error_inputs(probes.generator(seed, "top_k_error"))
    if not isinstance(results, list) or len(results) != len(cases):
        raise Wrong("a sonda não chamou top_k_error em todos os casos.")
    wrong, column_only = [], None
    for (probs, labels, k), result in zip(cases, results):
        n, classes = probs.shape
        where = f"N={n}, C={classes}, k={k}"
        got = _number(outcome(result["flat"], "top_k_error"), "top_k_error")
        after_p = decode(result["probs_after"]["value"])
        after_y = decode(result["labels_after"]["value"])
        if not (
            isinstance(after_p, np.ndarray)
            and np.array_equal(after_p, probs)
            and isinstance(after_y, np.ndarray)
            and np.array_equal(after_y, labels)
        ):
            raise Wrong(
                "top_k_error alterou os arrays recebidos (por exemplo com probs.sort()): use "
                "np.argsort ou trabalhe numa cópia."
            )
        expected = expected_top_k_error(probs, labels, k)
        if not abs(got - expected) < TOLERANCE:
            wrong.append((probs, labels, k, got))
            continue
        try:
            got_column = _number(outcome(result["column"], "top_k_error"), "top_k_error")
        except Wrong as error:
            column_only = column_only or f"{error} ({where}, rótulos de forma (N, 1))"
            continue
        if not abs(got_column - expected) < TOLERANCE:
            column_only = column_only or f"o resultado sai errado ({where})"
    if wrong:
        probs, labels, k, got = wrong[0]
        n, classes = probs.shape
        raise Wrong(
            f"top_k_error devolveu {formatting.number(got, 4)} com N={n}, C={classes}, k={k}, "
            f"e não é o erro top-k (errou {len(wrong)} de {len(cases)} casos). {_hint(wrong)}"
        )
    if column_only:
        raise Wrong(
            f"Com rótulos de forma (N, 1), como o Keras os devolve, {column_only}: achate-os "
            "com np.ravel(labels)."
        )
    return "top_k_error confere com o scikit-learn em casos novos (inclusive k=1 e k=C)."


# ----------------------------------------------------------------------------- load_batch

PIXEL_TOLERANCE = 6.0
"""Pixel levels (0-255) before pre-processing: decoders and interpolations differ a little."""

BAND = 4
"""Target pixels left out on each side of the borders between quadrants (interpolation)."""


def decoded_colours(kind: str, image: np.ndarray) -> np.ndarray:
    """The 4 quadrant colours (RGB) that a decoder reads back from ``image`` saved as ``kind``."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"imagem{probe.SUFFIX[kind]}"
        probe.write_image(path, kind, image)
        with Image.open(path) as opened:
            back = np.asarray(opened.convert("RGB"), dtype=np.float64)
    height, width = image.shape[:2]
    rows, cols = (height // 4, 3 * height // 4), (width // 4, 3 * width // 4)
    return np.stack([back[r, c] for r in rows for c in cols])


def quadrant_target(colours: np.ndarray, height: int, width: int) -> tuple:
    """``(expected image, mask)``: quadrant colours at the target size, and the pixels far
    enough from the borders between quadrants to be compared."""
    image = np.empty((height, width, 3), dtype=np.float64)
    h, w = height // 2, width // 2
    image[:h, :w], image[:h, w:], image[h:, :w], image[h:, w:] = colours
    rows = np.abs(np.arange(height) + 0.5 - height / 2) >= BAND
    cols = np.abs(np.arange(width) + 0.5 - width / 2) >= BAND
    return image, rows[:, None] & cols[None, :]


def _close(got, expected, mask, tolerance) -> bool:
    return bool(np.all(np.abs(got[mask] - expected[mask]) <= tolerance))


def _load_batch_hint(got, colours, affine, mask) -> str:
    """Why image ``got`` differs from the expected one: names the typical mistake."""
    scale, shift = affine
    height, width = got.shape[:2]
    tolerance = PIXEL_TOLERANCE * abs(scale) + 1e-3

    def once(image):
        return image * scale + shift

    image, _ = quadrant_target(colours, height, width)
    bgr, _ = quadrant_target(colours[:, ::-1], height, width)
    if _close(got, once(bgr), mask, tolerance):
        return (
            "Os canais saíram na ordem BGR (é o que cv2.imread devolve): converta para RGB "
            "(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)) ou use keras.utils.load_img."
        )
    if _close(got, once(once(image)), mask, tolerance * abs(scale)):
        return (
            "O pré-processamento foi aplicado DUAS vezes: chame preprocess uma única vez, no "
            "lote inteiro, e não o aplique de novo em outro lugar."
        )
    if _close(got, image, mask, PIXEL_TOLERANCE):
        return (
            "Os valores são os pixels crus (0 a 255): aplique preprocess ao lote e devolva o "
            "que ele RETORNA (batch = preprocess(batch))."
        )
    small = tolerance / 255.0 + 1e-3
    if _close(got, once(image / 255.0), mask, small) or _close(
        got, once(image) / 255.0, mask, small
    ):
        return (
            "Não divida por 255: o preprocess de cada modelo já sabe que escala a rede espera; "
            "entregue a ele os pixels de 0 a 255."
        )
    return (
        "Carregue cada arquivo em RGB, redimensione para target_size, empilhe na ordem dos "
        "caminhos e aplique preprocess uma vez."
    )


def load_batch(seed, results) -> str:
    target_size, files, affine, grey, grey_affine = probe.load_batch_inputs(
        probes.generator(seed, "load_batch")
    )
    height, width = target_size
    batch = outcome(results["batch"], "load_batch")
    if not isinstance(batch, np.ndarray):
        as_array(batch, "load_batch")
    shape = (len(files), height, width, 3)
    if batch.shape == (len(files), width, height, 3):
        raise Wrong(
            f"load_batch devolveu forma {batch.shape}; esperava {shape}: altura e largura "
            "trocadas. target_size é (altura, largura) como em keras.utils.load_img; "
            "cv2.resize espera (largura, altura)."
        )
    as_array(batch, "load_batch", shape)
    if batch.dtype != np.float32:
        raise Wrong(
            f"load_batch devolveu dtype {batch.dtype}; esperava float32 "
            "(keras.utils.img_to_array já devolve float32)."
        )
    calls = decode(results["calls"]["value"])
    if not calls:
        raise Wrong("preprocess não foi chamado: aplique-o ao lote antes de devolver.")
    got = batch.astype(np.float64)
    scale, shift = affine
    tolerance = PIXEL_TOLERANCE * abs(scale) + 1e-3
    colours = [decoded_colours(kind, image) for kind, _, image in files]
    targets = [quadrant_target(c, height, width) for c in colours]
    for i, ((kind, _, _), (image, mask)) in enumerate(zip(files, targets)):
        if _close(got[i], image * scale + shift, mask, tolerance):
            continue
        others = [
            j
            for j, (other, _) in enumerate(targets)
            if j != i and _close(got[i], other * scale + shift, mask, tolerance)
        ]
        if others:
            raise Wrong(
                f"a imagem {i} do lote é a do arquivo {others[0]}: empilhe as imagens na mesma "
                "ordem da lista de caminhos."
            )
        what = "PNG com transparência" if kind == "rgba" else probe.SUFFIX[kind]
        raise Wrong(
            f"os pixels da imagem {i} ({what}) não são os esperados. "
            + _load_batch_hint(got[i], colours[i], affine, mask)
        )

    grey_batch = outcome(results["grey"], "load_batch (imagem em tons de cinza)")
    if not (isinstance(grey_batch, np.ndarray) and grey_batch.shape == (1, height, width, 3)):
        found = getattr(grey_batch, "shape", type(grey_batch).__name__)
        raise Wrong(
            "uma imagem em tons de cinza deve virar 3 canais: esperava forma "
            f"(1, {height}, {width}, 3), veio {found}. keras.utils.load_img converte para RGB "
            "(color_mode='rgb' é o padrão)."
        )
    if not decode(results["grey_calls"]["value"]):
        raise Wrong("preprocess não foi chamado: aplique-o ao lote antes de devolver.")
    levels = np.repeat(grey[1].astype(np.float64)[:, None], 3, axis=1)
    image, mask = quadrant_target(levels, height, width)
    grey_scale, grey_shift = grey_affine
    if not _close(
        grey_batch[0].astype(np.float64),
        image * grey_scale + grey_shift,
        mask,
        PIXEL_TOLERANCE * grey_scale + 1e-3,
    ):
        raise Wrong(
            "numa imagem em tons de cinza os 3 canais devem ser iguais ao nível de cinza "
            "(pré-processado uma vez)."
        )
    return (
        "load_batch carrega em RGB, redimensiona, empilha na ordem e pré-processa uma vez, "
        "em arquivos novos (PNG, JPEG, com transparência e em tons de cinza)."
    )


TESTS = {
    "test_top_k_error": ("top_k_error", top_k_error),
    "test_load_batch": ("load_batch", load_batch),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
