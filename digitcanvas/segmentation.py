"""Read a whole number: split strokes (or image ink) into digits. No Qt.

1. **Slant.** The writing's slant is estimated from its near-vertical segments, and x is
   sheared so that slanted digits stand upright before anything is compared.
2. **Units.** Strokes whose horizontal extents overlap are one unit: a two-stroke 4 or 5,
   a crossed 7, a 1 with a base, a 5 whose flag came last, in any drawing order.
3. **Choice.** Adjacent units may still belong together (a 5's flag drawn beside its
   body). Every grouping of up to ``MAX_UNITS_PER_DIGIT`` adjacent units is classified in
   one batch, and dynamic programming picks the split that maximises the summed log
   confidence of its digits, minus penalties for merging across wide gaps, for digits
   much shorter than the writing (a lone flag or bar), and for splitting where there is
   hardly a gap. The weights were tuned on validation writers
   (``python -m lab.evaluate_numbers --part val``).

Images take the same route with connected ink components as units. The result is a list
of :class:`Segment`; :mod:`digitcanvas.reader` turns it into a reading with verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .drawing import Drawing
from .inference import Classifier
from .lazy_imports import ndimage
from .preprocessing import (
    DEFAULT_OPTIONS,
    EmptyInputError,
    Image28,
    PreprocessOptions,
    ink_map,
    preprocess_drawing,
    preprocess_image,
)

MAX_UNITS_PER_DIGIT = 3  # a digit is rarely more than three separate pieces
OVERLAP_FRACTION = 0.3  # strokes overlapping by this share of the narrower one are one unit
MIN_WIDTH_FRACTION = 0.12  # of the number's height: a "1" still has some width when comparing overlaps
MERGE_FREE_GAP = 0.12  # of the height: gaps up to this inside one digit cost nothing
MERGE_GAP_WEIGHT = 12.0  # log-confidence cost per height of gap merged beyond that
WIDE_DIGIT = 1.15  # of the height: a single digit wider than this is unlikely
WIDE_WEIGHT = 6.0  # log-confidence cost per height of width beyond WIDE_DIGIT
SHORT_DIGIT = 0.5  # of the height: a piece shorter than this (a flag, a bar) is rarely a digit alone
SHORT_WEIGHT = 20.0  # log-confidence cost per height missing
SPLIT_FREE_GAP = 0.04  # of the height: splitting at gaps narrower than this costs...
SPLIT_GAP_WEIGHT = 40.0  # ...this much per height missing
MAX_SLANT = 0.6  # |dx/dy|: steeper estimates are noise
STROKE_INK = 0.35  # image path: pixels with at least this much ink form the connected strokes
MIN_COMPONENT_PIXELS_FRACTION = 0.002  # image path: specks smaller than this share of the image are dropped
BOX_MARGIN = 4  # canvas px around a digit's outline, beyond half the pen


@dataclass(frozen=True)
class Unit:
    """One piece of ink: strokes (drawings) or a connected component (images)."""

    members: tuple[int, ...]  # stroke or component indices
    left: float  # sheared x extent
    right: float
    top: float
    bottom: float


Box = tuple[float, float, float, float]  # x, y, width, height in canvas (or image) pixels


@dataclass(frozen=True)
class Segment:
    """One digit of a number: the ink it is made of and what the network read there."""

    members: tuple[int, ...]  # strokes (or components) that make this digit
    box: Box
    probabilities: NDArray[np.float64]  # (10,), sums to 1
    image: Image28  # the network input for this digit


def estimate_slant(strokes: Sequence[NDArray[np.float64]]) -> float:
    """dx/dy of the writing's near-vertical segments (length-weighted median); 0 if none."""
    slopes, weights = [], []
    for stroke in strokes:
        if len(stroke) < 2:
            continue
        d = np.diff(stroke, axis=0)
        length = np.hypot(d[:, 0], d[:, 1])
        steep = (np.abs(d[:, 1]) > 2 * np.abs(d[:, 0])) & (length > 0)
        slopes.append(d[steep, 0] / d[steep, 1])
        weights.append(length[steep])
    if not slopes or sum(len(s) for s in slopes) == 0:
        return 0.0
    s, w = np.concatenate(slopes), np.concatenate(weights)
    order = np.argsort(s)
    cumulative = np.cumsum(w[order])
    median = float(s[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return float(np.clip(median, -MAX_SLANT, MAX_SLANT))


def _deslant(points: NDArray[np.float64], slant: float, y_ref: float) -> NDArray[np.float64]:
    return points[:, 0] - slant * (points[:, 1] - y_ref)


def stroke_units(drawing: Drawing) -> tuple[list[Unit], float]:
    """Units of overlapping strokes, left to right, and the number's height."""
    strokes = drawing.strokes
    all_points = drawing.points()
    y_ref = float(all_points[:, 1].mean())
    slant = estimate_slant(strokes)
    height = max(float(np.ptp(all_points[:, 1])), 1.0)
    extents = []
    for stroke in strokes:
        xs = _deslant(stroke, slant, y_ref)
        extents.append((float(xs.min()), float(xs.max()), float(stroke[:, 1].min()), float(stroke[:, 1].max())))
    return _merge_overlapping(extents, height), height


def _merge_overlapping(extents: list[tuple[float, float, float, float]], height: float) -> list[Unit]:
    """Union strokes whose x extents overlap by OVERLAP_FRACTION of the narrower one."""
    n = len(extents)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    min_width = MIN_WIDTH_FRACTION * height
    # A thin stroke (a 4's upright, a 1) counts as min_width wide around its centre.
    spans = []
    for left, right, _, _ in extents:
        pad = max(0.0, min_width - (right - left)) / 2
        spans.append((left - pad, right + pad))
    for i in range(n):
        for j in range(i + 1, n):
            a, b = spans[i], spans[j]
            overlap = min(a[1], b[1]) - max(a[0], b[0])
            narrower = min(a[1] - a[0], b[1] - b[0])
            if overlap > OVERLAP_FRACTION * narrower:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    units = [
        Unit(
            tuple(members),
            min(extents[m][0] for m in members),
            max(extents[m][1] for m in members),
            min(extents[m][2] for m in members),
            max(extents[m][3] for m in members),
        )
        for members in groups.values()
    ]
    return sorted(units, key=lambda u: (u.left + u.right) / 2)


def _pair_cost(units: Sequence[Unit], start: int, stop: int, height: float) -> float:
    """Penalty for making units[start:stop] one digit: wide internal gaps, too wide a digit."""
    cost = 0.0
    for left, right in zip(units[start : stop - 1], units[start + 1 : stop], strict=True):
        gap = (right.left - left.right) / height
        cost += MERGE_GAP_WEIGHT * max(0.0, gap - MERGE_FREE_GAP)
    width = (max(u.right for u in units[start:stop]) - min(u.left for u in units[start:stop])) / height
    cost += WIDE_WEIGHT * max(0.0, width - WIDE_DIGIT) * (stop - start > 1)
    tall = (max(u.bottom for u in units[start:stop]) - min(u.top for u in units[start:stop])) / height
    cost += SHORT_WEIGHT * max(0.0, SHORT_DIGIT - tall)
    return cost


def _split_cost(left: Unit, right: Unit, height: float) -> float:
    gap = (right.left - left.right) / height
    return SPLIT_GAP_WEIGHT * max(0.0, SPLIT_FREE_GAP - gap)


def choose_split(
    units: Sequence[Unit],
    height: float,
    render: Callable[[tuple[int, ...]], Image28],
    classifier: Classifier,
) -> list[tuple[tuple[int, ...], NDArray[np.float64], Image28]]:
    """The best grouping of adjacent units into digits (dynamic programming).

    Returns, left to right, each digit's members, probabilities and network input.
    """
    n = len(units)
    spans = [(i, j) for i in range(n) for j in range(i + 1, min(n, i + MAX_UNITS_PER_DIGIT) + 1)]
    members = {s: tuple(sorted(m for u in units[s[0] : s[1]] for m in u.members)) for s in spans}
    images = np.stack([render(members[s]) for s in spans])
    probabilities = classifier.predict_proba(images)
    index = {s: i for i, s in enumerate(spans)}
    best = [-np.inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    for stop in range(1, n + 1):
        for start in range(max(0, stop - MAX_UNITS_PER_DIGIT), stop):
            confidence = float(probabilities[index[(start, stop)]].max())
            score = best[start] + np.log(max(confidence, 1e-9)) - _pair_cost(units, start, stop, height)
            if start > 0:
                score -= _split_cost(units[start - 1], units[start], height)
            if score > best[stop]:
                best[stop], back[stop] = score, start
    chosen = []
    stop = n
    while stop > 0:
        start = back[stop]
        i = index[(start, stop)]
        chosen.append((members[(start, stop)], probabilities[i], images[i]))
        stop = start
    return chosen[::-1]


def segment_drawing(
    classifier: Classifier, drawing: Drawing, options: PreprocessOptions = DEFAULT_OPTIONS
) -> list[Segment]:
    """Split a drawing into digits, left to right, each classified as a single digit would be."""
    if drawing.is_empty:
        raise EmptyInputError("the drawing is empty")
    units, height = stroke_units(drawing)

    def render(members: tuple[int, ...]) -> Image28:
        return preprocess_drawing(drawing.subset(members), options)

    return [
        Segment(group, ink_box(drawing.subset(group)), probabilities, image)
        for group, probabilities, image in choose_split(units, height, render, classifier)
    ]


def ink_box(drawing: Drawing) -> Box:
    """The box around a drawing's ink (pen included, a little margin), in canvas px."""
    points = drawing.points()
    low, high = points.min(axis=0), points.max(axis=0)
    pad = drawing.pen_width / 2 + BOX_MARGIN
    return (
        float(low[0] - pad),
        float(low[1] - pad),
        float(high[0] - low[0] + 2 * pad),
        float(high[1] - low[1] + 2 * pad),
    )


def segment_image(classifier: Classifier, pixels: NDArray[np.generic]) -> list[Segment]:
    """Split an image's connected ink into digits, left to right, and classify each."""
    ink = ink_map(pixels)
    mask = ink > STROKE_INK  # the strokes' cores; anti-aliased fringes join back in render()
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    sizes = ndimage.sum_labels(mask, labels, index=np.arange(1, count + 1))
    keep = [i + 1 for i, s in enumerate(sizes) if s >= MIN_COMPONENT_PIXELS_FRACTION * mask.size]
    if not keep:
        raise EmptyInputError("the image has no ink that stands out from its background")
    rows, _ = np.nonzero(np.isin(labels, keep))
    height = max(float(np.ptp(rows)), 1.0)
    slices = ndimage.find_objects(labels)
    extents = []
    for index in keep:
        r, c = slices[index - 1]
        extents.append((float(c.start), float(c.stop - 1), float(r.start), float(r.stop - 1)))
    units = _merge_overlapping(extents, height)
    components = np.asarray(keep)

    def render(members: tuple[int, ...]) -> Image28:
        selected = np.isin(labels, components[list(members)])
        # Dilate a little so anti-aliased edges of the chosen strokes are kept.
        selected = ndimage.binary_dilation(selected, iterations=2)
        part = np.where(selected, ink, 0.0)
        return preprocess_image(part)

    segments = []
    for group, probabilities, image in choose_split(units, height, render, classifier):
        chosen = np.isin(labels, components[list(group)])
        r, c = np.nonzero(chosen)
        box = (float(c.min()), float(r.min()), float(np.ptp(c) + 1), float(np.ptp(r) + 1))
        segments.append(Segment(group, box, probabilities, image))
    return segments
