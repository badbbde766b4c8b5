"""The personal collection: drawings saved with their true label, one file each.

Files are ordinary drawing files (see :mod:`digitcanvas.drawing`) with a ``label``
key, named ``<label>-<timestamp>-<n>.json`` and written atomically.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .drawing import Drawing, DrawingFileError, load_drawing, save_drawing
from .inference import Classifier
from .preprocessing import preprocess_drawing

COLLECTION_GLOB = "*.json"


@dataclass(frozen=True)
class CollectionScan:
    drawings: list[Drawing]
    paths: list[Path]
    problems: list[str]  # one message per file that could not be used


def scan_collection(folder: str | os.PathLike[str]) -> CollectionScan:
    """Every labelled drawing in ``folder`` (recursively); bad files are listed, not fatal."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DrawingFileError(f"{folder}: not a folder")
    drawings, paths, problems = [], [], []
    for path in sorted(folder.rglob(COLLECTION_GLOB)):
        if path.name.startswith("."):
            continue  # temporary files of an interrupted save
        try:
            drawing = load_drawing(path)
        except DrawingFileError as e:
            problems.append(str(e))
            continue
        if drawing.label is None:
            problems.append(f"{path}: has no label")
        elif drawing.is_empty:
            problems.append(f"{path}: the drawing is empty")
        else:
            drawings.append(drawing)
            paths.append(path)
    return CollectionScan(drawings, paths, problems)


def load_collection(folder: str | os.PathLike[str]) -> list[Drawing]:
    """The labelled drawings of a collection folder (unusable files skipped)."""
    return scan_collection(folder).drawings


def add_to_collection(drawing: Drawing, label: int, folder: str | os.PathLike[str]) -> Path:
    """Save ``drawing`` with its true ``label`` as a new file in ``folder``; returns its path."""
    if not 0 <= label <= 9:
        raise ValueError(f"label must be a digit 0-9, got {label}")
    if drawing.is_empty:
        raise ValueError("cannot save an empty drawing")
    folder = Path(folder)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    n = 0
    while (path := folder / f"{label}-{stamp}-{n}.json").exists():
        n += 1
    save_drawing(drawing.with_label(label), path)
    return path


@dataclass(frozen=True)
class CollectionScore:
    """How a model does on a personal collection."""

    count: int
    correct: int
    misses: list[tuple[int, int, int]]  # (digit, times missed, times seen), most missed first

    @property
    def accuracy(self) -> float:
        return self.correct / self.count if self.count else float("nan")

    def summary(self) -> str:
        if not self.count:
            return "No drawings yet: after a guess, press the right digit key (or click its bar) to keep it."
        text = f"{self.count} drawing{'s' * (self.count != 1)} · this model gets {self.accuracy:.1%}"
        worst = [m for m in self.misses if m[1] > 0][:2]
        if worst:
            text += " · misses " + ", ".join(f"{d} ({wrong}/{seen})" for d, wrong, seen in worst)
        return text


def score_predictions(predicted: Sequence[int], labels: Sequence[int]) -> CollectionScore:
    seen = [0] * 10
    wrong = [0] * 10
    for p, label in zip(predicted, labels, strict=True):
        seen[label] += 1
        wrong[label] += p != label
    misses = sorted(((d, wrong[d], seen[d]) for d in range(10) if seen[d]), key=lambda m: (-m[1], m[0]))
    return CollectionScore(len(labels), len(labels) - sum(wrong), misses)


def predict_collection(classifier: Classifier, drawings: Sequence[Drawing]) -> list[int]:
    """The classifier's digit for each drawing (the app's preprocessing, batched)."""
    if not drawings:
        return []
    images = np.stack([preprocess_drawing(d) for d in drawings])
    return [int(p) for p in classifier.predict_proba(images).argmax(axis=1)]
