"""The window's model tools: Input Settings, a second model to compare, the inside view,
the collection browser and "Adapt to my handwriting".

Each is a window or dialog of its own, made the first time it is opened (start-up pays
for none of them). The main window tells :class:`ModelTools` when the model changes and
when a reading is shown; everything else happens here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QVBoxLayout

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import ModelLoadError, ModelRunError, load_classifier
from digitcanvas.model.conventions import format_setting
from digitcanvas.model.info import ModelWriteError, write_metadata
from digitcanvas.reading.reader import Reader, Reading
from digitcanvas.state.models import remembered_scaling
from digitcanvas.ui import dialogs
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.tools.collection_browser import CollectionBrowser
from digitcanvas.ui.tools.input_settings import InputSettingsDialog, Keep
from digitcanvas.ui.tools.inside_view import InsideView
from digitcanvas.ui.widgets.compare_panel import ComparePanel
from digitcanvas.ui.window.actions import menu_path
from digitcanvas.ui.window.geometry import place_on_screen

if TYPE_CHECKING:  # the window builds this object; only its type is needed here
    from digitcanvas.ui.window.main_window import MainWindow

MODEL_FILES = "ONNX models (*.onnx);;All files (*)"
INSIDE_TITLE = "Inside the Network — DigitCanvas"
COMPARE_TITLE = "Compare Models — DigitCanvas"


class ModelTools:
    """Input Settings, Compare with Model…, Look Inside and the collection browser for ``window``."""

    def __init__(self, window: MainWindow, settings: AppSettings) -> None:
        self.window = window
        self.settings = settings
        self.second: Reader | None = None
        self.inside_view: InsideView | None = None
        self.compare_panel: ComparePanel | None = None
        self._compared: tuple[Reading | None, Reading | None] = (None, None)  # the readings compared last
        self._compare_window: QDialog | None = None
        self.browser: CollectionBrowser | None = None

    # --- Input Settings ------------------------------------------------------------------

    def input_settings_dialog(self) -> InputSettingsDialog | None:
        """Model ▸ Input Settings…: choose how pixels are fed to the model in use."""
        classifier = self.window.classifier
        if classifier is None:
            return None
        dialog = InputSettingsDialog(classifier, self.window, bundled=self.window.models.bundled)
        dialog.accepted.connect(lambda: self.apply_input(dialog))
        dialog.open()
        return dialog

    def apply_input(self, dialog: InputSettingsDialog) -> bool:
        """Use the dialog's choice; remember it for the file or write it into the file."""
        window, choice = self.window, dialog.choice()
        classifier = window.classifier
        if classifier is None:
            return False
        path = None if window.models.bundled else classifier.path
        if choice.keep is Keep.WRITE and path is not None:
            try:
                write_metadata(path, choice.scaling.to_metadata())
            except ModelWriteError as e:
                window.show_error("Could not write into the model file", str(e))
                return False
            self.settings.set_input_setting(path, None)  # the file says it now
        elif choice.keep is Keep.REMEMBER and path is not None:
            self.settings.set_input_setting(path, format_setting(choice.scaling))
        scaling = None if choice.keep is Keep.WRITE else choice.scaling
        return window.load_model(path, scaling=scaling)

    # --- a second model -------------------------------------------------------------------

    def compare_dialog(self) -> None:
        """Model ▸ Compare with Model…: load a second model and show both readings."""
        if path := dialogs.ask_open_path(self.window, self.settings, "Compare with Model", MODEL_FILES):
            self.compare_with(path)

    def compare_with(self, path: str | None) -> bool:
        """Read every drawing with the model at ``path`` too (None: the bundled one), fed as
        Input Settings remembered for that file, else as its metadata or detection say."""
        scaling = remembered_scaling(self.settings, path) if path is not None else None
        try:
            self.second = Reader(load_classifier(path, scaling=scaling))
        except ModelLoadError as e:
            self.window.show_error("Could not load the model to compare with", str(e), details=e.details)
            return False
        panel = self._compare()
        panel.set_model_names(self._first_name(), self.second.classifier.describe())
        assert self._compare_window is not None
        self._compare_window.show()
        self._compare_window.raise_()
        self.reading_shown(self.window.reading, self.window.reading_drawing())
        return True

    def _first_name(self) -> str:
        classifier = self.window.classifier
        return classifier.describe() if classifier is not None else "no model"

    def _compare(self) -> ComparePanel:
        if self.compare_panel is None:
            self.compare_panel = ComparePanel(load_command=menu_path(self.window.ui_actions.compare_model))
            self.compare_panel.inspect_requested.connect(self.inspect)
            self._compare_window = QDialog(self.window)
            self._compare_window.setWindowTitle(COMPARE_TITLE)
            QVBoxLayout(self._compare_window).addWidget(self.compare_panel)
        return self.compare_panel

    def inspect(self, which: int) -> None:
        """Open the inside view on the first (0) or the second (1) model."""
        reader = self.second if which == 1 and self.second is not None else self.window.models.reader
        view = self.show_inside()
        view.set_classifier(reader.classifier if reader is not None else None)
        self._send_input()

    # --- the inside view ----------------------------------------------------------------

    def show_inside(self) -> InsideView:
        """View ▸ Look Inside the Network (Ctrl+I)."""
        if self.inside_view is None:
            self.inside_view = InsideView()
            self.inside_view.setWindowTitle(INSIDE_TITLE)
            self.inside_view.failed.connect(self.window.status.show)
            self.inside_view.set_classifier(self.window.classifier)
            place_on_screen(self.inside_view, None)  # whole on a 1366 × 768 screen too
        self.inside_view.show()
        self.inside_view.raise_()
        self.inside_view.activateWindow()
        self._send_input()
        return self.inside_view

    def _send_input(self) -> None:
        if self.inside_view is not None:
            digit = self.window.prediction
            self.inside_view.show_drawing_input(digit.image if digit is not None else None)

    # --- the collection browser ---------------------------------------------------------

    def browse_collection(self) -> CollectionBrowser:
        """Edit ▸ Browse Collection… (Ctrl+B)."""
        if self.browser is None:
            self.browser = CollectionBrowser(self.window.keeper.collection, self.window.models.reader, self.window)
            self.browser.changed.connect(self.window.collection.edited)
            self.browser.open_requested.connect(self._open_kept)
        else:
            self.browser.set_reader(self.window.models.reader)
        self.browser.show()
        self.browser.raise_()
        return self.browser

    def _open_kept(self, drawing: Drawing) -> None:
        self.window.restore_drawing(drawing.with_label(None))

    # --- what the window tells -------------------------------------------------------------

    def model_changed(self) -> None:
        if self.inside_view is not None:
            self.inside_view.set_classifier(self.window.classifier)
        if self.compare_panel is not None:
            second = self.second.classifier.describe() if self.second else None
            self.compare_panel.set_model_names(self._first_name(), second)
        if self.browser is not None:
            self.browser.set_reader(self.window.models.reader)

    def collection_changed(self) -> None:
        if self.browser is not None and self.browser.isVisible():
            self.browser.refresh()

    def reading_shown(self, reading: Reading | None, drawing: Drawing | None) -> None:
        """A reading is on screen (None: none): pass its input on, read it with the second model."""
        self._send_input()
        if self.compare_panel is None:
            return
        second = None
        if self.second is not None and drawing is not None and not drawing.is_empty:
            try:
                second = self.second.read_drawing(drawing)
            except ModelRunError as e:
                self.window.status.show(f"The second model failed on this drawing: {e}")
        self._compared = (reading, second)
        self.compare_panel.show_readings(reading, second, self.window.result_panel.selected_index() or 0)

    def digit_selected(self, index: int) -> None:
        """The window shows another digit of the number: compare that one."""
        if self.compare_panel is not None:
            self.compare_panel.show_readings(*self._compared, index)

    def shutdown(self) -> None:
        if self.inside_view is not None:
            self.inside_view.shutdown()
