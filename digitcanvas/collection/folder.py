"""A collection folder's files: listing and scanning them within the limits, keeping new ones. No Qt.

Files are ordinary drawing files (see :mod:`digitcanvas.drawing.strokes`) with a ``label`` key,
named ``<label>-<timestamp>-<n>.json``. Reading a folder is bounded by the
``MAX_COLLECTION_*`` limits, reports progress, can be cancelled and never fails on a bad
file (:func:`scan_collection`; safe to run off the GUI thread). Names are taken
exclusively (:func:`~digitcanvas.util.files.write_new`), so two processes keeping drawings in one folder
never lose a confirmed save. The state the window works on is :class:`digitcanvas.collection.state.Collection`.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from digitcanvas.drawing.file import drawing_bytes, load_drawing
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, DrawingWriteError
from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.util.files import describe_os_error, write_new

COLLECTION_SUFFIX = ".json"
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
    if not check_folder(folder):
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


def remove_file(path: Path) -> None:
    """Delete a kept drawing's file (gone already is fine); raises :class:`DrawingWriteError`."""
    try:
        path.unlink(missing_ok=True)
    except OSError as e:
        raise DrawingWriteError(f"{path}: cannot remove the file ({describe_os_error(e)})") from e
