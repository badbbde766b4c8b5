"""Drive the canvas with real mouse events that carry the left-button state."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from digitcanvas.ui.widgets.canvas import DrawingCanvas


def _send(
    canvas: DrawingCanvas, kind: QEvent.Type, pos: QPointF, button: Qt.MouseButton, buttons: Qt.MouseButton
) -> None:
    global_pos = QPointF(canvas.mapToGlobal(pos.toPoint()))
    event = QMouseEvent(kind, pos, global_pos, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, event)


def to_widget(canvas: DrawingCanvas, x: float, y: float) -> QPointF:
    """Document coordinates → widget coordinates."""
    scale, ox, oy = canvas._view_transform()
    return QPointF(x * scale + ox, y * scale + oy)


def draw_stroke(canvas: DrawingCanvas, points: Sequence[tuple[float, float]], *, release: bool = True) -> None:
    """Press, move through ``points`` (document px), release: as a person drawing."""
    left = Qt.MouseButton.LeftButton
    widget_points = [to_widget(canvas, x, y) for x, y in points]
    _send(canvas, QEvent.Type.MouseButtonPress, widget_points[0], left, left)
    for point in widget_points[1:]:
        _send(canvas, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, left)
    if release:
        _send(canvas, QEvent.Type.MouseButtonRelease, widget_points[-1], left, Qt.MouseButton.NoButton)


def release(canvas: DrawingCanvas, x: float, y: float) -> None:
    """Lift the button at document point (x, y): ends a stroke drawn with ``release=False``."""
    left = Qt.MouseButton.LeftButton
    _send(canvas, QEvent.Type.MouseButtonRelease, to_widget(canvas, x, y), left, Qt.MouseButton.NoButton)


def line(a: tuple[float, float], b: tuple[float, float], n: int = 25) -> list[tuple[float, float]]:
    t = np.linspace(0, 1, n)
    return [(a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s) for s in t]


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 60) -> list[tuple[float, float]]:
    t = np.linspace(0, 2 * np.pi, n)
    return [(cx + rx * np.sin(s), cy - ry * np.cos(s)) for s in t]


def draw_one(canvas: DrawingCanvas) -> None:
    draw_stroke(canvas, line((215, 80), (205, 340)))


def draw_zero(canvas: DrawingCanvas) -> None:
    draw_stroke(canvas, ellipse(210, 210, 75, 120))


def draw_seven(canvas: DrawingCanvas) -> None:
    draw_stroke(canvas, [*line((130, 90), (290, 90)), *line((290, 90), (190, 340))[1:]])


def draw_ten(canvas: DrawingCanvas) -> None:
    """A "1" and a "0" side by side: the number 10."""
    draw_stroke(canvas, line((200, 110), (195, 300)))
    draw_stroke(canvas, ellipse(330, 205, 60, 95))


def draw_dot(canvas: DrawingCanvas) -> None:
    """A mark far too small to be a digit."""
    draw_stroke(canvas, line((320, 200), (323, 202), n=3))
