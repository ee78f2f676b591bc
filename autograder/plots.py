"""Plotting helpers: image grids and training curves. Introduced in lessons 01-03.

Each helper draws one figure and shows it (``plt.show()``) instead of returning it, so
the last line of a notebook cell can be the call itself with no trailing ``;``.
"""

from __future__ import annotations

import numpy as np


def _as_displayable(image):
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.dtype != np.uint8:
        low, high = float(image.min()), float(image.max())
        image = (image - low) / (high - low) if high > low else np.zeros_like(image, float)
    return image


def show_images(images, titles=None, ncols: int = 5, size: float = 2.0, cmap=None):
    """Show images side by side in a grid, each with an optional title (lesson 01).

    ``images`` is a sequence or array of images (``uint8`` 0-255 shown as is,
    floats rescaled to their own range). Shows the figure; returns nothing, so a
    notebook cell that ends with this call displays the figure once.
    """
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise ValueError("show_images recebeu uma lista vazia de imagens.")
    ncols = max(1, min(ncols, len(images)))
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, image in enumerate(images):
        ax = axes.ravel()[i]
        image = _as_displayable(image)
        ax.imshow(image, cmap=cmap or ("gray" if image.ndim == 2 else None))
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    fig.tight_layout()
    plt.show()


def class_grid(images, row_labels, size: float = 1.2):
    """Show a 2-D grid of images, one row per class, with the class name on the left (lesson 02).

    ``images`` has shape ``(rows, cols, H, W[, C])``.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            image = _as_displayable(images[r, c])
            ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(str(row_labels[r]), rotation=0, ha="right", va="center")
    fig.tight_layout()
    plt.show()


def decimal_comma(ax, axis: str = "y") -> None:
    """Tick labels with a decimal comma on ``ax`` (``"x"``, ``"y"`` or ``"both"``; lesson 03)."""
    from matplotlib.ticker import FuncFormatter

    from .formatting import number

    def label(value, _position):
        text = f"{value:.6g}"
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        return number(value, decimals)

    for name in ("x", "y") if axis == "both" else (axis,):
        getattr(ax, f"{name}axis").set_major_formatter(FuncFormatter(label))


def plot_history(history, title: str = ""):
    """Plot accuracy and loss per epoch, training vs validation (lesson 03).

    Accepts a ``keras.callbacks.History`` or its ``.history`` dict.
    """
    import matplotlib.pyplot as plt

    logs = getattr(history, "history", history)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric, label in ((axes[0], "accuracy", "taxa de acerto"), (axes[1], "loss", "perda")):
        if metric not in logs:
            ax.set_visible(False)
            continue
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], "o-", label="treino")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "o-", label="validação")
        ax.set_xlabel("época")
        ax.set_ylabel(label)
        decimal_comma(ax)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()
