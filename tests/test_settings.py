import re

import pytest

from autograder import settings


@pytest.mark.parametrize(
    "course_smoke, nbgrader, expected",
    [
        (None, None, False),
        ("1", None, True),
        ("0", None, False),
        (None, "autograde", True),
        ("0", "validate", False),
        ("sim", None, True),
    ],
)
def test_smoke_mode_follows_env_and_nbgrader(monkeypatch, course_smoke, nbgrader, expected):
    for var, value in (("COURSE_SMOKE", course_smoke), ("NBGRADER_EXECUTION", nbgrader)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    assert settings.smoke() is expected


def test_bad_smoke_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_SMOKE", "talvez")
    with pytest.raises(ValueError, match="COURSE_SMOKE"):
        settings.smoke()


def test_sizes_shrink_only_in_smoke_mode(monkeypatch):
    monkeypatch.setenv("COURSE_SMOKE", "0")
    assert (settings.epochs(30), settings.size(50_000, 500), settings.imagenet_weights()) == (
        30,
        50_000,
        "imagenet",
    )
    monkeypatch.setenv("COURSE_SMOKE", "1")
    assert (settings.epochs(30), settings.size(50_000, 500), settings.size(100, 500)) == (
        1,
        500,
        100,
    )
    assert settings.imagenet_weights() is None


# ---------------------------------------------------------------------------- oldest versions


def _oldest_in_constraints() -> dict:
    """``{"keras": "3.10", "tensorflow": "2.19"}`` read from runtimes/colab-minimo.txt."""
    from conftest import ROOT

    oldest = {}
    for line in (ROOT / "runtimes" / "colab-minimo.txt").read_text().splitlines():
        match = re.match(r"(keras|tensorflow)(?:-cpu)?==(\d+\.\d+)", line.strip())
        if match:
            oldest[match[1]] = match[2]
    return oldest


def test_oldest_supported_agrees_with_the_oldest_runtime():
    assert settings.OLDEST_SUPPORTED == _oldest_in_constraints()


@pytest.fixture
def quiet_setup(monkeypatch):
    """``settings.setup()`` without touching the GPU list or the seeds."""
    monkeypatch.setattr(settings, "gpu_names", lambda: [])
    monkeypatch.setattr(settings, "seed", lambda value=42: None)
    monkeypatch.setenv("COURSE_SMOKE", "1")


@pytest.mark.parametrize(
    "keras_version, tf_version, warned",
    [
        ("3.10.0", "2.19.0", []),
        ("3.13.2", "2.20.0", []),
        ("3.10.0rc1", "2.19.1", []),
        ("4.0.0", "3.0.0", []),
        ("3.9.2", "2.19.0", ["Keras 3.9.2"]),
        ("3.10.0", "2.18.1", ["TensorFlow 2.18.1"]),
        ("2.15.0", "2.15.0", ["Keras 2.15.0", "TensorFlow 2.15.0"]),
    ],
)
def test_setup_warns_only_when_older_than_supported(
    monkeypatch, capsys, quiet_setup, keras_version, tf_version, warned
):
    import keras
    import tensorflow as tf

    monkeypatch.setattr(keras, "__version__", keras_version)
    monkeypatch.setattr(tf, "__version__", tf_version)
    settings.setup()
    warnings = [line for line in capsys.readouterr().out.splitlines() if "Atenção" in line]
    assert len(warnings) == len(warned)
    for library in warned:
        assert [
            warning for warning in warnings if library in warning and "ou mais novo" in warning
        ]
