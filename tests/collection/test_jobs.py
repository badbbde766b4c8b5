"""The collection's summary job (issue #26 item 20): one model pass per drawing, same results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from strokes import DIGITS, compose

from digitcanvas.collection import jobs
from digitcanvas.collection.hand import fit_hand
from digitcanvas.collection.jobs import Request
from digitcanvas.collection.state import Collection, predict_collection
from digitcanvas.model.classifier import Classifier, load_classifier
from digitcanvas.reading import one_pass
from digitcanvas.reading.reader import Reader

NAMES = [name for name in DIGITS if name != "5late"]  # 5late waits for a flag added later


def _collection(folder: Path, count: int) -> Collection:
    collection = Collection.open(folder)
    for n in range(count):
        name = NAMES[n % len(NAMES)]
        drawing, _ = compose([name], slant=0.04 * (n // len(NAMES)))  # no two drawings alike
        collection.add(drawing, int(name[0]))
    return collection


def _run(reader: Reader, folder: Path) -> jobs.Result:
    result = jobs.run(Request(folder, (), reader, score=True, fit=True), lambda *_: None, lambda: False)
    assert result is not None and result.error is None and result.read is not None and result.hand is not None
    return result


@pytest.mark.parametrize("threads", [1, 3])
def test_a_summary_scores_and_adapts_as_reading_each_part_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    monkeypatch.setattr(jobs, "PREDICT_CHUNK", 7)  # several batches, the last one short
    monkeypatch.setattr(jobs, "SCORING_THREADS", threads)  # batches scored one at a time, or three at once
    monkeypatch.setattr(jobs, "usable_cores", lambda: 4)
    entries = _collection(tmp_path, 24).entries
    reader = Reader(load_classifier())
    result = _run(reader, tmp_path)
    assert result.read is not None and result.hand is not None and result.hand.adaptation is not None
    # the old way: every drawing read by the reader, then the adaptation's features computed apart
    old_digits = predict_collection(reader, [e.drawing for e in entries])
    assert result.read == {e.path: digit for e, digit in zip(entries, old_digits, strict=True)}
    old = fit_hand(Reader(reader.classifier), entries).adaptation
    assert old is not None
    order = [{e.path: i for i, e in enumerate(result.entries)}[e.path] for e in entries]
    np.testing.assert_array_equal(result.hand.adaptation.labels[order], old.labels)
    np.testing.assert_allclose(result.hand.adaptation.features[order], old.features, atol=1e-5)


def test_a_summary_runs_the_network_once_per_drawing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = _collection(tmp_path, 12).entries
    reader = Reader(load_classifier())
    assert reader.classifier.embedding_output is not None  # the bundled model adapts by its embedding
    fed: list[int] = []

    def counting(run: Any) -> Any:
        def wrapper(session: Any, names: list[str], feeds: dict[str, Any], *args: Any) -> list[Any]:
            fed.append(len(next(iter(feeds.values()))))
            return list(run(session, names, feeds, *args))

        return wrapper

    import digitcanvas.model.classifier as classifier_module

    monkeypatch.setattr(classifier_module, "run_session", counting(classifier_module.run_session))
    _run(reader, tmp_path)
    assert sum(fed) == len(entries)


def test_one_pass_gives_what_the_classifier_gives_for_models_with_and_without_an_embedding(tmp_path: Path) -> None:
    from onnx_models import make_embedding_model

    from digitcanvas.reading.adaptation import drawing_features
    from lab.fuzz.linear_model import make_linear_model

    images = (0.1 * np.random.default_rng(5).random((70, 28, 28))).astype(np.float32)  # over one MODEL_BATCH
    for path in (make_embedding_model(tmp_path / "e.onnx", features=16), make_linear_model(tmp_path / "plain.onnx")):
        classifier = Classifier(path)
        both = one_pass.OnePass(classifier)
        assert both.one_run
        probabilities, features = both.run(images)
        assert features is not None
        np.testing.assert_allclose(probabilities, classifier.predict_proba(images), atol=1e-6)
        np.testing.assert_allclose(features, drawing_features(classifier, images), atol=1e-5)


def test_a_failing_one_pass_falls_back_to_the_classifiers_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from onnx_models import make_embedding_model

    from digitcanvas.model.session import ModelRunError

    classifier = Classifier(make_embedding_model(tmp_path / "e.onnx", features=16))
    both = one_pass.OnePass(classifier)

    def fails(*_: Any) -> Any:
        raise ModelRunError("the model failed on this input")

    monkeypatch.setattr(classifier, "proba_and_embeddings", fails)
    images = np.zeros((3, 28, 28), dtype=np.float32)
    probabilities, features = both.run(images)
    assert features is not None and features.shape == (3, 16)
    np.testing.assert_allclose(probabilities, classifier.predict_proba(images))
    assert not both.one_run  # and it does not try the failing run again


def test_a_cancelled_summary_stops_between_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "PREDICT_CHUNK", 4)
    _collection(tmp_path, 12)
    reports: list[tuple[str, int, int]] = []

    def cancelled() -> bool:
        return any(activity == jobs.SCORING and done >= 4 for activity, done, _ in reports)

    request = Request(tmp_path, (), Reader(load_classifier()), score=True, fit=True)
    assert jobs.run(request, lambda *report: reports.append(report), cancelled) is None
    assert [done for activity, done, _ in reports if activity == jobs.SCORING] == [0, 4]
