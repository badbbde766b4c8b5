"""The row under the canvas: Classify, Undo, Clear, the pen width and the Live switch.

None of these controls takes the keyboard focus: digit keys must reach the window,
where they correct a guess. So the pen width box never looks as if it were being typed
in either: a step (arrows, wheel) leaves its number unselected. The window connects to
the buttons' and boxes' signals.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from digitcanvas.ui import theme

PEN_WIDTH_RANGE = (4, 48)
PEN_STEP = 2  # px per step of the pen: [ and ], the arrows and the wheel alike
SPACING = 6  # between the controls (the window accepts 640 px: see layout.MainArea)


class PenBox(QSpinBox):
    """The pen width in px: stepped with the arrows, the wheel or [ and ], never typed in."""

    def stepBy(self, steps: int) -> None:
        super().stepBy(steps)
        self.lineEdit().deselect()  # a step selects the text, which reads as "being edited"


class ControlBar(QWidget):
    """The buttons and boxes under the canvas; plain widgets, public for the window to wire."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.submit_button = theme.named(QPushButton("Classify"), "primary")
        self.submit_button.setToolTip("Read the drawing now (Enter)")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Undo the last change: a stroke, Clear, a keep (Ctrl+Z)")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Start again (Esc or Delete; Ctrl+Z brings it back)")
        self.live_box = QCheckBox("Live")
        theme.bordered(self.live_box)
        self.live_box.setToolTip("Classify while you draw (Ctrl+L)")
        self.pen_box = PenBox(suffix=" px", minimum=PEN_WIDTH_RANGE[0], maximum=PEN_WIDTH_RANGE[1])
        self.pen_box.setSingleStep(PEN_STEP)
        self.pen_box.setToolTip("Pen width on the canvas ([ and ], the arrows or the mouse wheel)")
        self.pen_box.setAccessibleName("Pen width")
        for widget in (self.submit_button, self.undo_button, self.clear_button, self.pen_box, self.live_box):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        layout.addWidget(self.submit_button)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        pen_label = QLabel("Pen")
        pen_label.setBuddy(self.pen_box)
        layout.addWidget(pen_label)
        layout.addWidget(self.pen_box)
        layout.addWidget(self.live_box)

    def set_pen_width(self, width: float, *, quiet: bool = False) -> None:
        """Show ``width`` rounded and clamped to :data:`PEN_WIDTH_RANGE` (``quiet``: without
        ``valueChanged``, for a drawing that brings its own pen)."""
        blocked = self.pen_box.blockSignals(quiet)
        self.pen_box.setValue(round(min(max(width, PEN_WIDTH_RANGE[0]), PEN_WIDTH_RANGE[1])))
        self.pen_box.blockSignals(blocked)

    def step_pen(self, steps: int) -> None:
        """Make the pen ``steps`` × :data:`PEN_STEP` px wider (negative: thinner), within range."""
        self.set_pen_width(self.pen_box.value() + steps * PEN_STEP)
