"""A picture shown with square pixels, enlarged by a whole factor: the inside view's feature
maps, strips, saliency overlay and filters. One wider than the room it has (:meth:`PictureView.set_max_width`)
even at one screen px per value is shrunk to fit it, smoothly."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

PICTURE_SCALE = 4  # screen px per value, at most, for feature maps and filters
PICTURE_MAX_WIDTH = 480  # px a picture may take; wider ones get a smaller whole factor


class PictureView(QWidget):
    """An RGB picture (H, W, 3) uint8, scaled up by a whole factor (square pixels)."""

    def __init__(self, *, scale: int = PICTURE_SCALE, max_width: int = PICTURE_MAX_WIDTH) -> None:
        super().__init__()
        self._picture: NDArray[np.uint8] | None = None
        self._image: QImage | None = None
        self._scale, self._max_width = scale, max_width
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_max_width(self, width: int) -> None:
        """Take at most ``width`` px (the column it is in): a wider picture gets a smaller whole factor."""
        width = max(width, 1)
        if width != self._max_width:
            before = self.sizeHint()
            self._max_width = width
            if self.sizeHint() != before:
                self.updateGeometry()
                self.update()

    def picture(self) -> NDArray[np.uint8] | None:
        """The picture shown, (H, W, 3) uint8, or None."""
        return self._picture

    def set_picture(self, picture: NDArray[np.uint8] | None) -> None:
        """Show ``picture`` (H, W, 3) uint8, or nothing (None)."""
        before = self.sizeHint()
        if picture is None:
            self._picture = self._image = None
        else:
            self._picture = np.ascontiguousarray(picture, dtype=np.uint8)
            h, w, _ = self._picture.shape
            self._image = QImage(self._picture.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        if self.sizeHint() != before:  # a new layout only when the size changes, not every drawing
            self.updateGeometry()
        self.update()

    def _factor(self) -> int:
        if self._picture is None:
            return self._scale
        return max(1, min(self._scale, self._max_width // max(int(self._picture.shape[1]), 1)))

    def sizeHint(self) -> QSize:
        if self._picture is None:
            return QSize(0, 0)
        h, w, _ = self._picture.shape
        if w > self._max_width:  # too wide even at one px per value: shrunk, in its shape
            return QSize(self._max_width, max(1, round(h * self._max_width / w)))
        return QSize(w * self._factor(), h * self._factor())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self._draw_picture(painter)
        painter.end()

    def _draw_picture(self, painter: QPainter) -> None:
        if self._image is not None:
            size = self.sizeHint()
            shrunk = self._picture is not None and size.width() < self._picture.shape[1]
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, shrunk)
            painter.drawImage(QRect(0, 0, size.width(), size.height()), self._image)
