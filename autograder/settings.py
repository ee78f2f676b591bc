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
import sys

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


def setup(seed_value: int = 42) -> None:
    """Print versions, mode and GPU status, and seed everything (lesson 01).

    Called once in the ``Configuração`` section of every lesson.
    """
    import keras
    import tensorflow as tf

    print(
        f"Python {platform.python_version()} | TensorFlow {tf.__version__} | Keras {keras.__version__}"
    )
    if int(keras.__version__.split(".")[0]) < 3:
        print("Atenção: este curso usa Keras 3; atualize o TensorFlow (>= 2.16).")
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
