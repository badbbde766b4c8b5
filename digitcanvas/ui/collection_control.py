"""The window's personal collection: keeping the drawing on the canvas, the folder, the panel.

:class:`CollectionControl` applies the window's rule for corrections (one drawing, one
entry; keeps go on the undo history) through :class:`~.keeper.Keeper`, and keeps the
collection panel's summary up to date.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..drawing import DrawingFileError
from .history import COLLECTION
from .keeper import Keeper
from .settings import AppSettings

if TYPE_CHECKING:  # the window builds this object; only its type is needed here
    from .window import MainWindow


class CollectionControl:
    """The collection as ``window`` uses it."""

    def __init__(self, window: MainWindow, settings: AppSettings) -> None:
        self.window = window
        self.settings = settings
        self.keeper = Keeper(settings.collection_dir)

    @property
    def folder(self) -> Path:
        return self.keeper.folder

    def set_folder(self, path: str | os.PathLike[str]) -> None:
        self.settings.set_collection_dir(path)
        self.window.history.forget(COLLECTION)  # its keeps were in the other folder
        self.load()

    def load(self) -> None:
        problems = self.keeper.open(self.settings.collection_dir)
        self.show()
        if problems:
            self.window.notify(f"{len(problems)} file(s) in your collection could not be read and were skipped.")

    def show(self) -> None:
        """Refresh the panel's summary (and the adaptation resting on the collection)."""
        self.window.adaptation.refresh()
        note = self.window.adaptation.describe()
        summary = self.keeper.summary() + (f" · {note}" if note else "")
        self.window.collection_panel.show_summary(summary, self.folder)
        self.window.tools.collection_changed()

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

    def open_folder(self) -> bool:
        """Show the collection folder in the file manager; without one, say where it is."""
        return self.window.files.open_folder(self.folder)
