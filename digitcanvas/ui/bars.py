"""Confidence bars for the ten digits, with percentages and the top digit highlighted."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import theme

DIGITS = 10
ROW_HEIGHT = 26
LABEL_WIDTH = 22
PERCENT_WIDTH = 56
TRACK = QColor(theme.BAR_TRACK)
BAR = QColor(theme.BAR)
TOP = QColor(theme.BAR_TOP)
DOUBT = QColor(theme.BAR_DOUBT)
TEXT = QColor(theme.BAR_TEXT)
MUTED = QColor(theme.BAR_MUTED)


class ConfidenceBars(QWidget):
    """Ten horizontal bars, 0 to 9.

    ``set_probabilities(probs)`` takes ten probabilities (or None to clear).
    Clicking a row emits ``digit_clicked(digit)`` (used to correct a guess).
    """

    digit_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._probs: np.ndarray | None = None
        self._doubtful = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(220)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Confidence for each digit. Click a digit to say what you really drew.")
        self.setAccessibleName("Confidence for each digit")

    def sizeHint(self) -> QSize:
        return QSize(280, ROW_HEIGHT * DIGITS)

    def minimumSizeHint(self) -> QSize:
        return QSize(220, ROW_HEIGHT * DIGITS)

    def probabilities(self) -> np.ndarray | None:
        """A copy of the probabilities shown, or None when the bars are empty."""
        return None if self._probs is None else self._probs.copy()

    def is_doubtful(self) -> bool:
        """True when the top bar is drawn in the "Not sure" colour."""
        return self._doubtful

    def set_probabilities(self, probs: ArrayLike | None, *, doubtful: bool = False) -> None:
        if probs is None:
            self._probs = None
        else:
            values = np.asarray(probs, dtype=np.float64).reshape(-1)
            if values.shape != (DIGITS,):
                raise ValueError(f"expected {DIGITS} probabilities, got {values.shape}")
            self._probs = values
        self._doubtful = doubtful
        self.setAccessibleDescription(self._describe())
        self.update()

    def _describe(self) -> str:
        if self._probs is None:
            return "no prediction"
        return ", ".join(f"{d}: {p:.0%}" for d, p in enumerate(self._probs))

    def row_rect(self, digit: int) -> QRectF:
        return QRectF(0, digit * self._row_height(), self.width(), self._row_height())

    def _row_height(self) -> float:
        return self.height() / DIGITS

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            digit = int(event.position().y() // self._row_height())
            if 0 <= digit < DIGITS:
                self.digit_clicked.emit(digit)
                event.accept()
                return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = int(np.argmax(self._probs)) if self._probs is not None else -1
        for digit in range(DIGITS):
            p = float(self._probs[digit]) if self._probs is not None else None
            self._draw_row(painter, self.row_rect(digit), digit, p, highlighted=digit == top)
        painter.end()

    def _draw_row(self, painter: QPainter, rect: QRectF, digit: int, p: float | None, *, highlighted: bool) -> None:
        font = QFont(self.font())
        font.setBold(highlighted)
        painter.setFont(font)
        painter.setPen(TEXT if highlighted or p is None else MUTED)
        label = QRectF(rect.left(), rect.top(), LABEL_WIDTH, rect.height())
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, str(digit))
        track = QRectF(
            rect.left() + LABEL_WIDTH + 6, rect.center().y() - 6, rect.width() - LABEL_WIDTH - PERCENT_WIDTH - 12, 12
        )
        self._draw_bar(painter, track, p, highlighted)
        percent = QRectF(rect.right() - PERCENT_WIDTH, rect.top(), PERCENT_WIDTH - 4, rect.height())
        painter.setPen(TEXT if highlighted else MUTED)
        painter.drawText(percent, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, format_percent(p))

    def _draw_bar(self, painter: QPainter, track: QRectF, p: float | None, highlighted: bool) -> None:
        background = QPainterPath()
        background.addRoundedRect(track, 6, 6)
        painter.fillPath(background, TRACK)
        if not p:
            return
        filled = QRectF(track.left(), track.top(), max(track.width() * p, track.height()), track.height())
        bar = QPainterPath()
        bar.addRoundedRect(filled, 6, 6)
        colour = (DOUBT if self._doubtful else TOP) if highlighted else BAR
        painter.fillPath(bar, colour)


def format_percent(p: float | None) -> str:
    """A probability as the bars and captions show it: "97.3%", "<0.1%", "100%", "–" for none."""
    if p is None:
        return "–"
    if p >= 0.9995:
        return "100%"
    if p < 0.001:
        return "<0.1%" if p > 0 else "0%"
    return f"{p:.1%}"
