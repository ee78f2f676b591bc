"""Verdicts of lesson 09b (transfer learning from EfficientNetB0 to CIFAR-10); inputs come from
:mod:`autograder.probes.lesson09b`.

The transfer-learning model is judged against a pristine EfficientNetB0 without its top, which
it must hold, frozen, under a new trainable head; ``unfreeze_top`` on the layers it leaves
trainable in a small stand-in base and in EfficientNetB0. The right letter of the
multiple-choice question lives only here.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from autograder import probes
from autograder.probes import lesson09b as probe

from . import Malformed, Wrong, as_array, multiple_choice, outcome

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student who unfreezes the top layers of the
# base BatchNormalization included (the usual mistake): keeps the test on which layers train,
# loses the one on BatchNormalization.
DEMO_WRONG_ANSWER = {
    "unfreeze_top": (
        "def unfreeze_top(base, n):\n"
        "    base.trainable = True\n"
        "    for layer in base.layers[:-n]:\n"
        "        layer.trainable = False\n"
    ),
}


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, what: str) -> list:
    """The probe's results; a probe stops at the first error, or at an answer already wrong,
    and returns fewer: the judge must find the fault in them."""
    if not isinstance(results, list) or not results or len(results) > count:
        raise Wrong(f"a sonda não conseguiu chamar {what}.")
    return results


# ---------------------------------------------------------------------------- exercise 1


@functools.lru_cache(maxsize=1)
def base_params() -> int:
    """Parameters of EfficientNetB0 without its top (the same at every input size)."""
    import keras

    base = keras.applications.EfficientNetB0(
        include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    count = int(base.count_params())
    keras.utils.clear_session()
    return count


FEATURES = 1280
"""Feature maps at the end of EfficientNetB0 (the input of the new top)."""


def _transfer_models(seed, results, name: str):
    cases = _inputs(name, seed)
    for (classes, shape, size, images), result in zip(
        cases, _calls(results, len(cases), "build_transfer_model")
    ):
        where = f"build_transfer_model({classes}, {shape}, image_size={size}, weights=None)"
        if "error" in result:
            error = str(result["error"])
            hint = ""
            if re.search(r"imagenet|URL|fetch|download|http", error, re.I):
                hint = " Passe o argumento weights para EfficientNetB0 (weights=weights)."
            raise Wrong(f"{where} levantou {error[:300]}{hint}")
        got = outcome(result, where)
        if not isinstance(got, dict) or got.get("kind") != "Model":
            found = got.get("kind") if isinstance(got, dict) else type(got).__name__
            raise Wrong(f"{where} deve devolver um modelo Keras, não {found}.")
        yield where, classes, shape, size, images, got


def transfer_output(seed, results) -> str:
    for where, classes, shape, size, images, got in _transfer_models(
        seed, results, "transfer_output"
    ):
        resizing = [e for e in got["layers"] if e["class"] == "Resizing"]
        if not resizing:
            raise Wrong(
                f"{where}: redimensione as imagens dentro do modelo, com "
                "keras.layers.Resizing(image_size, image_size), logo depois da entrada."
            )
        config = resizing[0]["config"]
        if (config.get("height"), config.get("width")) != (size, size):
            raise Wrong(
                f"{where}: o Resizing deve levar as imagens a image_size × image_size "
                f"({size} × {size})."
            )
        expected = base_params() + FEATURES * classes + classes
        if got["params"] != expected:
            raise Wrong(
                f"{where} tem {got['params']} parâmetros; esperava {expected}: o "
                "EfficientNetB0 sem o topo (include_top=False), GlobalAveragePooling2D, "
                "Dropout e uma Dense de num_classes saídas."
            )
        output = as_array(got["output"], "o modelo")
        if output.shape != (len(images), classes):
            raise Wrong(
                f"{where}: a saída tem forma {output.shape}; esperava {(len(images), classes)}."
            )
        if not np.allclose(output.sum(axis=1), 1, atol=1e-4) or output.min() < 0:
            raise Wrong(f"{where}: as saídas não são probabilidades (use softmax).")
    return "redimensiona dentro do modelo e termina em num_classes probabilidades."


def transfer_frozen(seed, results) -> str:
    for where, classes, shape, size, images, got in _transfer_models(
        seed, results, "transfer_frozen"
    ):
        head = FEATURES * classes + classes
        nested = [e for e in got["layers"] if e["nested"]]
        if nested and any(e["trainable"] for e in nested):
            raise Wrong(
                f"{where}: a base (EfficientNetB0) deve estar congelada: base.trainable = False."
            )
        if not any(e["params"] == base_params() for e in nested):
            raise Wrong(
                f"{where}: o modelo deve conter a base, o EfficientNetB0 sem o topo "
                "(include_top=False), chamada como uma camada: base(x, training=False)."
            )
        if got["trainable_params"] != head:
            frozen = got["trainable_params"] < head
            raise Wrong(
                f"{where} tem {got['trainable_params']} parâmetros treináveis; com a base "
                f"congelada, só a camada densa nova treina ({head})."
                + (" Não congele a camada de saída." if frozen else "")
            )
    return "congela a base: só a camada densa nova treina."


def _unfreeze_states(seed, results, name: str):
    cases = _inputs(name, seed)
    results = _calls(results, len(cases), "unfreeze_top")
    for index, ((kind, n), result) in enumerate(zip(cases, results)):
        label = "uma base pequena" if kind == "stand-in" else "a base EfficientNetB0"
        where = f"unfreeze_top com {label} e n = {n}"
        state = outcome(result, where)
        if not isinstance(state, dict) or not isinstance(state.get("layers"), list):
            raise Malformed("estado da base ilegível")
        yield where, n, state, index == len(results) - 1 and len(results) < len(cases)


def _check_base_on(where: str, state: dict) -> None:
    if not state.get("base_trainable"):
        raise Wrong(
            f"{where}: a base continua congelada (base.trainable = False), e nenhuma camada "
            "dela treina. Faça base.trainable = True ANTES de congelar as camadas de baixo."
        )


def unfreeze_top_layers(seed, results) -> str:
    for where, n, state, last in _unfreeze_states(seed, results, "unfreeze_top_layers"):
        _check_base_on(where, state)
        layers = state["layers"]
        top = len(layers) - n
        frozen_top = [
            i
            for i, (kind, weights, flag) in enumerate(layers)
            if weights and kind != "BatchNormalization" and i >= top and not flag
        ]
        trainable_below = [
            i for i, (_, weights, flag) in enumerate(layers) if weights and i < top and flag
        ]
        if trainable_below:
            first = trainable_below[-1]
            hint = (
                " (confira a fronteira: as n últimas são base.layers[-n:])"
                if (first == top - 1)
                else ""
            )
            raise Wrong(
                f"{where}: {len(trainable_below)} camada(s) com pesos ANTES das {n} últimas "
                f"ficaram treináveis{hint}; só as {n} últimas devem treinar."
            )
        if frozen_top:
            raise Wrong(
                f"{where}: {len(frozen_top)} camada(s) com pesos entre as {n} últimas (fora "
                "as BatchNormalization) continuam congeladas."
            )
        if last:
            raise Wrong(f"a sonda não conseguiu testar unfreeze_top em todos os casos ({where}).")
    return "descongela só as n últimas camadas da base, em n novos."


def unfreeze_top_bn(seed, results) -> str:
    for where, n, state, last in _unfreeze_states(seed, results, "unfreeze_top_bn"):
        _check_base_on(where, state)
        layers = state["layers"]
        top = len(layers) - n
        moved = any(
            weights and flag and kind != "BatchNormalization"
            for kind, weights, flag in layers[top:]
        )
        if not moved:
            raise Wrong(f"{where}: nenhuma das {n} últimas camadas ficou treinável.")
        norms = [flag for kind, weights, flag in layers if kind == "BatchNormalization"]
        if any(norms):
            raise Wrong(
                f"{where}: {sum(norms)} camada(s) BatchNormalization ficaram treináveis; "
                "todas as BatchNormalization da base devem continuar congeladas."
            )
        if last:
            raise Wrong(f"a sonda não conseguiu testar unfreeze_top em todos os casos ({where}).")
    return "mantém todas as BatchNormalization congeladas ao descongelar o topo."


# ---------------------------------------------------------------------------- exercise 2


RIGHT_LETTER = "b"
REASON = (
    "as médias e variâncias móveis das BatchNormalization foram estimadas no ImageNet; se elas "
    "treinarem, passam a seguir os lotes pequenos do CIFAR-10 redimensionado, e as camadas de "
    "cima recebem números numa escala que não conhecem: a rede esquece o que aprendeu e a "
    "taxa de acerto despenca nas primeiras épocas. As BatchNormalization têm pesos (γ, β e as "
    "estatísticas), o que descarta (a); o Keras deixa treiná-las, o que descarta (c); e elas "
    "funcionam com qualquer ativação, o que descarta (d)."
)


resposta_bn = multiple_choice("resposta_bn", RIGHT_LETTER, REASON)


TESTS = {
    "test_transfer_output": ("transfer_output", transfer_output),
    "test_transfer_frozen": ("transfer_frozen", transfer_frozen),
    "test_unfreeze_top_layers": ("unfreeze_top_layers", unfreeze_top_layers),
    "test_unfreeze_top_bn": ("unfreeze_top_bn", unfreeze_top_bn),
    "test_resposta_bn": ("resposta_bn", resposta_bn),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
