"""Lesson 05 self-checks accept right answers and reject wrong ones with a Portuguese hint."""

from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
from test_verdicts_lesson05 import (
    SOLVED,
    EpsOutside,
    NeverUpdates,
    TrainableStats,
    UpdatesInInference,
    alexnet,
    global_stats,
)

from autograder.checks import CheckFailed, lesson05


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_solution_passes_every_check(capsys):
    lesson05.build_alexnet_cifar(SOLVED["build_alexnet_cifar"], "structure")
    lesson05.build_alexnet_cifar(SOLVED["build_alexnet_cifar"], "runs")
    lesson05.conv_stack(SOLVED["conv_stack"], "field")
    lesson05.conv_stack(SOLVED["conv_stack"], "weights")
    lesson05.weight_order(SOLVED["ordem_pesos_bn"])
    lesson05.bn_weights_by_name(SOLVED["bn_weights_by_name"])
    lesson05.channel_mean_variance(SOLVED["channel_mean_variance"])
    for part in ("training", "inference", "moving", "weights"):
        lesson05.bn_no_affine(SOLVED["BatchNormNoAffine"], part)
    lesson05.normalize_with_training_stats(SOLVED["normalize_with_training_stats"], "train")
    lesson05.normalize_with_training_stats(SOLVED["normalize_with_training_stats"], "test")
    lesson05.pad_to_32(SOLVED["pad_to_32"])
    lesson05.fashion_augmentation(SOLVED["fashion_augmentation"])
    lesson05.select_airplanes_ships(SOLVED["select_airplanes_ships"])
    out = capsys.readouterr().out
    assert out.count("✅") == 16 and "3º vetor da BN" in out


@pytest.mark.parametrize(
    "answer",
    [
        ["gamma", "beta", "media_movel", "desvio_padrao_movel"],  # wrong, but well formed
        ["beta", "gamma", "variancia_movel", "media_movel"],
    ],
)
def test_weight_order_checks_only_the_form(answer, capsys):
    lesson05.weight_order(answer)
    out = capsys.readouterr().out
    assert "formato certo" in out and "errad" not in out and "corret" not in out


@pytest.mark.parametrize(
    "answer, hint",
    [
        (["gamma", "beta", "mu", "sigma"], "vocabulário"),
        (["gamma", "gamma", "media_movel", "variancia_movel"], "repita"),
        ("gamma beta", "lista de 4"),
    ],
)
def test_weight_order_wrong_form(answer, hint):
    with pytest.raises(CheckFailed, match=hint):
        lesson05.weight_order(answer)


def test_vocabulary_does_not_reveal_the_order():
    assert list(lesson05.BN_VOCABULARY) == sorted(lesson05.BN_VOCABULARY)
    assert "desvio_padrao_movel" in lesson05.BN_VOCABULARY


@pytest.mark.parametrize(
    "check, args, hint",
    [
        (lesson05.build_alexnet_cifar, (alexnet(pool=(2, 2)), "structure"), "sobreposto"),
        (lesson05.build_alexnet_cifar, (alexnet(first=3), "structure"), "5×5"),
        (lesson05.build_alexnet_cifar, (alexnet(compiled=False), "runs"), "Compile"),
        (lesson05.conv_stack, (lambda k, n, c=1: (n * k, n * k * k * c * c), "field"), "campo"),
        (
            lesson05.conv_stack,
            (lambda k, n, c=1: (n * (k - 1) + 1, n * k * k), "weights"),
            "pesos",
        ),
        (
            lesson05.bn_weights_by_name,
            (
                lambda l: dict(
                    zip(["gamma", "beta", "moving_mean", "moving_variance"], l.get_weights())
                ),
            ),
            "nome",
        ),
        (
            lesson05.channel_mean_variance,
            (lambda x: (x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))),),
            "desvio padrão",
        ),
        (lesson05.bn_no_affine, (EpsOutside, "training"), "raiz"),
        (lesson05.bn_no_affine, (UpdatesInInference, "inference"), "training=False"),
        (lesson05.bn_no_affine, (NeverUpdates, "moving"), "momentum"),
        (lesson05.bn_no_affine, (TrainableStats, "weights"), "treináveis"),
        (lesson05.bn_no_affine, (keras.layers.Dense, "training"), "criar"),
        (lesson05.normalize_with_training_stats, (global_stats, "train"), "CADA canal"),
        (
            lesson05.normalize_with_training_stats,
            (
                lambda a, b: (
                    (a - a.mean((0, 1, 2))) / a.std((0, 1, 2)),
                    (b - b.mean((0, 1, 2))) / b.std((0, 1, 2)),
                ),
                "test",
            ),
            "TREINO",
        ),
        (lesson05.pad_to_32, (lambda x: np.pad(x, ((0, 0), (4, 0), (4, 0))),), "centro"),
        (
            lesson05.fashion_augmentation,
            (lambda: keras.Sequential([keras.layers.RandomFlip("horizontal")]),),
            "RandomFlip",
        ),
        (
            lesson05.select_airplanes_ships,
            (lambda x, y: (x, np.ravel(y)),),
            "aviões e navios",
        ),
        (lesson05.pad_to_32, (stub,), "ainda não foi implementada"),
    ],
)
def test_checks_reject_wrong_answers(check, args, hint):
    with pytest.raises(CheckFailed, match=hint):
        check(*args)


def test_student_package_holds_no_answers():
    source = Path(lesson05.__file__).read_text(encoding="utf-8")
    assert 'variancia_movel"]' not in source and "DEMO_" not in source
    assert not [n for n in dir(lesson05) if n.startswith("reference_") or n == "BN_ORDER"]
