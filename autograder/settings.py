"""Run-time settings shared by every lesson: smoke mode, sizes, seeds, the GPU check.

Smoke mode shrinks every long run so that a whole lesson executes in a couple of
minutes on a CPU. It is on when ``COURSE_SMOKE=1``, and also automatically while
nbgrader executes a notebook (nbgrader sets ``NBGRADER_EXECUTION``) unless
``COURSE_SMOKE=0`` says otherwise. Notebooks read the same in both modes because
they ask this module for their sizes::

    EPOCHS = settings.epochs(30)          # 30 on Colab, 1 in smoke mode
    N_TRAIN = settings.size(50_000, 500)  # 50 000 on Colab, 500 in smoke mode

Introduced in lesson 01; used by every lesson.
"""

from __future__ import annotations

import os
import platform
import re
import sys

OLDEST_SUPPORTED = {"keras": "3.10", "tensorflow": "2.19"}
"""Oldest Keras and TensorFlow the course supports: those of the oldest Colab runtime it
accepts, declared in ``runtimes/colab-minimo.txt`` (a test checks that both agree).
:func:`setup` warns the student whose versions are older."""

_TRUE = {"1", "true", "yes", "sim", "on"}
_FALSE = {"0", "false", "no", "nao", "não", "off"}


def smoke() -> bool:
    """Return True when long runs must be shrunk (lesson 01).

    ``COURSE_SMOKE`` wins when set; otherwise smoke mode follows
    ``NBGRADER_EXECUTION`` (set by ``nbgrader autograde`` and ``nbgrader validate``).
    """
    value = os.environ.get("COURSE_SMOKE", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if value:
        raise ValueError(
            f"COURSE_SMOKE={value!r} não é um valor válido: use 1 (modo rápido) ou 0."
        )
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def epochs(full: int, smoke_value: int = 1) -> int:
    """Number of epochs: ``full`` normally, ``smoke_value`` in smoke mode (lesson 01)."""
    return smoke_value if smoke() else full


def size(full: int, smoke_value: int = 500) -> int:
    """A data-set size: ``full`` normally, at most ``smoke_value`` in smoke mode (lesson 01)."""
    return min(full, smoke_value) if smoke() else full


def imagenet_weights() -> str | None:
    """``"imagenet"`` normally; ``None`` (random weights, nothing to download) in smoke mode.

    Introduced in lesson 01. In smoke mode the model runs the same code path
    (pre-process, predict, decode) with random weights, so its labels are noise.
    """
    if smoke():
        print(
            "Modo rápido: o modelo usa pesos aleatórios (weights=None), sem baixar nada. "
            "As classes previstas são aleatórias; no Colab rode com COURSE_SMOKE=0."
        )
        return None
    return "imagenet"


def in_colab() -> bool:
    """True inside Google Colab (lesson 01)."""
    return "google.colab" in sys.modules


def seed(value: int = 42) -> None:
    """Seed Python, NumPy and the Keras backend at once (lesson 01)."""
    import keras

    keras.utils.set_random_seed(value)


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can see (lesson 01)."""
    import tensorflow as tf

    return [device.name for device in tf.config.list_physical_devices("GPU")]


def _version(text: str) -> tuple[int, ...]:
    """``"3.10.0rc1"`` → ``(3, 10, 0)``: the leading numbers of a version string."""
    numbers = []
    for part in str(text).split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match[0]))
        if match.end() < len(part):  # "0rc1", "0-dev…": nothing after this part counts
            break
    return tuple(numbers)


def outdated(versions: dict[str, str]) -> list[str]:
    """Portuguese warnings for each library of ``versions`` (name → installed version) older
    than :data:`OLDEST_SUPPORTED` (lesson 01)."""
    names = {"keras": "Keras", "tensorflow": "TensorFlow"}
    warnings = []
    for library, installed in versions.items():
        oldest = OLDEST_SUPPORTED.get(library)
        if oldest is None or _version(installed) >= _version(oldest):
            continue
        warnings.append(
            f"Atenção: este ambiente tem {names.get(library, library)} {installed}, e o curso "
            f"precisa de {names.get(library, library)} {oldest} ou mais novo: células e "
            "verificações podem falhar. No Colab, escolha a versão mais recente do ambiente de "
            "execução (Ambiente de execução → Alterar o tipo de ambiente de execução); fora do "
            "Colab, instale as versões de environment.yml."
        )
    return warnings


def setup(seed_value: int = 42) -> None:
    """Print versions, mode and GPU status, and seed everything (lesson 01).

    Called once in the ``Configuração`` section of every lesson.
    """
    import keras
    import tensorflow as tf

    print(
        f"Python {platform.python_version()} | TensorFlow {tf.__version__} | Keras {keras.__version__}"
    )
    for warning in outdated({"tensorflow": tf.__version__, "keras": keras.__version__}):
        print(warning)
    mode = "RÁPIDO (tamanhos reduzidos)" if smoke() else "COMPLETO (tamanhos da apostila)"
    print(f"Modo: {mode}")
    gpus = gpu_names()
    if gpus:
        print(f"GPU disponível: {', '.join(gpus)}")
    elif in_colab():
        print(
            "Nenhuma GPU encontrada. No Colab, use o menu Ambiente de execução → "
            "Alterar o tipo de ambiente de execução → GPU, e rode o notebook de novo."
        )
    else:
        print(
            "Nenhuma GPU encontrada: o treino completo será lento; o modo rápido funciona na CPU."
        )
    seed(seed_value)
