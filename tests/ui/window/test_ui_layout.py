"""Where the parts sit: everything visible and apart from 640 × 480 up, the canvas in the drawing's shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtWidgets import QScrollArea, QWidget
from pytestqt.qtbot import QtBot
from qt_helpers import draw_seven, draw_stroke, draw_ten, line

from digitcanvas.ui.widgets.canvas import ASPECT
from digitcanvas.ui.widgets.preview import MIN_NUMBER_TILE
from digitcanvas.ui.window.geometry import SCREEN_SHARE, fitted_size
from digitcanvas.ui.window.layout import CARD_WIDTH, NOTE_SPACING, SPACING
from digitcanvas.ui.window.main_window import MainWindow


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
        "model note": window.model_note,
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


# --- the collection line, spare height and a big window (issue #15, item 2) ---------------


def test_a_summary_that_wraps_onto_more_lines_is_not_clipped(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    window.resize(1000, 620)
    qtbot.wait(20)
    panel = window.collection_panel
    one_line = panel.height()
    panel.show_summary("12 drawings · this model gets 58.3% · " + "misses 3 (1 of 1), 4 (2 of 2), " * 6, tmp_path)
    qtbot.waitUntil(lambda: panel.height() > one_line, timeout=1000)  # placed again: nothing resized the window
    label = panel.summary_label
    assert label.height() >= label.heightForWidth(label.width())
    assert _in_window(window, panel).bottom() <= _in_window(window, window.area).bottom()
    assert not _in_window(window, panel).intersects(_in_window(window, window.controls))


def test_in_a_tall_window_the_collection_follows_the_controls(window: MainWindow, qtbot: QtBot) -> None:
    window.resize(1000, 900)
    qtbot.waitUntil(lambda: window.height() == 900, timeout=1000)
    controls, note = _in_window(window, window.controls), _in_window(window, window.model_note)
    collection = _in_window(window, window.collection_panel)
    assert note.top() - controls.bottom() - 1 == SPACING  # no empty band between them
    assert collection.top() - note.bottom() - 1 == NOTE_SPACING
    assert window.canvas.width() > 640  # the canvas still takes the width it has


def _eight_ones(window: MainWindow) -> None:
    for i in range(8):
        x = 50 + 75 * i
        draw_stroke(window.canvas, line((x + 6, 90), (x, 310)))


def test_a_big_window_gives_the_reading_its_room(window: MainWindow, qtbot: QtBot) -> None:
    window.resize(2540, 1400)
    qtbot.waitUntil(lambda: window.width() == 2540, timeout=1000)
    panel, card = window.result_panel, window.area.card
    assert card.width() > 460  # the old limit
    canvas = _in_window(window, window.canvas)
    below = _in_window(window, window.collection_panel).bottom()
    assert _in_window(window, window.area).bottom() - below < 60  # a wide window: the canvas takes the height
    draw_seven(window.canvas)
    qtbot.wait(20)
    assert panel.preview.tile_rect(0).width() > 6 * 28  # the old limit
    assert panel.bars.height() > 10 * 34
    used = _in_window(window, panel.bars).bottom() - _in_window(window, card).top()
    assert used > 0.7 * card.height()  # not half the card empty
    window.clear()
    _eight_ones(window)
    assert window.state.reading is not None and len(window.state.reading.digits) == 8
    qtbot.wait(20)
    side = panel.preview.tile_rect(0).width()
    assert side > 2 * 28  # the tiles grow too (two rows of bigger tiles, not two rows of 56 px)
    assert panel.preview.tile_rect(7).bottom() < _in_window(window, panel.bars).top()
    assert canvas.height() > 1100


def test_a_numbers_tiles_stay_in_one_row_when_they_fit(window: MainWindow, qtbot: QtBot) -> None:
    window.resize(1366, 720)
    qtbot.waitUntil(lambda: window.width() == 1366, timeout=1000)
    draw_ten(window.canvas)
    preview = window.result_panel.preview
    qtbot.wait(20)
    first, second = preview.tile_rect(0), preview.tile_rect(1)
    assert first.top() == second.top() and first.width() >= 2 * 28
    assert preview.height() <= first.height() + 16 + 8  # no gap around one row of tiles


# --- small windows and small screens (issue #26, items 1 and 13) ---------------------------------


def _at_640_by_480(window: MainWindow, qtbot: QtBot) -> None:
    for _ in range(3):  # the big text shrinks once the panel is short, and the least size follows it
        window.resize(640, 480)
        qtbot.wait(20)


def test_the_window_accepts_640_by_480_without_scrolling(window: MainWindow, qtbot: QtBot) -> None:
    _at_640_by_480(window, qtbot)
    assert (window.width(), window.height()) == (640, 480)
    scroll = window.centralWidget()
    assert isinstance(scroll, QScrollArea) and scroll.widget() is window.area
    assert not scroll.verticalScrollBar().isVisible() and not scroll.horizontalScrollBar().isVisible()
    _eight_ones(window)
    qtbot.wait(20)
    preview = window.result_panel.preview
    assert preview.tile_count() == 8
    for index in range(8):  # a number's tiles wrap rather than shrink below 1 px per input px
        tile = preview.tile_rect(index)
        assert tile.width() >= MIN_NUMBER_TILE and preview.rect().contains(tile), (index, tile)


def test_a_window_smaller_than_its_parts_scrolls_to_them(window: MainWindow, qtbot: QtBot) -> None:
    window.resize(600, 330)  # 1366 × 768 at 200 % leaves 683 × 384 px for the window and its frame
    qtbot.waitUntil(lambda: window.height() == 330, timeout=1000)
    scroll = window.centralWidget()
    assert isinstance(scroll, QScrollArea) and scroll.verticalScrollBar().isVisible()
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    status = window.collection_panel
    bottom = status.mapTo(scroll.viewport(), status.rect().bottomLeft()).y()
    assert bottom <= scroll.viewport().height()  # the collection line can be reached
