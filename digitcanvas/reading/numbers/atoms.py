"""Ink into atoms: the pieces a number's digits are made of. No Qt.

:mod:`.segmentation` reads a number by choosing how to group adjacent *atoms* into digits;
this module makes them, left to right (see its steps 1-3):

* the writing's slant is estimated and x sheared so that slanted digits stand upright;
* strokes (or an image's connected components) whose x extents overlap by a good share
  are one *unit*, found in one sweep over the pieces sorted by their left edge;
* a unit is divided between groups of its strokes that overlap only a little, and ink
  wide enough for two digits is cut where it is thin (:mod:`digitcanvas.reading.numbers.cuts`).

Every division is only a proposal: the choice may put the atoms back together.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.reading.numbers.cuts import (
    GRID,
    Cut,
    Points,
    crossed,
    densify,
    find_cuts,
    find_image_cuts,
    sides,
    split_polyline,
)
from digitcanvas.util.lazy_imports import ndimage

MAX_ATOMS_PER_DIGIT = 5  # a digit is rarely more than five pieces (strokes, or parts of a cut stroke)
IMAGE_ATOMS_PER_DIGIT = 8  # images are cut more finely: where touching digits meet is no thinner than a 0's top
OVERLAP_FRACTION = 0.3  # strokes overlapping by this share of the narrower one are one unit
MIN_WIDTH_FRACTION = 0.12  # of the number's height: a "1" still has some width when comparing overlaps
OPEN_UNITS = 8  # the sweep compares a stroke with at most this many units still open on its left
MAX_GROUP_OVERLAP = 0.15  # of the height: stroke groups of a unit overlapping more are never split apart
DIGIT_PITCH = 0.3  # of the height: a unit is split or cut at most once per this much of its width
CUT_SPACING = 0.12  # of the height: cuts across strokes are at least this far apart
IMAGE_CUT_SPACING = 0.08  # of the height: an image is cut more finely, so that a thin 1 can be cut out
CUTTABLE_WIDTH = 0.6  # of the height: narrower ink is one digit or part of one, never cut
MAX_STROKE_CUTS = 32  # cuts across one group of strokes at most: ten digits written in one go, and spares
MAX_STROKE_CUT = 3.0  # strokes a cut severs: a pen running on into the next digit is crossed once or twice
MIN_CUT_SIDE = 0.1  # of the height: a cut leaves at least this much ink on either side
MAX_SLANT = 0.6  # |dx/dy|: steeper estimates are noise
STEEP = 2.0  # a segment with |dy| > STEEP × |dx| is near-vertical, for the slant estimate
EDGE_SMOOTHING = 1.0  # px: images are smoothed this much before their edges' directions are read
EDGE_FLOOR = 0.1  # of the strongest edge: weaker gradients are noise, for an image's slant


Fragment = tuple[int, Points]  # a stroke or component index and its points: a polyline, or pixels (x, y)
Extent = tuple[float, float, float, float]  # left, right (sheared x), top, bottom
Piece = tuple[int, Points, Points]  # a stroke or component index, its original and its deslanted points


@dataclass(frozen=True)
class Unit:
    """Overlapping pieces of ink: strokes (drawings) or connected components (images)."""

    members: tuple[int, ...]  # stroke or component indices
    left: float  # sheared x extent
    right: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Atom:
    """Ink the choice never divides: whole strokes or components, or the part of one left of a cut."""

    fragments: tuple[Fragment, ...]
    extent: Extent


@dataclass(frozen=True)
class Boundary:
    """Between two adjacent atoms: the gap (number heights, negative for overlap) and what a split costs."""

    gap: float
    kind: str  # "units" (separate units), "strokes" (stroke groups of a unit) or "cut" (through ink)
    ink: float = 0.0  # for a cut: pen widths of ink it crosses


def estimate_slant(strokes: Sequence[NDArray[np.float64]]) -> float:
    """dx/dy of the writing's near-vertical segments (length-weighted median); 0 if none."""
    if not strokes:
        return 0.0
    d = np.diff(np.concatenate(strokes) if len(strokes) > 1 else strokes[0], axis=0)
    length = np.hypot(d[:, 0], d[:, 1])
    steep = (np.abs(d[:, 1]) > STEEP * np.abs(d[:, 0])) & (length > 0)
    if len(strokes) > 1:  # only segments inside a stroke, not from one stroke's end to the next
        steep[np.cumsum([len(s) for s in strokes])[:-1] - 1] = False
    if not steep.any():
        return 0.0
    s, w = d[steep, 0] / d[steep, 1], length[steep]
    order = np.argsort(s)
    cumulative = np.cumsum(w[order])
    median = float(s[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return max(-MAX_SLANT, min(MAX_SLANT, median))


def image_slant(ink: NDArray[np.float64]) -> float:
    """dx/dy of an image's near-vertical ink edges (gradient-weighted median); 0 if none.

    ``ink`` is an (H, W) ink map in [0, 1]; the edges run along the strokes, so this is
    :func:`estimate_slant` for ink without stroke order.
    """
    smooth = ndimage.gaussian_filter(np.asarray(ink, dtype=np.float64), EDGE_SMOOTHING)
    gy, gx = ndimage.sobel(smooth, axis=0), ndimage.sobel(smooth, axis=1)
    strength = np.hypot(gx, gy)
    # Along an edge the ink runs perpendicular to the gradient: dx/dy = -gy/gx.
    steep = (np.abs(gx) > STEEP * np.abs(gy)) & (strength > EDGE_FLOOR * strength.max())
    if not steep.any():
        return 0.0
    s, w = -gy[steep] / gx[steep], strength[steep]
    order = np.argsort(s)
    cumulative = np.cumsum(w[order])
    median = float(s[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    return float(np.clip(median, -MAX_SLANT, MAX_SLANT))


class Ink:
    """The pieces of ink of one drawing or image, original and deslanted (x - slant·(y - y_ref))."""

    def __init__(self, pieces: Sequence[Points], slant: float, *, polyline: bool) -> None:
        self.original = list(pieces)
        self.polyline = polyline
        self.slant = slant
        everything = np.concatenate(self.original) if len(self.original) > 1 else self.original[0]
        ys = everything[:, 1]
        self.y_ref = float(ys.mean())
        self.height = max(float(ys.max() - ys.min()), 1.0)
        sheared = self._shear(everything, -slant)
        lengths = [len(p) for p in self.original]
        starts = list(itertools.accumulate(lengths[:-1], initial=0))
        self.deslanted = [sheared[a : a + n] for a, n in zip(starts, lengths, strict=True)]
        # Every piece's extent at once (left, right in sheared x; top, bottom).
        low, high = np.minimum.reduceat(sheared, starts).tolist(), np.maximum.reduceat(sheared, starts).tolist()
        self.extents: list[Extent] = [(a[0], b[0], a[1], b[1]) for a, b in zip(low, high, strict=True)]
        self._dense: dict[int, Points] = {}

    def dense(self, index: int) -> Points:
        """Piece ``index`` deslanted, polylines with points at most half a GRID cell apart."""
        if index not in self._dense:
            piece = self.deslanted[index]
            self._dense[index] = densify(piece, self.height / GRID / 2) if self.polyline else piece
        return self._dense[index]

    def _shear(self, points: Points, slant: float) -> Points:
        out = points.copy()
        out[:, 0] += slant * (points[:, 1] - self.y_ref)
        return out

    @staticmethod
    def extent(points: Points) -> Extent:
        return (
            float(points[:, 0].min()),
            float(points[:, 0].max()),
            float(points[:, 1].min()),
            float(points[:, 1].max()),
        )

    def cut(self, group: Sequence[int], cuts: Sequence[Cut]) -> dict[int, list[Piece]]:
        """The group's pieces cut apart: per side of the cuts (0: left of all), the parts there."""
        parts: list[Piece] = []
        for m in group:
            here = crossed(self.dense(m), cuts) if cuts else []
            if not here:
                parts.append((m, self.original[m], self.deslanted[m]))
            elif self.polyline:
                lines = [p for _, p in split_polyline(self.deslanted[m], [c.x for c in here])]
                # Sheared back all at once: the same arithmetic, point by point, as one part at a time.
                back = np.split(self._shear(np.concatenate(lines), self.slant), np.cumsum([len(p) for p in lines])[:-1])
                parts += [(m, original, deslanted) for original, deslanted in zip(back, lines, strict=True)]
            else:
                labels = sum(c.right_of(self.deslanted[m]).astype(np.int64) for c in here)
                parts += [(m, self.original[m][labels == k], self.deslanted[m][labels == k]) for k in np.unique(labels)]
        grouped: dict[int, list[Piece]] = defaultdict(list)
        for piece, where in zip(parts, sides([d for _, _, d in parts], cuts), strict=True):
            grouped[where].append(piece)
        return grouped


def drawing_ink(drawing: Drawing) -> Ink:
    """A drawing's strokes as ink, deslanted by the slant of its near-vertical segments."""
    return Ink(drawing.strokes, estimate_slant(drawing.strokes), polyline=True)


def drawing_units(drawing: Drawing) -> tuple[Ink, list[Unit]]:
    """A drawing's strokes as ink (deslanted) and its units of overlapping strokes, left to right."""
    ink = drawing_ink(drawing)
    return ink, merge_overlapping(ink.extents, ink.height)


def merge_overlapping(extents: Sequence[Extent], height: float) -> list[Unit]:
    """Union pieces whose x extents overlap by OVERLAP_FRACTION of the narrower one.

    One sweep in order of left edges, each piece compared with the units still open on
    its left (at most OPEN_UNITS): O(n log n) for any number of strokes.
    """
    if not extents:
        return []
    box = np.asarray(extents, dtype=np.float64).reshape(-1, 4)
    # A thin stroke (a 4's upright, a 1) counts as MIN_WIDTH_FRACTION wide around its centre.
    pad = np.maximum(0.0, MIN_WIDTH_FRACTION * height - (box[:, 1] - box[:, 0])) / 2
    lows, highs = (box[:, 0] - pad).tolist(), (box[:, 1] + pad).tolist()
    groups: list[list[int]] = []
    bounds: list[list[float]] = []  # per group: left, right of the padded spans
    alive: list[bool] = []
    open_groups: list[int] = []
    for i in np.argsort(box[:, 0] - pad, kind="stable").tolist():
        low, high = lows[i], highs[i]
        open_groups = [g for g in open_groups[-OPEN_UNITS:] if alive[g] and bounds[g][1] > low]
        target = -1
        for g in open_groups:
            g_low, g_high = bounds[g]
            if min(high, g_high) - max(low, g_low) > OVERLAP_FRACTION * min(high - low, g_high - g_low):
                if target < 0:
                    target = g
                else:  # the piece bridges two units: they become one
                    groups[target] += groups[g]
                    bounds[target] = [min(bounds[target][0], g_low), max(bounds[target][1], g_high)]
                    alive[g] = False
        if target < 0:
            target = len(groups)
            groups.append([])
            bounds.append([low, high])
            alive.append(True)
            open_groups.append(target)
        groups[target].append(i)
        bound = bounds[target]
        bound[0], bound[1] = min(bound[0], low), max(bound[1], high)
    rows = box.tolist()
    units = []
    for members, living in zip(groups, alive, strict=True):
        if living:
            chosen = [rows[m] for m in members]
            left, right = min(e[0] for e in chosen), max(e[1] for e in chosen)
            top, bottom = min(e[2] for e in chosen), max(e[3] for e in chosen)
            units.append(Unit(tuple(sorted(members)), left, right, top, bottom))
    return sorted(units, key=lambda u: (u.left + u.right) / 2)


def stroke_groups(unit: Unit, extents: Sequence[Extent], height: float) -> list[list[int]]:
    """The unit's strokes by centre, split where the groups left and right barely overlap."""
    order = sorted(unit.members, key=lambda m: (extents[m][0] + extents[m][1]) / 2)
    if len(order) == 1:
        return [order]
    rights = np.maximum.accumulate([extents[m][1] for m in order])
    lefts = np.minimum.accumulate([extents[m][0] for m in order[::-1]])[::-1]
    overlap = rights[:-1] - lefts[1:]  # at k: strokes [:k + 1] against [k + 1:]
    candidates = [k + 1 for k in np.argsort(overlap, kind="stable") if overlap[k] <= MAX_GROUP_OVERLAP * height]
    splits = sorted(candidates[: int((unit.right - unit.left) / (DIGIT_PITCH * height))])
    return [order[a:b] for a, b in zip([0, *splits], [*splits, len(order)], strict=True)]


def build_atoms(
    ink: Ink, units: Sequence[Unit], *, thickness: float, longest: int = MAX_ATOMS_PER_DIGIT
) -> tuple[list[Atom], list[Boundary]]:
    """Atoms left to right and the boundaries between them (one fewer); ``thickness``: the pen
    width in the ink's units (0 for polylines, which have none)."""
    h = ink.height
    extents = ink.extents
    atoms: list[Atom] = []
    kinds: list[tuple[str, float]] = []
    for unit in units:
        for g, group in enumerate(stroke_groups(unit, extents, h)):
            left, right = min(extents[m][0] for m in group), max(extents[m][1] for m in group)
            cuts: list[Cut] = []
            if right - left >= CUTTABLE_WIDTH * h:
                pieces = [ink.dense(m) for m in group]
                most = longest - 1  # a digit this wide is still one run of atoms
                side_ = MIN_CUT_SIDE * h
                if ink.polyline:
                    cuts = find_cuts(
                        pieces,
                        cell=h / GRID,
                        min_side=side_,
                        min_spacing=CUT_SPACING * h,
                        # ink several digits wide (the pen ran on and on) gets cuts for each of them
                        max_cuts=min(MAX_STROKE_CUTS, max(most, int((right - left) / (DIGIT_PITCH * h)))),
                        max_ink=MAX_STROKE_CUT,
                    )
                else:
                    cuts = find_image_cuts(
                        pieces,
                        thickness=thickness,
                        height=h,
                        min_side=side_,
                        min_spacing=IMAGE_CUT_SPACING * h,
                        max_cuts=most,
                    )
            sides = ink.cut(group, cuts)
            previous = -1
            for s in sorted(sides):
                if atoms:
                    if previous >= 0:
                        kinds.append(("cut", min(c.ink for c in cuts[previous:s])))
                    else:
                        kinds.append(("strokes" if g else "units", 0.0))
                everything = np.concatenate([d for _, _, d in sides[s]])
                atoms.append(Atom(tuple((m, o) for m, o, _ in sides[s]), ink.extent(everything)))
                previous = s
    boundaries = [
        Boundary((b.extent[0] - a.extent[1]) / h, kind, amount)
        for a, b, (kind, amount) in zip(atoms[:-1], atoms[1:], kinds, strict=True)
    ]
    return atoms, boundaries
