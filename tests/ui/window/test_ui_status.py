"""The status line on its own: long messages end in "…", shortened again on resize, and time out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from digitcanvas.ui.window.status import StatusLine

MIN_END_GAP = 6  # px: text this close to the edge reads as cut off


@pytest.fixture
def status(qtbot: QtBot) -> Iterator[StatusLine]:
    window = QMainWindow()
    qtbot.addWidget(window)
    line = StatusLine(window.statusBar())
    line.set_model("Model: DigitCanvas CNN 0.1.0 (bundled)", "DigitCanvas CNN 0.1.0+seed20261121")
    window.resize(500, 200)
    window.show()
    qtbot.waitExposed(window)
    yield line  # the window lives until the test ends (qtbot holds it weakly)


def test_a_short_message_is_shown_whole(status: StatusLine) -> None:
    status.show("Saved seven.json")
    assert status.shown() == "Saved seven.json" == status.message()
    assert status.label.toolTip() == ""


def test_a_long_message_ends_in_an_ellipsis_and_keeps_the_rest_in_its_tooltip(status: StatusLine, qtbot: QtBot) -> None:
    long = "/home/someone/a/rather/deep/folder/with/a/long/name/model.onnx: needs 2 inputs (x, y); we give one"
    status.show(long)
    assert status.shown().endswith("…") and status.shown()[:-1] in long
    assert status.label.toolTip() == long and status.message() == long
    window = status.bar.window()
    window.resize(1400, 200)
    qtbot.waitUntil(lambda: status.shown() == long, timeout=1000)  # room now: shown whole


def test_only_the_first_line_is_shown(status: StatusLine) -> None:
    status.show("Could not load the model\n\nStill using DigitCanvas CNN 0.1.0.")
    assert status.shown() == "Could not load the model"


def test_a_message_times_out(status: StatusLine, qtbot: QtBot) -> None:
    status.show("Loaded mine.onnx", 50)
    qtbot.waitUntil(lambda: status.shown() == "" and status.message() == "", timeout=1000)


def test_without_a_size_grip_the_model_name_keeps_off_the_right_end(status: StatusLine, qtbot: QtBot) -> None:
    """A maximised window's bar has no size grip: the name touched the screen's edge."""
    bar = status.bar
    bar.setSizeGripEnabled(False)  # as when maximised
    QApplication.processEvents()
    label = status.model_label
    text = label.fontMetrics().horizontalAdvance(label.text())
    text_end = label.mapTo(bar, label.contentsRect().topLeft()).x() + text
    assert bar.width() - text_end >= MIN_END_GAP
