"""The personal collection's state: its kept drawings and what the current model reads in each. No Qt.

:class:`Collection` holds a collection folder's state for the window: its entries, what
the current model reads in each, and the summary line. Opening a collection reads nothing
(start-up stays fast whatever its size); the files, their limits and the scan are
:mod:`digitcanvas.collection.folder`'s. :func:`predict_collection` reads the drawings in batches
(safe to run off the GUI thread) and :func:`score_predictions` sums up how a model does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from digitcanvas.collection.folder import (
    Cancelled,
    CollectionScan,
    CollectionTotals,
    Entry,
    Progress,
    ScanCancelled,
    add_to_collection,
    check_folder,
    collection_payload,
    remove_file,
    remove_stale_staging,
    scan_collection,
)
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, DrawingWriteError
from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.reading.reader import Reader
from digitcanvas.util.files import describe_os_error, remove_stale_temporaries, write_new


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
    seen = [0] * NUM_CLASSES
    wrong = [0] * NUM_CLASSES
    for p, label in zip(predicted, labels, strict=True):
        seen[label] += 1
        wrong[label] += p != label
    misses = sorted(((d, wrong[d], seen[d]) for d in range(NUM_CLASSES) if seen[d]), key=lambda m: (-m[1], m[0]))
    return CollectionScore(len(labels), len(labels) - sum(wrong), misses)


PREDICT_CHUNK = 256  # drawings preprocessed and classified at a time (bounded memory, progress)


def predict_collection(
    reader: Reader,
    drawings: Sequence[Drawing],
    *,
    on_progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> list[int]:
    """The model's top digit for each drawing (the app's preprocessing, in batches).

    Safe off the GUI thread; ``on_progress`` and ``cancelled`` as in
    :func:`~digitcanvas.collection.folder.scan_collection`.
    Raises ``ModelRunError`` when the model fails on them.
    """
    predicted: list[int] = []
    for start in range(0, len(drawings), PREDICT_CHUNK):
        if cancelled is not None and cancelled():
            raise ScanCancelled
        if on_progress is not None:
            on_progress(start, len(drawings))
        predicted += [r.digits[0].digit for r in reader.read_drawings(drawings[start : start + PREDICT_CHUNK])]
    if on_progress is not None and drawings:
        on_progress(len(drawings), len(drawings))
    return predicted


class Collection:
    """A collection folder's state: its entries and the current model's reading of each.

    ``Collection(folder)`` is an empty collection (its folder made on the first keep);
    :meth:`open` returns at once and reads the files on first use of :attr:`entries` (or
    :meth:`load`, which a window runs off its GUI thread with progress and cancellation).
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        entries: Sequence[Entry] | None = None,
        problems: Sequence[str] | None = None,
        predictions: Sequence[int] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self._entries: list[Entry] | None = list(entries or [])
        self._problems = list(problems or [])
        self._predictions: list[int] | None = None if predictions is None else list(predictions)
        self.temporaries_removed = 0  # stale temporaries of killed saves, removed by open()
        self._totals: CollectionTotals | None = None  # of the entries: counted on the first keep, then kept up

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> Collection:
        """The collection in ``folder``, without reading it yet (fast, whatever its size).

        Removes temporaries that killed saves left there. A missing folder is an empty
        collection (made on the first keep). Raises :class:`DrawingFileError` when
        ``folder`` is a file or cannot be opened.
        """
        folder = Path(folder)
        collection = cls(folder)
        if check_folder(folder):
            collection._entries = None  # read on first use
            collection.temporaries_removed = remove_stale_temporaries(folder) + remove_stale_staging(folder)
        return collection

    @property
    def loaded(self) -> bool:
        """True once the files are read (always for a collection made from entries)."""
        return self._entries is not None

    def load(self, *, on_progress: Progress | None = None, cancelled: Cancelled | None = None) -> bool:
        """Read the folder now (see :func:`~digitcanvas.collection.folder.scan_collection`);
        False if cancelled (still unread).

        Bad files and a folder gone meanwhile become :attr:`problems`, never an exception
        besides the caller's own.
        """
        if self._entries is not None:
            return True
        try:
            scan = scan_collection(self.folder, on_progress=on_progress, cancelled=cancelled)
        except ScanCancelled:
            return False
        except DrawingFileError as e:
            scan = CollectionScan([], [str(e)])
        self._entries, self._problems = list(scan.entries), list(scan.problems)
        self._totals = None
        return True

    @property
    def entries(self) -> list[Entry]:
        if self._entries is None:
            self.load()
        assert self._entries is not None
        return self._entries

    @property
    def problems(self) -> list[str]:
        """One message per file that could not be used (read on first use, like entries)."""
        if self._entries is None:
            self.load()
        return self._problems

    @property
    def labels(self) -> list[int]:
        return [e.label for e in self.entries]

    @property
    def drawings(self) -> list[Drawing]:
        return [e.drawing for e in self.entries]

    def rescore(self, reader: Reader | None, *, predictions: Sequence[int] | None = None) -> None:
        """Read every kept drawing with ``reader`` (None: no model, nothing to score).

        ``predictions``: the digits already read (off the GUI thread, with
        :func:`predict_collection` on :attr:`drawings`), one per entry, in order.
        """
        if predictions is not None:
            if len(predictions) != len(self.entries):
                raise ValueError(f"{len(predictions)} predictions for {len(self.entries)} entries")
            self._predictions = list(predictions)
            return
        self._predictions = None if reader is None else predict_collection(reader, self.drawings)

    def totals(self) -> CollectionTotals:
        """What the kept drawings hold together (files, points, strokes, bytes), against the limits."""
        return CollectionTotals.of(self.entries)

    def adopt(self, entries: Sequence[Entry], predictions: Sequence[int] | None = None) -> None:
        """Add entries whose files are already in the folder (an import wrote them, off the
        GUI thread); ``predictions``: the current model's digit for each, when read."""
        held = {entry.path for entry in self.entries}  # kept here meanwhile, and found by the import too
        fresh = [i for i, entry in enumerate(entries) if entry.path not in held]
        self.entries.extend(entries[i] for i in fresh)
        self._totals = None
        if self._predictions is not None and predictions is not None and len(predictions) == len(entries):
            self._predictions += [predictions[i] for i in fresh]
        elif fresh:
            self._predictions = None  # not scored: rescore() before the next summary

    def add(self, drawing: Drawing, label: int, reader: Reader | None = None) -> Entry:
        """Keep ``drawing`` as ``label`` (a new file); ``reader`` scores it for the summary.

        Raises :class:`DrawingWriteError` when the collection would then hold more than its
        limits (it could not all be read back), besides what writing the file raises."""
        entries = self.entries  # read the folder first, or the new file would be listed twice
        # (a label that is no digit: add_to_collection says so)
        size = len(collection_payload(drawing.with_label(label), self.folder)) if 0 <= label <= 9 else 0
        if self._totals is None:
            self._totals = self.totals()
        over = self._totals.over(drawing, size)
        if over is not None:
            raise DrawingWriteError(f"{self.folder}: cannot keep this drawing: {over}")
        path = add_to_collection(drawing, label, self.folder)
        entry = Entry(path, drawing.with_label(label))
        entries.append(entry)
        self._totals.add(entry.drawing, size)
        if self._predictions is not None and reader is not None:
            self._predictions += predict_collection(reader, [entry.drawing])
        else:
            self._predictions = None  # not scored: rescore() before the next summary
        return entry

    def relabel(self, entry: Entry, label: int, reader: Reader | None = None) -> Entry:
        """Give a kept drawing another label: a new file under the new label, the old one removed."""
        index = self._index(entry)
        new = Entry(add_to_collection(entry.drawing, label, self.folder), entry.drawing.with_label(label))
        remove_file(entry.path)
        self.entries[index] = new
        if self._predictions is not None and reader is not None:
            self._predictions[index] = predict_collection(reader, [new.drawing])[0]
        elif reader is None:
            self._predictions = None
        return new

    def entry_for(self, drawing: Drawing) -> Entry | None:
        """The entry holding this drawing's ink (pen and label aside), newest first; None when
        it is not kept. Undo looks entries up this way: a relabel writes a new file (its name
        has the label and the second it was written), so an entry held from before may be stale."""
        return next((e for e in reversed(self.entries) if e.drawing.same_ink(drawing)), None)

    def remove(self, entry: Entry) -> int:
        """Delete a kept drawing's file; returns its position, for :meth:`restore`."""
        index = self._index(entry)
        remove_file(entry.path)
        del self.entries[index]
        self._totals = None
        if self._predictions is not None:
            del self._predictions[index]
        return index

    def restore(self, entry: Entry, index: int, reader: Reader | None = None) -> Entry:
        """Undo :meth:`remove`: write the drawing back (under its old name when still free)."""
        entries = self.entries  # read the folder first, or the restored file would be listed twice
        try:
            path = write_new(entry.path, collection_payload(entry.drawing, self.folder))
        except FileExistsError:
            path = add_to_collection(entry.drawing, entry.label, self.folder)
        except OSError as e:
            raise DrawingWriteError(f"{entry.path}: cannot restore the drawing ({describe_os_error(e)})") from e
        restored = Entry(path, entry.drawing)
        index = min(max(index, 0), len(entries))
        entries.insert(index, restored)
        self._totals = None
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
