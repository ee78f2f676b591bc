"""Self-checks of lesson 01 (ImageNet, pretrained models): top-k error and loading a batch."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np

from .. import formatting
from ._core import CheckFailed, call, expect, expect_array, expect_number, passed, rng

# ----------------------------------------------------------------------------- top_k_error


def _random_scores(generator, n: int, classes: int) -> np.ndarray:
    logits = generator.normal(size=(n, classes)) * 2.0
    scores = np.exp(logits - logits.max(axis=1, keepdims=True))
    return scores / scores.sum(axis=1, keepdims=True)


def _top_k_candidates(probs, labels, k: int, error_at) -> list[tuple[float, str]]:
    """Values that typical mistakes give on ``(probs, labels, k)``, each with its hint;
    ``error_at(k)`` is scikit-learn's top-k error of this case."""
    expected = error_at(k)
    n, classes = probs.shape
    lowest = np.argsort(probs, axis=1)[:, :k]
    misses_lowest = float(np.mean(~np.any(lowest == labels[:, None], axis=1)))
    return [
        (
            1.0 - expected,
            "Você devolveu a taxa de ACERTO top-k; o pedido é a taxa de ERRO (1 − acerto).",
        ),
        (
            expected * n,
            "Devolva uma fração entre 0 e 1: divida o número de erros pelo número N de linhas.",
        ),
        (
            error_at(1),
            "O resultado é o erro top-1 (só o argmax): considere as k classes mais prováveis, "
            "não só a primeira.",
        ),
        (
            misses_lowest,
            "Você pegou as k classes MENOS prováveis: np.argsort ordena em ordem crescente; "
            "use as k últimas colunas (ou ordene -probs).",
        ),
        (
            error_at(k + 1),
            "O resultado equivale a usar k + 1 classes: confira o fatiamento (exatamente k).",
        ),
        (
            error_at(k - 1),
            "O resultado equivale a usar k − 1 classes: confira o fatiamento (exatamente k).",
        ),
    ]


def _diagnostic_case(generator, error_of):
    """A case (probs, labels, k=3) in which every typical mistake gives a different value."""
    n, classes, k = 20, 12, 3
    for _ in range(10_000):  # a few tries are enough in practice
        probs = _random_scores(generator, n, classes)
        labels = generator.integers(0, classes, size=n)
        candidates = _top_k_candidates(probs, labels, k, lambda j: error_of(probs, labels, j))
        values = [error_of(probs, labels, k)] + [v for v, _ in candidates]
        if min(np.diff(np.sort(values))) > 0.02:
            break
    return probs, labels, k, candidates


def _top_k_hint(fn, error_of) -> str:
    """Run ``fn`` on a diagnostic case and name the mistake its result points to."""
    probs, labels, k, candidates = _diagnostic_case(rng(), error_of)
    try:
        got = float(call(fn, "top_k_error", probs.copy(), labels.copy(), k))
    except (CheckFailed, TypeError, ValueError):
        got = float("nan")
    for value, hint in candidates:
        if abs(got - value) < 1e-6:
            return hint
    return (
        "Para cada linha, veja se o rótulo verdadeiro está entre as k colunas de maior "
        "probabilidade; o erro é a fração de linhas em que ele NÃO está."
    )


def _right_with_flat_labels(fn, probs, labels, k, expected) -> bool:
    try:
        flat = expect_number(call(fn, "top_k_error", probs, labels.ravel(), k), "top_k_error")
    except CheckFailed:
        return False
    return abs(flat - expected) < 1e-6


def top_k_error(fn) -> None:
    """Check ``top_k_error(probs, labels, k) -> float`` against scikit-learn on fresh arrays."""
    from sklearn.metrics import top_k_accuracy_score

    def error_of(probs, labels, k):  # scikit-learn's top-k error, 1 for k < 1, 0 for k >= C
        classes = probs.shape[1]
        if k < 1 or k >= classes:
            return 1.0 if k < 1 else 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hits = top_k_accuracy_score(np.ravel(labels), probs, k=k, labels=np.arange(classes))
        return float(1.0 - hits)

    generator = rng()
    cases = []
    for _ in range(4):
        n = int(generator.integers(5, 60))
        classes = int(generator.integers(3, 30))
        cases.append((n, classes, int(generator.integers(2, classes))))
    n, classes = int(generator.integers(5, 40)), int(generator.integers(3, 12))
    cases += [(n, classes, 1), (n, classes, classes), (1, 1000, 5)]
    for index, (n, classes, k) in enumerate(cases):
        probs = _random_scores(generator, n, classes)
        labels = generator.integers(0, classes, size=n)
        if index == 1:  # make sure the k-th and the (k+1)-th classes both matter
            order = np.argsort(-probs, axis=1)
            labels[: n // 2] = order[: n // 2, k - 1]
            labels[n // 2 :] = order[n // 2 :, k]
        if index % 2 == 1:
            labels = labels.reshape(-1, 1)  # as Keras returns labels
        expected = error_of(probs, labels, k)
        probs_in, labels_in = probs.copy(), labels.copy()
        try:
            got = call(fn, "top_k_error", probs_in, labels_in, k)
        except CheckFailed as error:
            if labels.ndim == 2 and "ainda não foi implementada" not in str(error):
                raise CheckFailed(
                    f"{error} Aqui os rótulos têm forma (N, 1), como o Keras os devolve: "
                    "achate-os com np.ravel(labels)."
                ) from error
            raise
        got = expect_number(got, "top_k_error")
        expect(
            np.array_equal(probs_in, probs) and np.array_equal(labels_in, labels),
            "`top_k_error` alterou os arrays recebidos (por exemplo com probs.sort()): use "
            "np.argsort ou trabalhe numa cópia.",
        )
        where = f"(N={n}, C={classes}, k={k}, rótulos de forma {labels.shape})"
        if abs(got - expected) > 1e-6:
            if labels.ndim == 2 and _right_with_flat_labels(fn, probs, labels, k, expected):
                raise CheckFailed(
                    f"❌ Com rótulos de forma (N, 1) o resultado sai errado {where}: achate-os "
                    "com np.ravel(labels) antes de comparar."
                )
            raise CheckFailed(
                f"❌ `top_k_error` devolveu {formatting.number(got, 4)}; o certo é "
                f"{formatting.number(expected, 4)} {where}. " + _top_k_hint(fn, error_of)
            )
    passed("top_k_error confere com o scikit-learn para vários N, C e k (inclusive k=1 e k=C).")


# ----------------------------------------------------------------------------- load_batch

_TOLERANCE = 8.0  # pixel levels (0-255), before pre-processing; JPEG moves colours a little


def _distinct_colours(generator, count: int) -> np.ndarray:
    """``count`` RGB colours whose red and blue differ by at least 60 levels (to see BGR)."""
    colours = []
    while len(colours) < count:
        colour = generator.integers(0, 256, size=3)
        if abs(int(colour[0]) - int(colour[2])) >= 60:
            colours.append(colour)
    return np.array(colours, dtype=np.uint8)


def _quadrant_image(colours: np.ndarray, height: int, width: int) -> np.ndarray:
    """An image made of 4 constant quadrants: top-left, top-right, bottom-left, bottom-right."""
    channels = colours.shape[1:]
    image = np.empty((height, width, *channels), dtype=np.uint8)
    h, w = height // 2, width // 2
    image[:h, :w], image[:h, w:], image[h:, :w], image[h:, w:] = colours
    return image


def _quadrant_centres(batch: np.ndarray) -> np.ndarray:
    """Pixel values at the centre of each quadrant: shape ``(N, 4, channels)``."""
    height, width = batch.shape[1:3]
    rows, cols = (height // 4, 3 * height // 4), (width // 4, 3 * width // 4)
    return np.stack([batch[:, r, c] for r in rows for c in cols], axis=1)


class _Probe:
    """A stand-in ``preprocess``: a random affine map that remembers how often it ran."""

    def __init__(self, generator):
        self.scale = float(generator.uniform(1.5, 3.0)) * float(generator.choice([-1.0, 1.0]))
        self.shift = float(generator.uniform(-50.0, 50.0))
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return np.asarray(x, dtype=np.float32) * np.float32(self.scale) + np.float32(self.shift)

    def once(self, pixels):
        return np.asarray(pixels, dtype=np.float64) * self.scale + self.shift


def _close(a, b, tolerance) -> bool:
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tolerance))


def _load_batch_hint(got_centres, pixels, probe, tolerance) -> str:
    """Why the quadrant centres ``got_centres`` differ from ``probe.once(pixels)``."""
    if _close(got_centres, probe.once(pixels[..., ::-1]), tolerance):
        return (
            "Os canais saíram na ordem BGR (é o que cv2.imread devolve): converta para RGB "
            "(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)) ou use keras.utils.load_img."
        )
    if _close(got_centres, probe.once(probe.once(pixels)), tolerance):
        return (
            "O pré-processamento foi aplicado DUAS vezes: chame preprocess uma única vez, "
            "no lote inteiro, e não o aplique de novo em outro lugar."
        )
    if _close(got_centres, pixels.astype(np.float64), tolerance):
        return (
            "Os valores são os pixels crus (0 a 255): aplique preprocess ao lote e devolva o "
            "que ele RETORNA (batch = preprocess(batch))."
        )
    if _close(got_centres, probe.once(pixels / 255.0), tolerance / 255.0 + 1e-3) or _close(
        got_centres, probe.once(pixels) / 255.0, tolerance / 255.0 + 1e-3
    ):
        return (
            "Não divida por 255: o preprocess de cada modelo já sabe que escala a rede espera; "
            "entregue a ele os pixels de 0 a 255."
        )
    return (
        "Carregue cada arquivo em RGB, redimensione para target_size, empilhe na ordem dos "
        "caminhos e aplique preprocess uma vez."
    )


def _write_image(path: Path, image: np.ndarray) -> None:
    from PIL import Image

    if path.suffix == ".jpg":
        Image.fromarray(image).save(path, quality=95, subsampling=0)
    else:
        Image.fromarray(image).save(path)


def load_batch(fn) -> None:
    """Check ``load_batch(paths, target_size, preprocess) -> float32 (N, H, W, 3)`` on new files."""
    generator = rng()
    height = int(generator.integers(36, 57))  # height != width: swapped axes show up
    width = height + int(generator.choice([-1, 1])) * int(generator.integers(8, 17))
    target_size = (height, width)
    with tempfile.TemporaryDirectory() as tmp:
        # colour images of different sizes and formats, each made of 4 constant quadrants
        kinds = [".png", ".jpg", ".png"]
        pixels = np.stack([_distinct_colours(generator, 4) for _ in kinds])  # (N, 4, 3)
        paths = []
        for i, (suffix, colours) in enumerate(zip(kinds, pixels)):
            source_h, source_w = (int(v) for v in generator.integers(40, 120, size=2))
            path = Path(tmp) / f"imagem_{i}{suffix}"
            _write_image(path, _quadrant_image(colours, source_h, source_w))
            paths.append(str(path) if i != 1 else path)  # str and pathlib.Path both work

        probe = _Probe(generator)
        batch = call(fn, "load_batch", paths, target_size, probe)
        expect(
            isinstance(batch, np.ndarray),
            f"`load_batch` deve devolver um np.ndarray, mas devolveu {type(batch).__name__}.",
        )
        expected_shape = (len(paths), height, width, 3)
        if batch.shape == (len(paths), width, height, 3):
            raise CheckFailed(
                f"❌ Forma {batch.shape}, esperava {expected_shape}: altura e largura trocadas. "
                "target_size é (altura, largura) como em keras.utils.load_img; cv2.resize "
                "espera (largura, altura)."
            )
        expect_array(batch, "load_batch", expected_shape)
        expect(
            batch.dtype == np.float32,
            f"`load_batch` devolveu dtype {batch.dtype}; esperava float32 "
            "(keras.utils.img_to_array já devolve float32).",
        )
        expect(
            probe.calls > 0, "`preprocess` não foi chamado: aplique-o ao lote antes de devolver."
        )
        tolerance = _TOLERANCE * abs(probe.scale)
        got = _quadrant_centres(batch).astype(np.float64)
        for i in range(len(paths)):
            if not _close(got[i], probe.once(pixels[i]), tolerance):
                others = [
                    j
                    for j in range(len(paths))
                    if _close(got[i], probe.once(pixels[j]), tolerance)
                ]
                if others:
                    raise CheckFailed(
                        f"❌ A imagem {i} do lote é a do arquivo {others[0]}: empilhe as imagens "
                        "na mesma ordem da lista de caminhos."
                    )
                raise CheckFailed(
                    f"❌ Os pixels da imagem {i} ({Path(paths[i]).suffix}) não são os esperados. "
                    + _load_batch_hint(got[i], pixels[i], probe, tolerance)
                )

        # a grayscale PNG must come back with three equal channels
        grey_levels = generator.choice(np.arange(0, 256, 16), size=4, replace=False).astype(
            np.uint8
        )
        grey_path = Path(tmp) / "cinza.png"
        _write_image(grey_path, _quadrant_image(grey_levels, 50, 70))
        grey_probe = _Probe(generator)
        try:
            grey = fn([str(grey_path)], target_size, grey_probe)
        except NotImplementedError:
            raise
        except Exception as error:
            raise CheckFailed(
                f"❌ `load_batch` falhou numa imagem em tons de cinza ({type(error).__name__}: "
                f"{error}). Toda imagem deve virar 3 canais RGB: keras.utils.load_img faz isso "
                "(color_mode='rgb' é o padrão)."
            ) from error
        expect(
            isinstance(grey, np.ndarray) and grey.shape == (1, height, width, 3),
            "Uma imagem em tons de cinza deve virar 3 canais: esperava forma "
            f"(1, {height}, {width}, 3), veio {getattr(grey, 'shape', type(grey).__name__)}. "
            "keras.utils.load_img converte para RGB (color_mode='rgb' é o padrão).",
        )
        centres = _quadrant_centres(np.asarray(grey, dtype=np.float64))[0]  # (4, 3)
        expected_grey = grey_probe.once(np.repeat(grey_levels[:, None], 3, axis=1))
        expect(
            _close(centres, expected_grey, _TOLERANCE * abs(grey_probe.scale)),
            "Numa imagem em tons de cinza os 3 canais devem ser iguais ao nível de cinza "
            "(pré-processado uma vez).",
        )
    passed(
        "load_batch carrega em RGB, redimensiona para target_size, empilha na ordem e "
        "pré-processa uma vez (inclusive imagens em tons de cinza)."
    )
