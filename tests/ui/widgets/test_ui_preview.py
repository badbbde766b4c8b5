"""The network-input tiles on their own: sizes, selection by click, notes and fading."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from digitcanvas.model.shapes import FIELD
from digitcanvas.ui.widgets.preview import MAX_TILE, InputPreview, Tile, tile_layout


@pytest.fixture
def preview(qtbot: QtBot) -> InputPreview:
    widget = InputPreview()
    qtbot.addWidget(widget)
    widget.resize(300, 150)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _ink(value: float = 1.0) -> np.ndarray:
    image = np.zeros((28, 28), np.float32)
    image[4:24, 12:16] = value
    return image


@pytest.mark.parametrize(
    ("count", "width", "height", "columns", "side"),
    [
        (1, 300, 150, 1, 140),  # whole multiples of 28 px: square input pixels
        (1, 1000, 1000, 1, MAX_TILE),  # and no bigger than 6 × 28
        (3, 300, 150, 3, 84),
        (10, 300, 150, 5, 55),  # many digits wrap into rows
        (12, 230, 60, 12, 13),  # squeezed: smaller than one px per input px, but all there
    ],
)
def test_tile_layout(count: int, width: int, height: int, columns: int, side: int) -> None:
    assert tile_layout(count, width, height, labels=count > 1) == (columns, side)


def test_one_tile_shows_the_image_as_big_as_fits(preview: InputPreview) -> None:
    preview.set_tiles([Tile(_ink())])
    assert preview.image_count() == 1
    rect = preview.tile_rect(0)
    assert rect.width() == rect.height() and rect.width() % FIELD == 0
    image = preview.grab().toImage()
    assert image.pixelColor(rect.center()).value() > 200  # the ink, scaled up
    assert image.pixelColor(rect.left() + 2, rect.top() + 2).value() == 0


def test_clicking_a_numbers_tile_emits_its_index(preview: InputPreview, qtbot: QtBot) -> None:
    preview.set_tiles([Tile(_ink(), "1"), Tile(_ink(), "?"), Tile(_ink(), "7")], selected=1)
    assert preview.selected() == 1
    with qtbot.waitSignal(preview.tile_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(preview, Qt.MouseButton.LeftButton, pos=preview.tile_rect(2).center())
    assert blocker.args == [2]
    assert "1 ? 7" in preview.accessibleDescription()


def test_a_single_tile_is_not_a_button(preview: InputPreview, qtbot: QtBot) -> None:
    preview.set_tiles([Tile(_ink())])
    with qtbot.assertNotEmitted(preview.tile_clicked):
        qtbot.mouseClick(preview, Qt.MouseButton.LeftButton, pos=preview.tile_rect(0).center())


def test_a_tile_without_an_image_shows_its_note(preview: InputPreview) -> None:
    preview.set_tiles([Tile(None, "", "too small")])
    assert preview.tile_count() == 1 and preview.image_count() == 0
    rect = preview.tile_rect(0)
    assert preview.grab().toImage().pixelColor(rect.center().x(), rect.top() + 4).value() == 0


def test_stale_tiles_are_faded(preview: InputPreview) -> None:
    preview.set_tiles([Tile(_ink())])
    centre = preview.tile_rect(0).center()
    fresh = preview.grab().toImage().pixelColor(centre).value()
    preview.set_stale(True)
    assert preview.is_stale() and preview.grab().toImage().pixelColor(centre).value() < fresh
