"""The drawing's files: open and save it, export it or the network input as PNG, and read
an image (a photo or a scan of a digit or a number) in the window.

Each operation has a method that takes a path (what tests and drag and drop call) and a
``…_dialog`` method that asks for the path first. File ▸ Open Drawing or Image… and a drop
on the window (:class:`DropTarget`) tell a drawing from an image by content; an image is
shown on the canvas and read as a drawing would be. Failures are said through the state
(status bar and a box) and leave the canvas as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QWidget

from digitcanvas.drawing.file import load_drawing, save_drawing
from digitcanvas.drawing.image_file import ImageFileError, image28_to_uint8, image_kind, read_image, write_png
from digitcanvas.drawing.strokes import DrawingFileError
from digitcanvas.state.app_state import AppState, ImageInput
from digitcanvas.ui import dialogs
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.widgets.canvas import DrawingCanvas
from digitcanvas.ui.widgets.ink import render_drawing

NOTHING_YET = "There is nothing to {} yet: draw a digit first."
DROPPED_MODEL, DROPPED_DRAWING = ".onnx", ".json"
# Images the window reads when dropped (by name, as a drop is accepted before it is read;
# File ▸ Open Drawing or Image… goes by content).
DROPPED_IMAGES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".pgm", ".ppm", ".pbm")
OPEN_FILES = (
    "Drawings and images (*.json *.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.pgm *.ppm *.pbm);;"
    f"{dialogs.DRAWING_FILES};;All files (*)"
)


def droppable(path: str) -> bool:
    """True for a file the window opens when it is dropped on it: a model, a drawing or an image."""
    return bool(path) and path.lower().endswith((DROPPED_MODEL, DROPPED_DRAWING, *DROPPED_IMAGES))


class DrawingFiles:
    """Opening, saving and exporting the drawing on ``canvas``; ``parent`` holds the dialogs."""

    def __init__(self, state: AppState, canvas: DrawingCanvas, settings: AppSettings, parent: QWidget) -> None:
        self._state = state
        self._canvas = canvas
        self._settings = settings
        self._parent = parent

    def open_drawing(self, path: str | os.PathLike[str]) -> bool:
        """Put the drawing file at ``path`` on the canvas, or read the image at ``path`` (told by
        content; Undo brings back what was there)."""
        state, canvas = self._state, self._canvas
        if image_kind(path) is not None:
            return self.open_image(path)
        try:
            drawing = load_drawing(path)
        except DrawingFileError as e:
            state.fail("Could not open the drawing", str(e))
            return False
        back = self.restorer()
        canvas.show_drawing(drawing)
        state.history.push("Open Drawing", back)
        state.say(f"Opened {Path(path).name}")
        return True

    def open_image(self, path: str | os.PathLike[str]) -> bool:
        """Show the image at ``path`` on the canvas and read it, a number's digits outlined
        (Undo brings back what was there)."""
        state, name = self._state, Path(path).name
        try:
            image = ImageInput(read_image(path), name)
        except ImageFileError as e:
            state.fail("Could not open the image", str(e))
            return False
        back = self.restorer()
        self._show_image(image)
        state.history.push("Open Image", back)
        if state.reading is not None:
            state.say(f"Read {name} (draw on the canvas to start a drawing again)")
        return True

    def _show_image(self, image: ImageInput) -> None:
        self._canvas.show_picture(image.pixels)
        self._state.read_image(image)

    def restorer(self) -> Callable[[], str]:
        """An undo step that brings back what the canvas shows now: the drawing, or the image read."""
        canvas, state, image, drawing = self._canvas, self._state, self._state.image, self._canvas.drawing()

        def back() -> str:
            if image is not None:
                self._show_image(image)
                return f"{image.name} is back."
            canvas.show_picture(None)
            canvas.show_drawing(drawing)
            if drawing.is_empty:
                state.show_idle()
            return "Back to your drawing." if not drawing.is_empty else "The canvas is empty again."

        return back

    def open_dropped(self, paths: list[str], load_model: Callable[[str], object]) -> bool:
        """Open the first model (with ``load_model``), drawing or image among dropped files; False: none."""
        for path in paths:
            if path.lower().endswith(DROPPED_MODEL):
                load_model(path)
            elif droppable(path):
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
        if drawing.is_empty and state.image is None:
            state.say(NOTHING_YET.format("export"), long=True)
            return False
        if state.image is None and not state.reading_is_current(drawing):
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
        if path := dialogs.ask_open_path(self._parent, self._settings, "Open Drawing or Image", OPEN_FILES):
            self.open_drawing(path)

    def suggested_name(self) -> str:
        """A file name for what is on the canvas: "number-47", "digit-7", or "drawing" before a reading."""
        state = self._state
        reading = state.reading if state.reading_is_current(self._canvas.drawing()) else None
        if reading is None or not reading.sure:
            return "drawing"
        return f"number-{reading.text}" if len(reading.digits) > 1 else f"digit-{reading.text}"

    def save_dialog(self) -> None:
        name = f"{self.suggested_name()}.json"
        if path := dialogs.ask_save_path(self._parent, self._settings, "Save Drawing", name, dialogs.DRAWING_FILES):
            self.save_drawing(path if path.endswith(".json") else path + ".json")

    def export_png_dialog(self) -> None:
        name = f"{self.suggested_name()}.png"
        if path := dialogs.ask_save_path(self._parent, self._settings, "Export Drawing", name, dialogs.PNG_FILES):
            self.export_drawing_png(path if path.lower().endswith(".png") else path + ".png")

    def export_input_dialog(self) -> None:
        digit = self._state.prediction
        name = "digit-28x28.png" if digit is None else f"digit-{digit.digit}-28x28.png"
        if path := dialogs.ask_save_path(self._parent, self._settings, "Export Network Input", name, dialogs.PNG_FILES):
            self.export_input_png(path if path.lower().endswith(".png") else path + ".png")


class DropTarget:
    """Files dropped on ``window``: a model (loaded with ``load_model``), a drawing or an image
    (opened by ``files``); anything else is not accepted. The window hands its drag events here."""

    def __init__(self, window: QWidget, files: DrawingFiles, load_model: Callable[[str], object]) -> None:
        self._files, self._load_model = files, load_model
        window.setAcceptDrops(True)

    def enter(self, event: QDragEnterEvent) -> None:
        if any(droppable(url.toLocalFile()) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def drop(self, event: QDropEvent) -> None:
        if self._files.open_dropped([url.toLocalFile() for url in event.mimeData().urls()], self._load_model):
            event.acceptProposedAction()
