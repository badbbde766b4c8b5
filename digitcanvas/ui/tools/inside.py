"""View ▸ Look Inside the Network: the inside view, kept fed as the window reads.

:class:`InsideTool` opens the :class:`~.inside_view.InsideView` the first time it is asked
for, and from then on gives it the model in use (or the one Compare with Model asks to look
at) and the network input of the digit the bars explain.
"""

from __future__ import annotations

from digitcanvas.model.classifier import Classifier
from digitcanvas.state.app_state import AppState
from digitcanvas.ui.tools.inside_view import InsideView
from digitcanvas.ui.window.geometry import place_on_screen

INSIDE_TITLE = "Inside the Network — DigitCanvas"


class InsideTool:
    """The inside view of ``state``'s model and reading."""

    def __init__(self, state: AppState) -> None:
        self._state = state
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
            place_on_screen(self.view, None)  # whole on a 1366 × 768 screen too
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
            self.view.show_drawing_input(
                None if digit is None else digit.image, read_as=None if digit is None else digit.digit
            )
