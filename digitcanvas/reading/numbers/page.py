"""An image's ink made ready for reading a number: rule lines and frames out, small scans enlarged. No Qt.

A scanned amount is rarely ink alone. The form's printed rule (the line the amount is
written on), the box around it and its sides touch the digits and join them into one
blob; a small scan leaves a digit a couple of dozen pixels tall, too coarse to cut where
two digits touch. Before :mod:`.segmentation` looks for digits:

* **Rule lines** are removed: ink in a straight horizontal run longer than any digit's
  stroke (``RULE_RUN_WIDTHS`` pen widths, and ``RULE_RUN_SHARE`` of the ink's width), finer
  than the pen (``RULE_PEN_SHARE``: a pen-thick run is a digit's foot or bar), where the ink
  is no thicker than the line itself (``RULE_THICKNESS``). Where a digit's stroke crosses or
  rests on the line, the ink there is thicker and stays.
* **Frame sides** are removed the same way, vertically: a fine straight line over
  ``FRAME_SHARE`` of the ink's height. A 1 is as thick as the pen, and stays.
* **Small scans** are enlarged (bilinear) until the ink is ``MIN_INK_HEIGHT`` px tall.

Everything works on the ink map of :func:`digitcanvas.reading.preprocessing.ink_map`:
(H, W) float64 in [0, 1], 1 the darkest ink.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.util.lazy_imports import ndimage

CORE_INK = 0.35  # image path: the ink level of a stroke's core, what the connected strokes are made of
# A digit's longest straight horizontal stroke (a 7's bar, a 2's foot) is about half its height,
# some 2-5 pen widths; a rule under even a short amount runs on for many more.
RULE_RUN_WIDTHS = 8.0
RULE_RUN_SHARE = 0.35  # of the ink's width: a rule runs under a good part of the amount
RULE_THICKNESS = 1.5  # times the line's median thickness (+ 1 px): thicker ink on it is a stroke
# A printed rule is a fine line (1-2 px in a scan written with a 4-7 px pen); a digit's long stroke
# (a 2's foot, 0s joined along the bottom, a 7's bar) is as thick as the pen. A run whose median
# thickness is over this share of the pen's width is writing, never a rule.
RULE_PEN_SHARE = 0.65
MIN_RULE_RUN = 12  # px: shorter runs are never a rule, whatever the pen
FRAME_SHARE = 0.85  # of the ink's height: a frame's side spans nearly all of it
MIN_INK_HEIGHT = 64  # px: smaller ink is enlarged to this height before it is cut into digits
MAX_ENLARGE = 4.0  # times: a tiny mark is not blown up into a digit-sized blob
FRINGE = np.ones((3, 3), dtype=bool)  # the anti-aliased edge of removed ink goes with it


@dataclass(frozen=True)
class Page:
    """The ink to read and how it maps back onto the image."""

    ink: NDArray[np.float64]  # (H', W') ink map, rules and frames removed, maybe enlarged
    scale: float  # ink px per image px (1: not enlarged)


def pen_width(mask: NDArray[np.bool_]) -> float:
    """The strokes' width in px: a stroke of width w has a mean distance to the paper of
    about w / 4 over its pixels (measured in the ink's bounding box and a pixel around it,
    which holds every pixel's nearest paper)."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return 1.0
    box = mask[max(rows[0] - 1, 0) : rows[-1] + 2, max(cols[0] - 1, 0) : cols[-1] + 2]
    return max(1.0, 4 * float(ndimage.distance_transform_edt(box)[box].mean()))


def run_lengths(mask: NDArray[np.bool_], axis: int) -> NDArray[np.int64]:
    """For every pixel of ``mask``, the length of the run of True it lies in along ``axis``
    (0 where False); O(pixels)."""
    lines = np.moveaxis(mask, axis, -1)
    rows, width = lines.shape
    padded = np.zeros((rows, width + 2), dtype=np.int8)
    padded[:, 1:-1] = lines
    flat = padded.ravel()
    change = np.diff(flat)
    starts, ends = np.flatnonzero(change == 1), np.flatnonzero(change == -1)
    lengths = np.zeros(flat.size, dtype=np.int64)
    run = ends - starts
    index = np.repeat(starts, run) + (np.arange(run.sum()) - np.repeat(np.cumsum(run) - run, run)) + 1
    lengths[index] = np.repeat(run, run)
    return np.moveaxis(lengths.reshape(rows, width + 2)[:, 1:-1], -1, axis)


def _long_runs(mask: NDArray[np.bool_], along: int, longest: float) -> NDArray[np.bool_]:
    """Ink in straight runs along ``along`` at least ``longest`` long; a line tilted by a pixel
    here and there still counts as one run (the mask is thickened by a pixel across first)."""
    across = (3, 1) if along == 1 else (1, 3)
    thick = ndimage.binary_dilation(mask, structure=np.ones(across, dtype=bool))
    return (run_lengths(thick, along) >= longest) & mask


def _thin_lines(mask: NDArray[np.bool_], along: int, longest: float, pen: float) -> NDArray[np.bool_]:
    """The ink of ``mask`` in straight lines along ``along`` (1: horizontal, 0: vertical) at
    least ``longest`` px long and finer than the pen: each connected line whose median
    thickness is at most RULE_PEN_SHARE × ``pen``, without the places where it is thicker
    than RULE_THICKNESS times that (a stroke crossing it or resting on it)."""
    long = _long_runs(mask, along, longest)
    if not long.any():
        return long
    across = run_lengths(mask, 1 - along)
    labels, count = ndimage.label(long, structure=FRINGE)
    index = np.arange(1, count + 1)
    thickness = np.asarray(ndimage.median(across, labels, index), dtype=np.float64).reshape(-1)
    fine = np.concatenate([[False], thickness <= RULE_PEN_SHARE * pen])
    thickest = np.concatenate([[0.0], RULE_THICKNESS * thickness + 1])
    lines: NDArray[np.bool_] = fine[labels] & (across <= thickest[labels])
    return lines


def remove_rules(ink: NDArray[np.float64]) -> NDArray[np.float64]:
    """``ink`` without its rule lines and frame sides (a copy; ``ink`` itself when it has none).

    Works on the ink's bounding box (and a pixel's margin for the removed lines' fringes), and
    measures the pen only where some run is long enough to be a line at all: most images
    have none, and cost two run-length passes."""
    mask = ink >= CORE_INK
    if not mask.any():
        return ink
    rows, cols = np.nonzero(mask)
    top, left = max(int(rows.min()) - 1, 0), max(int(cols.min()) - 1, 0)
    box = (slice(top, int(rows.max()) + 2), slice(left, int(cols.max()) + 2))
    core, levels = mask[box], ink[box]
    ink_width, ink_height = int(np.ptp(cols)) + 1, int(np.ptp(rows)) + 1
    across = max(MIN_RULE_RUN, RULE_RUN_SHARE * ink_width)
    down = max(MIN_RULE_RUN, FRAME_SHARE * ink_height)
    if not (_long_runs(core, 1, across).any() or _long_runs(core, 0, down).any()):
        return ink
    width = pen_width(core)
    rules = _thin_lines(core, 1, max(across, RULE_RUN_WIDTHS * width), width)
    rules |= _thin_lines(core, 0, down, width)
    if not rules.any():
        return ink
    cleaned = ink.copy()
    part = cleaned[box]
    part[rules] = 0.0
    # The removed line's anti-aliased edge, unless it is a kept stroke's too.
    edge = ndimage.binary_dilation(rules, structure=FRINGE) & ~rules & (levels < CORE_INK)
    part[edge & ~ndimage.binary_dilation(core & ~rules, structure=FRINGE)] = 0.0
    return cleaned


def enlarge(ink: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    """``ink`` enlarged (bilinear) so its ink is at least MIN_INK_HEIGHT px tall (at most
    MAX_ENLARGE times), and the factor; unchanged (factor 1) when it is tall enough."""
    rows = np.flatnonzero((ink >= CORE_INK).any(axis=1))
    if len(rows) == 0:
        return ink, 1.0
    height = int(rows[-1] - rows[0]) + 1
    if height >= MIN_INK_HEIGHT:
        return ink, 1.0
    factor = min(MAX_ENLARGE, MIN_INK_HEIGHT / height)
    enlarged = ndimage.zoom(ink, factor, order=1, mode="nearest", grid_mode=True)
    return np.clip(enlarged, 0.0, 1.0), enlarged.shape[0] / ink.shape[0]


def prepare(ink: NDArray[np.float64]) -> Page:
    """The ink to read a number from: rules and frames removed, small scans enlarged."""
    enlarged, scale = enlarge(remove_rules(ink))
    return Page(enlarged, scale)
