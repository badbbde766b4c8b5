"""Read numbers as people really write them, through the app's reader.

    python -m lab.evaluate.real_numbers [--part val] [--failures]
    python -m lab.evaluate.real_numbers --pen ../shared/data/unipen-numbers \\
        --scans ../shared/data/orand-car-a [--part val] [--drawings FOLDER] [--failures]

Without ``--pen``, ``--scans`` or ``--drawings`` both data sets are read from their usual
places (``DEFAULT_PEN``, ``DEFAULT_SCANS``, relative to the working directory).

* ``--pen``: UNIPEN real pen numbers (:mod:`lab.data.unipen_numbers`), each laid on the
  app's canvas as a person would write it there and read with
  ``Reader.read_drawing(drawing, number=True)``, as the window reads it. Writers are split
  into ``val`` and ``test`` (about half the numbers each).
* ``--scans``: ORAND-CAR-A scanned cheque amounts (:mod:`lab.data.orand`; research use
  only), read with ``Reader.read_image(pixels, number=True)``. No writer ids: the images
  are split into ``val`` and ``test`` by a seeded hash of their names.
* ``--drawings``: a folder of drawing files whose ``label`` is the whole number ("2026"),
  read as the pen numbers are (no split: they are your own).

Tune on ``--part val``; count ``--part test`` once, at the end. The report gives, per
source: the exact rate (every digit right, none missing or extra), the rate with the right
number of digits, both by number length, and every number in one failure class: too few
digits, too many, the right count with a wrong digit. Readings that are wrong but sure
(no "Not sure" among their digits) are counted too: those are the errors a user is not
warned of.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.file import load_drawing
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, EmptyInputError
from digitcanvas.model.classifier import ModelLoadError, load_classifier
from digitcanvas.reading.numbers.number_reader import NumberReader
from digitcanvas.reading.numbers.segmentation import Plan, plan_drawing, plan_image
from digitcanvas.reading.reader import Reader, Reading
from lab.console import fail, log
from lab.data import orand, unipen_numbers
from lab.evaluate.numbers import add_number_reader_option, number_reader_of

EXACT = "exact"
FEWER = "too few digits"
MORE = "too many digits"
WRONG_DIGIT = "right count, a digit wrong"
NO_INK = "nothing read"
CLASSES = (EXACT, FEWER, MORE, WRONG_DIGIT, NO_INK)
Item = tuple[str, str, Callable[[], Reading]]  # name, truth, how to read it
LONG = 6  # numbers of this many digits and more share a row of the length table
DEFAULT_PEN = "../shared/data/unipen-numbers"
DEFAULT_SCANS = "../shared/data/orand-car-a"


def failure_class(truth: str, read: str | None) -> str:
    """Which class a reading falls in: exact, too few digits, too many, or the right count
    with a wrong digit (``read`` None: nothing could be read)."""
    if read is None:
        return NO_INK
    if read == truth:
        return EXACT
    if len(read) < len(truth):
        return FEWER
    if len(read) > len(truth):
        return MORE
    return WRONG_DIGIT


@dataclass
class Tally:
    """Readings of one source: per number, its length, failure class and whether it was sure."""

    classes: Counter[str] = field(default_factory=Counter)
    by_length: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    sure_wrong: int = 0  # wrong readings with every digit sure: the user is not warned
    not_sure_right: int = 0  # exact readings with a digit not sure
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # name, truth, read

    def add(self, name: str, truth: str, reading: Reading | None) -> None:
        read = None if reading is None else reading.number
        kind = failure_class(truth, read)
        self.classes[kind] += 1
        self.by_length[min(len(truth), LONG)][kind] += 1
        if reading is not None and kind != EXACT and reading.sure:
            self.sure_wrong += 1
        if reading is not None and kind == EXACT and not reading.sure:
            self.not_sure_right += 1
        if kind != EXACT:
            self.failures.append((name, truth, "" if reading is None else shown(reading)))

    @property
    def count(self) -> int:
        return sum(self.classes.values())

    def rate(self, *kinds: str, among: Counter[str] | None = None) -> float:
        counts = self.classes if among is None else among
        return sum(counts[k] for k in kinds) / max(sum(counts.values()), 1)


def shown(reading: Reading) -> str:
    """The digits read, each one the app is not sure of followed by "?" ("20?26")."""
    return "".join(f"{d.digit}{'' if d.sure else '?'}" for d in reading.digits)


def count_right(counts: Counter[str]) -> int:
    return counts[EXACT] + counts[WRONG_DIGIT]


def report(title: str, tally: Tally, *, failures: bool = False) -> list[str]:
    """The source's section of the report, in Markdown."""
    n = tally.count
    lines = [
        f"## {title}",
        "",
        f"{n} numbers: **{tally.rate(EXACT):.1%} exact**, "
        f"{count_right(tally.classes) / max(n, 1):.1%} with the right number of digits; "
        f"wrong but sure (no warning) {tally.sure_wrong / max(n, 1):.1%}, "
        f"right but not sure {tally.not_sure_right / max(n, 1):.1%}.",
        "",
        "| digits | numbers | exact | digit count right |",
        "|---:|---:|---:|---:|",
    ]
    for length in sorted(tally.by_length):
        counts = tally.by_length[length]
        total = sum(counts.values())
        name = f"{length}+" if length == LONG else str(length)
        lines.append(f"| {name} | {total} | {counts[EXACT] / total:.1%} | {count_right(counts) / total:.1%} |")
    lines += ["", "| class | numbers | share |", "|---|---:|---:|"]
    for kind in CLASSES:
        if tally.classes[kind] or kind != NO_INK:
            lines.append(f"| {kind} | {tally.classes[kind]} | {tally.classes[kind] / max(n, 1):.1%} |")
    if failures:
        lines += ["", "Failures (name: truth → read; a digit followed by ? is not sure):", ""]
        lines += [f"- {name}: {truth} → {read or '(nothing)'}" for name, truth, read in tally.failures]
    return [*lines, ""]


def read_all(items: Iterable[Item], total: int, tally: Tally, what: str) -> Tally:
    """Read every (name, truth, read) item into ``tally``, logging progress."""
    for k, (name, truth, read) in enumerate(items):
        try:
            reading: Reading | None = read()
        except EmptyInputError:
            reading = None
        tally.add(name, truth, reading)
        if (k + 1) % 100 == 0:
            log(f"{what}: {k + 1}/{total}")
    return tally


def alone_line(number_reader: NumberReader, plans: Iterable[tuple[str, Callable[[], Plan]]]) -> str:
    """The number reader's own reading (its digits, no model in use) of each plan's strip, scored."""
    exact = count = total = 0
    for truth, plan in plans:
        made = plan()
        assert made.strip is not None
        guess = number_reader.read(made.strip())
        exact += guess == truth
        count += len(guess) == len(truth)
        total += 1
    return (
        f"The number reader alone: {exact / max(total, 1):.1%} exact, {count / max(total, 1):.1%} digit count right.\n"
    )


def pen_items(reader: Reader, numbers: Sequence[unipen_numbers.PenNumber]) -> list[Item]:
    def item(k: int, number: unipen_numbers.PenNumber) -> Item:
        drawing = unipen_numbers.to_canvas(number)
        return f"{k} {number.writer}", number.label, lambda: reader.read_drawing(drawing, number=True)

    return [item(k, n) for k, n in enumerate(numbers)]


def scan_items(reader: Reader, scans: Sequence[orand.Scan]) -> list[Item]:
    def item(scan: orand.Scan) -> Item:
        pixels: NDArray[np.uint8] = scan.pixels()
        return scan.path.name, scan.label, lambda: reader.read_image(pixels, number=True)

    return [item(s) for s in scans]


def labelled_drawings(folder: Path) -> list[tuple[Path, Drawing]]:
    """The drawing files of ``folder`` (recursively) whose label is a whole number."""
    found = []
    for path in sorted(folder.rglob("*.json")):
        try:
            drawing = load_drawing(path)
        except DrawingFileError as e:
            log(f"skipped: {e}")
            continue
        if drawing.number_label is not None:
            found.append((path, drawing))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate.real_numbers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--pen", help="UNIPEN numbers folder or numbers.jsonl.gz")
    parser.add_argument("--scans", help="ORAND-CAR folder (holding labels.csv and images/)")
    parser.add_argument("--drawings", help="a folder of drawing files labelled with whole numbers")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    add_number_reader_option(parser)
    parser.add_argument("--part", choices=["val", "test", "all"], default="val")
    parser.add_argument("--failures", action="store_true", help="list every failure (name, truth, reading)")
    args = parser.parse_args(argv)
    if not (args.pen or args.scans or args.drawings):
        args.pen, args.scans = DEFAULT_PEN, DEFAULT_SCANS
    try:
        reader = Reader(load_classifier(args.model, threads=0), number_reader=number_reader_of(args.number_reader))
        pen = unipen_numbers.select(unipen_numbers.load_numbers(args.pen), args.part) if args.pen else []
        scans = orand.select(orand.load_scans(args.scans), args.part) if args.scans else []
        drawings = labelled_drawings(Path(args.drawings)) if args.drawings else []
    except (ModelLoadError, OSError, ValueError) as e:
        return fail(str(e))
    print(f"# Real numbers, {args.part} part: {reader.classifier.describe()}\n")
    if args.pen:
        writers = len({n.writer for n in pen})
        tally = read_all(pen_items(reader, pen), len(pen), Tally(), "pen")
        title = f"UNIPEN pen numbers, {args.part} writers ({writers} writers)"
        print("\n".join(report(title, tally, failures=args.failures)), flush=True)
        if reader.number_reader is not None:
            plans = [(n.label, partial(plan_drawing, unipen_numbers.to_canvas(n))) for n in pen]
            print(alone_line(reader.number_reader, plans), flush=True)
    if args.scans:
        tally = read_all(scan_items(reader, scans), len(scans), Tally(), "scans")
        title = f"ORAND-CAR-A scans, {args.part} images"
        print("\n".join(report(title, tally, failures=args.failures)), flush=True)
        if reader.number_reader is not None:
            plans = [(s.label, partial(plan_image, s.pixels())) for s in scans]
            print(alone_line(reader.number_reader, plans), flush=True)
    if args.drawings:
        items = [
            (str(path), str(d.number_label), (lambda d=d: reader.read_drawing(d, number=True))) for path, d in drawings
        ]
        tally = read_all(items, len(items), Tally(), "drawings")
        print("\n".join(report(f"Drawing files in {args.drawings}", tally, failures=args.failures)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
