"""UNIPEN real pen numbers (whole numbers written in one go): loading, the writer split, the canvas.

``numbers.jsonl.gz`` (see the data set's README) holds numbers as people wrote them on pen
tablets: digits touching, joined by cursive links, thin 1s. Each record is one number with
its writer; units are each device's own, so :func:`to_canvas` scales a number onto the
app's canvas the way a person would write it there.

Writers are split into ``val`` and ``test`` (about half the numbers each, writers kept
whole, within each source) by a seeded hash of their id: tune on ``val``, count ``test``
once. Nothing here is copied into the project.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from digitcanvas.drawing.strokes import CANVAS_SIZE, DEFAULT_PEN_WIDTH, Drawing
from lab.data.unipen import read_records

NUMBERS_FILE = "numbers.jsonl.gz"
PARTS = ("val", "test")  # half the numbers each, by writer
SPLIT_SEED = "digitcanvas-numbers-24"  # mixed into the writer hash: the split never changes
# A number is written about as tall as a single digit is drawn (60 % of the canvas), unless
# it is too long for the canvas's width: then it is as wide as 90 % of the canvas.
HEIGHT_FRACTION = 0.6
WIDTH_FRACTION = 0.9
# The on-screen pen, scaled with the writing: 18 px on a 240 px tall digit (what the app's
# default pen is on a digit 60 % of its canvas tall), never over the default.
PEN_PER_HEIGHT = DEFAULT_PEN_WIDTH / (HEIGHT_FRACTION * CANVAS_SIZE[1])
MIN_PEN_WIDTH = 3.0  # px: the thinnest pen the window offers is about this


@dataclass(frozen=True)
class PenNumber:
    label: str  # the digits, leading zeros kept ("0123456789")
    source: str
    writer: str  # unique across sources
    strokes: tuple[np.ndarray, ...]  # (N, 2) float64, device units, y down


def load_numbers(path: str | os.PathLike[str]) -> list[PenNumber]:
    """Every number of a UNIPEN numbers JSON Lines file (or its folder), gzip or plain."""
    numbers = []
    for record, strokes in read_records(path, NUMBERS_FILE):
        label = str(record["label"])
        if not label.isdigit():
            raise ValueError(f"{path}: label {label!r} is not a string of digits")
        numbers.append(PenNumber(label, str(record["source"]), str(record["writer"]), strokes))
    return numbers


def writer_split(numbers: Iterable[PenNumber]) -> dict[str, str]:
    """Each writer mapped to "val" or "test": within each source, writers ordered by a seeded
    hash of their id and cut where half of that source's numbers are reached."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for number in numbers:
        counts[number.source][number.writer] += 1
    assignment: dict[str, str] = {}
    for writers in counts.values():
        ordered = sorted(writers, key=lambda w: hashlib.sha256(f"{SPLIT_SEED}/{w}".encode()).hexdigest())
        total, seen = sum(writers.values()), 0
        for writer in ordered:
            middle = (seen + writers[writer] / 2) / total
            assignment[writer] = PARTS[0] if middle < 0.5 else PARTS[1]
            seen += writers[writer]
    return assignment


def select(numbers: list[PenNumber], part: str) -> list[PenNumber]:
    """The numbers of ``part``'s writers ("val", "test"; "all" for every number)."""
    if part == "all":
        return list(numbers)
    split = writer_split(numbers)
    return [n for n in numbers if split[n.writer] == part]


def to_canvas(number: PenNumber, *, canvas: tuple[int, int] = CANVAS_SIZE) -> Drawing:
    """The number on the app's canvas as a person would write it there: HEIGHT_FRACTION of the
    canvas tall, or WIDTH_FRACTION of it wide when that is smaller, centred, points rounded to
    whole pixels like mouse positions, with a pen in proportion to the writing."""
    width, height = canvas
    points = np.concatenate(number.strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    size = np.maximum(high - low, 1e-9)
    scale = min(height * HEIGHT_FRACTION / size[1], width * WIDTH_FRACTION / size[0])
    centre = (low + high) / 2
    target = np.array([width / 2, height / 2])
    strokes = tuple(np.round((s - centre) * scale + target) for s in number.strokes)
    pen = float(np.clip(PEN_PER_HEIGHT * size[1] * scale, MIN_PEN_WIDTH, DEFAULT_PEN_WIDTH))
    return Drawing(strokes, width, height, pen)
