"""Confidence bars for the ten digits, with percentages.

Only what the app stands by stands out: a digit it is sure of is drawn in the accent
colour, the digits a "Not sure" caption names in amber, and nothing at all when it names
none (a dot, a scribble). A reading the drawing has moved on from is drawn faded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.reading.doubt import format_percent
from digitcanvas.ui import theme

ROW_HEIGHT = 24  # preferred; rows shrink to MIN_ROW_HEIGHT in a small window and grow to MAX_ROW_HEIGHT
MIN_ROW_HEIGHT = 15  # ten of them leave a 640 × 480 window room for the rest
MAX_ROW_HEIGHT = 52  # a big window: the bars grow with it, and thicken (BAR_SHARE)
LABEL_WIDTH = 22
PERCENT_WIDTH = 56
BAR_THICKNESS = 12  # the thinnest bar; a taller row gets a thicker one, up to MAX_BAR_THICKNESS
MAX_BAR_THICKNESS = 20
BAR_SHARE = 0.4  # of the row's height
MIN_WIDTH = 200
CLICK_TIP = "Confidence for each digit. Click a digit (or press its key) to say what you really drew."
EXPLAIN_TIP = "How sure the model is of each digit (for a number: of the digit selected above)."


class ConfidenceBars(QWidget):
    """Ten horizontal bars, 0 to 9.

    ``set_probabilities(probs, sure_digit=…, candidates=…)`` takes ten probabilities (or
    None to clear) and what to emphasise. Clicking a row emits ``digit_clicked(digit)``
    (used to correct a guess); ``set_clickable(False)`` says, by the cursor and the tooltip,
    that a click corrects nothing here (the window then says why).
    """

    digit_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._probs: np.ndarray | None = None
        self._sure: int | None = None
        self._candidates: tuple[int, ...] = ()
        self._stale = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumWidth(MIN_WIDTH)
        self.setMaximumHeight(MAX_ROW_HEIGHT * NUM_CLASSES)
        self._clickable = True
        self.set_clickable(True)
        self.setAccessibleName("Confidence for each digit")

    def sizeHint(self) -> QSize:
        return QSize(280, ROW_HEIGHT * NUM_CLASSES)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, MIN_ROW_HEIGHT * NUM_CLASSES)

    def probabilities(self) -> np.ndarray | None:
        """A copy of the probabilities shown, or None when the bars are empty."""
        return None if self._probs is None else self._probs.copy()

    def sure_digit(self) -> int | None:
        """The digit drawn as the one the app stands by (None: it stands by none)."""
        return self._sure

    def candidates(self) -> tuple[int, ...]:
        """The digits drawn in amber, as a "Not sure" caption names them."""
        return self._candidates

    def is_doubtful(self) -> bool:
        """True when probabilities are shown but the app stands by no digit."""
        return self._probs is not None and self._sure is None

    def is_stale(self) -> bool:
        return self._stale

    def set_probabilities(
        self, probs: ArrayLike | None, *, sure_digit: int | None = None, candidates: Sequence[int] = ()
    ) -> None:
        """Show ten probabilities (None: clear), the digit the app is sure of and the ones it names."""
        if probs is None:
            self._probs = None
        else:
            values = np.asarray(probs, dtype=np.float64).reshape(-1)
            if values.shape != (NUM_CLASSES,):
                raise ValueError(f"expected {NUM_CLASSES} probabilities, got {values.shape}")
            self._probs = values
        self._sure = sure_digit if self._probs is not None else None
        self._candidates = tuple(candidates) if self._probs is not None and sure_digit is None else ()
        self._stale = False
        self.setAccessibleDescription(self._describe())
        self.update()

    def set_clickable(self, clickable: bool) -> None:
        """Whether a click on a row says what the digit really was (a single digit), or the bars
        only explain (a number's selected digit: corrections are for single digits). A click
        is reported either way, so the window can say why it keeps nothing."""
        self._clickable = clickable
        self.setCursor(Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor)
        self.setToolTip(CLICK_TIP if clickable else EXPLAIN_TIP)

    def is_clickable(self) -> bool:
        return self._clickable

    def set_stale(self, stale: bool) -> None:
        """Fade the bars: they belong to a drawing that has changed since."""
        self._stale = stale
        self.update()

    def _describe(self) -> str:
        if self._probs is None:
            return "no prediction"
        return ", ".join(f"{d}: {format_percent(p)}" for d, p in enumerate(self._probs))

    def row_rect(self, digit: int) -> QRectF:
        return QRectF(0, digit * self._row_height(), self.width(), self._row_height())

    def _row_height(self) -> float:
        return self.height() / NUM_CLASSES

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            digit = int(event.position().y() // self._row_height())
            if 0 <= digit < NUM_CLASSES:
                self.digit_clicked.emit(digit)
                event.accept()
                return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._stale:
            painter.setOpacity(theme.STALE_OPACITY)
        for digit in range(NUM_CLASSES):
            p = float(self._probs[digit]) if self._probs is not None else None
            self._draw_row(painter, self.row_rect(digit), digit, p)
        painter.end()

    def _colour(self, digit: int) -> QColor | None:
        """The bar's emphasis colour, or None for a plain bar."""
        c = theme.colours()
        if digit == self._sure:
            return QColor(c.bar_top)
        if digit in self._candidates:
            return QColor(c.bar_doubt)
        return None

    def _draw_row(self, painter: QPainter, rect: QRectF, digit: int, p: float | None) -> None:
        c = theme.colours()
        emphasis = self._colour(digit)
        font = QFont(self.font())
        font.setBold(digit == self._sure)
        painter.setFont(font)
        text = QColor(c.text if emphasis is not None or p is None else c.muted)
        painter.setPen(text)
        label = QRectF(rect.left(), rect.top(), LABEL_WIDTH, rect.height())
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, str(digit))
        thickness = min(max(BAR_THICKNESS, round(rect.height() * BAR_SHARE)), MAX_BAR_THICKNESS, rect.height() - 4)
        track = QRectF(
            rect.left() + LABEL_WIDTH + 6,
            rect.center().y() - thickness / 2,
            rect.width() - LABEL_WIDTH - PERCENT_WIDTH - 12,
            thickness,
        )
        self._draw_bar(painter, track, p, emphasis)
        percent = QRectF(rect.right() - PERCENT_WIDTH, rect.top(), PERCENT_WIDTH - 4, rect.height())
        painter.setPen(text)
        painter.drawText(percent, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, format_percent(p))

    def _draw_bar(self, painter: QPainter, track: QRectF, p: float | None, emphasis: QColor | None) -> None:
        c = theme.colours()
        radius = track.height() / 2
        background = QPainterPath()
        background.addRoundedRect(track, radius, radius)
        painter.fillPath(background, QColor(c.bar_track))
        if not p:
            return
        filled = QRectF(track.left(), track.top(), max(track.width() * p, track.height()), track.height())
        bar = QPainterPath()
        bar.addRoundedRect(filled, radius, radius)
        painter.fillPath(bar, emphasis if emphasis is not None else QColor(c.bar))
