"""``digitcanvas inspect``: one JSON object for scripts, PNGs for slides, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from inside_models import CONV_CHANNELS, FIELD, make_conv_model, make_left_half_model
from PIL import Image

from digitcanvas.cli import main
from digitcanvas.commands.predict import EXIT_OK, EXIT_USAGE
from digitcanvas.drawing.file import save_drawing
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.explain.slides import MIN_WIDTH
from digitcanvas.model.classifier import Classifier
from digitcanvas.reading.reader import Reader


def _seven() -> Drawing:
    bar = np.stack([np.linspace(130, 290, 20), np.full(20, 90)], axis=1)
    stem = np.stack([np.linspace(290, 190, 30), np.linspace(90, 340, 30)], axis=1)
    return Drawing.from_points([np.concatenate([bar, stem])], width=420, height=420)


@pytest.fixture
def drawing(tmp_path: Path) -> Path:
    path = tmp_path / "seven.json"
    save_drawing(_seven(), path)
    return path


@pytest.fixture
def conv_model(tmp_path: Path) -> Path:
    return make_conv_model(tmp_path / "conv.onnx")


def _inspect(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["inspect", *args, "--json"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one object on one line
    return json.loads(out)


def test_json_holds_the_input_probabilities_saliency_and_layers(
    drawing: Path, conv_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = _inspect(capsys, str(drawing), "--model", str(conv_model))
    assert {"input", "probabilities", "saliency", "layers"} <= set(record)
    expected = Reader(Classifier(conv_model)).read_file(drawing, number=False).digits[0]
    np.testing.assert_allclose(np.array(record["input"]), expected.image, atol=1e-6)
    np.testing.assert_allclose(record["probabilities"], expected.probabilities, atol=1e-6)
    saliency = record["saliency"]
    assert saliency["digit"] == expected.digit and saliency["versus"] is None
    assert np.array(saliency["map"]).shape == (FIELD, FIELD)
    assert [layer["name"] for layer in record["layers"]] == ["conv1", "relu1", "flatten", "fc"]
    assert record["layers"][0] == {
        "name": "conv1",
        "title": f"Conv 1 · {CONV_CHANNELS} filters 3×3",
        "op": "Conv",
        "shape": [CONV_CHANNELS, FIELD, FIELD],
        "parameters": 40,
    }


def test_digit_and_versus_choose_what_is_explained(
    drawing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = make_left_half_model(tmp_path / "left.onnx")
    record = _inspect(capsys, str(drawing), "--model", str(model), "--digit", "3", "--versus", "8")
    assert (record["saliency"]["digit"], record["saliency"]["versus"]) == (3, 8)
    assert not np.array(record["saliency"]["map"])[:, FIELD // 2 :].any()


def test_out_writes_the_pictures(
    drawing: Path, conv_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "slides"
    assert main(["inspect", str(drawing), "--model", str(conv_model), "--out", str(out)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "conv1" in text and "Conv 1 · 4 filters 3×3" in text and "wrote" in text
    names = sorted(p.name for p in out.iterdir())
    assert "input.png" in names and "filters.png" in names and "probabilities.png" in names
    assert [n for n in names if n.startswith("saliency-")] and len([n for n in names if n.startswith("layer-")]) == 4
    for name in names:  # legible on a slide: none is a strip of a few pixels (issue #26)
        with Image.open(out / name) as image:
            assert image.width >= MIN_WIDTH and image.height >= MIN_WIDTH // 3, name


def test_bundled_model_by_default(drawing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = _inspect(capsys, str(drawing))
    assert record["layers"][0]["op"] == "Conv" and len(record["layers"]) > 4
    assert abs(sum(record["probabilities"]) - 1) < 1e-5


def test_errors_exit_2_with_a_message(
    drawing: Path, conv_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_model = tmp_path / "bad.onnx"
    bad_model.write_bytes(b"not a model")
    cases = [
        ([str(tmp_path / "missing.png"), "--model", str(conv_model)], "missing.png"),
        ([str(drawing), "--model", str(bad_model)], "bad.onnx"),
        ([str(drawing), "--model", str(conv_model), "--digit", "4", "--versus", "4"], "same digit"),
    ]
    empty = tmp_path / "empty.png"
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(empty)
    cases.append(([str(empty), "--model", str(conv_model)], "empty.png"))
    for args, named in cases:
        assert main(["inspect", *args, "--json"]) == EXIT_USAGE
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.startswith("error:") and named in captured.err
    with pytest.raises(SystemExit) as exit_info:
        main(["inspect", str(drawing), "--digit", "12"])
    assert exit_info.value.code == EXIT_USAGE


# --- hostile models (issue #27) -----------------------------------------------------------------


def _model(path: Path, nodes: list, initializers: list) -> Path:
    """x (N, 1, 28, 28) → ``nodes`` → y (N, 10), declaring its input (no detection at load)."""
    import onnx
    from onnx import TensorProto, helper

    from digitcanvas.model.info import META_OUTPUT, META_SCALE, write_metadata

    graph = helper.make_graph(
        nodes,
        path.stem,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, FIELD, FIELD])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    write_metadata(path, {META_SCALE: "1", META_OUTPUT: "logits"})
    return path


def _wide_model(path: Path, copies: list[int]) -> Path:
    """Linear logits, plus a flat layer of 784 × ``copy`` values for each of ``copies``."""
    from onnx import helper, numpy_helper

    nodes = [helper.make_node("Flatten", ["x"], ["flat"]), helper.make_node("MatMul", ["flat", "W"], ["y0"])]
    initializers = [numpy_helper.from_array(np.random.default_rng(3).normal(size=(784, 10)).astype(np.float32), "W")]
    for i, copy in enumerate(copies):
        nodes += [
            helper.make_node("Tile", ["flat", f"reps{i}"], [f"wide{i}"], name=f"wide{i}"),
            helper.make_node("ReduceMean", [f"wide{i}"], [f"mean{i}"], axes=[1], keepdims=1),
            helper.make_node("Add", [f"y{i}", f"mean{i}"], [f"y{i + 1}" if i + 1 < len(copies) else "y"]),
        ]
        initializers.append(numpy_helper.from_array(np.array([1, copy], np.int64), f"reps{i}"))
    return _model(path, nodes, initializers)


def test_out_pictures_are_bounded_and_a_layer_too_large_is_named(
    drawing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`inspect --out` enlarged every layer 8×: a 16M-value layer took over 7 GB."""
    from digitcanvas.explain.pictures import MAX_PICTURE_PIXELS, MAX_PICTURES_PIXELS

    small, large = 60, MAX_PICTURE_PIXELS // 784 + 1  # 47,040 values (enlarged less), and just over one picture
    model = _wide_model(tmp_path / "wide.onnx", [small, large])
    out = tmp_path / "slides"
    assert main(["inspect", str(drawing), "--model", str(model), "--out", str(out)]) == EXIT_OK
    captured = capsys.readouterr()
    total = 0
    for path in out.iterdir():
        with Image.open(path) as image:
            assert image.size[0] * image.size[1] <= MAX_PICTURE_PIXELS, path.name
            total += image.size[0] * image.size[1]
    assert total <= MAX_PICTURES_PIXELS
    (wide,) = out.glob("layer-*-wide0.png")
    rows = 784 * small // 32  # 32 values a row
    with Image.open(wide) as image:
        assert 2 * rows < image.size[1] and image.size[0] * image.size[1] > MAX_PICTURE_PIXELS // 2  # enlarged, titled
    assert not list(out.glob("layer-*-wide1.png"))
    (warning,) = [line for line in captured.err.splitlines() if line.startswith("warning: ")]
    assert "wide1.png: not written" in warning and f"{784 * large:,} values" in warning and "4,000,000" in warning


def test_a_model_whose_output_ignores_its_input_is_refused_in_words(
    drawing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its layers were looked up with an empty list of names, which onnxruntime answers with
    every output: a `zip(strict=True)` traceback."""
    from onnx import helper, numpy_helper

    constant = numpy_helper.from_array(np.arange(10, dtype=np.float32).reshape(1, 10), "c")
    shape = [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Slice", ["s", "z", "o"], ["n"])]
    nodes = [
        *shape,
        helper.make_node("Concat", ["n", "ten"], ["to"], axis=0),
        helper.make_node("Expand", ["c", "to"], ["y"]),
    ]
    numbers = [numpy_helper.from_array(np.array([v], np.int64), k) for k, v in (("z", 0), ("o", 1), ("ten", 10))]
    model = _model(tmp_path / "constant.onnx", [helper.make_node("Identity", ["c"], ["y"])], [constant])
    assert main(["inspect", str(drawing), "--model", str(model)]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err == f"error: {model}: no layer of the model is computed from its input (its output ignores it)\n"
    shaped = _model(tmp_path / "shaped.onnx", nodes, [constant, *numbers])  # reads only the input's shape
    assert main(["inspect", str(drawing), "--model", str(shaped)]) == EXIT_OK


def test_a_layer_beyond_float32_gives_no_numpy_warning(
    drawing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A float64 layer of 1e300 leaked numpy's "overflow encountered in cast" (the tests
    turn every warning into an error)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("Flatten", ["x"], ["flat"]),
        helper.make_node("Cast", ["flat"], ["double"], to=TensorProto.DOUBLE),
        helper.make_node("Mul", ["double", "huge"], ["huge_layer"]),
        helper.make_node("MatMul", ["flat", "W"], ["y"]),
    ]
    weights = numpy_helper.from_array(np.random.default_rng(3).normal(size=(784, 10)).astype(np.float32), "W")
    model = _model(tmp_path / "huge.onnx", nodes, [weights, numpy_helper.from_array(np.array(1e300), "huge")])
    assert main(["inspect", str(drawing), "--model", str(model), "--out", str(tmp_path / "out")]) == EXIT_OK
    assert "huge_layer" in capsys.readouterr().out
