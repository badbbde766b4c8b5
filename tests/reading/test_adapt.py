"""Adapting to one user's hand from kept drawings (digitcanvas.reading.adaptation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digitcanvas.collection.hand import HandModel
from digitcanvas.reading import adaptation as adapt


def _onehot(digit: int, p: float = 0.9) -> np.ndarray:
    row = np.full(10, (1 - p) / 9)
    row[digit] = p
    return row


def test_a_kept_drawing_pulls_its_twins_and_leaves_strangers_alone() -> None:
    rng = np.random.default_rng(3)
    kept = np.eye(8)[:3]
    model = adapt.fit(kept, [1, 1, 4])
    twin = kept[0] + 0.01 * rng.normal(size=8)  # the user's own 1 again
    stranger = np.eye(8)[6]  # orthogonal to every kept drawing
    probs = np.stack([_onehot(7), _onehot(7)])  # the model reads both as a 7
    adjusted = model.adjust(np.stack([twin, stranger]), probs)
    assert adjusted[0].argmax() == 1  # the user's continental 1 is a 1
    np.testing.assert_allclose(adjusted[1], probs[1], atol=1e-7)  # all but untouched (exp(-1/h) pull)
    np.testing.assert_allclose(adjusted.sum(axis=1), 1.0)


def test_agreeing_examples_keep_the_model_reading() -> None:
    kept = np.eye(10)
    model = adapt.fit(kept, list(range(10)))
    probs = np.stack([_onehot(d, 0.95) for d in range(10)])
    adjusted = model.adjust(kept, probs)
    assert list(adjusted.argmax(axis=1)) == list(range(10))
    assert (adjusted.max(axis=1) >= 0.95 - 1e-9).all()  # agreement never lowers confidence


def test_no_examples_change_nothing() -> None:
    model = adapt.fit(np.zeros((0, 4)), [])
    probs = np.stack([_onehot(2)])
    np.testing.assert_allclose(model.adjust(np.ones((1, 4)), probs), probs)


def test_bad_examples_are_refused() -> None:
    with pytest.raises(ValueError, match="one feature row per label"):
        adapt.fit(np.zeros((2, 4)), [1])
    with pytest.raises(ValueError, match="digits 0-9"):
        adapt.fit(np.zeros((1, 4)), [10])
    with pytest.raises(ValueError, match="finite"):
        adapt.fit(np.full((1, 4), np.nan), [1])


def test_logit_features_are_centred_log_probabilities() -> None:
    features = adapt.logit_features(np.stack([_onehot(3, 0.5)]))
    assert abs(features.sum()) < 1e-9 and features[0].argmax() == 3


def test_the_hand_model_follows_the_collection(tmp_path: Path) -> None:
    from strokes import compose

    from digitcanvas.collection.state import Collection
    from digitcanvas.model.classifier import load_classifier
    from digitcanvas.reading.reader import Reader

    reader = Reader(load_classifier())
    collection = Collection.open(tmp_path)
    for name, label in (("7crossed", 1), ("0", 0)):
        drawing, _ = compose([name])
        collection.add(drawing, label)
    hand = HandModel()
    fitted = hand.sync(reader, collection.entries)
    assert fitted.count == 2 and sorted(fitted.labels.tolist()) == [0, 1]
    seven = collection.entries[0]
    collection.relabel(seven, 7)
    refitted = hand.sync(reader, collection.entries)
    assert sorted(refitted.labels.tolist()) == [0, 7]
    collection.remove(collection.entries[0])
    assert hand.sync(reader, collection.entries).count == 1


def test_features_are_the_embedding_when_the_model_has_one_else_logit_features(tmp_path: Path) -> None:
    from onnx_models import make_embedding_model

    from digitcanvas.model.classifier import Classifier
    from digitcanvas.reading.reader import Reader
    from lab.fuzz.linear_model import make_linear_model

    # faint ink keeps every probability far above the clip of the logarithm (1e-12)
    images = (0.1 * np.random.default_rng(5).random((4, 28, 28))).astype(np.float32)
    embedded = Reader(Classifier(make_embedding_model(tmp_path / "e.onnx", features=16)))
    features = adapt.drawing_features(embedded.classifier, images)
    assert features.shape == (4, 16) and features.min() >= 0  # the ReLU layer, not 10 class scores
    plain = Reader(Classifier(make_linear_model(tmp_path / "plain.onnx")))
    fallback = adapt.drawing_features(plain.classifier, images)
    probs = plain.classifier.predict_proba(images)
    assert fallback.shape == (4, 10) and probs.min() > 1e-6
    np.testing.assert_allclose(fallback.sum(axis=1), 0.0, atol=1e-9)  # centred
    np.testing.assert_allclose(fallback[:, 3] - fallback[:, 8], np.log(probs[:, 3] / probs[:, 8]), atol=1e-9)


def test_the_hand_model_uses_each_models_own_features(tmp_path: Path) -> None:
    from onnx_models import make_embedding_model
    from strokes import compose

    from digitcanvas.collection.state import Collection
    from digitcanvas.model.classifier import Classifier
    from digitcanvas.reading.reader import Reader
    from lab.fuzz.linear_model import make_linear_model

    collection = Collection.open(tmp_path / "kept")
    for name, label in (("7crossed", 1), ("0", 0), ("3", 3)):
        drawing, _ = compose([name])
        collection.add(drawing, label)
    hand = HandModel()
    embedded = Reader(Classifier(make_embedding_model(tmp_path / "e.onnx", features=16)))
    assert hand.sync(embedded, collection.entries).features.shape == (3, 16)
    plain = Reader(Classifier(make_linear_model(tmp_path / "plain.onnx")))
    assert hand.sync(plain, collection.entries).features.shape == (3, 10)  # the cache follows the model


def test_the_reach_counts_errors_whose_nearest_kept_drawing_has_their_label() -> None:
    from lab.evaluate.adapt import Writer, nearest_kept_right

    # 0 and 1 are 1s, 2 is a 7; the model misreads 0 as a 7 and 3 (a 7) as a 1.
    features = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.95, 0.05]])
    labels = np.array([1, 1, 7, 7])
    writer = Writer("w", labels, np.full((4, 10), 0.1), features, {"embedding": features})
    kept, misread = np.array([1, 2]), np.array([0, 3])
    # 0's nearest kept drawing is the 1 beside it (right); 3 looks like the kept 1 (no help).
    assert nearest_kept_right(writer, kept, misread) == 1
    assert nearest_kept_right(writer, kept, np.array([], dtype=np.int64)) == 0
