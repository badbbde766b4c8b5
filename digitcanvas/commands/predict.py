"""``digitcanvas predict``: read image and drawing files in bulk, as a table or JSON lines.

Reading is the core's job (:class:`digitcanvas.reading.reader.Reader`); this module formats the
results, reports progress and picks the exit status.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
from typing import Any, TextIO

from digitcanvas.collection.folder import scan_collection
from digitcanvas.collection.hand import fit_hand
from digitcanvas.commands.input_option import add_input_argument, add_model_argument
from digitcanvas.commands.terminal import printable, shown
from digitcanvas.drawing.sources import gather_files
from digitcanvas.drawing.strokes import DrawingFileError
from digitcanvas.model.classifier import Classifier, InputSource
from digitcanvas.model.conventions import describe_scaling
from digitcanvas.model.describe import describe_input, doubt_description
from digitcanvas.model.session import ModelRunError
from digitcanvas.reading.adaptation import Adaptation
from digitcanvas.reading.batch import FileReading, read_files
from digitcanvas.reading.doubt import DoubtReason, format_percent
from digitcanvas.reading.reader import DigitReading, Reader, Reading

PATH_COLUMN_MAX = 60  # characters of the file column: a longer path is shortened in its middle ("…")
HINTS_NAMED = 3  # files named in the "try --number" hint; more are counted
DIGIT_COLUMN = 5  # "digit"
CONFIDENCE_COLUMN = 10  # "confidence"
VERDICT_COLUMN = max(len(f"not sure ({reason})") for reason in DoubtReason)
SHORT_VERDICT_COLUMN = len("not sure")  # --number: the reason, naming the digit, ends the line
NUMBER_COLUMN = 10  # --number: longer numbers push the confidences right
PROGRESS_INTERVAL_S = 0.25
PROGRESS_MIN_FILES = 200  # smaller runs finish before a progress line would help
DECIMALS = 6  # probabilities in JSON

NOT_A_NUMBER = "the model gave a probability that is not a number"

EXIT_OK = 0
EXIT_SOME_FAILED = 1  # some inputs could not be read; the others were
EXIT_USAGE = 2  # bad arguments, a bad model, or no input files at all


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_argument(parser, subcommand=True)
    parser.add_argument(
        "--adapt",
        metavar="FOLDER",
        help="adapt the readings to the labelled drawings in FOLDER (a collection), as the app's "
        "'Adapt to My Handwriting' does",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="image or drawing files, or folders")
    add_model_argument(parser, subcommand=True)
    parser.add_argument("-r", "--recursive", action="store_true", help="walk folders recursively")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per line: file, digit, probabilities, sure, doubt"
    )
    parser.add_argument("--top", type=int, default=1, metavar="K", help="show the K most likely digits (1-10)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the count, time and rate on stderr")
    parser.add_argument(
        "--number",
        action="store_true",
        help="read a whole number from each file: strokes (drawings) or connected ink (images) are split into digits",
    )


def run(args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run ``predict`` with parsed arguments; returns the exit status."""
    from digitcanvas.model.classifier import ModelLoadError, load_classifier

    stdout = stdout or _tolerant(sys.stdout)
    stderr = stderr or _tolerant(sys.stderr)
    if not 1 <= args.top <= 10:
        print("error: --top must be between 1 and 10", file=stderr)
        return EXIT_USAGE
    try:
        # One inference thread: the other core preprocesses files (see reading.batch.read_files).
        reader = Reader(load_classifier(args.model, threads=1, scaling=args.input))
    except ModelLoadError as e:
        print(f"error: {shown(str(e))}", file=stderr)
        if args.verbose and e.details:  # onnxruntime's own words, for whoever debugs the model
            print(f"details: {shown(e.details)}", file=stderr)
        return EXIT_USAGE
    for line in model_warnings(reader.classifier):
        print(f"warning: {shown(line)}", file=stderr)
    if reader.classifier.input_source == InputSource.DETECTED:  # one line, so nobody is left guessing
        print(f"note: {shown(detection_note(reader.classifier))}", file=stderr)
    if args.verbose:
        classifier = reader.classifier
        print(shown(f"{classifier.describe()} · {describe_input(classifier)}"), file=stderr)
        print(shown(doubt_description(classifier)), file=stderr)
    if args.adapt is not None:
        try:
            reader.adaptation = adaptation_from(reader, args.adapt)
        except DrawingFileError as e:
            print(f"error: {shown(str(e))}", file=stderr)
            return EXIT_USAGE
        except ModelRunError as e:
            print(f"error: {shown(f'{reader.classifier.path}: cannot adapt to {args.adapt}: {e}')}", file=stderr)
            return EXIT_USAGE
        if args.verbose:
            print(shown(f"adapted to {reader.adaptation.count} labelled drawings in {args.adapt}"), file=stderr)
    return predict_files(
        reader,
        args.files,
        recursive=args.recursive,
        as_json=args.json,
        top=args.top,
        number=args.number,
        verbose=args.verbose,
        stdout=stdout,
        stderr=stderr,
    )


def detection_note(classifier: Classifier) -> str:
    """ "mnist.onnx: input detected as pixels 0–1 (96 % of the reference digits read right;
    --input sets it)": what was detected, how sure, and how to override it."""
    detection = classifier.detection
    accuracy = f"{detection.accuracy:.0%} of the reference digits read right; " if detection is not None else ""
    label = describe_scaling(classifier.scaling, classifier.layout.side)
    return f"{classifier.path.name}: input detected as {label} ({accuracy}--input sets it)"


def model_warnings(classifier: Classifier) -> list[str]:
    """What a person should know about how the model is read: no input convention fitted
    it, or its scores are independent (sigmoid) units that DigitCanvas normalises."""
    warnings = []
    if classifier.input_source == InputSource.FALLBACK:
        warnings.append(f"{classifier.path}: {describe_input(classifier)}")
    if classifier.scores_normalised:
        warnings.append(
            f"{classifier.path}: its scores are independent (sigmoid) units, not probabilities; "
            "DigitCanvas normalises them to sum to 1"
        )
    return warnings


def adaptation_from(reader: Reader, folder: str) -> Adaptation:
    """The adaptation to the labelled drawings of a collection folder (bad files skipped)."""
    scan = scan_collection(folder)  # within the collection's limits: the work is bounded
    if not scan.entries:
        raise DrawingFileError(f"{folder}: no labelled drawings to adapt to")
    hand = fit_hand(reader, scan.entries)  # in batches: bounded memory
    assert hand.adaptation is not None
    return hand.adaptation


def predict_files(
    reader: Reader,
    inputs: list[str],
    *,
    recursive: bool = False,
    as_json: bool = False,
    top: int = 1,
    number: bool = False,
    verbose: bool = False,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """Read files and print one result per file; returns the exit status."""
    files, problems, skipped = gather_files(inputs, recursive=recursive)
    for problem in problems:
        print(f"error: {shown(problem)}", file=stderr)
    if skipped:
        print(f"note: skipped {skipped} file{'s' * (skipped != 1)} in the folders that are neither images nor drawings",
              file=stderr)  # fmt: skip
    if not files:
        print("error: no input files", file=stderr)
        return EXIT_USAGE
    width = min(max(len(shown(str(p), limit=None)) for p in files), PATH_COLUMN_MAX)
    if not as_json:
        print(table_header(width, number=number, top=top), file=stdout)
    started = time.perf_counter()
    failed = len(problems)
    read = 0
    progress = Progress(stderr, len(files))
    numbers: list[tuple[str, str]] = []  # (file, number): read as one digit, clearly a number
    for result in read_files(reader, files, number=number, on_progress=progress):
        unsure = result.reading is not None and not number and not result.reading.sure
        if unsure and (instead := reader.number_instead(result.path)) is not None:
            numbers.append((result.path, instead.text))
        if result.reading is None:
            failed += 1
            print(f"error: {shown(result.error or '')}", file=stderr)
            continue
        try:
            line = json_line(result, top, number=number) if as_json else table_row(result, width, top, number=number)
        except ValueError:  # a probability that is not a finite number: never printed
            failed += 1
            print(f"error: {shown(result.path)}: {NOT_A_NUMBER}", file=stderr)
            continue
        read += 1
        print(line, file=stdout)
    if numbers:
        print(f"hint: {number_hint(numbers)}", file=stderr)
    if verbose:
        elapsed = time.perf_counter() - started
        rate = len(files) / elapsed if elapsed > 0 else float("inf")
        print(
            f"{read} read, {failed} failed in {elapsed:.2f} s ({rate:,.0f} files/s) "
            f"with {shown(reader.classifier.describe())}",
            file=stderr,
        )
    return EXIT_SOME_FAILED if failed else EXIT_OK


# --- formatting --------------------------------------------------------------------------


def number_hint(numbers: list[tuple[str, str]]) -> str:
    """ "a.png looks like a number (reads 47 with --number): try --number", for the files
    read as one digit the app is not sure of that read clearly as numbers."""
    named = ", ".join(f"{shown(path, limit=None)} reads {text}" for path, text in numbers[:HINTS_NAMED])
    more = f" and {len(numbers) - HINTS_NAMED} more" if len(numbers) > HINTS_NAMED else ""
    if len(numbers) == 1:
        path, text = numbers[0]
        return f"{shown(path, limit=None)} looks like a number (reads {text} with --number): try --number"
    return f"{len(numbers)} files look like numbers ({named}{more} with --number): try --number"


def shorten_path(path: str, width: int) -> str:
    """``path`` in at most ``width`` characters: a longer one keeps its start and its file
    name, with "…" between, so the table's columns stay in line."""
    if len(path) <= width:
        return path
    tail = max(width * 2 // 3, 1)
    head = max(width - tail - 1, 0)
    return path[:head] + "…" + path[len(path) - tail :]


def _tolerant(stream: TextIO) -> TextIO:
    """The standard stream, set to escape what its encoding cannot write instead of failing."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):  # a closed or unusual stream: left as it is
            reconfigure(errors="backslashreplace")
    return stream


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(NOT_A_NUMBER)
    return value


def table_header(width: int, *, number: bool, top: int) -> str:
    if number:
        return f"{'file':<{width}}  {'verdict':<{SHORT_VERDICT_COLUMN}}  {'number':<{NUMBER_COLUMN}}  digit confidences"
    header = (
        f"{'file':<{width}}  {'digit':>{DIGIT_COLUMN}}  {'confidence':>{CONFIDENCE_COLUMN}}  "
        f"{'verdict':<{VERDICT_COLUMN}}"
    )
    return (header + "  next best" if top > 1 else header).rstrip()


def _verdict_text(doubt: str | None) -> str:
    return "sure" if doubt is None else f"not sure ({doubt})"


def table_row(result: FileReading, width: int, top: int, *, number: bool) -> str:
    """One file's line of the table. Every column but the last has a fixed width, so the
    columns line up under the header however the rows differ (a verdict, a long number)."""
    reading = result.reading
    assert reading is not None
    if number:
        confidences = " ".join(f"{format_percent(_finite(d.confidence), decimals=0):>5}" for d in reading.digits)
        verdict = "sure" if reading.doubt is None else "not sure"
        row = f"{shorten_path(shown(result.path, limit=None), width):<{width}}  {verdict:<{SHORT_VERDICT_COLUMN}}  "
        row += f"{reading.text:<{NUMBER_COLUMN}}"
        return f"{row}  {confidences}" + (f"  ({reading.doubt})" if reading.doubt else "")
    digit = reading.digits[0]
    confidence = format_percent(_finite(digit.confidence), decimals=2)
    row = f"{shorten_path(shown(result.path, limit=None), width):<{width}}  {digit.digit:>{DIGIT_COLUMN}}  "
    row += f"{confidence:>{CONFIDENCE_COLUMN}}"
    row += f"  {_verdict_text(digit.doubt):<{VERDICT_COLUMN}}"
    others = "  ".join(f"{d}:{format_percent(p)}" for d, p in digit.ranked(top)[1:])
    return (f"{row}  {others}" if others else row).rstrip()


def digit_record(digit: DigitReading) -> dict[str, Any]:
    """The JSON of one digit: its top digit, confidence, probabilities and verdict."""
    return {
        "digit": digit.digit,
        "confidence": round(digit.confidence, DECIMALS),
        "probabilities": [round(float(p), DECIMALS) for p in digit.probabilities],
        "sure": digit.sure,
        "doubt": digit.doubt,
    }


def reading_record(reading: Reading, *, top: int = 1, number: bool = False) -> dict[str, Any]:
    if number:
        return {
            "number": reading.number,
            "sure": reading.sure,
            "doubt": reading.doubt,
            "digits": [digit_record(d) for d in reading.digits],
        }
    digit = reading.digits[0]
    record = digit_record(digit)
    if top > 1:
        record["top"] = [{"digit": d, "probability": round(p, DECIMALS)} for d, p in digit.ranked(top)]
    return record


def json_line(result: FileReading, top: int, *, number: bool) -> str:
    assert result.reading is not None
    record = {"file": printable(result.path), **reading_record(result.reading, top=top, number=number)}
    return json.dumps(record, allow_nan=False)  # ValueError rather than NaN, which is not JSON


class Progress:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self._stream = stream
        self._enabled = stream.isatty() and total >= PROGRESS_MIN_FILES
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
