"""Verdicts of lesson 02 (CIFAR-10); inputs come from :mod:`autograder.probes.lesson02`."""

from __future__ import annotations

import numpy as np

from autograder import probes
from autograder.checks import lesson02 as check
from autograder.probes import lesson02 as probe

from . import Malformed, Wrong, as_array, decode, outcome

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


def _read_results(seed, results):
    inputs = probe.read_cifar10_bin_inputs(probes.generator(seed, "read_cifar10_bin"))
    if not isinstance(results, list) or len(results) != 1 + len(inputs[3]):
        raise Wrong("a sonda não chamou read_cifar10_bin em todos os arquivos.")
    described = []
    for result in results:
        if not isinstance(result, dict) or not (
            {"value"} <= set(result) or {"error"} <= set(result)
        ):
            raise Malformed("resultado de chamada sem 'value' nem 'error'")
        if "error" in result:
            described.append(str(result["error"])[:300])
            continue
        got = decode(result["value"])
        if not isinstance(got, dict):
            raise Malformed("descrição de read_cifar10_bin sem a forma de um dicionário")
        described.append(got)
    return inputs, described


def _read_property(part: str):
    """The judge of one property of read_cifar10_bin (one test cell each)."""

    def judge(seed, results) -> str:
        inputs, described = _read_results(seed, results)
        problem = check.read_problem(part, inputs, described)
        if problem:
            raise Wrong(problem)
        return f"read_cifar10_bin {check.READ_PROPERTIES[part]}, em arquivos novos."

    judge.__name__ = f"read_cifar10_bin_{part}"
    return judge


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
        if not model["compiled"]:
            raise Wrong("compile o modelo (model.compile) antes de devolvê-lo.")
        problem = check.dense_compile_problem(str(model["optimizer"]), str(model["loss"]))
        if problem:
            raise Wrong(problem)
        if "acc" not in model["metrics"]:
            raise Wrong("inclua metrics=['accuracy'] no compile.")
    return "monta redes densas compiladas para formas e números de classes novos."


TESTS = {
    "test_read_cifar10_bin_shape": ("read_cifar10_bin", _read_property("shape")),
    "test_read_cifar10_bin_labels": ("read_cifar10_bin", _read_property("labels")),
    "test_read_cifar10_bin_images": ("read_cifar10_bin", _read_property("images")),
    "test_read_cifar10_bin_any_size": ("read_cifar10_bin", _read_property("any_size")),
    "test_save_first_images": ("save_first_images", save_first_images),
    "test_first_per_class": ("first_per_class", first_per_class),
    "test_build_dense_model": ("build_dense_model", build_dense_model),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
