from __future__ import annotations

import numpy as np
import pytest
from strokes import compose

from digitcanvas import nondigits
from digitcanvas.doubt import (
    DEFAULT_THRESHOLD,
    MAX_FLAG_RATE,
    META_DOUBT,
    assess,
    candidates,
    fit_threshold,
    threshold_for,
)
from digitcanvas.drawing import Drawing
from digitcanvas.inference import Classifier, load_classifier
from digitcanvas.recognizer import classify_drawing


def _probs(**values: float) -> np.ndarray:
    probs = np.zeros(10)
    for digit, p in values.items():
        probs[int(digit[1:])] = p
    return probs


def test_confident_prediction_is_sure() -> None:
    verdict = assess(_probs(d7=0.98, d1=0.02), threshold=0.8)
    assert verdict.sure and verdict.digit == 7 and verdict.message() == "98.0% sure"
    assert assess(_probs(d3=1.0), threshold=0.8).message() == "Sure (over 99.9%)"


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
    verdict = assess(_probs(d1=1.0), threshold=0.8, drawing=tick)
    assert not verdict.sure and verdict.reason == "too small" and "too small" in verdict.message()


def test_candidates_stop_at_most_of_the_mass() -> None:
    assert candidates(_probs(d3=0.95, d5=0.05)) == (3,)
    assert candidates(_probs(d1=0.4, d2=0.3, d3=0.2, d4=0.1)) == (1, 2, 3)


def test_threshold_from_metadata() -> None:
    assert threshold_for({META_DOUBT: "0.91"}) == pytest.approx(0.91)
    assert threshold_for({}) == DEFAULT_THRESHOLD
    assert threshold_for({META_DOUBT: "nonsense"}) == DEFAULT_THRESHOLD
    assert threshold_for({META_DOUBT: "1.5"}) == DEFAULT_THRESHOLD


def test_fit_threshold_uses_the_flag_budget_when_writers_are_alike(rng: np.random.Generator) -> None:
    # 100 writers of 50 digits, each with the same spread of confidences.
    tops = np.tile(np.linspace(0.5, 1.0, 50), 100) + rng.normal(0, 1e-4, 5000)
    writers = np.repeat(np.arange(100), 50)
    threshold = fit_threshold(tops, writers)
    rate = (tops < threshold).mean()
    assert 0.02 <= rate <= MAX_FLAG_RATE


def test_fit_threshold_leaves_room_when_a_few_writers_hold_the_doubtful_digits(rng: np.random.Generator) -> None:
    # Same confidences overall, but the 2.5 % least confident digits all belong to 3 of 40 writers.
    tops = np.sort(rng.uniform(0.5, 1.0, 4000))
    spread = rng.integers(0, 40, 4000)
    clustered = np.concatenate([np.repeat([0, 1, 2], 34)[:100], rng.integers(0, 40, 3900)])
    even = fit_threshold(tops, spread)
    uneven = fit_threshold(tops, clustered)
    assert (tops < uneven).mean() < (tops < even).mean() <= MAX_FLAG_RATE


def test_fit_threshold_refuses_mismatched_input() -> None:
    with pytest.raises(ValueError, match="one writer per"):
        fit_threshold(np.array([0.9, 0.8]), ["a"])
    with pytest.raises(ValueError, match="at least one"):
        fit_threshold(np.array([]), [])


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier()


def _flag_rate(classifier: Classifier, drawings: list[Drawing]) -> float:
    threshold = threshold_for(classifier.metadata)
    return float(
        np.mean([not assess(classify_drawing(classifier, d).probabilities, threshold, d).sure for d in drawings])
    )


@pytest.mark.parametrize("kind", ["scribble", "dot", "line", "letter"])
def test_bundled_model_flags_most_non_digits(classifier: Classifier, kind: str) -> None:
    rng = np.random.default_rng(99)
    drawings = nondigits.generate(kind, 60, rng, letters=nondigits.HELD_OUT_LETTERS)
    assert _flag_rate(classifier, drawings) >= 0.75


@pytest.mark.parametrize("name", ["0", "1", "2", "3", "4two", "5flag", "6", "7", "8", "9"])
def test_bundled_model_is_sure_of_clear_digits(classifier: Classifier, name: str) -> None:
    drawing, _ = compose([name])
    threshold = threshold_for(classifier.metadata)
    verdict = assess(classify_drawing(classifier, drawing).probabilities, threshold, drawing)
    assert verdict.sure, (name, verdict)
    assert verdict.digit == int(name[0])
