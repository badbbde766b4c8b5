"""A collection folder's files: listing and scanning them within the limits, keeping new ones. No Qt.

Files are ordinary drawing files (see :mod:`digitcanvas.drawing.strokes`) with a ``label`` key,
named ``<label>-<timestamp>-<n>.json``. Reading a folder is bounded by the
``MAX_COLLECTION_*`` limits, reports progress, can be cancelled and never fails on a bad
file (:func:`scan_collection`; safe to run off the GUI thread). Names are taken
exclusively (:func:`~digitcanvas.util.files.write_new`), so two processes keeping drawings in one folder
never lose a confirmed save. The state the window works on is :class:`digitcanvas.collection.state.Collection`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from digitcanvas.drawing.file import drawing_bytes, load_drawing
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, DrawingWriteError
from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.util.files import (
    STALE_TEMP_SECONDS,
    LockWaitCancelled,
    describe_os_error,
    held_lock,
    kind_of,
    place_new,
    write_new,
)

COLLECTION_SUFFIX = ".json"
MAX_NAME_ATTEMPTS = 10_000  # files kept within one second under one label
# Limits of one collection folder, checked once where it is scanned. What is over a limit
# is counted among the problems, never fatal. The app keeps drawings flat in the folder;
# subfolders are read for collections merged by hand.
MAX_COLLECTION_FILES = 50_000  # drawing files read (a person keeps a few hundred)
# What all drawings together may hold. Each is read, scored and fitted by the window and by
# `predict --adapt`: these bound that work, whatever the drawings are like. A kept digit has
# 50-300 points in one to three strokes (10,000 of 200 points fit). 10,000 files of 1,000
# one-point strokes took 159 s and 2.35 GB when only points were counted (every stroke is
# an array of its own); what the worst within these costs: python -m lab.benchmark.collection.
MAX_COLLECTION_POINTS = 2_000_000
MAX_COLLECTION_STROKES = 200_000
MAX_COLLECTION_BYTES = 200 * 1024 * 1024  # of drawing files read: a kept drawing is a few KB
MAX_COLLECTION_DEPTH = 3  # subfolder levels below the collection folder; links to folders are not followed
MAX_COLLECTION_ENTRIES = 1_000_000  # directory entries looked at: a folder set to / stops here
PROGRESS_EVERY = 100  # files between progress reports and cancellation checks
# An import holds this lock in the collection folder while it compares and writes, so two
# imports into one folder (two windows) add each drawing once. Hidden: never a drawing.
IMPORT_LOCK = ".digitcanvas-import.lock"
# An import writes its files into a hidden folder of this name first, and gives them their
# names in the collection only once all are written: a cancelled or failed import leaves
# nothing, and one killed while writing leaves this folder, removed at the next opening.
STAGING_PREFIX = ".digitcanvas-import-"
_STAGING = re.compile(rf"{re.escape(STAGING_PREFIX)}[a-z0-9_]{{8}}")  # tempfile.mkdtemp's 8 random characters

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


def check_folder(folder: Path) -> bool:
    """True if ``folder`` is a folder, False if nothing is there; raises DrawingFileError
    for anything else (a file, a FIFO), naming what it is."""
    try:
        mode = folder.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as e:
        raise DrawingFileError(f"{folder}: cannot open the collection folder ({describe_os_error(e)})") from e
    if not stat.S_ISDIR(mode):
        raise DrawingFileError(f"{folder}: is {kind_of(mode)}, not a folder; choose another collection folder")
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


@dataclass
class CollectionTotals:
    """What a collection's drawings hold together, against the ``MAX_COLLECTION_*`` limits."""

    files: int = 0
    points: int = 0
    strokes: int = 0
    bytes: int = 0

    def add(self, drawing: Drawing, size: int = 0) -> None:
        self.files += 1
        self.points += sum(len(stroke) for stroke in drawing.strokes)
        self.strokes += len(drawing.strokes)
        self.bytes += size

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> CollectionTotals:
        """The totals of kept drawings, their files' sizes from the file system (one ``stat`` each)."""
        totals = cls()
        for entry in entries:
            totals.add(entry.drawing, _size(entry.path))  # one gone meanwhile holds nothing any more
        return totals

    def over(self, drawing: Drawing | None = None, size: int = 0) -> str | None:
        """The limit these totals pass with ``drawing`` (of ``size`` bytes) added, in words; None within."""
        points = self.points + (0 if drawing is None else sum(len(stroke) for stroke in drawing.strokes))
        strokes = self.strokes + (0 if drawing is None else len(drawing.strokes))
        for count, limit, what in (
            (self.files + (drawing is not None), MAX_COLLECTION_FILES, "drawings"),
            (points, MAX_COLLECTION_POINTS, "points"),
            (strokes, MAX_COLLECTION_STROKES, "strokes"),
            (self.bytes + size, MAX_COLLECTION_BYTES, "bytes of drawing files"),
        ):
            if count > limit:
                return f"a collection holds at most {limit:,} {what} together"
        return None


def _size(path: Path) -> int:
    """The file's size, 0 when it cannot be told (reading it then says why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def scan_collection(
    folder: str | os.PathLike[str],
    *,
    on_progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> CollectionScan:
    """Every labelled drawing in ``folder`` (and its subfolders, within the limits above);
    bad files are listed in ``problems``, not fatal.

    Files are read in order until the drawings hold a ``MAX_COLLECTION_*`` limit's worth;
    the rest are not read (each is a problem), so the work is bounded whatever they hold.
    Safe to run off the GUI thread (it touches nothing shared). ``on_progress(done, total)``
    is called every ``PROGRESS_EVERY`` files and at the end; ``cancelled()`` is asked as
    often, and a True answer raises :class:`ScanCancelled`. Raises
    :class:`DrawingFileError` when ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not check_folder(folder):
        raise DrawingFileError(f"{folder}: no such folder")
    problems: list[str] = []
    paths = _collection_files(folder, problems, cancelled)
    entries: list[Entry] = []
    totals = CollectionTotals()
    full: str | None = None  # the limit reached: the files left are not read
    for done, path in enumerate(paths):
        if done % PROGRESS_EVERY == 0:
            if cancelled is not None and cancelled():
                raise ScanCancelled
            if on_progress is not None:
                on_progress(done, len(paths))
        if full is not None:
            problems.append(f"{path}: not read; {full}")
            continue
        size = _size(path)
        try:
            drawing = load_drawing(path) if totals.over(size=size) is None else None
        except DrawingFileError as e:
            problems.append(str(e))
            continue
        over = totals.over(drawing, size)
        if drawing is None or over is not None:
            full = over or totals.over(size=size)
            problems.append(f"{path}: not read; {full}")
        elif drawing.number_label is not None:
            problems.append(f"{path}: is labelled with a number ({drawing.number_label}); a collection keeps digits")
        elif drawing.label is None:
            problems.append(f"{path}: has no label")
        elif drawing.is_empty:
            problems.append(f"{path}: the drawing is empty")
        else:
            totals.add(drawing, size)
            entries.append(Entry(path, drawing))
    if on_progress is not None:
        on_progress(len(paths), len(paths))
    return CollectionScan(entries, problems)


def load_collection(folder: str | os.PathLike[str]) -> list[Drawing]:
    """The labelled drawings of a collection folder (unusable files skipped)."""
    return scan_collection(folder).drawings


def collection_payload(drawing: Drawing, folder: Path) -> bytes:
    """The file content for a kept drawing; raises :class:`DrawingWriteError` (naming
    ``folder``) for a drawing over the file limits."""
    try:
        return drawing_bytes(drawing)
    except ValueError as e:
        raise DrawingWriteError(f"{folder}: cannot keep this drawing: {e}") from e


def add_to_collection(drawing: Drawing, label: int, folder: str | os.PathLike[str]) -> Path:
    """Save ``drawing`` with its true ``label`` as a new file in ``folder``; returns its path.

    The name is taken exclusively (:func:`~digitcanvas.util.files.write_new`): two processes
    keeping drawings at once never overwrite each other's files, and a returned path holds
    the complete drawing. Raises ``ValueError`` (bad label, empty drawing) or
    :class:`DrawingWriteError` (also for a drawing over the file limits).
    """
    if not 0 <= label < NUM_CLASSES:
        raise ValueError(f"label must be a digit 0-9, got {label}")
    if drawing.is_empty:
        raise ValueError("cannot save an empty drawing")
    folder = Path(folder)
    payload = collection_payload(drawing.with_label(label), folder)
    try:
        check_folder(folder)
        folder.mkdir(parents=True, exist_ok=True)
    except DrawingFileError as e:
        raise DrawingWriteError(str(e)) from e
    except OSError as e:
        raise DrawingWriteError(f"{folder}: cannot make the collection folder ({describe_os_error(e)})") from e
    return _take_name(folder, label, time.strftime("%Y%m%d-%H%M%S"), 0, lambda path: write_new(path, payload))[0]


def _take_name(folder: Path, label: int, stamp: str, first: int, write: Callable[[Path], object]) -> tuple[Path, int]:
    """``write(path)`` at the first free name ``<label>-<stamp>-<n>.json`` from ``n = first``
    (``write`` raises :class:`FileExistsError` for a name taken); the path and its ``n``."""
    for n in range(first, first + MAX_NAME_ATTEMPTS):
        path = folder / f"{label}-{stamp}-{n}{COLLECTION_SUFFIX}"
        try:
            write(path)
        except FileExistsError:
            continue
        except OSError as e:
            raise DrawingWriteError(f"{path}: cannot keep the drawing here ({describe_os_error(e)})") from e
        return path, n
    raise DrawingWriteError(f"{folder}: no free file name for label {label} (over {MAX_NAME_ATTEMPTS:,} taken)")


def place_files(folder: Path, files: list[tuple[Path, int]], *, cancelled: Cancelled | None = None) -> list[Path]:
    """Give complete drawing files (``(file, label)``, elsewhere in ``folder``'s file system)
    their names in the collection, in order; all or none: on an error or when ``cancelled()``
    says so, the names given are taken back (:class:`DrawingWriteError`, :class:`ScanCancelled`)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    placed: list[Path] = []
    following: dict[int, int] = {}  # the next name to try, per label: no name is tried twice
    try:
        for done, (source, label) in enumerate(files):
            if done % PROGRESS_EVERY == 0 and cancelled is not None and cancelled():
                raise ScanCancelled
            path, n = _take_name(folder, label, stamp, following.get(label, 0), functools.partial(place_new, source))
            following[label] = n + 1
            placed.append(path)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    return placed


@contextlib.contextmanager
def import_lock(folder: Path, cancelled: Cancelled | None = None) -> Iterator[bool]:
    """The collection folder's import lock (see :data:`IMPORT_LOCK`) for the ``with`` block,
    True once held (False: no locks on this file system). Raises :class:`ScanCancelled` when
    ``cancelled()`` says so while another import holds it, :class:`DrawingWriteError` when
    it cannot be made."""
    with contextlib.ExitStack() as stack:
        try:
            held = stack.enter_context(held_lock(folder / IMPORT_LOCK, cancelled=cancelled))
        except LockWaitCancelled as e:
            raise ScanCancelled from e
        except OSError as e:
            raise DrawingWriteError(f"{folder}: cannot import into this folder ({describe_os_error(e)})") from e
        yield held


def _age(path: str) -> float:
    try:
        return time.time() - os.stat(path).st_mtime
    except OSError:
        return 0.0


def remove_stale_staging(folder: Path) -> int:
    """Remove the staging folders of imports that were killed (no import holds the folder's
    lock); only folders named as :data:`STAGING_PREFIX` makes them. Returns how many."""
    try:
        stale = [
            item.path
            for item in os.scandir(folder)
            if _STAGING.fullmatch(item.name) and item.is_dir(follow_symlinks=False)
        ]
    except OSError:
        return 0
    if not stale:
        return 0
    removed = 0
    with contextlib.suppress(ScanCancelled, DrawingWriteError), import_lock(folder, lambda: True) as held:
        for path in stale:
            # Without locks, a staging folder another window still fills is younger than that.
            if held or _age(path) > STALE_TEMP_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
                removed += not os.path.exists(path)
    return removed


def remove_file(path: Path) -> None:
    """Delete a kept drawing's file (gone already is fine); raises :class:`DrawingWriteError`."""
    try:
        path.unlink(missing_ok=True)
    except OSError as e:
        raise DrawingWriteError(f"{path}: cannot remove the file ({describe_os_error(e)})") from e
