"""View ▸ Look Inside the Network: the inside view, kept fed as the window reads.

:class:`InsideTool` opens the :class:`~.inside_view.InsideView` the first time it is asked
for, beside the main window where the screen has room (so one can draw and watch), and
from then on gives it the model in use (or the one Compare with Model asks to look at) and
the network input of the digit the bars explain, with the window's reading of it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from digitcanvas.model.classifier import Classifier
from digitcanvas.state.app_state import AppState
from digitcanvas.ui.tools.inside_view import InsideView
from digitcanvas.ui.window.geometry import place_beside

INSIDE_TITLE = "Inside the Network — DigitCanvas"


class InsideTool:
    """The inside view of ``state``'s model and reading; it opens beside ``window`` (the main window)."""

    def __init__(self, state: AppState, window: QWidget) -> None:
        self._state = state
        self._window = window
        self.view: InsideView | None = None
        state.model_changed.connect(lambda _: self._model_changed())
        state.reading_shown.connect(lambda shown: None if shown.stale else self._send_input())
        state.digit_selected.connect(lambda _: self._send_input())

    def show(self) -> InsideView:
        """Open the view (made the first time) and bring it forward."""
        if self.view is None:
            self.view = InsideView()
            self.view.setWindowTitle(INSIDE_TITLE)
            self.view.failed.connect(self._state.say)
            self.view.set_classifier(self._state.models.classifier)
            place_beside(self.view, self._window)  # whole on a 1366 × 768 screen too
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        self._send_input()
        return self.view

    def look_at(self, classifier: Classifier | None) -> None:
        """Open the view on ``classifier``'s model (another than the one in use)."""
        view = self.show()
        view.set_classifier(classifier)
        self._send_input()

    def shutdown(self) -> None:
        if self.view is not None:
            self.view.shutdown()

    def _model_changed(self) -> None:
        if self.view is not None:
            self.view.set_classifier(self._state.models.classifier)

    def _send_input(self) -> None:
        if self.view is not None:
            digit = self._state.prediction
            if digit is None:
                self.view.show_drawing_input(None)
            else:
                self.view.show_drawing_input(digit.image, read_as=digit.digit, probabilities=digit.probabilities)
