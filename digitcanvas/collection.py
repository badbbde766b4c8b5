"""The personal collection: drawings kept with their true label, one file each. No Qt.

Files are ordinary drawing files (see :mod:`digitcanvas.drawing`) with a ``label`` key,
named ``<label>-<timestamp>-<n>.json``. :class:`Collection` holds the folder's state for
the window: its entries, what the current model reads in each, and the summary line.

Opening a collection reads nothing (start-up stays fast whatever its size); reading it is
bounded by the ``MAX_COLLECTION_*`` limits, reports progress, can be cancelled and never
fails on a bad file (:func:`scan_collection`, :func:`predict_collection`; both are safe to
run off the GUI thread). Names are taken exclusively (:func:`~.fileio.write_new`), so two
processes keeping drawings in one folder never lose a confirmed save.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .drawing import Drawing, DrawingFileError, DrawingWriteError, drawing_bytes, load_drawing
from .fileio import describe_os_error, remove_stale_temporaries, write_new
from .preprocessing import NUM_CLASSES, preprocess_drawing
from .reader import Reader

COLLECTION_SUFFIX = ".json"
COLLECTION_GLOB = "*" + COLLECTION_SUFFIX
MAX_NAME_ATTEMPTS = 10_000  # files kept within one second under one label
# Limits of one collection folder, checked once where it is scanned. What is over a limit
# is counted among the problems, never fatal. The app keeps drawings flat in the folder;
# subfolders are read for collections merged by hand.
MAX_COLLECTION_FILES = 50_000  # drawing files read (a person keeps a few hundred)
MAX_COLLECTION_POINTS = 10_000_000  # points of all drawings together: 160 MB as float64
MAX_COLLECTION_DEPTH = 3  # subfolder levels below the collection folder; links to folders are not followed
MAX_COLLECTION_ENTRIES = 1_000_000  # directory entries looked at: a folder set to / stops here
PROGRESS_EVERY = 100  # files between progress reports and cancellation checks

Progress = Callable[[int, int], None]  # (files done, files in all)
Cancelled = Callable[[], bool]


class ScanCancelled(Exception):
    """A collection scan was cancelled by its caller."""


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
    problems: list[str]  # one message per file (or folder) that could not be used

    @property
    def drawings(self) -> list[Drawing]:
        return [e.drawing for e in self.entries]

    @property
    def paths(self) -> list[Path]:
        return [e.path for e in self.entries]


def _check_folder(folder: Path) -> bool:
    """True if ``folder`` is a folder, False if nothing is there; raises DrawingFileError
    for anything else (a file, a FIFO), naming what it is."""
    try:
        mode = folder.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as e:
        raise DrawingFileError(f"{folder}: cannot open the collection folder ({describe_os_error(e)})") from e
    if not stat.S_ISDIR(mode):
        what = "a file" if stat.S_ISREG(mode) else "not a folder"
        raise DrawingFileError(f"{folder}: is {what}, not a folder; choose another collection folder")
    return True


def list_collection(
    folder: str | os.PathLike[str], *, cancelled: Cancelled | None = None
) -> tuple[list[Path], list[str]]:
    """The drawing files of a collection folder (sorted) without reading them, and problems.

    Within ``MAX_COLLECTION_DEPTH``, ``MAX_COLLECTION_ENTRIES`` and ``MAX_COLLECTION_FILES``;
    hidden names (temporaries of a save in progress) are skipped and links to folders are
    not followed. Folders that cannot be listed and what is over a limit are problems.
    Raises :class:`ScanCancelled` when ``cancelled()`` says so.
    """
    problems: list[str] = []
    return _collection_files(Path(folder), problems, cancelled), problems


def _collection_files(folder: Path, problems: list[str], cancelled: Cancelled | None) -> list[Path]:
    files: list[Path] = []
    over_limit = 0
    seen = 0
    pending = [(folder, 0)]
    while pending:
        current, depth = pending.pop()
        try:
            with os.scandir(current) as listing:
                for item in listing:
                    seen += 1
                    if seen > MAX_COLLECTION_ENTRIES:
                        problems.append(
                            f"{folder}: stopped looking after {MAX_COLLECTION_ENTRIES:,} folder entries "
                            "(is this really a collection folder?)"
                        )
                        files.sort()
                        return files
                    if seen % PROGRESS_EVERY == 0 and cancelled is not None and cancelled():
                        raise ScanCancelled
                    if item.name.startswith("."):
                        continue
                    try:
                        is_folder = item.is_dir(follow_symlinks=False)
                    except OSError:
                        is_folder = False
                    if is_folder:
                        if depth < MAX_COLLECTION_DEPTH:
                            pending.append((Path(item.path), depth + 1))
                    elif item.name.endswith(COLLECTION_SUFFIX):
                        if len(files) < MAX_COLLECTION_FILES:
                            files.append(Path(item.path))
                        else:
                            over_limit += 1
        except OSError as e:
            problems.append(f"{current}: cannot list the folder ({describe_os_error(e)})")
    if over_limit:
        problems.append(f"{folder}: {over_limit:,} more drawing files not read (at most {MAX_COLLECTION_FILES:,} are)")
    files.sort()
    return files


def scan_collection(
    folder: str | os.PathLike[str],
    *,
    on_progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> CollectionScan:
    """Every labelled drawing in ``folder`` (and its subfolders, within the limits above);
    bad files are listed in ``problems``, not fatal.

    Safe to run off the GUI thread (it touches nothing shared). ``on_progress(done, total)``
    is called every ``PROGRESS_EVERY`` files and at the end; ``cancelled()`` is asked as
    often, and a True answer raises :class:`ScanCancelled`. Raises
    :class:`DrawingFileError` when ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not _check_folder(folder):
        raise DrawingFileError(f"{folder}: no such folder")
    problems: list[str] = []
    paths = _collection_files(folder, problems, cancelled)
    entries: list[Entry] = []
    points = 0
    for done, path in enumerate(paths):
        if done % PROGRESS_EVERY == 0:
            if cancelled is not None and cancelled():
                raise ScanCancelled
            if on_progress is not None:
                on_progress(done, len(paths))
        try:
            drawing = load_drawing(path)
        except DrawingFileError as e:
            problems.append(str(e))
            continue
        if drawing.label is None:
            problems.append(f"{path}: has no label")
        elif drawing.is_empty:
            problems.append(f"{path}: the drawing is empty")
        elif points + len(drawing.points()) > MAX_COLLECTION_POINTS:
            problems.append(
                f"{path}: not read; the collection's drawings hold over {MAX_COLLECTION_POINTS:,} points together"
            )
        else:
            points += sum(len(s) for s in drawing.strokes)
            entries.append(Entry(path, drawing))
    if on_progress is not None:
        on_progress(len(paths), len(paths))
    return CollectionScan(entries, problems)


def load_collection(folder: str | os.PathLike[str]) -> list[Drawing]:
    """The labelled drawings of a collection folder (unusable files skipped)."""
    return scan_collection(folder).drawings


def _payload(drawing: Drawing, folder: Path) -> bytes:
    try:
        return drawing_bytes(drawing)
    except ValueError as e:
        raise DrawingWriteError(f"{folder}: cannot keep this drawing: {e}") from e


def add_to_collection(drawing: Drawing, label: int, folder: str | os.PathLike[str]) -> Path:
    """Save ``drawing`` with its true ``label`` as a new file in ``folder``; returns its path.

    The name is taken exclusively (:func:`~digitcanvas.fileio.write_new`): two processes
    keeping drawings at once never overwrite each other's files, and a returned path holds
    the complete drawing. Raises ``ValueError`` (bad label, empty drawing) or
    :class:`DrawingWriteError` (also for a drawing over the file limits).
    """
    if not 0 <= label < NUM_CLASSES:
        raise ValueError(f"label must be a digit 0-9, got {label}")
    if drawing.is_empty:
        raise ValueError("cannot save an empty drawing")
    folder = Path(folder)
    payload = _payload(drawing.with_label(label), folder)
    try:
        _check_folder(folder)
        folder.mkdir(parents=True, exist_ok=True)
    except DrawingFileError as e:
        raise DrawingWriteError(str(e)) from e
    except OSError as e:
        raise DrawingWriteError(f"{folder}: cannot make the collection folder ({describe_os_error(e)})") from e
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(MAX_NAME_ATTEMPTS):
        path = folder / f"{label}-{stamp}-{n}{COLLECTION_SUFFIX}"
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


PREDICT_CHUNK = 256  # drawings preprocessed and classified at a time (bounded memory, progress)


def predict_collection(
    reader: Reader,
    drawings: Sequence[Drawing],
    *,
    on_progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> list[int]:
    """The model's top digit for each drawing (the app's preprocessing, in batches).

    Safe off the GUI thread; ``on_progress`` and ``cancelled`` as in :func:`scan_collection`.
    Raises ``ModelRunError`` when the model fails on them.
    """
    predicted: list[int] = []
    for start in range(0, len(drawings), PREDICT_CHUNK):
        if cancelled is not None and cancelled():
            raise ScanCancelled
        if on_progress is not None:
            on_progress(start, len(drawings))
        images = np.stack([preprocess_drawing(d, reader.options) for d in drawings[start : start + PREDICT_CHUNK]])
        predicted += [r.digits[0].digit for r in reader.read_images28(images)]
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

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> Collection:
        """The collection in ``folder``, without reading it yet (fast, whatever its size).

        Removes temporaries that killed saves left there. A missing folder is an empty
        collection (made on the first keep). Raises :class:`DrawingFileError` when
        ``folder`` is a file or cannot be opened.
        """
        folder = Path(folder)
        collection = cls(folder)
        if _check_folder(folder):
            collection._entries = None  # read on first use
            collection.temporaries_removed = remove_stale_temporaries(folder)
        return collection

    @property
    def loaded(self) -> bool:
        """True once the files are read (always for a collection made from entries)."""
        return self._entries is not None

    def load(self, *, on_progress: Progress | None = None, cancelled: Cancelled | None = None) -> bool:
        """Read the folder now (see :func:`scan_collection`); False if cancelled (still unread).

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

    def add(self, drawing: Drawing, label: int, reader: Reader | None = None) -> Entry:
        """Keep ``drawing`` as ``label`` (a new file); ``reader`` scores it for the summary."""
        entries = self.entries  # read the folder first, or the new file would be listed twice
        path = add_to_collection(drawing, label, self.folder)
        entry = Entry(path, drawing.with_label(label))
        entries.append(entry)
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
        entries = self.entries  # read the folder first, or the restored file would be listed twice
        try:
            path = write_new(entry.path, _payload(entry.drawing, self.folder))
        except FileExistsError:
            path = add_to_collection(entry.drawing, entry.label, self.folder)
        except OSError as e:
            raise DrawingWriteError(f"{entry.path}: cannot restore the drawing ({describe_os_error(e)})") from e
        restored = Entry(path, entry.drawing)
        index = min(max(index, 0), len(entries))
        entries.insert(index, restored)
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
