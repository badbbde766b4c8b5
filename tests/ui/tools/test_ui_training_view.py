"""The Train a Network window on its own, offscreen: its recipe whole, Esc, the progress bar before a run."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from digitcanvas.ui import theme
from digitcanvas.ui.tools.training_view import NOT_STARTED, TrainingView
from digitcanvas.ui.window.geometry import FRAME_ALLOWANCE

LOW_SCREEN = QSize(911, 512)  # 1366 × 768 at 150 %, logical pixels
TINY_SCREEN = QSize(683, 384)  # 1366 × 768 at 200 %


@pytest.fixture
def view(qtbot: QtBot) -> TrainingView:
    widget = TrainingView()
    widget.setStyleSheet(theme.style_sheet())  # the app's: padded buttons, the help in its own size
    qtbot.addWidget(widget)
    return widget


def _shown(qtbot: QtBot, view: TrainingView, size: QSize) -> None:
    view.resize(size)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()  # the layouts, then the scroll bars


def _least(view: TrainingView) -> QSize:
    """The least size the window's layout lets it have."""
    layout = view.layout()
    assert layout is not None
    return layout.totalMinimumSize()


def _editor_parts(view: TrainingView) -> list[QWidget]:
    layout = view.editor.layout()
    assert layout is not None
    items = [layout.itemAt(i) for i in range(layout.count())]
    parts = [item.widget() for item in items if item is not None]
    return [part for part in parts if part is not None and part.isVisible()]


@pytest.mark.parametrize("size", ["preferred", "low"])
def test_the_recipe_parts_never_overlap(qtbot: QtBot, view: TrainingView, size: str) -> None:
    """The help under LAYERS used to cover the layer box's bottom border."""
    wanted = view.sizeHint() if size == "preferred" else LOW_SCREEN - FRAME_ALLOWANCE
    _shown(qtbot, view, wanted)
    parts = _editor_parts(view)
    assert view.editor.layers in parts
    for above, below in itertools.pairwise(parts):
        assert below.geometry().top() > above.geometry().bottom(), (above, below)


def test_on_a_low_screen_the_window_fits_and_the_recipe_scrolls(qtbot: QtBot, view: TrainingView) -> None:
    room = LOW_SCREEN - FRAME_ALLOWANCE
    least = _least(view)
    assert least.width() <= room.width() and least.height() <= room.height()
    _shown(qtbot, view, room)
    assert view.height() <= room.height()
    assert view.editor_scroll.verticalScrollBar().isVisible()
    assert not view.body_scroll.horizontalScrollBar().isVisible()  # only the recipe scrolls


def test_on_a_tiny_screen_the_whole_window_scrolls(qtbot: QtBot, view: TrainingView) -> None:
    room = TINY_SCREEN - FRAME_ALLOWANCE
    least = _least(view)
    assert least.width() <= room.width() and least.height() <= room.height()
    _shown(qtbot, view, room)
    assert view.size() == room
    assert view.body_scroll.horizontalScrollBar().isVisible()


def test_escape_closes_the_window(qtbot: QtBot, view: TrainingView) -> None:
    _shown(qtbot, view, view.sizeHint())
    view.activateWindow()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.isVisible()


def test_before_a_run_the_progress_bar_says_not_started(qtbot: QtBot, view: TrainingView) -> None:
    _shown(qtbot, view, view.sizeHint())
    assert not view.progress.isEnabled() and view.progress.text() == NOT_STARTED
    view.show_progress(0.25, "Epoch 1 of 4")
    assert view.progress.isEnabled() and view.progress.value() == view.progress.maximum() // 4
