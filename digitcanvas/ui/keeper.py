"""Keeping drawings in the personal collection, as the window does it.

One drawing is one entry: pressing another digit for the drawing on the canvas relabels
its entry instead of keeping a second copy, and each keep or relabel can be undone. The
files and the scoring are :class:`~digitcanvas.collection.Collection`'s; this module adds
that rule and the words the window shows about the collection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..collection import Collection, Entry, score_predictions
from ..drawing import Drawing, DrawingFileError
from ..reader import Reader

MISSES_SHOWN = 2  # the summary names the digits the model misses most, at most this many


def a_digit(digit: int) -> str:
    """ "a 7", "an 8": the article English uses before the digit's spoken name."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


def same_ink(a: Drawing, b: Drawing) -> bool:
    """True when two drawings have the same strokes on the same canvas (pen and label aside)."""
    return (
        (a.width, a.height) == (b.width, b.height)
        and len(a.strokes) == len(b.strokes)
        and all(np.array_equal(x, y) for x, y in zip(a.strokes, b.strokes, strict=True))
    )


@dataclass(frozen=True)
class Kept:
    """What a keep did: the message to show, and how to undo it (None: nothing changed)."""

    message: str
    step_name: str | None = None
    undo: Callable[[], str] | None = None


class Keeper:
    """The window's collection: one entry per drawing, undoable keeps, the summary line."""

    def __init__(self, folder: Path) -> None:
        self.collection = Collection(folder)
        self._reader: Reader | None = None

    @property
    def folder(self) -> Path:
        return self.collection.folder

    def open(self, folder: Path) -> list[str]:
        """Use the collection in ``folder``; returns the problems with files that were skipped."""
        try:
            self.collection = Collection.open(folder)
        except DrawingFileError as e:
            self.collection = Collection(folder)
            return [str(e)]
        self.collection.rescore(self._reader)
        return list(self.collection.problems)

    def rescore(self, reader: Reader | None) -> None:
        self._reader = reader
        self.collection.rescore(reader)

    def entry_for(self, drawing: Drawing) -> Entry | None:
        """The entry holding this drawing's ink, newest first (None: not kept)."""
        return next((e for e in reversed(self.collection.entries) if same_ink(e.drawing, drawing)), None)

    def keep(self, drawing: Drawing, digit: int, *, read_as: int, sure: bool) -> Kept:
        """Keep ``drawing`` as ``digit`` (relabelling it if it is kept already).

        ``read_as`` and ``sure``: what the model read, for the message. Raises
        :class:`DrawingFileError` or ``ValueError`` when the file cannot be written.
        """
        entry = self.entry_for(drawing)
        if entry is None:
            added = self.collection.add(drawing, digit, self._reader)
            if read_as == digit and sure:
                message = f"Kept as {a_digit(digit)} in your collection."
            else:
                model = f"the model read {a_digit(read_as)}" if sure else "the model was not sure"
                message = f"Thanks — kept as {a_digit(digit)} in your collection ({model})."
            return Kept(message, f"Keep as {a_digit(digit)}", lambda: self._unkeep(drawing, added.label))
        if entry.label == digit:
            return Kept(f"Already kept as {a_digit(digit)}.")
        old = entry.label
        self.collection.relabel(entry, digit, self._reader)
        return Kept(
            f"Now kept as {a_digit(digit)} (was {a_digit(old)}).",
            f"Relabel as {a_digit(digit)}",
            lambda: self._relabel_back(drawing, old),
        )

    # Undo looks the drawing's entry up again: a relabel writes a new file (its name has the
    # label and the second it was written), so an entry held from before may be stale.

    def _current(self, drawing: Drawing) -> Entry:
        entry = self.entry_for(drawing)
        if entry is None:
            raise KeyError("the drawing is no longer in your collection")
        return entry

    def _unkeep(self, drawing: Drawing, label: int) -> str:
        self.collection.remove(self._current(drawing))
        return f"Removed from your collection (it was kept as {a_digit(label)})."

    def _relabel_back(self, drawing: Drawing, label: int) -> str:
        self.collection.relabel(self._current(drawing), label, self._reader)
        return f"Kept as {a_digit(label)} again."

    def summary(self) -> str:
        """ "12 drawings · this model gets 91.7% · misses 8 (2 of 2), 4 (1 of 3)" and the like."""
        collection = self.collection
        predictions = collection.predictions()
        count = len(collection.entries)
        if predictions is None and count:
            return f"{count} drawing{'s' * (count != 1)} (no model to score them)"
        score = score_predictions(predictions or [], collection.labels)
        if not score.count:
            return "No drawings yet: after a reading, press the digit it really is (or click its bar) to keep it."
        text = f"{score.count} drawing{'s' * (score.count != 1)} · this model gets {score.accuracy:.1%}"
        worst = [m for m in score.misses if m[1] > 0][:MISSES_SHOWN]
        if worst:
            text += " · misses " + ", ".join(f"{d} ({wrong} of {seen})" for d, wrong, seen in worst)
        return text
