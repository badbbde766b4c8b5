"""Files into readings: a file told by content, folders gathered, batches read fast. No Qt.

:func:`load_source` opens one file (a JSON drawing or an image, judged by its first
bytes, only a regular file, within the drawing file limit); :func:`gather_files` lists
what a command line names; :func:`file_chunks` reads many files for
:meth:`.Reader.read_files`: in batches of :data:`CHUNK_SIZE`, spread over worker
processes (each with its own copy of the model) for runs of :data:`PARALLEL_THRESHOLD`
files or more. Each file gives a :class:`FileReading`: its reading, or why it has none.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.file import is_blank, looks_like_drawing, parse_drawing
from digitcanvas.drawing.image_file import ImageFileError, read_image
from digitcanvas.drawing.strokes import MAX_DRAWING_FILE_BYTES, Drawing, DrawingFileError, DrawingReadError
from digitcanvas.model.classifier import Classifier, ModelRunError
from digitcanvas.model.info import InputScaling
from digitcanvas.reading.adaptation import Adaptation
from digitcanvas.reading.doubt import too_small
from digitcanvas.reading.preprocessing import (
    EmptyInputError,
    Image28,
    ImageFormatError,
    preprocess_drawing,
    preprocess_image,
)
from digitcanvas.util.files import NotRegularFileError, check_regular, describe_os_error, open_regular

if TYPE_CHECKING:  # the reader calls this module; only its types are needed here
    from digitcanvas.reading.reader import Reader, Reading

PARALLEL_THRESHOLD = 1000  # files; below this, worker start-up costs more than it saves
CHUNK_SIZE = 256  # files preprocessed and classified as one batch
HEAD_BYTES = 64  # enough of a file to tell a JSON drawing from an image
SNIFF_CHUNK = 64 * 1024  # read on while a file holds only whitespace (JSON may start with a long run)

# What reading a file may raise: each names the file and the reason.
READ_ERRORS: tuple[type[Exception], ...] = (
    DrawingFileError,
    ImageFileError,
    EmptyInputError,
    ImageFormatError,
    ModelRunError,
)


@dataclass(frozen=True)
class FileReading:
    """The reading of one file, or the reason it could not be read."""

    path: str
    reading: Reading | None
    error: str | None = None


def file_chunks(reader: Reader, names: list[str], *, number: bool, workers: int) -> Iterable[list[FileReading]]:
    """The readings of ``names`` in order, a run of files at a time (see the module's text);
    ``workers``: processes for large runs (0: one per core). Numbers are read one file at a time."""
    if number:
        return ([_read_one(reader, name, number=True)] for name in names)
    chunks = [names[i : i + CHUNK_SIZE] for i in range(0, len(names), CHUNK_SIZE)]
    workers = workers or (os.cpu_count() or 1)
    if workers <= 1 or len(names) < PARALLEL_THRESHOLD:
        return (_read_chunk(reader, chunk) for chunk in chunks)
    return _pooled(reader, chunks, workers)


def _pooled(reader: Reader, chunks: list[list[str]], workers: int) -> Iterator[list[FileReading]]:
    done = 0
    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            initializer=_init_worker,
            # The scaling in use travels along: workers neither re-detect it nor lose the user's choice.
            initargs=(str(reader.classifier.path), reader.classifier.scaling, reader.adaptation),
        ) as pool:
            for results in pool.map(_read_chunk_in_worker, chunks):
                yield results
                done += 1
    except BrokenProcessPool:
        pass  # a worker died (killed, out of memory, its model failed to load): read the rest here
    for chunk in chunks[done:]:
        yield _read_chunk(reader, chunk)


def load_source(path: Path) -> Drawing | NDArray[np.uint8]:
    """A file's content: a :class:`Drawing` for a JSON drawing file, else the image's pixels.

    Judged by content, reading only a regular file (a FIFO or a device is refused before it
    is opened) and at most ``MAX_DRAWING_FILE_BYTES`` of a drawing. Raises one of
    :data:`READ_ERRORS`, naming the file.
    """
    try:
        handle = open_regular(path)
    except NotRegularFileError as e:
        raise DrawingReadError(f"{path}: {e.strerror}") from e
    except OSError as e:
        raise DrawingReadError(f"{path}: cannot read the file ({describe_os_error(e)})") from e
    with handle:
        try:
            head = handle.read(HEAD_BYTES)
            while head and is_blank(head) and len(head) <= MAX_DRAWING_FILE_BYTES:
                more = handle.read(SNIFF_CHUNK)
                if not more:
                    break
                head += more
            if not head or is_blank(head):
                raise DrawingReadError(f"{path}: the file is empty" + (" but for whitespace" if head else ""))
            if not looks_like_drawing(head):
                return read_image(path, handle=handle)
            data = head + handle.read(MAX_DRAWING_FILE_BYTES + 1 - len(head))
        except OSError as e:
            raise DrawingReadError(f"{path}: cannot read the file ({describe_os_error(e)})") from e
    if len(data) > MAX_DRAWING_FILE_BYTES:
        raise DrawingReadError(
            f"{path}: the file is over {MAX_DRAWING_FILE_BYTES:,} bytes; drawing files of at most "
            f"{MAX_DRAWING_FILE_BYTES:,} are read"
        )
    drawing = parse_drawing(data, source=path)
    if drawing.is_empty:
        raise EmptyInputError(f"{path}: the drawing is empty")
    return drawing


def _read_one(reader: Reader, name: str, *, number: bool) -> FileReading:
    try:
        return FileReading(name, reader.read_file(name, number=number))
    except READ_ERRORS as e:
        return FileReading(name, None, str(e))


def _read_chunk(reader: Reader, names: list[str]) -> list[FileReading]:
    """Load and preprocess a run of files, then classify them in one batch (in order)."""
    loaded: list[tuple[str, Image28 | None, bool, str | None]] = []
    for name in names:
        path = Path(name)
        try:
            source = load_source(path)
            if isinstance(source, Drawing):
                loaded.append((name, preprocess_drawing(source, reader.options), too_small(source), None))
            else:
                loaded.append((name, preprocess_image(source), False, None))
        except (EmptyInputError, ImageFormatError) as e:
            loaded.append((name, None, False, f"{path}: {e}"))
        except READ_ERRORS as e:
            loaded.append((name, None, False, str(e)))
    ready = [(name, image, small) for name, image, small, _ in loaded if image is not None]
    try:
        readings = iter(
            reader.read_images28(np.stack([image for _, image, _ in ready]), small=[s for _, _, s in ready])
            if ready
            else []
        )
    except ModelRunError:
        # The model fails on some input of the batch (or on batches at all): read one by one.
        return [_read_one(reader, name, number=False) for name in names]
    return [
        FileReading(name, None, error) if image is None else FileReading(name, next(readings))
        for name, image, _, error in loaded
    ]


_worker_reader: Reader | None = None


def _init_worker(model_path: str, scaling: InputScaling, adaptation: Adaptation | None) -> None:
    from digitcanvas.reading.reader import Reader  # in the worker process, long after both modules loaded

    global _worker_reader
    _worker_reader = Reader(Classifier(model_path, threads=1, scaling=scaling), adaptation=adaptation)


def _read_chunk_in_worker(names: list[str]) -> list[FileReading]:
    assert _worker_reader is not None
    return _read_chunk(_worker_reader, names)


def gather_files(inputs: Iterable[str], *, recursive: bool) -> tuple[list[Path], list[str]]:
    """Files named or found in the named folders (sorted), and problems with the names.

    Hidden files are skipped in folders; a FIFO, device or socket is never opened, it is
    reported as "not a regular file".
    """
    files: list[Path] = []
    problems: list[str] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = path.rglob("*") if recursive else path.iterdir()
            for item in sorted(p for p in found if not p.name.startswith(".")):
                _add_file(item, files, problems, in_folder=True)
        else:
            _add_file(path, files, problems, in_folder=False)
    return files, problems


def _add_file(path: Path, files: list[Path], problems: list[str], *, in_folder: bool) -> None:
    try:
        check_regular(path)
    except NotRegularFileError as e:
        if not (in_folder and path.is_dir()):
            problems.append(f"{path}: {e.strerror}")
        return
    except FileNotFoundError:
        problems.append(f"{path}: " + ("a link to a missing file" if in_folder else "no such file or folder"))
        return
    except OSError as e:
        problems.append(f"{path}: cannot read the file ({describe_os_error(e)})")
        return
    files.append(path)
