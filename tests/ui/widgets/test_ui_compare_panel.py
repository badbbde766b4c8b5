"""The compare panel on its own: two models' bars, the disagreements marked between them."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from digitcanvas.reading.doubt import DoubtReason, Verdict
from digitcanvas.reading.reader import DigitReading, Reading
from digitcanvas.ui.widgets.compare_panel import NO_SECOND_MODEL, ComparePanel


def _probabilities(top: int, share: float = 0.82) -> np.ndarray:
    probs = np.full(10, (1 - share) / 9)
    probs[top] = share
    return probs


@pytest.fixture
def panel(qtbot: QtBot) -> ComparePanel:
    widget = ComparePanel()
    qtbot.addWidget(widget)
    widget.set_model_names("CNN", "Logistic")
    widget.resize(640, 360)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_agreement_marks_nothing(panel: ComparePanel) -> None:
    panel.show_probabilities(_probabilities(7), _probabilities(7, 0.6))
    assert panel.marks.marked() == () and panel.caption_text().startswith("Both read 7")
    assert panel.first_bars.sure_digit() == panel.second_bars.sure_digit() == 7


def test_disagreement_marks_both_top_digits_and_names_the_models(panel: ComparePanel) -> None:
    panel.show_probabilities(_probabilities(7), _probabilities(1))
    assert panel.marks.marked() == (1, 7)
    assert "CNN reads 7" in panel.caption_text() and "Logistic reads 1" in panel.caption_text()
    assert (panel.first_bars.sure_digit(), panel.second_bars.sure_digit()) == (7, 1)
    comparison = panel.comparison()
    assert comparison is not None and not comparison.agree


def test_readings_are_compared_by_their_digits(panel: ComparePanel) -> None:
    image = np.zeros((28, 28), np.float32)

    def reading(top: int) -> Reading:
        probs = _probabilities(top)
        return Reading(
            (
                DigitReading(
                    probs,
                    image,
                    Verdict(sure=True, digit=top, confidence=float(probs[top]), candidates=(top,), reason=None),
                ),
            )
        )

    panel.show_readings(reading(3), reading(8))
    assert panel.marks.marked() == (3, 8)
    panel.show_readings(reading(3), None)
    assert panel.comparison() is None and panel.marks.marked() == () and panel.second_bars.probabilities() is None
    number = Reading(reading(2).digits + reading(6).digits)
    panel.show_readings(number, Reading(reading(2).digits + reading(5).digits), 1)
    assert panel.marks.marked() == (5, 6) and panel.caption_text().startswith("Digit 2 of 2: ")
    panel.show_readings(number, reading(8))  # the second model reads one digit where the first reads two
    assert panel.comparison() is None and panel.second_bars.probabilities() is None
    assert panel.caption_text() == (
        "CNN reads 26, Logistic reads 8: they split the number differently, so its digits are not compared."
    )


def test_without_a_second_model_its_side_is_empty(panel: ComparePanel) -> None:
    panel.show_probabilities(_probabilities(2), _probabilities(5))
    panel.set_model_names("CNN", None)
    assert panel.caption_text() == NO_SECOND_MODEL.format(command="Model ▸ Compare with Model…")
    assert panel.first_bars.probabilities() is None and panel.marks.marked() == ()


def test_look_inside_asks_for_either_model(qtbot: QtBot, panel: ComparePanel) -> None:
    buttons = [b for b in panel.findChildren(QPushButton) if b.text() == "Look inside"]
    assert len(buttons) == 2
    for which, button in enumerate(buttons):
        with qtbot.waitSignal(panel.inspect_requested, check_params_cb=lambda i, which=which: i == which):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_side_the_window_is_not_sure_of_says_not_sure(panel: ComparePanel) -> None:
    """Compare says "Not sure" where the window would, with the window's percentages (issue #26)."""
    image = np.zeros((28, 28), np.float32)
    sure_probs, unsure_probs = _probabilities(3, 0.999_9), _probabilities(8, 0.44)
    sure = DigitReading(sure_probs, image, Verdict(True, 3, 0.999_9, (3,), None))
    unsure = DigitReading(unsure_probs, image, Verdict(False, 8, 0.44, (8, 3), DoubtReason.LOW_CONFIDENCE))
    panel.show_readings(Reading((sure,)), Reading((unsure,)))
    assert panel.caption_text() == "They disagree: CNN reads 3 (>99.9%), Logistic is not sure (8 at 44.0%)"
    assert panel.second_bars.sure_digit() is None and panel.second_bars.candidates() == (8, 3)
    panel.show_readings(Reading((unsure,)), Reading((unsure,)))
    assert panel.caption_text() == "Neither is sure; both lean to 8 (44.0% and 44.0%)"
