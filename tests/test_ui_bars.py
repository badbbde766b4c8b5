"""The confidence bars on their own: values, clicks and what they paint."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from digitcanvas.ui import theme
from digitcanvas.ui.bars import LABEL_WIDTH, ConfidenceBars, format_percent


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
    assert bars.accessibleDescription().startswith("0: 2%, 1: 2%, 2: 2%, 3: 82%, 4: 2%")
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


def test_the_top_bar_is_highlighted_and_turns_amber_when_in_doubt(bars: ConfidenceBars) -> None:
    probs = np.full(10, 0.05)
    probs[6] = 0.55
    bars.set_probabilities(probs)
    assert _bar_colour(bars, 6).name() == theme.BAR_TOP
    assert _bar_colour(bars, 2).name() == theme.BAR
    bars.set_probabilities(probs, doubtful=True)
    assert bars.is_doubtful()
    assert _bar_colour(bars, 6).name() == theme.BAR_DOUBT


@pytest.mark.parametrize(
    ("p", "text"),
    [(None, "–"), (1.0, "100%"), (0.9996, "100%"), (0.973, "97.3%"), (0.5, "50.0%"), (0.0005, "<0.1%"), (0.0, "0%")],
)
def test_format_percent(p: float | None, text: str) -> None:
    assert format_percent(p) == text
