"""Model ▸ Compare with Model…: every drawing read by a second model too, side by side.

:class:`CompareTool` loads the second model (fed as Input Settings remembered for that file,
else as its metadata or detection say), opens the compare window the first time, and from
then on reads each drawing (or image) the window reads with the second model as well,
showing both sets of bars for the digit the window shows. The window opens beside the main
window where the screen has room, so one can draw and compare.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from digitcanvas.drawing.strokes import EmptyInputError
from digitcanvas.model.classifier import ModelLoadError, load_classifier
from digitcanvas.model.session import ModelRunError
from digitcanvas.reading.preprocessing import ImageFormatError
from digitcanvas.reading.reader import Reader, Reading
from digitcanvas.state.app_state import AppState, Shown
from digitcanvas.state.models import remembered_scaling
from digitcanvas.ui import dialogs
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.tools.inside import InsideTool
from digitcanvas.ui.widgets.compare_panel import ComparePanel
from digitcanvas.ui.window.geometry import place_beside

COMPARE_TITLE = "Compare Models — DigitCanvas"


class CompareTool:
    """A second model beside ``state``'s; ``inside`` opens either model in the inside view."""

    def __init__(
        self, state: AppState, settings: AppSettings, parent: QWidget, *, load_command: str, inside: InsideTool
    ) -> None:
        self._state = state
        self._settings = settings
        self._parent = parent
        self._load_command = load_command
        self._inside = inside
        self.second: Reader | None = None
        self.panel: ComparePanel | None = None
        self._window: QDialog | None = None
        self._compared: tuple[Reading | None, Reading | None] = (None, None)  # the readings compared last
        state.model_changed.connect(lambda _: self._show_names())
        state.reading_shown.connect(self._reading_shown)
        state.digit_selected.connect(self._digit_selected)

    def open_dialog(self) -> None:
        """Ask for the second model, then compare."""
        if path := dialogs.ask_open_path(self._parent, self._settings, "Compare with Model", dialogs.MODEL_FILES):
            self.compare_with(path)

    def compare_with(self, path: str | None) -> bool:
        """Read every drawing with the model at ``path`` too (None: the bundled one)."""
        scaling = remembered_scaling(self._settings, path) if path is not None else None
        try:
            self.second = Reader(load_classifier(path, scaling=scaling))
        except ModelLoadError as e:
            self._state.fail("Could not load the model to compare with", str(e), e.details)
            return False
        first_time = self._window is None
        window = self._compare_window()
        self._show_names()
        if first_time:
            place_beside(window, self._parent.window())
        window.show()
        window.raise_()
        state = self._state
        self._reading_shown(Shown(state.reading, state.reading_drawing))
        return True

    def inspect(self, which: int) -> None:
        """Open the inside view on the first (0) or the second (1) model."""
        reader = self.second if which == 1 and self.second is not None else self._state.reader
        self._inside.look_at(reader.classifier if reader is not None else None)

    def _compare_window(self) -> QDialog:
        if self._window is None:
            self.panel = ComparePanel(load_command=self._load_command)
            self.panel.inspect_requested.connect(self.inspect)
            self._window = QDialog(self._parent)
            self._window.setWindowTitle(COMPARE_TITLE)
            QVBoxLayout(self._window).addWidget(self.panel)
        return self._window

    def _show_names(self) -> None:
        if self.panel is not None:
            classifier = self._state.models.classifier
            first = classifier.describe() if classifier is not None else "no model"
            self.panel.set_model_names(first, self.second.classifier.describe() if self.second else None)

    def _reading_shown(self, shown: Shown) -> None:
        """A reading is on screen (or none): read its drawing with the second model too."""
        if self.panel is None or shown.stale:
            return
        second = None
        drawing, image = shown.drawing, shown.image
        try:
            if self.second is not None and image is not None:
                second = self.second.read_image(image.pixels, number=True)
            elif self.second is not None and drawing is not None and not drawing.is_empty:
                second = self.second.read_drawing(drawing)
        except (ModelRunError, EmptyInputError, ImageFormatError) as e:
            self._state.say(f"The second model failed on this drawing: {e}")
        self._compared = (shown.reading, second)
        self.panel.show_readings(shown.reading, second, self._state.selected or 0)

    def _digit_selected(self, index: int) -> None:
        """The window shows another digit of the number: compare that one."""
        if self.panel is not None:
            self.panel.show_readings(*self._compared, index)
