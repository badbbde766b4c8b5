"""Layers named for a learner (issue #26): what each is, not the exporter's node names."""

from __future__ import annotations

from pathlib import Path

from inside_models import CONV_CHANNELS, KERNEL, make_conv_model, make_keras_model

from digitcanvas.explain.inspector import Inspector
from digitcanvas.explain.layer_names import (
    OTHER_WORDS,
    TEMPERATURE_WORDS,
    LayerFacts,
    layer_explanation,
    layer_numbers,
    layer_title,
    plural,
)
from digitcanvas.model.classifier import Classifier, load_classifier


def test_a_conv_model_names_its_layers_by_what_they_are(tmp_path: Path) -> None:
    inspector = Inspector(Classifier(make_conv_model(tmp_path / "conv.onnx")))
    titles = [layer.title for layer in inspector.layers]
    assert titles == [f"Conv 1 · {CONV_CHANNELS} filters {KERNEL}×{KERNEL}", "ReLU", "Reshape", "Dense 1 · 10 outputs"]
    assert all(layer.explanation for layer in inspector.layers)
    assert inspector.layers[0].describe() == f"Conv 1 · {CONV_CHANNELS} filters 3×3 · 4×28×28 · 40 parameters"
    assert inspector.layers[0].name == "conv1"  # the graph's own name is kept (tooltips, --json)


def test_a_keras_model_gets_the_same_words(tmp_path: Path) -> None:
    inspector = Inspector(Classifier(make_keras_model(tmp_path / "keras.onnx")))
    titles = [layer.title for layer in inspector.layers]
    assert titles[0] == "Transpose" and f"Conv 1 · {CONV_CHANNELS} filters" in titles[1]
    assert "Softmax" in titles and "Dense 1 · 10 outputs" in titles


def test_the_bundled_model_reads_as_a_textbook_cnn() -> None:
    layers = Inspector(load_classifier()).layers
    titles = [layer.title for layer in layers]
    assert titles[0].startswith("Conv 1 · ") and titles[0].endswith(" filters 5×5")
    assert {"ReLU", "Max pool 2×2"} <= set(titles)
    assert not any(title.startswith("node_") for title in titles)
    last = layers[-1]
    if last.op == "Mul" and last.parameters == 1:  # the temperature that calibrates the confidence
        assert last.title == "Scale" and last.explanation == TEMPERATURE_WORDS


def test_titles_of_single_layers() -> None:
    assert layer_title(LayerFacts("Conv", (1, 28, 28), (5, 5)), 2) == "Conv 2 · 1 filter 5×5"
    assert layer_title(LayerFacts("MatMul", (128,)), 1) == "Dense 1 · 128 units"
    assert layer_title(LayerFacts("MaxPool", (8, 14, 14), (2, 2)), 0) == "Max pool 2×2"
    assert layer_title(LayerFacts("GlobalAveragePool", (8,)), 0) == "Global average pool"
    assert layer_title(LayerFacts("Mul", (10,), parameters=1), 0) == "Scale"
    assert layer_title(LayerFacts("Mul", (10,), parameters=0), 0) == "Multiply"  # two layers' outputs
    assert layer_title(LayerFacts("Erf", (10,)), 0) == "Erf"  # unknown: the ONNX name
    assert layer_explanation(LayerFacts("Erf", (10,))) == OTHER_WORDS.format(op="Erf")
    assert "not" in layer_explanation(LayerFacts("Dropout", (10,)))  # does nothing when reading


def test_convolutions_and_dense_layers_are_numbered_apart() -> None:
    assert layer_numbers(["Conv", "Relu", "Conv", "Gemm", "Relu", "MatMul"]) == [1, 0, 2, 1, 0, 2]


def test_counts_agree_with_their_noun() -> None:
    assert plural(1, "layer") == "1 layer"
    assert plural(16, "layer") == "16 layers"
    assert plural(1610, "parameter") == "1,610 parameters"
