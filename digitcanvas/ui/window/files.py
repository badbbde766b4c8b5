"""The window's files: open and save drawings, export the drawing or the network input as PNG.

Each operation has a method that takes a path (what tests and drag and drop call) and a
``…_dialog`` method that asks for the path first. Failures are reported by the window
(status bar and a box) and leave the canvas as it was.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from digitcanvas.drawing.image_file import image28_to_uint8, image_kind, write_png
from digitcanvas.drawing.strokes import DrawingFileError, load_drawing, save_drawing
from digitcanvas.ui import dialogs
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.widgets.canvas import render_drawing
from digitcanvas.ui.widgets.collection_panel import display_path

if TYPE_CHECKING:
    from digitcanvas.ui.window.main_window import MainWindow

DRAWING_FILES = "DigitCanvas drawings (*.json)"
PNG_FILES = "PNG images (*.png)"
MODEL_FILES = "ONNX models (*.onnx);;All files (*)"
NOTHING_YET = "There is nothing to {} yet: draw a digit first."
DROPPABLE = (".onnx", ".json")  # a model, a drawing


def droppable(path: str) -> bool:
    """True for a file the window opens when it is dropped on it."""
    return bool(path) and path.lower().endswith(DROPPABLE)


class DrawingFiles:
    """Opening, saving and exporting for ``window``."""

    def __init__(self, window: MainWindow, settings: AppSettings) -> None:
        self.window = window
        self.settings = settings

    def open_drawing(self, path: str | os.PathLike[str]) -> bool:
        """Put the drawing file at ``path`` on the canvas (Undo brings the old drawing back)."""
        window = self.window
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
            window.show_error("Could not open the drawing", message)
            return False
        before = window.canvas.drawing()
        window.restore_drawing(drawing)
        window.history.push("Open Drawing", lambda: window.restore_drawing(before, "Back to your drawing."))
        window.status.show(f"Opened {Path(path).name}")
        return True

    def save_drawing(self, path: str | os.PathLike[str]) -> bool:
        window = self.window
        if window.canvas.is_empty():
            window.notify(NOTHING_YET.format("save"))
            return False
        try:
            save_drawing(window.canvas.drawing(), path)
        except DrawingFileError as e:
            window.show_error("Could not save the drawing", str(e))
            return False
        window.status.show(f"Saved {Path(path).name}")
        return True

    def export_drawing_png(self, path: str | os.PathLike[str]) -> bool:
        """The strokes on black paper at the canvas's size (640 × 400), white ink, the pen's width."""
        window = self.window
        if window.canvas.is_empty():
            window.notify(NOTHING_YET.format("export"))
            return False
        # PySide6 takes the format as str at run time; its stubs say bytes.
        if not render_drawing(window.canvas.drawing()).save(str(path), "PNG"):  # type: ignore[call-overload]
            window.show_error("Could not export the drawing", f"{path}: cannot write a PNG file here")
            return False
        window.status.show(f"Exported {Path(path).name}")
        return True

    def export_input_png(self, path: str | os.PathLike[str]) -> bool:
        """The 28×28 image the network saw: the digit's, or the selected digit's of a number."""
        window = self.window
        if window.canvas.is_empty():
            window.notify(NOTHING_YET.format("export"))
            return False
        if not window.reading_is_current():
            window.submit()  # read what is on the canvas now
        digit, reading, index = window.prediction, window.reading, window.result_panel.selected_index()
        if digit is None or reading is None or index is None:
            return False
        try:
            write_png(path, image28_to_uint8(digit.image))
        except OSError as e:
            window.show_error("Could not export the network input", f"{path}: {e}")
            return False
        which = ""
        if len(reading.digits) > 1:
            which = f", digit {index + 1} of {len(reading.digits)}"
        window.status.show(f"Exported {Path(path).name} (28×28{which})")
        return True

    def open_folder(self, folder: Path) -> bool:
        """Show ``folder`` in the file manager; without one, say where it is (and copy the path)."""
        window = self.window
        folder.mkdir(parents=True, exist_ok=True)
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            window.status.show(f"Opening {display_path(folder)}")
            return True
        QGuiApplication.clipboard().setText(str(folder))
        dialogs.show_info(
            window,
            "Collection Folder",
            f"There is no file manager to open it with. Your collection is in\n\n{folder}\n\n"
            "(The path is copied to the clipboard.)",
        )
        window.status.show(f"Your collection is in {folder}")
        return False

    def open_dropped(self, paths: list[str]) -> bool:
        """Open the first model or drawing among dropped files; False when there is none."""
        for path in paths:
            if path.lower().endswith(".onnx"):
                self.window.load_model(path)
            elif path.lower().endswith(".json"):
                self.open_drawing(path)
            else:
                continue
            return True
        return False

    def open_model_dialog(self) -> None:
        if path := dialogs.ask_open_path(self.window, self.settings, "Open Model", MODEL_FILES):
            self.window.load_model(path)

    def choose_collection_dialog(self) -> None:
        if path := dialogs.ask_folder(self.window, "Choose Collection Folder", self.window.collection_dir):
            self.window.set_collection_dir(path)

    def open_dialog(self) -> None:
        if path := dialogs.ask_open_path(self.window, self.settings, "Open Drawing", DRAWING_FILES + ";;All files (*)"):
            self.open_drawing(path)

    def save_dialog(self) -> None:
        if path := dialogs.ask_save_path(self.window, self.settings, "Save Drawing", "digit.json", DRAWING_FILES):
            self.save_drawing(path if path.endswith(".json") else path + ".json")

    def export_png_dialog(self) -> None:
        if path := dialogs.ask_save_path(self.window, self.settings, "Export Drawing", "digit.png", PNG_FILES):
            self.export_drawing_png(path if path.lower().endswith(".png") else path + ".png")

    def export_input_dialog(self) -> None:
        name = "digit-28x28.png"
        if path := dialogs.ask_save_path(self.window, self.settings, "Export Network Input", name, PNG_FILES):
            self.export_input_png(path if path.lower().endswith(".png") else path + ".png")
