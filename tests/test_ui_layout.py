"""Where the parts sit: everything visible and apart from 640 × 480 up, the canvas in the drawing's shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from digitcanvas.ui.canvas import ASPECT
from digitcanvas.ui.layout import CARD_WIDTH
from digitcanvas.ui.window import MainWindow
from digitcanvas.ui.window_geometry import SCREEN_SHARE, fitted_size


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    store.setValue("collection/path", str(tmp_path / "collection"))
    win = MainWindow(settings=store)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def _in_window(win: MainWindow, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(win, widget.rect().topLeft()), widget.size())


@pytest.mark.parametrize("size", [(640, 480), (1024, 600), (1280, 680), (1366, 720), (1900, 1000)])
def test_every_part_is_whole_and_apart(window: MainWindow, qtbot: QtBot, size: tuple[int, int]) -> None:
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == max(size[0], window.minimumWidth()), timeout=1000)
    inside = window.rect()
    area = window.area
    parts = {
        "canvas": window.canvas,
        "controls": window.controls,
        "collection": window.collection_panel,
        "card": area.card,
    }
    rects = {name: _in_window(window, widget) for name, widget in parts.items()}
    for name, rect in rects.items():
        assert inside.contains(rect), (name, rect, inside)
    names = list(rects)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not rects[a].intersects(rects[b]), (a, b)
    for widget in (
        window.controls.live_box,
        window.collection_panel.change_button,
        window.result_panel.bars,
        window.result_panel.preview,
    ):
        assert rects["card"].contains(_in_window(window, widget)) or inside.contains(_in_window(window, widget))
        assert widget.width() >= widget.minimumSizeHint().width() - 1
    assert rects["card"].contains(_in_window(window, window.result_panel.bars))
    canvas = window.canvas
    assert abs(canvas.width() / canvas.height() - ASPECT) < 0.02  # all paper, no bands
    assert CARD_WIDTH[0] <= rects["card"].width() <= CARD_WIDTH[1]


def test_a_bigger_window_gives_the_panel_and_the_preview_more_room(window: MainWindow, qtbot: QtBot) -> None:
    window.resize(1024, 600)
    qtbot.wait(20)
    small_card = window.area.card.width()
    window.resize(1900, 1000)
    qtbot.wait(20)
    assert window.area.card.width() > small_card
    assert window.result_panel.preview.height() > window.result_panel.preview.minimumSizeHint().height()
    assert window.result_panel.bars.height() > 10 * 24


def test_the_minimum_is_about_640_by_480(window: MainWindow) -> None:
    minimum = window.minimumSizeHint()
    assert minimum.width() <= 680 and minimum.height() <= 500


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        (QRect(0, 0, 1366, 768), QSize(1180, 651)),  # a laptop: under 90 % of the height
        (QRect(0, 0, 1280, 720), QSize(1136, 608)),  # 1920 × 1080 at 150 %, 2560 × 1440 at 200 %
        (QRect(0, 0, 2560, 1400), QSize(1180, 700)),  # plenty of room: the preferred size
        (QRect(0, 0, 640, 400), QSize(660, 490)),  # smaller than the minimum: the minimum
    ],
)
def test_fitted_size(available: QRect, expected: QSize) -> None:
    assert fitted_size(QSize(1180, 700), QSize(660, 490), available) == expected
    assert SCREEN_SHARE == 0.9
