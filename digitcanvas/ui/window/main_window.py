"""The main window: wires the canvas, the panels and the actions to a :class:`Reader`.

The window owns the state (the model, the reading shown, the collection, the undo
history, the settings) and does what needs a window: dialogs, drag and drop, the theme.
It reads drawings only through ``Reader.read_drawing`` and hands each :class:`Reading`
to the :class:`ResultPanel`, which composes every text about it. Which model reads is
:mod:`.model_control`'s business, files are :mod:`.files`', the collection's
:mod:`.collection_control`'s, live reading :mod:`.live`'s, the model tools' (Input
Settings, comparing, the inside view, the browser) :mod:`.tools`', and what each action
calls :mod:`.wiring`'s.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow

from digitcanvas.collection.hand import AdaptationControl
from digitcanvas.collection.keeper import Keeper
from digitcanvas.drawing.strokes import Drawing, DrawingFileError
from digitcanvas.model.classifier import Classifier, ModelRunError
from digitcanvas.model.info import InputScaling
from digitcanvas.reading.preprocessing import EmptyInputError
from digitcanvas.reading.reader import DigitReading, Reading
from digitcanvas.state.history import History
from digitcanvas.ui import dialogs, theme
from digitcanvas.ui.resources import app_icon
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.tools.model_tools import ModelTools
from digitcanvas.ui.widgets.canvas import DrawingCanvas
from digitcanvas.ui.widgets.collection_panel import CollectionPanel
from digitcanvas.ui.widgets.controls import ControlBar
from digitcanvas.ui.widgets.model_note import ModelNote
from digitcanvas.ui.widgets.result_panel import IDLE_MESSAGE, UNREAD_MESSAGE, ResultPanel
from digitcanvas.ui.window.actions import build_actions, build_menus, menu_path, update_actions
from digitcanvas.ui.window.collection_control import CollectionControl
from digitcanvas.ui.window.files import DrawingFiles, droppable
from digitcanvas.ui.window.geometry import place_on_screen
from digitcanvas.ui.window.layout import arrange
from digitcanvas.ui.window.live import LiveReading
from digitcanvas.ui.window.model_control import ModelControl
from digitcanvas.ui.window.status import STATUS_TIMEOUT_MS, StatusLine
from digitcanvas.ui.window.wiring import window_slots


class MainWindow(QMainWindow):
    """DigitCanvas's window: draw on the canvas, read what the model says, keep corrections."""

    def __init__(
        self,
        *,
        model_path: str | os.PathLike[str] | None = None,
        input_scaling: InputScaling | None = None,
        settings: QSettings | None = None,
    ) -> None:
        """``model_path`` and ``input_scaling`` come from ``--model`` and ``--input`` (see
        :meth:`.ModelControl.load_startup`); ``settings`` defaults to the app's own."""
        super().__init__()
        self._settings = AppSettings(settings if settings is not None else QSettings())
        self.model_control = ModelControl(self, self._settings)
        self.models = self.model_control.choice  # the model in use and its names
        self._reading: Reading | None = None
        self._reading_drawing: Drawing | None = None
        self._cleared = ""  # what the status bar said on the last Clear
        self.collection = CollectionControl(self, self._settings)
        self.history = History(self.refresh_actions)
        self.last_error: str | None = None
        self.live = LiveReading(self, self._settings)
        self.setAcceptDrops(True)
        self.setWindowIcon(app_icon())
        self._build_widgets()
        self._build_actions()
        self.files = DrawingFiles(self, self._settings)
        self.tools = ModelTools(self, self._settings)
        self.adaptation = AdaptationControl(self, self._settings)
        self._apply_theme()
        self._restore_settings()
        self.model_control.load_startup(model_path, scaling=input_scaling)
        self.collection.load()
        self._show_idle()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._apply_theme)

    # --- construction -------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.canvas = DrawingCanvas()
        self.controls = ControlBar()
        self.result_panel = ResultPanel()
        self.collection_panel = CollectionPanel()
        self.model_note = ModelNote()
        self.area = arrange(self.canvas, self.controls, self.result_panel, self.collection_panel, self.model_note)
        self.setCentralWidget(self.area)
        self.status = StatusLine(self.statusBar())

        self.canvas.stroke_progress.connect(self.live.stroke_progressed)
        self.canvas.stroke_finished.connect(lambda: self.history.push("Stroke", self._undo_stroke))
        self.canvas.strokes_changed.connect(self._on_strokes_changed)
        self.controls.submit_button.clicked.connect(self.submit)
        self.controls.undo_button.clicked.connect(self.undo)
        self.controls.clear_button.clicked.connect(self.clear)
        self.controls.pen_box.valueChanged.connect(self._on_pen_width)
        self.controls.live_box.toggled.connect(self.live.toggled)
        self.result_panel.digit_clicked.connect(lambda d: self.ui_actions.corrections[d].trigger())  # if enabled
        self.result_panel.digit_selected.connect(lambda i: self.tools.digit_selected(i))
        self.collection_panel.open_folder_requested.connect(self.open_collection_folder)
        self.collection_panel.change_folder_requested.connect(lambda: self.files.choose_collection_dialog())

    def _build_actions(self) -> None:
        self.ui_actions = build_actions(self, window_slots(self))
        build_menus(self.menuBar(), self.ui_actions)
        self.controls.live_box.toggled.connect(self.ui_actions.live.setChecked)
        self.ui_actions.adapt.setChecked(self._settings.adapt)

    def _restore_settings(self) -> None:
        self.controls.set_pen_width(self._settings.pen_width(self.canvas.pen_width()))
        self.canvas.set_pen_width(self.controls.pen_box.value())
        self.controls.live_box.setChecked(self._settings.live)
        self.ui_actions.live.setChecked(self.controls.live_box.isChecked())

    def place_on_screen(self) -> None:
        """Where the window was last time, else a size that suits the screen, centred on it."""
        place_on_screen(self, self._settings.geometry)

    # --- model (see :mod:`.model_control`) ------------------------------------------------
    @property
    def classifier(self) -> Classifier | None:
        return self.models.classifier

    def load_model(
        self, path: str | os.PathLike[str] | None, *, remember: bool = True, scaling: InputScaling | None = None
    ) -> bool:
        """Load a model (None: the bundled one), fed with ``scaling`` if given (else its remembered
        setting, metadata or detection). On failure, say why and keep the old one."""
        return self.model_control.load(path, remember=remember, scaling=scaling)

    def use_bundled_model(self) -> None:
        self.model_control.use_bundled()

    # --- drawing and classifying --------------------------------------------------------
    @property
    def reading(self) -> Reading | None:
        return self._reading

    @property
    def prediction(self) -> DigitReading | None:
        """The digit the bars explain: the only one, or the number's selected one."""
        index = self.result_panel.selected_index()
        return None if self._reading is None or index is None else self._reading.digits[index]

    def reading_drawing(self) -> Drawing | None:
        """The drawing the reading shown was made of."""
        return self._reading_drawing

    def reading_is_current(self) -> bool:
        """True when the reading shown is of the drawing on the canvas now."""
        return self._reading is not None and self._reading_drawing == self.canvas.drawing()

    def submit(self) -> None:
        """Classify the current drawing (Enter / the Classify button)."""
        self.live.stop()
        drawing = self.canvas.drawing()
        if drawing.is_empty:
            self._show_idle("Draw a digit first.")
            return
        self.classify(drawing)

    def undo(self) -> None:
        """Undo the last change (Ctrl+Z): a stroke, Clear, an opened drawing, a keep."""
        if not self.history.can_undo():
            self.status.show("Nothing to undo")
            return
        try:
            message = self.history.undo()
        except (DrawingFileError, KeyError) as e:
            self.show_error("Could not undo", str(e))
            message = None
        self.collection.show()
        if message:
            self.status.show(message)

    def _undo_stroke(self) -> None:
        self.canvas.undo()

    def clear(self) -> None:
        """Clear the canvas (Esc); Undo brings the drawing back."""
        self.live.stop()
        if not self.canvas.is_empty():
            drawing = self.canvas.drawing()
            self.history.push("Clear", lambda: self.restore_drawing(drawing, "The drawing is back."))
            # Replaces what the bar said of the drawing before (a keep's "Ctrl+Z takes it back"
            # now undoes the Clear first).
            keys = self.ui_actions.undo.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            self._cleared = f"Cleared ({keys} brings the drawing back)."
            self.status.show(self._cleared)
        self.canvas.clear()
        self._show_idle()

    def restore_drawing(self, drawing: Drawing, message: str | None = None) -> str | None:
        """Put ``drawing`` on the canvas (an empty one clears it), with its pen width."""
        if drawing.is_empty:
            self.canvas.clear()
        else:
            self.canvas.set_drawing(drawing)
            self.controls.set_pen_width(self.canvas.pen_width(), quiet=True)
        return message

    def classify(self, drawing: Drawing) -> None:
        reader = self.models.reader
        if reader is None:
            self._show_idle(f"No model is loaded: open one with {menu_path(self.ui_actions.open_model)}")
            return
        try:
            reading = reader.read_drawing(drawing)
        except EmptyInputError:
            self._show_idle()
            return
        except ModelRunError as e:  # a user's model may fail at run time on some inputs
            self._show_idle(f"The model failed on this drawing: {e}")
            self.status.show(f"{reader.classifier.path.name} failed: {e}")
            return
        self._reading, self._reading_drawing = reading, drawing
        self.result_panel.show_reading(reading)
        self.tools.reading_shown(reading, drawing)
        number = len(reading.digits) > 1
        self.canvas.set_outlines([d.box for d in reading.digits if d.box is not None] if number else [])
        self.refresh_actions()

    def _show_idle(self, message: str = IDLE_MESSAGE) -> None:
        self._reading, self._reading_drawing = None, None
        self.canvas.set_outlines([])
        self.result_panel.show_idle(message)
        self.tools.reading_shown(None, None)
        self.refresh_actions()

    def _on_strokes_changed(self) -> None:
        if not self.canvas.is_empty() and self._cleared and self.status.message() == self._cleared:
            self.status.clear()  # a new drawing: Ctrl+Z takes its stroke first, not the cleared one back
        if self.canvas.is_empty():
            self._show_idle()
        elif self.live.on:
            self.live.stop()
            self.classify(self.canvas.drawing())
        elif self._reading is not None and self.reading_is_current():  # back to the drawing read (an undo)
            self.result_panel.show_reading(self._reading)
        elif self._reading is not None:
            self.result_panel.show_stale()
        else:
            self.result_panel.show_idle(UNREAD_MESSAGE)
        self.refresh_actions()

    def _on_pen_width(self, value: int) -> None:
        current = self.reading_is_current()
        self.canvas.set_pen_width(value)
        self._settings.set_pen_width(value)
        if current:  # "too small" and a number's outlines depend on the pen: read it again
            self.classify(self.canvas.drawing())
        self.refresh_actions()

    def refresh_actions(self) -> None:
        """Enable what can act now; name what Undo would undo."""
        if hasattr(self, "ui_actions"):
            update_actions(
                self.ui_actions,
                self.controls,
                ink=not self.canvas.is_empty(),
                model=self.models.reader is not None,
                bundled=self.models.bundled,
                undo=self.history.next_name(),
                several_digits=self._reading is not None and len(self._reading.digits) > 1,
            )

    # --- the personal collection (see :mod:`.collection_control`) ------------------------
    @property
    def collection_dir(self) -> Path:
        return self.collection.folder

    @property
    def keeper(self) -> Keeper:
        return self.collection.keeper

    def set_collection_dir(self, path: str | os.PathLike[str]) -> None:
        self.collection.set_folder(path)

    def correct(self, digit: int) -> bool:
        """Keep the drawing on the canvas as ``digit`` (digit key or bar click); again: relabel it."""
        return self.collection.correct(digit)

    def open_collection_folder(self) -> bool:
        return self.collection.open_folder()

    # --- drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(droppable(url.toLocalFile()) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.files.open_dropped([url.toLocalFile() for url in event.mimeData().urls()]):
            event.acceptProposedAction()

    # --- messages, theme, window events -------------------------------------------------
    def show_error(self, title: str, message: str, *, details: str = "") -> None:
        """Say what went wrong in the status bar and a box (``details`` behind "Show Details…")."""
        self.last_error = message
        self.status.show(message)
        dialogs.show_error(self, title, message, details=details)

    def notify(self, message: str) -> None:
        self.status.show(message, STATUS_TIMEOUT_MS * 2)

    def _apply_theme(self) -> None:
        """Follow the system's light or dark scheme."""
        if theme.follow_system() or not self.styleSheet():
            self.setStyleSheet(theme.style_sheet())
            self.canvas.refresh_colours()
            self.result_panel.refresh_colours()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange):
            self._apply_theme()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.collection.shutdown()
        self.tools.shutdown()
        self._settings.set_geometry(self.saveGeometry())
        self._settings.sync()
        super().closeEvent(event)
