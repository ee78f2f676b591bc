"""Shared fixtures. Every test runs offline; none needs real data sets or a GPU."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted(ROOT.glob("solutions/*/*.ipynb"))
LESSONS = sorted(ROOT.glob("lessons/*/*.ipynb"))


@pytest.fixture(scope="session")
def student_wheel(tmp_path_factory) -> Path:
    """The wheel of the student package, as Colab builds it from the repository."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + [str(ROOT), "-w", str(out)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    return next(out.glob("autograder-*.whl"))


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def offline_home(tmp_path, monkeypatch):
    """An empty Keras cache and no data-set variables: nothing real can be found."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    for var in ("CIFAR10_DIR", "MNIST_DIR", "FASHION_MNIST_DIR", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture
def smoke(monkeypatch):
    monkeypatch.setenv("COURSE_SMOKE", "1")


@pytest.fixture
def full(monkeypatch):
    monkeypatch.setenv("COURSE_SMOKE", "0")


@pytest.fixture
def no_download(monkeypatch):
    """Make every Keras download fail at once, as it does on an offline machine."""
    import keras

    def refuse(*args, **kwargs):
        raise OSError("sem rede (teste)")

    for module in (
        keras.datasets.cifar10,
        keras.datasets.mnist,
        keras.datasets.fashion_mnist,
        keras.datasets.boston_housing,
    ):
        monkeypatch.setattr(module, "load_data", refuse)


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
