"""The lab's evaluations, run in-process on tiny synthetic data: they read through the Reader."""

from __future__ import annotations

import gzip
import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from strokes import compose

from digitcanvas.collection.folder import add_to_collection
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import Classifier
from digitcanvas.reading.doubt import DoubtReason
from digitcanvas.reading.preprocessing import preprocess_drawing
from digitcanvas.reading.reader import Reader
from digitcanvas.training.mnist_data import write_idx
from lab.evaluate import doubt as evaluate_doubt
from lab.evaluate import drawn as evaluate_drawn
from lab.evaluate import mnist as evaluate
from lab.evaluate import numbers as evaluate_numbers
from lab.evaluate.metrics import probabilities
from lab.paths import REPO_ROOT, REPORTS_DIR

MODULES = (
    "lab.benchmark.speed",
    "lab.evaluate.mnist",
    "lab.evaluate.doubt",
    "lab.evaluate.drawn",
    "lab.evaluate.numbers",
    "lab.train.refit_doubt",
)


@pytest.fixture
def unipen(tmp_path: Path, rng: np.random.Generator) -> Path:
    """300 hand-made digits by 60 writers (every part of the writer split gets some)."""
    names = ["0", "1", "2", "3", "7"]
    path = tmp_path / "digits.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        for i in range(300):
            name = names[i % len(names)]
            drawing, _ = compose([name])
            strokes = [(s + rng.normal(0, 2, s.shape)).round(1).tolist() for s in drawing.strokes]
            record = {"label": int(name), "source": "tst", "writer": f"w{i % 60}", "strokes": strokes}
            handle.write(json.dumps(record) + "\n")
    return path


@pytest.fixture
def digilets_files(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, Path]:
    """DigiLeTs-shaped digits (50 writers, 4 each) and letters (an x, an O and a k each)."""
    digits, letters = tmp_path / "digilets-digits.jsonl.gz", tmp_path / "digilets-letters.jsonl.gz"
    names = ["0", "1", "7", "7crossed"]
    with gzip.open(digits, "wt") as handle:
        for i in range(200):
            name = names[i % len(names)]
            drawing, _ = compose([name])
            strokes = [(s + rng.normal(0, 2, s.shape)).round(1).tolist() for s in drawing.strokes]
            record = {"label": int(name[0]), "writer": f"digilets_{i % 50:03d}", "strokes": strokes}
            handle.write(json.dumps({**record, "source": "digilets"}) + "\n")
    with gzip.open(letters, "wt") as handle:
        for i in range(50):
            shapes = (("x", [[0, 0], [90, 100]]), ("O", [[0, 0], [50, 90], [0, 0]]), ("k", [[0, 0], [0, 9]]))
            for name, stroke in shapes:
                handle.write(json.dumps({"label": name, "writer": f"digilets_{i:03d}", "strokes": [stroke]}) + "\n")
    return digits, letters


def test_read_drawings_gives_the_classifiers_own_probabilities(linear_model: Path) -> None:
    drawings = [compose([name])[0] for name in ("0", "1", "7")]
    dot = Drawing((np.array([[200.0, 200.0]]),), 420, 420)
    classifier = Classifier(linear_model)
    readings = Reader(classifier).read_drawings([*drawings, dot])
    by_hand = classifier.predict_proba(np.stack([preprocess_drawing(d) for d in [*drawings, dot]]))
    np.testing.assert_array_equal(probabilities(readings), by_hand)  # the same figures as before the Reader
    assert readings[-1].digits[0].verdict.reason == DoubtReason.TOO_SMALL
    assert evaluate_doubt.flagged(readings[-1:], 0.0).tolist() == [True]  # too small at any threshold
    assert Reader(classifier).read_drawings([]) == [] and probabilities([]).shape == (0, 10)


def test_reports_go_to_the_repositorys_reports_folder() -> None:
    assert REPORTS_DIR == REPO_ROOT / "reports" and (REPO_ROOT / "lab" / "__init__.py").is_file()


def test_evaluate_scores_mnist_test_images(
    tmp_path: Path, linear_model: Path, rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "mnist"
    data.mkdir()
    write_idx(data / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (30, 28, 28), dtype=np.uint8))
    write_idx(data / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 30, dtype=np.uint8))
    out = tmp_path / "reports"
    assert evaluate.main(["--data", str(data), "--model", str(linear_model), "--out", str(out), "--no-verify"]) == 0
    assert "30 test images" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["mnist-linear-confusion.png", "mnist-linear.md"]


def test_evaluate_refuses_a_report_folder_it_cannot_write(
    tmp_path: Path, linear_model: Path, rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "mnist"
    data.mkdir()
    write_idx(data / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (5, 28, 28), dtype=np.uint8))
    write_idx(data / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 5, dtype=np.uint8))
    (tmp_path / "file").write_text("")
    args = ["--data", str(data), "--model", str(linear_model), "--out", str(tmp_path / "file" / "r"), "--no-verify"]
    assert evaluate.main(args) == 2
    assert "error:" in capsys.readouterr().err


def test_evaluate_drawn_scores_the_chosen_writers(
    tmp_path: Path, linear_model: Path, unipen: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    args = ["--unipen", str(unipen), "--model", str(linear_model), "--out", str(out), "--robustness"]
    assert evaluate_drawn.main(args) == 0
    report = capsys.readouterr().out
    assert (
        "# Drawn digits per source (test writers): linear" in report and "pen width doubled" in report
    )  # the file name
    assert "| UNIPEN | coarse (~15 points per digit) |" in report
    assert (out / "drawn-test-linear.md").read_text() + "\n" == report
    assert sorted(p.name for p in out.iterdir()) == ["drawn-test-linear-unipen-confusion.png", "drawn-test-linear.md"]


def test_evaluate_drawn_reports_each_source_with_its_worst_writer(
    tmp_path: Path,
    linear_model: Path,
    unipen: Path,
    digilets_files: tuple[Path, Path],
    rng: np.random.Generator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "mnist"
    data.mkdir()
    write_idx(data / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (30, 28, 28), dtype=np.uint8))
    write_idx(data / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 30, dtype=np.uint8))
    args = ["--mnist", str(data), "--no-verify", "--unipen", str(unipen), "--digilets", str(digilets_files[0])]
    assert evaluate_drawn.main([*args, "--model", str(linear_model), "--out", str(tmp_path / "r")]) == 0
    report = capsys.readouterr().out
    rows = {line.split(" | ")[0]: line for line in report.splitlines() if "| as drawn |" in line}
    assert set(rows) == {"| **MNIST**", "| **UNIPEN**", "| **DigiLeTs**"}
    assert "| 30 | n/a |" in rows["| **MNIST**"]  # 30 test images, no writer ids
    assert "| 48 | 12 |" in rows["| **DigiLeTs**"]  # 12 test writers of 50, 4 digits each
    assert "(digilets/digilets_" in rows["| **DigiLeTs**"]  # the worst writer is named
    assert "| DigiLeTs | coarse (~15 points per digit) | 48 |" in report


def test_evaluate_drawn_scores_a_collection(
    tmp_path: Path, linear_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"
    for name in ("1", "7"):
        add_to_collection(compose([name])[0], int(name), folder)
    assert evaluate_drawn.main(["--collection", str(folder), "--model", str(linear_model)]) == 0
    assert "on 2 drawings" in capsys.readouterr().out
    assert evaluate_drawn.main(["--collection", str(tmp_path / "empty"), "--model", str(linear_model)]) == 2


def test_evaluate_doubt_measures_digits_and_non_digits(
    linear_model: Path, unipen: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--unipen", str(unipen), "--model", str(linear_model), "--count", "4", "--threshold", "0.5"]
    assert evaluate_doubt.main(args) == 0
    report = capsys.readouterr().out
    assert "threshold 0.500" in report and "| **all generated** | 20 |" in report
    assert report.count("| 0.500 |") == 2  # the sweep, and the threshold asked for


def test_evaluate_doubt_counts_only_non_digit_like_real_letters(
    linear_model: Path, unipen: Path, digilets_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    digits, letters = digilets_files
    args = ["--unipen", str(unipen), "--digilets", str(digits), "--letters", str(letters), "--count", "2"]
    assert evaluate_doubt.main([*args, "--model", str(linear_model), "--threshold", "1.0"]) == 0
    report = capsys.readouterr().out
    assert "| DigiLeTs | 48 | 100.00% |" in report  # everything is flagged at threshold 1
    # 12 test writers: their x and k count (24), their O does not (12).
    assert "| **real letters, non-digit-like** (test writers) | 24 | **100.0%** |" in report
    assert "| real letters, digit-like (not counted) | 12 |" in report
    assert "Per letter (counted): k 100%, x 100%" in report and "not counted): O 100%" in report


def test_evaluate_numbers_reads_composed_numbers(
    linear_model: Path, unipen: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--unipen", str(unipen), "--model", str(linear_model), "--count", "2", "--lengths", "2,3"]
    assert evaluate_numbers.main([*args, "--singles", "5"]) == 0
    report = capsys.readouterr().out
    assert report.count("| 2 |") == 2 and "Single digits (5)" in report


@pytest.mark.parametrize("name", MODULES)
def test_every_lab_module_has_a_main_with_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    module = importlib.import_module(name)
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: python -m {name} ")


def test_lab_modules_run_with_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lab.train.refit_doubt", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "python -m lab.train.refit_doubt MODEL.onnx" in result.stdout
