"""The shipped ImageNet class index, offline decoding, and the shipped photos."""

import numpy as np
import pytest

from autograder import imagenet, resources


def test_class_index_is_complete():
    index = imagenet.class_index()
    assert sorted(index) == list(range(1000))
    wnids = [wnid for wnid, _ in index.values()]
    assert len(set(wnids)) == 1000
    assert all(w.startswith("n") and len(w) == 9 and w[1:].isdigit() for w in wnids)
    assert wnids == sorted(wnids)  # Keras orders the classes by WordNet id
    assert (index[0], index[281][1], index[817][1]) == (
        ("n01440764", "tench"),
        "tabby",
        "sports_car",
    )


def test_decode_predictions_orders_by_probability():
    preds = np.random.default_rng(0).random((3, 1000)).astype("float32")
    decoded = imagenet.decode_predictions(preds, top=4)
    assert len(decoded) == 3 and all(len(row) == 4 for row in decoded)
    for row, p in zip(decoded, preds):
        expected = np.argsort(p)[::-1][:4]
        assert [name for _, name, _ in row] == [imagenet.class_name(i) for i in expected]
        assert [prob for *_, prob in row] == pytest.approx(p[expected].tolist())


def test_decode_predictions_rejects_wrong_shape():
    with pytest.raises(ValueError, match="1000"):
        imagenet.decode_predictions(np.zeros((2, 10)))


def test_applications_table_matches_installed_keras():
    names = {row[0] for row in imagenet.APPLICATIONS}
    assert names <= set(imagenet.available_models())


@pytest.mark.parametrize("name", ["chelsea", "coffee", "astronaut", "rocket"])
def test_shipped_photos_are_readable_rgb(name):
    import cv2

    image = cv2.imread(str(resources.path(f"photos/{name}.jpg")))
    assert image is not None and image.ndim == 3 and min(image.shape[:2]) >= 256
