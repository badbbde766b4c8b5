"""Where the window's parts sit: the canvas, its controls and the collection left, one card right.

The canvas always keeps the drawing's shape (640 × 400), so the whole canvas is paper
and there are no bands around it. It takes all the height it can; the card with the
result panel gets the width the canvas cannot use (within :data:`CARD_WIDTH`), and the
collection line sits at the bottom of the left column. Only placement and sizes live
here; the window connects the parts.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from . import theme
from .canvas import ASPECT

WINDOW_MARGIN = 12
SPACING = 10  # between the parts
CARD_MARGINS = (14, 12, 14, 14)  # left, top, right, bottom
CARD_WIDTH = (240, 460)  # the card's narrowest and widest
CARD_SHARE = 0.27  # of the window's width, before the canvas lends it what it cannot use
PREFERRED = QSize(1180, 640)  # the central area in a new window (a smaller screen gets less)


class MainArea(QWidget):
    """The window's central widget: places the canvas, the controls, the collection and the card."""

    def __init__(self, canvas: QWidget, controls: QWidget, result_panel: QWidget, collection_panel: QWidget) -> None:
        super().__init__()
        self.setObjectName("central")
        self.canvas, self.controls, self.collection_panel = canvas, controls, collection_panel
        self.card = theme.named(QFrame(), "panel")
        side = QVBoxLayout(self.card)
        side.setContentsMargins(*CARD_MARGINS)
        side.addWidget(result_panel)
        for part in (canvas, controls, collection_panel, self.card):
            part.setParent(self)

    def sizeHint(self) -> QSize:
        return PREFERRED

    def minimumSizeHint(self) -> QSize:
        card = self.card.minimumSizeHint()
        left_width = max(self.canvas.minimumSizeHint().width(), self.controls.minimumSizeHint().width())
        left_height = self.canvas.minimumSizeHint().height() + self._below(left_width)
        return QSize(
            2 * WINDOW_MARGIN + left_width + SPACING + max(card.width(), CARD_WIDTH[0]),
            2 * WINDOW_MARGIN + max(card.height(), left_height),
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.place()

    def _collection_height(self, width: int) -> int:
        panel = self.collection_panel
        return panel.heightForWidth(width) if panel.hasHeightForWidth() else panel.sizeHint().height()

    def _below(self, width: int) -> int:
        """The height under the canvas: the controls and the collection line, with spacing."""
        return 2 * SPACING + self.controls.sizeHint().height() + self._collection_height(width)

    def place(self) -> None:
        """Lay the parts out in the current size (called on every resize)."""
        area = self.rect().adjusted(WINDOW_MARGIN, WINDOW_MARGIN, -WINDOW_MARGIN, -WINDOW_MARGIN)
        low, high = CARD_WIDTH
        card_width = int(min(max(area.width() * CARD_SHARE, low), high))
        left_width = area.width() - card_width - SPACING
        canvas_height = min(left_width / ASPECT, area.height() - self._below(left_width))
        canvas_width = int(canvas_height * ASPECT)
        if canvas_width < left_width:  # the height limits the canvas: the card may use the rest
            card_width = min(high, card_width + left_width - canvas_width)
            left_width = area.width() - card_width - SPACING
        canvas_width = min(canvas_width, left_width)
        canvas_height = round(canvas_width / ASPECT)
        column_width = max(canvas_width, min(self.controls.minimumSizeHint().width(), left_width))
        column_left = area.left() + (left_width - column_width) // 2
        canvas = QRect(column_left + (column_width - canvas_width) // 2, area.top(), canvas_width, canvas_height)
        self.canvas.setGeometry(canvas)
        controls_height = self.controls.sizeHint().height()
        self.controls.setGeometry(column_left, canvas.bottom() + 1 + SPACING, column_width, controls_height)
        collection_height = self._collection_height(column_width)
        self.collection_panel.setGeometry(
            column_left, area.bottom() + 1 - collection_height, column_width, collection_height
        )
        self.card.setGeometry(area.right() + 1 - card_width, area.top(), card_width, area.height())


def arrange(canvas: QWidget, controls: QWidget, result_panel: QWidget, collection_panel: QWidget) -> MainArea:
    """The window's central widget with the four parts in place."""
    return MainArea(canvas, controls, result_panel, collection_panel)
