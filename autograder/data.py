"""The data gateway of the course: CIFAR-10, MNIST and Fashion-MNIST, online or offline.

Every loader returns ``(x_train, y_train), (x_test, y_test)`` exactly as
``keras.datasets.<name>.load_data()`` does, and looks for the data in this order:

1. an explicit folder (the ``directory`` argument, or an environment variable:
   ``CIFAR10_DIR``, ``MNIST_DIR``, ``FASHION_MNIST_DIR``);
2. the Keras cache (``$KERAS_HOME/datasets`` or ``~/.keras/datasets``);
3. for Fashion-MNIST, Debian's ``dataset-fashion-mnist`` package;
4. a Keras download (never in smoke mode: smoke mode never touches the network).

Only in smoke mode, when none of those has the data, a deterministic synthetic
stand-in is returned, with a visible warning. Outside smoke mode a missing data
set is an error that says how to get it. Introduced in lesson 02.
"""

from __future__ import annotations

import gzip
import os
import pickle
import warnings
from pathlib import Path

import numpy as np

from . import settings

CIFAR10_CLASSES_PT = (
    "avião",
    "automóvel",
    "pássaro",
    "gato",
    "veado",
    "cachorro",
    "sapo",
    "cavalo",
    "navio",
    "caminhão",
)
"""Portuguese CIFAR-10 class names, in label order (lesson 02)."""

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

_CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
_IDX_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


class DatasetNotFoundError(FileNotFoundError):
    """A data set is not available locally and could not be downloaded."""


class SyntheticDataWarning(UserWarning):
    """The synthetic stand-in is being used instead of the real data set."""


# --------------------------------------------------------------------------- helpers


def keras_cache_dir() -> Path:
    """Where Keras keeps downloaded data sets (``$KERAS_HOME/datasets``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def _explicit_dir(directory, env_var: str) -> Path | None:
    chosen = directory if directory is not None else os.environ.get(env_var)
    if not chosen:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise DatasetNotFoundError(
            f"A pasta {str(path)!r} (indicada por argumento ou por {env_var}) não existe."
        )
    return path


def _warn_synthetic(name: str) -> None:
    message = (
        f"{name} real não está disponível neste computador: usando o conjunto SINTÉTICO "
        "do modo rápido (imagens geradas, só servem para testar o código). "
        "No Colab, rode com COURSE_SMOKE=0 para usar os dados reais."
    )
    print("AVISO:", message)
    warnings.warn(message, SyntheticDataWarning, stacklevel=3)


def _missing(name: str, env_var: str, how: str) -> DatasetNotFoundError:
    return DatasetNotFoundError(
        f"{name} não foi encontrado e não pôde ser baixado. {how} "
        f"Alternativas: aponte {env_var} para uma pasta com os arquivos oficiais, "
        "ou use o modo rápido (COURSE_SMOKE=1) para testar o código com dados sintéticos."
    )


# --------------------------------------------------------------------------- CIFAR-10


def read_cifar10_python_batch(path) -> tuple[np.ndarray, np.ndarray]:
    """Read one official python-version CIFAR-10 batch (lesson 02).

    Returns ``(images, labels)``: ``uint8`` arrays of shape ``(N, 32, 32, 3)`` and ``(N,)``.
    """
    with open(Path(path), "rb") as handle:  # Path: a number is not a file descriptor here
        batch = pickle.load(handle, encoding="bytes")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.uint8)
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, labels


def write_cifar10_python_batch(path, images, labels) -> None:
    """Write images and labels as an official python-version batch (tests, lesson 02)."""
    images = np.asarray(images, dtype=np.uint8)
    data = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    batch = {
        b"batch_label": b"written by autograder",
        b"labels": [int(v) for v in np.ravel(labels)],
        b"data": data,
        b"filenames": [f"img_{i}.png".encode() for i in range(len(images))],
    }
    with open(Path(path), "wb") as handle:
        pickle.dump(batch, handle, protocol=2)


def write_cifar10_binary(path, images, labels) -> None:
    """Write images and labels in the official *binary* format (lesson 02).

    Each record is 3073 bytes: the label byte first, then 1024 red, 1024 green
    and 1024 blue bytes, each plane row by row.
    """
    images = np.asarray(images, dtype=np.uint8)
    labels = np.asarray(labels, dtype=np.uint8).reshape(-1, 1)
    planes = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    Path(path).write_bytes(np.concatenate([labels, planes], axis=1).tobytes())


def _read_cifar10_folder(folder: Path):
    train = [read_cifar10_python_batch(folder / name) for name in _CIFAR_BATCHES]
    x_test, y_test = read_cifar10_python_batch(folder / "test_batch")
    x_train = np.concatenate([images for images, _ in train])
    y_train = np.concatenate([labels for _, labels in train]).reshape(-1, 1)
    return (x_train, y_train), (x_test, y_test.reshape(-1, 1))


def _has_cifar10(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _CIFAR_BATCHES + ["test_batch"])


def _find_cifar10_folder(root: Path) -> Path | None:
    for candidate in (
        root,
        root / "cifar-10-batches-py",
        root / "cifar-10-batches-py-target" / "cifar-10-batches-py",
    ):
        if _has_cifar10(candidate):
            return candidate
    return None


def load_cifar10(directory=None):
    """Load CIFAR-10 as ``keras.datasets.cifar10.load_data()`` does (lesson 02).

    ``directory`` (or ``CIFAR10_DIR``) may hold the official python-version batches
    (``data_batch_1`` … ``data_batch_5``, ``test_batch``), with any number of images each.
    """
    explicit = _explicit_dir(directory, "CIFAR10_DIR")
    if explicit is not None:
        folder = _find_cifar10_folder(explicit)
        if folder is None:
            raise DatasetNotFoundError(
                f"A pasta {str(explicit)!r} não contém os lotes do CIFAR-10 "
                "(data_batch_1 … data_batch_5 e test_batch, versão python)."
            )
        return _read_cifar10_folder(folder)
    folder = _find_cifar10_folder(keras_cache_dir())
    if folder is not None:
        return _read_cifar10_folder(folder)
    if settings.smoke():
        _warn_synthetic("CIFAR-10")
        return synthetic_cifar10()
    try:
        import keras

        return keras.datasets.cifar10.load_data()
    except Exception as error:  # network errors come in many types
        raise _missing(
            "CIFAR-10", "CIFAR10_DIR", f"O download falhou ({type(error).__name__}: {error})."
        ) from error


# --------------------------------------------------------------------------- MNIST family


def _read_idx(path: Path, offset: int) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return np.frombuffer(handle.read(), np.uint8, offset=offset)


def read_idx_folder(folder) -> tuple:
    """Read the four gzipped IDX files of MNIST or Fashion-MNIST from a folder (lesson 04)."""
    folder = Path(folder)
    y_train = _read_idx(folder / _IDX_FILES[0], 8)
    x_train = _read_idx(folder / _IDX_FILES[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read_idx(folder / _IDX_FILES[2], 8)
    x_test = _read_idx(folder / _IDX_FILES[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)


def write_idx_folder(folder, x_train, y_train, x_test, y_test) -> None:
    """Write arrays as the four gzipped IDX files (tests, lesson 04)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, array, magic in zip(
        _IDX_FILES, (y_train, x_train, y_test, x_test), (2049, 2051, 2049, 2051)
    ):
        array = np.asarray(array, dtype=np.uint8)
        header = [magic, len(array)] + ([28, 28] if array.ndim == 3 else [])
        with gzip.open(folder / name, "wb") as handle:
            handle.write(np.asarray(header, dtype=">u4").tobytes() + array.tobytes())


def _has_idx(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _IDX_FILES)


def load_fashion_mnist(directory=None):
    """Load Fashion-MNIST as ``keras.datasets.fashion_mnist.load_data()`` does (lesson 04).

    Looks at ``directory``/``FASHION_MNIST_DIR``, the Keras cache, Debian's
    ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``), then downloads.
    """
    explicit = _explicit_dir(directory, "FASHION_MNIST_DIR")
    if explicit is not None:
        if not _has_idx(explicit):
            raise DatasetNotFoundError(
                f"A pasta {str(explicit)!r} não contém os quatro arquivos IDX do Fashion-MNIST."
            )
        return read_idx_folder(explicit)
    for folder in (keras_cache_dir() / "fashion-mnist", DEBIAN_FASHION_MNIST):
        if _has_idx(folder):
            return read_idx_folder(folder)
    if settings.smoke():
        _warn_synthetic("Fashion-MNIST")
        return synthetic_digits()
    try:
        import keras

        return keras.datasets.fashion_mnist.load_data()
    except Exception as error:
        raise _missing(
            "Fashion-MNIST",
            "FASHION_MNIST_DIR",
            f"O download falhou ({type(error).__name__}: {error}). "
            "No Debian/Ubuntu: sudo apt install dataset-fashion-mnist.",
        ) from error


def load_mnist(directory=None):
    """Load MNIST as ``keras.datasets.mnist.load_data()`` does (lesson 04).

    Looks at ``directory``/``MNIST_DIR`` (``mnist.npz`` or the four IDX files), the
    Keras cache (``mnist.npz``), then downloads.
    """
    explicit = _explicit_dir(directory, "MNIST_DIR")
    candidates = [explicit] if explicit is not None else [keras_cache_dir()]
    for folder in candidates:
        if (folder / "mnist.npz").is_file():
            with np.load(folder / "mnist.npz", allow_pickle=False) as f:
                return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
        if _has_idx(folder):
            return read_idx_folder(folder)
    if explicit is not None:
        raise DatasetNotFoundError(
            f"A pasta {str(explicit)!r} não contém mnist.npz nem os quatro arquivos IDX."
        )
    if settings.smoke():
        _warn_synthetic("MNIST")
        return synthetic_digits()
    try:
        import keras

        return keras.datasets.mnist.load_data()
    except Exception as error:
        raise _missing(
            "MNIST", "MNIST_DIR", f"O download falhou ({type(error).__name__}: {error})."
        ) from error


# --------------------------------------------------------------------------- synthetic stand-ins


def _draw_shape(canvas: np.ndarray, label: int, color, rng: np.random.Generator) -> None:
    import cv2

    size = canvas.shape[0]
    c = size // 2 + rng.integers(-3, 4, size=2)
    r = int(size * rng.uniform(0.22, 0.32))
    t = int(rng.integers(2, 4))
    x, y = int(c[0]), int(c[1])
    if label == 0:  # filled disc
        cv2.circle(canvas, (x, y), r, color, -1)
    elif label == 1:  # filled square
        cv2.rectangle(canvas, (x - r, y - r), (x + r, y + r), color, -1)
    elif label == 2:  # triangle
        pts = np.array([[x, y - r], [x - r, y + r], [x + r, y + r]], np.int32)
        cv2.fillPoly(canvas, [pts], color)
    elif label == 3:  # ring
        cv2.circle(canvas, (x, y), r, color, t)
    elif label == 4:  # horizontal bars
        for dy in range(-r, r + 1, 2 * t + 1):
            cv2.line(canvas, (x - r, y + dy), (x + r, y + dy), color, t)
    elif label == 5:  # vertical bars
        for dx in range(-r, r + 1, 2 * t + 1):
            cv2.line(canvas, (x + dx, y - r), (x + dx, y + r), color, t)
    elif label == 6:  # cross
        cv2.line(canvas, (x - r, y), (x + r, y), color, t + 1)
        cv2.line(canvas, (x, y - r), (x, y + r), color, t + 1)
    elif label == 7:  # X
        cv2.line(canvas, (x - r, y - r), (x + r, y + r), color, t + 1)
        cv2.line(canvas, (x - r, y + r), (x + r, y - r), color, t + 1)
    elif label == 8:  # hollow square
        cv2.rectangle(canvas, (x - r, y - r), (x + r, y + r), color, t)
    else:  # dots
        for dx in (-r // 2, r // 2):
            for dy in (-r // 2, r // 2):
                cv2.circle(canvas, (x + dx, y + dy), max(2, r // 3), color, -1)


def _synthetic_shapes(n: int, size: int, channels: int, seed: int):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    images = np.empty((n, size, size, channels), np.uint8)
    for i, label in enumerate(labels):
        background = rng.integers(0, 110, size=channels)
        foreground = rng.integers(150, 256, size=channels)
        if rng.random() < 0.5:
            background, foreground = foreground, background
        canvas = np.empty((size, size, channels), np.uint8)
        canvas[:] = background
        _draw_shape(canvas, int(label), tuple(int(v) for v in foreground), rng)
        noise = rng.normal(0, 12, size=canvas.shape)
        images[i] = np.clip(canvas + noise, 0, 255).astype(np.uint8)
    return images, labels.astype(np.uint8)


def synthetic_cifar10(n_train: int = 2000, n_test: int = 500, seed: int = 0):
    """A deterministic, learnable CIFAR-like set: 32×32×3 ``uint8``, 10 classes (lesson 02).

    Each class is a shape (disc, square, triangle, ring, bars, cross, …) drawn in
    random colours at a random position, with noise. Same layout as Keras returns:
    labels of shape ``(N, 1)``. Used only by smoke mode and tests.
    """
    x_train, y_train = _synthetic_shapes(n_train, 32, 3, seed)
    x_test, y_test = _synthetic_shapes(n_test, 32, 3, seed + 1)
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))


def synthetic_digits(n_train: int = 2000, n_test: int = 500, seed: int = 0):
    """A deterministic MNIST-like set of printed digits, 28×28 ``uint8`` (lesson 04).

    Each image is a digit drawn with a random OpenCV font, scale, thickness and
    position. Labels have shape ``(N,)`` as in ``keras.datasets.mnist``.
    """
    import cv2

    fonts = (
        cv2.FONT_HERSHEY_SIMPLEX,
        cv2.FONT_HERSHEY_DUPLEX,
        cv2.FONT_HERSHEY_COMPLEX,
        cv2.FONT_HERSHEY_TRIPLEX,
        cv2.FONT_HERSHEY_PLAIN,
    )

    def make(n, seed_value):
        rng = np.random.default_rng(seed_value)
        labels = (np.arange(n) % 10).astype(np.uint8)
        rng.shuffle(labels)
        images = np.zeros((n, 28, 28), np.uint8)
        for i, label in enumerate(labels):
            font = fonts[rng.integers(len(fonts))]
            scale = rng.uniform(0.7, 1.0) * (1.8 if font == cv2.FONT_HERSHEY_PLAIN else 1.0)
            thickness = int(rng.integers(1, 3))
            (w, h), _ = cv2.getTextSize(str(label), font, scale, thickness)
            x = int((28 - w) / 2 + rng.integers(-2, 3))
            y = int((28 + h) / 2 + rng.integers(-2, 3))
            cv2.putText(images[i], str(label), (x, y), font, scale, 255, thickness, cv2.LINE_AA)
        return images, labels

    return make(n_train, seed), make(n_test, seed + 1)


# --------------------------------------------------------------------------- Boston Housing

DEBIAN_BOSTON_HOUSING = Path("/usr/lib/R/site-library/mlbench/data/BostonHousing.rda")
"""Boston Housing as Debian's ``r-cran-mlbench`` package ships it (an R data file)."""

BOSTON_FEATURES = (
    "crim",
    "zn",
    "indus",
    "chas",
    "nox",
    "rm",
    "age",
    "dis",
    "rad",
    "tax",
    "ptratio",
    "b",
    "lstat",
)
"""The 13 attributes of Boston Housing, in the column order of Keras (lesson 03b)."""

_R_TO_CSV = (
    "frame <- get(load(commandArgs(TRUE)[1])); "
    "frame[] <- lapply(frame, function(column) as.numeric(as.character(column))); "
    "write.table(frame, stdout(), sep = ',', quote = FALSE, row.names = FALSE)"
)


def read_r_data_frame(path) -> dict[str, np.ndarray]:
    """The data.frame saved in an ``.rda`` file, as numeric columns (factors become the
    numbers their levels spell). R itself reads it: ``Rscript`` comes with every Debian
    ``r-cran-*`` package that ships such a file (lesson 03b)."""
    import subprocess

    try:
        result = subprocess.run(
            ["Rscript", "--vanilla", "-e", _R_TO_CSV, str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except FileNotFoundError as error:
        raise DatasetNotFoundError(
            f"Para ler {path} é preciso o R (Rscript), que não está instalado."
        ) from error
    if result.returncode != 0:
        raise ValueError(f"o R não conseguiu ler {path}: {result.stderr.strip()[-300:]}")
    lines = result.stdout.strip().splitlines()
    names = lines[0].split(",")
    values = np.array([line.split(",") for line in lines[1:]], dtype=np.float64)
    return {name: values[:, i] for i, name in enumerate(names)}


def _split_like_keras(x, y, test_split: float, seed: int):
    """The shuffle and split of ``keras.datasets.boston_housing.load_data``."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def _boston_from(folder_or_file: Path):
    """``(x, y)`` from Keras's ``boston_housing.npz`` or mlbench's ``BostonHousing.rda``."""
    path = folder_or_file
    if path.is_dir():
        for name in ("boston_housing.npz", "BostonHousing.rda"):
            if (path / name).is_file():
                path = path / name
                break
        else:
            return None
    if not path.is_file():
        return None
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            return np.asarray(f["x"], np.float64), np.asarray(f["y"], np.float64)
    columns = read_r_data_frame(path)
    x = np.stack([columns[name] for name in BOSTON_FEATURES], axis=1)
    return x, columns["medv"]


def synthetic_boston_housing(n: int = 506, seed: int = 0):
    """A deterministic stand-in with Boston Housing's shapes: 13 attributes of roughly the
    real ranges and a price (thousands of dollars, 5 to 50) that depends on them (lesson 03b).
    Used only by smoke mode and tests."""
    rng = np.random.default_rng(seed)
    low = np.array([0.0, 0, 0.5, 0, 0.39, 3.6, 3, 1.1, 1, 190, 12.6, 0.3, 1.7])
    high = np.array([89.0, 100, 27.7, 1, 0.87, 8.8, 100, 12.1, 24, 711, 22, 397, 38])
    x = low + (high - low) * rng.beta(1.5, 1.5, size=(n, 13))
    x[:, 3] = (rng.random(n) < 0.07).astype(np.float64)  # chas: 0 or 1
    x[:, 8] = np.round(x[:, 8])  # rad: an index
    price = 22 + 6 * (x[:, 5] - 6.2) - 0.5 * (x[:, 12] - 12) - 0.6 * (x[:, 10] - 18)
    price += 3 * x[:, 3] - 0.02 * (x[:, 6] - 68) + rng.normal(0, 2.5, size=n)
    return x, np.clip(price, 5.0, 50.0)


def load_boston_housing(directory=None, test_split: float = 0.2, seed: int = 113):
    """Load Boston Housing as ``keras.datasets.boston_housing.load_data()`` does
    (lesson 03b): 404 houses for training and 102 for test, 13 attributes, the median
    price in thousands of dollars; the same shuffle (``seed=113``) and split.

    Looks at ``directory``/``BOSTON_HOUSING_DIR`` (Keras's ``boston_housing.npz`` or
    mlbench's ``BostonHousing.rda``), the Keras cache, Debian's ``r-cran-mlbench``
    package, then downloads. In smoke mode, without any of them, a synthetic stand-in.
    """
    explicit = _explicit_dir(directory, "BOSTON_HOUSING_DIR")
    if explicit is not None:
        found = _boston_from(explicit)
        if found is None:
            raise DatasetNotFoundError(
                f"A pasta {str(explicit)!r} não contém boston_housing.npz nem "
                "BostonHousing.rda."
            )
        return _split_like_keras(*found, test_split, seed)
    for candidate in (keras_cache_dir() / "boston_housing.npz", DEBIAN_BOSTON_HOUSING):
        found = _boston_from(candidate)
        if found is not None:
            return _split_like_keras(*found, test_split, seed)
    if settings.smoke():
        message = (
            "Boston Housing real não está disponível neste computador: usando dados "
            "SINTÉTICOS do modo rápido, com as mesmas formas (404 e 102 casas, 13 atributos); "
            "só servem para testar o código. No Colab, rode com COURSE_SMOKE=0."
        )
        print("AVISO:", message)
        warnings.warn(message, SyntheticDataWarning, stacklevel=2)
        return _split_like_keras(*synthetic_boston_housing(), test_split, seed)
    try:
        import keras

        return keras.datasets.boston_housing.load_data(test_split=test_split, seed=seed)
    except Exception as error:
        raise _missing(
            "Boston Housing",
            "BOSTON_HOUSING_DIR",
            f"O download falhou ({type(error).__name__}: {error}). "
            "No Debian/Ubuntu: sudo apt install r-cran-mlbench.",
        ) from error
