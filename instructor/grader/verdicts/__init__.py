"""Verdicts: whether a probe's results are right, decided in the grader's own process.

Every lesson has a module ``lessonNN`` with ``TESTS``, a mapping from the ``grade_id`` of
each autograded test cell to a function ``judge(seed, results) -> Verdict``. The judge
regenerates the probe's inputs with :func:`autograder.probes.generator` and the lesson's
``*_inputs`` functions, computes the expected results with pristine libraries and compares.
This package is instructor-only: it is never published, never in the student wheel, and
not importable inside the grading sandbox.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import numbers
from dataclasses import dataclass

import numpy as np

from autograder import probes


@dataclass
class Verdict:
    passed: bool
    message: str


class Wrong(Exception):
    """Raised inside a judge: the answer is wrong; the message (Portuguese) says why."""


class Malformed(Exception):
    """The probe output is not what a probe writes: it was forged or damaged."""


def lesson_key(lesson: str) -> str:
    """What names a lesson's modules: the folder's prefix (``02_cifar10`` → ``02``,
    ``03b_taxa_e_lote`` → ``03b``); ``checks``, ``probes`` and ``verdicts`` use ``lesson`` + it."""
    return lesson.split("_", 1)[0]


def lesson_module(lesson: str):
    """The verdict module of a lesson (``02_cifar10`` → ``grader.verdicts.lesson02``)."""
    return importlib.import_module(f"grader.verdicts.lesson{lesson_key(lesson)}")


def decode(value):
    """Inverse of :func:`autograder.probes.encode`; raises :class:`Malformed` on anything else."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            try:
                raw = base64.b64decode(value["__ndarray__"], validate=True)
                if len(raw) > probes.MAX_ARRAY_BYTES + 4096:
                    raise Malformed("array grande demais")
                return np.load(io.BytesIO(raw), allow_pickle=False)
            except (ValueError, TypeError, OSError) as error:
                raise Malformed(f"array ilegível ({error})") from error
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {_hashable(decode(k)): decode(v) for k, v in value["__dict__"]}
        if "__float__" in value:
            return float(value["__float__"])
        if "__converted__" in value:
            return decode(value["value"])
        if "__too_large__" in value:
            return TooLarge(tuple(value["__too_large__"]))
        if "__repr__" in value:
            return Opaque(str(value["__repr__"]))
        raise Malformed("objeto desconhecido")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise Malformed(f"tipo {type(value).__name__}")


def _hashable(key):
    if isinstance(key, list):
        return tuple(key)
    if isinstance(key, np.ndarray):
        return tuple(key.tolist())
    return key


@dataclass(frozen=True)
class TooLarge:
    shape: tuple


@dataclass(frozen=True)
class Opaque:
    text: str


def outcome(result, what: str):
    """The value inside one probe call result, or :class:`Wrong` with the student's error."""
    if not isinstance(result, dict) or not ({"value"} <= set(result) or {"error"} <= set(result)):
        raise Malformed("resultado de chamada sem 'value' nem 'error'")
    if "error" in result:
        raise Wrong(f"{what} levantou {str(result['error'])[:300]}")
    got = decode(result["value"])
    if isinstance(got, TooLarge):
        raise Wrong(f"{what} devolveu um array grande demais {got.shape}.")
    return got


def probe_calls(results, count: int, what: str) -> list:
    """A probe's ``results``, one per case, else :class:`Wrong` (lessons 00 and 00b)."""
    if not isinstance(results, list) or len(results) != count:
        raise Wrong(f"a sonda não conseguiu chamar {what} em todos os casos.")
    return results


def integer(got, what: str) -> int:
    """``got`` as an ``int`` (NumPy's integers too), else :class:`Wrong`; a float, even a
    whole one, and a bool are wrong (lessons 00 and 00b)."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (numbers.Integral, np.integer)):
        kind = type(got).__name__
        if isinstance(got, float) and float(got).is_integer():
            raise Wrong(f"{what} devolveu {got!r} (float); devolva um inteiro (int).")
        raise Wrong(f"{what} deve devolver um inteiro, não {kind} ({str(got)[:60]}).")
    return int(got)


def as_array(value, what: str, shape=None, dtype=None) -> np.ndarray:
    """``value`` as an array of the expected shape and dtype, else :class:`Wrong`."""
    if isinstance(value, Opaque) or not isinstance(value, np.ndarray):
        kind = value.text if isinstance(value, Opaque) else type(value).__name__
        raise Wrong(f"{what} deve devolver um np.ndarray, mas devolveu {kind}.")
    if shape is not None and value.shape != tuple(shape):
        raise Wrong(f"{what} devolveu forma {value.shape}; esperava {tuple(shape)}.")
    if dtype is not None and value.dtype != np.dtype(dtype):
        raise Wrong(f"{what} devolveu dtype {value.dtype}; esperava {np.dtype(dtype)}.")
    return value


def judge(lesson: str, grade_id: str, payload, seed: int) -> Verdict:
    """Verdict for one test cell, from its probe payload (``None`` when there was none)."""
    tests = lesson_module(lesson).TESTS
    if grade_id not in tests:
        return Verdict(False, f"teste {grade_id!r} desconhecido nesta lição.")
    expected_probe, judge_fn = tests[grade_id]
    if payload is None:
        raise Malformed("a célula de teste não produziu a saída da sonda")
    if not isinstance(payload, dict) or payload.get("probe") != expected_probe:
        raise Malformed("a saída da sonda não é a desta célula")
    if payload.get("seed") != seed:
        raise Malformed("a saída da sonda não usa a semente desta correção")
    try:
        message = judge_fn(seed, payload.get("results"))
    except Wrong as wrong:
        return Verdict(False, str(wrong))
    except Malformed:
        raise
    except Exception as error:  # noqa: BLE001 - an answer of an unexpected form is wrong
        return Verdict(
            False, f"a resposta não tem a forma pedida ({type(error).__name__}: {error})."
        )
    return Verdict(True, message or "resposta correta.")


def multiple_choice(name: str, right: str, reason: str):
    """The judge of the multiple-choice answer ``name`` (a letter a–d; ``"(b)"`` and ``"B"``
    count): ``right`` is the letter, and ``reason`` is shown after grading, right or wrong."""

    def judge_letter(seed, results) -> str:
        answer = None
        if isinstance(results, dict) and "value" in results:
            answer = decode(results["value"])
        if not isinstance(answer, str):
            raise Wrong(f"{name} deve ser um texto com a letra da alternativa.")
        if answer.strip().strip("()").strip().lower() != right:
            raise Wrong(f"a alternativa certa é ({right}), não {answer!r}. Raciocínio: {reason}")
        return f"alternativa ({right}) certa. Raciocínio: {reason}"

    judge_letter.__name__ = name
    return judge_letter


def probe_and_judge(lesson: str, grade_id: str, *answers, seed: int | None = None) -> Verdict:
    """Run the probe of test cell ``grade_id`` on ``answers`` in this process, then judge it.

    For the course's own tests and for trying a verdict module: in grading, the probe runs
    in the sandboxed kernel and only its output reaches :func:`judge`.
    """
    import os
    import secrets

    probe_name, _ = lesson_module(lesson).TESTS[grade_id]
    module = importlib.import_module(f"autograder.probes.lesson{lesson_key(lesson)}")
    seed = secrets.randbelow(2**62) if seed is None else seed
    captured = []
    previous_env, previous_sink = os.environ.get(probes.SEED_VARIABLE), probes.sink
    os.environ[probes.SEED_VARIABLE] = str(seed)
    probes.sink = captured.append
    try:
        getattr(module, probe_name)(*answers)
    finally:
        probes.sink = previous_sink
        if previous_env is None:
            os.environ.pop(probes.SEED_VARIABLE, None)
        else:
            os.environ[probes.SEED_VARIABLE] = previous_env
    payload = captured[-1] if captured else None
    # the payload travels as JSON in a notebook: make the test see what the grader sees
    payload = json.loads(json.dumps(payload))
    return judge(lesson, grade_id, payload, seed)
