"""Self-checks of lesson 02 (CIFAR-10): binary format, saving PNGs, per-class grid, dense model."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .. import formatting
from ..data import write_cifar10_binary
from ._core import (
    CheckFailed,
    call,
    expect,
    expect_array,
    expect_compiled_classifier,
    passed,
    require_callable,
    rng,
)


def _random_cifar(n, generator):
    images = generator.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
    labels = generator.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


# ---------------------------------------------------------------------------- exercise 1

READ_PROPERTIES = {
    "shape": "devolve imagens (N, 32, 32, 3) e rótulos (N,), ambos np.ndarray uint8",
    "labels": "lê os rótulos certos (o primeiro byte de cada registro)",
    "images": "monta as imagens certas (planos R, G e B → altura × largura × canais)",
    "any_size": "funciona com arquivos de qualquer número de registros",
}
"""The graded properties of ``read_cifar10_bin``, one test cell each (lesson 02)."""


def _raised(error: str) -> str:
    if error.startswith("não é uma função"):
        return f"read_cifar10_bin {error}"
    return f"read_cifar10_bin levantou {error}"


def read_problem(part: str, inputs, described: list) -> str | None:
    """Why ``read_cifar10_bin`` fails property ``part`` (a key of :data:`READ_PROPERTIES`), or
    None. Shared by the self-check and the grader (lesson 02).

    ``inputs`` are those of :func:`autograder.probes.lesson02.read_cifar10_bin_inputs`;
    ``described[0]`` is what came back from the official-size batch and ``described[1:]``
    from the small files, each a :func:`~autograder.probes.lesson02.describe_read` dict or,
    when the function raised, the error as text.
    """
    images, labels, sample, small = inputs
    if part == "any_size":
        for (_, small_labels), got in zip(small, described[1:]):
            n = len(small_labels)
            where = f"Com um arquivo de {n} registro{'s' if n > 1 else ''}"
            if isinstance(got, str):
                return (
                    f"{where}, {_raised(got)}. Ela deve ler qualquer número de registros: use "
                    "reshape(-1, 3073), não o tamanho de um lote oficial."
                )
            if got.get("form") != "pair":
                return f"{where}, read_cifar10_bin deve devolver a tupla (imagens, rotulos)."
            shape = got.get("images_shape")
            if not shape or shape[0] != n or int(np.prod(shape)) != n * 3072:
                return (
                    f"{where}, as imagens vieram com forma {tuple(shape or ())}; esperava "
                    f"({n}, 32, 32, 3) (cuidado com squeeze e com tamanhos fixos)."
                )
            if int(np.prod(got.get("labels_shape") or [0])) != n:
                return f"{where}, esperava {n} rótulo(s); vieram {got.get('labels_shape')}."
        return None
    got = described[0]
    if isinstance(got, str):
        return _raised(got) + "."
    if got.get("form") != "pair":
        return "read_cifar10_bin deve devolver a tupla (imagens, rotulos)."
    n = len(labels)
    where = f"No lote de {formatting.number(n, 0)} registros"
    if part == "shape":
        for key, word, shape in (
            ("images", "as imagens", (n, 32, 32, 3)),
            ("labels", "os rótulos", (n,)),
        ):
            if got.get(f"{key}_type") != "ndarray":
                return (
                    f"{word.capitalize()} devem ser um np.ndarray; veio {got.get(f'{key}_type')}."
                )
            if tuple(got.get(f"{key}_shape") or ()) != shape:
                return f"{where}, {word} vieram com forma {tuple(got[f'{key}_shape'])}; esperava {shape}."
            if got.get(f"{key}_dtype") != "uint8":
                return f"{word.capitalize()} devem ter dtype uint8; vieram com {got.get(f'{key}_dtype')}."
        return None
    if part == "labels":
        got_labels = got.get("labels")
        if not isinstance(got_labels, np.ndarray) or got_labels.size != n:
            return f"{where}, esperava {n} rótulos; vieram {got.get('labels_shape')}."
        if np.array_equal(got_labels, labels):
            return None
        if np.array_equal(got_labels, images[:, -1, -1, -1]):
            return (
                "Os rótulos estão errados: no arquivo oficial o rótulo é o PRIMEIRO byte de cada "
                "registro de 3073 bytes (a apostila diz o último)."
            )
        return "Os rótulos lidos não são os gravados: o rótulo é o primeiro byte de cada registro."
    if part == "images":
        expected = images[sample]
        got_images = got.get("images_sample")
        if not isinstance(got_images, np.ndarray) or got_images.shape != expected.shape:
            return (
                f"{where}, as imagens vieram com forma {tuple(got.get('images_shape') or ())}; "
                f"esperava {(n, 32, 32, 3)} (altura × largura × canais): depois do reshape para "
                "(N, 3, 32, 32), faça transpose para (N, 32, 32, 3)."
            )
        if np.array_equal(got_images, expected):
            return None
        planes = expected.transpose(0, 3, 1, 2).reshape(len(sample), -1)
        if np.array_equal(got_images, planes.reshape(expected.shape)):
            return (
                "As imagens não são as gravadas: os bytes de cada imagem vêm em planos (1024 R, "
                "1024 G, 1024 B); faça reshape para (N, 3, 32, 32) e depois transpose para "
                "(N, 32, 32, 3)."
            )
        shifted = np.concatenate([labels[sample, None], planes[:, :-1]], axis=1)
        if np.array_equal(got_images, shifted.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)):
            return (
                "As imagens estão deslocadas de um byte: o rótulo é o PRIMEIRO byte do registro, "
                "e os 3072 bytes da imagem vêm depois dele."
            )
        return (
            "As imagens lidas não são as gravadas. Confira a ordem: rótulo, depois plano "
            "vermelho, verde e azul, cada um linha a linha."
        )
    raise ValueError(f"propriedade desconhecida: {part!r}")


def read_cifar10_bin(fn, part: str | None = None) -> None:
    """Check property ``part`` of ``read_cifar10_bin(path) -> (images, labels)`` (a key of
    :data:`READ_PROPERTIES`; every property when None) on fresh files in the official format:
    a batch of 10 000 records, as the official ones, and small files (lesson 02)."""
    from ..probes.lesson02 import describe_read, read_cifar10_bin_inputs

    parts = list(READ_PROPERTIES) if part is None else [part]
    require_callable(fn, "read_cifar10_bin")
    inputs = read_cifar10_bin_inputs(rng())
    images, labels, sample, small = inputs
    described = [None]
    with tempfile.TemporaryDirectory() as tmp:
        if set(parts) - {"any_size"}:
            path = Path(tmp) / "lote.bin"
            write_cifar10_binary(path, images, labels)
            described[0] = describe_read(call(fn, "read_cifar10_bin", str(path)), sample)
        if "any_size" in parts:
            for x, y in small:
                path = Path(tmp) / f"lote_{len(y)}.bin"
                write_cifar10_binary(path, x, y)
                try:
                    described.append(describe_read(fn(str(path)), np.arange(len(y))))
                except NotImplementedError:
                    call(fn, "read_cifar10_bin", str(path))  # says "not implemented yet"
                except Exception as error:  # noqa: BLE001 - the error is the answer here
                    described.append(f"{type(error).__name__}: {error}")
    for name in parts:
        problem = read_problem(name, inputs, described)
        if problem:
            raise CheckFailed("❌ " + problem)
    if part is None:
        passed("read_cifar10_bin lê imagens e rótulos do formato binário oficial.")
    else:
        passed(f"read_cifar10_bin {READ_PROPERTIES[part]}.")


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
        problem = dense_compile_problem(
            type(getattr(model, "optimizer", None)).__name__, str(getattr(model, "loss", None))
        )
        if problem:
            raise CheckFailed("❌ " + problem)
    passed("build_dense_model monta uma rede densa compilada com Adam e saída softmax.")


def dense_compile_problem(optimizer: str, loss: str) -> str | None:
    """Why the compile settings of ``build_dense_model`` are wrong, or None; ``optimizer`` is
    the optimizer's class name, ``loss`` the text of ``model.loss``. Shared by the self-check
    and the grader (lesson 02)."""
    if optimizer != "Adam":
        return f'Compile o modelo com o otimizador Adam (optimizer="adam"); veio {optimizer}.'
    if not any(name in loss for name in ("sparse_categorical_crossentropy", "SparseCategorical")):
        return (
            "Use a perda sparse_categorical_crossentropy: os rótulos são inteiros de 0 a 9 "
            f"(veio {loss[:80]})."
        )
    return None
