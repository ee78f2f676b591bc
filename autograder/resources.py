"""Small files the lessons need (photos, the ImageNet class index), shipped as package data.

In a built wheel the repository's ``data/`` folder is copied into the package as
``autograder/_data``; in a development checkout (editable install or plain clone)
the files are read straight from ``data/``. Introduced in lesson 01.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The folder that holds the course's small data files (lesson 01)."""
    for candidate in (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent / "data"):
        if (candidate / "imagenet_class_index.json").is_file():
            return candidate
    raise FileNotFoundError(
        "Os arquivos de dados do curso não foram encontrados. Reinstale o pacote "
        "(pip install do repositório) ou rode a partir de um clone completo."
    )


def path(name: str) -> Path:
    """Absolute path of one shipped file, e.g. ``path("photos/chelsea.jpg")`` (lesson 01)."""
    target = data_dir() / name
    if not target.exists():
        raise FileNotFoundError(f"Arquivo {name!r} não existe em {data_dir()}.")
    return target
