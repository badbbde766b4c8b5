"""The window's personal collection: keeping the drawing on the canvas, the folder, the panel.

:class:`CollectionControl` applies the window's rule for corrections (one drawing, one
entry; keeps go on the undo history) through :class:`~.keeper.Keeper`, and keeps the
collection panel's summary up to date.

Reading the folder, scoring every drawing and fitting the adaptation take minutes for a
big collection, and a folder on a dead network share can hang, so they run as one job on
a worker thread (:class:`~.background.LatestJobRunner`) while the panel says how far it
is ("Reading your collection… 1,200 of 30,000"); the result is applied here, on the GUI
thread. Another folder or another model cancels the job running and only the latest
result is applied; closing the window stops the worker. Keeps work meanwhile (see
:mod:`.keeper`); the collection browser opens once the folder is read. Only a folder that
is not there at all (one ``stat``, as the settings make to find it) is an empty
collection at once, and a few changed drawings are read or fitted here, as a keep is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digitcanvas.collection.hand import fit_hand
from digitcanvas.collection.keeper import INLINE_DRAWINGS, Keeper, read_folder, unadapted
from digitcanvas.collection.state import Cancelled, Collection, Entry, ScanCancelled, predict_collection
from digitcanvas.drawing.strokes import DrawingFileError
from digitcanvas.model.classifier import ModelRunError
from digitcanvas.reading.adaptation import MIN_EXAMPLES, HandModel
from digitcanvas.reading.doubt import REASON_TOO_SMALL
from digitcanvas.reading.reader import Reader
from digitcanvas.state.history import COLLECTION
from digitcanvas.ui.background import LatestJobRunner
from digitcanvas.ui.settings import AppSettings

if TYPE_CHECKING:  # the window builds this object; only its type is needed here
    from digitcanvas.ui.window.main_window import MainWindow

READING = "Reading your collection"
SCORING = "Scoring your collection"
ADAPTING = "Adapting to your drawings"
WORKER_NAME = "digitcanvas-collection"  # the worker thread's name prefix

Report = Callable[[str, int, int], None]  # (activity, done, total), from the worker thread


@dataclass(frozen=True)
class _Request:
    """What one job does: read ``folder`` (None: take ``entries`` as they are), score the
    entries with ``reader`` (``score``), fit the adaptation to them (``fit``)."""

    folder: Path | None
    entries: Sequence[Entry]
    reader: Reader | None
    score: bool
    fit: bool


@dataclass(frozen=True)
class _Result:
    request: _Request
    collection: Collection | None  # the folder read (None: not asked)
    entries: Sequence[Entry]  # what was scored and fitted
    read: dict[Path, int] | None  # the model's digit for each file (None: not scored, or it failed)
    hand: HandModel | None  # the adaptation's features of them (None: not asked, or too few)
    error: str | None  # what failed, for the status bar


def _run(request: _Request, report: Report, cancelled: Cancelled) -> _Result | None:
    """The job, on the worker thread: touches nothing the GUI thread uses. None: cancelled."""
    collection, entries = None, request.entries
    if request.folder is not None:
        collection = read_folder(request.folder, on_progress=partial(report, READING), cancelled=cancelled)
        if collection is None:
            return None
        entries = list(collection.entries)
    read, hand, error = None, None, None
    reader = None if request.reader is None else unadapted(request.reader)
    try:
        if reader is not None and request.score:
            drawings = [e.drawing for e in entries]
            digits = predict_collection(reader, drawings, on_progress=partial(report, SCORING), cancelled=cancelled)
            read = {e.path: digit for e, digit in zip(entries, digits, strict=True)}
    except ScanCancelled:
        return None
    except ModelRunError as e:
        error = f"Could not score your collection: {e}"
    try:
        if reader is not None and request.fit and len(entries) >= MIN_EXAMPLES:
            hand = fit_hand(reader, entries, on_progress=partial(report, ADAPTING), cancelled=cancelled)
    except ScanCancelled:
        return None
    except (ModelRunError, ValueError) as e:
        error = f"Could not adapt to your drawings: {e}"
    return _Result(request, collection, entries, read, hand, error)


def _nothing_there(folder: Path) -> bool:
    """True when ``folder`` does not exist: an empty collection, nothing to read."""
    try:
        folder.stat()
    except FileNotFoundError:
        return True
    except OSError:
        pass  # the worker reads it and says what is wrong
    return False


class CollectionControl:
    """The collection as ``window`` uses it."""

    def __init__(self, window: MainWindow, settings: AppSettings) -> None:
        self.window = window
        self.settings = settings
        self.keeper = Keeper(settings.collection_dir)
        self._runner = LatestJobRunner(window, name=WORKER_NAME)
        self._runner.finished.connect(self._on_finished)
        self._runner.progressed.connect(self._on_progress)
        self._job = 0  # the latest job's key: what older jobs return is dropped
        self._cancel: threading.Event | None = None  # set: the job running stops at its next check
        self._progress: tuple[str, int, int] | None = None  # what the job running does, how far (None: no job)
        self._browse_later = False
        self._gave_up: Reader | None = None  # a job failed with this reader: not started again for it

    @property
    def folder(self) -> Path:
        return self.keeper.folder

    @property
    def busy(self) -> bool:
        """True while the collection is read, scored or fitted on the worker thread."""
        return self._progress is not None

    def set_folder(self, path: str | os.PathLike[str]) -> None:
        self.settings.set_collection_dir(path)
        self.window.history.forget(COLLECTION)  # its keeps were in the other folder
        self._close_browser()
        self.load()

    def load(self) -> None:
        """Read the collection folder on the worker thread (a missing one is empty at once)."""
        folder = self.settings.collection_dir
        self.window.adaptation.forget()
        self.keeper.begin_load(folder)
        if _nothing_there(folder):
            self._stop()
            empty = _Request(folder, (), self.keeper.reader, score=True, fit=False)
            self._apply(_Result(empty, Collection(folder), (), {}, None, None))
            return
        self._start(self._load_request(), READING)
        self.show()

    def model_changed(self, reader: Reader | None) -> None:
        """The window reads with ``reader`` now: score the collection with it."""
        self.keeper.set_reader(reader)
        entries = self.keeper.collection.entries
        if self.keeper.loading:
            self._start(self._load_request(), READING)  # read again, scored by this model
        elif reader is None or len(entries) <= INLINE_DRAWINGS:
            self._stop()
            self.keeper.rescore(reader)
        else:
            self.keeper.collection.rescore(None)  # the old model's readings are no longer shown
            self._start(_Request(None, list(entries), reader, score=True, fit=self.window.adaptation.on), SCORING)
        self.show()

    def show(self) -> None:
        """Refresh the panel: the summary and the adaptation resting on the collection, or
        how far the job running is."""
        window = self.window
        if not self.keeper.loading:
            reader = self.keeper.reader
            if not window.adaptation.refresh() and not self.busy and reader is not self._gave_up:
                entries = list(self.keeper.collection.entries)
                self._start(_Request(None, entries, reader, score=False, fit=True), ADAPTING)
            window.tools.collection_changed()
        if self._progress is not None:
            window.collection_panel.show_progress(*self._progress, self.folder)
            return
        note = window.adaptation.describe()
        summary = self.keeper.summary() + (f" · {note}" if note else "")
        window.collection_panel.show_summary(summary, self.folder)

    def edited(self) -> None:
        """The collection browser changed kept drawings: its edits have their own undo."""
        self.window.history.forget(COLLECTION)
        self.show()

    def correct(self, digit: int) -> bool:
        """Keep the drawing on the canvas as ``digit``; pressed again: relabel it."""
        window = self.window
        drawing = window.canvas.drawing()
        if drawing.is_empty:
            window.notify("Draw a digit first; then press the digit it really is to keep it.")
            return False
        if not window.reading_is_current():  # not classified yet (live mode off): read it now
            window.classify(drawing)
        reading = window.reading
        if reading is None:
            return False
        if len(reading.digits) != 1:
            window.notify("Corrections are for single digits: clear the canvas and draw one digit.")
            return False
        read = reading.digits[0]
        if read.doubt == REASON_TOO_SMALL:  # a dot or a blob is no digit of the user's hand to learn from
            window.notify("That mark is too small to keep: draw the digit bigger, then press the digit it is.")
            return False
        try:
            kept = self.keeper.keep(drawing, digit, read_as=read.digit, sure=read.sure)
        except (DrawingFileError, ValueError) as e:
            window.show_error("Could not save to your collection", str(e))
            return False
        if kept.undo is not None and kept.step_name is not None:
            window.history.push(kept.step_name, kept.undo, kind=COLLECTION)
        self.show()
        window.status.show(kept.message)
        return True

    def browse(self) -> None:
        """Edit ▸ Browse Collection…: at once, or as soon as the folder is read."""
        if self.keeper.loading:
            self._browse_later = True
            self.window.status.show("Your collection is still being read; it opens when it is.")
            return
        self.window.tools.browse_collection()

    def open_folder(self) -> bool:
        """Show the collection folder in the file manager; without one, say where it is."""
        return self.window.files.open_folder(self.folder)

    def shutdown(self) -> None:
        """Stop the worker (the window closes): the job running stops at its next check."""
        self._stop()
        self._runner.shutdown()

    # --- the worker's jobs ----------------------------------------------------------------

    def _load_request(self) -> _Request:
        return _Request(self.folder, (), self.keeper.reader, score=True, fit=self.window.adaptation.on)

    def _start(self, request: _Request, activity: str) -> None:
        """Run ``request`` on the worker thread instead of any job running now."""
        self._stop()
        cancel = threading.Event()
        self._cancel, self._progress, key = cancel, (activity, 0, 0), self._job
        runner = self._runner

        def report(what: str, done: int, total: int) -> None:  # on the worker thread
            runner.report(key, (what, done, total))

        runner.submit(key, lambda: _run(request, report, cancel.is_set))

    def _stop(self) -> None:
        """Cancel the job running, if any: what it returns will be dropped."""
        if self._cancel is not None:
            self._cancel.set()
        self._cancel = self._progress = None
        self._job += 1

    def _on_progress(self, key: object, news: tuple[str, int, int]) -> None:
        if key == self._job and self._progress is not None:
            self._progress = news
            self.window.collection_panel.show_progress(*news, self.folder)

    def _on_finished(self, key: object, result: Any) -> None:
        if key != self._job or result is None:
            return  # a job that was superseded, or stopped
        self._cancel = self._progress = None
        if isinstance(result, Exception):  # a defect: say so and carry on with what is known
            self.window.status.show(f"Could not read your collection: {result}")
            if self.keeper.loading:
                self.keeper.finish_load(Collection(self.folder))
            self.show()
            return
        self._apply(result)

    def _apply(self, result: _Result) -> None:
        """Use what a job found (on the GUI thread)."""
        window = self.window
        problems = self.keeper.finish_load(result.collection) if result.collection is not None else []
        if result.error is not None:
            window.status.show(result.error)
            self._gave_up = result.request.reader
        if result.hand is not None and result.request.reader is not None:
            window.adaptation.adopt(result.hand, result.request.reader, result.entries)
        if result.request.score and not self.keeper.score(result.read, at_most=INLINE_DRAWINGS):
            entries = list(self.keeper.collection.entries)  # many changed meanwhile (an import): again
            self._start(_Request(None, entries, self.keeper.reader, score=True, fit=False), SCORING)
        self.show()
        if problems:
            window.notify(f"{len(problems)} file(s) in your collection could not be read and were skipped.")
        if result.hand is not None and window.reading_is_current():  # read it again, adapted
            window.classify(window.canvas.drawing())
        if self._browse_later and not self.keeper.loading:
            self._browse_later = False
            window.tools.browse_collection()

    def _close_browser(self) -> None:
        """The browser shows the collection of the folder before: close it (it reopens on the new one)."""
        tools = self.window.tools
        if tools.browser is not None:
            self._browse_later = tools.browser.isVisible()
            tools.browser.close()
            tools.browser.deleteLater()
            tools.browser = None
