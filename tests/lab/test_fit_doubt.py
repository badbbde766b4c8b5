"""lab.train.refit_doubt: re-fit a finished model's "Not sure" threshold on validation writers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from digitcanvas.model.classifier import Classifier
from digitcanvas.model.info import META_DOUBT, META_NAME
from digitcanvas.reading.preprocessing import preprocess_drawing
from lab.data.unipen import load_samples, to_canvas, writer_split
from lab.fuzz.linear_model import make_linear_model
from lab.train.doubt_threshold import fit_threshold
from lab.train.refit_doubt import main


def _unipen(path: Path, rng: np.random.Generator) -> Path:
    """400 scrawls by 80 writers (enough for every part of the writer split)."""
    with gzip.open(path, "wt") as handle:
        for i in range(400):
            stroke = rng.uniform(0, 100, size=(5, 2)).round(1).tolist()
            record = {"label": i % 10, "source": "tst", "writer": f"w{i % 80}", "strokes": [stroke]}
            handle.write(json.dumps(record) + "\n")
    return path


def test_fit_doubt_writes_the_validation_fit_into_the_model(
    tmp_path: Path, rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    model = make_linear_model(tmp_path / "m.onnx", metadata={META_DOUBT: "0.5", META_NAME: "Mine"})
    (tmp_path / "m.train.json").write_text(json.dumps({"seed": 1, "doubt_threshold": 0.5}))
    unipen = _unipen(tmp_path / "digits.jsonl.gz", rng)
    images = rng.random((8, 28, 28)).astype(np.float32)
    before = Classifier(model).predict_proba(images)

    assert main([str(model), "--unipen", str(unipen)]) == 0
    assert "was 0.5" in capsys.readouterr().out

    # The same fit, done here from the validation writers' drawings through the app's path.
    samples = load_samples(unipen)
    split = writer_split(samples)
    val = [s for s in samples if split[s.writer_key] == "val"]
    tops = Classifier(model).predict_proba(np.stack([preprocess_drawing(to_canvas(s)) for s in val])).max(axis=1)
    tests = sum(1 for part in split.values() if part == "test")
    expected = fit_threshold(tops, [s.writer_key for s in val], new_writers=tests)

    refit = Classifier(model)
    assert float(refit.metadata[META_DOUBT]) == round(expected, 4) != 0.5
    assert refit.info.doubt_threshold == round(expected, 4)
    assert refit.metadata[META_NAME] == "Mine"  # other metadata kept
    np.testing.assert_array_equal(refit.predict_proba(images), before)  # weights untouched
    facts = json.loads((tmp_path / "m.train.json").read_text())
    assert facts["seed"] == 1 and facts["doubt_threshold"] == expected
    assert facts["doubt_fit"]["validation_writers"] == len({s.writer_key for s in val})
    assert facts["doubt_fit"]["new_writers"] == tests
    assert facts["doubt_fit"]["command"].startswith("python -m lab.train.refit_doubt ")


def test_fit_doubt_writes_to_out_and_leaves_the_model_alone(tmp_path: Path, rng: np.random.Generator) -> None:
    model = make_linear_model(tmp_path / "m.onnx", metadata={META_DOUBT: "0.5"})
    original = model.read_bytes()
    out = tmp_path / "fitted" / "m2.onnx"
    assert main([str(model), "--unipen", str(_unipen(tmp_path / "digits.jsonl.gz", rng)), "--out", str(out)]) == 0
    assert model.read_bytes() == original
    assert Classifier(out).metadata[META_DOUBT] != "0.5"
    assert not out.with_suffix(".train.json").exists()  # the model had no facts to carry over


def test_fit_doubt_reports_an_unwritable_output_without_a_traceback(
    tmp_path: Path, rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    model = make_linear_model(tmp_path / "m.onnx", metadata={META_DOUBT: "0.5"})
    original = model.read_bytes()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    out = blocker / "m.onnx"

    status = main([str(model), "--unipen", str(_unipen(tmp_path / "digits.jsonl.gz", rng)), "--out", str(out)])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: ") and str(out) in err and "cannot write the model" in err
    assert "Traceback" not in err
    assert model.read_bytes() == original
    assert blocker.read_text() == "a file where the output folder should be"


def test_fit_doubt_warns_when_the_facts_cannot_be_written(
    tmp_path: Path, rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    model = make_linear_model(tmp_path / "m.onnx")
    (tmp_path / "m.train.json").write_text(json.dumps({"seed": 1}))
    out = tmp_path / "fitted" / "m2.onnx"
    (tmp_path / "fitted").mkdir()
    (tmp_path / "fitted" / "m2.train.json").mkdir()  # a folder where the facts file should go

    assert main([str(model), "--unipen", str(_unipen(tmp_path / "digits.jsonl.gz", rng)), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "m2.train.json not updated" in captured.err
    assert f"wrote {out}\n" in captured.out
    assert META_DOUBT in Classifier(out).metadata


def test_fit_doubt_refuses_a_broken_model_and_leaves_it_alone(
    tmp_path: Path, rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    assert main([str(broken), "--unipen", str(_unipen(tmp_path / "digits.jsonl.gz", rng))]) == 2
    assert "error:" in capsys.readouterr().err
    assert broken.read_bytes() == b"not a model"


def test_fit_doubt_refuses_missing_pen_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = make_linear_model(tmp_path / "m.onnx")
    assert main([str(model), "--unipen", str(tmp_path / "nowhere.jsonl.gz")]) == 2
    assert "error:" in capsys.readouterr().err
