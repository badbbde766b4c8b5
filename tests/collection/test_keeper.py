"""One drawing, one entry: keeping, relabelling and undoing, and the summary's words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hostile import huge_collection

from digitcanvas.collection.keeper import Keeper, a_digit, read_folder
from digitcanvas.collection.state import Collection
from digitcanvas.drawing.file import load_drawing
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.reader import Reader


def _drawing(x: float, pen: float = 18.0) -> Drawing:
    return Drawing((np.array([[x, 80.0], [x - 10, 340.0]]),), 640, 400, pen_width=pen)


@pytest.fixture
def keeper(tmp_path: Path) -> Keeper:
    made = Keeper(tmp_path / "kept")  # no folder yet: empty, made on the first keep
    made.rescore(Reader(load_classifier()))
    return made


def labels(keeper: Keeper) -> list[int]:
    return sorted(load_drawing(p).label for p in keeper.folder.glob("*.json"))  # type: ignore[misc]


@pytest.mark.parametrize(("digit", "text"), [(0, "a 0"), (1, "a 1"), (7, "a 7"), (8, "an 8"), (9, "a 9")])
def test_a_digit(digit: int, text: str) -> None:
    assert a_digit(digit) == text


def test_same_ink_ignores_pen_and_label() -> None:
    assert _drawing(200).same_ink(_drawing(200, pen=30).with_label(4))
    assert not _drawing(200).same_ink(_drawing(201))


def test_keep_relabel_and_undo(keeper: Keeper) -> None:
    kept = keeper.keep(_drawing(200), 8, read_as=1, sure=True)
    assert kept.message == "Thanks — kept as an 8 in your collection (the model read a 1)."
    assert kept.step_name == "Keep as an 8" and labels(keeper) == [8]
    assert keeper.keep(_drawing(200), 8, read_as=1, sure=True).undo is None  # already kept: nothing to undo
    relabel = keeper.keep(_drawing(200), 1, read_as=1, sure=True)
    assert relabel.message == "Now kept as a 1 (was an 8)." and labels(keeper) == [1]
    assert relabel.undo is not None and relabel.undo() == "Kept as an 8 again."
    assert labels(keeper) == [8]
    assert kept.undo is not None and kept.undo() == "Removed from your collection (it was kept as an 8)."
    assert labels(keeper) == [] and keeper.collection.entries == []


def test_undo_still_finds_the_entry_when_the_clock_ticks(keeper: Keeper, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relabel writes a new file named by the second; undoing the keep afterwards must
    remove that file, not look for the first one (a slow machine made this flaky)."""
    seconds = iter(range(100))
    monkeypatch.setattr("digitcanvas.collection.folder.time.strftime", lambda _: f"20261201-1200{next(seconds):02d}")
    kept = keeper.keep(_drawing(300), 8, read_as=8, sure=True)
    relabel = keeper.keep(_drawing(300), 7, read_as=8, sure=True)
    assert relabel.undo is not None and relabel.undo() == "Kept as an 8 again."
    assert kept.undo is not None and kept.undo().startswith("Removed from your collection")
    assert labels(keeper) == [] and keeper.collection.entries == []


def test_an_unsure_reading_is_named_so(keeper: Keeper) -> None:
    assert keeper.keep(_drawing(200), 4, read_as=9, sure=False).message == (
        "Thanks — kept as a 4 in your collection (the model was not sure)."
    )


def test_summary(keeper: Keeper) -> None:
    assert keeper.summary().startswith("No drawings yet")
    keeper.keep(_drawing(200), 8, read_as=1, sure=True)
    keeper.keep(_drawing(300), 8, read_as=1, sure=True)
    keeper.keep(_drawing(400), 1, read_as=1, sure=True)
    assert keeper.summary() == "3 drawings · this model gets 33.3% · misses 8 (2 of 2)"
    keeper.rescore(None)
    assert keeper.summary() == "3 drawings (no model to score them)"


# --- keeping while the folder is read elsewhere (the window's worker thread) ---------------


@pytest.fixture
def reading(tmp_path: Path) -> Keeper:
    """A keeper whose folder (three kept 7s) is being read: it keeps into a stand-in."""
    folder = tmp_path / "kept"
    huge_collection(folder, 3)
    made = Keeper(folder)
    made.set_reader(Reader(load_classifier()))
    made.begin_load(folder)
    return made


def test_keeps_while_the_folder_is_read_are_merged_once(reading: Keeper) -> None:
    assert reading.loading and reading.collection.entries == []  # nothing read yet
    kept = reading.keep(_drawing(200), 8, read_as=1, sure=True)  # written at once, into the stand-in
    again = reading.keep(_drawing(300), 4, read_as=1, sure=True)
    assert kept.message.startswith("Thanks — kept as an 8") and labels(reading) == [4, 7, 7, 7, 8]
    loaded = read_folder(reading.folder)  # the reading saw both new files...
    assert loaded is not None and len(loaded.entries) == 5
    assert again.undo is not None and again.undo().startswith("Removed")  # ...and the 4 went away after
    problems = reading.finish_load(loaded)
    assert not reading.loading and problems == []
    assert sorted(e.label for e in reading.collection.entries) == [7, 7, 7, 8]  # the 8 once, the 4 gone
    assert reading.collection.predictions() is None  # not scored yet: the window scores it
    assert reading.score({}, at_most=3) is False  # four to read here: more than allowed
    assert reading.score({}, at_most=4) and reading.summary().startswith("4 drawings · this model gets")
    assert kept.undo is not None and kept.undo().startswith("Removed")  # undo works after the merge
    assert labels(reading) == [7, 7, 7] and len(reading.collection.entries) == 3


def test_a_file_kept_and_removed_while_read_is_no_bad_file(reading: Keeper) -> None:
    kept = reading.keep(_drawing(200), 8, read_as=8, sure=True)
    gone = reading.collection.entries[0].path
    assert kept.undo is not None and kept.undo().startswith("Removed")
    # What the worker reports when it listed the file before the undo and read it after:
    bad = reading.folder / "bad.json"
    loaded = Collection(reading.folder, [], [f"{gone}: cannot read the file (no such file)", f"{bad}: not JSON"])
    assert reading.finish_load(loaded) == [f"{bad}: not JSON"]
    assert reading.collection.problems == [f"{bad}: not JSON"]


def test_kept_drawings_are_scored_by_the_model_by_itself_not_the_adaptation(keeper: Keeper) -> None:
    from digitcanvas.reading import adaptation as adapt
    from digitcanvas.reading.adaptation import drawing_features

    reader = keeper.reader
    assert reader is not None
    one = _drawing(200)  # a stroke the model reads as a 1
    own = reader.read_drawing(one).digits[0].digit
    # The user's hand says this stroke is a 7: the adapted reader reads it so.
    features = drawing_features(reader.classifier, reader.images28([one]))
    adapted = Reader(reader.classifier, reader.options, adaptation=adapt.fit(features, [7]))
    assert adapted.read_drawing(one).digits[0].digit == 7 != own
    keeper.set_reader(adapted)
    keeper.keep(one, 7, read_as=7, sure=True)
    assert keeper.collection.predictions() == [own]  # the score is the model's, as after a restart
    keeper.keep(one, 3, read_as=7, sure=True)  # relabelled: scored the same way
    assert keeper.collection.predictions() == [own]
