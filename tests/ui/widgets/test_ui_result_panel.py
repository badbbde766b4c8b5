"""The result panel on its own: what it shows for a reading, and the bar clicks it passes on."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.doubt import DoubtReason, Verdict
from digitcanvas.reading.reader import DigitReading, Reader, Reading
from digitcanvas.ui import theme
from digitcanvas.ui.widgets.result_panel import IDLE_MESSAGE, NBSP, ResultPanel, big_text_size, join_words, ordinal


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
    verdict = Verdict(True, digit, float(probs[digit]), (digit,), None)
    return DigitReading(probs, np.zeros((28, 28), np.float32), verdict, box=(0.0, 0.0, 10.0, 10.0))


def unsure(digit: int, probs: np.ndarray, candidates: tuple[int, ...]) -> DigitReading:
    verdict = Verdict(False, digit, float(probs[digit]), candidates, DoubtReason.LOW_CONFIDENCE)
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
    assert NBSP in panel.caption.text()  # "next best 1 (2.0%)" never breaks across lines
    np.testing.assert_allclose(shown(panel), probs)
    assert panel.bars.sure_digit() == 7 and not panel.is_doubtful()
    assert panel.preview.image_count() == 1 and panel.bars_heading.text() == "CONFIDENCE"


def test_a_digit_it_is_not_sure_of_shows_a_question_mark_and_stands_by_nothing(panel: ResultPanel) -> None:
    probs = probabilities(d4=0.55, d9=0.40)
    panel.show_reading(Reading((unsure(4, probs, (4, 9)),)))
    assert panel.big_text() == "?"
    assert panel.caption_text() == "Not sure — could be 4 or 9"
    assert panel.is_doubtful() and panel.bars.is_doubtful()
    assert panel.bars.sure_digit() is None and panel.bars.candidates() == (4, 9)
    np.testing.assert_allclose(shown(panel), probs)


def test_a_flat_guess_highlights_no_bar(panel: ResultPanel) -> None:
    probs = probabilities(d3=0.2, d5=0.15)
    panel.show_reading(Reading((unsure(3, probs, (3, 5, 8)),)))
    assert panel.caption_text() == "Not sure — this does not look like a digit"
    assert panel.bars.candidates() == () and panel.bars.sure_digit() is None


def test_a_mark_too_small_shows_no_bars_and_no_blown_up_input(panel: ResultPanel) -> None:
    probs = probabilities(d1=0.998)
    verdict = Verdict(False, 1, 0.998, (1,), DoubtReason.TOO_SMALL)
    panel.show_reading(Reading((DigitReading(probs, np.ones((28, 28), np.float32), verdict),)))
    assert panel.big_text() == "?" and "too small" in panel.caption_text()
    assert panel.bars.probabilities() is None  # no bar at 99.8 % for a dot
    assert panel.preview.tile_count() == 1 and panel.preview.image_count() == 0


def test_a_number_names_the_digit_in_doubt_and_shows_its_bars(panel: ResultPanel) -> None:
    middle = probabilities(d4=0.55, d9=0.40)
    digits = (sure(2, probabilities(d2=0.99)), unsure(4, middle, (4, 9)), sure(6, probabilities(d6=0.98)))
    panel.show_reading(Reading(digits))
    assert panel.big_text() == "2?6"
    shown_text = panel.digit_label.text()  # only the "?" in the doubt colour: the 2 and the 6 are sure
    assert (
        shown_text.startswith("2<span")
        and shown_text.endswith("?</span>6")
        and theme.colours().doubt_text in shown_text
    )
    assert panel.caption_text() == "Not sure of the 2nd digit\nDigit 2: could be 4 or 9"  # "Not sure" said once
    assert panel.selected_index() == 1 and panel.bars_heading.text() == "CONFIDENCE · DIGIT 2 OF 3"
    np.testing.assert_allclose(shown(panel), middle)
    assert panel.is_doubtful() and panel.bars.candidates() == (4, 9)
    assert panel.preview.image_count() == 3 and panel.preview.selected() == 1


def test_clicking_a_digit_shows_its_bars(panel: ResultPanel, qtbot: QtBot) -> None:
    first = probabilities(d2=0.99)
    digits = (sure(2, first), unsure(4, probabilities(d4=0.55, d9=0.40), (4, 9)), sure(6, probabilities(d6=0.98)))
    panel.show_reading(Reading(digits))
    qtbot.mouseClick(panel.preview, Qt.MouseButton.LeftButton, pos=panel.preview.tile_rect(0).center())
    assert panel.selected_index() == 0 and panel.preview.selected() == 0
    np.testing.assert_allclose(shown(panel), first)
    assert panel.bars.sure_digit() == 2 and panel.bars_heading.text() == "CONFIDENCE · DIGIT 1 OF 3"
    assert panel.caption_text() == "Not sure of the 2nd digit\nDigit 1: 99.0% sure · next best 0 (0.1%)"
    assert not panel.is_doubtful()  # the caption's colour follows the digit shown: this one is sure
    panel.select_next(1)
    assert panel.is_doubtful() and panel.caption_text().endswith("Digit 2: could be 4 or 9")
    panel.select_next(5)  # stops at the last digit
    assert panel.selected_index() == 2


def test_a_sure_number_says_so(panel: ResultPanel) -> None:
    digits = (sure(1, probabilities(d1=0.99)), sure(0, probabilities(d0=0.98)))
    panel.show_reading(Reading(digits))
    assert panel.big_text() == "10"
    assert panel.caption_text() == "2 digits, all sure\nDigit 2: 98.0% sure · next best 1 (0.2%)"
    assert not panel.is_doubtful() and panel.bars.sure_digit() == 0
    np.testing.assert_allclose(shown(panel), probabilities(d0=0.98))


def test_a_number_with_several_doubts_names_each(panel: ResultPanel) -> None:
    digits = (
        unsure(3, probabilities(d3=0.6, d8=0.35), (3, 8)),
        sure(1, probabilities(d1=0.99)),
        unsure(7, probabilities(d7=0.5, d1=0.45), (7, 1)),
    )
    panel.show_reading(Reading(digits))
    assert panel.big_text() == "?1?"
    assert panel.caption_text().startswith("Not sure of the 1st and 3rd digits\nDigit 3: ")


def test_stale_fades_the_reading_and_says_it_changed(panel: ResultPanel) -> None:
    probs = probabilities(d5=0.9)
    panel.show_reading(Reading((sure(5, probs),)))
    panel.show_stale()
    assert panel.caption_text() == "The drawing changed: press Enter to read it again."
    assert panel.is_stale() and panel.bars.is_stale() and panel.preview.is_stale()
    assert panel.big_text() == "5" and panel.digit_label.property("stale") is True
    np.testing.assert_allclose(shown(panel), probs)
    panel.show_reading(Reading((sure(5, probs),)))
    assert not panel.is_stale() and not panel.bars.is_stale() and not panel.preview.is_stale()


def test_idle_clears_a_reading(panel: ResultPanel) -> None:
    panel.show_reading(Reading((unsure(4, probabilities(d4=0.5, d9=0.45), (4, 9)),)))
    panel.show_idle("Draw a digit first.")
    assert panel.big_text() == "–"
    assert panel.caption_text() == "Draw a digit first."
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
    probs = probabilities(d7=0.95)
    panel.show_reading(Reading((sure(7, probs),)))
    row = panel.bars.row_rect(digit)
    with qtbot.waitSignal(panel.digit_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(panel.bars, Qt.MouseButton.LeftButton, pos=row.center().toPoint())
    assert blocker.args == [digit]


def test_a_numbers_bars_only_explain(panel: ResultPanel, qtbot: QtBot) -> None:
    """Corrections are for single digits: a number's bars (and empty ones) are no buttons;
    a click on them is still told, so the window can say why nothing is kept (issue #26)."""
    assert not panel.bars.is_clickable()  # nothing read yet
    probs = probabilities(d1=0.97)
    panel.show_reading(Reading((sure(1, probs), sure(1, probs))))
    bars = panel.bars
    assert not bars.is_clickable() and bars.cursor().shape() == Qt.CursorShape.ArrowCursor
    assert "Click" not in bars.toolTip()
    with qtbot.waitSignal(panel.digit_clicked, check_params_cb=lambda digit: digit == 4):
        qtbot.mouseClick(bars, Qt.MouseButton.LeftButton, pos=bars.row_rect(4).center().toPoint())
    panel.show_reading(Reading((sure(1, probs),)))
    assert bars.is_clickable() and bars.cursor().shape() == Qt.CursorShape.PointingHandCursor


def test_shows_what_the_bundled_model_reads(panel: ResultPanel) -> None:
    top = np.linspace((130, 90), (290, 90), 20)
    stem = np.linspace((290, 90), (190, 340), 30)
    drawing = Drawing((np.concatenate([top, stem[1:]]),), 640, 400)
    reading = Reader(load_classifier()).read_drawing(drawing)
    panel.show_reading(reading)
    assert panel.big_text() == "7"
    assert re.fullmatch(r">?\d+\.\d% sure · next best \d \(.+%\)", panel.caption_text())
    assert panel.bars.sure_digit() == 7
    assert int(np.argmax(shown(panel))) == 7
    assert panel.preview.image_count() == 1


@pytest.mark.parametrize(
    ("words", "text"), [(["1st"], "1st"), (["1st", "3rd"], "1st and 3rd"), (["a", "b", "c"], "a, b and c")]
)
def test_join_words(words: list[str], text: str) -> None:
    assert join_words(words) == text
