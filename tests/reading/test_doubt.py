from __future__ import annotations

import numpy as np
import pytest
from strokes import compose

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.doubt import assess, candidates, format_percent, too_small
from digitcanvas.reading.reader import Reader
from lab.data import nondigits


def _probs(**values: float) -> np.ndarray:
    probs = np.zeros(10)
    for digit, p in values.items():
        probs[int(digit[1:])] = p
    return probs


def test_confident_prediction_is_sure() -> None:
    verdict = assess(_probs(d7=0.98, d1=0.02), threshold=0.8)
    assert verdict.sure and verdict.digit == 7 and verdict.message() == "98.0% sure"
    assert assess(_probs(d3=1.0), threshold=0.8).message() == ">99.9% sure"  # as the bar says it


def test_flat_prediction_names_the_candidates() -> None:
    verdict = assess(_probs(d4=0.48, d9=0.45, d7=0.07), threshold=0.8)
    assert not verdict.sure and verdict.reason == "low confidence"
    assert verdict.candidates == (4, 9)
    assert verdict.message() == "Not sure — could be 4 or 9"


def test_a_flat_output_is_not_a_digit() -> None:
    verdict = assess(np.full(10, 0.1) + _probs(d8=0.01), threshold=0.8)
    assert not verdict.sure and verdict.message() == "Not sure — this does not look like a digit"


def test_tiny_marks_are_too_small_whatever_the_model_says() -> None:
    tick = Drawing.from_points([[[300, 200], [304, 203]]], width=640, height=400, pen_width=4)
    assert too_small(tick)
    verdict = assess(_probs(d1=1.0), threshold=0.8, small=too_small(tick))
    assert not verdict.sure and verdict.reason == "too small" and "too small" in verdict.message()


def test_a_blob_of_a_thick_pen_is_too_small_on_a_tall_canvas_too() -> None:
    # An 18 px pen dragged 12 px on a 640-px-tall canvas: 30 px of ink, over 6 % of the height,
    # but no longer than two pen widths: a blob, which the model would see blown up to a stroke.
    blob = Drawing.from_points([[[300, 300], [310, 306]]], width=900, height=640, pen_width=18)
    assert too_small(blob)
    small_one = Drawing.from_points([[[300, 300], [302, 330]]], width=900, height=640, pen_width=18)
    assert not too_small(small_one)  # a small 1, 2.7 pen widths tall, is still read


def test_candidates_stop_at_most_of_the_mass() -> None:
    assert candidates(_probs(d3=0.95, d5=0.05)) == (3,)
    assert candidates(_probs(d1=0.4, d2=0.3, d3=0.2, d4=0.1)) == (1, 2, 3)


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_classifier())


def _flag_rate(reader: Reader, drawings: list[Drawing]) -> float:
    return float(np.mean([not reader.read_drawing(d, number=False).sure for d in drawings]))


@pytest.mark.parametrize("kind", ["scribble", "dot", "line", "letter"])
def test_bundled_model_flags_most_non_digits(reader: Reader, kind: str) -> None:
    rng = np.random.default_rng(99)
    drawings = nondigits.generate(kind, 60, rng, letters=nondigits.HELD_OUT_LETTERS)
    assert _flag_rate(reader, drawings) >= 0.75


@pytest.mark.parametrize("name", ["0", "1", "2", "3", "4two", "5flag", "6", "7", "8", "9"])
def test_bundled_model_is_sure_of_clear_digits(reader: Reader, name: str) -> None:
    drawing, _ = compose([name])
    verdict = reader.read_drawing(drawing, number=False).digits[0].verdict
    assert verdict.sure, (name, verdict)
    assert verdict.digit == int(name[0])


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (None, "–"),
        (1.0, ">99.9%"),
        (0.9996, ">99.9%"),
        (0.973, "97.3%"),
        (0.5, "50.0%"),
        (0.0005, "<0.1%"),
        (0.0, "0%"),
    ],
)
def test_format_percent(p: float | None, text: str) -> None:
    assert format_percent(p) == text
