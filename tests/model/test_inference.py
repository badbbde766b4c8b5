from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto
from onnx_models import make_failing_model, make_two_input_model, reference_probabilities

from digitcanvas.model.classifier import Classifier, ModelLoadError, bundled_model_path, load_classifier
from digitcanvas.model.info import META_MEAN, META_NAME, META_SCALE, META_STD, OutputKind
from digitcanvas.model.layout import MAX_BATCH
from digitcanvas.model.outputs import output_kind, to_probabilities
from lab.fuzz.linear_model import make_linear_model


@pytest.fixture
def images(rng: np.random.Generator) -> np.ndarray:
    return rng.random((5, 28, 28), dtype=np.float32)


@pytest.mark.parametrize("layout", ["NCHW", "NHWC", "NHW", "flat"])
@pytest.mark.parametrize("batch", ["N", 1])
def test_accepts_common_layouts(tmp_path: Path, images: np.ndarray, layout: str, batch: int | str) -> None:
    path = make_linear_model(tmp_path / f"{layout}.onnx", layout=layout, batch=batch)
    classifier = Classifier(path)
    assert classifier.layout.name == layout
    probs = classifier.predict_proba(images)
    assert probs.shape == (5, 10)
    np.testing.assert_allclose(probs, reference_probabilities(images), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("output", ["logits", "probabilities", "log_probabilities"])
def test_outputs_become_probabilities(tmp_path: Path, images: np.ndarray, output: str) -> None:
    classifier = Classifier(make_linear_model(tmp_path / "m.onnx", output=output))
    probs = classifier.predict_proba(images)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(probs, reference_probabilities(images), rtol=1e-4, atol=1e-6)


def test_single_image_and_double_input(tmp_path: Path, images: np.ndarray) -> None:
    classifier = Classifier(make_linear_model(tmp_path / "d.onnx", input_type=TensorProto.DOUBLE))
    probs = classifier.predict_proba(images[0])
    assert probs.shape == (1, 10)
    np.testing.assert_allclose(probs, reference_probabilities(images[:1]), rtol=1e-4, atol=1e-6)


def test_metadata_scaling_is_applied(tmp_path: Path, images: np.ndarray) -> None:
    meta = {META_SCALE: "255", META_MEAN: "33.3", META_STD: "78.5", META_NAME: "Scaled"}
    classifier = Classifier(make_linear_model(tmp_path / "s.onnx", metadata=meta))
    assert classifier.name == "Scaled"
    expected = reference_probabilities(images, scale=255, mean=33.3, std=78.5)
    np.testing.assert_allclose(classifier.predict_proba(images), expected, rtol=1e-3, atol=1e-6)


def test_bad_metadata_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="input_std"):
        Classifier(make_linear_model(tmp_path / "bad.onnx", metadata={META_STD: "zero"}))


def test_to_probabilities_by_output_kind() -> None:
    rows = np.array([[0.5, 0.5] + [0.0] * 8, [5.0, -1.0] + [0.0] * 8])
    np.testing.assert_allclose(to_probabilities(rows[:1], OutputKind.PROBABILITIES)[0, :2], [0.5, 0.5])
    logits = to_probabilities(rows, OutputKind.LOGITS)
    np.testing.assert_allclose(logits[1, :2], np.exp([5.0, -1.0]) / (np.exp(5.0) + np.exp(-1.0) + 8))
    np.testing.assert_allclose(logits.sum(axis=1), 1.0)
    scores = to_probabilities(np.array([[0.9, 0.9, 0.3] + [0.0] * 7]), OutputKind.SCORES)
    np.testing.assert_allclose(scores[0, :3], [0.9 / 2.1, 0.9 / 2.1, 0.3 / 2.1])


def test_output_kind_is_judged_from_the_rows() -> None:
    quantised = np.array([[0.988] + [0.0] * 9, [0.0, 1.004] + [0.0] * 8])
    assert output_kind(quantised) == "probabilities"
    sigmoid = np.array([[0.99, 0.97, 0.9] + [0.02] * 7])
    assert output_kind(sigmoid) == "scores"
    assert output_kind(np.array([[3.0, -2.0] + [0.0] * 8])) == "logits"
    assert output_kind(np.array([[0.2, 0.3] + [0.0] * 8])) == "scores"


def _write(path: Path, payload: bytes) -> Path:
    path.write_bytes(payload)
    return path


def _bad_models(tmp_path: Path, linear: Path) -> dict[str, tuple[Path, str]]:
    good = linear.read_bytes()
    return {
        "missing": (tmp_path / "nope.onnx", "no such file"),
        "folder": (tmp_path, "not a regular file"),
        "not onnx": (_write(tmp_path / "text.onnx", b"hello, I am not a model"), "not a valid ONNX"),
        "truncated": (_write(tmp_path / "cut.onnx", good[: len(good) // 2]), "not a valid ONNX"),
        "empty": (_write(tmp_path / "empty.onnx", b""), "not a valid ONNX"),
        "wrong rank": (make_linear_model(tmp_path / "r.onnx", layout="NHW", batch="N") and _rank5(tmp_path), "shape"),
        "string input": (make_linear_model(tmp_path / "i.onnx", input_type=TensorProto.STRING), "input type"),
        "5 classes": (make_linear_model(tmp_path / "c.onnx", classes=5), "10"),
        "two inputs": (make_two_input_model(tmp_path / "two.onnx"), "2 inputs"),
        "fails at run": (make_failing_model(tmp_path / "f.onnx"), "fails when run"),
    }


def _rank5(tmp_path: Path) -> Path:
    import onnx
    from onnx import helper

    graph = helper.make_graph(
        [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Slice", ["f", "s", "e", "a"], ["y"])],
        "rank5",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 1, 28, 28])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        [
            onnx.numpy_helper.from_array(np.array([0], np.int64), "s"),
            onnx.numpy_helper.from_array(np.array([10], np.int64), "e"),
            onnx.numpy_helper.from_array(np.array([1], np.int64), "a"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "rank5.onnx"
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize(
    "kind",
    [
        "missing",
        "folder",
        "not onnx",
        "truncated",
        "empty",
        "wrong rank",
        "string input",
        "5 classes",
        "two inputs",
        "fails at run",
    ],
)
def test_bad_model_files_raise_one_clear_error(tmp_path: Path, linear_model: Path, kind: str) -> None:
    path, reason = _bad_models(tmp_path, linear_model)[kind]
    with pytest.raises(ModelLoadError) as info:
        Classifier(path)
    message = str(info.value)
    assert str(path) in message
    assert reason in message


def test_wrong_spatial_size_is_refused(tmp_path: Path) -> None:
    import onnx

    path = make_linear_model(tmp_path / "m.onnx", layout="NCHW")
    model = onnx.load(str(path))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value, dims[3].dim_value = 30, 30
    onnx.save(model, str(path))
    with pytest.raises(ModelLoadError, match=r"\(\?, 1, 30, 30\).*padded to 32×32, as LeNet-5"):
        Classifier(path)


def test_bundled_model_ships_and_loads() -> None:
    path = bundled_model_path()
    assert path.is_file(), path
    classifier = load_classifier()
    assert classifier.path == path
    assert classifier.layout.name == "NCHW"
    assert classifier.metadata["digitcanvas.name"] == "DigitCanvas CNN"
    probs = classifier.predict_proba(np.zeros((3, 28, 28), np.float32))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)


def test_large_batches_run_in_chunks_with_the_same_result(linear_model: Path, rng: np.random.Generator) -> None:
    images = rng.random((MAX_BATCH * 2 + 345, 28, 28)).astype(np.float32)
    probs = Classifier(linear_model).predict_proba(images)
    assert probs.shape == (len(images), 10)
    np.testing.assert_allclose(probs, reference_probabilities(images), atol=1e-5)


def test_an_embedding_output_is_found_and_the_logits_still_read(tmp_path: Path, images: np.ndarray) -> None:
    from onnx_models import make_embedding_model

    classifier = Classifier(make_embedding_model(tmp_path / "e.onnx", features=16))
    assert classifier.embedding_output == "embedding"
    features = classifier.embeddings(images)
    assert features is not None and features.shape == (5, 16) and features.min() >= 0  # ReLU features
    assert classifier.predict_proba(images).shape == (5, 10)
    assert Classifier(make_linear_model(tmp_path / "plain.onnx")).embeddings(images) is None


def test_pixels_outside_zero_to_one_read_as_their_nearest_valid_value(linear_model: Path) -> None:
    # Pixels are [0, 1] by contract: NaN is paper, +inf and huge values are ink, -inf is paper.
    classifier = Classifier(linear_model)
    clean = np.zeros((28, 28), dtype=np.float32)
    clean[10:18, 12:15] = 1.0
    hostile = clean.copy()
    hostile[0, 0], hostile[1, 1] = np.nan, -np.inf
    hostile[10, 12], hostile[11, 12] = np.inf, 4e37
    hostile[12, 12] = -3.0  # paper
    clean[12, 12] = 0.0
    expected = classifier.predict_proba(clean)
    np.testing.assert_allclose(classifier.predict_proba(hostile), expected, rtol=1e-6, atol=1e-9)
    assert np.isfinite(expected).all()


def test_probabilities_and_embeddings_come_from_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from onnx_models import make_embedding_model

    import digitcanvas.model.classifier as classifier_module

    classifier = Classifier(make_embedding_model(tmp_path / "e.onnx", features=16))
    images = np.random.default_rng(2).random((5, 28, 28)).astype(np.float32)
    runs: list[list[str]] = []
    real = classifier_module.run_session

    def counted(session: object, names: list[str], *rest: object) -> list[object]:
        runs.append(names)
        return real(session, names, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(classifier_module, "run_session", counted)
    probabilities, features = classifier.proba_and_embeddings(images)
    assert len(runs) == 1 and len(runs[0]) == 2
    monkeypatch.undo()
    np.testing.assert_allclose(probabilities, classifier.predict_proba(images), atol=1e-6)
    expected = classifier.embeddings(images)
    assert expected is not None
    np.testing.assert_allclose(features, expected, atol=1e-5)


def test_a_model_without_an_embedding_has_no_one_run_of_both(linear_model: Path) -> None:
    with pytest.raises(ValueError, match="no embedding"):
        Classifier(linear_model).proba_and_embeddings(np.zeros((1, 28, 28), dtype=np.float32))
