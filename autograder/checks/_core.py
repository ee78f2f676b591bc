"""Shared machinery of the self-checks (introduced in lesson 01)."""

from __future__ import annotations

import numbers

import numpy as np


class CheckFailed(AssertionError):
    """A self-check found a wrong answer; the message says what and why, in Portuguese."""


def rng() -> np.random.Generator:
    """A generator seeded from the OS: every run of a check sees fresh inputs."""
    return np.random.default_rng()


def require_callable(fn, name: str) -> None:
    if not callable(fn):
        raise CheckFailed(f"❌ Esperava a função `{name}`, mas recebeu {type(fn).__name__}.")


def call(fn, name: str, *args, **kwargs):
    """Call the student's function, turning its exceptions into readable feedback."""
    require_callable(fn, name)
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as error:
        raise CheckFailed(
            f"❌ `{name}` ainda não foi implementada: troque `raise NotImplementedError()` "
            "pelo seu código."
        ) from error
    except CheckFailed:
        raise
    except Exception as error:
        raise CheckFailed(
            f"❌ `{name}` levantou {type(error).__name__}: {error}. Teste-a numa entrada pequena."
        ) from error


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` (Portuguese) unless ``condition`` holds."""
    if not condition:
        raise CheckFailed("❌ " + message)


def expect_number(value, name: str) -> float:
    expect(
        isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(value, bool),
        f"`{name}` deve devolver um número (float), mas devolveu {type(value).__name__}.",
    )
    value = float(value)
    expect(np.isfinite(value), f"`{name}` devolveu {value}, que não é um número finito.")
    return value


def is_int(value) -> bool:
    """An integer, NumPy's included, and not a bool (lessons 00 and 00b)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def expect_array(value, name: str, shape=None, dtype=None) -> np.ndarray:
    expect(
        isinstance(value, np.ndarray),
        f"`{name}` deve devolver um np.ndarray, mas devolveu {type(value).__name__}.",
    )
    if shape is not None:
        expect(
            value.shape == tuple(shape),
            f"`{name}` devolveu um array de forma {value.shape}; esperava {tuple(shape)}.",
        )
    if dtype is not None:
        expect(
            value.dtype == np.dtype(dtype),
            f"`{name}` devolveu dtype {value.dtype}; esperava {np.dtype(dtype)}.",
        )
    return value


def passed(message: str) -> None:
    print("✅ " + message)


def expect_compiled_classifier(model, name: str, input_shape, classes: int, generator) -> None:
    """The model runs on a batch of ``input_shape``, gives ``classes`` probabilities per
    image, and is compiled with an accuracy metric (lessons 02-04)."""
    x = generator.random((2, *input_shape)).astype("float32") - 0.5
    try:
        y = np.asarray(model(x, training=False))
    except Exception as error:
        raise CheckFailed(
            f"❌ O modelo de `{name}` não roda com entrada {tuple(input_shape)}: "
            f"{type(error).__name__}. Use keras.Input(shape=input_shape)."
        ) from error
    expect(y.shape == (2, classes), f"Saída de forma {y.shape}; esperava (2, {classes}).")
    expect(np.allclose(y.sum(axis=1), 1, atol=1e-4), "As saídas devem somar 1 (softmax).")
    expect(model.compiled, "Compile o modelo (model.compile) antes de devolvê-lo.")
    expect(
        "acc" in str((model.get_compile_config() or {}).get("metrics")),
        "Inclua metrics=['accuracy'] no compile.",
    )


VALID_LETTERS = ("a", "b", "c", "d")
"""The letters a multiple-choice answer may take (lesson 03); which one is right is not here."""


def multiple_choice(answer, name: str) -> None:
    """Check only the FORMAT of a multiple-choice answer: one letter a-d (lesson 03).

    It never says whether the letter is right: that is graded after hand-in.
    """
    expect(
        isinstance(answer, str),
        f'`{name}` deve ser um texto com a letra da alternativa, por exemplo {name} = "a"; '
        f"veio {type(answer).__name__}.",
    )
    letter = answer.strip().strip("()").strip().lower()
    expect(
        letter in VALID_LETTERS,
        f'`{name}` deve ser uma das letras "a", "b", "c" ou "d"; veio {answer!r}.',
    )
    passed(
        f"{name} = {letter!r} tem o formato certo. Se a alternativa está certa, você saberá "
        "na correção."
    )
