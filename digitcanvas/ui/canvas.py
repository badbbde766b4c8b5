"""The drawing canvas: mouse and pen-tablet strokes kept as vectors.

Strokes live in a fixed document space of ``document_size`` pixels; the widget shows
that document scaled to fit (letterboxed), so resizing the window never loses or
distorts a drawing. The widget knows nothing about models: it emits signals.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..drawing import CANVAS_SIZE, DEFAULT_PEN_WIDTH, Drawing
from . import theme

DOCUMENT_SIZE = CANVAS_SIZE  # logical canvas pixels; drawing files use these coordinates
PAPER = QColor(theme.PAPER)
INK = QColor(theme.INK)
HINT = QColor(theme.HINT)
OUTLINE = QColor(theme.OUTLINE)
HINT_TEXT = "Draw a digit — or a number — here"
COORDINATE_DECIMALS = 2
MIN_POINT_STEP = 0.75  # document px: closer mouse samples add nothing but size


class DrawingCanvas(QWidget):
    """A square-ish canvas that records strokes.

    Signals:
        stroke_progress(): a point was added to the stroke in progress.
        strokes_changed(): a stroke finished, or strokes were undone, cleared or replaced.
    """

    stroke_progress = Signal()
    strokes_changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, document_size: tuple[int, int] = DOCUMENT_SIZE) -> None:
        super().__init__(parent)
        self._document = document_size
        self._strokes: list[list[QPointF]] = []
        self._current: list[QPointF] | None = None
        self._pen_width = DEFAULT_PEN_WIDTH
        self._outlines: list[QRectF] = []
        self.setMinimumSize(200, 200)
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

    def set_pen_width(self, width: float) -> None:
        self._pen_width = float(width)
        self.update()

    def set_outlines(self, rects: list[tuple[float, float, float, float]]) -> None:
        """Boxes (x, y, w, h in document px) drawn around segmented digits."""
        self._outlines = [QRectF(*r) for r in rects]
        self.update()

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
        self._current = None
        self._pen_width = drawing.pen_width * scale
        self._outlines = []
        self.update()
        self.strokes_changed.emit()

    def undo(self) -> bool:
        """Remove the last stroke; False if there was none."""
        if not self._strokes:
            return False
        self._strokes.pop()
        self._outlines = []
        self.update()
        self.strokes_changed.emit()
        return True

    def clear(self) -> None:
        had = bool(self._strokes)
        self._strokes.clear()
        self._current = None
        self._outlines = []
        self.update()
        if had:
            self.strokes_changed.emit()

    # --- geometry -----------------------------------------------------------------------

    def _view_transform(self) -> tuple[float, float, float]:
        """Scale and offset that map document px to widget px (aspect kept)."""
        dw, dh = self._document
        scale = min(self.width() / dw, self.height() / dh)
        return scale, (self.width() - dw * scale) / 2, (self.height() - dh * scale) / 2

    def _to_document(self, pos: QPointF) -> QPointF:
        scale, ox, oy = self._view_transform()
        dw, dh = self._document
        x = min(max((pos.x() - ox) / scale, 0.0), float(dw))
        y = min(max((pos.y() - oy) / scale, 0.0), float(dh))
        # Hundredths of a pixel: far finer than any input device, and exact in a drawing file.
        return QPointF(round(x, COORDINATE_DECIMALS), round(y, COORDINATE_DECIMALS))

    # --- input --------------------------------------------------------------------------

    def _begin(self, pos: QPointF) -> None:
        self._current = [self._to_document(pos)]
        self.update()

    def _extend(self, pos: QPointF) -> None:
        if self._current is None:
            return
        point = self._to_document(pos)
        last = self._current[-1]
        if abs(point.x() - last.x()) + abs(point.y() - last.y()) < MIN_POINT_STEP:
            return
        self._current.append(point)
        self.update()
        self.stroke_progress.emit()

    def _finish(self) -> None:
        if self._current is None:
            return
        self._strokes.append(self._current)
        self._current = None
        self._outlines = []
        self.update()
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
        elif kind == QTabletEvent.Type.TabletMove and self._current is not None:
            self._extend(event.position())
        elif kind == QTabletEvent.Type.TabletRelease:
            self._extend(event.position())
            self._finish()
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.update()

    # --- painting -----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().window())
        scale, ox, oy = self._view_transform()
        painter.translate(ox, oy)
        painter.scale(scale, scale)
        self._draw_paper(painter)
        self._draw_strokes(painter)
        self._draw_outlines(painter, scale)
        if not self._strokes and self._current is None:
            self._draw_hint(painter)
        painter.end()

    def _draw_paper(self, painter: QPainter) -> None:
        dw, dh = self._document
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, dw, dh), 12, 12)
        painter.fillPath(path, PAPER)

    def _draw_strokes(self, painter: QPainter) -> None:
        pen = QPen(INK, self._pen_width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        strokes = [*self._strokes, self._current] if self._current else self._strokes
        for stroke in strokes:
            if len(stroke) == 1:
                painter.drawPoint(stroke[0])
                continue
            path = QPainterPath(stroke[0])
            for point in stroke[1:]:
                path.lineTo(point)
            painter.drawPath(path)

    def _draw_outlines(self, painter: QPainter, scale: float) -> None:
        if not self._outlines:
            return
        pen = QPen(OUTLINE, 2.0 / scale, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for rect in self._outlines:
            painter.drawRoundedRect(rect, 6, 6)

    def _draw_hint(self, painter: QPainter) -> None:
        dw, dh = self._document
        font = painter.font()
        font.setPointSizeF(theme.HINT_FONT_PT)
        painter.setFont(font)
        painter.setPen(HINT)
        painter.drawText(QRectF(0, 0, dw, dh), Qt.AlignmentFlag.AlignCenter, HINT_TEXT)
