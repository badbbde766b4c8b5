"""Honest confidence: when to say "Not sure" instead of announcing a digit. No Qt.

Two rules, both measured (``scripts/evaluate_doubt.py``):

* **too small**: ink whose larger side is under ``MIN_INK_FRACTION`` of the canvas height
  (a dot, a tick) is blown up to 20 px by MNIST-style normalisation and would read as a
  confident "1"; it is flagged before the model is asked.
* **low confidence**: the calibrated top probability is under the model's threshold.
  ``scripts/train.py`` (or ``scripts/fit_doubt.py`` for a finished model) fits it on
  validation writers with ``fit_threshold`` and stores it in the ONNX metadata under
  ``digitcanvas.doubt_threshold``. The bundled model was also trained with outlier
  exposure (non-digits pushed towards a flat output), which makes this threshold catch
  scribbles and letters. Models without the key use ``DEFAULT_THRESHOLD``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .drawing import Drawing

META_DOUBT = "digitcanvas.doubt_threshold"
DEFAULT_THRESHOLD = 0.80  # for foreign models: a calibrated-looking top probability under 80 % is doubtful
MAX_FLAG_RATE = 0.03  # real drawn digits called "Not sure" on writers the model never saw: at most 3 %
FIT_CONFIDENCE = 0.95  # ... with this confidence, over the writer-to-writer variation seen in validation
FIT_RESAMPLES = 4000
FIT_SEED = 20261121
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


def fit_threshold(
    top_probabilities: NDArray[np.floating],
    writers: Sequence[object] | NDArray[np.generic],
    *,
    new_writers: int | None = None,
    max_flag_rate: float = MAX_FLAG_RATE,
    confidence: float = FIT_CONFIDENCE,
    resamples: int = FIT_RESAMPLES,
    seed: int = FIT_SEED,
) -> float:
    """The highest threshold that flags at most ``max_flag_rate`` of a new set of writers' digits.

    ``top_probabilities`` are the calibrated top probabilities of real drawn digits by
    validation writers (``writers[i]`` wrote drawing ``i``). How many digits a threshold
    flags varies a lot from writer to writer, so a plain quantile of a few dozen writers
    is a noisy guide to the next writers (a 2 % quantile of 39 validation writers became
    3.7 % on the 62 test writers). This fit is a two-level writer bootstrap: resample the
    validation writers (what the population might be), draw ``new_writers`` writers from
    that (the set the model will meet; default: as many as in validation), and keep the
    highest threshold whose flag rate is at most ``max_flag_rate`` in ``confidence`` of
    those draws. Higher thresholds catch more errors and non-digits, so the highest one
    within the budget is the one to take.
    """
    tops = np.asarray(top_probabilities, dtype=np.float64).ravel()
    groups = np.asarray(writers, dtype=object).ravel()
    if len(tops) == 0 or len(tops) != len(groups):
        raise ValueError("fit_threshold needs one writer per top probability, and at least one drawing")
    _, owner = np.unique(groups.astype(str), return_inverse=True)
    n_writers = int(owner.max()) + 1
    digits_per_writer = np.bincount(owner, minlength=n_writers).astype(np.float64)
    # Candidates: every distinct top probability up to twice the budget (and 1.0 above them).
    ceiling = float(np.quantile(tops, min(1.0, 2 * max_flag_rate)))
    candidates = np.unique(np.append(tops[tops <= ceiling], ceiling))
    flagged_per_writer = np.stack(
        [np.bincount(owner, weights=(tops < t).astype(np.float64), minlength=n_writers) for t in candidates]
    )
    rng = np.random.default_rng(seed)
    uniform = np.full(n_writers, 1.0 / n_writers)
    population = rng.multinomial(n_writers, uniform, size=resamples)
    draws = np.stack([rng.multinomial(new_writers or n_writers, p / p.sum()) for p in population])
    rates = (draws @ flagged_per_writer.T) / (draws @ digits_per_writer)[:, None]
    within = np.quantile(rates, confidence, axis=0) <= max_flag_rate
    if not within.any():
        return float(candidates[0])  # even the lowest real digit's confidence is too many: flag nothing
    return float(candidates[within].max())
