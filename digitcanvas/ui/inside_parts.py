"""Two pieces of the inside view: a picture shown with square pixels, and a worker thread
that runs only the latest job it is given.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, QRect, QSize, Qt, Signal, Slot
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
        return max(1, min(self._scale, self._max_width // max(self._picture.shape[1], 1)))

    def sizeHint(self) -> QSize:
        if self._picture is None:
            return QSize(0, 0)
        h, w, _ = self._picture.shape
        return QSize(w * self._factor(), h * self._factor())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self._draw_picture(painter)
        painter.end()

    def _draw_picture(self, painter: QPainter) -> None:
        if self._image is not None:
            size = self.sizeHint()
            painter.drawImage(QRect(0, 0, size.width(), size.height()), self._image)


class LatestJobRunner(QObject):
    """One worker thread that runs the latest job given; results come back as ``finished``
    on the thread that owns the runner (the GUI thread). A job submitted while another runs
    waits, and a newer one replaces it: a burst of requests costs at most two runs."""

    finished = Signal(object, object)  # the job's key, its result (or the exception it raised)
    _done = Signal(object, object)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._executor: ThreadPoolExecutor | None = None  # made when first needed, again after shutdown
        self._busy = False
        self._pending: tuple[Any, Callable[[], Any]] | None = None
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def submit(self, key: Any, job: Callable[[], Any]) -> None:
        """Run ``job()`` on the worker thread; ``finished(key, result)`` follows."""
        if self._busy:
            self._pending = (key, job)  # replaces any older waiting job
        else:
            self._start(key, job)

    def _start(self, key: Any, job: Callable[[], Any]) -> None:
        self._busy = True
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inside-view")
        self._executor.submit(self._work, key, job)

    def _work(self, key: Any, job: Callable[[], Any]) -> None:  # on the worker thread
        try:
            result: Any = job()
        except Exception as e:  # handed to the GUI thread, which knows what to say
            result = e
        with contextlib.suppress(RuntimeError):  # the view was deleted meanwhile
            self._done.emit(key, result)

    @Slot(object, object)
    def _on_done(self, key: Any, result: Any) -> None:
        self._busy = False
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._start(*pending)
        self.finished.emit(key, result)

    def shutdown(self) -> None:
        """Drop the waiting job and wait for the running one (its result is still delivered)."""
        self._pending = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
