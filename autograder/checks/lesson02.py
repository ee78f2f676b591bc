"""Self-checks of lesson 02 (CIFAR-10): binary format, saving PNGs, per-class grid, dense model."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ..data import write_cifar10_binary
from ._core import (
    CheckFailed,
    call,
    expect,
    expect_array,
    expect_compiled_classifier,
    passed,
    rng,
)

# Used by `autograder demo` and the end-to-end tests: a student who follows the apostila
# and reads the label as the LAST byte of each record.
DEMO_WRONG_ANSWER = {
    "read_cifar10_bin": (
        "def read_cifar10_bin(path):\n"
        "    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)\n"
        "    labels = raw[:, -1].copy()\n"
        "    images = raw[:, :-1].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()\n"
        "    return images, labels\n"
    ),
}


def _random_cifar(n, generator):
    images = generator.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
    labels = generator.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


def read_cifar10_bin(fn) -> None:
    """Check ``read_cifar10_bin(path) -> (images, labels)`` on files written in the official format."""
    generator = rng()
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, int(generator.integers(3, 12))):
            images, labels = _random_cifar(n, generator)
            path = Path(tmp) / f"lote_{n}.bin"
            write_cifar10_binary(path, images, labels)
            result = call(fn, "read_cifar10_bin", str(path))
            expect(
                isinstance(result, tuple) and len(result) == 2,
                "`read_cifar10_bin` deve devolver a tupla (imagens, rotulos).",
            )
            got_images, got_labels = result
            expect_array(got_images, "read_cifar10_bin (imagens)", (n, 32, 32, 3), np.uint8)
            expect_array(got_labels, "read_cifar10_bin (rótulos)", (n,), np.uint8)
            if not np.array_equal(got_labels, labels):
                raw = np.frombuffer(path.read_bytes(), np.uint8).reshape(n, 3073)
                if np.array_equal(got_labels, raw[:, -1]):
                    raise CheckFailed(
                        "❌ Os rótulos estão errados: no arquivo oficial o rótulo é o PRIMEIRO "
                        "byte de cada registro de 3073 bytes (a apostila diz o último)."
                    )
                raise CheckFailed("❌ Os rótulos lidos não são os gravados no arquivo.")
            if not np.array_equal(got_images, images):
                planar = images.transpose(0, 3, 1, 2).reshape(n, 32, 32, 3)
                hint = (
                    "Os bytes de cada imagem vêm em planos (1024 R, 1024 G, 1024 B): faça "
                    "reshape para (N, 3, 32, 32) e depois transpose para (N, 32, 32, 3)."
                    if np.array_equal(got_images, planar)
                    else "Confira a ordem: rótulo, depois plano vermelho, verde e azul, "
                    "cada um linha a linha."
                )
                raise CheckFailed("❌ As imagens lidas não são as gravadas. " + hint)
    passed("read_cifar10_bin lê imagens e rótulos do formato binário oficial.")


def save_first_images(fn) -> None:
    """Check ``save_first_images(images, labels, class_id, n, prefix, folder) -> list of paths``."""
    import cv2

    generator = rng()
    images, labels = _random_cifar(40, generator)
    labels = labels.reshape(-1, 1)  # as Keras returns them
    class_id = int(generator.integers(0, 10))
    labels[generator.choice(40, size=5, replace=False)] = class_id
    n = 3
    expected = np.flatnonzero(labels.ravel() == class_id)[:n]
    with tempfile.TemporaryDirectory() as tmp:
        paths = call(fn, "save_first_images", images, labels, class_id, n, "teste", tmp)
        expect(
            isinstance(paths, (list, tuple)) and len(paths) == n,
            f"`save_first_images` deve devolver a lista com os {n} caminhos gravados.",
        )
        names = [Path(p).name for p in paths]
        expect(
            names == [f"teste{i}.png" for i in range(1, n + 1)],
            f"Os arquivos devem se chamar teste1.png … teste{n}.png; vieram {names}.",
        )
        for index, path in zip(expected, paths):
            expect(Path(path).is_file(), f"O arquivo {path} não foi gravado.")
            saved = cv2.imread(str(path), cv2.IMREAD_COLOR)
            expect(saved is not None, f"{path} não é um PNG legível.")
            saved = cv2.cvtColor(saved, cv2.COLOR_BGR2RGB)
            if np.array_equal(saved, images[index][..., ::-1]):
                raise CheckFailed(
                    "❌ As cores saíram trocadas: cv2.imwrite espera BGR. Converta com "
                    "cv2.cvtColor(img, cv2.COLOR_RGB2BGR) antes de gravar."
                )
            expect(
                np.array_equal(saved, images[index]),
                "Uma imagem gravada não é a imagem certa: grave as primeiras imagens da "
                "classe pedida, na ordem em que aparecem.",
            )
    passed("save_first_images grava as primeiras imagens da classe, com os nomes pedidos.")


def first_per_class(fn) -> None:
    """Check ``first_per_class(images, labels, n) -> array (10, n, H, W, C)``."""
    generator = rng()
    n = int(generator.integers(2, 5))
    images, labels = _random_cifar(120, generator)
    labels = labels.reshape(-1, 1)
    for c in range(10):  # make sure every class has at least n images
        labels[c * 12 : c * 12 + n] = c
    result = call(fn, "first_per_class", images, labels, n)
    result = expect_array(result, "first_per_class", (10, n, 32, 32, 3), np.uint8)
    for c in range(10):
        indices = np.flatnonzero(labels.ravel() == c)[:n]
        expect(
            np.array_equal(result[c], images[indices]),
            f"A linha {c} deve ter as {n} primeiras imagens da classe {c}, na ordem.",
        )
    passed("first_per_class escolhe as primeiras imagens de cada classe.")


def build_dense_model(fn) -> None:
    """Check ``build_dense_model(input_shape, num_classes)``: dense-only, compiled, softmax output."""
    import keras

    generator = rng()
    for input_shape, classes in (((32, 32, 3), 10), ((28, 28, 1), int(generator.integers(3, 8)))):
        model = call(fn, "build_dense_model", input_shape, classes)
        expect(
            isinstance(model, keras.Model),
            f"`build_dense_model` deve devolver um modelo Keras, não {type(model).__name__}.",
        )
        kinds = [type(layer).__name__ for layer in model.layers]
        expect(
            not any("Conv" in kind or "Pool" in kind for kind in kinds),
            f"A rede deve ser densa (sem convolução nem pooling); camadas: {kinds}.",
        )
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        expect(len(dense) >= 2, "Use ao menos uma camada Dense escondida antes da saída.")
        last = dense[-1]
        expect(
            last.units == classes,
            f"A saída deve ter {classes} neurônios (um por classe), tem {last.units}.",
        )
        expect(
            getattr(last.activation, "__name__", "") == "softmax",
            "A camada de saída deve usar ativação softmax.",
        )
        expect_compiled_classifier(model, "build_dense_model", input_shape, classes, generator)
    passed("build_dense_model monta uma rede densa compilada com saída softmax.")
