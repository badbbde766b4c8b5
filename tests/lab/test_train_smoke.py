"""A training smoke run on a few hundred synthetic images: the real ``lab.train``, end to end."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from strokes import compose

from digitcanvas.collection.folder import add_to_collection
from digitcanvas.model.classifier import Classifier
from digitcanvas.model.info import META_DOUBT, META_NAME, META_TEMPERATURE, META_TRAINING_COMMAND
from digitcanvas.training.mnist_data import write_idx

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxscript")


def _synthetic_digits(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bars whose position encodes the label: learnable in one epoch."""
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i, 4:24, 4 + 2 * label : 6 + 2 * label] = 255
    return images, labels


def _write_unipen(path: Path) -> None:
    with gzip.open(path, "wt") as handle:
        for i in range(60):
            label = i % 10
            x = 10 * label
            stroke = [[x, 0], [x + 1, 50], [x, 100]]
            record = {"label": label, "source": "tst", "writer": f"w{i % 20}", "strokes": [stroke]}
            handle.write(json.dumps(record) + "\n")


def _write_digilets(folder: Path) -> tuple[Path, Path]:
    """DigiLeTs-shaped digits (50 writers, so every part of the split gets some) and letters."""
    digits, letters = folder / "digilets-digits.jsonl.gz", folder / "digilets-letters.jsonl.gz"
    with gzip.open(digits, "wt") as handle:
        for i in range(100):
            label, x = i % 10, 80 * (i % 10)
            strokes = [[[x, 0], [x + 40, 0], [x + 10, 1000]]]
            if label == 7:
                strokes.append([[x, 500], [x + 50, 505]])  # a crossed 7: the bar is a stroke of its own
            record = {"label": label, "source": "digilets", "writer": f"digilets_{i % 50:03d}", "strokes": strokes}
            handle.write(json.dumps(record) + "\n")
    with gzip.open(letters, "wt") as handle:
        for i, name in enumerate("xkOA" * 25):
            stroke = [[0, 0], [900, 1000], [900, 0], [0, 1000]]
            handle.write(json.dumps({"label": name, "writer": f"digilets_{i % 50:03d}", "strokes": [stroke]}) + "\n")
    return digits, letters


def _smoke_args(tmp_path: Path, out: Path, *, extras: bool = True) -> list[str]:
    """A one-epoch run on synthetic MNIST; ``extras``: with pen digits, a collection and outliers."""
    rng = np.random.default_rng(0)
    data = tmp_path / "mnist"
    data.mkdir()
    for prefix, n in (("train", 400), ("t10k", 100)):
        images, labels = _synthetic_digits(n, rng)
        write_idx(data / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(data / f"{prefix}-labels-idx1-ubyte.gz", labels)
    args = ["--data", str(data), "--no-verify", "--limit", "300", "--epochs", "1", "--batch-size", "32"]
    args += ["--width", "8", "--threads", "1", "--out", str(out)]
    if not extras:
        return args
    unipen = tmp_path / "digits.jsonl.gz"
    _write_unipen(unipen)
    collection = tmp_path / "collection"
    for name in ("1", "7", "0"):
        drawing, _ = compose([name])
        add_to_collection(drawing, int(name), collection)
    digits, letters = _write_digilets(tmp_path)
    pen = ["--unipen", str(unipen), "--digilets", str(digits), "--letters", str(letters), "--digilets-renderings", "3"]
    return [*args, *pen, "--collection", str(collection), "--outliers", "50"]


def test_training_smoke_run_exports_a_model_the_app_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lab.train.bundled import main

    out = tmp_path / "model.onnx"
    threads = torch.get_num_threads()
    try:
        status = main(_smoke_args(tmp_path, out))
    finally:
        torch.set_num_threads(threads)  # the run sets it for the whole process
    err = capsys.readouterr().err
    assert status == 0, err[-3000:]
    assert "MNIST test accuracy" in err
    assert "max abs difference" in err

    classifier = Classifier(out)
    assert classifier.layout.name == "NCHW"
    assert classifier.metadata[META_NAME] == "DigitCanvas CNN"
    assert float(classifier.metadata[META_TEMPERATURE]) > 0
    command = classifier.metadata[META_TRAINING_COMMAND]
    assert command.startswith("python -m lab.train ") and "--epochs 1" in command
    assert all(key.startswith("digitcanvas.") for key in classifier.metadata)  # only our keys
    probs = classifier.predict_proba(np.zeros((4, 28, 28), np.float32))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    _check_outputs(out)
    facts = json.loads(out.with_suffix(".train.json").read_text())
    assert facts["epochs"] == 1 and facts["onnx_vs_torch_max_abs_diff"] < 1e-4
    assert facts["torch"] == torch.__version__
    notes = " ".join(facts["data"])
    assert "Personal collection" in notes and "3 labelled drawings" in notes
    assert "Outlier exposure" in notes
    assert "DigiLeTs: 60 pen digits of 30 training writers, each rendered 3×" in notes
    assert "real DigiLeTs letters of the training writers" in notes
    assert {"unipen_val_acc", "digilets_val_acc"} <= set(facts["history"][0])
    assert facts["outputs"]["logits"][-1] == 10 and facts["outputs"]["embedding"][-1] == 32  # 4 × width 8
    assert 0 < classifier.info.doubt_threshold == float(classifier.metadata[META_DOUBT]) < 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "digilets-digits.jsonl.gz",
        "digilets-letters.jsonl.gz",
        "digits.jsonl.gz",
        "model.onnx",
        "model.train.json",
    ]  # no temporary export files left beside the model


def _check_outputs(path: Path) -> None:
    """Logits first (what the app reads), the embedding second; the logits are the head of the embedding."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["logits", "embedding"]
    images = np.random.default_rng(3).random((64, 1, 28, 28), dtype=np.float32)
    logits, embedding = session.run(None, {"image": images})
    assert logits.shape == (64, 10) and embedding.shape == (64, 32) and embedding.dtype == np.float32
    assert np.all(embedding >= 0)  # average-pooled ReLU features
    # Penultimate: the logits are one affine map of the embedding (64 images, 33 unknowns per logit).
    design = np.c_[embedding, np.ones(64)].astype(np.float64)
    coefficients, *_ = np.linalg.lstsq(design, logits.astype(np.float64), rcond=None)
    np.testing.assert_allclose(design @ coefficients, logits, atol=1e-3)


def test_training_refuses_bad_data_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lab.train.bundled import main

    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03junk")
    assert main(["--data", str(tmp_path), "--out", str(tmp_path / "m.onnx")]) == 2
    err = capsys.readouterr().err
    assert "train-images-idx3-ubyte" in err and "error:" in err
    assert not (tmp_path / "m.onnx").exists()


def test_training_reports_an_unwritable_output_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lab.train.bundled import main

    (tmp_path / "blocker").write_text("a file where the output folder should be")
    threads = torch.get_num_threads()
    try:
        status = main(_smoke_args(tmp_path, tmp_path / "blocker" / "model.onnx", extras=False))
    finally:
        torch.set_num_threads(threads)
    err = capsys.readouterr().err
    assert status == 2
    assert "error: " in err and "model.onnx: cannot write the model" in err
    assert "Traceback" not in err
