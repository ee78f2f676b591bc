"""Verdicts of lesson 08 (test-time augmentation and ensembles); inputs come from
:mod:`autograder.probes.lesson08`.

The stand-in models are tiny softmax classifiers with fixed weights, so the judge computes
their inference outputs with NumPy. The stand-in distortion's k-th call adds k·shift to
what it receives and the probe reports what it received, so the judge knows how many
versions the answer made and from which images. The lesson's convention: the original
image counts as one of the m versions (the original and m − 1 distortions). The vote's tie
rule: the lowest class index among the most voted (``np.argmax`` on the counts).
"""

from __future__ import annotations

import numpy as np

from autograder import probes
from autograder.probes import lesson08 as probe

from . import Wrong, as_array, decode, outcome

# ---------------------------------------------------------------------------- demo students

# `autograder demo` and the end-to-end tests: a student whose vote breaks ties towards the
# HIGHEST class index among the most voted (the lesson asks for the lowest). Loses only the
# test with ties (1 point); the test without ties still passes.
DEMO_WRONG_ANSWER = {
    "vote": (
        "def vote(probabilities):\n"
        "    probabilities = np.asarray(probabilities)\n"
        "    classes = probabilities.shape[-1]\n"
        "    choices = probabilities.argmax(axis=-1)\n"
        "    counts = (choices[..., None] == np.arange(classes)).sum(axis=0)\n"
        "    return classes - 1 - counts[:, ::-1].argmax(axis=1)\n"
    ),
}

# A student who calls the models as model(x), without training=False: the program-10 style
# augmentation layers are active (their call defaults to training=True; Dropout's does not). Loses the two inference-mode tests (2 points)
# and keeps the others (the other stand-ins have no such layers).
DEMO_EXTRA_STUDENTS = [
    (
        "Hugo Treinando",
        "chama os modelos como model(x), sem training=False",
        "perde os testes de modo de inferência de tta_predict e de ensemble_predict",
        {
            "tta_predict": (
                "def tta_predict(model, images, distort, m):\n"
                "    total = np.asarray(model(images))\n"
                "    for _ in range(m - 1):\n"
                "        total = total + np.asarray(model(distort(images)))\n"
                "    return total / m\n"
            ),
            "ensemble_predict": (
                "def ensemble_predict(models, images):\n"
                "    return np.mean([np.asarray(model(images)) for model in models], axis=0)\n"
            ),
        },
    ),
]

ATOL = 1e-5
"""Tolerance on probabilities (float32 softmax of a few terms, averaged)."""

SUM_ATOL = 1e-3
"""Tolerance on the sum of the images a distortion received (float32 sums of ≤ 1 000 terms)."""


def _inputs(name: str, seed: int):
    return getattr(probe, f"{name}_inputs")(probes.generator(seed, name))


def _calls(results, count: int, what: str) -> list:
    """The probe stops at the first error: fewer results than cases end in that error."""
    if not isinstance(results, list) or not results or len(results) > count:
        raise Wrong(f"a sonda não conseguiu chamar {what}.")
    return results


def softmax_of(spec: dict, x: np.ndarray) -> np.ndarray:
    """The inference output of the stand-in model ``spec`` (see
    :func:`autograder.probes.lesson08.build_model`) on ``x``, in float64."""
    h = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    if spec["kind"] == "hidden":
        h = np.maximum(h @ spec["hidden_kernel"].astype(np.float64) + spec["hidden_bias"], 0)
    z = h @ spec["kernel"].astype(np.float64) + spec["bias"]
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _close(got, expected) -> bool:
    return got.shape == expected.shape and np.allclose(got, expected, atol=ATOL, rtol=1e-4)


def _probabilities(got, what: str, shape: tuple) -> np.ndarray:
    """The answer as an (N, C) float array, or Wrong with what came instead."""
    if isinstance(got, (list, tuple)):
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            pass
    array = as_array(got, what)
    if array.shape == shape[:1]:
        raise Wrong(
            f"{what} devolveu uma classe por imagem, forma {array.shape}; devolva as "
            f"probabilidades médias, forma {shape} (a classe sai depois, com argmax)."
        )
    if array.ndim == 3 and array.shape[1:] == shape:
        raise Wrong(
            f"{what} devolveu a pilha de predições, forma {array.shape}; devolva a média "
            f"delas, forma {shape}."
        )
    if array.shape != shape:
        raise Wrong(
            f"{what} devolveu forma {array.shape}; esperava {shape} (N imagens, C classes)."
        )
    if not np.issubdtype(array.dtype, np.floating):
        raise Wrong(f"{what} devolveu dtype {array.dtype}; as probabilidades são números reais.")
    return array.astype(np.float64)


# ---------------------------------------------------------------------------- exercise 1


def _tta_cases(seed, results, name: str):
    cases = _inputs(name, seed)
    for case, result in zip(cases, _calls(results, len(cases), "tta_predict")):
        x, m, spec = case["x"], case["m"], case["model"]
        where = f"com {len(x)} imagens de forma {x.shape[1:]}, {spec['classes']} classes e m = {m}"
        if not isinstance(result, dict) or "call" not in result:
            raise Wrong("a sonda não conseguiu chamar tta_predict.")
        got = outcome(result["call"], f"tta_predict ({where})")
        got = _probabilities(got, f"tta_predict ({where})", (len(x), spec["classes"]))
        received = result.get("received")
        if not isinstance(received, list):
            raise Wrong("a sonda não registrou as chamadas de distort.")
        yield where, case, got, received
    if len(results) < len(cases):
        raise Wrong("a sonda não conseguiu chamar tta_predict em todos os casos.")


def _versions(case: dict, ks) -> np.ndarray:
    """The mean prediction over the versions x + k·shift, k in ``ks``."""
    return np.mean([softmax_of(case["model"], case["x"] + k * case["shift"]) for k in ks], axis=0)


def _received_originals(where: str, case: dict, received: list) -> None:
    x = case["x"]
    for number, entry in enumerate(received, start=1):
        if not isinstance(entry, dict) or entry.get("shape") != list(x.shape):
            shape = entry.get("shape") if isinstance(entry, dict) else None
            raise Wrong(
                f"{where}, a chamada {number} de distort recebeu um array de forma "
                f"{tuple(shape) if shape else shape}; passe o lote inteiro de imagens, forma "
                f"{x.shape}."
            )
        if not np.isclose(entry.get("sum", np.nan), float(x.sum(dtype=np.float64)), atol=SUM_ATOL):
            raise Wrong(
                f"{where}, a chamada {number} de distort não recebeu as imagens originais: "
                "distorça sempre a original, não uma versão já distorcida."
            )


def tta_predict_original(seed, results) -> str:
    for where, case, got, received in _tta_cases(seed, results, "tta_predict_original"):
        if received:
            raise Wrong(
                f"{where}, distort foi chamada {len(received)} vez(es). A imagem original "
                "conta como uma das m versões: com m = 1 ela é a única, e não há o que "
                "distorcer."
            )
        expected = softmax_of(case["model"], case["x"])
        if not _close(got, expected):
            raise Wrong(
                f"{where}, o resultado não é a predição do modelo para as imagens originais."
            )
    return "com m = 1, devolve a predição das imagens originais, sem chamar distort."


def tta_predict_mean(seed, results) -> str:
    for where, case, got, received in _tta_cases(seed, results, "tta_predict_mean"):
        m = case["m"]
        _received_originals(where, case, received)
        calls = len(received)
        if calls == m and _close(got, _versions(case, range(1, m + 1))):
            raise Wrong(
                f"{where}, a média usa só as {m} distorções: a imagem original conta como uma "
                f"das m versões (a original e m - 1 = {m - 1} distorções)."
            )
        if calls == m and _close(got, _versions(case, range(m + 1))):
            raise Wrong(
                f"{where}, a média usa a original e {m} distorções ({m + 1} versões): a "
                f"original conta como uma das m, são m - 1 = {m - 1} distorções."
            )
        if calls != m - 1:
            raise Wrong(
                f"{where}, distort foi chamada {calls} vez(es); esperava m - 1 = {m - 1} (a "
                "original é uma das m versões)."
            )
        expected = _versions(case, range(m))
        if _close(got, expected):
            continue
        if _close(got, m * expected):
            raise Wrong(f"{where}, o resultado é a SOMA das {m} predições; divida por m.")
        if _close(got, softmax_of(case["model"], case["x"])):
            raise Wrong(f"{where}, o resultado ignora as distorções: é a predição da original.")
        raise Wrong(
            f"{where}, o resultado não é a média das probabilidades previstas para a original "
            f"e para as {m - 1} distorções."
        )
    return "com m > 1, faz a média das predições da original e de m - 1 distorções dela."


def tta_predict_inference(seed, results) -> str:
    """The model at inference, on the versions the answer made: with m > 1 it must distort
    the originals at least once; how many versions make the mean is judged by
    :func:`tta_predict_mean` (the original and the c distortions, or the c alone, pass)."""
    for where, case, got, received in _tta_cases(seed, results, "tta_predict_inference"):
        m = case["m"]
        _received_originals(where, case, received)
        calls = len(received)
        if m > 1 and not calls:
            raise Wrong(
                f"{where}, distort não foi chamada: com m > 1, o TTA faz a média das predições "
                "da original e de m - 1 distorções dela."
            )
        accepted = [_versions(case, range(calls + 1))]
        if calls:
            accepted.append(_versions(case, range(1, calls + 1)))
        if not any(_close(got, expected) for expected in accepted):
            raise Wrong(
                f"{where}, com um modelo que tem RandomFlip, RandomBrightness e Dropout, o resultado "
                "não é a "
                "média das predições de inferência das versões: chame o modelo com "
                "model.predict(x, verbose=0) ou model(x, training=False). Chamado como "
                "model(x), o Keras 3 sorteia as camadas de aumento de dados do modelo (o padrão "
                "delas é training=True)."
            )
    return (
        "usa o modelo em modo de inferência (camadas de aumento inativas), na "
        "original e nas distorções."
    )


# ---------------------------------------------------------------------------- exercise 2


def _counts(probabilities: np.ndarray) -> np.ndarray:
    """Votes (N, C): how many of the K predictions pick each class for each image."""
    choices = probabilities.argmax(axis=-1)
    return (choices[..., None] == np.arange(probabilities.shape[-1])).sum(axis=0)


def _judge_votes(seed, results, name: str) -> None:
    cases = _inputs(name, seed)
    for probabilities, result in zip(cases, _calls(results, len(cases), "vote")):
        voters, images, classes = probabilities.shape
        where = f"com {voters} predições de {images} imagens e {classes} classes"
        got = outcome(result, f"vote ({where})")
        if isinstance(got, (list, tuple)):
            raise Wrong(
                f"vote ({where}) devolveu uma {'lista' if isinstance(got, list) else 'tupla'}; "
                "o enunciado pede um np.ndarray de inteiros, forma (N,) (converta com "
                "np.asarray)."
            )
        got = as_array(got, f"vote ({where})")
        if got.shape == (images, classes):
            raise Wrong(
                f"vote ({where}) devolveu forma {got.shape}: devolva a classe vencedora de cada "
                f"imagem, forma ({images},), não a contagem de votos ou probabilidades."
            )
        if got.shape != (images,):
            raise Wrong(
                f"vote ({where}) devolveu forma {got.shape}; esperava ({images},): uma classe "
                "por imagem (o eixo 0 são as predições, o eixo 1 as imagens)."
            )
        if not np.issubdtype(got.dtype, np.integer):
            raise Wrong(
                f"vote ({where}) devolveu dtype {got.dtype}; o enunciado pede um np.ndarray de "
                "classes inteiras (índices: dtype int, converta com .astype(int))."
            )
        counts = _counts(probabilities)
        expected = counts.argmax(axis=1)
        if np.array_equal(got, expected):
            continue
        in_range = (got >= 0) & (got < classes)
        top = counts.max(axis=1)
        among_top = in_range & (counts[np.arange(images), np.clip(got, 0, classes - 1)] == top)
        if not among_top.all():
            if np.array_equal(got, probabilities.mean(axis=0).argmax(axis=1)):
                raise Wrong(
                    f"{where}, o resultado é a classe de maior probabilidade MÉDIA; o voto "
                    "conta quantas predições escolheram cada classe."
                )
            raise Wrong(
                f"{where}, a classe devolvida para a imagem {int(np.argmin(among_top))} não é "
                "uma das mais votadas."
            )
        raise Wrong(
            f"{where}, houve empate e a regra de desempate não foi seguida: entre as classes "
            "mais votadas, fica a de MENOR índice (como np.argmax na contagem de votos)."
        )
    if len(results) < len(cases):
        raise Wrong("a sonda não conseguiu chamar vote em todos os casos.")


def vote_majority(seed, results) -> str:
    _judge_votes(seed, results, "vote_majority")
    return "devolve a classe mais votada de cada imagem, mesmo quando a média discorda."


def vote_ties(seed, results) -> str:
    _judge_votes(seed, results, "vote_ties")
    return "decide os empates pela classe de menor índice entre as mais votadas."


# ---------------------------------------------------------------------------- exercise 3


def disagreement(seed, results) -> str:
    if not isinstance(results, dict) or "value" not in results:
        raise Wrong("a sonda não recebeu o array disagreement.")
    array = decode(results["value"])
    if isinstance(array, list):
        try:
            array = np.asarray(array, dtype=np.float64)
        except (TypeError, ValueError):
            pass
    if not isinstance(array, np.ndarray) or array.ndim != 3 or array.size == 0:
        raise Wrong("disagreement deve ser um array de 3 dimensões (K, N, C) de probabilidades.")
    if not np.issubdtype(array.dtype, np.number) or not np.all(np.isfinite(array)):
        raise Wrong("disagreement deve conter números finitos.")
    voters, images, classes = array.shape
    if voters < 2 or classes < 2:
        raise Wrong("disagreement precisa de pelo menos 2 predições (K) e 2 classes (C).")
    if np.any(array < 0) or not np.allclose(array.sum(axis=-1), 1.0, atol=1e-6):
        raise Wrong("cada predição de disagreement deve ter probabilidades ≥ 0 que somam 1.")
    for n in range(images):
        rows = array[:, n]
        if any(np.sum(row == row.max()) != 1 for row in rows):
            raise Wrong(f"na imagem {n}, uma das predições empata no máximo: o voto fica ambíguo.")
        counts = np.bincount(rows.argmax(axis=-1), minlength=classes)
        if np.sum(counts == counts.max()) != 1:
            raise Wrong(f"na imagem {n}, a votação empata; o caso pedido tem um vencedor único.")
        mean = rows.mean(axis=0)
        if np.sum(np.isclose(mean, mean.max(), rtol=0, atol=1e-9)) != 1:
            raise Wrong(f"na imagem {n}, a média das probabilidades empata no máximo.")
        if counts.argmax() == mean.argmax():
            raise Wrong(f"na imagem {n}, a média e o voto escolhem a mesma classe.")
    return f"em todas as {images} imagem(ns), a média e o voto escolhem classes diferentes."


# ---------------------------------------------------------------------------- exercise 4


def _judge_ensemble(seed, results, name: str) -> None:
    cases = _inputs(name, seed)
    for case, result in zip(cases, _calls(results, len(cases), "ensemble_predict")):
        x, specs = case["x"], case["models"]
        classes = specs[0]["classes"]
        kinds = ", ".join(spec["kind"] for spec in specs)
        where = f"com {len(specs)} modelo(s) ({kinds}), {len(x)} imagens e {classes} classes"
        got = outcome(result, f"ensemble_predict ({where})")
        got = _probabilities(got, f"ensemble_predict ({where})", (len(x), classes))
        each = [softmax_of(spec, x) for spec in specs]
        expected = np.mean(each, axis=0)
        if _close(got, expected):
            continue
        if name == "ensemble_predict_inference":
            raise Wrong(
                f"{where}, o resultado não é a média das predições de inferência dos modelos: "
                "chame cada um com model.predict(x, verbose=0) ou model(x, training=False). "
                "Chamado como model(x), o Keras 3 sorteia as camadas de aumento de dados (o padrão "
                "delas é training=True)."
            )
        if len(specs) > 1 and _close(got, len(specs) * expected):
            raise Wrong(f"{where}, o resultado é a SOMA das probabilidades; divida por n.")
        if len(specs) > 1 and _close(got, each[0]):
            raise Wrong(f"{where}, o resultado usa só o primeiro modelo.")
        if len(specs) > 1 and _close(got, each[-1]):
            raise Wrong(f"{where}, o resultado usa só o último modelo.")
        raise Wrong(f"{where}, o resultado não é a média das probabilidades dos modelos.")
    if len(results) < len(cases):
        raise Wrong("a sonda não conseguiu chamar ensemble_predict em todos os casos.")


def ensemble_predict_mean(seed, results) -> str:
    _judge_ensemble(seed, results, "ensemble_predict_mean")
    return "devolve a média das probabilidades de n modelos (n = 1, 2, 3…)."


def ensemble_predict_inference(seed, results) -> str:
    _judge_ensemble(seed, results, "ensemble_predict_inference")
    return "combina modelos de arquiteturas diferentes, todos em modo de inferência."


TESTS = {
    "test_tta_predict_original": ("tta_predict_original", tta_predict_original),
    "test_tta_predict_mean": ("tta_predict_mean", tta_predict_mean),
    "test_tta_predict_inference": ("tta_predict_inference", tta_predict_inference),
    "test_vote_majority": ("vote_majority", vote_majority),
    "test_vote_ties": ("vote_ties", vote_ties),
    "test_disagreement": ("disagreement", disagreement),
    "test_ensemble_predict_mean": ("ensemble_predict_mean", ensemble_predict_mean),
    "test_ensemble_predict_inference": ("ensemble_predict_inference", ensemble_predict_inference),
}
"""grade_id of each autograded test cell → (probe name, judge)."""
