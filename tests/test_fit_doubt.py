"""scripts/fit_doubt.py: re-fit a finished model's "Not sure" threshold on validation writers."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from onnx_models import make_linear_model

from digitcanvas.doubt import META_DOUBT, fit_threshold
from digitcanvas.inference import Classifier
from digitcanvas.preprocessing import preprocess_drawing
from digitcanvas.unipen import load_samples, to_canvas, writer_split

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(ROOT / "scripts" / "fit_doubt.py")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=300)


def _unipen(path: Path, rng: np.random.Generator) -> Path:
    """400 scrawls by 80 writers (enough for every part of the writer split)."""
    with gzip.open(path, "wt") as handle:
        for i in range(400):
            stroke = rng.uniform(0, 100, size=(5, 2)).round(1).tolist()
            record = {"label": i % 10, "source": "tst", "writer": f"w{i % 80}", "strokes": [stroke]}
            handle.write(json.dumps(record) + "\n")
    return path


def test_fit_doubt_writes_the_validation_fit_into_the_model(tmp_path: Path, rng: np.random.Generator) -> None:
    model = make_linear_model(tmp_path / "m.onnx", metadata={META_DOUBT: "0.5", "digitcanvas.name": "Mine"})
    (tmp_path / "m.train.json").write_text(json.dumps({"seed": 1, "doubt_threshold": 0.5}))
    unipen = _unipen(tmp_path / "digits.jsonl.gz", rng)
    images = rng.random((8, 28, 28)).astype(np.float32)
    before = Classifier(model).predict_proba(images)

    result = _run(str(model), "--unipen", str(unipen))
    assert result.returncode == 0, result.stderr
    assert "was 0.5" in result.stdout

    # The same fit, done here from the validation writers' drawings through the app's path.
    samples = load_samples(unipen)
    split = writer_split(samples)
    val = [s for s in samples if split[s.writer_key] == "val"]
    tops = Classifier(model).predict_proba(np.stack([preprocess_drawing(to_canvas(s)) for s in val])).max(axis=1)
    tests = sum(1 for part in split.values() if part == "test")
    expected = fit_threshold(tops, [s.writer_key for s in val], new_writers=tests)

    refit = Classifier(model)
    assert float(refit.metadata[META_DOUBT]) == round(expected, 4) != 0.5
    assert refit.metadata["digitcanvas.name"] == "Mine"  # other metadata kept
    np.testing.assert_array_equal(refit.predict_proba(images), before)  # weights untouched
    facts = json.loads((tmp_path / "m.train.json").read_text())
    assert facts["seed"] == 1 and facts["doubt_threshold"] == expected
    assert facts["doubt_fit"]["validation_writers"] == len({s.writer_key for s in val})
    assert facts["doubt_fit"]["new_writers"] == tests


def test_fit_doubt_refuses_a_broken_model_and_leaves_it_alone(tmp_path: Path, rng: np.random.Generator) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    result = _run(str(broken), "--unipen", str(_unipen(tmp_path / "digits.jsonl.gz", rng)))
    assert result.returncode == 2 and "error:" in result.stderr
    assert broken.read_bytes() == b"not a model"


def test_fit_doubt_refuses_missing_pen_data(tmp_path: Path) -> None:
    model = make_linear_model(tmp_path / "m.onnx")
    result = _run(str(model), "--unipen", str(tmp_path / "nowhere.jsonl.gz"))
    assert result.returncode == 2 and "error:" in result.stderr
