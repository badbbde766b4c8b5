"""The main window: it lays out the widgets and wires them, the actions and the helpers to one
Qt-free :class:`~digitcanvas.state.app_state.AppState`.

The state holds the model, the reading shown, the collection and the undo history; the
helpers change it, each driving one part (:mod:`.live`, :mod:`.files`, :mod:`.model_control`,
:mod:`.collection_control`, and the tools in :mod:`digitcanvas.ui.tools`); the window shows
what the state says (the reading, the model, messages and errors) and does what needs a
window: menus, closing. Drops (:class:`.files.DropTarget`) and the theme (:mod:`.theme_control`)
have helpers of their own.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow

from digitcanvas import APP_NAME
from digitcanvas.model.info import InputScaling
from digitcanvas.state.app_state import AppState, Problem, Shown
from digitcanvas.ui import dialogs
from digitcanvas.ui.resources import app_icon
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.theme import Scheme
from digitcanvas.ui.tools.collection_browser import BrowserTool
from digitcanvas.ui.tools.compare import CompareTool
from digitcanvas.ui.tools.input_settings import InputSettingsTool
from digitcanvas.ui.tools.inside import InsideTool
from digitcanvas.ui.tools.training import TrainingTool
from digitcanvas.ui.widgets.canvas import DrawingCanvas
from digitcanvas.ui.widgets.collection_panel import CollectionPanel
from digitcanvas.ui.widgets.controls import ControlBar
from digitcanvas.ui.widgets.model_note import ModelNote
from digitcanvas.ui.widgets.result_panel import ResultPanel
from digitcanvas.ui.window.actions import build_actions, build_menus, menu_path, shortcuts_help, update_actions
from digitcanvas.ui.window.collection_control import CollectionControl
from digitcanvas.ui.window.files import DrawingFiles, DropTarget
from digitcanvas.ui.window.layout import arrange, scrolling
from digitcanvas.ui.window.live import LiveReading
from digitcanvas.ui.window.model_control import ModelControl
from digitcanvas.ui.window.status import StatusLine
from digitcanvas.ui.window.theme_control import ThemeControl


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
        :meth:`.model_control.ModelControl.load_startup`); ``settings`` defaults to the app's own."""
        super().__init__()
        self.settings = AppSettings(settings if settings is not None else QSettings())
        self.state = state = AppState(self.settings)
        self.last_error: str | None = None
        self.setWindowIcon(app_icon())
        self.canvas, self.controls = DrawingCanvas(), ControlBar()
        self.result_panel, self.collection_panel, self.model_note = ResultPanel(), CollectionPanel(), ModelNote()
        self.area = arrange(self.canvas, self.controls, self.result_panel, self.collection_panel, self.model_note)
        self.setCentralWidget(scrolling(self.area))  # fits any screen; scrolls below 640 × 480
        self.status = StatusLine(self.statusBar())
        self.ui_actions = actions = build_actions(self)
        build_menus(self.menuBar(), actions)
        state.no_model_hint = f"No model is loaded: open one with {menu_path(actions.open_model)}"
        self.live = LiveReading(state, self.canvas, self.controls.live_box, self.settings)
        self.model_control = ModelControl(state, self.settings, self, input_settings=menu_path(actions.input_settings))
        self.collection = CollectionControl(state, self.collection_panel, self.settings)
        self.files = DrawingFiles(state, self.canvas, self.settings, self)
        self.drops = DropTarget(self, self.files, self.model_control.load)
        self.inside = InsideTool(state, self)
        compare_command = menu_path(actions.compare_model)
        self.compare = CompareTool(state, self.settings, self, load_command=compare_command, inside=self.inside)
        self.input_settings = InputSettingsTool(state, self.model_control, self.settings, self)
        self.browser = BrowserTool(state, self.collection, self.canvas, self)
        self.training = TrainingTool(state, self.model_control, self.settings, self)
        self._wire_state()
        self._wire_widgets()
        self._wire_actions()
        themes = {
            Scheme.SYSTEM: actions.theme_system,
            Scheme.LIGHT: actions.theme_light,
            Scheme.DARK: actions.theme_dark,
        }
        self.theme = ThemeControl(self.settings, self, themes)
        self.theme.changed.connect(self.canvas.refresh_colours)
        self.theme.changed.connect(self.result_panel.refresh_colours)
        self.controls.set_pen_width(self.settings.pen_width(self.canvas.pen_width()))
        self.canvas.set_pen_width(self.controls.pen_box.value())
        self.controls.live_box.setChecked(self.settings.live)
        actions.live.setChecked(self.controls.live_box.isChecked())
        actions.adapt.setChecked(self.settings.adapt)
        self.model_control.load_startup(model_path, scaling=input_scaling)
        self.collection.load()
        state.show_idle()

    # --- wiring ---------------------------------------------------------------------------
    def _wire_state(self) -> None:
        state = self.state
        state.reading_shown.connect(self._show)
        state.digit_selected.connect(lambda _: self.refresh_actions())
        state.model_changed.connect(lambda _: self._show_model())
        state.history_changed.connect(lambda _: self.refresh_actions())
        state.reread.connect(lambda current: state.read_again(self.canvas.drawing(), only_if_current=current))
        state.said.connect(self.status.show_notice)
        state.failed.connect(self._fail)

    def _wire_widgets(self) -> None:
        canvas, controls, history = self.canvas, self.controls, self.state.history
        canvas.stroke_finished.connect(lambda: history.push("Stroke", canvas.undo_stroke))
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
            (a.train_network, self.training.open),
            (a.adapt, lambda: collection.set_adapt(a.adapt.isChecked())),
            (a.inside_view, self.inside.show),
            (a.browse_collection, self.browser.open),
            (a.shortcuts, lambda: dialogs.show_shortcuts(self, shortcuts_help(a))),
            (a.about, lambda: dialogs.show_about(self, self.state.models.classifier)),
        ):
            action.triggered.connect(lambda _=False, slot=slot: slot())
        for digit, correction in enumerate(a.corrections):
            correction.triggered.connect(lambda _=False, d=digit: collection.correct(self.canvas.drawing(), d))

    # --- drawing and reading ----------------------------------------------------------------
    def submit(self) -> None:
        """Classify the current drawing, or the image shown (Enter / the Classify button)."""
        self.live.stop()
        self.state.read_now(self.canvas.drawing())

    def clear(self) -> None:
        """Clear the canvas (Esc); Undo brings the drawing (or the image) back."""
        self.live.stop()
        if not self.canvas.is_empty() or self.state.image is not None:
            self.state.history.push("Clear", self.files.restorer())
            # Replaces what the bar said of the drawing before (a keep's "Ctrl+Z takes it back"
            # now undoes the Clear first).
            keys = self.ui_actions.undo.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            self.status.show_cleared(f"Cleared ({keys} brings the drawing back).")
        self.canvas.clear()
        self.state.show_idle()

    def _show(self, shown: Shown) -> None:
        """Show what the state read (or why there is nothing to show)."""
        self.result_panel.show_result(shown)
        if not shown.stale:
            outlines = shown.reading.outlines if shown.reading is not None else []
            self.canvas.set_outlines(outlines, in_picture=shown.image is not None)
        self.refresh_actions()

    def _on_strokes_changed(self) -> None:
        if not self.canvas.is_empty():
            self.status.drop_cleared()
        self.live.stop()
        self.state.canvas_changed(self.canvas.drawing(), live=self.live.on)

    def _on_pen_width(self, value: int) -> None:
        self.settings.set_pen_width(value)
        if not self.canvas.set_pen_width(value):  # the drawing on the canvas keeps its one pen
            self.state.say(f"Pen {value} px from your next drawing: this one keeps {self.canvas.pen_width():g} px.")
        self.refresh_actions()

    def refresh_actions(self) -> None:
        """Enable what can act now; name what Undo would undo."""
        ink, image = not self.canvas.is_empty(), self.state.image is not None
        update_actions(self.ui_actions, self.controls, self.state, ink=ink, image=image)

    def _show_model(self) -> None:
        """The model's name in the title and the status bar, how it is fed under the controls."""
        models = self.state.models
        self.setWindowTitle(f"{APP_NAME} — {models.title()}")
        self.status.set_model(*models.label())
        self.model_note.show_model(models)
        self.refresh_actions()

    # --- drops, messages, window events ---------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.drops.enter(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.drops.drop(event)

    def _fail(self, problem: Problem) -> None:
        """Say what went wrong in the status bar and a box (details behind "Show Details…")."""
        self.last_error = problem.message
        self.status.show(problem.message)
        dialogs.show_error(self, problem.title, problem.message, details=problem.details)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.collection.shutdown()
        self.inside.shutdown()
        self.settings.set_geometry(self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
