"""The confidence bars on their own: values, clicks and what they paint."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from digitcanvas.ui import theme
from digitcanvas.ui.widgets.bars import LABEL_WIDTH, ConfidenceBars


@pytest.fixture
def bars(qtbot: QtBot) -> ConfidenceBars:
    widget = ConfidenceBars()
    qtbot.addWidget(widget)
    widget.resize(280, 260)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_starts_empty(bars: ConfidenceBars) -> None:
    assert bars.probabilities() is None


def test_shows_and_clears_probabilities(bars: ConfidenceBars) -> None:
    probs = np.full(10, 0.02)
    probs[3] = 0.82
    bars.set_probabilities(probs)
    shown = bars.probabilities()
    assert shown is not None
    np.testing.assert_allclose(shown, probs)
    assert bars.accessibleDescription().startswith("0: 2.0%, 1: 2.0%, 2: 2.0%, 3: 82.0%, 4: 2.0%")
    bars.set_probabilities(None)
    assert bars.probabilities() is None
    assert bars.accessibleDescription() == "no prediction"


def test_returns_a_copy(bars: ConfidenceBars) -> None:
    bars.set_probabilities(np.full(10, 0.1))
    shown = bars.probabilities()
    assert shown is not None
    shown[0] = 5.0
    assert bars.probabilities()[0] == pytest.approx(0.1)  # type: ignore[index]


def test_rejects_anything_but_ten_values(bars: ConfidenceBars) -> None:
    with pytest.raises(ValueError, match="expected 10 probabilities"):
        bars.set_probabilities(np.full(9, 1 / 9))


@pytest.mark.parametrize("digit", [0, 4, 9])
def test_clicking_a_row_emits_its_digit(bars: ConfidenceBars, qtbot: QtBot, digit: int) -> None:
    row = bars.row_rect(digit)
    with qtbot.waitSignal(bars.digit_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(bars, Qt.MouseButton.LeftButton, pos=row.center().toPoint())
    assert blocker.args == [digit]


def test_a_right_click_is_not_a_correction(bars: ConfidenceBars, qtbot: QtBot) -> None:
    with qtbot.assertNotEmitted(bars.digit_clicked):
        qtbot.mouseClick(bars, Qt.MouseButton.RightButton, pos=bars.row_rect(2).center().toPoint())


def _bar_colour(bars: ConfidenceBars, digit: int) -> QColor:
    """The colour just inside the left end of the bar of ``digit`` (even a tiny bar is 12 px long)."""
    row = bars.row_rect(digit)
    image = bars.grab().toImage()
    ratio = image.devicePixelRatio()
    point = QPoint(int((LABEL_WIDTH + 12) * ratio), int(row.center().y() * ratio))
    return image.pixelColor(point)


def test_the_digit_it_is_sure_of_is_highlighted(bars: ConfidenceBars) -> None:
    probs = np.full(10, 0.05)
    probs[6] = 0.55
    bars.set_probabilities(probs, sure_digit=6)
    assert _bar_colour(bars, 6).name() == theme.colours().bar_top
    assert _bar_colour(bars, 2).name() == theme.colours().bar
    assert not bars.is_doubtful()


def test_in_doubt_only_the_named_candidates_stand_out(bars: ConfidenceBars) -> None:
    probs = np.full(10, 0.05)
    probs[4], probs[9] = 0.4, 0.25
    bars.set_probabilities(probs, candidates=(4, 9))
    assert bars.is_doubtful() and bars.sure_digit() is None
    assert _bar_colour(bars, 4).name() == _bar_colour(bars, 9).name() == theme.colours().bar_doubt
    assert _bar_colour(bars, 2).name() == theme.colours().bar


def test_in_doubt_without_candidates_nothing_stands_out(bars: ConfidenceBars) -> None:
    probs = np.full(10, 0.002)
    probs[1] = 0.982  # a dot blown up to a stroke: the model is sure, the app is not
    bars.set_probabilities(probs)
    assert bars.is_doubtful()
    assert {_bar_colour(bars, d).name() for d in range(10)} == {theme.colours().bar}


def test_a_stale_reading_is_faded(bars: ConfidenceBars) -> None:
    probs = np.full(10, 0.05)
    probs[6] = 0.55
    bars.set_probabilities(probs, sure_digit=6)
    fresh = _bar_colour(bars, 6)
    bars.set_stale(True)
    faded = _bar_colour(bars, 6)
    assert bars.is_stale() and faded != fresh
    assert faded.saturation() < fresh.saturation() / 2  # the accent washed out towards the background
    bars.set_probabilities(probs, sure_digit=6)  # a new reading is fresh again
    assert not bars.is_stale()
