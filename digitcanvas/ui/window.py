"""The main window: wires the canvas, the panels and the actions to a :class:`Reader`.

The window owns the state (the model, the reading shown, the collection, the settings)
and does what needs a window: file dialogs, drag and drop, message boxes. It reads
drawings only through ``Reader.read_drawing`` and hands each :class:`Reading` to the
:class:`ResultPanel`, which composes every text about it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QLabel, QMainWindow

from ..collection import Collection
from ..drawing import Drawing, DrawingFileError, load_drawing, save_drawing
from ..imagefile import image28_to_uint8, write_png
from ..inference import Classifier, ModelLoadError, ModelRunError, bundled_model_path, load_classifier
from ..preprocessing import EmptyInputError, preprocess_drawing
from ..reader import DigitReading, Reader, Reading
from . import dialogs, theme
from .actions import Slots, build_actions, build_menus
from .canvas import DrawingCanvas
from .collection_panel import CollectionPanel
from .controls import ControlBar
from .layout import arrange
from .result_panel import IDLE_MESSAGE, ResultPanel, explained_index
from .settings import AppSettings

APP_NAME = "DigitCanvas"
LIVE_INTERVAL_MS = 40  # re-classify at most ~25 times a second while the pen moves
STATUS_TIMEOUT_MS = 6000
DRAWING_FILES = "DigitCanvas drawings (*.json)"
PNG_FILES = "PNG images (*.png)"


class MainWindow(QMainWindow):
    """DigitCanvas's window: draw on the canvas, read what the model says, keep corrections."""

    def __init__(self, *, model_path: str | os.PathLike[str] | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self._settings = AppSettings(settings if settings is not None else QSettings())
        self._reader: Reader | None = None
        self._reading: Reading | None = None
        self._reading_drawing: Drawing | None = None
        self._collection = Collection(Path())
        self.last_error: str | None = None
        self._live_timer = QTimer(self, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._live_timer.timeout.connect(self._classify_live)
        self.setAcceptDrops(True)
        self.setStyleSheet(theme.STYLE_SHEET)
        self._build_widgets()
        self._build_actions()
        self._restore_settings()
        self._load_startup_model(model_path)
        self._load_collection()
        self._show_idle()

    # --- construction -------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.canvas = DrawingCanvas()
        self.controls = ControlBar()
        self.result_panel = ResultPanel()
        self.collection_panel = CollectionPanel()
        self.setCentralWidget(arrange(self.canvas, self.controls, self.result_panel, self.collection_panel))
        self.model_label = QLabel()
        self.statusBar().addPermanentWidget(self.model_label)

        self.canvas.stroke_progress.connect(self._on_stroke_progress)
        self.canvas.strokes_changed.connect(self._on_strokes_changed)
        self.controls.submit_button.clicked.connect(self.submit)
        self.controls.undo_button.clicked.connect(self.undo)
        self.controls.clear_button.clicked.connect(self.clear)
        self.controls.pen_box.valueChanged.connect(self._on_pen_width)
        self.controls.live_box.toggled.connect(self._on_live_toggled)
        self.result_panel.digit_clicked.connect(self.correct)
        self.collection_panel.open_folder_requested.connect(self._open_collection_folder)
        self.collection_panel.change_folder_requested.connect(self._choose_collection_dialog)

    def _build_actions(self) -> None:
        slots = Slots(
            open_model=self._open_model_dialog,
            use_bundled=self.use_bundled_model,
            open_drawing=self._open_drawing_dialog,
            save_drawing=self._save_drawing_dialog,
            export_png=self._export_png_dialog,
            export_input=self._export_input_dialog,
            quit=self.close,
            submit=self.submit,
            undo=self.undo,
            clear=self.clear,
            correct=self.correct,
            choose_collection=self._choose_collection_dialog,
            open_collection=self._open_collection_folder,
            toggle_live=self.controls.live_box.toggle,
            shortcuts=lambda: dialogs.show_shortcuts(self),
            about=lambda: dialogs.show_about(self),
        )
        self.ui_actions = build_actions(self, slots)
        build_menus(self.menuBar(), self.ui_actions)
        self.controls.live_box.toggled.connect(self.ui_actions.live.setChecked)

    def _restore_settings(self) -> None:
        self.controls.set_pen_width(self._settings.pen_width(self.canvas.pen_width()))
        self.canvas.set_pen_width(self.controls.pen_box.value())
        self.controls.live_box.setChecked(self._settings.live)
        self.ui_actions.live.setChecked(self.controls.live_box.isChecked())

    def _load_startup_model(self, model_path: str | os.PathLike[str] | None) -> None:
        """The model named on the command line, else the one used last, else the bundled one."""
        if model_path is not None and self.load_model(model_path):
            return
        remembered = self._settings.model_path if model_path is None else None
        if remembered and Path(remembered).is_file() and self.load_model(remembered, remember=False):
            return
        self._settings.set_model_path(None)
        self.use_bundled_model()
        if remembered:
            self._notify(f"The model you used last ({remembered}) is gone; using the bundled model.")

    # --- model --------------------------------------------------------------------------
    @property
    def classifier(self) -> Classifier | None:
        return self._reader.classifier if self._reader is not None else None

    def load_model(self, path: str | os.PathLike[str] | None, *, remember: bool = True) -> bool:
        """Load a model (None: the bundled one). On failure, say why and keep the old one."""
        try:
            classifier = load_classifier(path)
        except ModelLoadError as e:
            kept = f"\n\nStill using {self.classifier.describe()}." if self.classifier else ""
            self._show_error("Could not load the model", f"{e}{kept}")
            return False
        self._reader = Reader(classifier)
        if remember:
            self._settings.set_model_path(path)
        where = " (bundled)" if path is None else f" — {classifier.path.name}"
        self.model_label.setText(f"Model: {classifier.describe()}{where}")
        self.model_label.setToolTip(str(classifier.path))
        self.setWindowTitle(f"{APP_NAME} — {classifier.describe()}")
        self.statusBar().showMessage(f"Loaded {classifier.path.name}", STATUS_TIMEOUT_MS)
        if not self.canvas.is_empty():
            self._classify(self.canvas.drawing())
        self._rescore_collection()
        return True

    def use_bundled_model(self) -> None:
        if not self.load_model(None) and self._reader is None:
            self.setWindowTitle(f"{APP_NAME} — no model")
            self.model_label.setText(f"No model: the bundled one is missing ({bundled_model_path()})")

    # --- drawing and classifying --------------------------------------------------------
    @property
    def reading(self) -> Reading | None:
        return self._reading

    @property
    def prediction(self) -> DigitReading | None:
        """The digit the bars explain: the only one, or a number's least certain one."""
        return None if self._reading is None else self._reading.digits[explained_index(self._reading)]

    def submit(self) -> None:
        """Classify the current drawing (Enter / the Classify button)."""
        self._live_timer.stop()
        drawing = self.canvas.drawing()
        if drawing.is_empty:
            self._show_idle("Draw a digit first, then press Enter.")
            return
        self._classify(drawing)

    def undo(self) -> None:
        if not self.canvas.undo():
            self.statusBar().showMessage("Nothing to undo", STATUS_TIMEOUT_MS)

    def clear(self) -> None:
        self._live_timer.stop()
        self.canvas.clear()
        self._show_idle()

    def _classify(self, drawing: Drawing) -> None:
        if self._reader is None:
            self._show_idle("No model is loaded. Use File ▸ Open Model….")
            return
        try:
            reading = self._reader.read_drawing(drawing)
        except EmptyInputError:
            self._show_idle()
            return
        except ModelRunError as e:  # a user's model may fail at run time on some inputs
            self._show_idle(f"The model failed on this drawing: {e}")
            self.statusBar().showMessage(f"{self._reader.classifier.path.name} failed: {e}", STATUS_TIMEOUT_MS)
            return
        self._reading, self._reading_drawing = reading, drawing
        self.result_panel.show_reading(reading)
        number = len(reading.digits) > 1
        self.canvas.set_outlines([d.box for d in reading.digits if d.box is not None] if number else [])

    def _show_idle(self, message: str = IDLE_MESSAGE) -> None:
        self._reading, self._reading_drawing = None, None
        self.canvas.set_outlines([])
        self.result_panel.show_idle(message)

    def _on_stroke_progress(self) -> None:
        if self.controls.live_box.isChecked() and not self._live_timer.isActive():
            self._live_timer.start()

    def _classify_live(self) -> None:
        drawing = self.canvas.drawing(include_current=True)
        if not drawing.is_empty:
            self._classify(drawing)

    def _on_strokes_changed(self) -> None:
        if self.canvas.is_empty():
            self._show_idle()
        elif self.controls.live_box.isChecked():
            self._live_timer.stop()
            self._classify(self.canvas.drawing())
        elif self._reading is not None:
            self.result_panel.show_stale()

    def _on_pen_width(self, value: int) -> None:
        self.canvas.set_pen_width(value)
        self._settings.set_pen_width(value)

    def _on_live_toggled(self, on: bool) -> None:
        self._settings.set_live(on)
        if on and not self.canvas.is_empty():
            self._classify(self.canvas.drawing())

    # --- files --------------------------------------------------------------------------
    def open_drawing(self, path: str | os.PathLike[str]) -> bool:
        try:
            drawing = load_drawing(path)
        except DrawingFileError as e:
            self._show_error("Could not open the drawing", str(e))
            return False
        self.canvas.set_drawing(drawing)
        if not drawing.is_empty:
            self._classify(self.canvas.drawing())
        self.statusBar().showMessage(f"Opened {Path(path).name}", STATUS_TIMEOUT_MS)
        return True

    def save_drawing(self, path: str | os.PathLike[str]) -> bool:
        if self.canvas.is_empty():
            self._notify("There is nothing to save yet: draw a digit first.")
            return False
        try:
            save_drawing(self.canvas.drawing(), path)
        except DrawingFileError as e:
            self._show_error("Could not save the drawing", str(e))
            return False
        self.statusBar().showMessage(f"Saved {Path(path).name}", STATUS_TIMEOUT_MS)
        return True

    def export_drawing_png(self, path: str | os.PathLike[str]) -> bool:
        if self.canvas.is_empty():
            self._notify("There is nothing to export yet: draw a digit first.")
            return False
        if not self.canvas.grab().save(str(path), "PNG"):
            self._show_error("Could not export the drawing", f"{path}: cannot write a PNG file here")
            return False
        self.statusBar().showMessage(f"Exported {Path(path).name}", STATUS_TIMEOUT_MS)
        return True

    def export_input_png(self, path: str | os.PathLike[str]) -> bool:
        try:
            image = preprocess_drawing(self.canvas.drawing())
        except EmptyInputError:
            self._notify("There is nothing to export yet: draw a digit first.")
            return False
        try:
            write_png(path, image28_to_uint8(image))
        except OSError as e:
            self._show_error("Could not export the network input", f"{path}: {e}")
            return False
        self.statusBar().showMessage(f"Exported {Path(path).name} (28×28)", STATUS_TIMEOUT_MS)
        return True

    def _open_model_dialog(self) -> None:
        if path := dialogs.ask_open_path(self, self._settings, "Open Model", "ONNX models (*.onnx);;All files (*)"):
            self.load_model(path)

    def _open_drawing_dialog(self) -> None:
        if path := dialogs.ask_open_path(self, self._settings, "Open Drawing", DRAWING_FILES + ";;All files (*)"):
            self.open_drawing(path)

    def _save_drawing_dialog(self) -> None:
        if path := dialogs.ask_save_path(self, self._settings, "Save Drawing", "digit.json", DRAWING_FILES):
            self.save_drawing(path if path.endswith(".json") else path + ".json")

    def _export_png_dialog(self) -> None:
        if path := dialogs.ask_save_path(self, self._settings, "Export Drawing", "digit.png", PNG_FILES):
            self.export_drawing_png(path)

    def _export_input_dialog(self) -> None:
        if path := dialogs.ask_save_path(self, self._settings, "Export Network Input", "digit-28x28.png", PNG_FILES):
            self.export_input_png(path)

    # --- the personal collection --------------------------------------------------------
    @property
    def collection_dir(self) -> Path:
        return self._settings.collection_dir

    def set_collection_dir(self, path: str | os.PathLike[str]) -> None:
        self._settings.set_collection_dir(path)
        self._load_collection()

    def correct(self, digit: int) -> bool:
        """Keep the current drawing in the collection with its true digit (digit key or bar click)."""
        drawing = self.canvas.drawing()
        if drawing.is_empty:
            self._notify("Draw a digit first; then press the digit it really is to keep it.")
            return False
        if self._reading_drawing != drawing:  # not classified yet (live mode off): read it now
            self._classify(drawing)
        if self._reading is None:
            return False
        if len(self._reading.digits) != 1:
            self._notify("Corrections are for single digits: clear the canvas and draw one digit.")
            return False
        try:
            entry = self._collection.add(drawing, digit, self._reader)
        except (DrawingFileError, ValueError) as e:
            self._show_error("Could not save to your collection", str(e))
            return False
        self._show_collection()
        verb = "Thanks — kept" if self._reading.digits[0].digit != digit else "Kept"
        self.statusBar().showMessage(f"{verb} as a {digit} in your collection ({entry.path.name})", STATUS_TIMEOUT_MS)
        return True

    def collection_summary(self) -> str:
        return self._collection.summary()

    def _load_collection(self) -> None:
        try:
            self._collection = Collection.open(self.collection_dir)
        except DrawingFileError:
            self._collection = Collection(self.collection_dir)
        self._rescore_collection()
        if problems := self._collection.problems:
            self._notify(f"{len(problems)} file(s) in your collection could not be read and were skipped.")

    def _rescore_collection(self) -> None:
        self._collection.rescore(self._reader)
        self._show_collection()

    def _show_collection(self) -> None:
        self.collection_panel.show_summary(self.collection_summary(), self.collection_dir)

    def _open_collection_folder(self) -> None:
        self.collection_dir.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.collection_dir)))

    def _choose_collection_dialog(self) -> None:
        if path := dialogs.ask_folder(self, "Choose Collection Folder", self.collection_dir):
            self.set_collection_dir(path)

    # --- drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(_droppable(url.toLocalFile()) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if path.lower().endswith(".onnx"):
                self.load_model(path)
            elif path.lower().endswith(".json"):
                self.open_drawing(path)
            else:
                continue
            event.acceptProposedAction()
            return

    # --- messages -----------------------------------------------------------------------
    def _show_error(self, title: str, message: str) -> None:
        """Say what went wrong in the status bar and a non-blocking box; remembered in ``last_error``."""
        self.last_error = message
        self.statusBar().showMessage(message.splitlines()[0], STATUS_TIMEOUT_MS)
        dialogs.show_error(self, title, message)

    def _notify(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_TIMEOUT_MS * 2)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.sync()
        super().closeEvent(event)


def _droppable(path: str) -> bool:
    return bool(path) and path.lower().endswith((".onnx", ".json"))
