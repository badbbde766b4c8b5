"""Read a whole number: split strokes (or image ink) into digits. No Qt.

0. **Page (images).** Rule lines and frame sides are removed and a small scan is
   enlarged before anything else (:mod:`.page`).
1. **Slant.** The writing's slant is estimated (strokes: from their near-vertical
   segments; images: from their near-vertical ink edges), and x is sheared so
   that slanted digits stand upright before anything is compared (:mod:`.atoms`).
2. **Units.** Strokes whose horizontal extents overlap by a good share are one unit: a
   two-stroke 4 or 5, a crossed 7, a 1 with a base, a 5 whose flag came last, in any
   drawing order. One sweep over the strokes sorted by their left edge finds them.
3. **Atoms.** A unit is divided where it may hold more than one digit: between groups of
   its strokes that overlap only a little (neighbours of a cramped or slanted hand), and,
   in ink wide enough for two digits, across a stroke or connected ink where it is thin
   (:mod:`digitcanvas.reading.numbers.cuts`: digits written in one go, or touching in an image).
4. **Choice.** Every run of up to ``MAX_ATOMS_PER_DIGIT`` adjacent atoms (images, cut
   more finely: ``IMAGE_ATOMS_PER_DIGIT``), and up to ``MAX_UNITS_PER_DIGIT`` whole
   units, may be a digit, and dynamic programming picks the split that maximises the summed log
   confidence of its digits, minus :class:`Costs`: for merging across wide gaps, for
   digits much wider or shorter than the writing (a lone flag or bar) or than their own
   height (two digits read as one), for splitting where there is hardly a gap, and for
   splitting a unit or cutting through ink. A thin 1 written apart (:func:`ones`) may be
   shorter than other digits; in images, a mark
   (:func:`marks`: a separator, a dash, an end mark) may be left out of the number. The
   weights were tuned on validation writers, composed and real
   (``python -m lab.evaluate.tune_numbers --part val --pen … --scans …``). Only the runs that can still
   beat the best split so far are classified (:func:`read_runs`): a single digit usually
   costs one model run, and the result is what classifying every run would give.

A drawing of one piece no wider than a digit is read whole before any of this is built
(:func:`segment_drawing`): when the model is sure of it, it is that digit.

5. **Second opinion.** The number reader (:mod:`.number_reader`), a network that reads the
   whole number without splitting it, reads it too. Where it reads more digits than the
   split has and the model reads the split into its digits as it does, that split is kept
   (:func:`follow`); each digit is told what it read there (:func:`opinions`), and a sure
   digit it reads otherwise becomes "not sure".

The result is a list of :class:`Segment`; :mod:`digitcanvas.reading.reader` turns it into a
reading with verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.strokes import Drawing, EmptyInputError, Stroke
from digitcanvas.model.classifier import Classifier
from digitcanvas.model.session import ModelRunError
from digitcanvas.model.shapes import Image28, Images28
from digitcanvas.reading.doubt import assess
from digitcanvas.reading.numbers.atoms import (
    IMAGE_ATOMS_PER_DIGIT,
    MAX_ATOMS_PER_DIGIT,
    Atom,
    Boundary,
    Fragment,
    Ink,
    Unit,
    build_atoms,
    drawing_units,
    image_slant,
    merge_overlapping,
    stroke_groups,
)
from digitcanvas.reading.numbers.cuts import Points
from digitcanvas.reading.numbers.number_reader import NumberReader
from digitcanvas.reading.numbers.page import CORE_INK, pen_width, prepare
from digitcanvas.reading.numbers.strip import StripPixels, ink_strip, strokes_strip
from digitcanvas.reading.preprocessing import (
    DEFAULT_OPTIONS,
    PreprocessOptions,
    ink_map,
    preprocess_image,
    preprocess_many,
)
from digitcanvas.util.lazy_imports import ndimage

MIN_COMPONENT_PIXELS_FRACTION = 0.002  # image path: specks smaller than this share of the image are dropped
DILATION = 2  # image path: px of anti-aliased fringe rejoined around the chosen strokes' cores
BOX_MARGIN = 4  # canvas px around a digit's outline, beyond half the pen
MAX_UNITS_PER_DIGIT = 3  # a digit is rarely more than three separate units (a 5 with its flag apart)
BOUND_ROUNDS = 4  # rounds of classifying only the runs of the best split so far, before all the rest
MIN_LOOP_PIXELS = 4  # image path: paper enclosed by a unit's ink: a small 0 (a mark has no loop)
FLAT_RATIO = 1.5  # width / height of a flat mark: a dash is wider than tall, a 1 or a comma is not
# A thin 1 written apart: a unit of its own at most ONE_ASPECT times as wide as it is tall (deslanted:
# a 1 is a bar, with at most a short flag or foot) and at least ONE_MIN_HEIGHT of the number tall
# (a comma or a dot is shorter).
ONE_ASPECT = 0.3
ONE_MIN_HEIGHT = 0.25
MIN_TALL = 0.05  # of the number's height: a flat run's aspect is taken as if it were this tall
# A drawing of one piece (one unit, one group of strokes) no wider than this many times its
# height (deslanted) that the model reads as a sure digit is that digit: no cuts are weighed
# through it. Single digits are narrower (UNIPEN's: half under 0.68, 96 % under 1.3); two
# digits written in one go are wider, or read as no sure digit. Chosen on validation writers:
# 1.0, 1.3 and 1.6 left every composed and real pen number figure as it was.
ONE_DIGIT_WIDTH = 1.3


@dataclass(frozen=True)
class Costs:
    """The DP's penalties, in log-confidence units; lengths are in number heights.

    Drawings and images have a set each (:data:`DRAWING_COSTS`, :data:`IMAGE_COSTS`): a
    cut through a stroke is rare in a drawing (the pen ran on) and common in an image.
    """

    merge_free_gap: float = 0.12  # gaps up to this inside one digit cost nothing...
    merge_gap_weight: float = 12.0  # ...wider ones this much per height
    wide_digit: float = 1.15  # a digit wider than this is unlikely...
    wide_weight: float = 6.0  # ...costing this much per height beyond
    short_digit: float = 0.5  # a digit shorter than this (a flag, a bar) is unlikely...
    short_weight: float = 20.0  # ...costing this much per height missing
    # Real writing mixes sizes (small 0s after a tall 1): a digit's own shape tells more than its
    # size beside the number's height. Two digits read as one, or a flag alone, are wide for their height:
    aspect_digit: float = 1.5  # a digit wider than this many times its own height is unlikely...
    aspect_weight: float = 0.0  # ...costing this much per unit of width / height beyond
    split_free_gap: float = 0.04  # splitting at gaps narrower than this costs...
    split_gap_weight: float = 40.0  # ...this much per height missing (overlaps count as negative gaps)
    group_split: float = 1.0  # splitting a unit between groups of its strokes
    cut_split: float = 1.0  # cutting through a stroke or connected ink...
    cut_ink_weight: float = 0.5  # ...plus this much per pen width of ink cut
    digit_bonus: float = 0.0  # each digit read: the summed log confidences favour fewer digits
    # Marks (:func:`marks`; 0: none, as in drawings, where every stroke belongs to a digit):
    mark_size: float = 0.0  # a unit narrower and shorter than this is a mark ("." ","), never a digit alone;
    flat_height: float = 0.0  # so is a flat one ("-" "="): shorter than this, FLAT_RATIO times as wide...
    mark_skip: float = 0.3  # ...and a mark may be left out of the number at this cost (or be part of a digit)
    # A thin 1 written apart (:func:`ones`) is a digit of its own, however short beside its neighbours:
    one_short_digit: float = 0.5  # a lone thin 1 is short only under this (instead of short_digit)


FIRST_COSTS = Costs()  # the hand-set weights of the first version, where tuning starts too
# Tuned on validation writers of both sources (python -m lab.evaluate.tune_numbers --part val,
# seed 2026, 100 numbers per cell and 600 single digits per source, plus numbers that all have a
# run-on stroke); the search weighs single digits most, and no single digit is cut in two more
# often than with the costs it started from. Then (issue #24) from those costs again with real
# pen numbers of validation writers added (--pen ../shared/data/unipen-numbers; UNIPEN digits
# only, 25 numbers per cell, 300 single digits): merging across a gap, shortness and a thin 1's
# shortness cost less, a run much wider than its own height a little.
DRAWING_COSTS = Costs(
    merge_free_gap=0.25,
    merge_gap_weight=33.6,
    wide_digit=0.39,
    wide_weight=4.12,
    short_digit=0.7,
    short_weight=3.5,
    aspect_digit=1.5,
    aspect_weight=0.125,
    split_free_gap=0.0,
    split_gap_weight=2.0,
    group_split=0.125,
    cut_split=1.05,
    cut_ink_weight=0.35,
    digit_bonus=0.125,
    one_short_digit=0.49,
)
# Images: tuned the same way, then again (issue #24) with ORAND-CAR-A scans of the val part added
# (--scans ../shared/data/orand-car-a; rules removed and small scans enlarged first, :mod:`.page`):
# shortness costs less, a run much wider than its own height more, splitting at a narrow gap nothing,
# and a unit under 0.42 of the height (a separator, a dash, an end mark) may be left out.
IMAGE_COSTS = Costs(
    merge_free_gap=0.5,
    merge_gap_weight=48.0,
    wide_digit=0.392,
    wide_weight=5.768,
    short_digit=0.7,
    short_weight=4.9,
    aspect_digit=1.5,
    aspect_weight=0.7,
    split_free_gap=0.0,
    split_gap_weight=0.0,
    group_split=0.0,
    cut_split=1.05,
    cut_ink_weight=0.5,
    mark_size=0.42,
    flat_height=0.42,
    one_short_digit=0.7,
)


Box = tuple[float, float, float, float]  # x, y, width, height in canvas (or image) pixels
RunReading = tuple[NDArray[np.float64], Image28]  # one run's probabilities (10,) and network input


@dataclass(frozen=True)
class Segment:
    """One digit of a number: the ink it is made of and what the network read there."""

    members: tuple[int, ...]  # strokes (or components) holding this digit's ink; a cut one is in two digits
    box: Box
    probabilities: NDArray[np.float64]  # (10,), sums to 1
    image: Image28  # the network input for this digit
    strokes: tuple[Stroke, ...] = ()  # drawings: the digit's ink, whole strokes or the parts of cut ones
    # What the number reader (:mod:`.number_reader`) read here (:func:`opinions`): one digit, or
    # else its digits here in ``reader_number``, "" for none. None and None: it was not asked.
    reader_digit: int | None = None
    reader_number: str | None = None


def candidate_runs(boundaries: Sequence[Boundary], count: int, longest: int) -> list[tuple[int, int]]:
    """The (start, stop) runs of ``count`` atoms that may be one digit: every run of up to
    ``longest`` atoms, and up to MAX_UNITS_PER_DIGIT whole units however many atoms they
    were divided into (a digit of several pieces must stay readable as one)."""
    runs = {(i, j) for i in range(count) for j in range(i + 1, min(count, i + longest) + 1)}
    edges = [0] + [k + 1 for k, b in enumerate(boundaries) if b.kind == "units"] + [count]
    for i in range(len(edges) - 1):
        runs |= {(edges[i], edges[j]) for j in range(i + 1, min(len(edges), i + MAX_UNITS_PER_DIGIT + 1))}
    return sorted(runs)


def split_cost(boundary: Boundary, costs: Costs) -> float:
    """What it costs to let one digit end and the next begin at ``boundary``."""
    if boundary.kind == "cut":
        return costs.cut_split + costs.cut_ink_weight * boundary.ink
    cost = costs.split_gap_weight * max(0.0, costs.split_free_gap - boundary.gap)
    return cost + (costs.group_split if boundary.kind == "strokes" else 0.0)


def run_cost(
    atoms: Sequence[Atom],
    boundaries: Sequence[Boundary],
    start: int,
    stop: int,
    height: float,
    costs: Costs,
    thin_ones: Sequence[bool] = (),
) -> float:
    """What it costs to read atoms[start:stop] as one digit (besides its confidence);
    ``thin_ones``: which atoms are thin 1s written apart (:func:`ones`; none when empty)."""
    cost = sum(costs.merge_gap_weight * max(0.0, b.gap - costs.merge_free_gap) for b in boundaries[start : stop - 1])
    chosen = [a.extent for a in atoms[start:stop]]
    width = (max(e[1] for e in chosen) - min(e[0] for e in chosen)) / height
    tall = (max(e[3] for e in chosen) - min(e[2] for e in chosen)) / height
    cost += costs.wide_weight * max(0.0, width - costs.wide_digit)
    cost += costs.aspect_weight * max(0.0, width / max(tall, MIN_TALL) - costs.aspect_digit)
    short = costs.one_short_digit if stop - start == 1 and thin_ones and thin_ones[start] else costs.short_digit
    return cost + costs.short_weight * max(0.0, short - tall) - costs.digit_bonus


def marks(atoms: Sequence[Atom], boundaries: Sequence[Boundary], height: float, costs: Costs) -> list[bool]:
    """Which atoms are marks (a separator, a dash, an end mark): units of their own that are
    small (under ``costs.mark_size`` of the number's height both ways) or flat (under
    ``costs.flat_height``, FLAT_RATIO times as wide), without a loop (a small 0 written after
    tall digits has one). A 5's flag is part of its digit's unit, so it is no mark. None is
    when all are (a lone dot is read, as "too small")."""
    kinds = ["units", *(b.kind for b in boundaries), "units"]
    flags = []
    for k, atom in enumerate(atoms):
        left, right, top, bottom = atom.extent
        wide, tall = (right - left) / height, (bottom - top) / height
        small = max(wide, tall) < costs.mark_size
        flat = tall < costs.flat_height and wide >= FLAT_RATIO * tall
        flags.append(kinds[k] == kinds[k + 1] == "units" and (small or flat) and not _looped(atom))
    return [False] * len(atoms) if all(flags) else flags


def _looped(atom: Atom) -> bool:
    """Whether an image atom's ink (pixels) encloses paper, as a 0, 6, 8 or 9 does: a small
    digit, never a mark. Strokes (polylines) are never looped here: drawings have no marks."""
    if not atom.fragments or atom.fragments[0][1].shape[0] < 2:
        return False
    points = np.concatenate([p for _, p in atom.fragments]).astype(np.int64)
    if not np.array_equal(points, np.concatenate([p for _, p in atom.fragments])):
        return False  # a polyline's points, not pixels
    low = points.min(axis=0)
    grid = np.zeros(tuple((points.max(axis=0) - low + 3)[::-1]), dtype=bool)
    grid[points[:, 1] - low[1] + 1, points[:, 0] - low[0] + 1] = True
    return int(np.count_nonzero(ndimage.binary_fill_holes(grid) & ~grid)) >= MIN_LOOP_PIXELS


def ones(atoms: Sequence[Atom], boundaries: Sequence[Boundary], height: float) -> list[bool]:
    """Which atoms are thin 1s written apart: units of their own (no cut or stroke group on
    either side) at most ONE_ASPECT times as wide as tall, and at least ONE_MIN_HEIGHT of the
    number's ``height`` tall."""
    kinds = ["units", *(b.kind for b in boundaries), "units"]
    flags = []
    for k, atom in enumerate(atoms):
        left, right, top, bottom = atom.extent
        tall = bottom - top
        upright = right - left <= ONE_ASPECT * tall and tall >= ONE_MIN_HEIGHT * height
        flags.append(kinds[k] == kinds[k + 1] == "units" and upright)
    return flags


def best_split(
    atoms: Sequence[Atom],
    boundaries: Sequence[Boundary],
    height: float,
    confidence: dict[tuple[int, int], float],
    costs: Costs = DRAWING_COSTS,
    penalties: Penalties | None = None,
) -> list[tuple[int, int]]:
    """The best grouping of adjacent atoms into digits (dynamic programming), as (start, stop)
    runs; ``confidence`` holds the top probability of every run that may be a digit. A mark
    (:func:`marks`) may be left out, in no run. ``penalties``: those of these atoms and
    costs (:class:`Penalties`), worked out once when the split is chosen more than once."""
    n = len(atoms)
    fixed = penalties if penalties is not None else _penalties(atoms, boundaries, height, costs, list(confidence))
    starts: dict[int, list[int]] = {}
    for start, stop in confidence:
        starts.setdefault(stop, []).append(start)
    best = [-np.inf] * (n + 1)
    back = [0] * (n + 1)  # where the run ending here starts; -1: this atom was left out
    best[0] = 0.0
    for stop in range(1, n + 1):
        if fixed.skippable[stop - 1]:
            best[stop], back[stop] = best[stop - 1] - costs.mark_skip, -1
        for start in starts.get(stop, []):
            score = best[start] + np.log(max(confidence[(start, stop)], 1e-9))
            run, split = fixed.runs[(start, stop)]
            score -= run
            if start > 0:
                score -= split
            if score > best[stop]:
                best[stop], back[stop] = score, start
    runs = []
    stop = n
    while stop > 0:
        if back[stop] < 0:
            stop -= 1
            continue
        runs.append((back[stop], stop))
        stop = back[stop]
    return runs[::-1]


def best_split_of(
    digits: int,
    atoms: Sequence[Atom],
    confidence: Mapping[tuple[int, int], float | NDArray[np.float64]],
    costs: Costs,
    penalties: Penalties,
) -> list[tuple[int, int]] | None:
    """:func:`best_split` among the splits into exactly ``digits`` digits; None when the atoms
    cannot make that many (too few of them, or no candidate runs that fit). A run's
    ``confidence`` may also be one per place in the number ((``digits``,): how likely the run
    is the digit wanted there)."""
    n = len(atoms)
    best = np.full((n + 1, digits + 1), -np.inf)
    back = np.zeros((n + 1, digits + 1), dtype=np.int64)  # where the run ending here starts; -1: a mark left out
    best[0, 0] = 0.0
    starts: dict[int, list[int]] = {}
    for start, stop in confidence:
        starts.setdefault(stop, []).append(start)
    for stop in range(1, n + 1):
        if penalties.skippable[stop - 1]:
            best[stop], back[stop] = best[stop - 1] - costs.mark_skip, -1
        for start in starts.get(stop, []):
            run, split = penalties.runs[(start, stop)]
            likely = np.broadcast_to(np.asarray(confidence[(start, stop)], dtype=np.float64), (digits,))
            scores = best[start, :-1] + np.log(np.maximum(likely, 1e-9)) - run - (split if start > 0 else 0.0)
            better = np.flatnonzero(scores > best[stop, 1:]) + 1
            best[stop, better], back[stop, better] = scores[better - 1], start
    if not np.isfinite(best[n, digits]):
        return None
    runs = []
    stop, k = n, digits
    while stop > 0:
        start = int(back[stop, k])
        if start < 0:
            stop -= 1
            continue
        runs.append((start, stop))
        stop, k = start, k - 1
    return runs[::-1]


@dataclass(frozen=True)
class Penalties:
    """What the split of one plan's atoms costs besides the runs' confidence: per run, its
    :func:`run_cost` and the :func:`split_cost` of the boundary before it; which atoms are marks."""

    runs: dict[tuple[int, int], tuple[float, float]]
    skippable: list[bool]


def _penalties(
    atoms: Sequence[Atom],
    boundaries: Sequence[Boundary],
    height: float,
    costs: Costs,
    runs: Sequence[tuple[int, int]],
) -> Penalties:
    thin_ones = ones(atoms, boundaries, height)
    return Penalties(
        {
            (i, j): (
                run_cost(atoms, boundaries, i, j, height, costs, thin_ones),
                split_cost(boundaries[i - 1], costs) if i > 0 else 0.0,
            )
            for i, j in runs
        },
        marks(atoms, boundaries, height, costs),
    )


@dataclass(frozen=True)
class Plan:
    """A drawing or image ready for the choice: its atoms, and how to render and box a run of them."""

    atoms: list[Atom]
    boundaries: list[Boundary]  # between atoms[i] and atoms[i + 1]
    height: float  # the number's height, the unit of every length in :class:`Costs`
    render: Callable[[list[list[Fragment]]], Images28]  # runs' ink, each read as one digit → (N, 28, 28)
    box: Callable[[list[Fragment]], Box]
    strokes: bool  # fragments are polylines (a drawing), not pixels
    longest: int = MAX_ATOMS_PER_DIGIT  # atoms one digit may be made of
    # The ink of a run of every atom, when it is more than the atoms' fragments put together: a
    # drawing's own strokes, uncut, so that a drawing read whole reads as the single-digit path
    # reads it (cut parts rendered together differ from the stroke they were cut from).
    whole: tuple[Fragment, ...] = ()
    strip: Callable[[], StripPixels] | None = None  # the whole ink as the number reader's input


def run_fragments(plan: Plan, start: int, stop: int) -> list[Fragment]:
    """The ink of atoms[start:stop] read as one digit."""
    if plan.whole and start == 0 and stop == len(plan.atoms):
        return list(plan.whole)
    return [f for a in plan.atoms[start:stop] for f in a.fragments]


def classify_runs(
    plan: Plan, classifier: Classifier, runs: Sequence[tuple[int, int]] | None = None
) -> dict[tuple[int, int], RunReading]:
    """``runs`` of the plan's atoms (by default every candidate, :func:`candidate_runs`),
    rendered and classified in one batch."""
    if runs is None:
        runs = candidate_runs(plan.boundaries, len(plan.atoms), plan.longest)
    images = plan.render([run_fragments(plan, i, j) for i, j in runs])
    probabilities = classifier.predict_proba(images)
    return {run: (probabilities[k], images[k]) for k, run in enumerate(runs)}


def read_runs(
    plan: Plan,
    classifier: Classifier,
    costs: Costs,
    whole_read: RunReading | None = None,
    *,
    wanted: str = "",
    known: dict[tuple[int, int], RunReading] | None = None,
) -> tuple[dict[tuple[int, int], RunReading], list[tuple[int, int]] | None]:
    """The classified runs and the best split, classifying only the runs that can matter.

    Runs not yet classified count as read with full confidence, an upper bound on their
    score: when the best split under that bound is made of classified runs only, no other
    split can beat it, and it is the split that classifying every run would give. The
    whole ink is read first where it may be one digit (most drawings are), then, for a few
    rounds, the unclassified runs of the current best split; after that, whatever is left.
    A single digit usually takes one or two small batches instead of one of every candidate
    run, and a number a few batches of its likely digits. ``whole_read``: the whole ink's
    probabilities and image, when they were read already; ``known``: runs classified already.
    ``wanted``: the best split into exactly these digits' count (:func:`best_split_of`; None
    when there is none) instead of the best of all, each run counting by how likely the model
    reads it as the digit wanted in its place rather than by its top probability.
    """
    runs = candidate_runs(plan.boundaries, len(plan.atoms), plan.longest)
    fixed = _penalties(plan.atoms, plan.boundaries, plan.height, costs, runs)
    read = dict(known or {})
    places = [int(c) for c in wanted]

    def choose() -> list[tuple[int, int]] | None:
        """The best split so far: runs not read yet count as sure (1.0), an upper bound."""
        if not places:
            confidence = {run: float(read[run][0].max()) if run in read else 1.0 for run in runs}
            return best_split(plan.atoms, plan.boundaries, plan.height, confidence, costs, fixed)
        likely = {run: read[run][0][places] if run in read else 1.0 for run in runs}
        return best_split_of(len(places), plan.atoms, likely, costs, fixed)

    whole = (0, len(plan.atoms))
    if whole in runs and whole not in read:
        read |= {whole: whole_read} if whole_read is not None else classify_runs(plan, classifier, [whole])
    for _ in range(BOUND_ROUNDS):
        split = choose()
        if split is None:
            return read, None
        missing = [run for run in split if run not in read]
        if not missing:
            return read, split
        read |= classify_runs(plan, classifier, missing)
    rest = [run for run in runs if run not in read]
    if rest:
        read |= classify_runs(plan, classifier, rest)
    return read, choose()


def segment(
    plan: Plan,
    classifier: Classifier,
    costs: Costs | None = None,
    whole_read: RunReading | None = None,
    number_reader: NumberReader | None = None,
) -> list[Segment]:
    """Classify the candidate runs of the plan's atoms and keep the best split into digits
    (by ``costs``; by default the drawings' or the images' own).

    With a ``number_reader``, the number is also read whole (:mod:`.number_reader`), and the
    split follows it where the model in use can agree (:func:`follow`). Each segment says
    what the number reader read there.
    """
    if costs is None:
        costs = DRAWING_COSTS if plan.strokes else IMAGE_COSTS
    read, split = read_runs(plan, classifier, costs, whole_read)
    assert split is not None  # a split of any count always exists
    guess = _guess(plan, number_reader)
    if guess is not None:
        read, split = follow(plan, classifier, costs, read, split, guess)
    said = opinions(guess, _digits(read, split)) if guess is not None else [None] * len(split)
    segments = []
    for run, here in zip(split, said, strict=True):
        fragments = run_fragments(plan, *run)
        members = tuple(sorted({m for m, _ in fragments}))
        ink = tuple(p for _, p in fragments) if plan.strokes else ()
        digit, number = (int(here), None) if here is not None and len(here) == 1 else (None, here)
        segments.append(Segment(members, plan.box(fragments), *read[run], ink, digit, number))
    return segments


def opinions(guess: str, digits: str) -> list[str]:
    """What the number reader read (``guess``) at each digit the model read (``digits``):
    its digits one each, in order, when it read as many; else the two readings aligned as
    the fewest changes turn one into the other, and a digit gets the number reader's digit
    it was aligned with, any it read just after it (just before, for the first digit), or
    none ("")."""
    if len(guess) == len(digits):
        return list(guess)
    n, m = len(digits), len(guess)
    cost = np.zeros((n + 1, m + 1), dtype=np.int64)
    cost[:, 0], cost[0, :] = np.arange(n + 1), np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            change = cost[i - 1, j - 1] + (digits[i - 1] != guess[j - 1])
            cost[i, j] = min(change, cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    here = [""] * n
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i, j] == cost[i - 1, j - 1] + (digits[i - 1] != guess[j - 1]):
            here[i - 1] = guess[j - 1] + here[i - 1]
            i, j = i - 1, j - 1
        elif j > 0 and (i == 0 or cost[i, j] == cost[i, j - 1] + 1):
            here[max(i - 1, 0)] = guess[j - 1] + here[max(i - 1, 0)]  # read between digits: the one before
            j -= 1
        else:
            i -= 1  # a digit the number reader did not read
    return here


def _digits(read: dict[tuple[int, int], RunReading], split: Sequence[tuple[int, int]]) -> str:
    return "".join(str(int(np.argmax(read[run][0]))) for run in split)


def follow(
    plan: Plan,
    classifier: Classifier,
    costs: Costs,
    read: dict[tuple[int, int], RunReading],
    split: list[tuple[int, int]],
    guess: str,
) -> tuple[dict[tuple[int, int], RunReading], list[tuple[int, int]]]:
    """The split to keep, given what the number reader read.

    When the number reader reads at least as many digits as a split of two or more has, and
    not the same ones, the split into its count of digits that the model finds likeliest to be
    its digits is tried: where the model reads every digit of that split as the number reader
    does, it is kept. Otherwise the split stays, and a digit the model is sure of but the
    number reader reads otherwise, or not as one digit, is "not sure" (:func:`opinions`,
    :mod:`digitcanvas.reading.doubt`).

    Chosen on validation writers and scans (``python -m lab.evaluate.real_numbers --part val``):
    the number reader is weakest at thin 1s, which it leaves out, so its fewer digits are never
    followed; keeping its count where the model does not read its digits was worse than
    keeping the split (real pen numbers 89.4 % exact instead of 91.3 %, scans 53.9 % instead
    of 58.8 %); and a single digit is never split for it, which cut 2 of 1,000 single UNIPEN
    digits in images in two and changed no number's reading.
    """
    if len(split) < 2 or len(guess) < len(split) or _digits(read, split) == guess:
        return read, split
    read, wanted = read_runs(plan, classifier, costs, wanted=guess, known=read)
    if wanted is not None and _digits(read, wanted) == guess:
        return read, wanted
    return read, split


def _guess(plan: Plan, number_reader: NumberReader | None) -> str | None:
    """The number reader's reading of the plan's ink; None without one or when it cannot run."""
    if number_reader is None or plan.strip is None:
        return None
    try:
        return number_reader.read(plan.strip())
    except ModelRunError:
        return None


def plan_drawing(
    drawing: Drawing, options: PreprocessOptions = DEFAULT_OPTIONS, units: tuple[Ink, list[Unit]] | None = None
) -> Plan:
    """Atoms of a drawing's strokes (``units``: its ink and units, when found already); raises
    ``EmptyInputError`` for an empty drawing."""
    if drawing.is_empty:
        raise EmptyInputError("the drawing is empty")
    ink, found = units or drawing_units(drawing)
    atoms, boundaries = build_atoms(ink, found, thickness=0.0)

    def render(runs: list[list[Fragment]]) -> Images28:
        return preprocess_many([([p for _, p in fragments], drawing.pen_width) for fragments in runs], options)

    def box(fragments: list[Fragment]) -> Box:
        return _points_box(np.concatenate([p for _, p in fragments]), drawing.pen_width)

    whole = tuple(enumerate(drawing.strokes))
    return Plan(
        atoms,
        boundaries,
        ink.height,
        render,
        box,
        strokes=True,
        whole=whole,
        strip=lambda: strokes_strip(drawing.strokes),
    )


def _one_piece(ink: Ink, units: Sequence[Unit]) -> bool:
    """One unit of one group of strokes, no wider than :data:`ONE_DIGIT_WIDTH` times its height."""
    if len(units) != 1 or units[0].right - units[0].left > ONE_DIGIT_WIDTH * ink.height:
        return False
    return len(stroke_groups(units[0], ink.extents, ink.height)) == 1


def segment_drawing(
    classifier: Classifier,
    drawing: Drawing,
    options: PreprocessOptions = DEFAULT_OPTIONS,
    costs: Costs = DRAWING_COSTS,
    number_reader: NumberReader | None = None,
) -> list[Segment]:
    """Split a drawing into digits, left to right, each classified as a single digit would be.

    A drawing of one piece no wider than a digit (:data:`ONE_DIGIT_WIDTH`) is read whole
    first: when the model is sure of it, it is that digit, and no cuts are weighed.
    """
    if drawing.is_empty:
        raise EmptyInputError("the drawing is empty")
    ink, units = drawing_units(drawing)
    whole_read = None
    if _one_piece(ink, units):
        image = preprocess_many([(list(drawing.strokes), drawing.pen_width)], options)
        whole_read = (classifier.predict_proba(image)[0], image[0])
        if assess(whole_read[0], classifier.doubt_threshold).sure:
            return [Segment(tuple(range(len(drawing.strokes))), ink_box(drawing), *whole_read, drawing.strokes)]
    return segment(plan_drawing(drawing, options, (ink, units)), classifier, costs, whole_read, number_reader)


def _points_box(points: Points, pen_width: float) -> Box:
    low, high = points.min(axis=0), points.max(axis=0)
    pad = pen_width / 2 + BOX_MARGIN
    return (
        float(low[0] - pad),
        float(low[1] - pad),
        float(high[0] - low[0] + 2 * pad),
        float(high[1] - low[1] + 2 * pad),
    )


def ink_box(drawing: Drawing) -> Box:
    """The box around a drawing's ink (pen included, a little margin), in canvas px."""
    return _points_box(drawing.points(), drawing.pen_width)


def plan_image(pixels: NDArray[np.generic]) -> Plan:
    """Atoms of an image's connected ink (rule lines and frames removed, a small scan enlarged:
    :mod:`.page`); raises ``EmptyInputError`` when no ink stands out."""
    page = prepare(ink_map(pixels))
    ink_levels = page.ink
    mask = ink_levels > CORE_INK  # the strokes' cores; anti-aliased fringes join back in render()
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    sizes = ndimage.sum_labels(mask, labels, index=np.arange(1, count + 1))
    slices = ndimage.find_objects(labels)
    pieces = []
    for index in range(1, count + 1):
        if sizes[index - 1] >= MIN_COMPONENT_PIXELS_FRACTION * mask.size:
            r, c = slices[index - 1]
            rows, cols = np.nonzero(labels[r, c] == index)
            pieces.append(np.column_stack([cols + c.start, rows + r.start]).astype(np.float64))
    if not pieces:
        raise EmptyInputError("the image has no ink that stands out from its background")
    ink = Ink(pieces, image_slant(ink_levels), polyline=False)
    units = merge_overlapping(ink.extents, ink.height)
    thickness = pen_width(mask)
    atoms, boundaries = build_atoms(ink, units, thickness=thickness, longest=IMAGE_ATOMS_PER_DIGIT)

    def region(fragments: list[Fragment]) -> tuple[NDArray[np.int64], int, int]:
        points = np.concatenate([p for _, p in fragments]).astype(np.int64)
        top, left = points[:, 1].min() - DILATION - 1, points[:, 0].min() - DILATION - 1
        return points, int(top), int(left)

    def render(runs: list[list[Fragment]]) -> Images28:
        return np.stack([render_one(fragments) for fragments in runs])

    def render_one(fragments: list[Fragment]) -> Image28:
        points, top, left = region(fragments)
        shape = (int(points[:, 1].max()) - top + DILATION + 2, int(points[:, 0].max()) - left + DILATION + 2)
        selected = np.zeros(shape, dtype=bool)
        selected[points[:, 1] - top, points[:, 0] - left] = True
        selected = ndimage.binary_dilation(selected, iterations=DILATION)
        padded = np.pad(ink_levels, DILATION + 1)[top + DILATION + 1 :, left + DILATION + 1 :][: shape[0], : shape[1]]
        return preprocess_image(np.where(selected, padded, 0.0))

    def box(fragments: list[Fragment]) -> Box:  # in the image's px, also when the page was enlarged
        points, _, _ = region(fragments)
        low, high = points.min(axis=0), points.max(axis=0) + 1
        return (
            float(low[0] / page.scale),
            float(low[1] / page.scale),
            float((high[0] - low[0]) / page.scale),
            float((high[1] - low[1]) / page.scale),
        )

    def strip() -> StripPixels:
        return ink_strip(ink_levels)

    return Plan(atoms, boundaries, ink.height, render, box, strokes=False, longest=IMAGE_ATOMS_PER_DIGIT, strip=strip)


def segment_image(
    classifier: Classifier,
    pixels: NDArray[np.generic],
    costs: Costs = IMAGE_COSTS,
    number_reader: NumberReader | None = None,
) -> list[Segment]:
    """Split an image's connected ink into digits, left to right, and classify each."""
    return segment(plan_image(pixels), classifier, costs, number_reader=number_reader)
