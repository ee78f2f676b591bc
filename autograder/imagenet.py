"""ImageNet helpers for lesson 01: the class index shipped with the course and decoding.

Keras's own ``decode_predictions`` downloads ``imagenet_class_index.json`` the first
time it runs; :func:`decode_predictions` does the same job with the copy shipped in
``data/``, so it also works offline and in smoke mode. :func:`pretrained` builds a
``keras.applications`` model and, when its ImageNet weights cannot be downloaded, says
so in Portuguese and goes on with random weights. Introduced in lesson 01.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
from functools import lru_cache

import numpy as np

from . import resources

# Apostila, table 1 (from keras.io/api/applications): size in MB, top-1 and top-5
# accuracy on the ImageNet validation set, parameters, depth (None: not given).
APPLICATIONS = (
    ("Xception", 88, 0.790, 0.945, 22_910_480, 126, 299),
    ("VGG16", 528, 0.713, 0.901, 138_357_544, 23, 224),
    ("VGG19", 549, 0.713, 0.900, 143_667_240, 26, 224),
    ("ResNet50", 98, 0.749, 0.921, 25_636_712, None, 224),
    ("InceptionV3", 92, 0.779, 0.937, 23_851_784, 159, 299),
    ("InceptionResNetV2", 215, 0.803, 0.953, 55_873_736, 572, 299),
    ("MobileNet", 16, 0.704, 0.895, 4_253_864, 88, 224),
    ("MobileNetV2", 14, 0.713, 0.901, 3_538_984, 88, 224),
    ("DenseNet121", 33, 0.750, 0.923, 8_062_504, 121, 224),
    ("DenseNet169", 57, 0.762, 0.932, 14_307_880, 169, 224),
    ("DenseNet201", 80, 0.773, 0.936, 20_242_984, 201, 224),
    ("NASNetMobile", 23, 0.744, 0.919, 5_326_716, None, 224),
    ("NASNetLarge", 343, 0.825, 0.960, 88_949_818, None, 331),
    ("EfficientNetB0", 29, None, None, 5_330_571, None, 224),
    ("EfficientNetB5", 118, 0.836, 0.967, 30_562_527, 312, 456),
    ("EfficientNetB7", 256, 0.843, 0.970, 66_658_687, None, 600),
)
"""(name, size_mb, top1, top5, parameters, depth, input_side) rows (lesson 01)."""

APPLICATION_COLUMNS = (
    "modelo",
    "tamanho_mb",
    "top1",
    "top5",
    "parametros",
    "profundidade",
    "entrada",
)


@lru_cache(maxsize=1)
def class_index() -> dict[int, tuple[str, str]]:
    """``{class_id: (wnid, name)}`` for the 1000 ImageNet-1k classes (lesson 01)."""
    raw = json.loads(resources.path("imagenet_class_index.json").read_text(encoding="utf-8"))
    return {int(k): (v[0], v[1]) for k, v in raw.items()}


def class_name(class_id: int) -> str:
    """Human-readable name of one ImageNet class id, e.g. ``class_name(281) == 'tabby'``."""
    return class_index()[int(class_id)][1]


def decode_predictions(preds, top: int = 5):
    """Same output as ``keras.applications.*.decode_predictions``, offline (lesson 01).

    ``preds`` has shape ``(N, 1000)``; returns, for each image, a list of ``top``
    tuples ``(wnid, name, probability)`` from most to least likely.
    """
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(
            f"decode_predictions espera uma matriz (N, 1000); recebeu forma {preds.shape}."
        )
    index = class_index()
    results = []
    for row in preds:
        order = np.argsort(row)[::-1][:top]
        results.append([(*index[int(i)], float(row[i])) for i in order])
    return results


def available_models() -> list[str]:
    """Model constructors that the installed Keras offers in ``keras.applications`` (lesson 01)."""
    import keras

    return sorted(name for name in dir(keras.applications) if name[:1].isupper())


# Keras's get_file raises a bare Exception("URL fetch failure on <url>: <code> -- <reason>")
# when a download fails, and a ValueError when the downloaded file's hash is wrong.
_DOWNLOAD_FAILURES = ("URL fetch failure", "Incomplete or corrupted file detected")


def _download_failed(error: BaseException) -> bool:
    if isinstance(error, (urllib.error.URLError, ConnectionError, TimeoutError)):
        return True
    return any(text in str(error) for text in _DOWNLOAD_FAILURES)


def weights_folder() -> str:
    """Where Keras keeps downloaded weights: ``~/.keras/models`` (or ``$KERAS_HOME/models``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    return os.path.join(home, "models")


def download_failure_message(name: str, error: BaseException) -> str:
    """The Portuguese explanation :func:`pretrained` prints when ``name``'s weights fail."""
    found = re.search(r"URL fetch failure on (\S+?): ", str(error))
    url = found.group(1) if found else None
    filename = url.rsplit("/", 1)[-1] if url else "o arquivo de pesos"
    where = f" ({url})" if url else ""
    return (
        f"⚠️ Não foi possível baixar os pesos do ImageNet da {name}{where}.\n"
        "O que aconteceu: na primeira vez que cria o modelo, o Keras baixa o arquivo de pesos "
        "da internet, e o download falhou (sem conexão, rede bloqueada ou servidor fora do ar). "
        f"Mensagem original: {str(error)[:200]}\n"
        "O que fazer:\n"
        "  • no Colab: confira se o ambiente de execução está conectado (canto superior "
        "direito) e rode a célula de novo; se continuar falhando, use Ambiente de execução → "
        "Desconectar e excluir ambiente de execução e rode o notebook desde o começo;\n"
        "  • sem internet: o modo rápido usa weights=None e não baixa nada (rode "
        "%env COURSE_SMOKE=1 numa célula e execute o notebook de novo); ou baixe "
        f"{filename} em outro computador e coloque-o na pasta {weights_folder()}/ (o Keras "
        "procura os pesos lá antes de tentar baixar).\n"
        "A lição continua com pesos ALEATÓRIOS (weights=None): o código roda igual, mas as "
        "classes previstas não significam nada."
    )


def pretrained(constructor, **kwargs):
    """``constructor(**kwargs)``, e.g. ``pretrained(keras.applications.EfficientNetB0,
    weights="imagenet")`` (lesson 01).

    If the weights cannot be downloaded (offline, blocked network), prints in Portuguese
    what happened and what to do, and returns the same model with random weights
    (``weights=None``), so that the rest of the lesson still runs. Any other error is
    raised as it is.
    """
    try:
        return constructor(**kwargs)
    except Exception as error:
        if kwargs.get("weights") is None or not _download_failed(error):
            raise
        name = getattr(constructor, "__name__", "rede")
        print(download_failure_message(name, error))
    return constructor(**{**kwargs, "weights": None})
