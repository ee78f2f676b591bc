"""Plot helpers draw what they promise (headless)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_show_images_titles_and_grid():
    images = np.random.default_rng(0).integers(0, 256, size=(7, 8, 8, 3), dtype=np.uint8)
    assert plots.show_images(images, [f"t{i}" for i in range(7)], ncols=3) is None
    axes = plt.gcf().axes
    assert len(axes) == 9  # 3 × 3 grid, two empty
    assert [ax.get_title() for ax in axes[:7]] == [f"t{i}" for i in range(7)]


def test_show_images_rejects_empty():
    with pytest.raises(ValueError, match="vazia"):
        plots.show_images([])


def test_class_grid_labels_rows():
    grid = np.zeros((3, 4, 8, 8, 1), np.uint8)
    plots.class_grid(grid, ["a", "b", "c"])
    axes = plt.gcf().axes
    assert len(axes) == 12 and axes[4].get_ylabel() == "b"


def test_plot_history_train_and_validation():
    logs = {
        "accuracy": [0.1, 0.5],
        "val_accuracy": [0.2, 0.4],
        "loss": [2, 1],
        "val_loss": [2, 1.5],
    }
    plots.plot_history(logs, "t")
    acc_ax = plt.gcf().axes[0]
    assert [line.get_label() for line in acc_ax.get_lines()] == ["treino", "validação"]
    assert list(acc_ax.get_lines()[1].get_ydata()) == [0.2, 0.4]


def test_history_ticks_use_a_decimal_comma(monkeypatch):
    import matplotlib.pyplot as plt

    figures = []
    monkeypatch.setattr(plt, "show", lambda: figures.append(plt.gcf()))
    plots.plot_history({"accuracy": [0.25, 0.5], "loss": [1.5, 1.25]})
    axis = figures[0].axes[0]
    formatter = axis.yaxis.get_major_formatter()
    assert formatter(0.25, 0) == "0,25" and formatter(2.0, 0) == "2"
