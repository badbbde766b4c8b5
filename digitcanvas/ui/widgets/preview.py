"""What the network sees: one 28×28 tile per digit, scaled up with nearest-neighbour.

A number gets a strip of tiles, left to right, each labelled with the digit read ("?"
where the app is not sure); clicking a tile selects that digit (``tile_clicked``), and the
selected tile is outlined. Tiles grow with the space they get, by whole multiples of 28
px while there is room, so every input pixel stays square. A number stays in one row
(it reads left to right) unless its tiles would get smaller than two screen px per
input px there, or the panel has the room (:meth:`InputPreview.set_room`) for rows of
tiles at least twice as big; a number's tiles never get smaller than one screen px per
input px (:data:`MIN_NUMBER_TILE`): the widget asks for the height of the rows that takes.
The widget asks for no more height than its tiles use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitcanvas.drawing.image_file import image28_to_uint8
from digitcanvas.model.shapes import FIELD
from digitcanvas.ui import theme

PREVIEW_SCALE = 4  # 28 px × 4 = 112 px: the preferred tile
MIN_TILE = 2 * FIELD  # a single digit's tile never gets smaller than this ...
MIN_NUMBER_TILE = FIELD  # ... a number's tiles go down to one screen px per input px, never below: they wrap
MAX_TILE = 10 * FIELD  # a single digit in a big window: 10 screen px per input px
GAP = 6
LABEL_HEIGHT = 16  # under each tile of a number: the digit read
BORDER = 1
SELECTED_BORDER = 2
TALLEST = MAX_TILE + LABEL_HEIGHT + 2 * SELECTED_BORDER  # the widget's height at most: one row of the biggest


@dataclass(frozen=True)
class Tile:
    """One digit's tile: the network's input (None: nothing worth showing) and its label."""

    image: NDArray[np.floating] | None  # (28, 28) float in [0, 1], white ink on black
    label: str = ""  # the digit read, "?" when not sure
    note: str = ""  # shown instead of an image ("too small")


def image_to_qimage(image: NDArray[np.floating]) -> QImage:
    """A (28, 28) float image in [0, 1] as an 8-bit greyscale QImage (white ink on black)."""
    grey = np.ascontiguousarray(image28_to_uint8(image))
    h, w = grey.shape
    return QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def tile_layout(count: int, width: int, height: int, *, labels: bool) -> tuple[int, int]:
    """(columns, tile side in px) for ``count`` tiles in ``width`` × ``height``: as few rows as
    keep the tiles at least :data:`MIN_TILE` and more than half the biggest side any layout
    allows (else the biggest)."""
    if count == 0:
        return 1, 0
    label = LABEL_HEIGHT if labels else 0
    layouts: list[tuple[int, int]] = []  # (columns, side), from one row to one column
    for columns in dict.fromkeys(math.ceil(count / rows) for rows in range(1, count + 1)):
        rows = math.ceil(count / columns)  # balanced: 9 tiles in two rows are 5 + 4
        side = min((width - GAP * (columns - 1)) // columns, (height - rows * label - GAP * (rows - 1)) // rows)
        layouts.append((columns, _whole(side)))
    biggest = max(layouts, key=lambda layout: layout[1])
    preferred = next(((c, s) for c, s in layouts if s >= MIN_TILE and 2 * s > biggest[1]), None)
    legible = next(((c, s) for c, s in layouts if s >= MIN_NUMBER_TILE), None) if labels else None
    return preferred or legible or biggest


def least_height(count: int, width: int) -> int:
    """The height ``count`` labelled tiles need in ``width`` to stay at least :data:`MIN_NUMBER_TILE`:
    as many rows of them as it takes (0 for one tile or none)."""
    if count < 2:
        return 0
    columns = max(1, min(count, (width + GAP) // (MIN_NUMBER_TILE + GAP)))
    rows = math.ceil(count / columns)
    return rows * (MIN_NUMBER_TILE + LABEL_HEIGHT) + GAP * (rows - 1) + 2 * SELECTED_BORDER


def _whole(side: int) -> int:
    """``side`` within :data:`MAX_TILE`, cut to a whole multiple of 28 once it can be one."""
    side = min(side, MAX_TILE)
    if side >= MIN_TILE:
        side -= side % FIELD  # whole multiples of 28: square input pixels
    return max(side, 1)


class InputPreview(QWidget):
    """The network's 28×28 input(s), one tile per digit.

    Signals:
        tile_clicked(int): a number's tile was clicked (its index, left to right).
    """

    tile_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tiles: list[Tile] = []
        self._images: list[QImage | None] = []
        self._selected: int | None = None
        self._stale = False
        self._room = TALLEST
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMaximumHeight(TALLEST)
        self.setToolTip("What the network sees: your drawing as 28×28 MNIST-style images, one per digit")
        self.setAccessibleName("Network input preview")

    def sizeHint(self) -> QSize:
        return QSize(FIELD * PREVIEW_SCALE, FIELD * PREVIEW_SCALE + LABEL_HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_TILE, MIN_TILE)

    # --- public API ---------------------------------------------------------------------

    def set_tiles(self, tiles: list[Tile], *, selected: int | None = None) -> None:
        self._tiles = list(tiles)
        self._images = [None if t.image is None else image_to_qimage(t.image) for t in tiles]
        self._selected = selected
        self._stale = False
        self.setCursor(Qt.CursorShape.PointingHandCursor if len(tiles) > 1 else Qt.CursorShape.ArrowCursor)
        self.setAccessibleDescription(self._describe())
        self._fit_height()
        self.update()

    def set_selected(self, index: int | None) -> None:
        self._selected = index
        self.setAccessibleDescription(self._describe())
        self.update()

    def set_stale(self, stale: bool) -> None:
        self._stale = stale
        self.update()

    def is_stale(self) -> bool:
        return self._stale

    def selected(self) -> int | None:
        return self._selected

    def image_count(self) -> int:
        """How many tiles show an input image."""
        return sum(i is not None for i in self._images)

    def tile_count(self) -> int:
        return len(self._tiles)

    def tile_rect(self, index: int) -> QRect:
        """Where tile ``index`` is drawn (the image square, without its label)."""
        labels = self._labelled()
        columns, side = tile_layout(len(self._tiles), self.width() - 2, self.height() - 2, labels=labels)
        rows = math.ceil(len(self._tiles) / columns)
        row_height = side + (LABEL_HEIGHT if labels else 0)
        used_w = columns * side + GAP * (columns - 1)
        used_h = rows * row_height + GAP * (rows - 1)
        left = (self.width() - used_w) // 2
        top = (self.height() - used_h) // 2
        row, column = divmod(index, columns)
        return QRect(left + column * (side + GAP), top + row * (row_height + GAP), side, side)

    def _labelled(self) -> bool:
        return len(self._tiles) > 1

    def _describe(self) -> str:
        if not self._tiles:
            return "nothing drawn"
        if not self._labelled():
            return "one 28 by 28 input"
        selected = f", digit {self._selected + 1} selected" if self._selected is not None else ""
        return f"{len(self._tiles)} inputs: " + " ".join(t.label for t in self._tiles) + selected

    def set_room(self, height: int) -> None:
        """The height the panel can give the tiles without squeezing what is below them; a
        number's tiles are laid out in it (at least one row, at most :data:`TALLEST`)."""
        self._room = height
        self._fit_height()

    def _fit_height(self) -> None:
        """Ask for no more height than the tiles use at this width and in the room the panel
        has, so a row of small tiles leaves the height to the bars, not as a gap around it."""
        count = len(self._tiles)
        self.setMinimumHeight(least_height(count, self.width() - 2))
        if count == 0:
            self.setMaximumHeight(TALLEST)
            return
        budget = TALLEST
        if count > 1:
            one_row = _whole((self.width() - 2 - GAP * (count - 1)) // count) + LABEL_HEIGHT + 2 * SELECTED_BORDER
            budget = min(TALLEST, max(self._room, one_row, self.minimumHeight()))
        self.setMaximumHeight(max(self._used_height(budget), self.minimumHeight()))

    def _used_height(self, height: int) -> int:
        """The height the tiles take when laid out in this width and ``height``."""
        count, label = len(self._tiles), LABEL_HEIGHT if self._labelled() else 0
        columns, side = tile_layout(count, self.width() - 2, height - 2, labels=self._labelled())
        rows = math.ceil(count / columns)
        return min(height, rows * (side + label) + GAP * (rows - 1) + 2 * SELECTED_BORDER)

    # --- events -------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()
        elif self._tiles and (used := self._used_height(self.height())) < self.height():
            # got less than asked: tiles a size smaller; give back the rest
            self.setMaximumHeight(max(used, self.minimumHeight()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._labelled():
            for index in range(len(self._tiles)):
                hit = self.tile_rect(index).adjusted(0, 0, 0, LABEL_HEIGHT)
                if hit.contains(event.position().toPoint()):
                    self.tile_clicked.emit(index)
                    event.accept()
                    return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self._stale:
            painter.setOpacity(theme.STALE_OPACITY)
        c = theme.colours()
        tiles = self._tiles or [Tile(None)]  # nothing drawn: one empty tile
        for index, tile in enumerate(tiles):
            image = self._images[index] if self._tiles else None
            self._draw_tile(painter, self.tile_rect(index) if self._tiles else self._empty_rect(), tile, image)
            if self._labelled():
                self._draw_label(painter, index, tile)
        if self._labelled() and self._selected is not None and 0 <= self._selected < len(self._tiles):
            rect = QRectF(self.tile_rect(self._selected)).adjusted(-1, -1, 1, 1)
            painter.setPen(QPen(QColor(c.tile_selected), SELECTED_BORDER))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
        painter.end()

    def _empty_rect(self) -> QRect:
        side = min(self.width() - 2, self.height() - 2, FIELD * PREVIEW_SCALE)
        side = max(side - side % FIELD if side >= MIN_TILE else side, 1)
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def _draw_tile(self, painter: QPainter, rect: QRect, tile: Tile, image: QImage | None) -> None:
        c = theme.colours()
        painter.fillRect(rect.adjusted(-BORDER, -BORDER, BORDER, BORDER), QColor(c.tile_border))
        painter.fillRect(rect, QColor(c.tile_background))
        if image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(rect, image)
        elif tile.note:
            font = QFont(self.font())
            font.setPixelSize(max(9, min(13, rect.width() // 6)))
            painter.setFont(font)
            painter.setPen(QColor(c.hint))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, tile.note)

    def _draw_label(self, painter: QPainter, index: int, tile: Tile) -> None:
        c = theme.colours()
        rect = self.tile_rect(index)
        label = QRect(rect.left(), rect.bottom() + 1, rect.width(), LABEL_HEIGHT)
        font = QFont(self.font())
        font.setBold(index == self._selected)
        painter.setFont(font)
        painter.setPen(QColor(c.doubt_text if tile.label == "?" else c.text_secondary))
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, tile.label)
