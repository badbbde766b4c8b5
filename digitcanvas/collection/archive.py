"""A whole collection as one file: to move it between machines or share a class's drawings. No Qt.

Format (version 1), JSON::

    {"format": "digitcanvas-collection", "version": 1,
     "drawings": [<drawing file objects with their "label">, ...]}

Each entry is exactly a drawing file's content (:mod:`digitcanvas.drawing.strokes`), so the
same validation applies. Importing adds the drawings to a collection folder as new
files and skips any that the folder already holds (same strokes, canvas and label).

An import is bounded and all or nothing: the file is measured before it is parsed (its
size, nesting and number of arrays within what a collection holds), the drawings it adds
must leave the collection within its limits (:class:`~digitcanvas.collection.folder.CollectionTotals`),
and they are written into a hidden folder first and given their names only once all are
written (:func:`~digitcanvas.collection.folder.place_files`). :func:`import_archive` does it
off the GUI thread, with progress and cancellation, under the folder's import lock: two
windows importing into one folder add each drawing once. The window then takes its result
(:meth:`~digitcanvas.collection.state.Collection.adopt`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from digitcanvas.collection.folder import (
    MAX_COLLECTION_BYTES,
    MAX_COLLECTION_FILES,
    MAX_COLLECTION_POINTS,
    MAX_COLLECTION_STROKES,
    PROGRESS_EVERY,
    STAGING_PREFIX,
    Cancelled,
    CollectionTotals,
    Entry,
    ScanCancelled,
    check_folder,
    import_lock,
    list_collection,
    place_files,
)
from digitcanvas.collection.state import Collection, predict_collection
from digitcanvas.drawing.file import (
    MAX_JSON_DEPTH,
    check_json_shape,
    drawing_bytes,
    drawing_from_dict,
    drawing_to_dict,
    json_int,
    load_drawing,
    utf8_json,
)
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, DrawingWriteError, ink_key
from digitcanvas.model.session import ModelRunError
from digitcanvas.reading.reader import Reader
from digitcanvas.util.files import FileTooLargeError, NotRegularFileError, describe_os_error, read_limited, write_atomic

ARCHIVE_FORMAT = "digitcanvas-collection"
ARCHIVE_VERSION = 1
ARCHIVE_SUFFIX = ".dccollection"
# A collection file holds at most what a collection does: importing more could not be read back.
MAX_ARCHIVE_BYTES = MAX_COLLECTION_BYTES
MAX_ARCHIVE_DRAWINGS = MAX_COLLECTION_FILES
MAX_ARCHIVE_DEPTH = MAX_JSON_DEPTH + 2  # the file and its list of drawings, around drawing documents
# Each drawing is an object with a canvas object and a list of strokes, each a list of
# points, each a list: more arrays and objects than this cannot be a collection within its
# limits, and the file is refused before it is parsed (parsed, each costs about 100 bytes).
MAX_ARCHIVE_CONTAINERS = MAX_COLLECTION_POINTS + MAX_COLLECTION_STROKES + 3 * MAX_ARCHIVE_DRAWINGS + 1_000

IMPORTING = "Importing"
SCORING = "Reading the imported drawings"
Report = Callable[[str, int, int], None]  # (activity, done, total), from the worker thread


class ArchiveReadError(ValueError):
    """A collection file cannot be read; the message names the file and why."""


class ArchiveWriteError(OSError):
    """A collection file cannot be written; the message names the file and why."""


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_there: int  # drawings whose ink the collection (or the file, earlier) already holds
    problems: list[str]  # entries that are not valid labelled drawings
    other_label: int = 0  # of ``already_there``, those kept there with another label (that one stays)
    entries: list[Entry] = field(default_factory=list)  # the files written, in the file's order
    found: list[Entry] = field(default_factory=list)  # files another window kept meanwhile (read here)
    read: list[int] | None = None  # the model's digit for each of ``found + entries`` (None: not read)


def export_collection(drawings: Sequence[Drawing], path: str | os.PathLike[str]) -> Path:
    """Write labelled ``drawings`` as one collection file (atomically)."""
    target = Path(path)
    document = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "drawings": [drawing_to_dict(d) for d in drawings if d.label is not None],
    }
    try:
        return write_atomic(target, json.dumps(document, separators=(",", ":")).encode("utf-8"))
    except OSError as e:
        raise ArchiveWriteError(f"{target}: cannot write the collection file ({describe_os_error(e)})") from e


def read_archive(path: str | os.PathLike[str]) -> tuple[list[Drawing], list[str]]:
    """The labelled drawings of a collection file, and one problem per unusable entry.

    Only a regular file of at most ``MAX_ARCHIVE_BYTES`` is read, and its JSON is measured
    before it is parsed (``MAX_ARCHIVE_DEPTH``, ``MAX_ARCHIVE_CONTAINERS``): what is parsed
    fits in memory. Raises :class:`ArchiveReadError` naming the file and the limit.
    """
    source = Path(path)
    try:
        payload = read_limited(source, MAX_ARCHIVE_BYTES)
    except NotRegularFileError as e:
        raise ArchiveReadError(f"{source}: {e.strerror}") from e
    except FileTooLargeError as e:
        raise ArchiveReadError(
            f"{source}: {e.size:,} bytes; collection files of at most {MAX_ARCHIVE_BYTES:,} are read"
        ) from e
    except OSError as e:
        raise ArchiveReadError(f"{source}: cannot read the file ({describe_os_error(e)})") from e
    try:
        utf8 = utf8_json(payload)
        del payload  # from here on one copy of the file is held, and the JSON made of it
        within = (
            f"a collection within the limits ({MAX_COLLECTION_FILES:,} drawings, {MAX_COLLECTION_POINTS:,} points, "
            f"{MAX_COLLECTION_STROKES:,} strokes)"
        )
        nests = f"a collection file nests {MAX_ARCHIVE_DEPTH} deep at most"
        check_json_shape(
            utf8, max_depth=MAX_ARCHIVE_DEPTH, max_containers=MAX_ARCHIVE_CONTAINERS, within=within, nests=nests
        )
    except UnicodeDecodeError as e:
        raise ArchiveReadError(f"{source}: not a DigitCanvas collection file (not UTF-8, UTF-16 or UTF-32 text)") from e
    except ValueError as e:
        raise ArchiveReadError(f"{source}: not a DigitCanvas collection file within the limits: {e}") from e
    try:
        document = json.loads(utf8, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise ArchiveReadError(f"{source}: not a DigitCanvas collection file (not valid JSON)") from e
    del utf8
    if not isinstance(document, dict) or document.get("format") != ARCHIVE_FORMAT:
        raise ArchiveReadError(f'{source}: not a DigitCanvas collection file ("format" is not {ARCHIVE_FORMAT!r})')
    version = document.get("version")
    if not json_int(version) or version > ARCHIVE_VERSION:
        raise ArchiveReadError(f"{source}: collection file version {version!r}; this program reads {ARCHIVE_VERSION}")
    entries = document.get("drawings")
    if not isinstance(entries, list):
        raise ArchiveReadError(f'{source}: "drawings" is missing or not a list')
    if len(entries) > MAX_ARCHIVE_DRAWINGS:
        raise ArchiveReadError(f"{source}: {len(entries):,} drawings; at most {MAX_ARCHIVE_DRAWINGS:,} are read")
    drawings, problems = [], []
    for index in range(len(entries)):
        entry, entries[index] = entries[index], None  # its JSON is let go as soon as it is a drawing
        try:
            drawing = drawing_from_dict(entry)
        except (ValueError, RecursionError) as e:
            problems.append(f"drawing {index + 1}: {e}")
            continue
        if drawing.label is None or drawing.is_empty:
            problems.append(f"drawing {index + 1}: {'has no label' if drawing.label is None else 'is empty'}")
            continue
        drawings.append(drawing)
    return drawings, problems


def _no_constant(name: str) -> object:
    raise ValueError(f"it holds {name}, which is not a JSON number")


def import_archive(
    path: str | os.PathLike[str],
    folder: str | os.PathLike[str],
    known: Sequence[Entry],
    *,
    reader: Reader | None = None,
    report: Report | None = None,
    cancelled: Cancelled | None = None,
) -> ImportResult:
    """Add a collection file's drawings to the collection in ``folder``, whose entries as
    the caller knows them are ``known``; safe off the GUI thread (it changes no object).

    One drawing is one entry: a drawing whose ink the collection already holds is skipped,
    also when it is kept there with another label (the collection's own label stays: it is
    this user's word on their drawing), and so is a repeat within the file. Under the
    folder's import lock, files that another window kept meanwhile are read too (they are
    in the result's ``found``). ``reader`` reads the new entries for the summary.

    All or nothing: raises :class:`ArchiveReadError` (the file, or the collection's limits
    it would pass), :class:`DrawingWriteError` or :class:`ScanCancelled` (``cancelled()``
    said so) with nothing imported.
    """
    source, target = Path(path), Path(folder)
    drawings, problems = read_archive(source)
    try:
        check_folder(target)
        target.mkdir(parents=True, exist_ok=True)
    except DrawingFileError as e:
        raise DrawingWriteError(str(e)) from e
    except OSError as e:
        raise DrawingWriteError(f"{target}: cannot make the collection folder ({describe_os_error(e)})") from e
    with import_lock(target, cancelled):
        found = _kept_meanwhile(target, known, cancelled)
        present = [*known, *found]
        labels = {ink_key(e.drawing): e.label for e in present}
        totals = CollectionTotals.of(present)
        new: list[tuple[Drawing, bytes]] = []
        already = other_label = 0
        for drawing in drawings:
            key = ink_key(drawing)
            if key in labels:
                already += 1
                other_label += labels[key] != drawing.label
                continue
            assert drawing.label is not None  # read_archive keeps labelled drawings only
            labels[key] = drawing.label
            payload = drawing_bytes(drawing)
            over = totals.over(drawing, len(payload))
            if over is not None:
                raise ArchiveReadError(
                    f"{source}: its drawings would not all fit in your collection ({over}); nothing was imported"
                )
            totals.add(drawing, len(payload))
            new.append((drawing, payload))
        paths = _write_all(target, new, report, cancelled)
    entries = [Entry(path, drawing) for path, (drawing, _) in zip(paths, new, strict=True)]
    read = _read(reader, found + entries, report)
    return ImportResult(len(entries), already, problems, other_label, entries, found, read)


def _read(reader: Reader | None, entries: list[Entry], report: Report | None) -> list[int] | None:
    """The model's digit for each entry (None: no reader, or the model fails on them: the
    window scores them again). The files are in by now: this step is not cancelled."""
    if reader is None:
        return None
    progress = None if report is None else (lambda done, total: report(SCORING, done, total))
    try:
        return predict_collection(reader, [e.drawing for e in entries], on_progress=progress)
    except ModelRunError:
        return None


def _kept_meanwhile(folder: Path, known: Sequence[Entry], cancelled: Cancelled | None) -> list[Entry]:
    """The labelled drawings in ``folder`` that ``known`` lacks: kept by another window since."""
    files, _ = list_collection(folder, cancelled=cancelled)
    known_paths = {entry.path for entry in known}
    found = []
    for path in files:
        if path in known_paths:
            continue
        try:
            drawing = load_drawing(path)
        except DrawingFileError:
            continue  # the collection counts it among its problems when it reads it
        if drawing.label is not None and not drawing.is_empty:
            found.append(Entry(path, drawing))
    return found


def _write_all(
    folder: Path, new: list[tuple[Drawing, bytes]], report: Report | None, cancelled: Cancelled | None
) -> list[Path]:
    """Write the drawings into a hidden staging folder, then give them their names in the
    collection (see the module's text); the staging folder goes in any case."""
    if not new:
        return []
    try:
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
    except OSError as e:
        raise DrawingWriteError(f"{folder}: cannot import into this folder ({describe_os_error(e)})") from e
    try:
        staged: list[tuple[Path, int]] = []
        for done, (drawing, payload) in enumerate(new):
            if done % PROGRESS_EVERY == 0:
                if cancelled is not None and cancelled():
                    raise ScanCancelled
                if report is not None:
                    report(IMPORTING, done, len(new))
            staged_path = staging / f"{done:06d}.json"
            try:
                staged_path.write_bytes(payload)
            except OSError as e:
                raise DrawingWriteError(f"{folder}: cannot import into this folder ({describe_os_error(e)})") from e
            assert drawing.label is not None
            staged.append((staged_path, drawing.label))
        if report is not None:
            report(IMPORTING, len(new), len(new))
        return place_files(folder, staged, cancelled=cancelled)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def import_collection(
    path: str | os.PathLike[str], collection: Collection, reader: Reader | None = None
) -> ImportResult:
    """:func:`import_archive` into ``collection`` on this thread, which then holds the new
    entries; ``reader`` scores them for the summary."""
    result = import_archive(path, collection.folder, list(collection.entries), reader=reader)
    collection.adopt([*result.found, *result.entries], result.read)
    return result
