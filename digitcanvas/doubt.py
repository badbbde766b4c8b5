"""Honest confidence: when to say "Not sure" instead of announcing a digit. No Qt.

Two rules, both measured (``scripts/evaluate_doubt.py``):

* **too small**: ink whose larger side is under ``MIN_INK_FRACTION`` of the canvas height
  (a dot, a tick) is blown up to 20 px by MNIST-style normalisation and would read as a
  confident "1"; it is flagged before the model is asked.
* **low confidence**: the calibrated top probability is under the model's threshold.
  ``scripts/train.py`` fits it on validation writers (so that ``TARGET_FLAG_RATE`` of
  real drawn digits are flagged) and stores it in the ONNX metadata under
  ``digitcanvas.doubt_threshold``. The bundled model was also trained with outlier
  exposure (non-digits pushed towards a flat output), which makes this threshold catch
  scribbles and letters. Models without the key use ``DEFAULT_THRESHOLD``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .drawing import Drawing

META_DOUBT = "digitcanvas.doubt_threshold"
DEFAULT_THRESHOLD = 0.80  # for foreign models: a calibrated-looking top probability under 80 % is doubtful
TARGET_FLAG_RATE = 0.02  # fit: flag 2 % of validation drawings (the spec allows 3 % on test)
MIN_INK_FRACTION = 0.06  # ink under 6 % of the canvas height (25 px of 420) is a mark, not a digit
CANDIDATE_MASS = 0.9  # name the digits that together hold 90 % of the probability
MAX_CANDIDATES = 3
FLAT_CONFIDENCE = 0.3  # a top probability this low is close to uniform (0.1): no real candidate


@dataclass(frozen=True)
class Verdict:
    """The app's reading: a digit it stands by, or a doubt with its candidates."""

    sure: bool
    digit: int
    confidence: float
    candidates: tuple[int, ...]
    reason: str  # "" when sure; "too small" or "low confidence"

    def message(self) -> str:
        if self.sure:
            return f"{self.confidence:.1%} sure" if self.confidence < 0.9995 else "Sure (over 99.9%)"
        if self.reason == "too small":
            return "Not sure — that is too small to be a digit. Draw bigger."
        if self.confidence < FLAT_CONFIDENCE:
            return "Not sure — this does not look like a digit"
        options = " or ".join(str(d) for d in self.candidates)
        return f"Not sure — could be {options}" if len(self.candidates) > 1 else f"Not sure — maybe {options}"


def threshold_for(metadata: Mapping[str, str]) -> float:
    """The model's fitted threshold, or the default for models without one."""
    try:
        value = float(metadata[META_DOUBT])
    except (KeyError, ValueError):
        return DEFAULT_THRESHOLD
    return value if 0.0 < value < 1.0 else DEFAULT_THRESHOLD


def too_small(drawing: Drawing) -> bool:
    points = drawing.points()
    if len(points) == 0:
        return True
    extent = float((points.max(axis=0) - points.min(axis=0)).max()) + drawing.pen_width
    return extent < MIN_INK_FRACTION * drawing.height


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


def assess(probabilities: NDArray[np.floating], threshold: float, drawing: Drawing | None = None) -> Verdict:
    """Judge one prediction (probabilities of shape (10,))."""
    probs = np.asarray(probabilities, dtype=np.float64)
    digit = int(np.argmax(probs))
    confidence = float(probs[digit])
    if drawing is not None and too_small(drawing):
        return Verdict(False, digit, confidence, candidates(probs), "too small")
    if confidence < threshold:
        return Verdict(False, digit, confidence, candidates(probs), "low confidence")
    return Verdict(True, digit, confidence, (digit,), "")


def fit_threshold(top_probabilities: NDArray[np.floating], flag_rate: float = TARGET_FLAG_RATE) -> float:
    """The threshold that flags ``flag_rate`` of these (validation, real-digit) predictions."""
    return float(np.quantile(np.asarray(top_probabilities, dtype=np.float64), flag_rate))
