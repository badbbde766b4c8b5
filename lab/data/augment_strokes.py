"""Stroke-level augmentation of pen samples, before they are laid on the canvas. No PyTorch.

What devices and people do to a digit's strokes, applied to a :class:`lab.data.unipen.PenSample`
(any units, y down) and returning a new one:

* point density: :func:`coarsen` keeps a few points evenly spaced in *time* (sample
  index), as a device reporting ~10 points per second does (about 15 points per digit);
  :func:`refine` interpolates a smooth Catmull-Rom curve through the points, as a fine
  device records the same movement; :func:`cut_corners` rounds a polyline (Chaikin);
* the hand: slant, rotation and aspect, small shifts of each stroke against the others,
  a longer or shorter lead-in before the first corner (the continental 1's up-stroke,
  a 7's top bar), a little tremor;
* crossed and uncrossed 7s: :func:`uncross` drops a separate bar through a 7,
  :func:`cross` adds one.

Everything draws from the ``numpy.random.Generator`` it is given: seeded, reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from lab.data.unipen import PenSample

Stroke = NDArray[np.float64]  # (K, 2) points, x right, y down

COARSE_POINTS = 15  # points per digit on a slow device (~10 points/s, a digit takes ~1.5 s)
COARSE_RANGE = (8, 24)  # points per digit when augmenting: slower and faster devices
FINE_FACTOR = (2, 5)  # refine: this many points per original segment
SLANT = 0.3  # shear x += slant × (y - centre) / height, drawn from ± this
ROTATION_DEG = 8.0
ASPECT = (0.85, 1.15)  # width scale / height scale
STROKE_SHIFT = 0.035  # per-stroke shift, σ as a fraction of the digit's height
JITTER = 0.006  # per-point tremor, σ as a fraction of the digit's height
LEAD_IN_SCALE = (0.45, 1.6)  # lead-in length × this
CORNER_DEG = 75.0  # a turn sharper than this ends the lead-in
LEAD_IN_STRAIGHT = 0.92  # a lead-in is straight when its chord is at least this × its path
LEAD_IN_MAX = 0.9  # a stretched lead-in stays shorter than this × the rest of its stroke
BAR_HEIGHT = 0.22  # a 7's bar spans at most this fraction of the digit's height ...
BAR_ASPECT = 1.8  # ... and is at least this many times wider than tall
SEVEN = 7


def bounding_box(strokes: Sequence[Stroke]) -> tuple[Stroke, Stroke]:
    """(low corner, size) of the strokes' points; the size is never 0."""
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    return low, np.maximum(high - low, 1e-9)


def _with(sample: PenSample, strokes: Sequence[Stroke]) -> PenSample:
    return PenSample(sample.label, sample.source, sample.writer, tuple(strokes))


def coarsen(sample: PenSample, points: int = COARSE_POINTS) -> PenSample:
    """About ``points`` points for the whole digit, evenly spaced in time within each stroke.

    Strokes share the points in proportion to their own point counts (their duration);
    every stroke keeps its two ends (a one-point stroke stays a dot), so a digit of many
    strokes may keep a few more than ``points``.
    """
    total = sum(len(s) for s in sample.strokes)
    strokes = []
    for stroke in sample.strokes:
        if len(stroke) <= 2:
            strokes.append(stroke.copy())
            continue
        keep = int(np.clip(round(points * len(stroke) / total), 2, len(stroke)))
        index = np.unique(np.round(np.linspace(0, len(stroke) - 1, keep)).astype(int))
        strokes.append(stroke[index])
    return _with(sample, strokes)


def refine(sample: PenSample, per_segment: int = 4) -> PenSample:
    """A centripetal-free (uniform) Catmull-Rom curve through each stroke's points,
    ``per_segment`` points per original segment: the smooth path a fine device records."""
    strokes = []
    for stroke in sample.strokes:
        if len(stroke) < 3:
            strokes.append(stroke.copy())
            continue
        padded = np.concatenate([stroke[:1], stroke, stroke[-1:]])
        t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
        t2, t3 = t * t, t * t * t
        parts = []
        for i in range(1, len(padded) - 2):
            p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
            parts.append(
                0.5
                * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t3)
            )
        parts.append(stroke[-1:])
        strokes.append(np.concatenate(parts))
    return _with(sample, strokes)


def cut_corners(sample: PenSample, iterations: int = 1) -> PenSample:
    """Chaikin corner cutting (ends kept): each corner becomes two points a quarter along."""
    strokes = []
    for stroke in sample.strokes:
        s = stroke
        for _ in range(iterations):
            if len(s) < 3:
                break
            q = 0.75 * s[:-1] + 0.25 * s[1:]
            r = 0.25 * s[:-1] + 0.75 * s[1:]
            s = np.concatenate([s[:1], np.stack([q, r], axis=1).reshape(-1, 2)[1:-1], s[-1:]])
        strokes.append(s)
    return _with(sample, strokes)


def is_bar(stroke: Stroke, low: Stroke, size: Stroke) -> bool:
    """Whether a stroke is a short, flat dash across the middle of a digit (a 7's bar)."""
    span = (stroke.max(axis=0) - stroke.min(axis=0)) / size
    middle = (stroke.mean(axis=0)[1] - low[1]) / size[1]
    return bool(span[1] <= BAR_HEIGHT and span[0] >= BAR_ASPECT * span[1] and span[0] >= 0.15 and 0.2 < middle < 0.8)


def uncross(sample: PenSample) -> PenSample:
    """A 7 without the bars drawn as separate strokes after the first (others unchanged)."""
    if sample.label != SEVEN or len(sample.strokes) < 2:
        return sample
    low, size = bounding_box(sample.strokes)
    kept = [sample.strokes[0], *(s for s in sample.strokes[1:] if not is_bar(s, low, size))]
    return _with(sample, kept)


def cross(sample: PenSample, rng: np.random.Generator) -> PenSample:
    """A one-stroke 7 with a bar through the middle of its stem, drawn as a second stroke."""
    if sample.label != SEVEN or len(sample.strokes) != 1:
        return sample
    stroke = sample.strokes[0]
    low, size = bounding_box(sample.strokes)
    y = low[1] + size[1] * rng.uniform(0.4, 0.6)
    # Where the stem crosses that height: the point of the second half of the path nearest to it.
    half = stroke[len(stroke) // 3 :]
    x = half[int(np.argmin(np.abs(half[:, 1] - y))), 0]
    reach = size[0] * rng.uniform(0.2, 0.4)
    t = np.linspace(0, 1, max(3, len(stroke) // 4))[:, None]
    start = np.array([x - reach, y + size[1] * rng.uniform(-0.04, 0.04)])
    end = np.array([x + reach * rng.uniform(0.7, 1.2), y + size[1] * rng.uniform(-0.06, 0.02)])
    return _with(sample, [stroke, start + (end - start) * t])


def _first_corner(stroke: Stroke) -> int | None:
    """Index of the first sharp turn in the first 60 % of a stroke, or None.

    The turn at each point is measured over a few points either side (so dense and coarse
    recordings agree); the corner is the sharpest point of the first run of sharp turns.
    """
    n = len(stroke)
    if n < 3:
        return None
    w = max(1, n // 12)
    travelled = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))])
    length = float(travelled[-1])
    best: tuple[float, int] | None = None
    for k in range(1, n - 1):
        if travelled[k] > 0.6 * length:
            break
        a, b = stroke[k] - stroke[max(0, k - w)], stroke[min(n - 1, k + w)] - stroke[k]
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        turn = 0.0
        if na > 1e-9 and nb > 1e-9 and travelled[k] >= 0.08 * length:
            turn = float(np.degrees(np.arccos(np.clip(a @ b / (na * nb), -1, 1))))
        if turn > CORNER_DEG and (best is None or turn > best[0]):
            best = (turn, k)
        elif best is not None and turn <= CORNER_DEG:
            break
    return best[1] if best else None


def stretch_lead_in(sample: PenSample, factor: float) -> PenSample:
    """The first stroke's straight lead-in (its path up to the first sharp corner) scaled by
    ``factor`` about that corner; never longer than ``LEAD_IN_MAX`` × the rest of the stroke.

    Only a nearly straight lead-in counts (the chord at least ``LEAD_IN_STRAIGHT`` × the
    path): shortening a curved start (a 6's top) would change the digit.
    """
    first = sample.strokes[0]
    corner = _first_corner(first)
    if corner is None:
        return sample
    steps = np.linalg.norm(np.diff(first, axis=0), axis=1)
    lead, rest = float(steps[:corner].sum()), float(steps[corner:].sum())
    if lead <= 0 or np.linalg.norm(first[corner] - first[0]) < LEAD_IN_STRAIGHT * lead:
        return sample
    factor = min(factor, LEAD_IN_MAX * rest / lead) if factor > 1 else factor
    stretched = first.copy()
    stretched[:corner] = first[corner] + (first[:corner] - first[corner]) * max(factor, 1e-3)
    return _with(sample, [stretched, *sample.strokes[1:]])


def hand(sample: PenSample, rng: np.random.Generator) -> PenSample:
    """Slant, rotation, aspect and small per-stroke shifts (relative to the digit's height)."""
    low, size = bounding_box(sample.strokes)
    centre = low + size / 2
    height = size[1]
    slant = rng.uniform(-SLANT, SLANT)
    angle = np.radians(rng.uniform(-ROTATION_DEG, ROTATION_DEG))
    aspect = rng.uniform(*ASPECT)
    c, s = np.cos(angle), np.sin(angle)
    matrix = np.array([[c, -s], [s, c]]) @ np.array([[aspect, slant], [0.0, 1.0]])
    many = len(sample.strokes) > 1
    strokes = []
    for stroke in sample.strokes:
        moved = (stroke - centre) @ matrix.T + centre
        if many:
            moved = moved + rng.normal(0, STROKE_SHIFT * height, size=2)
        strokes.append(moved)
    return _with(sample, strokes)


def tremor(sample: PenSample, rng: np.random.Generator, sigma: float = JITTER) -> PenSample:
    """Gaussian noise of ``sigma`` × the digit's height on every point."""
    _, size = bounding_box(sample.strokes)
    return _with(sample, [s + rng.normal(0, sigma * size[1], size=s.shape) for s in sample.strokes])


def augment(sample: PenSample, rng: np.random.Generator) -> PenSample:
    """One random variant: each change applied with its own probability, in the order a
    hand and then a device would make them (shape, then point density, then tremor)."""
    out = sample
    if sample.label == SEVEN:
        pick = rng.random()
        out = uncross(out) if pick < 0.3 else cross(out, rng) if pick < 0.6 else out
    if rng.random() < 0.4:
        out = stretch_lead_in(out, rng.uniform(*LEAD_IN_SCALE))
    if rng.random() < 0.8:
        out = hand(out, rng)
    density = rng.random()
    if density < 0.35:
        out = coarsen(out, int(rng.integers(COARSE_RANGE[0], COARSE_RANGE[1] + 1)))
    elif density < 0.55:
        out = refine(out, int(rng.integers(FINE_FACTOR[0], FINE_FACTOR[1] + 1)))
    elif density < 0.7:
        out = cut_corners(out, int(rng.integers(1, 3)))
    if rng.random() < 0.3:
        out = tremor(out, rng)
    return out
