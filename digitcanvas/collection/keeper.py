"""Keeping drawings in the personal collection, as the window does it.

One drawing is one entry: pressing another digit for the drawing on the canvas relabels
its entry instead of keeping a second copy, and each keep or relabel can be undone. The
files and the scoring are :class:`~digitcanvas.collection.state.Collection`'s; this module adds
that rule and the words the window shows about the collection.

The window reads the folder off the GUI thread (:func:`read_folder`). Meanwhile the
keeper holds an empty stand-in collection: a keep writes its file at once and its entry
goes there, so it can be relabelled and undone as usual, and :meth:`Keeper.finish_load`
merges those entries with the files read (the files this session wrote or removed count
as the stand-in says, whatever the reading saw of them half-way).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from digitcanvas.collection.folder import Cancelled, Entry, Progress
from digitcanvas.collection.state import Collection, predict_collection, score_predictions
from digitcanvas.drawing.strokes import Drawing, DrawingFileError
from digitcanvas.reading.reader import Reader

MISSES_SHOWN = 2  # the summary names the digits the model misses most, at most this many
# Drawings the model reads on the GUI thread at most when the collection changes (a few ms
# each, like a keep); more are read on the worker thread (see .collection_control).
INLINE_DRAWINGS = 32


def a_digit(digit: int) -> str:
    """ "a 7", "an 8": the article English uses before the digit's spoken name."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


def unadapted(reader: Reader) -> Reader:
    """``reader``'s model as it reads by itself: the collection is scored without the
    adaptation, which holds the kept drawings and would read them right by construction.
    A new object, so a worker thread never sees the GUI thread change ``adaptation``."""
    return Reader(reader.classifier, reader.options)


def read_folder(
    folder: str | os.PathLike[str], *, on_progress: Progress | None = None, cancelled: Cancelled | None = None
) -> Collection | None:
    """The collection in ``folder``, read (None: cancelled). Safe off the GUI thread.

    A folder that cannot be opened (a file, no permission) is an empty collection whose
    one problem says why; bad files are problems too, never exceptions.
    """
    try:
        collection = Collection.open(folder)
    except DrawingFileError as e:
        return Collection(folder, problems=[str(e)])
    return collection if collection.load(on_progress=on_progress, cancelled=cancelled) else None


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
        self._touched: set[Path] | None = None  # files written or removed while loading (None: not loading)

    @property
    def folder(self) -> Path:
        return self.collection.folder

    @property
    def reader(self) -> Reader | None:
        return self._reader

    @property
    def loading(self) -> bool:
        """True between :meth:`begin_load` and :meth:`finish_load`."""
        return self._touched is not None

    def begin_load(self, folder: Path) -> None:
        """The folder is being read elsewhere: keep into an empty stand-in until it is."""
        self.collection = Collection(folder)
        self._touched = set()

    def finish_load(self, loaded: Collection) -> list[str]:
        """Use ``loaded`` (read off the GUI thread, same folder) with the keeps made meanwhile;
        returns the problems with files that were skipped. Leaves it unscored (see :meth:`score`)."""
        touched = self._touched or set()
        during = self.collection.entries  # this session's keeps, as they stand now
        entries = [e for e in loaded.entries if e.path not in touched] + during
        # A file kept and removed again while the folder was read may have been listed and
        # then missed: that is no bad file.
        prefixes = tuple(f"{path}:" for path in touched)
        problems = [p for p in loaded.problems if not (prefixes and p.startswith(prefixes))]
        self.collection = Collection(loaded.folder, entries, problems)
        self._touched = None
        return problems

    def set_reader(self, reader: Reader | None) -> None:
        """Read with ``reader`` from now on; the entries are scored later (:meth:`score`)."""
        self._reader = reader

    def _scorer(self) -> Reader | None:
        """What scores a kept drawing: the model by itself (see :func:`unadapted`)."""
        return None if self._reader is None else unadapted(self._reader)

    def rescore(self, reader: Reader | None) -> None:
        """Read with ``reader`` and score every entry now (on this thread)."""
        self._reader = reader
        self.collection.rescore(self._scorer())

    def score(self, read: Mapping[Path, int] | None, *, at_most: int) -> bool:
        """Score the entries with digits already read (by file, off the GUI thread), reading
        here the few not among them; False (nothing changed) when more than ``at_most`` are."""
        entries = self.collection.entries
        scorer = self._scorer()
        if scorer is None or read is None:
            self.collection.rescore(None)
            return True
        missing = [e.drawing for e in entries if e.path not in read]
        if len(missing) > at_most:
            return False
        extra = iter(predict_collection(scorer, missing))
        self.collection.rescore(None, predictions=[read[e.path] if e.path in read else next(extra) for e in entries])
        return True

    def entry_for(self, drawing: Drawing) -> Entry | None:
        """The entry holding this drawing's ink, newest first (None: not kept)."""
        return self.collection.entry_for(drawing)

    def keep(self, drawing: Drawing, digit: int, *, read_as: int, sure: bool) -> Kept:
        """Keep ``drawing`` as ``digit`` (relabelling it if it is kept already).

        ``read_as`` and ``sure``: what the model read, for the message. Raises
        :class:`DrawingFileError` or ``ValueError`` when the file cannot be written.
        """
        entry = self.entry_for(drawing)
        if entry is None:
            added = self.collection.add(drawing, digit, self._scorer())
            self._touch(added.path)
            if read_as == digit and sure:
                message = f"Kept as {a_digit(digit)} in your collection."
            else:
                model = f"the model read {a_digit(read_as)}" if sure else "the model was not sure"
                message = f"Thanks — kept as {a_digit(digit)} in your collection ({model})."
            return Kept(message, f"Keep as {a_digit(digit)}", lambda: self._unkeep(drawing, added.label))
        if entry.label == digit:
            return Kept(f"Already kept as {a_digit(digit)}.")
        old = entry.label
        self._touch(entry.path, self.collection.relabel(entry, digit, self._scorer()).path)
        return Kept(
            f"Now kept as {a_digit(digit)} (was {a_digit(old)}).",
            f"Relabel as {a_digit(digit)}",
            lambda: self._relabel_back(drawing, old),
        )

    # Undo looks the drawing's entry up again (Collection.entry_for): one held from before may be stale.

    def _current(self, drawing: Drawing) -> Entry:
        entry = self.entry_for(drawing)
        if entry is None:
            raise KeyError("the drawing is no longer in your collection")
        return entry

    def _unkeep(self, drawing: Drawing, label: int) -> str:
        entry = self._current(drawing)
        self.collection.remove(entry)
        self._touch(entry.path)
        return f"Removed from your collection (it was kept as {a_digit(label)})."

    def _relabel_back(self, drawing: Drawing, label: int) -> str:
        entry = self._current(drawing)
        self._touch(entry.path, self.collection.relabel(entry, label, self._scorer()).path)
        return f"Kept as {a_digit(label)} again."

    def _touch(self, *paths: Path) -> None:
        if self._touched is not None:
            self._touched.update(paths)

    def summary(self) -> str:
        """ "12 drawings · this model gets 91.7% · misses 8 (2 of 2), 4 (1 of 3)" and the like."""
        collection = self.collection
        predictions = collection.predictions()
        count = len(collection.entries)
        if predictions is None and count:
            return f"{count:,} drawing{'s' * (count != 1)} (no model to score them)"
        score = score_predictions(predictions or [], collection.labels)
        if not score.count:
            return "No drawings yet: after a reading, press the digit it really is (or click its bar) to keep it."
        text = f"{score.count:,} drawing{'s' * (score.count != 1)} · this model gets {score.accuracy:.1%}"
        worst = [m for m in score.misses if m[1] > 0][:MISSES_SHOWN]
        if worst:
            text += " · misses " + ", ".join(f"{d} ({wrong} of {seen})" for d, wrong, seen in worst)
        return text
