"""Where the window's parts sit: the canvas, its controls and the collection left, one card right.

The canvas always keeps the drawing's shape (640 × 400), so the whole canvas is paper
and there are no bands around it. It takes all the height it can; the card with the
result panel gets the width the canvas cannot use at that height (within :data:`CARD_WIDTH`,
and at least :data:`CARD_SHARE` of the window), so a wide window has no spare height. The
controls and the collection line follow the canvas, so in a window taller than the
canvas's shape needs the spare height is left below them, not between them. The parts
are placed again whenever the window is resized or a part asks for another size (the
collection's summary wrapping onto another line). The window holds the parts in a
scroll area (:func:`scrolling`): down to 640 × 480 they fit without it, and on a smaller
screen (1366 × 768 at 200 % leaves 683 × 384 px) the window still fits and scrolls.
Only placement and sizes live here; the window connects the parts.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from digitcanvas.ui import theme
from digitcanvas.ui.widgets.canvas import ASPECT
from digitcanvas.ui.widgets.collection_panel import CollectionPanel
from digitcanvas.ui.widgets.model_note import ModelNote

WINDOW_MARGIN = 12
SPACING = 10  # between the parts
NOTE_SPACING = 4  # between the model-input note and the collection line, which read as one block
CARD_MARGINS = (14, 12, 14, 14)  # left, top, right, bottom
CARD_WIDTH = (240, 720)  # the card's narrowest and widest (a 2560 px wide window gets the widest)
CARD_SHARE = 0.22  # of the window's width at least; beyond it the card gets what the canvas cannot use
PREFERRED = QSize(1180, 640)  # the central area in a new window (a smaller screen gets less)


class MainArea(QWidget):
    """The window's central widget: places the canvas, the controls, the collection and the card."""

    def __init__(
        self,
        canvas: QWidget,
        controls: QWidget,
        result_panel: QWidget,
        collection_panel: CollectionPanel,
        model_note: ModelNote | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("central")
        self.canvas, self.controls, self.collection_panel = canvas, controls, collection_panel
        self.model_note = model_note
        self.card = theme.named(QFrame(), "panel")
        side = QVBoxLayout(self.card)
        side.setContentsMargins(*CARD_MARGINS)
        side.addWidget(result_panel)
        for part in (canvas, controls, collection_panel, self.card, *([model_note] if model_note else [])):
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

    def event(self, event: QEvent) -> bool:
        # A part's size hint changed (the collection's summary now takes another line): the
        # parts have no layout to follow it, so place them again.
        if event.type() == QEvent.Type.LayoutRequest:
            self.place()
        return super().event(event)

    def _collection_height(self, width: int) -> int:
        panel = self.collection_panel
        return panel.heightForWidth(width) if panel.hasHeightForWidth() else panel.sizeHint().height()

    def _note_height(self) -> int:
        return self.model_note.sizeHint().height() + NOTE_SPACING if self.model_note is not None else 0

    def _below(self, width: int) -> int:
        """The height under the canvas: the controls, the model note and the collection, with spacing."""
        return 2 * SPACING + self.controls.sizeHint().height() + self._note_height() + self._collection_height(width)

    def _column_width(self, canvas_width: int, left_width: int) -> int:
        """The width of the controls and the collection: the canvas's, or the controls' least."""
        return max(canvas_width, min(self.controls.minimumSizeHint().width(), left_width))

    @staticmethod
    def _align_headings(*headings: QWidget) -> None:
        """The note's and the collection's texts start at one x: headings as wide as the widest."""
        width = max(h.sizeHint().width() for h in headings)
        for heading in headings:
            heading.setMinimumWidth(width)

    def place(self) -> None:
        """Lay the parts out in the current size (on every resize and layout request)."""
        area = self.rect().adjusted(WINDOW_MARGIN, WINDOW_MARGIN, -WINDOW_MARGIN, -WINDOW_MARGIN)
        low, high = CARD_WIDTH
        least = max(low, int(area.width() * CARD_SHARE))
        # The canvas at its full height, measured with the card at its least: the card gets the rest.
        full_height = area.height() - self._below(area.width() - least - SPACING)
        unused = area.width() - SPACING - int(full_height * ASPECT)
        card_width = min(max(unused, least), high)
        left_width = area.width() - card_width - SPACING
        canvas_width = min(left_width, int((area.height() - self._below(left_width)) * ASPECT))
        column_width = self._column_width(canvas_width, left_width)
        # The collection line is measured at the column's width: narrower, it may take another
        # line, which the canvas gives up (twice at most: each pass can only narrow the column).
        for _ in range(2):
            fits = int((area.height() - self._below(column_width)) * ASPECT)
            if fits >= canvas_width:
                break
            canvas_width = max(fits, 1)
            column_width = self._column_width(canvas_width, left_width)
        canvas_height = round(canvas_width / ASPECT)
        column_left = area.left() + (left_width - column_width) // 2
        canvas = QRect(column_left + (column_width - canvas_width) // 2, area.top(), canvas_width, canvas_height)
        self.canvas.setGeometry(canvas)
        controls_height = self.controls.sizeHint().height()
        self.controls.setGeometry(column_left, canvas.bottom() + 1 + SPACING, column_width, controls_height)
        collection_top = canvas.bottom() + 1 + SPACING + controls_height + SPACING
        if self.model_note is not None:
            self._align_headings(self.model_note.heading_label, self.collection_panel.heading_label)
            self.model_note.setGeometry(column_left, collection_top, column_width, self.model_note.sizeHint().height())
            collection_top += self._note_height()
        self.collection_panel.setGeometry(
            column_left, collection_top, column_width, self._collection_height(column_width)
        )
        self.card.setGeometry(area.right() + 1 - card_width, area.top(), card_width, area.height())


class AreaScroll(QScrollArea):
    """A scroll area that asks for its content's own preferred size (a new window opens at it,
    where Qt's caps it at 36 × 24 lines), and scrolls only where the window is smaller than
    the content's least size. Content that wraps text asks for the height it needs at that width."""

    def sizeHint(self) -> QSize:
        area = self.widget()
        if area is None:
            return super().sizeHint()
        hint = area.sizeHint().expandedTo(area.minimumSize()).boundedTo(area.maximumSize())  # a fixed width too
        if area.hasHeightForWidth():
            hint.setHeight(max(hint.height(), area.heightForWidth(hint.width())))
        frame = 2 * self.frameWidth()
        return hint + QSize(frame, frame)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # the content asks for another size (a longer text)
            self.updateGeometry()  # so must this: the layout holding it has kept the old size hint
        return super().event(event)


def scrolling(area: MainArea) -> QScrollArea:
    """``area`` in a frameless :class:`AreaScroll`, scroll bars only where needed."""
    scroll = theme.named(AreaScroll(), "central_scroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(area)
    for policy in (scroll.setHorizontalScrollBarPolicy, scroll.setVerticalScrollBarPolicy):
        policy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    return scroll


def arrange(
    canvas: QWidget,
    controls: QWidget,
    result_panel: QWidget,
    collection_panel: CollectionPanel,
    model_note: ModelNote | None = None,
) -> MainArea:
    """The window's central widget with the parts in place."""
    return MainArea(canvas, controls, result_panel, collection_panel, model_note)
