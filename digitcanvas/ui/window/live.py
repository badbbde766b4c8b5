"""Live classification (View ▸ Live Classification): the drawing read while the pen moves.

:class:`LiveReading` reads the drawing, with the stroke in progress, at most once every
:data:`LIVE_INTERVAL_MS` while Live is on, reads it at once when Live is turned on, and
remembers the choice. The window stops a pending reading when Enter, Clear or a finished
stroke reads or empties the canvas first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from digitcanvas.ui.settings import AppSettings

if TYPE_CHECKING:  # the window builds this object; only its type is needed here
    from digitcanvas.ui.window.main_window import MainWindow

LIVE_INTERVAL_MS = 40  # re-classify at most ~25 times a second while the pen moves


class LiveReading:
    """Live classification for ``window``, on while its Live box is checked."""

    def __init__(self, window: MainWindow, settings: AppSettings) -> None:
        self.window = window
        self.settings = settings
        self._timer = QTimer(window, singleShot=True, interval=LIVE_INTERVAL_MS)
        self._timer.timeout.connect(self._read)

    @property
    def on(self) -> bool:
        return self.window.controls.live_box.isChecked()

    def stop(self) -> None:
        """Drop the reading due: the canvas is read or emptied now."""
        self._timer.stop()

    def stroke_progressed(self) -> None:
        if self.on and not self._timer.isActive():
            self._timer.start()

    def toggled(self, on: bool) -> None:
        self.settings.set_live(on)
        canvas = self.window.canvas
        if on and not canvas.is_empty():
            self.window.classify(canvas.drawing())

    def _read(self) -> None:
        drawing = self.window.canvas.drawing(include_current=True)
        if not drawing.is_empty:
            self.window.classify(drawing)
