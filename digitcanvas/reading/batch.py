"""Many files into readings, fast: batches, worker processes. No Qt.

:func:`read_files` reads the files a command names in order, yielding one
:class:`FileReading` (its reading, or why it has none) per file: single digits in
batches of :data:`CHUNK_SIZE`, spread over worker processes (each with its own copy of
the model) for runs of :data:`PARALLEL_THRESHOLD` files or more; numbers one at a time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitcanvas.drawing.image_file import ImageFileError
from digitcanvas.drawing.sources import load_source
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, EmptyInputError
from digitcanvas.model.classifier import Classifier
from digitcanvas.model.info import InputScaling
from digitcanvas.model.session import ModelRunError
from digitcanvas.model.shapes import Image28
from digitcanvas.reading.adaptation import Adaptation
from digitcanvas.reading.doubt import too_small
from digitcanvas.reading.preprocessing import ImageFormatError, preprocess_drawing, preprocess_image
from digitcanvas.reading.reader import Reader, Reading

PARALLEL_THRESHOLD = 1000  # files; below this, worker start-up costs more than it saves
CHUNK_SIZE = 256  # files preprocessed and classified as one batch

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


def read_files(
    reader: Reader,
    paths: Sequence[str | os.PathLike[str]],
    *,
    number: bool = False,
    workers: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
) -> Iterator[FileReading]:
    """Read files in order, yielding one :class:`FileReading` (or error) per file.

    Single digits are read in batches; large runs are spread over worker processes,
    each with its own copy of the model (loaded once), so preprocessing and inference
    both use every core. Numbers are read one file at a time.
    """
    names = [str(p) for p in paths]
    done = 0
    for results in file_chunks(reader, names, number=number, workers=workers):
        yield from results
        done += len(results)
        if on_progress is not None:
            on_progress(done, len(names))


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
    global _worker_reader
    _worker_reader = Reader(Classifier(model_path, threads=1, scaling=scaling), adaptation=adaptation)


def _read_chunk_in_worker(names: list[str]) -> list[FileReading]:
    assert _worker_reader is not None
    return _read_chunk(_worker_reader, names)
