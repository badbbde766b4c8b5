"""Honest confidence: when to say "Not sure" instead of announcing a digit. No Qt.

Two rules, both measured (``python -m lab.evaluate.doubt``), and a third for numbers:

* **too small**: ink whose larger side is under ``MIN_INK_FRACTION`` of the canvas height,
  or no longer than ``DOT_PEN_WIDTHS`` pen widths (a dot, a tick, a blob), is blown up to
  20 px by MNIST-style normalisation and would read as a confident "1"; it is flagged
  before the model is asked.
* **low confidence**: the calibrated top probability is under the model's threshold.
  ``python -m lab.train`` (or ``python -m lab.train.refit_doubt`` for a finished model) fits it
  on validation writers and stores it in the ONNX metadata under
  ``digitcanvas.doubt_threshold`` (:mod:`digitcanvas.model.info` parses it). The bundled
  model was also trained with outlier exposure (non-digits pushed towards a flat
  output), which makes this threshold catch scribbles and letters.
* **the number reader disagrees**: in a number, the number reader (a second network that reads the number
  whole, :mod:`digitcanvas.reading.numbers.number_reader`) reads another digit here, or
  another count of digits: the model in use stays the one read, but the app says why it doubts.

Readings get their verdict in :mod:`digitcanvas.reading.reader`; nothing else applies these rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.util.enums import StrEnum

MIN_INK_FRACTION = 0.06  # ink under 6 % of the canvas height (25 px of 420) is a mark, not a digit
DOT_PEN_WIDTHS = 2.0  # ink no longer than two pen widths is a blob, on a canvas of any size
CANDIDATE_MASS = 0.9  # name the digits that together hold 90 % of the probability
MAX_CANDIDATES = 3
FLAT_CONFIDENCE = 0.3  # a top probability this low is close to uniform (0.1): no real candidate
NOT_SURE_PREFIX = "Not sure — "  # every doubtful verdict's message begins so; a number's caption says it once


class DoubtReason(StrEnum):
    """Why the app is not sure of a digit."""

    TOO_SMALL = "too small"  # a mark, not a digit: the network was never really asked
    LOW_CONFIDENCE = "low confidence"
    READ_OTHERWISE = "number reader disagrees"  # the number reader reads another digit here
    COUNTED_OTHERWISE = "number reader counts otherwise"  # it reads no digit or several here


@dataclass(frozen=True)
class Verdict:
    """The app's reading: a digit it stands by, or a doubt with its candidates."""

    sure: bool
    digit: int
    confidence: float
    candidates: tuple[int, ...]
    reason: DoubtReason | None  # None when sure
    other: str = ""  # what the number reader reads here: a digit, or none or several (COUNTED_OTHERWISE)

    def message(self) -> str:
        if self.sure:
            return f"{format_percent(self.confidence)} sure"  # ">99.9% sure": as the bars say it
        if self.reason == DoubtReason.TOO_SMALL:
            return f"{NOT_SURE_PREFIX}that is too small to be a digit. Draw bigger."
        if self.confidence < FLAT_CONFIDENCE:
            return f"{NOT_SURE_PREFIX}this does not look like a digit"
        if self.reason == DoubtReason.READ_OTHERWISE:
            return f"{NOT_SURE_PREFIX}the model reads {self.digit}, the number reader {self.other}"
        if self.reason == DoubtReason.COUNTED_OTHERWISE and not self.other:
            return f"{NOT_SURE_PREFIX}the number reader sees no digit here"
        if self.reason == DoubtReason.COUNTED_OTHERWISE:
            count = f"{len(self.other)} digit{'s' if len(self.other) != 1 else ''}"
            return f"{NOT_SURE_PREFIX}the number reader reads {count} here ({self.other})"
        options = " or ".join(str(d) for d in self.candidates)
        return f"{NOT_SURE_PREFIX}{'could be' if len(self.candidates) > 1 else 'maybe'} {options}"


def too_small(drawing: Drawing) -> bool:
    """True when the ink is a dot, a tick or a blob rather than a digit (see ``MIN_INK_FRACTION``
    and ``DOT_PEN_WIDTHS``)."""
    points = drawing.points()
    if len(points) == 0:
        return True
    extent = float((points.max(axis=0) - points.min(axis=0)).max()) + drawing.pen_width
    return extent < MIN_INK_FRACTION * drawing.height or extent <= DOT_PEN_WIDTHS * drawing.pen_width


def candidates(probabilities: NDArray[np.floating]) -> tuple[int, ...]:
    order = np.argsort(-probabilities, kind="stable")
    chosen: list[int] = []
    mass = 0.0
    for digit in order[:MAX_CANDIDATES]:
        chosen.append(int(digit))
        mass += float(probabilities[digit])
        if mass >= CANDIDATE_MASS:
            break
    return tuple(chosen)


def assess(
    probabilities: NDArray[np.floating],
    threshold: float,
    *,
    small: bool = False,
    other_digit: int | None = None,
    other_number: str | None = None,
) -> Verdict:
    """Judge one prediction (probabilities of shape (10,)); ``small``: the ink is a mark
    (see :func:`too_small`), not a digit, whatever the model says. In a number, the number
    reader's digit here (``other_digit``), or the digits it read here when it read none or
    several (``other_number``): a disagreement makes a digit the model is sure of doubtful."""
    probs = np.asarray(probabilities, dtype=np.float64)
    digit = int(np.argmax(probs))
    confidence = float(probs[digit])
    if small:
        return Verdict(False, digit, confidence, candidates(probs), DoubtReason.TOO_SMALL)
    if confidence < threshold:
        return Verdict(False, digit, confidence, candidates(probs), DoubtReason.LOW_CONFIDENCE)
    if other_number is not None:
        return Verdict(False, digit, confidence, (digit,), DoubtReason.COUNTED_OTHERWISE, other_number)
    if other_digit is not None and other_digit != digit:
        both = (digit, other_digit)  # "could be 1 or 7": the bars show both
        return Verdict(False, digit, confidence, both, DoubtReason.READ_OTHERWISE, str(other_digit))
    return Verdict(True, digit, confidence, (digit,), None)


def format_percent(p: float | None, *, decimals: int = 1) -> str:
    """A probability as DigitCanvas shows it: "97.3%", ">99.9%", "<0.1%", "–" for none.

    The one format of a probability everywhere (captions, bars, Compare, the inside view,
    the command line): nothing rounds up to "100%" (a sure digit is ">99.9% sure"), and
    nothing above zero rounds down to "0%".
    """
    if p is None:
        return "–"
    step = 10.0**-decimals / 100  # the smallest share shown: 0.001 for one decimal
    if p >= 1 - step / 2:
        return f">{1 - step:.{decimals}%}"
    if p < step:
        return f"<{step:.{decimals}%}" if p > 0 else "0%"
    return f"{p:.{decimals}%}"
