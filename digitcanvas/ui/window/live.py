"""Live classification (View ▸ Live Classification): the drawing read while the pen moves.

:class:`LiveReading` reads the canvas's drawing, with the stroke in progress, at most once
every :data:`LIVE_INTERVAL_MS` while its box is checked, reads it at once when Live is
turned on, and remembers the choice. The window stops a pending reading when Enter, Clear
or a finished stroke reads or empties the canvas first.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox

from digitcanvas.state.app_state import AppState
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.widgets.canvas import DrawingCanvas

LIVE_INTERVAL_MS = 40  # re-classify at most ~25 times a second while the pen moves


class LiveReading:
    """Reads ``canvas`` into ``state`` while the pen moves, when ``box`` is checked."""

    def __init__(self, state: AppState, canvas: DrawingCanvas, box: QCheckBox, settings: AppSettings) -> None:
        self._state = state
        self._canvas = canvas
        self._box = box
        self._settings = settings
        self._timer = QTimer(canvas, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._timer.timeout.connect(self._read)
        canvas.stroke_progress.connect(self._stroke_progressed)
        box.toggled.connect(self._toggled)

    @property
    def on(self) -> bool:
        return self._box.isChecked()

    def stop(self) -> None:
        """Drop the reading due: the canvas is read or emptied now."""
        self._timer.stop()

    def _stroke_progressed(self) -> None:
        if self.on and not self._timer.isActive():
            self._timer.start()

    def _toggled(self, on: bool) -> None:
        self._settings.set_live(on)
        if on and not self._canvas.is_empty():
            self._state.read(self._canvas.drawing())

    def _read(self) -> None:
        drawing = self._canvas.drawing(include_current=True)
        if not drawing.is_empty:
            self._state.read(drawing)
