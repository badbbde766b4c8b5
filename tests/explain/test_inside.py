"""The inside view's core: the layer list, activations, saliency, pictures and comparisons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from inside_models import (
    CONV_CHANNELS,
    FIELD,
    HALF,
    conv_weights,
    make_conv_model,
    make_keras_model,
    make_left_half_model,
    make_pixel_weights_model,
    numpy_conv,
)

from digitcanvas.explain.compare import MARK_GAP, compare
from digitcanvas.explain.inspector import InsideError, Inspector, LayerKind
from digitcanvas.explain.pictures import (
    DIVERGING,
    SALIENCY_NEGATIVE,
    SALIENCY_POSITIVE,
    SEQUENTIAL,
    TILE_GAP,
    colourise,
    saliency_overlay,
    tile_maps,
    vector_picture,
)
from digitcanvas.explain.saliency import CELL, SaliencyStopped, explain
from digitcanvas.model.classifier import Classifier
from digitcanvas.model.graph import GraphReadError, _ints, read_graph, with_outputs
from digitcanvas.model.info import META_SCALE
from lab.fuzz.linear_model import make_linear_model

TOLERANCE = 1e-5  # float32 convolution against float64 numpy


def _ink(seed: int, density: float = 0.3) -> np.ndarray:
    """A (28, 28) image with random ink over the central 20×20 box (both halves)."""
    rng = np.random.default_rng(seed)
    image = np.zeros((FIELD, FIELD), np.float32)
    box = rng.random((20, 20)) < density
    image[4:24, 4:24] = np.where(box, rng.uniform(0.3, 1.0, (20, 20)), 0)
    return image


@pytest.fixture
def conv(tmp_path: Path) -> Inspector:
    return Inspector(Classifier(make_conv_model(tmp_path / "conv.onnx")))


@pytest.fixture
def keras(tmp_path: Path) -> Inspector:
    return Inspector(Classifier(make_keras_model(tmp_path / "keras.onnx")))


# --- the layer list ------------------------------------------------------------------------


def test_pytorch_style_layers_skip_the_shape_bookkeeping(conv: Inspector) -> None:
    w, b, dense, bias = conv_weights()
    listed = [(layer.name, layer.op, layer.shape, layer.parameters, layer.kind) for layer in conv.layers]
    assert listed == [
        ("conv1", "Conv", (CONV_CHANNELS, FIELD, FIELD), w.size + b.size, LayerKind.MAPS),
        ("relu1", "Relu", (CONV_CHANNELS, FIELD, FIELD), 0, LayerKind.MAPS),
        ("flatten", "Reshape", (CONV_CHANNELS * FIELD * FIELD,), 0, LayerKind.VECTOR),
        ("fc", "Gemm", (10,), dense.size + bias.size, LayerKind.VECTOR),  # the bias is a Constant node
    ]
    assert conv.parameters == w.size + b.size + dense.size + bias.size


def test_keras_style_nhwc_layers_are_shown_channels_first(keras: Inspector) -> None:
    listed = [(layer.name, layer.op, layer.shape, layer.raw_shape) for layer in keras.layers]
    maps = (CONV_CHANNELS, FIELD, FIELD)
    assert listed == [
        ("to_nchw", "Transpose", (1, FIELD, FIELD), (1, FIELD, FIELD)),
        ("conv2d", "Conv", maps, maps),
        ("conv2d/Relu", "Relu", maps, maps),
        ("to_nhwc", "Transpose", maps, (FIELD, FIELD, CONV_CHANNELS)),  # NHWC tensor, shown as (C, H, W)
        ("flatten", "Reshape", (FIELD * FIELD * CONV_CHANNELS,), (FIELD * FIELD * CONV_CHANNELS,)),
        ("dense/MatMul", "MatMul", (10,), (10,)),
        ("dense/BiasAdd", "Add", (10,), (10,)),
        ("dense/Softmax", "Softmax", (10,), (10,)),
    ]


def test_bundled_model_lists_its_layers() -> None:
    from digitcanvas.model.classifier import load_classifier

    inspector = Inspector(load_classifier())
    assert inspector.layers[0].op == "Conv" and inspector.layers[0].kind == LayerKind.MAPS
    assert inspector.layers[-1].shape == (10,)
    assert sum(layer.parameters for layer in inspector.layers) >= inspector.parameters > 0
    assert inspector.filters is not None and inspector.filters.ndim == 3


# --- activations ---------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["conv", "keras"])
def test_feature_maps_equal_the_convolution_computed_in_numpy(which: str, request: pytest.FixtureRequest) -> None:
    inspector: Inspector = request.getfixturevalue(which)
    image = _ink(1)
    activations = inspector.activations(image)
    by_name = {layer.name: v for layer, v in zip(inspector.layers, activations.values, strict=True)}
    expected = numpy_conv(image)
    conv_name, relu_names = ("conv1", ["relu1"]) if which == "conv" else ("conv2d", ["conv2d/Relu", "to_nhwc"])
    np.testing.assert_allclose(by_name[conv_name], expected, atol=TOLERANCE)
    for name in relu_names:  # also after the Transpose back to NHWC
        np.testing.assert_allclose(by_name[name], np.maximum(expected, 0), atol=TOLERANCE)


def test_output_is_the_scores_then_the_probabilities(conv: Inspector) -> None:
    image = _ink(2)
    activations = conv.activations(image)
    np.testing.assert_allclose(activations.scores, conv.classifier.raw_outputs(image[None])[0], rtol=1e-6)
    np.testing.assert_allclose(activations.probabilities, conv.classifier.predict_proba(image)[0], rtol=1e-6)
    np.testing.assert_allclose(activations.values[-1], activations.scores, rtol=1e-5, atol=1e-6)
    assert activations.scores_kind == "logits" and activations.digit == int(np.argmax(activations.probabilities))
    assert all(
        v.dtype == np.float32 and v.shape == layer.shape
        for layer, v in zip(conv.layers, activations.values, strict=True)
    )


def test_first_layer_filters_are_the_conv_weights(conv: Inspector, keras: Inspector) -> None:
    w = conv_weights()[0]
    for inspector in (conv, keras):
        assert inspector.filters is not None
        np.testing.assert_array_equal(inspector.filters, w[:, 0])


@pytest.mark.parametrize(("layout", "batch"), [("NCHW", 4), ("NHWC", "N"), ("flat", "N"), ("NHW", 1)])
def test_every_accepted_layout_is_looked_inside(tmp_path: Path, layout: str, batch: int | str) -> None:
    path = make_linear_model(tmp_path / "m.onnx", layout=layout, batch=batch, metadata={META_SCALE: "1"})
    classifier = Classifier(path)
    inspector = Inspector(classifier)
    assert inspector.filters is None  # the first layer is a MatMul
    image = _ink(3)
    activations = inspector.activations(image)
    np.testing.assert_allclose(activations.probabilities, classifier.predict_proba(image)[0], rtol=1e-6)
    assert inspector.layers[-1].shape == (10,)


def test_weights_in_an_external_file_are_found(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    model = onnx.load(str(make_conv_model(tmp_path / "conv.onnx")))
    onnx.save(model, str(folder / "conv.onnx"), save_as_external_data=True, location="conv.weights")
    assert (folder / "conv.weights").is_file()
    inspector = Inspector(Classifier(folder / "conv.onnx"))
    image = _ink(12)
    np.testing.assert_allclose(inspector.activations(image).values[0], numpy_conv(image), atol=TOLERANCE)


def test_unreadable_model_is_an_inside_error(tmp_path: Path) -> None:
    path = make_conv_model(tmp_path / "conv.onnx")
    classifier = Classifier(path)
    path.write_bytes(b"\xff\xff\xff")
    with pytest.raises(InsideError, match=r"conv\.onnx"):
        Inspector(classifier)


# --- the graph without onnx ----------------------------------------------------------------


def test_graph_reader_and_extra_outputs(tmp_path: Path) -> None:
    data = make_keras_model(tmp_path / "k.onnx").read_bytes()
    graph = read_graph(data)
    assert [n.op for n in graph.nodes][:2] == ["Transpose", "Conv"]
    assert graph.nodes[0].ints["perm"] == (0, 3, 1, 2)
    assert graph.weights["W"].dims == (CONV_CHANNELS, 1, 3, 3) and graph.inputs == ("x",)
    copy = onnx.load_from_string(with_outputs(data, ["relu", "logits", "relu"]))
    assert [o.name for o in copy.graph.output] == ["logits", "relu"]
    assert len(copy.graph.node) == len(graph.nodes)


def test_packed_and_negative_ints() -> None:
    packed = bytes([1 << 3 | 2, 3, 1, 2, 3])  # field 1, packed varints 1, 2, 3
    negative = bytes([1 << 3]) + bytes([0xFF] * 9 + [0x01])  # field 1, varint -1 as int64
    assert _ints(packed, 1) == (1, 2, 3)
    assert _ints(negative, 1) == (-1,)
    with pytest.raises(GraphReadError):
        read_graph(b"\x3a\xff")  # a graph field longer than the file


# --- saliency ------------------------------------------------------------------------------


def test_a_model_that_looks_at_the_left_half_has_no_saliency_on_the_right(tmp_path: Path) -> None:
    classifier = Classifier(make_left_half_model(tmp_path / "left.onnx"))
    image = _ink(4)
    for digit, versus in [(None, None), (3, None), (2, 5)]:
        saliency = explain(classifier, image, digit, versus=versus)
        assert np.all(saliency.map[:, HALF:] == 0)
        assert np.count_nonzero(saliency.map[:, :HALF]) > 0.5 * np.count_nonzero(image[:, :HALF])


def test_saliency_of_one_pixel_stays_in_its_cell(tmp_path: Path) -> None:
    weights = np.zeros((FIELD * FIELD, 10), np.float32)
    row, column = 13, 9
    weights[row * FIELD + column, 4] = 5.0  # only this pixel speaks, for 4
    classifier = Classifier(make_pixel_weights_model(tmp_path / "pixel.onnx", weights))
    image = _ink(5, density=0.6)
    image[row, column] = 1.0
    saliency = explain(classifier, image, 4)
    nonzero = np.argwhere(saliency.map != 0)
    assert len(nonzero) > 0 and np.all(nonzero // CELL == (row // CELL, column // CELL))
    assert saliency.map[row, column] > 0


def test_contrast_map_says_why_one_digit_and_not_another(tmp_path: Path) -> None:
    weights = np.zeros((FIELD, FIELD, 10), np.float32)
    weights[:HALF, :, 7] = 0.2  # ink at the top votes 7
    weights[HALF:, :, 1] = 0.2  # ink at the bottom votes 1
    classifier = Classifier(make_pixel_weights_model(tmp_path / "tb.onnx", weights.reshape(-1, 10)))
    image = _ink(6)
    saliency = explain(classifier, image, 7, versus=1)
    top, bottom = saliency.map[:HALF][image[:HALF] > 0], saliency.map[HALF:][image[HALF:] > 0]
    assert np.mean(top > 0) > 0.9 and np.mean(bottom < 0) > 0.9
    assert saliency.digit == 7 and saliency.versus == 1


def test_erasing_salient_ink_first_lowers_the_digit_fastest(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    weights = rng.normal(size=(FIELD * FIELD, 10)).astype(np.float32) * 0.3
    classifier = Classifier(make_pixel_weights_model(tmp_path / "lin.onnx", weights))
    image = _ink(8)
    saliency = explain(classifier, image)
    ink = np.flatnonzero(image)
    ranked = ink[np.argsort(-saliency.map.ravel()[ink])]
    tenth = len(ink) // 10
    first, last = image.copy().ravel(), image.copy().ravel()
    first[ranked[:tenth]] = 0
    last[ranked[-tenth:]] = 0
    p = classifier.predict_proba(np.stack([first, last]).reshape(2, FIELD, FIELD))[:, saliency.digit]
    assert p[0] < p[1]


def test_saliency_refuses_bad_requests_and_stops_when_told(tmp_path: Path) -> None:
    classifier = Classifier(make_left_half_model(tmp_path / "left.onnx"))
    image = _ink(9)
    with pytest.raises(ValueError, match="0-9"):
        explain(classifier, image, 10)
    with pytest.raises(ValueError, match="itself"):
        explain(classifier, image, 3, versus=3)
    with pytest.raises(ValueError, match="28, 28"):
        explain(classifier, image[:20])
    with pytest.raises(SaliencyStopped):
        explain(classifier, image, stop=lambda: True)
    blank = explain(classifier, np.zeros((FIELD, FIELD), np.float32), 2)
    assert blank.digit == 2 and not blank.map.any()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(image=arrays(np.float32, (FIELD, FIELD), elements=st.floats(width=32, allow_nan=True, allow_infinity=True)))
def test_saliency_of_any_input_is_finite_and_zero_off_the_ink(tmp_path: Path, image: np.ndarray) -> None:
    path = tmp_path / "left.onnx"
    classifier = Classifier(path if path.exists() else make_left_half_model(path))
    saliency = explain(classifier, image)
    pixels = np.clip(np.nan_to_num(image), 0, 1)
    assert saliency.map.shape == (FIELD, FIELD) and np.all(np.isfinite(saliency.map))
    assert np.all(saliency.map[pixels == 0] == 0)


# --- pictures and comparisons --------------------------------------------------------------


def test_tiles_and_colour_maps() -> None:
    maps = np.zeros((5, 4, 6))
    maps[2] = 1.0
    picture = tile_maps(maps)  # five 4×6 tiles: 3 rows of 2 make the squarest picture
    assert picture.shape == (3 * 4 + 2 * TILE_GAP, 2 * 6 + TILE_GAP, 3) and picture.dtype == np.uint8
    assert tuple(picture[4 + TILE_GAP, 0]) == SEQUENTIAL[-1]  # tile 2 (row 1, column 0) holds the largest value
    assert tuple(picture[0, 0]) == SEQUENTIAL[0]
    assert tuple(picture[4, 0]) != SEQUENTIAL[0]  # the gap between rows
    signed = colourise(np.array([-2.0, 0.0, 2.0]))
    assert [tuple(c) for c in signed] == [DIVERGING[0], DIVERGING[2], DIVERGING[-1]]
    assert vector_picture(np.arange(70.0)).shape == (3, 32, 3)


def test_overlay_marks_pushing_ink_red_and_opposing_ink_blue() -> None:
    image = np.zeros((FIELD, FIELD), np.float32)
    image[5, 5] = image[6, 6] = 1.0
    values = np.zeros((FIELD, FIELD))
    values[5, 5], values[6, 6] = 2.0, -2.0
    overlay = saliency_overlay(image, values)
    assert tuple(overlay[5, 5]) == SALIENCY_POSITIVE and tuple(overlay[6, 6]) == SALIENCY_NEGATIVE
    assert tuple(overlay[0, 0]) == (0, 0, 0)


def test_comparison_marks_the_disagreement() -> None:
    a, b = np.full(10, 0.01), np.full(10, 0.01)
    a[7], b[1] = 0.91, 0.91
    differ = compare(a, b)
    assert not differ.agree and differ.marked() == (1, 7) and "disagree" in differ.describe("A", "B")
    same = compare(a, a)
    assert same.agree and same.marked() == () and same.describe() == "Both read 7 (91.0% and 91.0%)"
    certain = np.zeros(10)
    certain[7] = 1.0
    assert compare(certain, a).describe() == "Both read 7 (>99.9% and 91.0%)"  # never "100%" (issue #26)
    c = a.copy()
    c[7], c[3] = 0.9 - MARK_GAP, 0.02 + MARK_GAP
    assert compare(a, c).marked() == (3, 7)
    with pytest.raises(ValueError):
        compare(a[:9], b)
