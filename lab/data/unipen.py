"""UNIPEN pen-written digits: loading, the writer-disjoint split, and laying them on a canvas.

Samples come from ``digits.jsonl.gz`` (see the data set's README): strokes in device
units that vary per source. :func:`to_canvas` places a sample on the app's canvas the
way a user draws, so that the lab measures exactly the app's path.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from digitcanvas.drawing.strokes import CANVAS_SIZE, DEFAULT_PEN_WIDTH, Drawing

Strokes = tuple[np.ndarray, ...]  # (N, 2) float64 each, device units, y down

DEFAULT_CANVAS = CANVAS_SIZE  # the app's canvas, so the lab measures what users draw on
DRAW_HEIGHT_FRACTION = 0.6  # people draw a digit about 60 % of the canvas tall
SPLIT_FRACTIONS = {"train": 0.6, "val": 0.15, "test": 0.25}  # by samples, writers kept whole


@dataclass(frozen=True)
class PenSample:
    label: int
    source: str
    writer: str
    strokes: tuple[np.ndarray, ...]

    @property
    def writer_key(self) -> str:
        return f"{self.source}/{self.writer}"


def read_records(path: str | os.PathLike[str], file_name: str) -> Iterator[tuple[dict[str, Any], Strokes]]:
    """Each record of a UNIPEN JSON Lines file (gzip or plain; in a folder, its ``file_name``)
    with its strokes as (N, 2) float64 arrays."""
    path = Path(path)
    if path.is_dir():
        path = path / file_name
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                yield record, tuple(np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in record["strokes"])


def load_samples(path: str | os.PathLike[str]) -> list[PenSample]:
    """All samples of a UNIPEN digits JSON Lines file (gzip or plain)."""
    return [
        PenSample(int(record["label"]), record["source"], str(record["writer"]), strokes)
        for record, strokes in read_records(path, "digits.jsonl.gz")
    ]


def writer_split(samples: Iterable[PenSample]) -> dict[str, str]:
    """Map each writer (``source/writer``) to "train", "val" or "test".

    Within each source, writers are ordered by a stable hash of their key and cut so
    that about 60 / 15 / 25 % of that source's samples fall in train / val / test.
    No writer appears in two parts; the result never changes between runs.
    """
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for sample in samples:
        counts[sample.source][sample.writer_key] += 1
    assignment: dict[str, str] = {}
    for writers in counts.values():
        ordered = sorted(writers, key=lambda k: hashlib.md5(k.encode()).hexdigest())
        total = sum(writers.values())
        seen = 0
        for key in ordered:
            middle = (seen + writers[key] / 2) / total
            if middle < SPLIT_FRACTIONS["train"]:
                assignment[key] = "train"
            elif middle < SPLIT_FRACTIONS["train"] + SPLIT_FRACTIONS["val"]:
                assignment[key] = "val"
            else:
                assignment[key] = "test"
            seen += writers[key]
    return assignment


def select(samples: list[PenSample], part: str) -> list[PenSample]:
    split = writer_split(samples)
    return [s for s in samples if split[s.writer_key] == part]


def to_canvas(
    sample: PenSample,
    *,
    canvas: tuple[int, int] = DEFAULT_CANVAS,
    height_fraction: float = DRAW_HEIGHT_FRACTION,
    pen_width: float = DEFAULT_PEN_WIDTH,
    round_to_pixels: bool = True,
) -> Drawing:
    """Lay a sample on a canvas as a user would draw it: scaled so the digit is
    ``height_fraction`` of the canvas tall (wide digits capped to the canvas width),
    centred, points rounded to whole pixels like mouse positions."""
    width, height = canvas
    points = np.concatenate(sample.strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    size = np.maximum(high - low, 1e-9)
    scale = min(height * height_fraction / size[1], width * 0.9 / size[0])
    centre = (low + high) / 2
    target = np.array([width / 2, height / 2])
    strokes = []
    for stroke in sample.strokes:
        placed = (stroke - centre) * scale + target
        strokes.append(np.round(placed) if round_to_pixels else placed)
    return Drawing(tuple(strokes), width, height, pen_width)
