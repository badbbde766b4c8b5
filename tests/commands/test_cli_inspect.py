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
