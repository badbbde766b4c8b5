"""The personal collection: drawings kept with their true label, one file each. No Qt.

Files are ordinary drawing files (see :mod:`digitcanvas.drawing`) with a ``label`` key,
named ``<label>-<timestamp>-<n>.json``. :class:`Collection` holds the folder's state for
the window: its entries, what the current model reads in each, and the summary line.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .drawing import Drawing, DrawingFileError, DrawingWriteError, load_drawing
from .fileio import describe_os_error, write_new
from .preprocessing import NUM_CLASSES, preprocess_drawing
from .reader import Reader

COLLECTION_GLOB = "*.json"
MAX_NAME_ATTEMPTS = 10_000  # files kept within one second under one label


@dataclass(frozen=True)
class Entry:
    """One kept drawing and its file."""

    path: Path
    drawing: Drawing

    @property
    def label(self) -> int:
        assert self.drawing.label is not None
        return self.drawing.label


@dataclass(frozen=True)
class CollectionScan:
    entries: list[Entry]
    problems: list[str]  # one message per file that could not be used

    @property
    def drawings(self) -> list[Drawing]:
        return [e.drawing for e in self.entries]

    @property
    def paths(self) -> list[Path]:
        return [e.path for e in self.entries]


def scan_collection(folder: str | os.PathLike[str]) -> CollectionScan:
    """Every labelled drawing in ``folder`` (recursively); bad files are listed, not fatal."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DrawingFileError(f"{folder}: not a folder")
    entries, problems = [], []
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
            entries.append(Entry(path, drawing))
    return CollectionScan(entries, problems)


def load_collection(folder: str | os.PathLike[str]) -> list[Drawing]:
    """The labelled drawings of a collection folder (unusable files skipped)."""
    return scan_collection(folder).drawings


def _payload(drawing: Drawing) -> bytes:
    return json.dumps(drawing.to_dict(), separators=(",", ":")).encode("utf-8")


def add_to_collection(drawing: Drawing, label: int, folder: str | os.PathLike[str]) -> Path:
    """Save ``drawing`` with its true ``label`` as a new file in ``folder``; returns its path.

    The name is taken exclusively: two processes keeping drawings at once never overwrite
    each other's files. Raises ``ValueError`` (bad label, empty drawing) or
    :class:`DrawingWriteError`.
    """
    if not 0 <= label < NUM_CLASSES:
        raise ValueError(f"label must be a digit 0-9, got {label}")
    if drawing.is_empty:
        raise ValueError("cannot save an empty drawing")
    folder = Path(folder)
    payload = _payload(drawing.with_label(label))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(MAX_NAME_ATTEMPTS):
        path = folder / f"{label}-{stamp}-{n}.json"
        try:
            return write_new(path, payload)
        except FileExistsError:
            continue
        except OSError as e:
            raise DrawingWriteError(f"{path}: cannot keep the drawing here ({describe_os_error(e)})") from e
    raise DrawingWriteError(f"{folder}: no free file name for label {label} (over {MAX_NAME_ATTEMPTS} this second)")


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


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as e:
        raise DrawingWriteError(f"{path}: cannot remove the file ({describe_os_error(e)})") from e


def score_predictions(predicted: Sequence[int], labels: Sequence[int]) -> CollectionScore:
    seen = [0] * NUM_CLASSES
    wrong = [0] * NUM_CLASSES
    for p, label in zip(predicted, labels, strict=True):
        seen[label] += 1
        wrong[label] += p != label
    misses = sorted(((d, wrong[d], seen[d]) for d in range(NUM_CLASSES) if seen[d]), key=lambda m: (-m[1], m[0]))
    return CollectionScore(len(labels), len(labels) - sum(wrong), misses)


def predict_collection(reader: Reader, drawings: Sequence[Drawing]) -> list[int]:
    """The model's top digit for each drawing (the app's preprocessing, one batch)."""
    if not drawings:
        return []
    images = np.stack([preprocess_drawing(d, reader.options) for d in drawings])
    return [r.digits[0].digit for r in reader.read_images28(images)]


@dataclass
class Collection:
    """A collection folder's state: its entries and the current model's reading of each."""

    folder: Path
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _predictions: list[int] | None = None

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> Collection:
        """The collection in ``folder``; a missing folder is an empty collection (made on the first keep)."""
        folder = Path(folder)
        if not folder.exists():
            return cls(folder)
        scan = scan_collection(folder)
        return cls(folder, list(scan.entries), list(scan.problems))

    @property
    def labels(self) -> list[int]:
        return [e.label for e in self.entries]

    @property
    def drawings(self) -> list[Drawing]:
        return [e.drawing for e in self.entries]

    def rescore(self, reader: Reader | None) -> None:
        """Read every kept drawing with ``reader`` (None: no model, nothing to score)."""
        self._predictions = None if reader is None else predict_collection(reader, self.drawings)

    def add(self, drawing: Drawing, label: int, reader: Reader | None = None) -> Entry:
        """Keep ``drawing`` as ``label`` (a new file); ``reader`` scores it for the summary."""
        path = add_to_collection(drawing, label, self.folder)
        entry = Entry(path, drawing.with_label(label))
        self.entries.append(entry)
        if self._predictions is not None and reader is not None:
            self._predictions += predict_collection(reader, [entry.drawing])
        else:
            self._predictions = None  # not scored: rescore() before the next summary
        return entry

    def relabel(self, entry: Entry, label: int, reader: Reader | None = None) -> Entry:
        """Give a kept drawing another label: a new file under the new label, the old one removed."""
        index = self._index(entry)
        new = Entry(add_to_collection(entry.drawing, label, self.folder), entry.drawing.with_label(label))
        _unlink(entry.path)
        self.entries[index] = new
        if self._predictions is not None and reader is not None:
            self._predictions[index] = predict_collection(reader, [new.drawing])[0]
        elif reader is None:
            self._predictions = None
        return new

    def remove(self, entry: Entry) -> int:
        """Delete a kept drawing's file; returns its position, for :meth:`restore`."""
        index = self._index(entry)
        _unlink(entry.path)
        del self.entries[index]
        if self._predictions is not None:
            del self._predictions[index]
        return index

    def restore(self, entry: Entry, index: int, reader: Reader | None = None) -> Entry:
        """Undo :meth:`remove`: write the drawing back (under its old name when still free)."""
        try:
            path = write_new(entry.path, _payload(entry.drawing))
        except FileExistsError:
            path = add_to_collection(entry.drawing, entry.label, self.folder)
        except OSError as e:
            raise DrawingWriteError(f"{entry.path}: cannot restore the drawing ({describe_os_error(e)})") from e
        restored = Entry(path, entry.drawing)
        index = min(max(index, 0), len(self.entries))
        self.entries.insert(index, restored)
        if self._predictions is not None and reader is not None:
            self._predictions.insert(index, predict_collection(reader, [restored.drawing])[0])
        elif self._predictions is not None:
            self._predictions = None
        return restored

    def _index(self, entry: Entry) -> int:
        for i, e in enumerate(self.entries):
            if e.path == entry.path:
                return i
        raise KeyError(f"{entry.path} is not in this collection")

    def predictions(self) -> list[int] | None:
        """The current model's digit for each entry, in order (None: no model)."""
        return None if self._predictions is None else list(self._predictions)

    def summary(self) -> str:
        if self._predictions is None and self.entries:
            return f"{len(self.entries)} drawings (no model to score them)"
        return score_predictions(self._predictions or [], self.labels).summary()
