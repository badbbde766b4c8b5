"""The temperature and threshold fits, and the ONNX the training writes (checked without PyTorch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from digitcanvas.model.classifier import Classifier, InputSource
from digitcanvas.model.conventions import PRESETS_BY_KEY
from digitcanvas.model.info import META_NAME, META_OUTPUT
from digitcanvas.training.calibration import MAX_THRESHOLD, fit_temperature, fit_threshold, softmax
from digitcanvas.training.layers import LayerKind, NetworkPlan, parse_layers, plan_network
from digitcanvas.training.onnx_writer import BATCH_NORM_EPSILON, ExportError, network_model


def test_the_temperature_fit_finds_the_one_the_labels_were_drawn_with() -> None:
    rng = np.random.default_rng(7)
    logits = rng.normal(0, 3, size=(4000, 10))
    labels = np.array([rng.choice(10, p=p) for p in softmax(logits / 2.0)])  # drawn at temperature 2
    assert 1.8 < fit_temperature(logits, labels) < 2.2
    always_right = np.eye(10)[labels] * 5  # logits never wrong, but only 5 apart: sharpen them
    assert fit_temperature(always_right, labels) < 1.0


def test_the_threshold_flags_at_most_its_share_of_validation_digits() -> None:
    tops = np.linspace(0.5, 1.0, 1000, endpoint=False)
    threshold = fit_threshold(tops, flag_rate=0.03)
    assert (tops < threshold).mean() <= 0.03 < (tops <= threshold).mean() + 0.001
    assert fit_threshold(np.ones(50)) == MAX_THRESHOLD  # a model sure of everything still doubts something
    with pytest.raises(ValueError, match="at least one"):
        fit_threshold(np.array([]))


def _random_weights(text: str, rng: np.random.Generator) -> tuple[NetworkPlan, list[dict[str, np.ndarray]]]:
    plan = plan_network(parse_layers(text))
    weights: list[dict[str, np.ndarray]] = []
    for step in plan.steps:
        kind, arrays = step.layer.kind, {}
        if kind == LayerKind.DENSE:
            arrays = {
                "weight": rng.normal(0, 0.1, (step.output[0], int(np.prod(step.input)))),
                "bias": rng.normal(0, 0.1, step.output),
            }
        elif kind == LayerKind.BATCH_NORM:
            c = step.input[0]
            arrays = {
                "weight": rng.uniform(0.5, 2, c),
                "bias": rng.normal(0, 1, c),
                "running_mean": rng.normal(0, 1, c),
                "running_var": rng.uniform(0.5, 2, c),
            }
        weights.append(arrays)
    return plan, weights


def test_a_dense_network_is_written_as_onnx_that_computes_what_its_layers_say(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    plan, weights = _random_weights("dense 16, batchnorm, tanh, dropout 0.5, dense 12, sigmoid, dense 8, relu", rng)
    model = network_model(
        plan, weights, temperature=2.0, metadata={META_NAME: "Tiny", **PRESETS_BY_KEY["mnist"].scaling.to_metadata()}
    )
    path = tmp_path / "tiny.onnx"
    path.write_bytes(model)
    images = rng.random((5, 1, 28, 28), dtype=np.float32)
    logits, embedding = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"image": images})

    # The same arithmetic in numpy, layer by layer (dropout does nothing once trained).
    x = images.reshape(5, -1).astype(np.float64)
    w = weights
    x = x @ w[0]["weight"].T + w[0]["bias"]
    x = (x - w[1]["running_mean"]) / np.sqrt(w[1]["running_var"] + BATCH_NORM_EPSILON) * w[1]["weight"] + w[1]["bias"]
    x = np.tanh(x)
    x = 1 / (1 + np.exp(-(x @ w[4]["weight"].T + w[4]["bias"])))
    x = np.maximum(x @ w[6]["weight"].T + w[6]["bias"], 0)
    np.testing.assert_allclose(embedding, x, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(logits, (x @ w[8]["weight"].T + w[8]["bias"]) / 2.0, rtol=1e-4, atol=1e-5)

    classifier = Classifier(path)
    assert classifier.info.name == "Tiny" and classifier.input_source == InputSource.METADATA
    assert classifier.scaling == PRESETS_BY_KEY["mnist"].scaling and classifier.embedding_output == "embedding"


def test_the_written_model_passes_the_onnx_checker_and_names_its_layers() -> None:
    onnx = pytest.importorskip("onnx")
    rng = np.random.default_rng(4)
    text = "conv 4 3, batchnorm, relu, maxpool 2, conv 6 5, tanh, maxpool 2, dropout 0.2, dense 10, sigmoid"
    plan = plan_network(parse_layers(text))
    weights: list[dict[str, np.ndarray]] = []
    for step in plan.steps:
        kind = step.layer.kind
        if kind == LayerKind.CONV:
            k = step.layer.kernel
            weights.append(
                {
                    "weight": rng.normal(0, 0.1, (step.layer.size, step.input[0], k, k)),
                    "bias": np.zeros(step.layer.size),
                }
            )
        elif kind == LayerKind.DENSE:
            weights.append(
                {
                    "weight": rng.normal(0, 0.1, (step.output[0], int(np.prod(step.input)))),
                    "bias": np.zeros(step.output[0]),
                }
            )
        elif kind == LayerKind.BATCH_NORM:
            c = step.input[0]
            weights.append(
                {"weight": np.ones(c), "bias": np.zeros(c), "running_mean": np.zeros(c), "running_var": np.ones(c)}
            )
        else:
            weights.append({})
    model = onnx.load_from_string(network_model(plan, weights, metadata={META_OUTPUT: "logits"}))
    onnx.checker.check_model(model, full_check=True)
    names = [node.name for node in model.graph.node]
    assert names == [
        "conv1", "batchnorm1", "relu1", "maxpool1", "conv2", "tanh1", "maxpool2",
        "flatten", "dense1", "sigmoid1", "logits", "embedding",
    ]  # fmt: skip
    assert [o.name for o in model.graph.output] == ["logits", "embedding"]
    assert {p.key: p.value for p in model.metadata_props} == {META_OUTPUT: "logits"}


def test_weights_that_do_not_fit_the_plan_are_refused() -> None:
    plan, weights = _random_weights("dense 4", np.random.default_rng(0))
    with pytest.raises(ExportError, match="dense1: weight is"):
        network_model(plan, [{"weight": np.zeros((3, 784)), "bias": np.zeros(4)}, weights[1]])
    with pytest.raises(ExportError, match="no bias"):
        network_model(plan, [{"weight": weights[0]["weight"]}, weights[1]])
    with pytest.raises(ExportError, match="1 layers of weights"):
        network_model(plan, weights[:1])
