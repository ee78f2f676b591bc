"""Self-checks of lesson 08 (test-time augmentation and ensembles).

``tta_predict``, ``vote`` and ``ensemble_predict`` are run on fresh arrays with the probes'
stand-ins (tiny Keras models with fixed weights, and a distortion that records its calls;
see :mod:`autograder.probes.lesson08`); the array of the mean-versus-vote exercise is
checked for the properties the exercise asks for. Nothing here computes an answer from a
model or a stack of predictions.
"""

from __future__ import annotations

import numpy as np

from ..probes import lesson08 as _probe
from ._core import CheckFailed, call, expect, passed, rng

__all__ = ["CheckFailed", "disagreement", "ensemble_predict", "tta_predict", "vote"]

TTA_PARTS = ("original", "mean", "inference")
"""The properties of ``tta_predict`` checked one by one (lesson 08)."""

ENSEMBLE_PARTS = ("mean", "inference")
"""The properties of ``ensemble_predict`` checked one by one (lesson 08)."""

ATOL = 1e-5
"""Tolerance on probabilities (float32 softmax of a few terms)."""


def _softmax_of(spec: dict, x: np.ndarray) -> np.ndarray:
    """What a stand-in model described by ``spec`` gives ``x`` at inference."""
    h = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    if spec["kind"] == "hidden":
        h = np.maximum(h @ spec["hidden_kernel"] + spec["hidden_bias"], 0.0)
    z = h @ spec["kernel"] + spec["bias"]
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _as_probabilities(got, name: str, shape: tuple, where: str) -> np.ndarray:
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    expect(
        array is not None and array.shape == shape,
        f"{where}, `{name}` deve devolver as probabilidades médias, um array de forma {shape}; "
        f"veio {type(got).__name__}"
        + (f" de forma {array.shape}" if array is not None else "")
        + ".",
    )
    return array


# ---------------------------------------------------------------------------- exercise 1


def tta_predict(fn, part: str) -> None:
    """Check one property of ``tta_predict(model, images, distort, m)`` (lesson 08):
    ``"original"`` (m = 1), ``"mean"`` (m > 1) or ``"inference"``."""
    if part not in TTA_PARTS:
        raise ValueError(f"part deve ser um de {TTA_PARTS}")
    inputs = getattr(_probe, f"tta_predict_{part}_inputs")
    for case in inputs(rng()):
        x, m, spec = case["x"], case["m"], case["model"]
        distortion = _probe.ShiftDistortion(case["shift"])
        got = call(fn, "tta_predict", _probe.build_model(spec), x.copy(), distortion, m)
        where = f"Com {len(x)} imagens {x.shape[1:]}, {spec['classes']} classes e m={m}"
        got = _as_probabilities(got, "tta_predict", (len(x), spec["classes"]), where)
        calls = len(distortion.received)
        if part != "inference":
            expect(
                calls == m - 1,
                f"{where}, distort foi chamada {calls} vez(es); a imagem original conta como "
                f"uma das m versões: são m - 1 = {m - 1} distorções.",
            )
        else:
            expect(
                m == 1 or calls > 0,
                f"{where}, distort não foi chamada: com m > 1, o TTA faz a média das "
                "predições da original e de m - 1 distorções dela.",
            )
        expect(
            all(
                r["shape"] == list(x.shape) and np.isclose(r["sum"], x.sum(), atol=1e-3)
                for r in distortion.received
            ),
            f"{where}, distort deve receber, em toda chamada, o lote inteiro de imagens "
            "ORIGINAIS (não uma imagem só, nem imagens já distorcidas).",
        )
        versions = [_softmax_of(spec, x + k * case["shift"]) for k in range(max(m, calls + 1))]
        expected = np.mean(versions[:m], axis=0)
        if part == "inference":  # the number of versions is the "mean" part's business
            expect(
                any(
                    np.allclose(got, np.mean(versions[first : calls + 1], axis=0), atol=ATOL)
                    for first in ((0, 1) if calls else (0,))
                ),
                f"{where} e um modelo com RandomFlip, RandomBrightness e Dropout, o resultado não "
                "é a média das "
                "predições de inferência das versões: chame o modelo com "
                "model.predict(x, verbose=0) ou model(x, training=False). Chamado como "
                "model(x), o Keras 3 sorteia as camadas de aumento de dados (o padrão delas é "
                "training=True).",
            )
        else:
            expect(
                np.allclose(got, expected, atol=ATOL),
                f"{where}, o resultado não é a média das probabilidades da original e das "
                f"{m - 1} distorções.",
            )
    messages = {
        "original": "com m = 1, devolve a predição da imagem original, sem distorcer.",
        "mean": "com m > 1, faz a média da original e de m - 1 distorções.",
        "inference": "usa o modelo em modo de inferência.",
    }
    passed("tta_predict " + messages[part])


# ---------------------------------------------------------------------------- exercise 2


def vote(fn, part: str) -> None:
    """Check ``vote(probabilities)`` (lesson 08): ``"majority"`` (no ties) or ``"ties"``."""
    if part not in ("majority", "ties"):
        raise ValueError('part deve ser "majority" ou "ties"')
    inputs = _probe.vote_majority_inputs if part == "majority" else _probe.vote_ties_inputs
    for probabilities in inputs(rng()):
        voters, images, classes = probabilities.shape
        where = f"Com {voters} predições de {images} imagens e {classes} classes"
        got = call(fn, "vote", probabilities.copy())
        expect(
            isinstance(got, np.ndarray) and got.shape == (images,),
            f"{where}, `vote` deve devolver um np.ndarray de forma ({images},), uma classe por "
            f"imagem; veio {type(got).__name__}"
            + (f" de forma {got.shape}" if isinstance(got, np.ndarray) else "")
            + ".",
        )
        expect(
            np.issubdtype(got.dtype, np.integer),
            f"`vote` devolveu dtype {got.dtype}; o enunciado pede um np.ndarray de classes "
            "inteiras (índices: dtype int, converta com .astype(int)).",
        )
        expect(
            bool(np.all((got >= 0) & (got < classes))),
            f"{where}, `vote` devolveu classes fora de 0 a {classes - 1}.",
        )
        choices = probabilities.argmax(axis=-1)
        counts = (choices[..., None] == np.arange(classes)).sum(axis=0)
        top = counts.max(axis=1)
        wrong = [n for n in range(images) if counts[n, got[n]] != top[n]]
        expect(
            not wrong,
            f"{where}, a classe devolvida para a imagem {wrong[0] if wrong else 0} não é das "
            "mais votadas: conte os votos (a classe de maior probabilidade de cada predição).",
        )
        ties = [n for n in range(images) if got[n] != np.argmax(counts[n])]
        expect(
            not ties,
            f"{where}, houve empate na imagem {ties[0] if ties else 0} e a regra de desempate "
            "não foi seguida: entre as classes mais votadas, fica a de MENOR índice.",
        )
    passed(
        "vote devolve a classe mais votada"
        + (", com empates decididos pelo menor índice." if part == "ties" else ".")
    )


# ---------------------------------------------------------------------------- exercise 3


def disagreement(array) -> None:
    """Check the array of the mean-versus-vote exercise (lesson 08): probabilities (K, N, C)
    whose mean and majority vote pick different classes, without ties, in every image."""
    expect(
        isinstance(array, np.ndarray) and array.ndim == 3 and array.size > 0,
        "`disagreement` deve ser um np.ndarray de 3 dimensões (K, N, C); veio "
        f"{type(array).__name__}"
        + (f" de forma {array.shape}" if isinstance(array, np.ndarray) else "")
        + ".",
    )
    expect(
        np.issubdtype(array.dtype, np.number) and np.all(np.isfinite(array)),
        "`disagreement` deve conter números finitos.",
    )
    voters, images, classes = array.shape
    expect(
        voters >= 2 and classes >= 2, "Use pelo menos 2 predições (K) e pelo menos 2 classes (C)."
    )
    expect(
        np.all(array >= 0) and np.allclose(array.sum(axis=-1), 1.0, atol=1e-6),
        "Cada predição (cada array[k, n]) deve ter probabilidades não negativas que somam 1.",
    )
    for n in range(images):
        for k in range(voters):
            row = array[k, n]
            expect(
                np.sum(row == row.max()) == 1,
                f"A predição {k} da imagem {n} tem um empate no máximo: o voto dela fica ambíguo.",
            )
        counts = np.bincount(array[:, n].argmax(axis=-1), minlength=classes)
        expect(
            np.sum(counts == counts.max()) == 1,
            f"Na imagem {n} a votação empatou; a disputa deve ter uma classe mais votada.",
        )
        mean = array[:, n].mean(axis=0)
        expect(
            np.sum(np.isclose(mean, mean.max(), rtol=0, atol=1e-9)) == 1,
            f"Na imagem {n} a média das probabilidades empatou no máximo.",
        )
        expect(
            counts.argmax() != mean.argmax(),
            f"Na imagem {n} a média e o voto escolhem a mesma classe ({int(mean.argmax())}).",
        )
    passed(f"nas {images} imagem(ns), a média e o voto escolhem classes diferentes.")


# ---------------------------------------------------------------------------- exercise 4


def ensemble_predict(fn, part: str) -> None:
    """Check ``ensemble_predict(models, images)`` (lesson 08): ``"mean"`` (the average of
    n models) or ``"inference"`` (models of different architectures, one with RandomFlip,
    RandomBrightness and Dropout)."""
    if part not in ENSEMBLE_PARTS:
        raise ValueError(f"part deve ser um de {ENSEMBLE_PARTS}")
    inputs = getattr(_probe, f"ensemble_predict_{part}_inputs")
    for case in inputs(rng()):
        x, specs = case["x"], case["models"]
        models = [_probe.build_model(spec) for spec in specs]
        got = call(fn, "ensemble_predict", models, x.copy())
        classes = specs[0]["classes"]
        where = f"Com {len(models)} modelo(s), {len(x)} imagens e {classes} classes"
        got = _as_probabilities(got, "ensemble_predict", (len(x), classes), where)
        expected = np.mean([_softmax_of(spec, x) for spec in specs], axis=0)
        hint = (
            " Chame cada modelo em modo de inferência (model.predict(x, verbose=0) ou "
            "model(x, training=False)): como model(x), o Keras 3 sorteia as camadas de aumento "
            "de dados (o padrão delas é training=True)."
            if part == "inference"
            else ""
        )
        expect(
            np.allclose(got, expected, atol=ATOL),
            f"{where}, o resultado não é a média das probabilidades dos modelos.{hint}",
        )
    what = "dos n modelos" if part == "mean" else "de modelos diferentes, em inferência"
    passed(f"ensemble_predict devolve a média das probabilidades {what}.")
