"""Rebuild the committed files in ``data/`` from packages that ship them (maintainers only).

    pip install scikit-image==0.26.0
    pip download --no-deps keras-hub==0.32.0 -d /tmp/khub
    python tools/build_data.py --keras-hub-wheel /tmp/khub/keras_hub-0.32.0-py3-none-any.whl

* ``data/imagenet_class_index.json``: the ImageNet-1k class index in the format Keras
  uses for ``decode_predictions`` ({"0": ["n01440764", "tench"], ...}), read from the
  ``IMAGENET_NAMES`` table in ``keras_hub/src/utils/imagenet/imagenet_utils.py`` (Apache 2.0).
  The module is parsed, not imported, so keras-hub's dependencies are not needed.
* ``data/photos/*.jpg``: four photos shipped by scikit-image (``skimage.data``), saved as JPEG.
"""

import argparse
import ast
import json
import zipfile
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
MODULE = "keras_hub/src/utils/imagenet/imagenet_utils.py"
PHOTOS = ("chelsea", "coffee", "astronaut", "rocket")


def class_index(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read(MODULE).decode("utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "IMAGENET_NAMES":
            table = ast.literal_eval(node.value)
            break
    else:
        raise SystemExit(f"IMAGENET_NAMES not found in {MODULE}")
    assert sorted(table) == list(range(1000)), "expected 1000 classes numbered 0..999"
    return {str(k): list(table[k]) for k in range(1000)}


def photos() -> None:
    import cv2
    import skimage.data

    (DATA / "photos").mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        rgb = getattr(skimage.data, name)()
        cv2.imwrite(str(DATA / "photos" / f"{name}.jpg"), rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras-hub-wheel", type=Path, required=True)
    args = parser.parse_args()
    index = class_index(args.keras_hub_wheel)
    (DATA / "imagenet_class_index.json").write_text(json.dumps(index) + "\n", encoding="utf-8")
    photos()


if __name__ == "__main__":
    main()
