"""The reading core: a drawing, an image or a file becomes a :class:`Reading`. No Qt.

This is the one place where DigitCanvas classifies. The window, ``digitcanvas predict``
and the lab all call a :class:`Reader`; it preprocesses (:mod:`.preprocessing`), splits
numbers (:mod:`.segmentation`), runs the model (:mod:`.inference`) and applies the
"Not sure" rules (:mod:`.doubt`) with the model's own threshold (:mod:`.model_info`).

A reading is one digit (``number=False``: the whole drawing or image is one digit) or a
number (``number=True``: the ink is split into digits, left to right). Every digit has
its probabilities, the 28×28 input the network saw, its box and its verdict.
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

from .adapt import Adaptation, drawing_features
from .doubt import Verdict, assess, too_small
from .drawing import (
    MAX_DRAWING_FILE_BYTES,
    Drawing,
    DrawingFileError,
    DrawingReadError,
    is_blank,
    looks_like_drawing,
    parse_drawing,
)
from .fileio import NotRegularFileError, check_regular, describe_os_error, open_regular
from .imagefile import ImageFileError, read_image
from .inference import Classifier, ModelRunError
from .model_info import InputScaling, ModelInfo
from .preprocessing import (
    DEFAULT_OPTIONS,
    EmptyInputError,
    Image28,
    ImageFormatError,
    PreprocessOptions,
    preprocess_drawing,
    preprocess_image,
)
from .segmentation import Box, Segment, ink_box, segment_drawing, segment_image

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
class DigitReading:
    """One digit as the app reads it: the network's probabilities and the verdict on them."""

    probabilities: NDArray[np.float64]  # (10,), float64, sums to 1
    image: Image28  # the (28, 28) input the network saw
    verdict: Verdict
    box: Box | None = None  # where the digit is, in canvas (or image) px
    members: tuple[int, ...] = ()  # the strokes (or image components) it is made of

    @property
    def digit(self) -> int:
        """The network's top digit (also when the verdict is "Not sure")."""
        return self.verdict.digit

    @property
    def confidence(self) -> float:
        return self.verdict.confidence

    @property
    def sure(self) -> bool:
        return self.verdict.sure

    @property
    def doubt(self) -> str | None:
        """Why the app is not sure ("too small", "low confidence"), or None when it is."""
        return None if self.verdict.sure else self.verdict.reason

    def ranked(self, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` most likely digits with their probabilities, best first."""
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(int(d), float(self.probabilities[d])) for d in order]


@dataclass(frozen=True)
class Reading:
    """What the app reads in a drawing or an image: one or more digits, left to right."""

    digits: tuple[DigitReading, ...]

    @property
    def number(self) -> str:
        """The network's top digits, e.g. "2026" (also for digits the app is not sure of)."""
        return "".join(str(d.digit) for d in self.digits)

    @property
    def text(self) -> str:
        """What the app announces: the digits, with "?" for each one it is not sure of."""
        return "".join(str(d.digit) if d.sure else "?" for d in self.digits)

    @property
    def sure(self) -> bool:
        return all(d.sure for d in self.digits)

    @property
    def doubt(self) -> str | None:
        """None when every digit is sure; else why, naming the digit in a number."""
        doubtful = [(i, d) for i, d in enumerate(self.digits) if not d.sure]
        if not doubtful:
            return None
        if len(self.digits) == 1:
            return doubtful[0][1].doubt
        return "; ".join(f"digit {i + 1} of {len(self.digits)}: {d.doubt}" for i, d in doubtful)


@dataclass(frozen=True)
class FileReading:
    """The reading of one file, or the reason it could not be read."""

    path: str
    reading: Reading | None
    error: str | None = None


class Reader:
    """Reads drawings, images and files with one model; the one entry point for classifying."""

    def __init__(
        self,
        classifier: Classifier,
        options: PreprocessOptions = DEFAULT_OPTIONS,
        *,
        adaptation: Adaptation | None = None,
    ) -> None:
        self.classifier = classifier
        self.options = options
        # A user's kept drawings (digitcanvas.adapt): when set, every reading leans towards them.
        self.adaptation = adaptation

    @property
    def info(self) -> ModelInfo:
        return self.classifier.info

    # --- drawings and images ---------------------------------------------------------------

    def read_drawing(self, drawing: Drawing, *, number: bool = True) -> Reading:
        """Read a drawing; raises ``EmptyInputError`` (no strokes) or ``ModelRunError``."""
        if drawing.is_empty:
            raise EmptyInputError("the drawing is empty")
        if number:
            return self._from_segments(segment_drawing(self.classifier, drawing, self.options), drawing)
        image = preprocess_drawing(drawing, self.options)
        probabilities = self.classifier.predict_proba(image)[0]
        return Reading((self._digit(probabilities, image, small=too_small(drawing), box=ink_box(drawing)),))

    def read_image(self, pixels: NDArray[np.generic], *, number: bool = False) -> Reading:
        """Read an image array (any size, dark-on-light or light-on-dark).

        Raises ``EmptyInputError`` (no ink), ``ImageFormatError`` or ``ModelRunError``.
        """
        array = np.asarray(pixels)
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ImageFormatError("the image has pixels that are not numbers (NaN or infinity)")
        if number:
            return self._from_segments(segment_image(self.classifier, array), None)
        image = preprocess_image(array)
        return Reading((self._digit(self.classifier.predict_proba(image)[0], image, small=False),))

    def read_images28(self, images: NDArray[np.float32], *, small: Sequence[bool] | None = None) -> list[Reading]:
        """Readings of ready network inputs (N, 28, 28), one digit each, in one batch."""
        batch = np.asarray(images, dtype=np.float32).reshape(-1, *images.shape[-2:])
        flags = list(small) if small is not None else [False] * len(batch)
        probabilities = self.classifier.predict_proba(batch) if len(batch) else np.zeros((0, 10))
        return [
            Reading((self._digit(p, image, small=flag),))
            for p, image, flag in zip(probabilities, batch, flags, strict=True)
        ]

    def _digit(
        self,
        probabilities: NDArray[np.float64],
        image: Image28,
        *,
        small: bool,
        box: Box | None = None,
        members: tuple[int, ...] = (),
    ) -> DigitReading:
        if self.adaptation is not None and self.adaptation.count:
            features = drawing_features(self, np.asarray(image, dtype=np.float32)[None])
            probabilities = self.adaptation.adjust(features, probabilities[None])[0]
        verdict = assess(probabilities, self.info.doubt_threshold, small=small)
        return DigitReading(probabilities, image, verdict, box, members)

    def _from_segments(self, segments: Sequence[Segment], drawing: Drawing | None) -> Reading:
        return Reading(
            tuple(
                self._digit(
                    s.probabilities,
                    s.image,
                    small=drawing is not None and too_small(drawing.subset(s.members)),
                    box=s.box,
                    members=s.members,
                )
                for s in segments
            )
        )

    # --- files -----------------------------------------------------------------------------

    def read_file(self, path: str | os.PathLike[str], *, number: bool = False) -> Reading:
        """Read a drawing file (JSON, told by content) or an image file.

        Raises one of :data:`READ_ERRORS`, its message naming the file.
        """
        path = Path(path)
        source = load_source(path)
        try:
            if isinstance(source, Drawing):
                return self.read_drawing(source, number=number)
            return self.read_image(source, number=number)
        except (EmptyInputError, ImageFormatError, ModelRunError) as e:
            raise type(e)(f"{path}: {e}") from e

    def read_files(
        self,
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
        for results in self._file_chunks(names, number=number, workers=workers):
            yield from results
            done += len(results)
            if on_progress is not None:
                on_progress(done, len(names))

    def _file_chunks(self, names: list[str], *, number: bool, workers: int) -> Iterable[list[FileReading]]:
        if number:
            return ([_read_one(self, name, number=True)] for name in names)
        chunks = [names[i : i + CHUNK_SIZE] for i in range(0, len(names), CHUNK_SIZE)]
        workers = workers or (os.cpu_count() or 1)
        if workers <= 1 or len(names) < PARALLEL_THRESHOLD:
            return (_read_chunk(self, chunk) for chunk in chunks)
        return _pooled(self, chunks, workers)


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
