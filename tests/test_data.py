"""The data gateway: resolution order, formats, and the smoke-mode stand-ins."""

import numpy as np
import pytest

from autograder import data


def _write_cifar_folder(folder, per_batch=7, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        images = rng.integers(0, 256, size=(per_batch, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, size=per_batch).astype(np.uint8)
        data.write_cifar10_python_batch(folder / name, images, labels)
        written[name] = (images, labels)
    return written


def test_cifar10_dir_with_small_batches(offline_home, monkeypatch, full):
    written = _write_cifar_folder(offline_home / "cifar")
    monkeypatch.setenv("CIFAR10_DIR", str(offline_home / "cifar"))
    (x_train, y_train), (x_test, y_test) = data.load_cifar10()
    assert x_train.shape == (35, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (35, 1) and y_test.shape == (7, 1)
    assert np.array_equal(x_train[7:14], written["data_batch_2"][0])
    assert np.array_equal(y_test.ravel(), written["test_batch"][1])
    assert np.array_equal(x_test, written["test_batch"][0])


def test_explicit_directory_wins_over_env_and_cache(offline_home, monkeypatch, full):
    _write_cifar_folder(offline_home / "keras" / "datasets" / "cifar-10-batches-py", 3, seed=1)
    _write_cifar_folder(offline_home / "env", 4, seed=2)
    argument = _write_cifar_folder(offline_home / "arg", 5, seed=3)
    monkeypatch.setenv("CIFAR10_DIR", str(offline_home / "env"))
    (_, _), (x_test, _) = data.load_cifar10(offline_home / "arg")
    assert np.array_equal(x_test, argument["test_batch"][0])


def test_keras_cache_is_used_in_both_layouts(offline_home, monkeypatch, full):
    for layout, n in (
        ("cifar-10-batches-py", 2),
        ("cifar-10-batches-py-target/cifar-10-batches-py", 3),
    ):
        cache = offline_home / f"home{n}"
        _write_cifar_folder(cache / "datasets" / layout, n)
        monkeypatch.setenv("KERAS_HOME", str(cache))
        (x_train, _), _ = data.load_cifar10()
        assert len(x_train) == 5 * n


def test_explicit_folder_without_batches_is_a_clear_error(offline_home, smoke):
    (offline_home / "vazia").mkdir()
    with pytest.raises(data.DatasetNotFoundError, match="data_batch_1"):
        data.load_cifar10(offline_home / "vazia")
    with pytest.raises(data.DatasetNotFoundError, match="não existe"):
        data.load_cifar10(offline_home / "nao-existe")


def test_smoke_mode_falls_back_to_synthetic_with_warning(offline_home, smoke, capsys):
    with pytest.warns(data.SyntheticDataWarning):
        (x_train, y_train), (x_test, y_test) = data.load_cifar10()
    assert "SINTÉTICO" in capsys.readouterr().out
    assert x_train.dtype == np.uint8 and x_train.shape[1:] == (32, 32, 3)
    assert y_train.shape == (len(x_train), 1)
    assert set(np.unique(y_test)) == set(range(10))
    again = data.load_cifar10  # deterministic: same arrays every time
    with pytest.warns(data.SyntheticDataWarning):
        (x2, _), _ = again()
    assert np.array_equal(x_train, x2)


def test_full_mode_never_substitutes_missing_data(offline_home, full, no_download):
    with pytest.raises(data.DatasetNotFoundError, match="CIFAR10_DIR"):
        data.load_cifar10()
    with pytest.raises(data.DatasetNotFoundError, match="MNIST_DIR"):
        data.load_mnist()


def test_binary_format_puts_the_label_first(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(2, 32, 32, 3), dtype=np.uint8)
    data.write_cifar10_binary(tmp_path / "b.bin", images, [7, 3])
    raw = np.fromfile(tmp_path / "b.bin", dtype=np.uint8)
    assert raw.size == 2 * 3073
    assert (raw[0], raw[3073]) == (7, 3)
    assert np.array_equal(raw[1:1025].reshape(32, 32), images[0, :, :, 0])  # red plane next
    assert np.array_equal(raw[2049:3073].reshape(32, 32), images[0, :, :, 2])


def _idx_arrays(n, seed):
    rng = np.random.default_rng(seed)
    return (
        rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, size=n).astype(np.uint8),
    )


def test_fashion_mnist_order_env_then_debian(offline_home, monkeypatch, full, no_download):
    x, y = _idx_arrays(6, 0)
    data.write_idx_folder(offline_home / "debian", x, y, x[:2], y[:2])
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", offline_home / "debian")
    (x_train, y_train), (x_test, _) = data.load_fashion_mnist()
    assert np.array_equal(x_train, x) and np.array_equal(y_train, y) and len(x_test) == 2
    x2, y2 = _idx_arrays(4, 1)
    data.write_idx_folder(offline_home / "env", x2, y2, x2, y2)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(offline_home / "env"))
    (x_train, _), _ = data.load_fashion_mnist()
    assert np.array_equal(x_train, x2)


@pytest.mark.skipif(
    not data.DEBIAN_FASHION_MNIST.is_dir(), reason="dataset-fashion-mnist not installed"
)
def test_real_fashion_mnist_from_debian_package(offline_home, full, no_download):
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_test).tolist() == [1000] * 10


def test_mnist_npz_in_keras_cache(offline_home, full):
    x, y = _idx_arrays(5, 2)
    cache = offline_home / "keras" / "datasets"
    cache.mkdir(parents=True)
    np.savez(cache / "mnist.npz", x_train=x, y_train=y, x_test=x[:1], y_test=y[:1])
    (x_train, y_train), (x_test, _) = data.load_mnist()
    assert np.array_equal(x_train, x) and len(x_test) == 1


@pytest.mark.parametrize(
    "make, channels", [(data.synthetic_cifar10, 3), (data.synthetic_digits, 0)]
)
def test_synthetic_sets_are_learnable(make, channels):
    """A small CNN gets well above chance (10%) within about 200 steps."""
    import keras

    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = make()
    if channels == 0:
        x_train, x_test = x_train[..., None], x_test[..., None]
    model = keras.Sequential(
        [
            keras.Input(x_train.shape[1:]),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=3, verbose=0)  # 3 × 63 = 189 steps
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.5


@pytest.mark.parametrize("not_a_path", [1, 2])
def test_batch_reader_never_takes_a_number_for_a_file_descriptor(not_a_path):
    """open(1) would read (and then close) the process's stdout."""
    with pytest.raises(TypeError):
        data.read_cifar10_python_batch(not_a_path)
    with pytest.raises(TypeError):
        data.write_cifar10_python_batch(not_a_path, np.zeros((1, 32, 32, 3), np.uint8), [0])
    print("stdout still open")
