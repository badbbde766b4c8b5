"""Why this digit: which ink pushed a model's reading toward a digit. No Qt, no gradients.

ONNX models give no gradients, so the map comes from the model's answers to perturbed
inputs alone, and works for any model :class:`~digitcanvas.model.classifier.Classifier` runs.
The method is occlusion that peels (an iterative occlusion):

1. Erase each ``WINDOW`` × ``WINDOW`` window of the ink (every ``STRIDE`` px, one batch,
   one run) and measure how much the score drops; each window's drop is shared among its
   ink pixels by their ink. A pixel's value is the sum of its shares.
2. The ``PEEL_FRACTION`` of the ink with the highest values keeps them, and is erased.
   Ink that mattered together with the erased ink now shows its own effect: step 1 runs
   again on what is left, ``ROUNDS`` times in all; the last round values all that is left.

Peeling is what makes the map pass the deletion test (erasing in map order must lower
the digit's probability much faster than erasing at random): a single round of
occlusion misses ink that is redundant while the rest is there (both strokes of a loop).

The score is the digit's log-odds, log p(d) − log(1 − p(d)), which does not saturate
near 100 % as the probability does; "why ``digit`` and not ``versus``" explains the log
ratio log p(d) − log p(versus) instead. Positive values: erasing that ink lowers the
score (it pushed toward the digit); negative: it pushed away.

Ink the model ignores gets exactly zero: when erasing some window in the first round
changes nothing at all (the model ignores ink there), every ``CELL`` × ``CELL`` cell of ink
is also erased on its own, and a cell whose erasure changes nothing keeps no value (a
window straddling it and ink that matters would otherwise share it some). A network that
uses all of the ink (every window matters) skips that batch: a third of the runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.shapes import FIELD, NUM_CLASSES

WINDOW = 6  # px: about three stroke widths (MNIST strokes are ~2 px), so a window cuts a stroke
STRIDE = 4  # px: windows overlap by WINDOW − STRIDE, so every pixel is in one to four
ROUNDS = 4  # occlusion rounds; each erases PEEL_FRACTION of the ink, the last values the rest
PEEL_FRACTION = 0.08  # of the drawing's ink pixels erased after each round (4 × 8 %: UNIPEN val 0.33 ratio)
CELL = 2  # px: the grain at which ink the model ignores is found (a 28 px field has 14 × 14 cells)
NOISE = 1e-6  # relative: score changes below this are float rounding of a batched run, not the ink
TINY = 1e-300  # probabilities are floored here before the log (a probability output can be 0)


class SaliencyStopped(Exception):
    """``explain`` was told to stop (its input changed): no map."""


class ProbabilityModel(Protocol):
    def predict_proba(self, images: NDArray[np.float32]) -> NDArray[np.float64]:
        """(N, 10) probabilities for float32 images (N, 28, 28) in [0, 1]."""
        ...


@dataclass(frozen=True)
class Saliency:
    """A saliency map over the 28×28 network input."""

    digit: int  # the digit explained
    versus: int | None  # the digit it is contrasted with ("why 7 and not 1"), or None
    map: NDArray[np.float64]  # (28, 28), score units; 0 where there is no ink
    score: float  # the score explained, on the whole input
    evaluations: int  # images the model ran on

    @property
    def peak(self) -> float:
        """The largest absolute value (0 for an empty map): the colour scale's end."""
        return float(np.abs(self.map).max()) if self.map.size else 0.0


def scores(probabilities: NDArray[np.float64], digit: int, versus: int | None = None) -> NDArray[np.float64]:
    """(N,) log-odds of ``digit`` (or log ratio of ``digit`` to ``versus``) from (N, 10) probabilities."""
    p = np.asarray(probabilities, dtype=np.float64)
    # The rest's sum, not 1 − p(d), which rounds to 0 near 100 %.
    against = np.delete(p, digit, axis=1).sum(axis=1) if versus is None else p[:, versus]
    return np.asarray(np.log(np.maximum(p[:, digit], TINY)) - np.log(np.maximum(against, TINY)))


def explain(
    model: ProbabilityModel,
    image: NDArray[np.floating],
    digit: int | None = None,
    *,
    versus: int | None = None,
    rounds: int = ROUNDS,
    peel_fraction: float = PEEL_FRACTION,
    stop: Callable[[], bool] | None = None,
) -> Saliency:
    """The saliency map of ``digit`` (default: the top digit) for one (28, 28) image in [0, 1].

    Runs the model ``rounds`` times on batches of perturbed copies (about 140 images in
    all for a drawn digit). ``stop`` is asked before each round; when it answers True,
    :class:`SaliencyStopped` is raised. Raises ``ValueError`` for a bad digit or image
    shape and whatever the model raises (``ModelRunError``).
    """
    picture = _picture(image, digit, versus)
    if digit is None:
        digit = int(np.argmax(model.predict_proba(picture[None])[0]))
    if versus == digit:
        raise ValueError(f"cannot contrast digit {digit} with itself")
    values = np.zeros((FIELD, FIELD), dtype=np.float64)
    ink_total = int(np.count_nonzero(picture))
    if ink_total == 0:
        whole = float(scores(model.predict_proba(picture[None]), digit, versus)[0])
        return Saliency(digit, versus, values, whole, 1)
    per_round = max(1, math.ceil(peel_fraction * ink_total))
    current = picture.copy()
    evaluations = 0
    gate = np.ones((FIELD, FIELD), dtype=bool)
    whole = 0.0
    for round_index in range(rounds):
        if stop is not None and stop():
            raise SaliencyStopped("the input changed")
        masks = _windows(current)
        batch = np.concatenate([current[None], np.where(masks, 0, current)])
        s = scores(model.predict_proba(batch.astype(np.float32)), digit, versus)
        evaluations += len(batch)
        base, drops = s[0], _quiet(s[0] - s[1:], s[0])
        if round_index == 0:
            whole = float(base)
            if np.any(drops == 0):  # the model ignores some ink: find it, cell by cell
                ignored, runs = _ignored_ink(model, picture, digit, versus, base)
                gate &= ~ignored
                evaluations += runs
        shares = masks * current
        shares = shares / shares.sum(axis=(1, 2), keepdims=True)
        round_values = np.tensordot(drops, shares, axes=1)
        ink = np.flatnonzero(current)
        order = ink[np.argsort(-round_values.ravel()[ink], kind="stable")]
        last = round_index == rounds - 1 or len(order) <= per_round
        taken = order if last else order[:per_round]
        values.ravel()[taken] = round_values.ravel()[taken]
        current.ravel()[taken] = 0
        if last:
            break
    return Saliency(digit, versus, np.where(gate, values, 0.0), whole, evaluations)


def _picture(image: NDArray[np.floating], digit: int | None, versus: int | None) -> NDArray[np.float32]:
    """The image as float32 (28, 28) in [0, 1]; raises ``ValueError`` for a bad shape or digit."""
    picture = np.clip(np.nan_to_num(np.asarray(image, dtype=np.float32)), 0.0, 1.0)
    if picture.shape != (FIELD, FIELD):
        raise ValueError(f"expected a (28, 28) image, got {picture.shape}")
    for d in (digit, versus):
        if d is not None and not 0 <= d < NUM_CLASSES:
            raise ValueError(f"digit {d} is not 0-9")
    return picture


def _ignored_ink(
    model: ProbabilityModel, picture: NDArray[np.float32], digit: int, versus: int | None, base: float
) -> tuple[NDArray[np.bool_], int]:
    """The pixels in cells whose erasing changes nothing (ink the model ignores), and the runs it took."""
    cells = _cells(picture)
    cell_scores = scores(model.predict_proba(np.where(cells, 0, picture).astype(np.float32)), digit, versus)
    ignored = cells[_quiet(base - cell_scores, base) == 0]
    return (ignored.any(axis=0) if len(ignored) else np.zeros((FIELD, FIELD), dtype=bool)), len(cells)


def _quiet(drops: NDArray[np.float64], base: float) -> NDArray[np.float64]:
    """Score changes with float noise set to exactly zero."""
    return np.where(np.abs(drops) <= NOISE * (1 + abs(base)), 0.0, drops)


def _starts(low: int, high: int, size: int, step: int) -> list[int]:
    """Window starts (multiples of ``step``) so windows of ``size`` cover ``low..high``."""
    first = max(low - size + 1, 0) // step * step
    last = min(high, FIELD - size)
    starts = list(range(first, last + 1, step)) or [last]
    if starts[-1] + size <= high:  # the grid stops short of the ink's far edge
        starts.append(last)
    return starts


def _windows(image: NDArray[np.float32]) -> NDArray[np.bool_]:
    """(M, 28, 28) masks of the WINDOW × WINDOW windows that hold ink."""
    rows, columns = np.nonzero(image)
    masks = []
    for top in _starts(int(rows.min()), int(rows.max()), WINDOW, STRIDE):
        for left in _starts(int(columns.min()), int(columns.max()), WINDOW, STRIDE):
            if image[top : top + WINDOW, left : left + WINDOW].any():
                mask = np.zeros((FIELD, FIELD), dtype=bool)
                mask[top : top + WINDOW, left : left + WINDOW] = True
                masks.append(mask)
    return np.array(masks, dtype=bool).reshape(-1, FIELD, FIELD)


def _cells(image: NDArray[np.float32]) -> NDArray[np.bool_]:
    """(K, 28, 28) masks of the CELL × CELL cells that hold ink."""
    grid = FIELD // CELL
    inked = image.reshape(grid, CELL, grid, CELL).any(axis=(1, 3))
    masks = np.zeros((int(inked.sum()), FIELD, FIELD), dtype=bool)
    for k, (row, column) in enumerate(zip(*np.nonzero(inked), strict=True)):
        masks[k, row * CELL : (row + 1) * CELL, column * CELL : (column + 1) * CELL] = True
    return masks
