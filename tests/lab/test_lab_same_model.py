"""lab.train.same_model: whether a retrained model is the same network as the bundled one."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("onnx")

from lab.fuzz.linear_model import linear_weights, make_linear_model
from lab.train.same_model import main


def test_the_same_weights_under_another_command_are_the_same_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = make_linear_model(tmp_path / "a.onnx", metadata={"digitcanvas.training_command": "--out a.onnx"})
    second = make_linear_model(tmp_path / "b.onnx", metadata={"digitcanvas.training_command": "--out b.onnx"})
    assert main([str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert "initializers: 3 of 3 bit-identical" in out
    assert "graph without metadata: byte-identical" in out
    assert "digitcanvas.training_command" in out and "--out b.onnx" in out
    assert out.rstrip().endswith("same network")


def test_one_changed_weight_is_another_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w, b = linear_weights()
    nudged = w.copy()
    nudged[3, 4] += 0.25
    first = make_linear_model(tmp_path / "a.onnx", weights=(w, b))
    second = make_linear_model(tmp_path / "b.onnx", weights=(nudged, b))
    assert main([str(first), str(second)]) == 1
    out = capsys.readouterr().out
    assert "2 of 3 bit-identical" in out and "W: largest difference 0.25" in out
    assert "graph without metadata: different" in out
    assert out.rstrip().endswith("different networks")


def test_an_unreadable_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    good = make_linear_model(tmp_path / "a.onnx")
    assert main([str(good), str(broken)]) == 2
    assert "error: cannot compare" in capsys.readouterr().err
