"""Self-checks of lesson 09b (transfer learning from EfficientNetB0 to CIFAR-10).

The transfer-learning model, built with ``weights=None`` at 32×32 (no download), and its
fine-tuning step, tried on small frozen bases; the multiple-choice answer is only checked
for its form (the letter is judged after hand-in).
"""

from __future__ import annotations

import numpy as np

from ..probes import lesson09b as _probe
from ._core import CheckFailed, call, expect, multiple_choice, passed, rng

__all__ = ["CheckFailed", "build_transfer_model", "multiple_choice", "unfreeze_top"]


def _parts(part: str, allowed: tuple) -> None:
    if part not in allowed:
        raise ValueError(f"part deve ser um de {allowed}")


# ---------------------------------------------------------------------------- exercise 1


def build_transfer_model(fn, part: str) -> None:
    """Check ``build_transfer_model(num_classes, input_shape, image_size, weights)`` (lesson
    09b) with ``weights=None`` at 32×32: the resizing, parameters and output (``"output"``)
    or the frozen EfficientNetB0 base inside it (``"frozen"``)."""
    _parts(part, ("output", "frozen"))
    generator = rng()
    classes = int(generator.choice([2, 3, 5, 7, 12, 15]))
    images = generator.integers(0, 256, size=(2, 32, 32, 3)).astype("float32")
    where = f"build_transfer_model({classes}, (32, 32, 3), image_size=32, weights=None)"
    got = call(
        _probe._transfer_result, "build_transfer_model", fn, classes, (32, 32, 3), 32, images
    )
    expect(got.get("kind") == "Model", f"{where} deve devolver um modelo Keras.")
    head = 1280 * classes + classes
    if part == "output":
        expect(
            any(e["class"] == "Resizing" for e in got["layers"]),
            f"{where}: use keras.layers.Resizing(image_size, image_size) dentro do modelo.",
        )
        expect(
            got["params"] == 4_049_571 + head,
            f"{where} tem {got['params']} parâmetros; esperava {4_049_571 + head} (B0 sem o "
            "topo, 4.049.571, mais a Dense nova).",
        )
        output = np.asarray(got["output"])
        expect(
            output.shape == (2, classes) and np.allclose(output.sum(axis=1), 1, atol=1e-4),
            f"{where}: a saída deve ter forma (2, {classes}) e somar 1 (softmax).",
        )
    else:
        expect(
            any(e["nested"] and e["params"] == 4_049_571 for e in got["layers"]),
            f"{where}: o modelo deve conter a base, o EfficientNetB0 sem o topo "
            "(include_top=False), chamada como uma camada: base(x, training=False).",
        )
        expect(
            got["trainable_params"] == head,
            f"{where} tem {got['trainable_params']} parâmetros treináveis; com a base "
            f"congelada, só a Dense nova treina ({head}).",
        )
    what = "redimensiona e dá as probabilidades" if part == "output" else "congela a base"
    passed(f"build_transfer_model {what}.")


def unfreeze_top(fn, part: str) -> None:
    """Check ``unfreeze_top(base, n)`` (lesson 09b) on two small frozen bases (the hidden
    test uses EfficientNetB0 too): only the top ``n`` layers train (``part="layers"``),
    BatchNormalization stays frozen (``"bn"``)."""
    _parts(part, ("layers", "bn"))
    generator = rng()
    for n in generator.choice(np.arange(3, 10), size=2, replace=False):
        n = int(n)
        base = _probe.stand_in_base()
        where = f"unfreeze_top com uma base pequena de {len(base.layers)} camadas e n = {n}"
        call(fn, "unfreeze_top", base, n)
        expect(
            base.trainable,
            f"{where}: a base continua congelada; faça base.trainable = True primeiro.",
        )
        top = len(base.layers) - n
        moved = False
        for position, layer in enumerate(base.layers):
            if not layer.weights:
                continue
            is_norm = type(layer).__name__ == "BatchNormalization"
            moved = moved or (layer.trainable and not is_norm)
            if part == "bn" and is_norm:
                expect(
                    not layer.trainable,
                    f"{where}: as BatchNormalization devem continuar congeladas.",
                )
            if part == "layers" and not is_norm:
                expect(
                    layer.trainable == (position >= top),
                    f"{where}: só as camadas entre as {n} últimas devem treinar (a camada "
                    f"{position}, {type(layer).__name__}, está com trainable="
                    f"{layer.trainable}).",
                )
        expect(moved, f"{where}: nenhuma das {n} últimas camadas ficou treinável.")
    what = "descongela só as n últimas camadas" if part == "layers" else "mantém a BN congelada"
    passed(f"unfreeze_top {what}.")
