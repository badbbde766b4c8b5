"""The drawing canvas: mouse and pen-tablet strokes kept as vectors.

Strokes live in a fixed document space of ``document_size`` pixels; the widget shows
that document scaled to fit (the window keeps the widget in the document's shape, so the
whole widget is paper), and resizing never loses or distorts a drawing. The widget knows
nothing about models: it emits signals.

Painting stays cheap however much is drawn: the paper and every finished stroke live in
a cached image at device resolution (each stroke painted into it once, when it ends), and
the stroke in progress is painted on top from its last :data:`TAIL_POINTS` points, its
earlier part baked into a copy of the cache. A repaint costs one image copy and a short
path, clipped to the few pixels that changed; the cache is redrawn only when the strokes
are replaced, or the size, the pen or the colours change.

The canvas can also show a picture instead of strokes (an image read in the window, see
:meth:`DrawingCanvas.show_picture`), fitted to the paper; its digits' outlines are then in
the picture's pixels. A stroke drawn on it takes the picture away.

The pen width is the drawing's: a drawing has one (the network reads every stroke with
it), so a new width set while strokes are on the canvas is kept for the next drawing.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTabletEvent,
    QTransform,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitcanvas.drawing.strokes import CANVAS_SIZE, DEFAULT_PEN_WIDTH, Drawing
from digitcanvas.ui import theme
from digitcanvas.ui.widgets.controls import PEN_WIDTH_RANGE
from digitcanvas.ui.widgets.ink import Points, exit_point, ink_pen, paint_stroke

DOCUMENT_SIZE = CANVAS_SIZE  # logical canvas pixels; drawing files use these coordinates
ASPECT = DOCUMENT_SIZE[0] / DOCUMENT_SIZE[1]
HINT_TEXT = "Draw a digit — or a number — here"
COORDINATE_DECIMALS = 2
MIN_POINT_STEP = 0.75  # document px: closer mouse samples add nothing but size
MIN_SIZE = QSize(240, 150)  # 240 / 150 = the document's 1.6
CORNER_RADIUS = 8.0  # widget px
TAIL_POINTS = 64  # of the stroke in progress, painted as a path on every repaint


class DrawingCanvas(QWidget):
    """A canvas that records strokes.

    Signals:
        stroke_progress(): a point was added to the stroke in progress.
        stroke_finished(): a stroke was added (the pen lifted, or left the paper).
        strokes_changed(): strokes were added, undone, cleared or replaced.
        drawing_replaced(): another drawing was put on it, with its own pen width.
    """

    stroke_progress = Signal()
    stroke_finished = Signal()
    strokes_changed = Signal()
    drawing_replaced = Signal()

    def __init__(self, parent: QWidget | None = None, *, document_size: tuple[int, int] = DOCUMENT_SIZE) -> None:
        super().__init__(parent)
        self._document = document_size
        self._strokes: list[Points] = []
        self._current: Points | None = None  # the stroke being drawn, while the pen is on the paper
        self._pressed = False  # the button (or pen) is down
        self._off_paper: QPointF | None = None  # where the pen is while down but off the paper
        self._pen_width = DEFAULT_PEN_WIDTH
        self._next_pen: float | None = None  # a width set while strokes are on: for the next drawing
        self._picture: QImage | None = None  # an image shown instead of strokes
        self._outlines: list[QRectF] = []
        self._cache: QImage | None = None  # the paper and the finished strokes
        self._live: QImage | None = None  # the cache and the baked part of the stroke in progress
        self._tail = 0  # index of the first point of the stroke in progress not baked into _live
        self.setMinimumSize(MIN_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Drawing canvas")

    # --- public API ---------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(*self._document)

    @property
    def document_size(self) -> tuple[int, int]:
        return self._document

    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, width: float) -> bool:
        """Draw with ``width`` px: now on an empty canvas (True); with strokes on it, from the
        next drawing (False): the drawing keeps its one width."""
        if self._strokes or self._current is not None:
            self._next_pen = float(width)
            return False
        self._pen_width, self._next_pen = float(width), None
        self._invalidate()
        return True

    def next_pen_width(self) -> float:
        """The width the next drawing gets (the current one's, unless another was set)."""
        return self._pen_width if self._next_pen is None else self._next_pen

    def set_outlines(self, rects: list[tuple[float, float, float, float]], *, in_picture: bool = False) -> None:
        """Boxes (x, y, w, h) drawn around segmented digits, in document px, or with
        ``in_picture`` in the picture's own px (the picture shown, see :meth:`show_picture`)."""
        if in_picture and self._picture is not None:
            scale, ox, oy = self._picture_placement()
            rects = [(ox + x * scale, oy + y * scale, w * scale, h * scale) for x, y, w, h in rects]
        self._outlines = [QRectF(*r) for r in rects]
        self.update()

    def show_picture(self, pixels: NDArray[np.uint8] | None) -> None:
        """Show an image instead of strokes (None: take it away): (H, W) grey, (H, W, 3) RGB or
        (H, W, 4) RGBA uint8, fitted to the paper. Strokes on the canvas go (``strokes_changed``)."""
        had = bool(self._strokes)
        self._strokes.clear()
        self._current, self._pressed, self._off_paper = None, False, None
        self._picture = None if pixels is None else picture_image(pixels)
        self._outlines = []
        self._take_next_pen()
        self._invalidate()
        if had:
            self.strokes_changed.emit()

    def has_picture(self) -> bool:
        return self._picture is not None

    def _picture_placement(self) -> tuple[float, float, float]:
        """Scale and offset that map the picture's px to document px (fitted, centred)."""
        assert self._picture is not None
        dw, dh = self._document
        width, height = self._picture.width(), self._picture.height()
        scale = min(dw / max(width, 1), dh / max(height, 1))
        return scale, (dw - width * scale) / 2, (dh - height * scale) / 2

    def outlines(self) -> list[tuple[float, float, float, float]]:
        return [(r.x(), r.y(), r.width(), r.height()) for r in self._outlines]

    def is_empty(self) -> bool:
        return not self._strokes

    def stroke_count(self) -> int:
        return len(self._strokes)

    def drawing(self, *, include_current: bool = False) -> Drawing:
        """The strokes as a Qt-free :class:`Drawing` in document coordinates.

        ``include_current``: also the stroke still being drawn (for live classification).
        """
        strokes = [*self._strokes, self._current] if include_current and self._current else self._strokes
        arrays = tuple(np.array([(p.x(), p.y()) for p in s], dtype=np.float64) for s in strokes)
        return Drawing(arrays, self._document[0], self._document[1], self._pen_width)

    def set_drawing(self, drawing: Drawing) -> None:
        """Replace the strokes; a drawing from another canvas size is scaled to fit, centred."""
        dw, dh = self._document
        scale = min(dw / drawing.width, dh / drawing.height)
        ox = (dw - drawing.width * scale) / 2
        oy = (dh - drawing.height * scale) / 2
        self._strokes = [[QPointF(x * scale + ox, y * scale + oy) for x, y in s] for s in drawing.strokes]
        self._current, self._pressed, self._off_paper = None, False, None
        # A drawing from a much smaller canvas would scale its pen beyond what the app can
        # save and read back: the pen stays within the width box's range.
        self._pen_width = min(max(drawing.pen_width * scale, PEN_WIDTH_RANGE[0]), PEN_WIDTH_RANGE[1])
        self._next_pen, self._picture = None, None
        self._outlines = []
        self._invalidate()
        self.strokes_changed.emit()
        self.drawing_replaced.emit()

    def show_drawing(self, drawing: Drawing) -> None:
        """Put ``drawing`` on the canvas (an empty one clears it)."""
        if drawing.is_empty:
            self.clear()
        else:
            self.set_drawing(drawing)

    def undo(self) -> bool:
        """Remove the last stroke; False if there was none."""
        if not self._strokes:
            return False
        self._strokes.pop()
        self._outlines = []
        if not self._strokes:
            self._take_next_pen()
        self._invalidate()
        self.strokes_changed.emit()
        return True

    def undo_stroke(self) -> None:
        """Remove the last stroke (an undo step: it says nothing)."""
        self.undo()

    def clear(self) -> None:
        """Take the strokes (or the picture) away; the next drawing gets the pen width set last."""
        had = bool(self._strokes)
        self._strokes.clear()
        self._current, self._pressed, self._off_paper, self._picture = None, False, None, None
        self._outlines = []
        self._take_next_pen()
        self._invalidate()
        if had:
            self.strokes_changed.emit()

    def _take_next_pen(self) -> None:
        if self._next_pen is not None:
            self._pen_width, self._next_pen = self._next_pen, None

    def refresh_colours(self) -> None:
        """Repaint in the theme's colours (the scheme changed)."""
        self._invalidate()

    # --- geometry -----------------------------------------------------------------------

    def _view_transform(self) -> tuple[float, float, float]:
        """Scale and offset that map document px to widget px (aspect kept)."""
        dw, dh = self._document
        scale = min(self.width() / dw, self.height() / dh)
        return scale, (self.width() - dw * scale) / 2, (self.height() - dh * scale) / 2

    def _transform(self) -> QTransform:
        scale, ox, oy = self._view_transform()
        return QTransform(scale, 0, 0, scale, ox, oy)

    def _to_document(self, pos: QPointF) -> QPointF:
        scale, ox, oy = self._view_transform()
        return QPointF((pos.x() - ox) / scale, (pos.y() - oy) / scale)

    def _on_paper(self, point: QPointF) -> bool:
        dw, dh = self._document
        return 0.0 <= point.x() <= dw and 0.0 <= point.y() <= dh

    @staticmethod
    def _rounded(point: QPointF) -> QPointF:
        # Hundredths of a pixel: far finer than any input device, and exact in a drawing file.
        return QPointF(round(point.x(), COORDINATE_DECIMALS), round(point.y(), COORDINATE_DECIMALS))

    # --- input --------------------------------------------------------------------------
    # A stroke is what the pen draws on the paper. Off the paper it draws nothing: a stroke
    # that leaves the paper ends at its edge, and one that comes back starts a new stroke
    # there, so ink is never squashed along the edge.

    def _begin(self, pos: QPointF) -> None:
        self._commit()  # a press without the last release (a pen glitch) keeps what was drawn
        if self._picture is not None:  # drawing takes the picture's place
            self._picture, self._outlines = None, []
            self._invalidate()
        self._pressed = True
        point = self._to_document(pos)
        if self._on_paper(point):
            self._start_stroke(self._rounded(point))
        else:
            self._off_paper = point

    def _extend(self, pos: QPointF) -> None:
        if not self._pressed:
            return
        point = self._to_document(pos)
        if self._current is None:  # the pen is off the paper
            if self._on_paper(point) and self._off_paper is not None:
                dw, dh = self._document
                self._start_stroke(self._rounded(exit_point(point, self._off_paper, dw, dh)))
                self._add_point(self._rounded(point))
            else:
                self._off_paper = point
            return
        if self._on_paper(point):
            self._add_point(self._rounded(point))
            return
        dw, dh = self._document
        self._add_point(self._rounded(exit_point(self._current[-1], point, dw, dh)), force=True)
        self._off_paper = point
        self._commit()

    def _finish(self) -> None:
        self._pressed = False
        self._off_paper = None
        self._commit()

    def _start_stroke(self, point: QPointF) -> None:
        self._current, self._live, self._tail = [point], None, 0
        self._update_around(point, point)

    def _add_point(self, point: QPointF, *, force: bool = False) -> None:
        assert self._current is not None
        last = self._current[-1]
        if not force and abs(point.x() - last.x()) + abs(point.y() - last.y()) < MIN_POINT_STEP:
            return
        if point == last:
            return
        self._current.append(point)
        if len(self._current) - self._tail > TAIL_POINTS:
            self._bake_tail()
        self._update_around(last, point)
        self.stroke_progress.emit()

    def _commit(self) -> None:
        if self._current is None:
            return
        if self._cache is not None:
            painter = self._ink_painter(self._cache)
            paint_stroke(painter, self._current)
            painter.end()
        self._strokes.append(self._current)
        self._current, self._live, self._tail = None, None, 0
        self._outlines = []
        self.update()
        self.stroke_finished.emit()
        self.strokes_changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position())
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._extend(event.position())
            self._finish()
            event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:
        # Accepting the tablet event stops Qt from synthesising a second, mouse, stroke.
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QTabletEvent.Type.TabletMove:
            self._extend(event.position())
        elif kind == QTabletEvent.Type.TabletRelease:
            self._extend(event.position())
            self._finish()
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._invalidate()

    # --- painting -----------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._cache, self._live, self._tail = None, None, 0
        self.update()

    def _ink_painter(self, image: QImage) -> QPainter:
        """A painter on ``image`` in document coordinates, with the ink pen."""
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setTransform(self._transform())
        painter.setPen(ink_pen(QColor(theme.colours().ink), self._pen_width))
        return painter

    def _ensure_cache(self) -> QImage:
        """The paper with every finished stroke, at device pixels; redrawn only when invalid."""
        ratio = self.devicePixelRatioF()
        # Whole device pixels, rounded up: at 150 % a 605-px widget covers 907.5 of them.
        size = QSize(max(1, math.ceil(self.width() * ratio)), max(1, math.ceil(self.height() * ratio)))
        if self._cache is not None and self._cache.size() == size:
            return self._cache
        cache = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        cache.setDevicePixelRatio(ratio)
        cache.fill(QColor(theme.colours().window))
        painter = QPainter(cache)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._draw_paper(painter)
        self._draw_picture(painter)
        painter.end()
        painter = self._ink_painter(cache)
        for stroke in self._strokes:
            paint_stroke(painter, stroke)
        painter.end()
        self._cache, self._live, self._tail = cache, None, 0
        return cache

    def _bake_tail(self) -> None:
        """Paint the stroke in progress up to its last point into ``_live``; the tail starts there."""
        assert self._current is not None
        if self._live is None:
            self._live = self._ensure_cache().copy()
        painter = self._ink_painter(self._live)
        paint_stroke(painter, self._current[self._tail :])
        painter.end()
        self._tail = len(self._current) - 1

    def _update_around(self, a: QPointF, b: QPointF) -> None:
        """Repaint only the widget pixels a segment from ``a`` to ``b`` may have inked."""
        margin = self._pen_width / 2 + 2
        touched = QRectF(a, b).normalized().adjusted(-margin, -margin, margin, margin)
        self.update(self._transform().mapRect(touched).toAlignedRect())

    def paintEvent(self, event: QPaintEvent) -> None:
        cache = self._ensure_cache()
        painter = QPainter(self)
        painter.setClipRegion(event.region())
        painter.drawImage(QPointF(0, 0), self._live if self._live is not None else cache)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale, _, _ = self._view_transform()
        painter.setTransform(self._transform())
        if self._current:
            painter.setPen(ink_pen(QColor(theme.colours().ink), self._pen_width))
            paint_stroke(painter, self._current[self._tail :])
        self._draw_outlines(painter, scale)
        if not self._strokes and self._current is None and self._picture is None:
            self._draw_hint(painter)
        painter.end()

    def _paper_path(self) -> QPainterPath:
        """The paper's outline in widget px: the document's rectangle, its corners rounded."""
        path = QPainterPath()
        dw, dh = self._document
        paper = self._transform().mapRect(QRectF(0, 0, dw, dh))
        path.addRoundedRect(paper.adjusted(0.5, 0.5, -0.5, -0.5), CORNER_RADIUS, CORNER_RADIUS)
        return path

    def _draw_paper(self, painter: QPainter) -> None:
        c = theme.colours()
        path = self._paper_path()
        painter.fillPath(path, QColor(c.paper))
        painter.setPen(QPen(QColor(c.paper_border), 1.0))
        painter.drawPath(path)

    def _draw_picture(self, painter: QPainter) -> None:
        if self._picture is None:
            return
        scale, ox, oy = self._picture_placement()
        target = QRectF(ox, oy, self._picture.width() * scale, self._picture.height() * scale)
        painter.save()
        painter.setClipPath(self._paper_path())  # the paper's rounded corners stay round
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self._transform().mapRect(target), self._picture)
        painter.restore()

    def _draw_outlines(self, painter: QPainter, scale: float) -> None:
        if not self._outlines:
            return
        pen = QPen(QColor(theme.colours().outline), 2.0 / scale, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for rect in self._outlines:
            painter.drawRoundedRect(rect, 6, 6)

    def _draw_hint(self, painter: QPainter) -> None:
        dw, dh = self._document
        font = painter.font()
        font.setPointSizeF(theme.HINT_FONT_PT)
        painter.setFont(font)
        painter.setPen(QColor(theme.colours().hint))
        painter.drawText(QRectF(0, 0, dw, dh), Qt.AlignmentFlag.AlignCenter, HINT_TEXT)


def picture_image(pixels: NDArray[np.uint8]) -> QImage:
    """An image's pixels as a QImage to show: (H, W) grey, (H, W, 3) RGB, or (H, W, 4) RGBA
    laid on white (dark ink on transparent paper shows as it would print)."""
    array = np.asarray(pixels, dtype=np.uint8)
    if array.ndim == 3 and array.shape[2] == 4:
        alpha = array[..., 3:].astype(np.float32) / 255.0
        array = np.asarray(np.rint(array[..., :3] * alpha + 255.0 * (1.0 - alpha)), dtype=np.uint8)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    array = np.ascontiguousarray(array)
    height, width = array.shape[:2]
    if array.ndim == 2:
        return QImage(array.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    return QImage(array.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
