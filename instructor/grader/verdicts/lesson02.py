"""Verdicts of lesson 02 (CIFAR-10); inputs come from :mod:`autograder.probes.lesson02`."""

from __future__ import annotations

import numpy as np

from autograder import probes
from autograder.probes import lesson02 as probe

from . import Wrong, as_array, decode, outcome

# `autograder demo` and the end-to-end tests: a student who follows the apostila and reads
# the label as the LAST byte of each record.
DEMO_WRONG_ANSWER = {
    "read_cifar10_bin": (
        "def read_cifar10_bin(path):\n"
        "    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)\n"
        "    labels = raw[:, -1].copy()\n"
        "    images = raw[:, :-1].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()\n"
        "    return images, labels\n"
    ),
}


def read_cifar10_bin(seed, results) -> str:
    cases = probe.read_cifar10_bin_inputs(probes.generator(seed, "read_cifar10_bin"))
    if not isinstance(results, list) or len(results) != len(cases):
        raise Wrong("a sonda não chamou read_cifar10_bin em todos os arquivos.")
    for (images, labels), result in zip(cases, results):
        got = outcome(result, "read_cifar10_bin")
        if not (isinstance(got, tuple) and len(got) == 2):
            raise Wrong("read_cifar10_bin deve devolver a tupla (imagens, rotulos).")
        n = len(labels)
        got_images = as_array(got[0], "read_cifar10_bin (imagens)", (n, 32, 32, 3), np.uint8)
        got_labels = as_array(got[1], "read_cifar10_bin (rótulos)", (n,), np.uint8)
        if not np.array_equal(got_labels, labels):
            raise Wrong(
                f"os rótulos lidos de um arquivo com {n} registro(s) não são os gravados "
                "(o rótulo é o primeiro byte de cada registro)."
            )
        if not np.array_equal(got_images, images):
            raise Wrong(f"as imagens lidas de um arquivo com {n} registro(s) não são as gravadas.")
    return "lê imagens e rótulos de arquivos novos no formato oficial."


def save_first_images(seed, results) -> str:
    images, labels, class_id, n = probe.save_first_images_inputs(
        probes.generator(seed, "save_first_images")
    )
    outcome(results["call"], "save_first_images")
    names = decode(results["names"]["value"])
    pixels = decode(results["pixels"]["value"])
    expected_names = [f"sonda{i}.png" for i in range(1, n + 1)]
    if names != expected_names:
        raise Wrong(f"com n={n} e prefixo 'sonda', esperava os arquivos {expected_names}.")
    indices = np.flatnonzero(np.ravel(labels) == class_id)[:n]
    for index, image in zip(indices, pixels):
        if image is None:
            raise Wrong("um dos caminhos devolvidos não é um PNG legível.")
        if np.array_equal(image, images[index][..., ::-1]):
            raise Wrong("as cores foram gravadas trocadas (cv2.imwrite espera BGR).")
        if not np.array_equal(image, images[index]):
            raise Wrong("uma imagem gravada não é a imagem certa da classe pedida.")
    return "grava, em RGB correto, as primeiras imagens da classe pedida."


def first_per_class(seed, results) -> str:
    images, labels, n = probe.first_per_class_inputs(probes.generator(seed, "first_per_class"))
    got = as_array(outcome(results, "first_per_class"), "first_per_class")
    expected = np.stack([images[np.flatnonzero(np.ravel(labels) == c)[:n]] for c in range(10)])
    as_array(got, "first_per_class", expected.shape)
    for c in range(10):
        if not np.array_equal(got[c], expected[c]):
            raise Wrong(f"a linha {c} não tem as {n} primeiras imagens da classe {c}, na ordem.")
    return "escolhe as primeiras imagens de cada classe, na ordem."


def build_dense_model(seed, results) -> str:
    cases = probe.build_dense_model_inputs(probes.generator(seed, "build_dense_model"))
    if not isinstance(results, list) or len(results) != len(cases):
        raise Wrong("a sonda não construiu os modelos pedidos.")
    for (shape, classes, _), result in zip(cases, results):
        model = outcome(result, f"build_dense_model({shape}, {classes})")
        if model.get("kind") != "Model":
            raise Wrong(
                f"build_dense_model deve devolver um modelo Keras, não {model.get('kind')}."
            )
        kinds = [layer["class"] for layer in model["layers"]]
        if any("Conv" in kind or "Pool" in kind for kind in kinds):
            raise Wrong(f"a rede deve ser só densa; camadas: {kinds}.")
        dense = [layer for layer in model["layers"] if layer["class"] == "Dense"]
        if len(dense) < 2:
            raise Wrong("use ao menos uma camada Dense escondida antes da saída.")
        if dense[-1]["config"].get("units") != classes or dense[-1]["activation"] != "softmax":
            raise Wrong(f"a saída deve ser Dense({classes}, activation='softmax').")
        output = as_array(model.get("output"), "o modelo", (3, classes))
        if not np.allclose(output.sum(axis=1), 1, atol=1e-4):
            raise Wrong("as saídas do modelo não somam 1 (softmax).")
        if not model["compiled"] or model["optimizer"] != "Adam":
            raise Wrong("compile o modelo com o otimizador Adam.")
        if "sparse_categorical_crossentropy" not in model["loss"]:
            raise Wrong("use a perda sparse_categorical_crossentropy (rótulos inteiros).")
        if "acc" not in model["metrics"]:
            raise Wrong("inclua metrics=['accuracy'] no compile.")
    return "monta redes densas compiladas para formas e números de classes novos."


TESTS = {
    "test_read_cifar10_bin": ("read_cifar10_bin", read_cifar10_bin),
    "test_save_first_images": ("save_first_images", save_first_images),
    "test_first_per_class": ("first_per_class", first_per_class),
    "test_build_dense_model": ("build_dense_model", build_dense_model),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
