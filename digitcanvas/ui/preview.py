"""A 28×28 preview of what the network sees (one image per digit), scaled up with nearest-neighbour."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..imagefile import image28_to_uint8
from . import theme

FIELD = 28
PREVIEW_SCALE = 4  # 28 px × 4 = 112 px: big enough to see the pixels
BORDER = QColor(theme.PREVIEW_BORDER)
BACKGROUND = QColor(theme.PREVIEW_BACKGROUND)


def image_to_qimage(image: NDArray[np.floating]) -> QImage:
    """A (28, 28) float image in [0, 1] as an 8-bit greyscale QImage (white ink on black)."""
    grey = np.ascontiguousarray(image28_to_uint8(image))
    h, w = grey.shape
    return QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


class InputPreview(QWidget):
    """The network's 28×28 input(s), one per digit side by side, or black when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images: list[QImage] = []
        self.setFixedSize(self.sizeHint())
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip("What the network sees: your drawing as a 28×28 MNIST-style image")
        self.setAccessibleName("Network input preview")

    def sizeHint(self) -> QSize:
        return QSize(FIELD * PREVIEW_SCALE + 2, FIELD * PREVIEW_SCALE + 2)

    def set_image(self, image: NDArray[np.floating] | None) -> None:
        self.set_images([] if image is None else [image])

    def set_images(self, images: list[NDArray[np.floating]]) -> None:
        """One 28×28 input per digit, shown side by side (a number's digits)."""
        self._images = [image_to_qimage(i) for i in images]
        self.update()

    def has_image(self) -> bool:
        return bool(self._images)

    def image_count(self) -> int:
        return len(self._images)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        target = QRect(1, 1, self.width() - 2, self.height() - 2)
        painter.fillRect(self.rect(), BORDER)
        painter.fillRect(target, BACKGROUND)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        count = len(self._images)
        if count:
            # Several digits share the square: one row, each scaled by a whole factor when possible.
            side = target.width() // count
            top = target.top() + (target.height() - side) // 2
            for i, image in enumerate(self._images):
                painter.drawImage(QRect(target.left() + i * side, top, side, side), image)
        painter.end()
