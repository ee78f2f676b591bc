"""Boston Housing (lesson 03b): the loader finds the data where it may be (Keras's npz,
Debian's r-cran-mlbench R file), splits it exactly as Keras does, and falls back to a
synthetic stand-in only in smoke mode. Nothing here downloads."""

from __future__ import annotations

import shutil
import subprocess
import warnings

import numpy as np
import pytest

from autograder import data

COLUMNS = data.BOSTON_FEATURES + ("medv",)


@pytest.fixture
def nowhere(offline_home, monkeypatch):
    """No Keras cache, no Debian file, no variable, and a Keras download that fails."""
    import keras

    def refuse(*args, **kwargs):
        raise OSError("sem rede (teste)")

    monkeypatch.setattr(keras.datasets.boston_housing, "load_data", refuse)
    monkeypatch.delenv("BOSTON_HOUSING_DIR", raising=False)
    monkeypatch.setattr(data, "DEBIAN_BOSTON_HOUSING", offline_home / "none" / "x.rda")
    return offline_home


# --------------------------------------------------------------------------- an R writer

needs_r = pytest.mark.skipif(shutil.which("Rscript") is None, reason="R (Rscript) not installed")


def write_rda(path, name: str, columns: dict, factors=("chas",)) -> None:
    """An .rda holding one data.frame, saved by R itself; the columns named in ``factors``
    are stored as R factors (levels "0" and "1"), as mlbench stores ``chas``."""
    csv = path.with_suffix(".csv")
    csv.write_text(
        ",".join(columns)
        + "\n"
        + "\n".join(",".join(repr(float(v)) for v in row) for row in zip(*columns.values()))
    )
    as_factors = "".join(f"{name}${column} <- factor({name}${column}); " for column in factors)
    script = (
        f"{name} <- read.csv('{csv}'); {as_factors}save({name}, file = '{path}', compress = 'xz')"
    )
    subprocess.run(["Rscript", "--vanilla", "-e", script], check=True, capture_output=True)


def _fake_columns(n: int = 506, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    columns = {name: rng.normal(size=n) for name in COLUMNS}
    columns["chas"] = (rng.random(n) < 0.1).astype(int)
    columns["crim"] = np.arange(n, dtype=float)  # marks the original row
    return columns


# --------------------------------------------------------------------------- tests


@needs_r
def test_r_data_frame_round_trip(tmp_path):
    columns = _fake_columns(20)
    write_rda(tmp_path / "b.rda", "BostonHousing", columns)
    got = data.read_r_data_frame(tmp_path / "b.rda")
    assert list(got) == list(COLUMNS)
    for name in COLUMNS:
        assert np.allclose(got[name], columns[name], rtol=1e-13, atol=0), name  # R: 15 digits


@needs_r
def test_split_is_the_one_of_keras(tmp_path, nowhere, monkeypatch, full):
    """Keras shuffles with RandomState(113) and cuts at int(0.8 · 506) = 404."""
    write_rda(tmp_path / "BostonHousing.rda", "BostonHousing", _fake_columns())
    monkeypatch.setattr(data, "DEBIAN_BOSTON_HOUSING", tmp_path / "BostonHousing.rda")
    (x_train, y_train), (x_test, y_test) = data.load_boston_housing()
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert y_train.shape == (404,) and y_test.shape == (102,)
    rows = np.concatenate([x_train[:, 0], x_test[:, 0]]).astype(int)
    expected = np.arange(506)
    np.random.RandomState(113).shuffle(expected)
    assert np.array_equal(rows, expected)
    assert rows[0] == 22 and rows[404] == 415  # x_train[0] and x_test[0] of Keras
    assert set(np.unique(x_train[:, 3])) <= {0.0, 1.0}


def test_keras_npz_in_cache_or_folder(offline_home, nowhere, full, monkeypatch):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(50, 13)), rng.normal(size=50)
    cache = offline_home / "keras" / "datasets"
    cache.mkdir(parents=True)
    np.savez(cache / "boston_housing.npz", x=x, y=y)
    (x_train, _), (x_test, _) = data.load_boston_housing()
    assert len(x_train) == 40 and len(x_test) == 10
    assert np.allclose(np.sort(np.concatenate([x_train, x_test]), axis=0), np.sort(x, axis=0))
    folder = offline_home / "boston"
    folder.mkdir()
    np.savez(folder / "boston_housing.npz", x=x[:10], y=y[:10])
    monkeypatch.setenv("BOSTON_HOUSING_DIR", str(folder))
    (x_train, _), _ = data.load_boston_housing()
    assert len(x_train) == 8
    (folder / "boston_housing.npz").unlink()
    with pytest.raises(data.DatasetNotFoundError, match="BostonHousing.rda"):
        data.load_boston_housing()


def test_synthetic_only_in_smoke_mode(nowhere, smoke, capsys):
    with pytest.warns(data.SyntheticDataWarning):
        (x_train, y_train), (x_test, y_test) = data.load_boston_housing()
    assert "SINTÉTICOS" in capsys.readouterr().out
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert 5 <= y_train.min() and y_train.max() <= 50 and np.isfinite(x_train).all()
    (again, _), _ = data.load_boston_housing()
    assert np.array_equal(again, x_train)  # deterministic


def test_missing_outside_smoke_mode_says_how_to_get_it(nowhere, full):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(data.DatasetNotFoundError, match="r-cran-mlbench"):
            data.load_boston_housing()


@pytest.mark.skipif(
    not data.DEBIAN_BOSTON_HOUSING.is_file(), reason="r-cran-mlbench not installed"
)
def test_real_boston_housing_from_debian_package(offline_home, full, monkeypatch):
    """The values Keras's own loader gives for its first training and test houses."""
    monkeypatch.delenv("BOSTON_HOUSING_DIR", raising=False)
    (x_train, y_train), (x_test, y_test) = data.load_boston_housing()
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    first = [1.23247, 0.0, 8.14, 0.0, 0.538, 6.142, 91.7, 3.9769, 4.0, 307.0, 21.0, 396.9, 18.72]
    assert np.allclose(x_train[0], first) and y_train[0] == pytest.approx(15.2)
    assert x_test[0][0] == pytest.approx(18.0846) and y_test[0] == pytest.approx(7.2)
    assert y_train.mean() == pytest.approx(22.395, abs=1e-3)
    assert y_test.mean() == pytest.approx(23.078, abs=1e-3)
