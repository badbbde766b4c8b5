"""Where the window's parts sit: the canvas and its controls left, one white card right.

The card holds the result panel at the top and the collection panel at the bottom.
Only placement and sizes live here; the window connects the parts.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from . import theme

SIDE_PANEL_WIDTH = 300
WINDOW_MARGIN = 12
CARD_MARGINS = (16, 12, 16, 16)  # left, top, right, bottom


def arrange(canvas: QWidget, controls: QWidget, result_panel: QWidget, collection_panel: QWidget) -> QWidget:
    """The window's central widget with the four parts in place."""
    left = QVBoxLayout()
    left.addWidget(canvas, 1)
    left.addWidget(controls)

    card = theme.named(QFrame(), "panel")
    side = QVBoxLayout(card)
    side.setContentsMargins(*CARD_MARGINS)
    side.addWidget(result_panel)
    side.addStretch(1)
    side.addWidget(collection_panel)
    card.setFixedWidth(SIDE_PANEL_WIDTH)

    central = QWidget()
    layout = QHBoxLayout(central)
    layout.setContentsMargins(WINDOW_MARGIN, WINDOW_MARGIN, WINDOW_MARGIN, WINDOW_MARGIN)
    layout.setSpacing(WINDOW_MARGIN)
    layout.addLayout(left, 1)
    layout.addWidget(card)
    return central
