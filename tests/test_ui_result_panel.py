"""The result panel on its own: what it shows for a reading, and the bar clicks it passes on."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from digitcanvas.doubt import Verdict
from digitcanvas.drawing import Drawing
from digitcanvas.inference import load_classifier
from digitcanvas.reader import DigitReading, Reader, Reading
from digitcanvas.ui.result_panel import IDLE_MESSAGE, ResultPanel, big_text_size, ordinal


@pytest.fixture
def panel(qtbot: QtBot) -> ResultPanel:
    widget = ResultPanel()
    qtbot.addWidget(widget)
    widget.resize(268, 480)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def probabilities(**shares: float) -> np.ndarray:
    """Ten probabilities: the named digits ("d7"=0.9) get their share, the rest split what is left."""
    probs = np.zeros(10)
    for name, share in shares.items():
        probs[int(name[1:])] = share
    rest = [d for d in range(10) if probs[d] == 0]
    probs[rest] = (1 - probs.sum()) / len(rest)
    return probs


def shown(panel: ResultPanel) -> np.ndarray:
    """The probabilities the bars show, which must be there."""
    probs = panel.bars.probabilities()
    assert probs is not None
    return probs


def sure(digit: int, probs: np.ndarray) -> DigitReading:
    verdict = Verdict(True, digit, float(probs[digit]), (digit,), "")
    return DigitReading(probs, np.zeros((28, 28), np.float32), verdict, box=(0.0, 0.0, 10.0, 10.0))


def unsure(digit: int, probs: np.ndarray, candidates: tuple[int, ...]) -> DigitReading:
    verdict = Verdict(False, digit, float(probs[digit]), candidates, "low confidence")
    return DigitReading(probs, np.zeros((28, 28), np.float32), verdict, box=(0.0, 0.0, 10.0, 10.0))


def test_starts_idle(panel: ResultPanel) -> None:
    assert panel.big_text() == "–"
    assert panel.caption_text() == IDLE_MESSAGE
    assert panel.bars.probabilities() is None
    assert panel.preview.image_count() == 0
    assert not panel.is_doubtful()


def test_a_sure_digit_shows_it_with_the_next_best(panel: ResultPanel) -> None:
    probs = probabilities(d7=0.97, d1=0.02)
    panel.show_reading(Reading((sure(7, probs),)))
    assert panel.big_text() == "7"
    assert panel.caption_text() == "97.0% sure · next best 1 (2.0%)"
    np.testing.assert_allclose(shown(panel), probs)
    assert not panel.bars.is_doubtful() and not panel.is_doubtful()
    assert panel.preview.image_count() == 1


def test_a_digit_it_is_not_sure_of_shows_a_question_mark(panel: ResultPanel) -> None:
    probs = probabilities(d4=0.55, d9=0.40)
    panel.show_reading(Reading((unsure(4, probs, (4, 9)),)))
    assert panel.big_text() == "?"
    assert panel.caption_text() == "Not sure — could be 4 or 9"
    assert panel.is_doubtful() and panel.bars.is_doubtful()
    np.testing.assert_allclose(shown(panel), probs)


def test_a_number_names_the_digit_in_doubt_and_explains_it_in_the_bars(panel: ResultPanel) -> None:
    middle = probabilities(d4=0.55, d9=0.40)
    digits = (sure(2, probabilities(d2=0.99)), unsure(4, middle, (4, 9)), sure(6, probabilities(d6=0.98)))
    panel.show_reading(Reading(digits))
    assert panel.big_text() == "2?6"
    assert panel.caption_text() == (
        "Not sure of the 2nd digit (could be 4 or 9). 2: 99.0% · 4: 55.0% · 6: 98.0%\nBars: digit 2, the least certain."
    )
    np.testing.assert_allclose(shown(panel), middle)
    assert panel.is_doubtful() and panel.bars.is_doubtful()
    assert panel.preview.image_count() == 3


def test_a_sure_number_lists_its_digits(panel: ResultPanel) -> None:
    digits = (sure(1, probabilities(d1=0.99)), sure(0, probabilities(d0=0.98)))
    panel.show_reading(Reading(digits))
    assert panel.big_text() == "10"
    assert panel.caption_text() == "2 digits · 1: 99.0% · 0: 98.0%\nBars: digit 2, the least certain."
    assert not panel.is_doubtful() and not panel.bars.is_doubtful()
    np.testing.assert_allclose(shown(panel), probabilities(d0=0.98))


def test_a_number_with_several_doubts_names_each(panel: ResultPanel) -> None:
    digits = (
        unsure(3, probabilities(d3=0.6, d8=0.35), (3, 8)),
        sure(1, probabilities(d1=0.99)),
        unsure(7, probabilities(d7=0.5, d1=0.45), (7, 1)),
    )
    panel.show_reading(Reading(digits))
    assert panel.big_text() == "?1?"
    assert panel.caption_text().startswith("Not sure of the 1st, 3rd digit (could be 3 or 8). ")
    assert panel.caption_text().endswith("\nBars: digit 3, the least certain.")


def test_stale_keeps_the_reading_and_says_it_changed(panel: ResultPanel) -> None:
    probs = probabilities(d5=0.9)
    panel.show_reading(Reading((sure(5, probs),)))
    panel.show_stale("The drawing changed: press Enter to classify it again.")
    assert panel.caption_text() == "The drawing changed: press Enter to classify it again."
    assert panel.big_text() == "5"
    np.testing.assert_allclose(shown(panel), probs)


def test_idle_clears_a_reading(panel: ResultPanel) -> None:
    panel.show_reading(Reading((unsure(4, probabilities(d4=0.5, d9=0.45), (4, 9)),)))
    panel.show_idle("Draw a digit first, then press Enter.")
    assert panel.big_text() == "–"
    assert panel.caption_text() == "Draw a digit first, then press Enter."
    assert panel.bars.probabilities() is None and panel.preview.image_count() == 0
    assert not panel.is_doubtful()


def test_a_long_number_gets_smaller_text(panel: ResultPanel) -> None:
    digits = tuple(sure(d, probabilities(**{f"d{d}": 0.99})) for d in (1, 2, 3, 4, 5, 6))
    panel.show_reading(Reading(digits))
    assert panel.big_text() == "123456"
    assert "font-size: 42px" in panel.digit_label.styleSheet()
    panel.show_idle("")
    assert "font-size: 64px" in panel.digit_label.styleSheet()


@pytest.mark.parametrize(("text", "size"), [("7", 64), ("2026", 64), ("12345", 51), ("12345678", 32), ("1" * 12, 28)])
def test_big_text_size(text: str, size: int) -> None:
    assert big_text_size(text) == size


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (10, "10th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (101, "101st"),
        (111, "111th"),
        (112, "112th"),
        (1002, "1002nd"),
    ],
)
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


@pytest.mark.parametrize("digit", [0, 3, 9])
def test_clicking_a_bar_is_passed_on(panel: ResultPanel, qtbot: QtBot, digit: int) -> None:
    row = panel.bars.row_rect(digit)
    with qtbot.waitSignal(panel.digit_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(panel.bars, Qt.MouseButton.LeftButton, pos=row.center().toPoint())
    assert blocker.args == [digit]


def test_shows_what_the_bundled_model_reads(panel: ResultPanel) -> None:
    top = np.linspace((130, 90), (290, 90), 20)
    stem = np.linspace((290, 90), (190, 340), 30)
    drawing = Drawing((np.concatenate([top, stem[1:]]),), 640, 400)
    reading = Reader(load_classifier()).read_drawing(drawing)
    panel.show_reading(reading)
    assert panel.big_text() == "7"
    assert re.fullmatch(r"(Sure \(over 99\.9%\)|\d+\.\d% sure) · next best \d \(.+%\)", panel.caption_text())
    assert int(np.argmax(shown(panel))) == 7
    assert panel.preview.image_count() == 1
