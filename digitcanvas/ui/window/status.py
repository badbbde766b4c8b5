"""The status bar: messages shortened with "…" when they do not fit, and the model in use.

A message is a label in the bar (not ``QStatusBar.showMessage``, which cuts text off
without a sign), shortened again whenever the bar is resized; the full text is its
tooltip and :meth:`StatusLine.message`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar

from digitcanvas.state.app_state import Notice

STATUS_TIMEOUT_MS = 6000
END_GAP = 8  # px between the model's name and the bar's right end (a maximised window has no size grip there)


class StatusLine(QObject):
    """Temporary messages on ``bar`` and the permanent model label."""

    def __init__(self, bar: QStatusBar) -> None:
        super().__init__(bar)
        self.bar = bar
        self.label = QLabel()
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.model_label = QLabel()
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_label.setContentsMargins(0, 0, END_GAP, 0)
        bar.addWidget(self.label, 1)
        bar.addPermanentWidget(self.model_label)
        self._message = ""
        self._cleared = ""  # what the bar said on the last Clear
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.clear)
        self.label.installEventFilter(self)

    def show(self, message: str, timeout_ms: int = STATUS_TIMEOUT_MS) -> None:
        """Show ``message`` for ``timeout_ms``; a message too long for the bar ends in "…"."""
        self._message = message
        self._elide()
        self._timer.start(timeout_ms)

    def show_notice(self, notice: Notice) -> None:
        """Show what the state said, twice as long when it asks."""
        self.show(notice.text, STATUS_TIMEOUT_MS * (2 if notice.long else 1))

    def clear(self) -> None:
        self._message = ""
        self._elide()

    def show_cleared(self, message: str) -> None:
        """Say the canvas was cleared and how to bring the drawing back (replaces what the bar said)."""
        self._cleared = message
        self.show(message)

    def drop_cleared(self) -> None:
        """A new drawing began: Undo now takes its stroke first, so a Clear's message no longer holds."""
        if self._cleared and self._message == self._cleared:
            self.clear()

    def message(self) -> str:
        """The message shown, in full (the bar may show it shortened); "" after its timeout."""
        return self._message

    def shown(self) -> str:
        """What the bar shows now."""
        return self.label.text()

    def set_model(self, text: str, tooltip: str) -> None:
        self.model_label.setText(text)
        self.model_label.setToolTip(tooltip)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.label and event.type() == QEvent.Type.Resize:
            self._elide()
        return False

    def _elide(self) -> None:
        line = self._message.splitlines()[0] if self._message else ""
        shown = self.label.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, max(self.label.width(), 1))
        self.label.setText(shown)
        self.label.setToolTip(self._message if shown != self._message else "")
