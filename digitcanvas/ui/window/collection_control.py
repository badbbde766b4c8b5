"""The personal collection as the window uses it: keeping drawings, its folder, its panel.

:class:`CollectionControl` applies the rule for corrections (one drawing, one entry; keeps
go on the undo history) through the state's :class:`~digitcanvas.collection.keeper.Keeper`,
keeps the adaptation fitted (:class:`~digitcanvas.collection.hand.Adapter`) and the collection
panel's summary up to date.

Reading the folder, scoring every drawing and fitting the adaptation run as one job on a
worker thread (:mod:`digitcanvas.collection.jobs`, :class:`~digitcanvas.ui.background.LatestJobRunner`)
while the panel says how far it is ("Reading your collection… 1,200 of 30,000"); the result
is applied here, on the GUI thread. Another folder or another model cancels the job running
and only the latest result is applied; :meth:`shutdown` stops the worker. Keeps work
meanwhile; :attr:`refreshed` and :attr:`loaded` tell the collection browser. Only a folder
that is not there at all (one ``stat``) is an empty collection at once, and a few changed
drawings are read or fitted here, as a keep is.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication

from digitcanvas.collection import jobs
from digitcanvas.collection.jobs import Request, Result
from digitcanvas.collection.keeper import INLINE_DRAWINGS
from digitcanvas.collection.state import Collection
from digitcanvas.drawing.strokes import Drawing, DrawingFileError
from digitcanvas.reading.adaptation import MIN_EXAMPLES
from digitcanvas.reading.doubt import DoubtReason
from digitcanvas.reading.reader import Reader
from digitcanvas.state.app_state import AppState
from digitcanvas.state.history import StepKind
from digitcanvas.state.preferences import Preferences
from digitcanvas.ui import dialogs
from digitcanvas.ui.background import LatestJobRunner
from digitcanvas.ui.widgets.collection_panel import CollectionPanel, display_path

WORKER_NAME = "digitcanvas-collection"  # the worker thread's name prefix
SAVE_FAILED = "Could not save to your collection"
NUMBERS_NOT_KEPT = (
    "A number is not kept: your collection holds single digits. Clear the canvas (Esc), draw one "
    "digit, then press the digit it really is."
)
IMAGES_NOT_KEPT = "An image is not kept: your collection holds drawings."


class CollectionControl(QObject):
    """The collection of ``state``, summarised on ``panel``.

    Signals:
        refreshed(): the summary was brought up to date (the collection may have changed).
        loaded(): the folder has been read; the collection is whole.
        folder_changed(): another folder is in use (a browser of the old one should close).
    """

    refreshed = Signal()
    loaded = Signal()
    folder_changed = Signal()

    def __init__(self, state: AppState, panel: CollectionPanel, preferences: Preferences) -> None:
        super().__init__(panel)
        self._state = state
        self._panel = panel
        self._preferences = preferences
        self._runner = LatestJobRunner(self, name=WORKER_NAME)
        self._runner.finished.connect(self._on_finished)
        self._runner.progressed.connect(self._on_progress)
        self._job = 0  # the latest job's key: what older jobs return is dropped
        self._cancel: threading.Event | None = None  # set: the job running stops at its next check
        self._progress: tuple[str, int, int] | None = None  # what the job running does, how far (None: no job)
        self._gave_up: Reader | None = None  # a job failed with this reader: not started again for it
        state.collection_changed.connect(lambda _: self.show())
        state.model_changed.connect(lambda _: self._model_changed())
        panel.open_folder_requested.connect(self.open_folder)
        panel.change_folder_requested.connect(self.choose_folder_dialog)

    @property
    def folder(self) -> Path:
        return self._state.keeper.folder

    @property
    def busy(self) -> bool:
        """True while the collection is read, scored or fitted on the worker thread."""
        return self._progress is not None

    @property
    def loading(self) -> bool:
        """True until the folder has been read."""
        return self._state.keeper.loading

    def set_folder(self, path: str | os.PathLike[str]) -> None:
        self._preferences.set_collection_dir(path)
        self._state.history.forget(StepKind.COLLECTION)  # its keeps were in the other folder
        self.folder_changed.emit()
        self.load()

    def load(self) -> None:
        """Read the collection folder on the worker thread (a missing one is empty at once)."""
        state, folder = self._state, self._preferences.collection_dir
        state.adapter.forget(state.reader)
        state.keeper.begin_load(folder)
        if jobs.nothing_there(folder):
            self._stop()
            empty = Request(folder, (), state.keeper.reader, score=True, fit=False)
            self._apply(Result(empty, Collection(folder), (), {}, None, None))
            return
        self._start(self._load_request(), jobs.READING)
        self.show()

    def _model_changed(self) -> None:
        """Another model reads now: score the collection with it."""
        keeper, reader = self._state.keeper, self._state.reader
        keeper.set_reader(reader)
        entries = keeper.collection.entries
        if keeper.loading:
            self._start(self._load_request(), jobs.READING)  # read again, scored by this model
        elif reader is None or len(entries) <= INLINE_DRAWINGS:
            self._stop()
            keeper.rescore(reader)
        else:
            keeper.collection.rescore(None)  # the old model's readings are no longer shown
            adapt = self._state.adapter.on
            self._start(Request(None, list(entries), reader, score=True, fit=adapt), jobs.SCORING)
        self.show()

    def show(self) -> None:
        """Refresh the panel: the summary and the adaptation resting on the collection, or
        how far the job running is."""
        state = self._state
        keeper = state.keeper
        if not keeper.loading:
            done, error = state.adapter.refresh(state.reader, keeper.collection.entries)
            if error is not None:
                state.say(error)
            if not done and not self.busy and keeper.reader is not self._gave_up:
                entries = list(keeper.collection.entries)
                self._start(Request(None, entries, keeper.reader, score=False, fit=True), jobs.ADAPTING)
            self.refreshed.emit()
        if self._progress is not None:
            self._panel.show_progress(*self._progress, self.folder)
            return
        note = state.adapter.describe(state.reader)
        self._panel.show_summary(keeper.summary() + (f" · {note}" if note else ""), self.folder)

    def edited(self) -> None:
        """The collection browser changed kept drawings: its edits have their own undo."""
        self._state.history.forget(StepKind.COLLECTION)
        self.show()

    def correct(self, drawing: Drawing, digit: int) -> bool:
        """Keep ``drawing`` (the canvas's) as ``digit``; pressed again: relabel it."""
        state = self._state
        if state.image is not None:  # the collection holds drawings: an image has no strokes to learn from
            state.say(f"{IMAGES_NOT_KEPT} Draw the digit on the canvas to keep it.", long=True)
            return False
        if drawing.is_empty:
            state.say("Draw a digit first; then press the digit it really is to keep it.", long=True)
            return False
        if not state.reading_is_current(drawing):  # not classified yet (live mode off): read it now
            state.read(drawing)
        reading = state.reading
        if reading is None:
            return False
        if len(reading.digits) != 1:
            state.say(NUMBERS_NOT_KEPT, long=True)
            return False
        read = reading.digits[0]
        if read.doubt == DoubtReason.TOO_SMALL:  # a dot or a blob is no digit of the user's hand to learn from
            state.say("That mark is too small to keep: draw the digit bigger, then press the digit it is.", long=True)
            return False
        try:
            kept = state.keeper.keep(drawing, digit, read_as=read.digit, sure=read.sure)
        except (DrawingFileError, ValueError) as e:
            state.fail(SAVE_FAILED, str(e))
            return False
        if kept.undo is not None and kept.step_name is not None:
            state.history.push(kept.step_name, kept.undo, kind=StepKind.COLLECTION)
        self.show()
        state.say(kept.message)
        return True

    def set_adapt(self, on: bool) -> None:
        """Model ▸ Adapt to My Handwriting on or off; say what it means for the readings."""
        state = self._state
        entries = state.keeper.collection.entries
        was_adapting = state.adapter.wanted(entries)
        self._preferences.set_adapt(on)
        self.show()  # refits here, or for many drawings on the worker thread
        if not on:
            state.say(
                "Readings are the model's own again (not adapted to your handwriting)."
                if was_adapting
                else "Adapt to My Handwriting is off."
            )
        elif state.adapter.wanted(entries):
            state.say("Readings now adapt to your handwriting.")
        else:
            state.say(
                f"Readings will adapt to your handwriting once you have kept {MIN_EXAMPLES} drawings "
                f"(you have {len(entries)})."
            )
        state.reread.emit(False)

    def open_folder(self) -> bool:
        """Show the collection folder in the file manager; without one, say where it is (and copy the path)."""
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self._state.say(f"Opening {display_path(folder)}")
            return True
        QGuiApplication.clipboard().setText(str(folder))
        dialogs.show_info(
            self._panel.window(),
            "Collection Folder",
            f"There is no file manager to open it with. Your collection is in\n\n{folder}\n\n"
            "(The path is copied to the clipboard.)",
        )
        self._state.say(f"Your collection is in {folder}")
        return False

    def choose_folder_dialog(self) -> None:
        """Edit ▸ Choose Collection Folder…"""
        if path := dialogs.ask_folder(self._panel.window(), "Choose Collection Folder", self.folder):
            self.set_folder(path)

    def shutdown(self) -> None:
        """Stop the worker (the window closes): the job running stops at its next check."""
        self._stop()
        self._runner.shutdown()

    # --- the worker's jobs ----------------------------------------------------------------

    def _load_request(self) -> Request:
        keeper = self._state.keeper
        return Request(self.folder, (), keeper.reader, score=True, fit=self._state.adapter.on)

    def _start(self, request: Request, activity: str) -> None:
        """Run ``request`` on the worker thread instead of any job running now."""
        self._stop()
        cancel = threading.Event()
        self._cancel, self._progress, key = cancel, (activity, 0, 0), self._job
        runner = self._runner

        def report(what: str, done: int, total: int) -> None:  # on the worker thread
            runner.report(key, (what, done, total))

        runner.submit(key, lambda: jobs.run(request, report, cancel.is_set))

    def _stop(self) -> None:
        """Cancel the job running, if any: what it returns will be dropped."""
        if self._cancel is not None:
            self._cancel.set()
        self._cancel = self._progress = None
        self._job += 1

    def _on_progress(self, key: object, news: tuple[str, int, int]) -> None:
        if key == self._job and self._progress is not None:
            self._progress = news
            self._panel.show_progress(*news, self.folder)

    def _on_finished(self, key: object, result: Any) -> None:
        if key != self._job or result is None:
            return  # a job that was superseded, or stopped
        self._cancel = self._progress = None
        if isinstance(result, Exception):  # a defect: say so and carry on with what is known
            self._state.say(f"Could not read your collection: {result}")
            if self._state.keeper.loading:
                self._state.keeper.finish_load(Collection(self.folder))
                self.loaded.emit()
            self.show()
            return
        self._apply(result)

    def _apply(self, result: Result) -> None:
        """Use what a job found (on the GUI thread)."""
        state = self._state
        keeper = state.keeper
        problems = keeper.finish_load(result.collection) if result.collection is not None else []
        if result.error is not None:
            state.say(result.error)
            self._gave_up = result.request.reader
        if result.hand is not None and result.request.reader is not None:
            state.adapter.adopt(result.hand, result.request.reader, result.entries)
        if result.request.score and not keeper.score(result.read, at_most=INLINE_DRAWINGS):
            entries = list(keeper.collection.entries)  # many changed meanwhile (an import): again
            self._start(Request(None, entries, keeper.reader, score=True, fit=False), jobs.SCORING)
        self.show()
        if problems:
            state.say(f"{len(problems)} file(s) in your collection could not be read and were skipped.", long=True)
        if result.hand is not None:  # read the drawing again, adapted
            state.reread.emit(True)
        if result.collection is not None:
            self.loaded.emit()
