"""The main window: it lays out the widgets and wires them, the actions and the helpers to one
Qt-free :class:`~digitcanvas.state.app_state.AppState`.

The state holds the model, the reading shown, the collection and the undo history; the
helpers change it, each driving one part (:mod:`.live`, :mod:`.files`, :mod:`.model_control`,
:mod:`.collection_control`, and the tools in :mod:`digitcanvas.ui.tools`); the window shows
what the state says (the reading, the model, messages and errors) and does what needs a
window: menus, drag and drop, the theme, closing.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QSettings
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow

from digitcanvas import APP_NAME
from digitcanvas.model.info import InputScaling
from digitcanvas.state.app_state import AppState, Notice, Problem, Shown
from digitcanvas.ui import dialogs, theme
from digitcanvas.ui.resources import app_icon
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.tools.collection_browser import BrowserTool
from digitcanvas.ui.tools.compare import CompareTool
from digitcanvas.ui.tools.input_settings import InputSettingsTool
from digitcanvas.ui.tools.inside import InsideTool
from digitcanvas.ui.widgets.canvas import DrawingCanvas
from digitcanvas.ui.widgets.collection_panel import CollectionPanel
from digitcanvas.ui.widgets.controls import ControlBar
from digitcanvas.ui.widgets.model_note import ModelNote
from digitcanvas.ui.widgets.result_panel import UNREAD_MESSAGE, ResultPanel
from digitcanvas.ui.window.actions import build_actions, build_menus, menu_path, shortcuts_help, update_actions
from digitcanvas.ui.window.collection_control import CollectionControl
from digitcanvas.ui.window.files import DrawingFiles
from digitcanvas.ui.window.geometry import place_on_screen
from digitcanvas.ui.window.layout import arrange
from digitcanvas.ui.window.live import LiveReading
from digitcanvas.ui.window.model_control import ModelControl
from digitcanvas.ui.window.status import STATUS_TIMEOUT_MS, StatusLine

DROPPED_MODEL, DROPPED_DRAWING = ".onnx", ".json"


def droppable(path: str) -> bool:
    """True for a file the window opens when it is dropped on it: a model or a drawing."""
    return bool(path) and path.lower().endswith((DROPPED_MODEL, DROPPED_DRAWING))


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
        self.settings = AppSettings(settings if settings is not None else QSettings())
        self.state = state = AppState(self.settings)
        self.last_error: str | None = None
        self._cleared = ""  # what the status bar said on the last Clear
        self.setAcceptDrops(True)
        self.setWindowIcon(app_icon())
        self.canvas, self.controls = DrawingCanvas(), ControlBar()
        self.result_panel, self.collection_panel, self.model_note = ResultPanel(), CollectionPanel(), ModelNote()
        self.area = arrange(self.canvas, self.controls, self.result_panel, self.collection_panel, self.model_note)
        self.setCentralWidget(self.area)
        self.status = StatusLine(self.statusBar())
        self.ui_actions = actions = build_actions(self)
        build_menus(self.menuBar(), actions)
        state.no_model_hint = f"No model is loaded: open one with {menu_path(actions.open_model)}"
        self.live = LiveReading(state, self.canvas, self.controls.live_box, self.settings)
        self.model_control = ModelControl(state, self.settings, self, input_settings=menu_path(actions.input_settings))
        self.collection = CollectionControl(state, self.collection_panel, self.settings)
        self.files = DrawingFiles(state, self.canvas, self.settings, self)
        self.inside = InsideTool(state)
        compare_command = menu_path(actions.compare_model)
        self.compare = CompareTool(state, self.settings, self, load_command=compare_command, inside=self.inside)
        self.input_settings = InputSettingsTool(state, self.model_control, self.settings, self)
        self.browser = BrowserTool(state, self.collection, self.canvas, self)
        self._wire_state()
        self._wire_widgets()
        self._wire_actions()
        self._apply_theme()
        self.controls.set_pen_width(self.settings.pen_width(self.canvas.pen_width()))
        self.canvas.set_pen_width(self.controls.pen_box.value())
        self.controls.live_box.setChecked(self.settings.live)
        actions.live.setChecked(self.controls.live_box.isChecked())
        actions.adapt.setChecked(self.settings.adapt)
        self.model_control.load_startup(model_path, scaling=input_scaling)
        self.collection.load()
        state.show_idle()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._apply_theme)

    # --- wiring ---------------------------------------------------------------------------
    def _wire_state(self) -> None:
        state = self.state
        state.reading_shown.connect(self._show)
        state.digit_selected.connect(lambda _: self.refresh_actions())
        state.model_changed.connect(lambda _: self._show_model())
        state.history_changed.connect(lambda _: self.refresh_actions())
        state.reread.connect(self._read_again)
        state.said.connect(self._say)
        state.failed.connect(self._fail)

    def _wire_widgets(self) -> None:
        canvas, controls, history = self.canvas, self.controls, self.state.history
        canvas.stroke_finished.connect(lambda: history.push("Stroke", lambda: None if canvas.undo() else None))
        canvas.strokes_changed.connect(self._on_strokes_changed)
        canvas.drawing_replaced.connect(lambda: controls.set_pen_width(canvas.pen_width(), quiet=True))
        controls.submit_button.clicked.connect(self.submit)
        controls.undo_button.clicked.connect(self.state.undo)
        controls.clear_button.clicked.connect(self.clear)
        controls.pen_box.valueChanged.connect(self._on_pen_width)
        controls.live_box.toggled.connect(self.ui_actions.live.setChecked)
        self.result_panel.digit_clicked.connect(lambda d: self.ui_actions.corrections[d].trigger())  # if enabled
        self.result_panel.digit_selected.connect(self.state.select_digit)

    def _wire_actions(self) -> None:
        a, files, models, collection = self.ui_actions, self.files, self.model_control, self.collection
        for action, slot in (
            (a.open_model, models.open_dialog),
            (a.use_bundled, models.use_bundled),
            (a.open_drawing, files.open_dialog),
            (a.save_drawing, files.save_dialog),
            (a.export_png, files.export_png_dialog),
            (a.export_input, files.export_input_dialog),
            (a.quit, self.close),
            (a.submit, self.submit),
            (a.undo, self.state.undo),
            (a.clear, self.clear),
            (a.choose_collection, collection.choose_folder_dialog),
            (a.open_collection, collection.open_folder),
            (a.live, self.controls.live_box.toggle),
            (a.thinner_pen, lambda: self.controls.step_pen(-1)),
            (a.thicker_pen, lambda: self.controls.step_pen(1)),
            (a.previous_digit, lambda: self.result_panel.select_next(-1)),
            (a.next_digit, lambda: self.result_panel.select_next(1)),
            (a.input_settings, self.input_settings.open_dialog),
            (a.compare_model, self.compare.open_dialog),
            (a.adapt, lambda: collection.set_adapt(a.adapt.isChecked())),
            (a.inside_view, self.inside.show),
            (a.browse_collection, self.browser.open),
            (a.shortcuts, lambda: dialogs.show_shortcuts(self, shortcuts_help(a))),
            (a.about, lambda: dialogs.show_about(self, self.state.models.classifier)),
        ):
            action.triggered.connect(lambda _=False, slot=slot: slot())
        for digit, correction in enumerate(a.corrections):
            correction.triggered.connect(lambda _=False, d=digit: collection.correct(self.canvas.drawing(), d))

    def place_on_screen(self) -> None:
        """Where the window was last time, else a size that suits the screen, centred on it."""
        place_on_screen(self, self.settings.geometry)

    # --- drawing and reading ----------------------------------------------------------------
    def submit(self) -> None:
        """Classify the current drawing (Enter / the Classify button)."""
        self.live.stop()
        drawing = self.canvas.drawing()
        if drawing.is_empty:
            self.state.show_idle("Draw a digit first.")
        else:
            self.state.read(drawing)

    def clear(self) -> None:
        """Clear the canvas (Esc); Undo brings the drawing back."""
        self.live.stop()
        if not self.canvas.is_empty():
            drawing, canvas = self.canvas.drawing(), self.canvas

            def back() -> str:
                canvas.show_drawing(drawing)
                return "The drawing is back."

            self.state.history.push("Clear", back)
            # Replaces what the bar said of the drawing before (a keep's "Ctrl+Z takes it back"
            # now undoes the Clear first).
            keys = self.ui_actions.undo.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            self._cleared = f"Cleared ({keys} brings the drawing back)."
            self.status.show(self._cleared)
        self.canvas.clear()
        self.state.show_idle()

    def _show(self, shown: Shown) -> None:
        """Show what the state read (or why there is nothing to show)."""
        reading = shown.reading
        if reading is None:
            self.canvas.set_outlines([])
            if shown.message is None:
                self.result_panel.show_idle()
            else:
                self.result_panel.show_idle(shown.message)
        else:
            self.result_panel.show_reading(reading)
            number = len(reading.digits) > 1
            self.canvas.set_outlines([d.box for d in reading.digits if d.box is not None] if number else [])
        self.refresh_actions()

    def _read_again(self, only_if_current: bool) -> None:
        drawing = self.canvas.drawing()
        if not drawing.is_empty and (not only_if_current or self.state.reading_is_current(drawing)):
            self.state.read(drawing)

    def _on_strokes_changed(self) -> None:
        state, empty = self.state, self.canvas.is_empty()
        if not empty and self._cleared and self.status.message() == self._cleared:
            self.status.clear()  # a new drawing: Ctrl+Z takes its stroke first, not the cleared one back
        if empty:
            state.show_idle()
        elif self.live.on:
            self.live.stop()
            state.read(self.canvas.drawing())
        elif state.reading is not None and state.reading_is_current(self.canvas.drawing()):  # back to it (an undo)
            self.result_panel.show_reading(state.reading)
        elif state.reading is not None:
            self.result_panel.show_stale()
        else:
            self.result_panel.show_idle(UNREAD_MESSAGE)
        self.refresh_actions()

    def _on_pen_width(self, value: int) -> None:
        current = self.state.reading_is_current(self.canvas.drawing())
        self.canvas.set_pen_width(value)
        self.settings.set_pen_width(value)
        if current:  # "too small" and a number's outlines depend on the pen: read it again
            self.state.read(self.canvas.drawing())
        self.refresh_actions()

    def refresh_actions(self) -> None:
        """Enable what can act now; name what Undo would undo."""
        reading, models = self.state.reading, self.state.models
        update_actions(
            self.ui_actions,
            self.controls,
            ink=not self.canvas.is_empty(),
            model=models.reader is not None,
            bundled=models.bundled,
            undo=self.state.history.next_name(),
            several_digits=reading is not None and len(reading.digits) > 1,
        )

    def _show_model(self) -> None:
        """The model's name in the title and the status bar, how it is fed under the controls."""
        models = self.state.models
        self.setWindowTitle(f"{APP_NAME} — {models.title()}")
        self.status.set_model(*models.label())
        self.model_note.show_model(models)
        self.refresh_actions()

    # --- drag and drop ------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(droppable(url.toLocalFile()) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open the first model or drawing among the dropped files."""
        for path in (url.toLocalFile() for url in event.mimeData().urls()):
            if path.lower().endswith(DROPPED_MODEL):
                self.model_control.load(path)
            elif path.lower().endswith(DROPPED_DRAWING):
                self.files.open_drawing(path)
            else:
                continue
            event.acceptProposedAction()
            return

    # --- messages, theme, window events -------------------------------------------------
    def _say(self, notice: Notice) -> None:
        self.status.show(notice.text, STATUS_TIMEOUT_MS * (2 if notice.long else 1))

    def _fail(self, problem: Problem) -> None:
        """Say what went wrong in the status bar and a box (details behind "Show Details…")."""
        self.last_error = problem.message
        self.status.show(problem.message)
        dialogs.show_error(self, problem.title, problem.message, details=problem.details)

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
        self.inside.shutdown()
        self.settings.set_geometry(self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
