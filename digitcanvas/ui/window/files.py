"""The drawing's files: open and save it, export it or the network input as PNG.

Each operation has a method that takes a path (what tests and drag and drop call) and a
``…_dialog`` method that asks for the path first. Failures are said through the state
(status bar and a box) and leave the canvas as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from digitcanvas.drawing.file import load_drawing, save_drawing
from digitcanvas.drawing.image_file import image28_to_uint8, image_kind, write_png
from digitcanvas.drawing.strokes import DrawingFileError
from digitcanvas.state.app_state import AppState
from digitcanvas.ui import dialogs
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.widgets.canvas import DrawingCanvas
from digitcanvas.ui.widgets.ink import render_drawing

NOTHING_YET = "There is nothing to {} yet: draw a digit first."
DROPPED_MODEL, DROPPED_DRAWING = ".onnx", ".json"


def droppable(path: str) -> bool:
    """True for a file the window opens when it is dropped on it: a model or a drawing."""
    return bool(path) and path.lower().endswith((DROPPED_MODEL, DROPPED_DRAWING))


class DrawingFiles:
    """Opening, saving and exporting the drawing on ``canvas``; ``parent`` holds the dialogs."""

    def __init__(self, state: AppState, canvas: DrawingCanvas, settings: AppSettings, parent: QWidget) -> None:
        self._state = state
        self._canvas = canvas
        self._settings = settings
        self._parent = parent

    def open_drawing(self, path: str | os.PathLike[str]) -> bool:
        """Put the drawing file at ``path`` on the canvas (Undo brings the old drawing back)."""
        state, canvas = self._state, self._canvas
        try:
            drawing = load_drawing(path)
        except DrawingFileError as e:
            message = str(e)
            if (kind := image_kind(path)) is not None:  # a picture, not strokes: say where it is read
                name = Path(path).name
                message = (
                    f"{name} is a {kind} image, not a drawing: the window reads what you draw. To read an "
                    f"image, run  digitcanvas predict {name}  (add --number for a whole number)."
                )
            state.fail("Could not open the drawing", message)
            return False
        before = canvas.drawing()
        canvas.show_drawing(drawing)

        def back() -> str:
            canvas.show_drawing(before)
            return "Back to your drawing."

        state.history.push("Open Drawing", back)
        state.say(f"Opened {Path(path).name}")
        return True

    def open_dropped(self, paths: list[str], load_model: Callable[[str], object]) -> bool:
        """Open the first model (with ``load_model``) or drawing among dropped files; False: none."""
        for path in paths:
            if path.lower().endswith(DROPPED_MODEL):
                load_model(path)
            elif path.lower().endswith(DROPPED_DRAWING):
                self.open_drawing(path)
            else:
                continue
            return True
        return False

    def save_drawing(self, path: str | os.PathLike[str]) -> bool:
        if self._canvas.is_empty():
            self._state.say(NOTHING_YET.format("save"), long=True)
            return False
        try:
            save_drawing(self._canvas.drawing(), path)
        except DrawingFileError as e:
            self._state.fail("Could not save the drawing", str(e))
            return False
        self._state.say(f"Saved {Path(path).name}")
        return True

    def export_drawing_png(self, path: str | os.PathLike[str]) -> bool:
        """The strokes on black paper at the canvas's size (640 × 400), white ink, the pen's width."""
        if self._canvas.is_empty():
            self._state.say(NOTHING_YET.format("export"), long=True)
            return False
        # PySide6 takes the format as str at run time; its stubs say bytes.
        if not render_drawing(self._canvas.drawing()).save(str(path), "PNG"):  # type: ignore[call-overload]
            self._state.fail("Could not export the drawing", f"{path}: cannot write a PNG file here")
            return False
        self._state.say(f"Exported {Path(path).name}")
        return True

    def export_input_png(self, path: str | os.PathLike[str]) -> bool:
        """The 28×28 image the network saw: the digit's, or the selected digit's of a number."""
        state, drawing = self._state, self._canvas.drawing()
        if drawing.is_empty:
            state.say(NOTHING_YET.format("export"), long=True)
            return False
        if not state.reading_is_current(drawing):
            state.read(drawing)  # read what is on the canvas now
        digit, reading, index = state.prediction, state.reading, state.selected
        if digit is None or reading is None or index is None:
            return False
        try:
            write_png(path, image28_to_uint8(digit.image))
        except OSError as e:
            state.fail("Could not export the network input", f"{path}: {e}")
            return False
        which = f", digit {index + 1} of {len(reading.digits)}" if len(reading.digits) > 1 else ""
        state.say(f"Exported {Path(path).name} (28×28{which})")
        return True

    def open_dialog(self) -> None:
        files = dialogs.DRAWING_FILES + ";;All files (*)"
        if path := dialogs.ask_open_path(self._parent, self._settings, "Open Drawing", files):
            self.open_drawing(path)

    def save_dialog(self) -> None:
        if path := dialogs.ask_save_path(
            self._parent, self._settings, "Save Drawing", "digit.json", dialogs.DRAWING_FILES
        ):
            self.save_drawing(path if path.endswith(".json") else path + ".json")

    def export_png_dialog(self) -> None:
        if path := dialogs.ask_save_path(
            self._parent, self._settings, "Export Drawing", "digit.png", dialogs.PNG_FILES
        ):
            self.export_drawing_png(path if path.lower().endswith(".png") else path + ".png")

    def export_input_dialog(self) -> None:
        name = "digit-28x28.png"
        if path := dialogs.ask_save_path(self._parent, self._settings, "Export Network Input", name, dialogs.PNG_FILES):
            self.export_input_png(path if path.lower().endswith(".png") else path + ".png")
