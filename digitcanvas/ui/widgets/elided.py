"""A one-line label that shortens its text with "…" to fit, however its width changes.

The model-input line and the collection's folder line both show text that may not fit
(a long path, a long input note): the label keeps the text in full (:meth:`ElidedLabel.full_text`)
and shows as much of it as its width allows, elided again on every resize.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

MIN_WIDTH = 40  # px: elide to at least this, before the label has its real width


class ElidedLabel(QLabel):
    """A selectable one-line label showing ``full_text`` shortened with "…" (``mode``: where)."""

    def __init__(self, mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def full_text(self) -> str:
        """The text in full (the label may show it shortened)."""
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, self._mode, max(self.width(), MIN_WIDTH)))
