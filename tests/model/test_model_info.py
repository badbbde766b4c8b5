from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from digitcanvas.model.classifier import Classifier
from digitcanvas.model.info import (
    DEFAULT_THRESHOLD,
    META_DOUBT,
    META_INVERT,
    META_NAME,
    META_SCALE,
    META_STD,
    META_VERSION,
    InputScaling,
    ModelInfo,
    ModelInfoError,
    ModelWriteError,
    with_metadata,
    write_metadata,
)
from lab.fuzz.linear_model import make_linear_model


def test_facts_are_parsed_once_from_metadata() -> None:
    info = ModelInfo.from_metadata(
        {META_NAME: "Mine", META_VERSION: "2", META_SCALE: "255", META_INVERT: "yes", META_DOUBT: "0.91"},
        fallback_name="file",
    )
    assert info.describe() == "Mine 2"
    assert info.scaling == InputScaling(scale=255.0, invert=True)
    assert info.doubt_threshold == pytest.approx(0.91)


def test_defaults_and_names_when_the_model_says_nothing() -> None:
    assert ModelInfo.from_metadata({}, fallback_name="mnist").describe() == "mnist"
    assert ModelInfo.from_metadata({META_NAME: "LeNet"}, fallback_name="mnist").name == "LeNet"
    info = ModelInfo.from_metadata({META_DOUBT: "1.5"}, fallback_name="m")
    assert info.doubt_threshold == DEFAULT_THRESHOLD
    assert ModelInfo.from_metadata({META_DOUBT: "nonsense"}, fallback_name="m").doubt_threshold == DEFAULT_THRESHOLD


@pytest.mark.parametrize("value", ["zero", "nan", "inf", "0", "1e-45", "-1e-9", "1e300"])
def test_unusable_scaling_names_the_key(value: str) -> None:
    with pytest.raises(ModelInfoError, match="input_std"):
        ModelInfo.from_metadata({META_STD: value}, fallback_name="m")


def test_scaling_is_applied_as_documented() -> None:
    pixels = np.array([[0.0, 0.5, 1.0]], dtype=np.float32)
    out = InputScaling(scale=255, mean=0.5, std=2, invert=True).apply(pixels)
    np.testing.assert_allclose(out, [[(255 - 0.5) / 2, (127.5 - 0.5) / 2, -0.25]])
    assert out.dtype == np.float32


def test_write_metadata_sets_and_removes_keys_and_keeps_the_rest(tmp_path: Path) -> None:
    path = make_linear_model(tmp_path / "m.onnx", metadata={META_NAME: "Old", "other.key": "kept"})
    before = onnx.load(str(path))
    write_metadata(path, {META_NAME: "New", META_DOUBT: "0.9", "absent": None})
    after = onnx.load(str(path))
    assert {p.key: p.value for p in after.metadata_props} == {META_NAME: "New", "other.key": "kept", META_DOUBT: "0.9"}
    assert after.graph == before.graph
    write_metadata(path, {META_DOUBT: None})
    assert META_DOUBT not in {p.key for p in onnx.load(str(path)).metadata_props}
    assert Classifier(path).name == "New"


def test_write_metadata_to_another_file_leaves_the_source(tmp_path: Path) -> None:
    path = make_linear_model(tmp_path / "m.onnx")
    source = path.read_bytes()
    out = write_metadata(path, {META_NAME: "Copy"}, out=tmp_path / "copy.onnx")
    assert path.read_bytes() == source
    assert Classifier(out).name == "Copy"


def test_write_metadata_refuses_what_is_not_a_model(tmp_path: Path) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\xff\xff\xff")
    with pytest.raises(ModelWriteError, match=r"junk\.onnx: not an ONNX model file"):
        write_metadata(junk, {META_NAME: "x"})
    with pytest.raises(ModelWriteError, match="cannot read the model"):
        write_metadata(tmp_path / "missing.onnx", {META_NAME: "x"})


def test_write_metadata_reports_an_unwritable_target(tmp_path: Path) -> None:
    path = make_linear_model(tmp_path / "m.onnx")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelWriteError, match="cannot write the model"):
        write_metadata(path, {META_NAME: "x"}, out=blocker / "m.onnx")


def test_with_metadata_round_trips_unicode() -> None:
    model = onnx.ModelProto(ir_version=8)
    updated = with_metadata(model.SerializeToString(), {"k": "Zahlen — 1 ✓"})
    parsed = onnx.ModelProto.FromString(updated)
    assert [(p.key, p.value) for p in parsed.metadata_props] == [("k", "Zahlen — 1 ✓")]
