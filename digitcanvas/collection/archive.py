"""A whole collection as one file: to move it between machines or share a class's drawings. No Qt.

Format (version 1), JSON::

    {"format": "digitcanvas-collection", "version": 1,
     "drawings": [<drawing file objects with their "label">, ...]}

Each entry is exactly a drawing file's content (:mod:`digitcanvas.drawing.strokes`), so the
same validation applies. Importing adds the drawings to a collection folder as new
files and skips any that the folder already holds (same strokes, canvas and label).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from digitcanvas.collection.state import Collection
from digitcanvas.drawing.file import drawing_from_dict, drawing_to_dict, json_int
from digitcanvas.drawing.strokes import Drawing, ink_key
from digitcanvas.reading.reader import Reader
from digitcanvas.util.files import describe_os_error, write_atomic

ARCHIVE_FORMAT = "digitcanvas-collection"
ARCHIVE_VERSION = 1
ARCHIVE_SUFFIX = ".dccollection"
MAX_ARCHIVE_BYTES = 200 * 1024 * 1024  # 10,000 drawings of a few KB each, with room to spare
MAX_ARCHIVE_DRAWINGS = 100_000


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
    """The labelled drawings of a collection file, and one problem per unusable entry."""
    source = Path(path)
    if not source.is_file():
        raise ArchiveReadError(f"{source}: not a regular file")
    try:
        size = source.stat().st_size
        payload = source.read_bytes() if size <= MAX_ARCHIVE_BYTES else b""
    except OSError as e:
        raise ArchiveReadError(f"{source}: cannot read the file ({describe_os_error(e)})") from e
    if size > MAX_ARCHIVE_BYTES:
        raise ArchiveReadError(f"{source}: {size:,} bytes; collection files of at most {MAX_ARCHIVE_BYTES:,} are read")
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as e:
        raise ArchiveReadError(f"{source}: not a DigitCanvas collection file (not valid JSON)") from e
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
    for index, entry in enumerate(entries):
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


def import_collection(
    path: str | os.PathLike[str], collection: Collection, reader: Reader | None = None
) -> ImportResult:
    """Add a collection file's drawings to ``collection``; ``reader`` scores them for the summary.

    One drawing is one entry: a drawing whose ink the collection already holds is skipped,
    also when it is kept there with another label (the collection's own label stays: it is
    this user's word on their drawing), and so is a repeat within the file.
    """
    drawings, problems = read_archive(path)
    labels = {ink_key(e.drawing): e.label for e in collection.entries}
    added = skipped = other_label = 0
    for drawing in drawings:
        key = ink_key(drawing)
        if key in labels:
            skipped += 1
            other_label += labels[key] != drawing.label
            continue
        assert drawing.label is not None
        collection.add(drawing, drawing.label, reader)
        labels[key] = drawing.label
        added += 1
    return ImportResult(added, skipped, problems, other_label)
