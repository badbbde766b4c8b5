"""The control bar under the canvas: its buttons and boxes, none of which takes the keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from digitcanvas.ui.widgets.controls import PEN_WIDTH_RANGE, ControlBar


@pytest.fixture
def controls(qtbot: QtBot) -> ControlBar:
    widget = ControlBar()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_buttons_click(controls: ControlBar, qtbot: QtBot) -> None:
    for button in (controls.submit_button, controls.undo_button, controls.clear_button):
        with qtbot.waitSignal(button.clicked, timeout=1000):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert not button.hasFocus()


@pytest.mark.parametrize(("width", "shown"), [(2.0, 4), (17.6, 18), (31, 31), (400.0, 48)])
def test_pen_width_is_rounded_and_clamped(controls: ControlBar, width: float, shown: int) -> None:
    controls.set_pen_width(width)
    assert controls.pen_box.value() == shown
    assert (controls.pen_box.minimum(), controls.pen_box.maximum()) == PEN_WIDTH_RANGE == (4, 48)


def test_pen_box_never_takes_the_focus(controls: ControlBar) -> None:
    assert controls.pen_box.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_live_box_toggles(controls: ControlBar, qtbot: QtBot) -> None:
    controls.live_box.setChecked(False)
    with qtbot.waitSignal(controls.live_box.toggled, timeout=1000) as blocker:
        qtbot.mouseClick(controls.live_box, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
