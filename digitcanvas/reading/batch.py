"""Many files into readings, fast: batches, worker processes. No Qt.

:func:`read_files` reads the files a command names in order, yielding one
:class:`FileReading` (its reading, or why it has none) per file: single digits in
batches of :data:`CHUNK_SIZE`, spread over worker processes (each with its own copy of
the model) for runs of :data:`PARALLEL_THRESHOLD` files or more; numbers one at a time.

A batch the model fails on is read again one image at a time, so that one bad file does
not fail the others. A model that runs out of time (``MODEL_RUN_SECONDS``) on one image
is slow on ink, not on one file: it is not run again in that process, and the files left
are refused at once naming the file it was too slow on. So a run loses at most two time
limits per process to a slow model (the batch's and one image's), however many files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.image_file import ImageFileError
from digitcanvas.drawing.sources import load_source
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, EmptyInputError
from digitcanvas.model.classifier import Classifier
from digitcanvas.model.info import InputScaling
from digitcanvas.model.session import ModelRunError, ModelTimeoutError
from digitcanvas.model.shapes import Image28
from digitcanvas.reading.adaptation import Adaptation
from digitcanvas.reading.doubt import too_small
from digitcanvas.reading.preprocessing import BATCH_POINTS, ImageFormatError, preprocess_drawing, preprocess_image
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


class _SlowModel:
    """Whether the model ran out of time on one image in this process (then it is not run again)."""

    def __init__(self) -> None:
        self.reason: str | None = None  # why the files left are not read

    def note(self, name: str, error: ModelTimeoutError) -> str:
        """Remember that the model ran out of time on the file ``name``; its message."""
        self.reason = f"not read: the model ran out of time on {name} ({error})"
        return f"{name}: {error}"

    def refusal(self, name: str) -> str:
        return f"{name}: {self.reason}"


def file_chunks(reader: Reader, names: list[str], *, number: bool, workers: int) -> Iterable[list[FileReading]]:
    """The readings of ``names`` in order, a run of files at a time (see the module's text);
    ``workers``: processes for large runs (0: one per core). Numbers are read one file at a time."""
    slow = _SlowModel()
    if number:
        return ([_read_one(reader, name, slow)] for name in names)
    chunks = [names[i : i + CHUNK_SIZE] for i in range(0, len(names), CHUNK_SIZE)]
    workers = workers or (os.cpu_count() or 1)
    if workers <= 1 or len(names) < PARALLEL_THRESHOLD:
        return (_read_chunk(reader, chunk, slow) for chunk in chunks)
    return _pooled(reader, chunks, workers, slow)


def _pooled(reader: Reader, chunks: list[list[str]], workers: int, slow: _SlowModel) -> Iterator[list[FileReading]]:
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
        yield _read_chunk(reader, chunk, slow)


def _read_one(reader: Reader, name: str, slow: _SlowModel) -> FileReading:
    """One file read as a number (its own runs of the model), unless the model is too slow."""
    try:
        if slow.reason is not None:
            load_source(Path(name))  # a file that cannot be read says so, as when the model runs
            return FileReading(name, None, slow.refusal(name))
        return FileReading(name, reader.read_file(name, number=True))
    except ModelTimeoutError as e:
        cause = e.__cause__  # read_file names the file in a copy of the error
        return FileReading(name, None, slow.note(name, cause if isinstance(cause, ModelTimeoutError) else e))
    except READ_ERRORS as e:
        return FileReading(name, None, str(e))


@dataclass(frozen=True)
class _Loaded:
    """One file of a batch: its network input and whether it is too small to be a digit,
    or (``image`` None) why it has none."""

    image: Image28 | None
    small: bool = False
    error: str = ""


def _prepared(reader: Reader, name: str, source: Drawing | NDArray[np.generic]) -> _Loaded:
    try:
        if isinstance(source, Drawing):
            return _Loaded(preprocess_drawing(source, reader.options), too_small(source))
        return _Loaded(preprocess_image(source))
    except (EmptyInputError, ImageFormatError) as e:
        return _Loaded(None, error=f"{name}: {e}")


def _load_all(reader: Reader, names: list[str]) -> list[_Loaded]:
    """Every file read and made the network's input (or why not), the drawings preprocessed together (up to BATCH_POINTS
    points at a time, so that few are held at once)."""
    loaded: dict[int, _Loaded] = {}
    waiting: list[tuple[int, Drawing]] = []
    points = 0

    def flush() -> None:
        try:
            images = reader.images28([d for _, d in waiting])
        except EmptyInputError:  # one of them: each says which
            loaded.update((i, _prepared(reader, names[i], d)) for i, d in waiting)
        else:
            loaded.update((i, _Loaded(image, too_small(d))) for (i, d), image in zip(waiting, images, strict=True))
        waiting.clear()

    for i, name in enumerate(names):
        try:
            source = load_source(Path(name))  # its errors name the file
        except READ_ERRORS as e:
            loaded[i] = _Loaded(None, error=str(e))
            continue
        if not isinstance(source, Drawing) or source.is_empty:
            loaded[i] = _prepared(reader, name, source)
            continue
        waiting.append((i, source))
        points += sum(len(s) for s in source.strokes)
        if points >= BATCH_POINTS:
            flush()
            points = 0
    if waiting:
        flush()
    return [loaded[i] for i in range(len(names))]


def _read_chunk(reader: Reader, names: list[str], slow: _SlowModel) -> list[FileReading]:
    """Load and preprocess a run of files, then classify them in one batch (in order); one
    at a time when the batch fails (see the module's text)."""
    loaded = _load_all(reader, names)
    ready = [i for i, item in enumerate(loaded) if item.image is not None]
    results = {i: FileReading(names[i], None, item.error) for i, item in enumerate(loaded) if item.image is None}
    if ready and slow.reason is None:
        try:
            images = np.stack([image for i in ready if (image := loaded[i].image) is not None])
            found = reader.read_images28(images, small=[loaded[i].small for i in ready])
            results.update({i: FileReading(names[i], reading) for i, reading in zip(ready, found, strict=True)})
        except ModelTimeoutError as e:
            if len(ready) == 1:
                results[ready[0]] = FileReading(names[ready[0]], None, slow.note(names[ready[0]], e))
        except ModelRunError:
            pass  # the model fails on some input of the batch (or on batches at all): one by one
    for i in ready:
        if i not in results:
            results[i] = _read_loaded(reader, names[i], loaded[i], slow)
    return [results[i] for i in range(len(names))]


def _read_loaded(reader: Reader, name: str, item: _Loaded, slow: _SlowModel) -> FileReading:
    if slow.reason is not None or item.image is None:
        return FileReading(name, None, slow.refusal(name) if slow.reason else item.error)
    try:
        return FileReading(name, reader.read_images28(item.image[None], small=[item.small])[0])
    except ModelTimeoutError as e:
        return FileReading(name, None, slow.note(name, e))
    except ModelRunError as e:
        return FileReading(name, None, f"{name}: {e}")


_worker_reader: Reader | None = None
_worker_slow = _SlowModel()


def _init_worker(model_path: str, scaling: InputScaling, adaptation: Adaptation | None) -> None:
    global _worker_reader
    _worker_reader = Reader(Classifier(model_path, threads=1, scaling=scaling), adaptation=adaptation)


def _read_chunk_in_worker(names: list[str]) -> list[FileReading]:
    assert _worker_reader is not None
    return _read_chunk(_worker_reader, names, _worker_slow)
