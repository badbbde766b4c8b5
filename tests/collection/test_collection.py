from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from repo import REPO_ROOT
from strokes import compose

from digitcanvas.collection.folder import add_to_collection, scan_collection
from digitcanvas.collection.state import score_predictions
from digitcanvas.drawing.file import load_drawing, save_drawing
from digitcanvas.drawing.strokes import DrawingFileError

ROOT = REPO_ROOT


def test_add_and_scan(tmp_path: Path) -> None:
    seven, _ = compose(["7"])
    zero, _ = compose(["0"])
    first = add_to_collection(seven, 7, tmp_path / "c")
    second = add_to_collection(zero, 0, tmp_path / "c")
    assert first != second
    assert load_drawing(first) == seven.with_label(7)
    (tmp_path / "c" / "junk.json").write_text("{broken")
    scan = scan_collection(tmp_path / "c")
    labels: list[int] = []
    for d in scan.drawings:
        assert d.label is not None
        labels.append(d.label)
    assert sorted(labels) == [0, 7]
    assert len(scan.problems) == 1 and "junk.json" in scan.problems[0]


def test_a_drawing_labelled_with_a_number_is_not_kept_and_the_scan_says_why(tmp_path: Path) -> None:
    number, _ = compose(["2", "0"])
    save_drawing(number.with_number_label("20"), tmp_path / "twenty.json")
    scan = scan_collection(tmp_path)
    assert scan.drawings == []
    assert scan.problems == [f"{tmp_path / 'twenty.json'}: is labelled with a number (20); a collection keeps digits"]


def test_interrupted_save_leaves_no_broken_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawing, _ = compose(["3"])
    folder = tmp_path / "c"

    def killed(*args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("digitcanvas.util.files.os.link", killed)
    with pytest.raises(DrawingFileError):
        add_to_collection(drawing, 3, folder)
    assert list(folder.iterdir()) == []


def test_score_predictions_names_the_most_missed_digit() -> None:
    score = score_predictions([1, 7, 7, 4, 9, 4], [1, 1, 7, 4, 4, 4])
    assert score.count == 6 and score.correct == 4
    assert score.misses[0] == (4, 1, 3) or score.misses[0] == (1, 1, 2)
    assert "misses" in score.summary() and "66.7%" in score.summary()


def test_evaluate_drawn_scores_a_collection_folder(tmp_path: Path) -> None:
    for name in ("0", "1", "7", "8"):
        drawing, _ = compose([name])
        add_to_collection(drawing, int(name), tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "lab.evaluate.drawn", "--collection", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Accuracy: 100.00%** on 4 drawings" in result.stdout


def test_relabel_remove_and_restore_keep_files_and_state_in_step(tmp_path: Path) -> None:
    from digitcanvas.collection.state import Collection

    collection = Collection.open(tmp_path / "mine")
    drawing, _ = compose(["7"])
    entry = collection.add(drawing, 1)
    assert [p.name.split("-")[0] for p in (tmp_path / "mine").iterdir()] == ["1"]
    relabelled = collection.relabel(entry, 7)
    assert not entry.path.exists() and relabelled.path.exists() and relabelled.label == 7
    assert Collection.open(tmp_path / "mine").labels == [7]
    index = collection.remove(relabelled)
    assert collection.entries == [] and not relabelled.path.exists()
    restored = collection.restore(relabelled, index)
    assert restored.path == relabelled.path and Collection.open(tmp_path / "mine").labels == [7]


def test_a_collection_read_off_the_gui_thread_is_handed_over_whole(tmp_path: Path) -> None:
    from digitcanvas.collection.folder import ScanCancelled
    from digitcanvas.collection.state import Collection, predict_collection
    from digitcanvas.model.classifier import load_classifier
    from digitcanvas.reading.reader import Reader

    for name in ("1", "7"):
        add_to_collection(compose([name])[0], int(name), tmp_path)
    opened = Collection.open(tmp_path)
    assert not opened.loaded  # start-up reads nothing
    # What a window's worker does: scan and read with progress, then hand the result over.
    progress: list[tuple[int, int]] = []
    scan = scan_collection(tmp_path, on_progress=lambda done, total: progress.append((done, total)))
    predicted = predict_collection(Reader(load_classifier()), scan.drawings)
    handed = Collection(tmp_path, scan.entries, scan.problems, predicted)
    assert progress[-1] == (2, 2) and sorted(handed.labels) == [1, 7]
    assert handed.summary().startswith("2 drawings · this model gets 100.0%")
    opened.rescore(None, predictions=predicted)
    assert opened.loaded and opened.predictions() == predicted
    with pytest.raises(ScanCancelled):
        scan_collection(tmp_path, cancelled=lambda: True)


def test_keeping_in_a_collection_not_read_yet_lists_the_drawing_once(tmp_path: Path) -> None:
    from digitcanvas.collection.state import Collection

    add_to_collection(compose(["1"])[0], 1, tmp_path)
    collection = Collection.open(tmp_path)  # not read yet
    entry = collection.add(compose(["7"])[0], 7)
    assert sorted(collection.labels) == [1, 7]
    index = Collection.open(tmp_path).remove(entry)
    again = Collection.open(tmp_path)
    again.restore(entry, index)
    assert sorted(again.labels) == [1, 7]
