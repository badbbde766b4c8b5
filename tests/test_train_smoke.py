"""A training smoke run on a few hundred synthetic images: the real script, end to end."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from strokes import compose

from digitcanvas.collection import add_to_collection
from digitcanvas.inference import Classifier
from digitcanvas.mnist import write_idx

pytest.importorskip("torch")
pytest.importorskip("onnxscript")

ROOT = Path(__file__).resolve().parent.parent


def _synthetic_digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bars whose position encodes the label: learnable in one epoch."""
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i, 4:24, 4 + 2 * label : 6 + 2 * label] = 255
    return images, labels


def _write_unipen(path: Path, rng: np.random.Generator) -> None:
    with gzip.open(path, "wt") as handle:
        for i in range(60):
            label = i % 10
            x = 10 * label
            stroke = [[x, 0], [x + 1, 50], [x, 100]]
            record = {"label": label, "source": "tst", "writer": f"w{i % 20}", "strokes": [stroke]}
            handle.write(json.dumps(record) + "\n")


def test_training_smoke_run_exports_a_model_the_app_loads(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = tmp_path / "mnist"
    data.mkdir()
    for prefix, n in (("train", 400), ("t10k", 100)):
        images, labels = _synthetic_digits(n, rng)
        write_idx(data / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(data / f"{prefix}-labels-idx1-ubyte.gz", labels)
    unipen = tmp_path / "digits.jsonl.gz"
    _write_unipen(unipen, rng)
    collection = tmp_path / "collection"
    for name in ("1", "7", "0"):
        drawing, _ = compose([name])
        add_to_collection(drawing, int(name), collection)
    out = tmp_path / "model.onnx"
    command = [
        sys.executable,
        str(ROOT / "scripts" / "train.py"),
        "--data",
        str(data),
        "--unipen",
        str(unipen),
        "--no-verify",
        "--limit",
        "300",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--width",
        "8",
        "--threads",
        "1",
        "--out",
        str(out),
        "--collection",
        str(collection),
        "--outliers",
        "50",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "MNIST test accuracy" in result.stderr
    assert "max abs difference" in result.stderr

    classifier = Classifier(out)
    assert classifier.layout.name == "NCHW"
    assert classifier.metadata["digitcanvas.name"] == "DigitCanvas CNN"
    assert float(classifier.metadata["digitcanvas.temperature"]) > 0
    assert "--epochs 1" in classifier.metadata["digitcanvas.training_command"]
    probs = classifier.predict_proba(np.zeros((4, 28, 28), np.float32))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    facts = json.loads(out.with_suffix(".train.json").read_text())
    assert facts["epochs"] == 1 and facts["onnx_vs_torch_max_abs_diff"] < 1e-4
    notes = " ".join(facts["data"])
    assert "Personal collection" in notes and "3 labelled drawings" in notes
    assert "Outlier exposure" in notes
    assert 0 < float(classifier.metadata["digitcanvas.doubt_threshold"]) < 1


def test_training_refuses_bad_data_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03junk")
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "train.py"),
            "--data",
            str(tmp_path),
            "--out",
            str(tmp_path / "m.onnx"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "train-images-idx3-ubyte" in result.stderr and "error:" in result.stderr
