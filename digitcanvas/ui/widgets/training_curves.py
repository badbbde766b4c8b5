"""Live training curves: loss and accuracy against epochs, training and validation, drawn with QPainter.

Two panels side by side, loss on the left and accuracy on the right. Training shows twice:
a thin line of the batches as they are trained (the mean of the steps between two reports)
and a dot per epoch (the epoch's mean); validation shows as a dot per epoch, joined. The
axes follow the figures: the x axis spans the planned epochs, the loss axis starts at zero,
the accuracy axis ends at 100 %.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from digitcanvas.ui import theme

# Per curve; beyond it every other point goes: about one point per pixel of a panel, and a
# paint stays under 10 ms (4,000 points took 50 ms).
MAX_STEP_POINTS = 600
MARGIN_LEFT = 44  # room for the y axis' labels
MARGIN_BOTTOM = 22  # room for the x axis' labels
MARGIN_TOP = 22  # room for the panel's title and legend
PANEL_GAP = 16
DOT_RADIUS = 3.0
STEP_ALPHA = 110  # of 255: the per-step line sits behind the epoch dots
OUTLIER_QUANTILE = 0.98  # the loss axis ends above this share of the step losses (early spikes go off the top)
MAX_X_LABELS = 10
TICKS = 4  # about this many steps up each y axis
MIN_ACCURACY_SPAN = 0.02  # the accuracy axis shows at least the top 2 points
LABEL_FONT_PX = 10
MIN_SIZE = QSize(360, 180)


@dataclass
class Series:
    """The points of one panel: training per step, training and validation per epoch ((x, y) pairs,
    x in epochs)."""

    steps: list[tuple[float, float]] = field(default_factory=list)
    train: list[tuple[float, float]] = field(default_factory=list)
    validation: list[tuple[float, float]] = field(default_factory=list)


class TrainingCurves(QWidget):
    """Loss and accuracy as a network trains: :meth:`add_step` and :meth:`add_epoch` add points,
    :meth:`clear` starts over for a run of ``epochs``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss = Series()
        self.accuracy = Series()
        self._epochs = 1
        self.setMinimumSize(MIN_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Training curves: loss and accuracy")

    def sizeHint(self) -> QSize:
        return QSize(640, 260)

    def clear(self, epochs: int) -> None:
        """No points; the x axis spans ``epochs``."""
        self.loss, self.accuracy, self._epochs = Series(), Series(), max(1, epochs)
        self.update()

    def add_step(self, x: float, loss: float, accuracy: float) -> None:
        """A training report at ``x`` epochs: the mean loss and accuracy (0-1) of its batches."""
        for series, value in ((self.loss, loss), (self.accuracy, accuracy)):
            if math.isfinite(value):
                series.steps.append((x, value))
                if len(series.steps) > MAX_STEP_POINTS:
                    del series.steps[1::2]
        self.update()

    def add_epoch(
        self, epoch: int, train_loss: float, train_accuracy: float, val_loss: float, val_accuracy: float
    ) -> None:
        """The figures after epoch ``epoch`` (from 1)."""
        self.loss.train.append((epoch, train_loss))
        self.loss.validation.append((epoch, val_loss))
        self.accuracy.train.append((epoch, train_accuracy))
        self.accuracy.validation.append((epoch, val_accuracy))
        self.update()

    # --- painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        font.setPixelSize(LABEL_FONT_PX)
        painter.setFont(font)
        width = (self.width() - PANEL_GAP) / 2
        left = QRectF(0, 0, width, self.height())
        right = QRectF(width + PANEL_GAP, 0, width, self.height())
        self._draw_panel(painter, left, "loss", self.loss, self._loss_range(), percent=False)
        self._draw_panel(painter, right, "accuracy", self.accuracy, self._accuracy_range(), percent=True)
        painter.end()

    def _loss_range(self) -> tuple[float, float, float]:
        """The loss axis: from 0 to a round value above the losses, and its tick step."""
        values = [y for _, y in self.loss.train + self.loss.validation]
        if self.loss.steps:
            values.append(_quantile([y for _, y in self.loss.steps], OUTLIER_QUANTILE))
        top = max(values, default=1.0)
        step = _nice_step(top / TICKS if top > 0 else 1.0)
        return 0.0, step * math.ceil(top / step - 1e-9), step

    def _accuracy_range(self) -> tuple[float, float, float]:
        """The accuracy axis: from a round value under the accuracies to 100 %, and its tick step."""
        values = [y for _, y in self.accuracy.train + self.accuracy.validation]
        if self.accuracy.steps:
            values.append(_quantile([y for _, y in self.accuracy.steps], 1 - OUTLIER_QUANTILE))
        bottom = min(values, default=0.0)
        step = _nice_step(max(1.0 - bottom, MIN_ACCURACY_SPAN) / TICKS)
        return step * math.floor(bottom / step + 1e-9), 1.0, step

    def _draw_panel(
        self,
        painter: QPainter,
        rect: QRectF,
        title: str,
        series: Series,
        axis: tuple[float, float, float],
        *,
        percent: bool,
    ) -> None:
        """One panel: ``axis`` is the y axis' bottom, top and tick step."""
        plot = rect.adjusted(MARGIN_LEFT, MARGIN_TOP, -4, -MARGIN_BOTTOM)
        y_range = axis[0], axis[1]
        self._draw_axes(painter, plot, axis, percent=percent)
        self._draw_title(painter, rect, title)
        colours = theme.colours()
        step_colour = QColor(colours.curve_train)
        step_colour.setAlpha(STEP_ALPHA)
        self._draw_line(painter, plot, y_range, series.steps, step_colour, 1.0)
        self._draw_line(painter, plot, y_range, series.validation, QColor(colours.curve_validation), 2.0)
        self._draw_dots(painter, plot, y_range, series.train, QColor(colours.curve_train))
        self._draw_dots(painter, plot, y_range, series.validation, QColor(colours.curve_validation))

    def _draw_title(self, painter: QPainter, rect: QRectF, title: str) -> None:
        colours = theme.colours()
        painter.setPen(QColor(colours.text_secondary))
        painter.drawText(
            QRectF(rect.left() + MARGIN_LEFT, 0, rect.width(), MARGIN_TOP - 4), Qt.AlignmentFlag.AlignVCenter, title
        )
        x = rect.right() - 4
        for name, colour in (("validation", colours.curve_validation), ("training", colours.curve_train)):
            text_width = painter.fontMetrics().horizontalAdvance(name)
            x -= text_width
            painter.setPen(QColor(colour))
            painter.drawText(QRectF(x, 0, text_width, MARGIN_TOP - 4), Qt.AlignmentFlag.AlignVCenter, name)
            x -= 12

    def _draw_axes(self, painter: QPainter, plot: QRectF, axis: tuple[float, float, float], *, percent: bool) -> None:
        colours = theme.colours()
        low, high, step = axis
        ticks = round((high - low) / step)
        for i in range(ticks + 1):
            value = low + step * i
            y = self._y(plot, (low, high), value)
            painter.setPen(QPen(QColor(colours.curve_grid), 1.0))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(QColor(colours.muted))
            label = (f"{value:.1%}" if step < 0.01 else f"{value:.0%}") if percent else f"{value:.3g}"
            box = QRectF(plot.left() - MARGIN_LEFT, y - 8, MARGIN_LEFT - 6, 16)
            painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        every = max(1, math.ceil(self._epochs / MAX_X_LABELS))
        for epoch in range(0, self._epochs + 1, every):
            x = self._x(plot, epoch)
            painter.setPen(QColor(colours.muted))
            painter.drawText(
                QRectF(x - 20, plot.bottom() + 2, 40, MARGIN_BOTTOM - 2), Qt.AlignmentFlag.AlignHCenter, str(epoch)
            )

    def _x(self, plot: QRectF, x: float) -> float:
        return plot.left() + plot.width() * min(max(x / self._epochs, 0.0), 1.0)

    def _y(self, plot: QRectF, y_range: tuple[float, float], y: float) -> float:
        low, high = y_range
        share = (y - low) / (high - low) if high > low else 0.0
        return plot.bottom() - plot.height() * min(max(share, 0.0), 1.0)  # off the axis: drawn at its edge

    def _draw_line(
        self,
        painter: QPainter,
        plot: QRectF,
        y_range: tuple[float, float],
        points: Sequence[tuple[float, float]],
        colour: QColor,
        width: float,
    ) -> None:
        if len(points) < 2:
            return
        path = QPainterPath(QPointF(self._x(plot, points[0][0]), self._y(plot, y_range, points[0][1])))
        for x, y in points[1:]:
            path.lineTo(self._x(plot, x), self._y(plot, y_range, y))
        painter.setPen(QPen(colour, width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

    def _draw_dots(
        self,
        painter: QPainter,
        plot: QRectF,
        y_range: tuple[float, float],
        points: Sequence[tuple[float, float]],
        colour: QColor,
    ) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        for x, y in points:
            painter.drawEllipse(QPointF(self._x(plot, x), self._y(plot, y_range, y)), DOT_RADIUS, DOT_RADIUS)


def _quantile(values: list[float], share: float) -> float:
    """The value ``share`` of the way up ``values`` sorted (numpy's quantile costs 27 ms on its first call)."""
    ordered = sorted(values)
    return ordered[round(share * (len(ordered) - 1))]


def _nice_step(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least ``value`` (a tick step)."""
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * power * (1 + 1e-9):
            return float(factor * power)
    return float(10 * power)
