"""Two models side by side: both sets of confidence bars for the same drawing, with the
digits they disagree on marked between them.

The panel shows what it is given (``show_probabilities`` or ``show_readings``); the
window reads the drawing with both models and hands the results over.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QWidget

from digitcanvas.explain.compare import Comparison, compare
from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.reading.doubt import Verdict
from digitcanvas.reading.reader import Reading
from digitcanvas.ui import theme
from digitcanvas.ui.widgets.bars import ROW_HEIGHT, ConfidenceBars
from digitcanvas.ui.widgets.result_panel import named_candidates

MARKS_WIDTH = 28  # px between the two sets of bars
MARK = "≠"
NO_SECOND_MODEL = "Load a second model to compare ({command})."  # the command that does, as the menu says


class DisagreementMarks(QWidget):
    """A narrow column of ten rows beside the bars: a mark on each digit the models disagree on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._marked: tuple[int, ...] = ()
        self.setFixedWidth(MARKS_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(MARKS_WIDTH, ROW_HEIGHT * NUM_CLASSES)

    def marked(self) -> tuple[int, ...]:
        return self._marked

    def set_marked(self, digits: tuple[int, ...]) -> None:
        self._marked = tuple(digits)
        self.setAccessibleDescription(", ".join(str(d) for d in self._marked) or "no disagreement")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._draw_marks(painter)
        painter.end()

    def _draw_marks(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(theme.colours().bar_doubt))
        row = self.height() / NUM_CLASSES
        for digit in self._marked:
            painter.drawText(QRectF(0, digit * row, self.width(), row), Qt.AlignmentFlag.AlignCenter, MARK)


class ComparePanel(QWidget):
    """The first model's bars, the marks, the second model's bars, and a caption.

    Signals:
        inspect_requested(int): "Look inside" under a model was clicked (0: first, 1: second).
    """

    inspect_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, load_command: str = "Model ▸ Compare with Model…") -> None:
        super().__init__(parent)
        self._load_command = load_command  # the window passes the menu item's own path
        self.first_bars = ConfidenceBars()
        self.second_bars = ConfidenceBars()
        self.marks = DisagreementMarks()
        self.first_name = theme.heading("")
        self.second_name = theme.heading("")
        self.caption = theme.named(QLabel(wordWrap=True), "caption")
        self._comparison: Comparison | None = None
        self._names = ("first model", "second model")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.first_name, 0, 0)
        layout.addWidget(self.second_name, 0, 2)
        layout.addWidget(self.first_bars, 1, 0)
        layout.addWidget(self.marks, 1, 1)
        layout.addWidget(self.second_bars, 1, 2)
        for column in (0, 2):
            button = theme.named(QPushButton("Look inside"), "link")
            button.clicked.connect(lambda _=False, which=column // 2: self.inspect_requested.emit(which))
            layout.addWidget(button, 2, column, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.caption, 3, 0, 1, 3)
        for bars in (self.first_bars, self.second_bars):
            bars.set_clickable(False)  # clicking a row corrects nothing here
            bars.setToolTip("")
        self.set_model_names("first model", None)

    # --- public API ---------------------------------------------------------------------

    def set_model_names(self, first: str, second: str | None) -> None:
        """Name the two models; ``second`` None: no second model yet (its side is empty)."""
        self._names = (first, second or "second model")
        self.first_name.setText(first.upper())
        self.second_name.setText((second or "—").upper())
        if second is None:
            self.show_probabilities(None, None)
            self.caption.setText(NO_SECOND_MODEL.format(command=self._load_command))

    def show_probabilities(
        self,
        first: ArrayLike | None,
        second: ArrayLike | None,
        *,
        verdicts: tuple[Verdict | None, Verdict | None] = (None, None),
    ) -> None:
        """Show two (10,) probability vectors (None: that side empty) and mark the differences;
        ``verdicts``: the window's on each (a "Not sure" side stands by no digit, as its bars
        in the window do; None: the top digit is sure)."""
        for bars, probs, verdict in ((self.first_bars, first, verdicts[0]), (self.second_bars, second, verdicts[1])):
            if probs is not None and verdict is not None and not verdict.sure:
                bars.set_probabilities(probs, candidates=named_candidates(verdict))
            else:
                top = None if probs is None else int(np.argmax(np.asarray(probs, dtype=np.float64)))
                bars.set_probabilities(probs, sure_digit=top)
        if first is None or second is None:
            self._comparison = None
            self.marks.set_marked(())
            self.caption.setText("")
            return
        self._comparison = compare(first, second, verdicts=verdicts)
        self.marks.set_marked(self._comparison.marked())
        self.caption.setText(self._comparison.describe(*self._names))

    def show_readings(self, first: Reading | None, second: Reading | None, index: int = 0) -> None:
        """Show two readings of one drawing: the bars of digit ``index`` of each (the digit the
        window shows); a number the two models split differently is only named."""
        count = 0 if first is None else len(first.digits)
        index = min(max(index, 0), max(count - 1, 0))
        if first is not None and second is not None and len(second.digits) != count:
            self.show_probabilities(np.asarray(first.digits[index].probabilities), None)
            self.caption.setText(
                f"{self._names[0]} reads {first.text}, {self._names[1]} reads {second.text}: "
                "they split the number differently, so its digits are not compared."
            )
            return
        ours, theirs = (None if r is None else r.digits[index] for r in (first, second))
        self.show_probabilities(
            None if ours is None else np.asarray(ours.probabilities),
            None if theirs is None else np.asarray(theirs.probabilities),
            verdicts=(None if ours is None else ours.verdict, None if theirs is None else theirs.verdict),
        )
        if count > 1 and self._comparison is not None:
            self.caption.setText(f"Digit {index + 1} of {count}: {self.caption.text()}")

    def comparison(self) -> Comparison | None:
        """What is shown, or None when a side is empty."""
        return self._comparison

    def caption_text(self) -> str:
        return self.caption.text()
