"""``digitcanvas predict``: classify image and drawing files in bulk. No Qt.

Files are recognised by content: JSON drawing files start with ``{``; anything else is
handed to the image reader. The model is loaded once, inputs are preprocessed (in
worker processes for large runs) and classified in batches.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

from .drawing import DrawingFileError, looks_like_drawing, parse_drawing
from .imagefile import ImageFileError, read_image
from .inference import Classifier
from .preprocessing import EmptyInputError, ImageFormatError, preprocess_drawing, preprocess_image
from .segmentation import NumberReading, read_number, read_number_image

PARALLEL_THRESHOLD = 1000  # files; below this, worker start-up costs more than it saves
CHUNK_SIZE = 256  # files preprocessed and classified as one batch
HEAD_BYTES = 64
PATH_COLUMN_MAX = 60  # characters of the file column in the table
PROGRESS_INTERVAL_S = 0.25

EXIT_OK = 0
EXIT_SOME_FAILED = 1  # some inputs could not be classified; the others were
EXIT_USAGE = 2  # bad arguments, a bad model, or no input files at all


@dataclass(frozen=True)
class FileResult:
    path: str
    probabilities: NDArray[np.float64] | None
    error: str | None = None

    @property
    def digit(self) -> int:
        assert self.probabilities is not None
        return int(np.argmax(self.probabilities))


def collect_files(inputs: Sequence[str], *, recursive: bool) -> tuple[list[Path], list[str]]:
    """Files named or found in the named folders (sorted), and problems with the names."""
    files: list[Path] = []
    problems: list[str] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = path.rglob("*") if recursive else path.iterdir()
            files.extend(sorted(p for p in found if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


def load_input(path: Path) -> NDArray[np.float32]:
    """The (28, 28) network input for one file; raises ``ValueError`` subclasses."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as e:
        raise DrawingFileError(f"{path}: cannot read the file ({e.strerror or e})") from e
    if looks_like_drawing(head):
        try:
            drawing = parse_drawing(path.read_bytes(), source=path)
        except OSError as e:
            raise DrawingFileError(f"{path}: cannot read the file ({e.strerror or e})") from e
        if drawing.is_empty:
            raise EmptyInputError(f"{path}: the drawing is empty")
        return preprocess_drawing(drawing)
    pixels = read_image(path)
    try:
        return preprocess_image(pixels)
    except (EmptyInputError, ImageFormatError) as e:
        raise type(e)(f"{path}: {e}") from e


def _load_chunk(paths: list[str]) -> list[tuple[str, NDArray[np.float32] | None, str | None]]:
    out: list[tuple[str, NDArray[np.float32] | None, str | None]] = []
    for name in paths:
        try:
            out.append((name, load_input(Path(name)), None))
        except (DrawingFileError, ImageFileError, EmptyInputError, ImageFormatError) as e:
            out.append((name, None, str(e)))
    return out


def _classify_chunk(classifier: Classifier, paths: list[str]) -> list[FileResult]:
    """Load, preprocess and classify a run of files in one batch, keeping their order."""
    loaded = _load_chunk(paths)
    images = [image for _, image, _ in loaded if image is not None]
    probs: Iterator[NDArray[np.float64]] = iter(classifier.predict_proba(np.stack(images)) if images else [])
    return [
        FileResult(name, None, error) if image is None else FileResult(name, next(probs))
        for name, image, error in loaded
    ]


_worker_classifier: Classifier | None = None


def _init_worker(model_path: str) -> None:
    global _worker_classifier
    _worker_classifier = Classifier(model_path, threads=1)


def _classify_chunk_in_worker(paths: list[str]) -> list[FileResult]:
    assert _worker_classifier is not None
    return _classify_chunk(_worker_classifier, paths)


def classify_files(
    classifier: Classifier,
    paths: list[Path],
    *,
    workers: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
) -> Iterator[FileResult]:
    """Classify files in order, yielding one result (or error) per file.

    Large runs are spread over worker processes, each with its own copy of the model
    (loaded once), so preprocessing and inference both use every core.
    """
    workers = workers or (os.cpu_count() or 1)
    names = [str(p) for p in paths]
    chunks = [names[i : i + CHUNK_SIZE] for i in range(0, len(names), CHUNK_SIZE)]
    done = 0
    if workers <= 1 or len(names) < PARALLEL_THRESHOLD:
        results: Iterable[list[FileResult]] = (_classify_chunk(classifier, chunk) for chunk in chunks)
        for chunk_results in results:
            yield from chunk_results
            done += len(chunk_results)
            if on_progress is not None:
                on_progress(done, len(names))
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(str(classifier.path),)) as pool:
        for chunk_results in pool.map(_classify_chunk_in_worker, chunks):
            yield from chunk_results
            done += len(chunk_results)
            if on_progress is not None:
                on_progress(done, len(names))


class Progress:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self._stream = stream
        self._enabled = stream.isatty() and total >= 200
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled:
            return
        now = time.perf_counter()
        if now - self._last < PROGRESS_INTERVAL_S and done != total:
            return
        self._last = now
        self._stream.write(f"\r{done}/{total} files ({done / total:.0%})")
        if done == total:
            self._stream.write("\n")
        self._stream.flush()


def _gather(inputs: Iterable[str], recursive: bool, stderr: TextIO) -> tuple[list[Path], list[str]]:
    """The files to read; problems and an empty selection are reported on ``stderr``."""
    files, problems = collect_files(list(inputs), recursive=recursive)
    for problem in problems:
        print(f"error: {problem}", file=stderr)
    if not files:
        print("error: no input files", file=stderr)
    return files, problems


def read_number_file(classifier: Classifier, path: Path) -> NumberReading:
    """Read a whole number from a drawing file (strokes) or an image (connected ink)."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if looks_like_drawing(head):
        drawing = parse_drawing(path.read_bytes(), source=path)
        if drawing.is_empty:
            raise EmptyInputError(f"{path}: the drawing is empty")
        return read_number(classifier, drawing)
    try:
        return read_number_image(classifier, read_image(path))
    except (EmptyInputError, ImageFormatError) as e:
        raise type(e)(f"{path}: {e}") from e


def number_json_line(path: str, reading: NumberReading) -> str:
    digits = [
        {
            "digit": d.prediction.digit,
            "confidence": round(d.prediction.confidence, 6),
            "probabilities": [round(float(p), 6) for p in d.prediction.probabilities],
        }
        for d in reading.digits
    ]
    return json.dumps({"file": path, "number": reading.text, "digits": digits})


def run_predict_numbers(
    classifier: Classifier,
    inputs: Iterable[str],
    *,
    recursive: bool = False,
    as_json: bool = False,
    verbose: bool = False,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """``predict --number``: read a whole number from each file; returns the exit status."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    files, problems = _gather(inputs, recursive, stderr)
    if not files:
        return EXIT_USAGE
    width = min(max(len(str(p)) for p in files), PATH_COLUMN_MAX)
    if not as_json:
        print(f"{'file':<{width}}  number  digit confidences", file=stdout)
    failed = len(problems)
    started = time.perf_counter()
    for path in files:
        try:
            reading = read_number_file(classifier, path)
        except (DrawingFileError, ImageFileError, EmptyInputError, ImageFormatError, OSError) as e:
            failed += 1
            print(f"error: {e}", file=stderr)
            continue
        if as_json:
            print(number_json_line(str(path), reading), file=stdout)
        else:
            confidences = " ".join(f"{d.prediction.confidence:.0%}" for d in reading.digits)
            print(f"{path!s:<{width}}  {reading.text:<6}  {confidences}", file=stdout)
    if verbose:
        elapsed = time.perf_counter() - started
        print(f"{len(files) - failed + len(problems)} read, {failed} failed in {elapsed:.2f} s", file=stderr)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def format_table_row(result: FileResult, top: int, width: int) -> str:
    assert result.probabilities is not None
    order = np.argsort(-result.probabilities, kind="stable")[:top]
    best = f"{order[0]}  {result.probabilities[order[0]]:7.2%}"
    others = "  ".join(f"{d}:{result.probabilities[d]:.1%}" for d in order[1:])
    return f"{result.path:<{width}}  {best}" + (f"   {others}" if others else "")


def json_line(result: FileResult, top: int) -> str:
    assert result.probabilities is not None
    probs = result.probabilities
    order = np.argsort(-probs, kind="stable")[:top]
    record = {
        "file": result.path,
        "digit": int(order[0]),
        "confidence": round(float(probs[order[0]]), 6),
        "probabilities": [round(float(p), 6) for p in probs],
    }
    if top > 1:
        record["top"] = [{"digit": int(d), "probability": round(float(probs[d]), 6)} for d in order]
    return json.dumps(record)


def run_predict(
    classifier: Classifier,
    inputs: Iterable[str],
    *,
    recursive: bool = False,
    as_json: bool = False,
    top: int = 1,
    verbose: bool = False,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Classify files and print results; returns the exit status."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    files, problems = _gather(inputs, recursive, stderr)
    if not files:
        return EXIT_USAGE
    width = min(max(len(str(p)) for p in files), PATH_COLUMN_MAX)
    if not as_json:
        print(f"{'file':<{width}}  digit  confidence" + ("   next best" if top > 1 else ""), file=stdout)
    started = time.perf_counter()
    failed = len(problems)
    classified = 0
    for result in classify_files(classifier, files, on_progress=Progress(stderr, len(files))):
        if result.error is not None:
            failed += 1
            print(f"error: {result.error}", file=stderr)
            continue
        classified += 1
        print(json_line(result, top) if as_json else format_table_row(result, top, width), file=stdout)
    elapsed = time.perf_counter() - started
    if verbose:
        rate = len(files) / elapsed if elapsed > 0 else float("inf")
        print(
            f"{classified} classified, {failed} failed in {elapsed:.2f} s ({rate:,.0f} files/s) "
            f"with {classifier.describe()}",
            file=stderr,
        )
    return EXIT_SOME_FAILED if failed else EXIT_OK
