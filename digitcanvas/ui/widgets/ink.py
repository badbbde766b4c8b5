"""Ink as Qt paints it: the round pen, a stroke as one path, and a drawing rendered to an image.

Shared by the canvas (:mod:`.canvas`, on screen) and File ▸ Export Drawing as PNG
(:func:`render_drawing`, at the drawing's own size), so the exported ink is the ink on
screen. :func:`exit_point` is the geometry of a stroke leaving the paper.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

from digitcanvas.drawing.strokes import Drawing

EXPORT_PAPER = 0  # grey level of the paper in an exported PNG: black, as on the canvas
EXPORT_INK = 255  # ... and of the ink: white

Points = list[QPointF]


def ink_pen(colour: QColor, width: float) -> QPen:
    """The pen that draws ink: round caps and joins, as the canvas and the export both draw."""
    return QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)


def paint_stroke(painter: QPainter, stroke: Points) -> None:
    """Paint one stroke as one path (a dot for a single point): no seams where segments meet."""
    if len(stroke) == 1:
        painter.drawPoint(stroke[0])
        return
    path = QPainterPath(stroke[0])
    for point in stroke[1:]:
        path.lineTo(point)
    painter.drawPath(path)


def render_drawing(drawing: Drawing) -> QImage:
    """The drawing as the canvas shows it, at its own size: white ink on black, 8-bit grey.

    A (``drawing.height``, ``drawing.width``) image with the drawing's pen width, for
    File ▸ Export Drawing as PNG; ``digitcanvas predict`` reads it as the app read the strokes.
    """
    image = QImage(drawing.width, drawing.height, QImage.Format.Format_Grayscale8)
    image.fill(QColor(EXPORT_PAPER, EXPORT_PAPER, EXPORT_PAPER))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(ink_pen(QColor(EXPORT_INK, EXPORT_INK, EXPORT_INK), drawing.pen_width))
    for stroke in drawing.strokes:
        paint_stroke(painter, [QPointF(float(x), float(y)) for x, y in stroke])
    painter.end()
    return image


def exit_point(inside: QPointF, outside: QPointF, width: float, height: float) -> QPointF:
    """Where the segment from ``inside`` the paper to ``outside`` it crosses the paper's edge."""
    dx, dy = outside.x() - inside.x(), outside.y() - inside.y()
    t = 1.0
    for delta, start, low, high in ((dx, inside.x(), 0.0, width), (dy, inside.y(), 0.0, height)):
        if delta > 0 and start + delta * t > high:
            t = (high - start) / delta
        elif delta < 0 and start + delta * t < low:
            t = (low - start) / delta
    return QPointF(inside.x() + dx * t, inside.y() + dy * t)
