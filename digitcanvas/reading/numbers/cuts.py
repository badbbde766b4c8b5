"""Cut touching ink into digits: where a stroke or a blob of connected ink may be cut. No Qt.

When one stroke runs on into the next digit, or two digits' ink touches in an image,
no gap tells the digits apart. This module proposes cuts across such ink: for strokes,
vertical lines (in deslanted x) where the ink is thin, the way a reader would cut "00"
written in one go; for images, paths from above the ink to below it that cross as
little of it as they can (:func:`find_image_cuts`), around ink where touching digits
overlap in x. It does not decide: :mod:`.segmentation` classifies the ink on either
side of every candidate and keeps a cut only when the digits it yields read better
than the ink left whole.

Ink comes as *pieces* (strokes, or connected components of an image), each an (N, 2)
float array of deslanted ``(x, y)`` points dense enough that consecutive points of a
stroke are at most half a cell apart (:func:`densify`; an image's pixels already are).
A cut passes by a piece that lies almost entirely on one side of it (a 7's bar poking
past the cut is not chopped off) and cuts the others.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

GRID = 24  # profile columns per number height: a column is a little thinner than a pen
MAX_COLUMNS = 2048  # profile columns at most: ink more than 85 heights wide is profiled more coarsely
WHOLE_SHARE = 0.12  # a piece with at most this share of its ink past a cut goes to one side whole
MAX_CUT_INK = 4.0  # pen widths of ink: a cut through more is no place where digits merely touch
PATH_DRIFT = 2.0  # pen widths an image's cut pays for drifting sideways by the ink's height
PATH_WINDOW = 0.15  # of the height: an image's cut strays at most this far from the line it started on
SEED_STEP = 0.04  # of the height: the lines an image's cuts start on are this far apart

Points = NDArray[np.float64]  # (N, 2): x, y


@dataclass(frozen=True)
class Cut:
    """A candidate cut: the vertical line x = ``x`` (deslanted) across strokes, severing
    ``ink`` of them; or for images a path bent around the ink, one x per pixel row from
    ``top``, crossing ``ink`` pen widths of it."""

    x: float
    ink: float
    top: float = 0.0
    path: NDArray[np.float64] | None = None

    def right_of(self, points: Points) -> NDArray[np.bool_]:
        """Which points lie on the cut's right."""
        if self.path is None:
            return points[:, 0] >= self.x
        rows = np.clip(np.round(points[:, 1] - self.top).astype(np.int64), 0, len(self.path) - 1)
        return points[:, 0] >= self.path[rows]


def densify(points: Points, step: float) -> Points:
    """The polyline with points inserted so that consecutive points are at most ``step`` apart."""
    if len(points) < 2:
        return points
    d = np.diff(points, axis=0)
    counts = np.maximum(1, np.ceil(np.hypot(d[:, 0], d[:, 1]) / step).astype(np.int64))
    segment = np.repeat(np.arange(len(d)), counts)
    t = (np.arange(len(segment)) - np.repeat(np.cumsum(counts) - counts, counts)) / counts[segment]
    return np.concatenate([points[segment] + d[segment] * t[:, None], points[-1:]])


def find_cuts(
    pieces: Sequence[Points],
    *,
    cell: float,
    min_side: float,
    min_spacing: float,
    max_cuts: int,
    max_ink: float = MAX_CUT_INK,
) -> list[Cut]:
    """Candidate cuts across strokes (``pieces`` are polylines), left to right.

    The ink's x range is divided into columns ``cell`` wide; a cut through a column's
    centre severs the strokes each time they cross it (its ``ink``: a run-on stroke is
    crossed once between two digits, a 0 twice across its middle). Candidates are the
    local minima of that profile at least ``min_side`` from either end of the ink;
    :func:`choose` keeps the thinnest.
    """
    if max_cuts < 1 or not pieces:
        return []
    everything = np.concatenate(pieces)
    x0, x1 = float(everything[:, 0].min()), float(everything[:, 0].max())
    cell = max(cell, (x1 - x0) / MAX_COLUMNS)
    columns = int((x1 - x0) / cell) + 1
    if columns < 3:
        return []
    ink = np.zeros(columns)
    centres = np.asarray(x0 + (np.arange(columns) + 0.5) * cell, dtype=np.float64)
    # A cut leaves some ink on its left from the first column where some piece has more than
    # WHOLE_SHARE there, and some on its right up to the last where one has less than 1 - WHOLE_SHARE.
    first_left, last_right = columns, 0
    for piece in pieces:
        xs = piece[:, 0]
        lo, hi = int(np.searchsorted(centres, xs.min())), int(np.searchsorted(centres, xs.max(), side="right"))
        left = np.searchsorted(np.sort(xs), centres[lo:hi]) / len(xs)  # the piece's share left of each centre
        # A piece almost all on one side goes there whole (crossed()): the cut does not sever it.
        severed = (left > WHOLE_SHARE) & (left < 1.0 - WHOLE_SHARE)
        ink[lo:hi] += np.where(severed, _crossings(xs, centres[lo:hi]), 0)
        first_left = min(first_left, lo + int(np.count_nonzero(left <= WHOLE_SHARE)))
        last_right = max(last_right, lo + int(np.count_nonzero(left < 1.0 - WHOLE_SHARE)))
    ink_left = np.arange(columns) >= first_left
    ink_right = np.arange(columns) < last_right
    allowed = (centres - x0 >= min_side) & (x1 - centres >= min_side) & ink_left & ink_right
    padded = np.concatenate([[np.inf], ink, [np.inf]])
    minima = (padded[1:-1] <= padded[:-2]) & (padded[1:-1] <= padded[2:]) & allowed
    candidates = [Cut(float(centres[k]), float(ink[k])) for k in np.flatnonzero(minima)]
    return choose(candidates, max_cuts=max_cuts, min_spacing=min_spacing, max_ink=max_ink)


def _crossings(xs: NDArray[np.float64], centres: NDArray[np.float64]) -> NDArray[np.int64]:
    """How many times a polyline with these x coordinates crosses each line x = centre."""
    low, high = np.minimum(xs[:-1], xs[1:]), np.maximum(xs[:-1], xs[1:])
    size = len(centres) + 1
    counts = np.bincount(np.searchsorted(centres, low), minlength=size)
    counts -= np.bincount(np.searchsorted(centres, high), minlength=size)
    return np.cumsum(counts)[:-1]


def choose(candidates: Sequence[Cut], *, max_cuts: int, min_spacing: float, max_ink: float) -> list[Cut]:
    """The thinnest candidates, at most ``max_cuts``, ``min_spacing`` apart and none through
    more than ``max_ink`` pen widths, left to right."""
    chosen: list[Cut] = []
    xs: list[float] = []  # the chosen cuts' x, sorted: only the nearest on either side can be too close
    for cut in sorted(candidates, key=lambda c: (c.ink, c.x)):
        if len(chosen) == max_cuts:
            break
        k = bisect.bisect(xs, cut.x)
        if cut.ink <= max_ink and all(abs(cut.x - x) >= min_spacing for x in xs[max(k - 1, 0) : k + 1]):
            chosen.append(cut)
            xs.insert(k, cut.x)
    return sorted(chosen, key=lambda c: c.x)


def _right_shares(points: Points, cuts: Sequence[Cut]) -> NDArray[np.float64]:
    """Per cut, the share of ``points`` on its right; vertical cuts all at once."""
    if not cuts:
        return np.zeros(0)
    if all(cut.path is None for cut in cuts):
        xs = np.sort(points[:, 0])
        return 1.0 - np.searchsorted(xs, [cut.x for cut in cuts]) / len(xs)
    return np.array([float(np.mean(cut.right_of(points))) for cut in cuts])


def crossed(dense: Points, cuts: Sequence[Cut]) -> list[Cut]:
    """The cuts that really cut a piece: those with more than WHOLE_SHARE of it on either side."""
    shares = _right_shares(dense, cuts).tolist()
    return [cut for cut, right in zip(cuts, shares, strict=True) if WHOLE_SHARE < right < 1.0 - WHOLE_SHARE]


def side(points: Points, cuts: Sequence[Cut]) -> int:
    """Between which cuts (0: left of all) most of ``points`` lie."""
    return int(np.count_nonzero(_right_shares(points, cuts) > 0.5))


def find_image_cuts(
    pieces: Sequence[Points], *, thickness: float, height: float, min_side: float, min_spacing: float, max_cuts: int
) -> list[Cut]:
    """Candidate cuts across an image's ink (deslanted pixel centres), left to right.

    Each cut is a path from above the ink to below it, one pixel per row and a column step
    at most between rows, that crosses as little ink as it can while it stays within
    PATH_WINDOW × ``height`` of the vertical line it was started from: digits that touch
    are parted where they touch, around the ink where they overlap in x. Lines are tried
    every SEED_STEP × ``height`` at least ``min_side`` inside the ink; the candidates are
    the paths thinner than their neighbours'. ``thickness`` (the pen width in pixels)
    turns crossed pixels into pen widths; drifting sideways by ``height`` costs PATH_DRIFT.
    """
    everything = np.concatenate(pieces)
    window = max(1, round(PATH_WINDOW * height))
    x0, y0 = np.floor(everything.min(axis=0)) - 1 - np.array([window, 0])  # paper on every side
    cols = np.round(everything[:, 0] - x0).astype(np.int64)
    rows = np.round(everything[:, 1] - y0).astype(np.int64)
    grid = np.zeros((rows.max() + 2, cols.max() + 2 + window))
    grid[rows, cols] = 1.0
    ink_x = everything[:, 0] - x0
    low, high = float(ink_x.min()), float(ink_x.max())
    seeds = np.arange(low + min_side, high - min_side, max(1.0, SEED_STEP * height)).round().astype(np.int64)
    if len(seeds) == 0:
        return []
    offsets = np.arange(-window, window + 1)
    columns = seeds[:, None] + offsets[None, :]  # (seeds, window) grid columns of each seed's corridor
    step = PATH_DRIFT * thickness / height  # per column, in crossed-pixel units
    total = grid[0, columns]
    moves = np.zeros((len(grid), *columns.shape), dtype=np.int8)
    edge = np.full((len(seeds), 1), np.inf)
    for r in range(1, len(grid)):
        options = np.stack([total, np.hstack([edge, total[:, :-1]]) + step, np.hstack([total[:, 1:], edge]) + step])
        moves[r] = options.argmin(axis=0)
        total = grid[r, columns] + options.min(axis=0)
    best = total.argmin(axis=1)
    inks = total[np.arange(len(seeds)), best] / max(thickness, 1.0)
    padded = np.r_[np.inf, inks, np.inf]
    candidates = []
    for s in np.flatnonzero((padded[1:-1] <= padded[:-2]) & (padded[1:-1] <= padded[2:])):
        path = np.empty(len(grid), dtype=np.int64)
        path[-1] = best[s]
        for r in range(len(grid) - 1, 0, -1):
            path[r - 1] = path[r] + (0, -1, 1)[moves[r, s, path[r]]]
        at = columns[s, path]
        left = ink_x < at[rows]
        both = left.any() and not left.all()
        if both and ink_x[left].max() - low >= min_side and high - ink_x[~left].min() >= min_side:
            x = float(at[rows].mean()) + x0
            candidates.append(Cut(x, float(inks[s]), float(y0), (at + x0).astype(np.float64)))
    return choose(candidates, max_cuts=max_cuts, min_spacing=min_spacing, max_ink=MAX_CUT_INK)


def split_polyline(points: Points, edges: Sequence[float]) -> list[tuple[int, Points]]:
    """Cut a polyline at the vertical lines x = edges (sorted): (interval, part) in drawing
    order, the cut points interpolated so that neighbouring parts meet."""
    cuts = np.asarray(edges, dtype=np.float64)
    intervals = np.searchsorted(cuts, points[:, 0])
    steps = np.diff(intervals)
    counts = np.abs(steps)  # a segment crosses this many lines, in the order it meets them
    if len(points) < 2 or not counts.any():
        return [(int(intervals[-1]), points)]
    segment = np.repeat(np.arange(len(steps)), counts)
    nth = np.arange(len(segment)) - np.repeat(np.cumsum(counts) - counts, counts)
    rising = steps[segment] > 0
    closing = intervals[segment] + np.where(rising, nth, -nth)  # the interval each crossing closes
    x = cuts[np.where(rising, closing, closing - 1)]
    a, b = points[segment], points[segment + 1]
    t = (x - a[:, 0]) / (b[:, 0] - a[:, 0])
    crossings = a + t[:, None] * (b - a)
    # Every point, each segment's crossings after its first point; a part ends at a crossing and
    # the next begins there.
    at_point = np.arange(len(points)) + np.r_[0, np.cumsum(counts)]
    at_crossing = at_point[segment] + 1 + nth
    merged = np.empty((len(points) + len(segment), 2))
    merged[at_point], merged[at_crossing] = points, crossings
    starts, ends = [0, *at_crossing.tolist()], [*at_crossing.tolist(), len(merged) - 1]
    owners = [*closing.tolist(), int(intervals[-1])]
    return [(side, merged[a : b + 1]) for side, a, b in zip(owners, starts, ends, strict=True)]


def sides(parts: Sequence[Points], cuts: Sequence[Cut]) -> list[int]:
    """:func:`side` of each part: between which cuts most of its points lie."""
    if not cuts or not parts:
        return [0] * len(parts)
    if any(cut.path is not None for cut in cuts):
        return [side(part, cuts) for part in parts]
    xs = np.concatenate([part[:, 0] for part in parts])
    lengths = np.array([len(part) for part in parts])
    # Per part and cut, the points left of the cut: _right_shares's count, for all parts at once.
    left = np.cumsum(xs[:, None] < np.array([cut.x for cut in cuts])[None, :], axis=0)
    ends = np.cumsum(lengths) - 1
    counts = left[ends] - np.vstack([np.zeros((1, len(cuts)), dtype=left.dtype), left[ends[:-1]]])
    right = 1.0 - counts / lengths[:, None]
    return [int(n) for n in np.count_nonzero(right > 0.5, axis=1)]
