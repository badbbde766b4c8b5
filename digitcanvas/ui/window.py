"""The main window: wires the canvas, the bars and the preview to the classifier.

Only this module talks to the model; the widgets just emit signals and show values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

import numpy as np
from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .. import __version__
from ..collection import add_to_collection, predict_collection, scan_collection, score_predictions
from ..doubt import Verdict, assess, threshold_for
from ..drawing import Drawing, DrawingFileError, load_drawing, save_drawing
from ..imagefile import image28_to_uint8, write_png
from ..inference import Classifier, ModelLoadError, bundled_model_path, load_classifier
from ..preprocessing import EmptyInputError, preprocess_drawing
from ..recognizer import Prediction
from ..segmentation import NumberReading, read_number
from .bars import ConfidenceBars, format_percent
from .canvas import DrawingCanvas
from .preview import InputPreview

W = TypeVar("W", bound=QWidget)

APP_NAME = "DigitCanvas"
LIVE_INTERVAL_MS = 40  # re-classify at most ~25 times a second while the pen moves
PEN_WIDTH_RANGE = (4, 48)
STATUS_TIMEOUT_MS = 6000
KEY_MODEL = "model/path"
KEY_PEN = "pen/width"
KEY_LIVE = "live"
KEY_DIR = "dirs/last"
KEY_COLLECTION = "collection/path"
DIGIT_FONT_PX = 64
NUMBER_FONT_MIN_PX = 28

STYLE = """
QMainWindow { background: #f8fafc; }
QFrame#panel { background: #ffffff; border: 1px solid #e5e7eb; border-radius: 12px; }
QLabel#digit { font-size: 64px; font-weight: 600; color: #111827; }
QLabel#caption { color: #4b5563; font-size: 13px; }
QLabel#heading { color: #6b7280; font-size: 11px; font-weight: 600; letter-spacing: 1px; }
QLabel#doubt { color: #b45309; }
QLabel#collection { color: #4b5563; font-size: 12px; }
QPushButton#link { border: none; background: transparent; color: #2563eb; padding: 0 4px; }
QPushButton#link:hover { text-decoration: underline; }
QPushButton { padding: 6px 14px; border-radius: 6px; border: 1px solid #cbd5e1; background: #ffffff; }
QPushButton:hover { background: #f1f5f9; }
QPushButton#primary { background: #2563eb; color: white; border: 1px solid #1d4ed8; font-weight: 600; }
QPushButton#primary:hover { background: #1d4ed8; }
"""


class MainWindow(QMainWindow):
    def __init__(self, *, model_path: str | os.PathLike[str] | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self._settings = settings if settings is not None else QSettings()
        self._classifier: Classifier | None = None
        self._prediction: Prediction | None = None
        self._reading: NumberReading | None = None
        self._verdicts: list[Verdict] = []
        self._reading_drawing: Drawing | None = None
        self._collection_labels: list[int] = []
        self._collection_drawings: list[Drawing] = []
        self._collection_predictions: list[int] = []
        self.last_error: str | None = None
        self._error_box: QMessageBox | None = None
        self._live_timer = QTimer(self, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._live_timer.timeout.connect(self._classify_live)
        self.setAcceptDrops(True)
        self.setStyleSheet(STYLE)
        self._build_widgets()
        self._build_actions()
        self._restore_settings()
        self._load_startup_model(model_path)
        self._load_collection()
        self._show_idle()

    # --- construction -------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.canvas = DrawingCanvas()
        self.bars = ConfidenceBars()
        self.preview = InputPreview()
        self.digit_label = _named(QLabel("–", alignment=Qt.AlignmentFlag.AlignCenter), "digit")
        self.caption = _named(QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True), "caption")
        self.caption.setMinimumHeight(36)

        self.submit_button = _named(QPushButton("Classify"), "primary")
        self.submit_button.setToolTip("Classify the drawing (Enter)")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Remove the last stroke (Ctrl+Z)")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Start again (Esc or Delete)")
        self.live_box = QCheckBox("Live")
        self.live_box.setToolTip("Classify while you draw (Ctrl+L)")
        self.pen_box = QSpinBox(suffix=" px", minimum=PEN_WIDTH_RANGE[0], maximum=PEN_WIDTH_RANGE[1])
        self.pen_box.setToolTip("Pen width on the canvas (arrows or mouse wheel)")
        # Never takes the keyboard: digit keys must reach the window to correct a guess.
        self.pen_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.collection_label = _named(QLabel(wordWrap=True), "collection")
        self.open_collection_button = _named(QPushButton("Open folder"), "link")
        self.change_collection_button = _named(QPushButton("Change…"), "link")
        for button in (self.open_collection_button, self.change_collection_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for button in (self.submit_button, self.undo_button, self.clear_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        controls = QHBoxLayout()
        controls.addWidget(self.submit_button)
        controls.addWidget(self.undo_button)
        controls.addWidget(self.clear_button)
        controls.addStretch(1)
        controls.addWidget(QLabel("Pen"))
        controls.addWidget(self.pen_box)
        controls.addWidget(self.live_box)

        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        left.addLayout(controls)

        panel = _named(QFrame(), "panel")
        side = QVBoxLayout(panel)
        side.setContentsMargins(16, 12, 16, 16)
        side.addWidget(_named(QLabel("PREDICTION"), "heading"))
        side.addWidget(self.digit_label)
        side.addWidget(self.caption)
        side.addSpacing(8)
        side.addWidget(_named(QLabel("CONFIDENCE"), "heading"))
        side.addWidget(self.bars)
        side.addSpacing(8)
        side.addWidget(_named(QLabel("WHAT THE NETWORK SEES"), "heading"))
        side.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        side.addStretch(1)
        side.addWidget(_named(QLabel("YOUR COLLECTION"), "heading"))
        side.addWidget(self.collection_label)
        links = QHBoxLayout()
        links.addWidget(self.open_collection_button)
        links.addWidget(self.change_collection_button)
        links.addStretch(1)
        side.addLayout(links)
        panel.setFixedWidth(300)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(12)
        layout.addLayout(left, 1)
        layout.addWidget(panel)
        self.setCentralWidget(central)

        self.model_label = QLabel()
        self.statusBar().addPermanentWidget(self.model_label)

        self.canvas.stroke_progress.connect(self._on_stroke_progress)
        self.canvas.strokes_changed.connect(self._on_strokes_changed)
        self.submit_button.clicked.connect(self.submit)
        self.undo_button.clicked.connect(self.undo)
        self.clear_button.clicked.connect(self.clear)
        self.pen_box.valueChanged.connect(self._on_pen_width)
        self.live_box.toggled.connect(self._on_live_toggled)
        self.bars.digit_clicked.connect(self.correct)
        self.open_collection_button.clicked.connect(self._open_collection_folder)
        self.change_collection_button.clicked.connect(self._choose_collection_dialog)

    def _action(self, text: str, slot: object, *shortcuts: QKeySequence | QKeySequence.StandardKey | str) -> QAction:
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even where the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.open_model_action = self._action("Open &Model…", self._open_model_dialog, QKeySequence.StandardKey.Open)
        self.bundled_action = self._action("Use &Bundled Model", self.use_bundled_model)
        self.open_drawing_action = self._action("Open &Drawing…", self._open_drawing_dialog, "Ctrl+Shift+O")
        self.save_drawing_action = self._action(
            "&Save Drawing…", self._save_drawing_dialog, QKeySequence.StandardKey.Save
        )
        self.export_png_action = self._action("Export Drawing as &PNG…", self._export_png_dialog, "Ctrl+E")
        self.export_input_action = self._action(
            "Export &Network Input as PNG…", self._export_input_dialog, "Ctrl+Shift+E"
        )
        quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        for action in (self.open_model_action, self.bundled_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        for action in (
            self.open_drawing_action,
            self.save_drawing_action,
            self.export_png_action,
            self.export_input_action,
        ):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

        edit_menu = menu.addMenu("&Edit")
        self.submit_action = self._action("&Classify", self.submit, "Return", "Enter")
        self.undo_action = self._action("&Undo Stroke", self.undo, QKeySequence.StandardKey.Undo)
        self.clear_action = self._action("C&lear", self.clear, "Escape", "Delete")
        for action in (self.submit_action, self.undo_action, self.clear_action):
            edit_menu.addAction(action)

        edit_menu.addSeparator()
        correct_menu = edit_menu.addMenu("That &Was a…")
        for digit in range(10):
            action = self._action(str(digit), lambda _=False, d=digit: self.correct(d), str(digit))
            action.setStatusTip(f"Keep this drawing in your collection as a {digit}")
            correct_menu.addAction(action)
        edit_menu.addAction(self._action("Choose Collection &Folder…", self._choose_collection_dialog))
        edit_menu.addAction(self._action("&Open Collection Folder", self._open_collection_folder))

        view_menu = menu.addMenu("&View")
        self.live_action = self._action("&Live Classification", self.live_box.toggle, "Ctrl+L")
        self.live_action.setCheckable(True)
        self.live_box.toggled.connect(self.live_action.setChecked)
        view_menu.addAction(self.live_action)

        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard Shortcuts", self._show_shortcuts, "F1"))
        help_menu.addAction(self._action("&About DigitCanvas", self._show_about))

    def _restore_settings(self) -> None:
        pen = _to_float(self._settings.value(KEY_PEN), self.canvas.pen_width())
        self.pen_box.setValue(round(min(max(pen, PEN_WIDTH_RANGE[0]), PEN_WIDTH_RANGE[1])))
        self.canvas.set_pen_width(self.pen_box.value())
        live = self._settings.value(KEY_LIVE, True)
        self.live_box.setChecked(live not in (False, "false", "0", 0))
        self.live_action.setChecked(self.live_box.isChecked())

    def _load_startup_model(self, model_path: str | os.PathLike[str] | None) -> None:
        if model_path is not None:
            if self.load_model(model_path):
                return
        else:
            remembered = self._settings.value(KEY_MODEL)
            if remembered:
                if Path(str(remembered)).is_file() and self.load_model(str(remembered), remember=False):
                    return
                self._settings.remove(KEY_MODEL)
                self.use_bundled_model()
                self._notify(f"The model you used last ({remembered}) is gone; using the bundled model.")
                return
        self.use_bundled_model()

    # --- model --------------------------------------------------------------------------

    @property
    def classifier(self) -> Classifier | None:
        return self._classifier

    def load_model(self, path: str | os.PathLike[str] | None, *, remember: bool = True) -> bool:
        """Load a model (None: the bundled one). On failure, say why and keep the old one."""
        try:
            classifier = load_classifier(path)
        except ModelLoadError as e:
            kept = f"\n\nStill using {self._classifier.describe()}." if self._classifier else ""
            self._show_error("Could not load the model", f"{e}{kept}")
            return False
        self._classifier = classifier
        if remember:
            if path is None:
                self._settings.remove(KEY_MODEL)
            else:
                self._settings.setValue(KEY_MODEL, str(Path(path).resolve()))
        bundled = path is None
        label = f"Model: {classifier.describe()}" + (" (bundled)" if bundled else f" — {classifier.path.name}")
        self.model_label.setText(label)
        self.model_label.setToolTip(str(classifier.path))
        self.setWindowTitle(f"{APP_NAME} — {classifier.describe()}")
        self.statusBar().showMessage(f"Loaded {classifier.path.name}", STATUS_TIMEOUT_MS)
        if not self.canvas.is_empty():
            self._classify(self.canvas.drawing())
        self._rescore_collection()
        return True

    def use_bundled_model(self) -> None:
        if not self.load_model(None) and self._classifier is None:
            self.setWindowTitle(f"{APP_NAME} — no model")
            self.model_label.setText(f"No model: the bundled one is missing ({bundled_model_path()})")

    # --- drawing and classifying --------------------------------------------------------

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

    @property
    def prediction(self) -> Prediction | None:
        return self._prediction

    def _classify(self, drawing: Drawing) -> None:
        if self._classifier is None:
            self._show_idle("No model is loaded. Use File ▸ Open Model….")
            return
        try:
            reading = read_number(self._classifier, drawing)
        except EmptyInputError:
            self._show_idle()
            return
        except Exception as e:  # a user's model may fail at run time on some inputs
            self._show_idle(f"The model failed on this drawing: {e}")
            self.statusBar().showMessage(f"{self._classifier.path.name} failed: {e}", STATUS_TIMEOUT_MS)
            return
        threshold = threshold_for(self._classifier.metadata)
        verdicts = [assess(d.prediction.probabilities, threshold, _subset(drawing, d.members)) for d in reading.digits]
        self._reading, self._verdicts, self._reading_drawing = reading, verdicts, drawing
        if len(reading.digits) == 1:
            self._show_digit(reading.digits[0].prediction, verdicts[0])
            self.canvas.set_outlines([])
        else:
            self._show_number(reading, verdicts)
            self.canvas.set_outlines([d.box for d in reading.digits])

    def _show_digit(self, prediction: Prediction, verdict: Verdict) -> None:
        self._prediction = prediction
        self.bars.set_probabilities(prediction.probabilities, doubtful=not verdict.sure)
        self.preview.set_image(prediction.image)
        self._set_big_text(str(prediction.digit) if verdict.sure else "?")
        if verdict.sure:
            runner_up, p2 = prediction.ranked(2)[1]
            self.caption.setText(f"{verdict.message()} · next best {runner_up} ({format_percent(p2)})")
        else:
            self.caption.setText(verdict.message())
        self.caption.setObjectName("caption" if verdict.sure else "doubt")
        self.caption.style().polish(self.caption)

    def _show_number(self, reading: NumberReading, verdicts: list[Verdict]) -> None:
        # The bars explain the digit the network is least sure of.
        weakest = min(range(len(verdicts)), key=lambda i: verdicts[i].confidence)
        prediction = reading.digits[weakest].prediction
        self._prediction = prediction
        self.bars.set_probabilities(prediction.probabilities, doubtful=not verdicts[weakest].sure)
        self.preview.set_images([d.prediction.image for d in reading.digits])
        self._set_big_text("".join(str(v.digit) if v.sure else "?" for v in verdicts))
        doubtful = [i + 1 for i, v in enumerate(verdicts) if not v.sure]
        parts = " · ".join(f"{v.digit}: {format_percent(v.confidence)}" for v in verdicts)
        if doubtful:
            which = ", ".join(_ordinal(i) for i in doubtful)
            options = " or ".join(str(c) for c in verdicts[doubtful[0] - 1].candidates)
            text = f"Not sure of the {which} digit (could be {options}). {parts}"
        else:
            text = f"{len(verdicts)} digits · {parts}"
        self.caption.setText(text + f"\nBars: digit {weakest + 1}, the least certain.")
        self.caption.setObjectName("doubt" if doubtful else "caption")
        self.caption.style().polish(self.caption)

    def _set_big_text(self, text: str) -> None:
        size = max(NUMBER_FONT_MIN_PX, min(DIGIT_FONT_PX, int(DIGIT_FONT_PX * 4 / max(len(text), 4))))
        self.digit_label.setStyleSheet(f"font-size: {size}px;")
        self.digit_label.setText(text)

    @property
    def reading(self) -> NumberReading | None:
        return self._reading

    @property
    def verdicts(self) -> list[Verdict]:
        return list(self._verdicts)

    def _show_idle(self, message: str = "Draw a digit — or a whole number — on the canvas.") -> None:
        self._prediction = None
        self._reading, self._verdicts, self._reading_drawing = None, [], None
        self.bars.set_probabilities(None)
        self.preview.set_image(None)
        self.canvas.set_outlines([])
        self._set_big_text("–")
        self.caption.setText(message)
        self.caption.setObjectName("caption")
        self.caption.style().polish(self.caption)

    def _on_stroke_progress(self) -> None:
        if self.live_box.isChecked() and not self._live_timer.isActive():
            self._live_timer.start()

    def _classify_live(self) -> None:
        drawing = self.canvas.live_drawing()
        if not drawing.is_empty:
            self._classify(drawing)

    def _on_strokes_changed(self) -> None:
        if self.canvas.is_empty():
            self._show_idle()
        elif self.live_box.isChecked():
            self._live_timer.stop()
            self._classify(self.canvas.drawing())
        elif self._prediction is not None:
            self.caption.setText("The drawing changed: press Enter to classify it again.")

    def _on_pen_width(self, value: int) -> None:
        self.canvas.set_pen_width(value)
        self._settings.setValue(KEY_PEN, value)

    def _on_live_toggled(self, on: bool) -> None:
        self._settings.setValue(KEY_LIVE, on)
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
        pixmap = self.canvas.grab()
        if not pixmap.save(str(path), "PNG"):
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

    def _last_dir(self) -> str:
        return str(self._settings.value(KEY_DIR, str(Path.home())))

    def _remember_dir(self, path: str) -> None:
        self._settings.setValue(KEY_DIR, str(Path(path).parent))

    def _open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open Model", self._last_dir(), "ONNX models (*.onnx);;All files (*)"
        )
        if path:
            self._remember_dir(path)
            self.load_model(path)

    def _open_drawing_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open Drawing", self._last_dir(), "DigitCanvas drawings (*.json);;All files (*)"
        )
        if path:
            self._remember_dir(path)
            self.open_drawing(path)

    def _save_dialog(self, title: str, name: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path(self._last_dir()) / name), file_filter)
        if path:
            self._remember_dir(path)
        return path or None

    def _save_drawing_dialog(self) -> None:
        if path := self._save_dialog("Save Drawing", "digit.json", "DigitCanvas drawings (*.json)"):
            self.save_drawing(path if path.endswith(".json") else path + ".json")

    def _export_png_dialog(self) -> None:
        if path := self._save_dialog("Export Drawing", "digit.png", "PNG images (*.png)"):
            self.export_drawing_png(path)

    def _export_input_dialog(self) -> None:
        if path := self._save_dialog("Export Network Input", "digit-28x28.png", "PNG images (*.png)"):
            self.export_input_png(path)

    # --- the personal collection --------------------------------------------------------

    @property
    def collection_dir(self) -> Path:
        stored = self._settings.value(KEY_COLLECTION)
        if stored:
            return Path(str(stored))
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        return Path(base or Path.home() / ".digitcanvas") / "collection"

    def set_collection_dir(self, path: str | os.PathLike[str]) -> None:
        self._settings.setValue(KEY_COLLECTION, str(Path(path)))
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
            path = add_to_collection(drawing, digit, self.collection_dir)
        except (DrawingFileError, ValueError) as e:
            self._show_error("Could not save to your collection", str(e))
            return False
        self._collection_drawings.append(drawing.with_label(digit))
        self._collection_labels.append(digit)
        if self._classifier is not None:
            self._collection_predictions += predict_collection(self._classifier, [drawing])
        self._update_collection_label()
        guess = self._reading.digits[0].prediction.digit
        verb = "Thanks — kept" if guess != digit else "Kept"
        self.statusBar().showMessage(f"{verb} as a {digit} in your collection ({path.name})", STATUS_TIMEOUT_MS)
        return True

    def _load_collection(self) -> None:
        folder = self.collection_dir
        try:
            scan = scan_collection(folder) if folder.is_dir() else None
        except DrawingFileError:
            scan = None
        self._collection_drawings = scan.drawings if scan else []
        self._collection_labels = [int(d.label) for d in self._collection_drawings if d.label is not None]
        self._rescore_collection()
        if scan and scan.problems:
            self._notify(f"{len(scan.problems)} file(s) in your collection could not be read and were skipped.")

    def _rescore_collection(self) -> None:
        if self._classifier is None:
            self._collection_predictions = []
        else:
            self._collection_predictions = predict_collection(self._classifier, self._collection_drawings)
        self._update_collection_label()

    def collection_summary(self) -> str:
        if not self._collection_predictions and self._collection_labels:
            return f"{len(self._collection_labels)} drawings (no model to score them)"
        return score_predictions(self._collection_predictions, self._collection_labels).summary()

    def _update_collection_label(self) -> None:
        self.collection_label.setText(self.collection_summary())
        self.collection_label.setToolTip(f"Saved in {self.collection_dir}")

    def _open_collection_folder(self) -> None:
        folder = self.collection_dir
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _choose_collection_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose Collection Folder", str(self.collection_dir))
        if path:
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
        """A window-modal, non-blocking dialog; the app keeps working behind it."""
        self.last_error = message
        self.statusBar().showMessage(message.splitlines()[0], STATUS_TIMEOUT_MS)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self._error_box = box
        box.open()

    def _notify(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_TIMEOUT_MS * 2)

    def _show_shortcuts(self) -> None:
        text = (
            "<table cellpadding=3>"
            "<tr><td><b>Enter</b></td><td>Classify the drawing</td></tr>"
            "<tr><td><b>Esc</b> / <b>Delete</b></td><td>Clear the canvas</td></tr>"
            "<tr><td><b>Ctrl+Z</b></td><td>Undo the last stroke</td></tr>"
            "<tr><td><b>0</b> … <b>9</b></td><td>Say what the digit really was: keeps it in your collection</td></tr>"
            "<tr><td><b>Ctrl+L</b></td><td>Live classification on/off</td></tr>"
            "<tr><td><b>Ctrl+O</b></td><td>Open a model (.onnx)</td></tr>"
            "<tr><td><b>Ctrl+S</b> / <b>Ctrl+Shift+O</b></td><td>Save / open a drawing</td></tr>"
            "<tr><td><b>Ctrl+E</b> / <b>Ctrl+Shift+E</b></td><td>Export drawing / network input as PNG</td></tr>"
            "<tr><td><b>F1</b></td><td>This list</td></tr></table>"
        )
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard Shortcuts", text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _show_about(self) -> None:
        QMessageBox.about(
            self,
            "About DigitCanvas",
            f"<b>DigitCanvas {__version__}</b><p>Draw a digit; a neural network says which one it is "
            "and how sure it is. Load your own MNIST model (.onnx) to try it by hand.</p>",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.sync()
        super().closeEvent(event)


def _named(widget: W, name: str) -> W:
    """Give a widget the object name the style sheet refers to."""
    widget.setObjectName(name)
    return widget


def _subset(drawing: Drawing, members: tuple[int, ...]) -> Drawing:
    return Drawing(tuple(drawing.strokes[m] for m in members), drawing.width, drawing.height, drawing.pen_width)


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def _droppable(path: str) -> bool:
    return bool(path) and path.lower().endswith((".onnx", ".json"))


def _to_float(value: object, default: float) -> float:
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return result if np.isfinite(result) else default
