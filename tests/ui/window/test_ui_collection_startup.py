"""The window reads, scores and adapts to the collection off the GUI thread (issue #14):
it shows at once whatever the folder holds, says how far the reading is, keeps drawings
meanwhile, and stops the worker when it closes. No timing is asserted here (that is
``python -m lab.benchmark.startup``'s job); the waits are generous timeouts only."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hostile import huge_collection, poison_collection
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from qt_helpers import draw_one, draw_seven

import digitcanvas.collection.folder as collection_folder
import digitcanvas.collection.state as collection_module
import digitcanvas.reading.reader as reader_module
from digitcanvas.collection.jobs import READING, SCORING
from digitcanvas.collection.keeper import INLINE_DRAWINGS
from digitcanvas.drawing.file import load_drawing
from digitcanvas.drawing.strokes import Drawing, DrawingFileError
from digitcanvas.reading.adaptation import MIN_EXAMPLES
from digitcanvas.reading.preprocessing import preprocess_drawings
from digitcanvas.ui.settings import KEY_ADAPT, KEY_COLLECTION
from digitcanvas.ui.window.collection_control import WORKER_NAME
from digitcanvas.ui.window.main_window import MainWindow
from lab.fuzz.linear_model import make_linear_model

WAIT_MS = 60_000  # generous: CI machines are slow and shared
HELD_S = 30  # the longest a held worker waits (a failing test must not hang the run)
HUGE = 30_000
GOOD = 5  # kept drawings in the small collections


@dataclass
class Reads:
    """Who read which drawing file; :meth:`hold` makes the worker wait at its first one."""

    threads: list[threading.Thread] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    waiting: threading.Event = field(default_factory=threading.Event)  # set: a read is held now
    go: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.go.set()

    def hold(self) -> None:
        self.go.clear()

    def release(self) -> None:
        self.go.set()

    def on_gui_thread(self) -> int:
        return sum(t is threading.main_thread() for t in self.threads)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reads]:
    record = Reads()

    def counted(path: Path) -> Drawing:
        record.threads.append(threading.current_thread())
        record.paths.append(Path(path))
        if not record.go.is_set():
            record.waiting.set()
            record.go.wait(HELD_S)
        return load_drawing(path)

    monkeypatch.setattr(collection_folder, "load_drawing", counted)
    yield record
    record.release()  # never leave the worker waiting


@pytest.fixture
def model_runs(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """The threads that prepared drawings for the model, to score them or to adapt to them."""
    threads: list[threading.Thread] = []

    def counted(drawings: Sequence[Drawing], *args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread())
        return preprocess_drawings(drawings, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reader_module, "preprocess_drawings", counted)  # Reader.images28: scoring and adapting
    return threads


def _settings(tmp_path: Path, folder: Path, *, adapt: bool = True) -> QSettings:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    store.setValue(KEY_COLLECTION, str(folder))
    store.setValue(KEY_ADAPT, adapt)
    return store


def _window(qtbot: QtBot, settings: QSettings) -> MainWindow:
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    return window


def _summary(window: MainWindow) -> str:
    return window.collection_panel.summary_text()


def _read(qtbot: QtBot, window: MainWindow) -> str:
    """Wait until the worker is done; the summary shown then."""
    qtbot.waitUntil(lambda: not window.collection.busy, timeout=WAIT_MS)
    return _summary(window)


def _usable(path: Path) -> bool:
    try:
        drawing = load_drawing(path)
    except DrawingFileError:
        return False
    return drawing.label is not None and not drawing.is_empty


def _three_model(path: Path) -> Path:
    """A model that reads everything as a 3."""
    bias = np.zeros(10, np.float32)
    bias[3] = 5.0
    return make_linear_model(path, weights=(np.zeros((784, 10), np.float32), bias))


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(WORKER_NAME)]


def test_a_poisoned_collection_is_read_off_the_gui_thread_and_its_bad_files_counted(
    qtbot: QtBot, tmp_path: Path, reads: Reads
) -> None:
    folder = tmp_path / "c"
    huge_collection(folder, GOOD)
    bad = poison_collection(folder)
    usable = sum(_usable(folder / name) for name in bad)
    window = _window(qtbot, _settings(tmp_path, folder))
    assert _summary(window).startswith(READING) and reads.on_gui_thread() == 0  # shown before anything is read
    summary = _read(qtbot, window)
    assert summary.startswith(f"{GOOD + usable} drawings · this model gets")
    assert window.status.message() == (
        f"{len(bad) - usable} file(s) in your collection could not be read and were skipped."
    )
    assert len(reads.threads) == GOOD + len(bad) and reads.on_gui_thread() == 0


def test_a_huge_collection_says_how_far_it_is_and_closing_stops_the_worker(
    qtbot: QtBot, tmp_path: Path, reads: Reads
) -> None:
    folder = tmp_path / "huge"
    huge_collection(folder, HUGE)
    bad = poison_collection(folder)
    window = _window(qtbot, _settings(tmp_path, folder))
    assert reads.on_gui_thread() == 0
    far = re.compile(rf"{READING}… ([\d,]+) of {HUGE + len(bad):,}$")

    def reading() -> bool:
        match = far.match(_summary(window))
        return match is not None and int(match.group(1).replace(",", "")) > 0

    qtbot.waitUntil(reading, timeout=WAIT_MS)
    assert window.collection.busy and _workers()
    window.close()  # returns once the worker has stopped: it checks every PROGRESS_EVERY files
    assert not [t for t in _workers() if t.is_alive()]
    assert 0 < len(reads.threads) < HUGE and reads.on_gui_thread() == 0  # stopped early, never on the GUI thread


def test_a_keep_while_the_collection_is_read_is_written_at_once_and_can_be_undone(
    qtbot: QtBot, tmp_path: Path, reads: Reads
) -> None:
    folder = tmp_path / "c"
    huge_collection(folder, GOOD)
    reads.hold()
    window = _window(qtbot, _settings(tmp_path, folder))
    assert reads.waiting.wait(HELD_S)  # the worker is reading now
    draw_seven(window.canvas)
    assert window.collection.correct(window.canvas.drawing(), 8)
    assert window.status.message() == "Thanks — kept as an 8 in your collection (the model read a 7)."
    assert len(list(folder.glob("*.json"))) == GOOD + 1  # on disk at once
    assert (
        window.collection.correct(window.canvas.drawing(), 1)
        and window.status.message() == "Now kept as a 1 (was an 8)."
    )
    window.state.undo()
    assert window.status.message() == "Kept as an 8 again."
    assert window.collection.busy and _summary(window).startswith(READING)
    reads.release()
    assert _read(qtbot, window).startswith(f"{GOOD + 1} drawings · this model gets")
    assert sorted(e.label for e in window.state.keeper.collection.entries) == [7] * GOOD + [8]
    assert "could not be read" not in window.status.message()
    window.state.undo()  # the keep made while reading, undone after
    assert window.status.message() == "Removed from your collection (it was kept as an 8)."
    assert _summary(window).startswith(f"{GOOD} drawings") and len(list(folder.glob("*.json"))) == GOOD


def test_keeps_listed_by_the_worker_count_once_and_an_undone_one_is_no_bad_file(
    qtbot: QtBot, tmp_path: Path, reads: Reads, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "c"
    huge_collection(folder, GOOD)
    listing = threading.Event()
    opened = collection_module.remove_stale_temporaries

    def held(path: Path) -> int:  # the worker opens the folder before it lists it
        listing.wait(HELD_S)
        return opened(path)

    monkeypatch.setattr(collection_module, "remove_stale_temporaries", held)
    reads.hold()
    window = _window(qtbot, _settings(tmp_path, folder))
    draw_seven(window.canvas)
    assert window.collection.correct(
        window.canvas.drawing(), 8
    )  # before the listing: the worker lists these two files...
    window.clear()
    draw_one(window.canvas)
    assert window.collection.correct(window.canvas.drawing(), 1)
    (eight,) = folder.glob("8-*.json")
    (one,) = folder.glob("1-*.json")
    listing.set()
    assert reads.waiting.wait(HELD_S)
    window.state.undo()  # ...and finds the 1 gone when it reads it
    assert window.status.message() == "Removed from your collection (it was kept as a 1)."
    reads.release()
    assert _read(qtbot, window).startswith(f"{GOOD + 1} drawings")  # the 8 once
    assert sorted(e.label for e in window.state.keeper.collection.entries) == [7] * GOOD + [8]
    assert {eight, one} <= set(reads.paths) and window.state.keeper.collection.problems == []
    assert "could not be read" not in window.status.message()


def test_another_folder_chosen_while_reading_supersedes_the_first(
    qtbot: QtBot, tmp_path: Path, reads: Reads, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    huge_collection(first, GOOD)
    huge_collection(second, 3, label=1)
    reads.hold()
    window = _window(qtbot, _settings(tmp_path, first))
    shown: list[str] = []
    show_summary = window.collection_panel.show_summary

    def recorded(text: str, folder: Path) -> None:
        shown.append(text)
        show_summary(text, folder)

    monkeypatch.setattr(window.collection_panel, "show_summary", recorded)
    assert reads.waiting.wait(HELD_S)
    window.collection.set_folder(second)
    reads.release()
    assert _read(qtbot, window).startswith("3 drawings · this model gets")
    assert window.collection.folder == second and "second" in window.collection_panel.folder_text()
    assert [e.label for e in window.state.keeper.collection.entries] == [1, 1, 1]
    assert not [text for text in shown if text.startswith(f"{GOOD} drawings")]  # the first never shown


def test_another_model_while_reading_scores_with_that_model(qtbot: QtBot, tmp_path: Path, reads: Reads) -> None:
    folder = tmp_path / "c"
    huge_collection(folder, GOOD)
    reads.hold()
    window = _window(qtbot, _settings(tmp_path, folder))
    assert reads.waiting.wait(HELD_S)
    assert window.model_control.load(_three_model(tmp_path / "three.onnx"))
    reads.release()
    assert _read(qtbot, window).startswith(f"{GOOD} drawings · this model gets 0.0% · misses 7 ({GOOD} of {GOOD})")


def test_the_browser_asked_for_while_reading_opens_once_read(qtbot: QtBot, tmp_path: Path, reads: Reads) -> None:
    folder = tmp_path / "c"
    huge_collection(folder, GOOD)
    reads.hold()
    window = _window(qtbot, _settings(tmp_path, folder))
    assert reads.waiting.wait(HELD_S)
    window.ui_actions.browse_collection.trigger()
    assert window.browser.browser is None and "still being read" in window.status.message()
    reads.release()
    _read(qtbot, window)
    browser = window.browser.browser
    assert browser is not None and browser.isVisible() and browser.item_texts() == ["7 · read 7"] * GOOD


def test_scoring_and_adapting_a_big_collection_run_off_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, reads: Reads, model_runs: list[threading.Thread]
) -> None:
    big = INLINE_DRAWINGS + MIN_EXAMPLES  # more than the GUI thread reads by itself
    folder = tmp_path / "c"
    huge_collection(folder, big)
    window = _window(qtbot, _settings(tmp_path, folder, adapt=True))
    assert _read(qtbot, window) == f"{big} drawings · this model gets 100.0% · adapted to your {big} drawings"
    assert model_runs and threading.main_thread() not in model_runs
    model_runs.clear()
    assert window.model_control.load(_three_model(tmp_path / "three.onnx"))
    assert _summary(window).startswith(SCORING)
    assert _read(qtbot, window).startswith(f"{big} drawings · this model gets 0.0% · misses 7 ({big} of {big})")
    assert window.state.models.reader is not None and window.state.models.reader.adaptation is not None
    assert model_runs and threading.main_thread() not in model_runs
    assert reads.on_gui_thread() == 0


def test_a_model_switch_with_the_browser_open_scores_off_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, reads: Reads, model_runs: list[threading.Thread]
) -> None:
    big = INLINE_DRAWINGS + MIN_EXAMPLES
    folder = tmp_path / "c"
    huge_collection(folder, big)
    window = _window(qtbot, _settings(tmp_path, folder, adapt=False))
    _read(qtbot, window)
    browser = window.browser.open()
    assert browser is not None
    qtbot.waitUntil(browser.isVisible, timeout=WAIT_MS)
    assert browser.item_texts()[0] == "7 · read 7"
    model_runs.clear()
    assert window.model_control.load(_three_model(tmp_path / "three.onnx"))
    assert all(text == "7" for text in browser.item_texts())  # no stale readings while it is scored
    _read(qtbot, window)
    qtbot.waitUntil(lambda: browser.item_texts()[0].startswith("7 · read 3"), timeout=WAIT_MS)
    assert model_runs and threading.main_thread() not in model_runs
