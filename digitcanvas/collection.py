"""The personal collection: drawings saved with their true label, one file each.

Files are ordinary drawing files (see :mod:`digitcanvas.drawing`) with a ``label``
key, named ``<label>-<timestamp>-<n>.json`` and written atomically.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .drawing import Drawing, DrawingFileError, load_drawing, save_drawing

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
