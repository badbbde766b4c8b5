"""How long reading a number takes: what the window waits for after Enter.

    python -m lab.benchmark.numbers --unipen ../shared/data/unipen-digits [--count 200] \\
        [--pen ../shared/data/unipen-numbers] [--scans ../shared/data/orand-car-a]

Reads validation writers' digits as the window does (``Reader.read_drawing``: every
drawing is read as a number), one at a time on one thread, and prints the median and
95th percentile time for a single digit, 4- and 10-digit numbers written with ordinary
gaps and with touching neighbours, and a 4-digit number as an image
(``Reader.read_image(number=True)``). Numbers are composed as :mod:`lab.evaluate.numbers`
composes them. ``--pen`` adds real pen numbers of validation writers
(:mod:`lab.data.unipen_numbers`: 2-5 digits, and 10), ``--scans`` real scans of the val part
(:mod:`lab.data.orand`). Each drawn line names its budget where it has one: what the window
may take for a number of that length end to end (BUDGETS_MS), and whether the median is within
it; images (``digitcanvas predict``'s path, not the window's) have none.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.strokes import CANVAS_SIZE, Drawing
from digitcanvas.model.classifier import ModelLoadError, load_classifier
from digitcanvas.reading.reader import Reader
from lab.console import fail
from lab.data import orand, unipen, unipen_numbers
from lab.evaluate.numbers import LAYOUTS, add_number_reader_option, as_image, compose, number_reader_of

SEED = 5
# The median time the window may take to read a number after Enter, by its length (digits):
# a 4-digit number within 30 ms, a 10-digit one within 60 ms (issue #24).
BUDGETS_MS = {4: 30.0, 10: 60.0}
WARM_UP = 5
T = TypeVar("T")


def timed(read: Callable[[T], object], inputs: Sequence[T], *, digits: int | None = None) -> str:
    """Median and 95th percentile of reading each input once, in ms; for a length with a
    budget (BUDGETS_MS), whether the median is within it."""
    times = []
    for item in inputs:
        start = time.perf_counter()
        read(item)
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    line = f"{median:6.1f} ms median, p95 {float(np.percentile(times, 95)):6.1f} ms  (n={len(times)})"
    budget = BUDGETS_MS.get(digits or 0)
    if budget is not None:
        line += f"  budget {budget:g} ms: {'within' if median <= budget else 'OVER'}"
    return line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.benchmark.numbers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--unipen", required=True, help="UNIPEN digits folder (validation writers are used)")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    add_number_reader_option(parser)
    parser.add_argument("--count", type=int, default=200, help="inputs of each kind (≥ 10)")
    parser.add_argument("--pen", help="UNIPEN real numbers folder: also time its val writers' numbers")
    parser.add_argument("--scans", help="ORAND-CAR folder: also time its val scans")
    args = parser.parse_args(argv)
    if args.count < 10:
        return fail("--count must be at least 10")
    try:
        reader = Reader(load_classifier(args.model), number_reader=number_reader_of(args.number_reader))
        samples = unipen.select(unipen.load_samples(args.unipen), "val")
        pen = unipen_numbers.select(unipen_numbers.load_numbers(args.pen), "val") if args.pen else []
        scans = orand.select(orand.load_scans(args.scans), "val") if args.scans else []
    except (ModelLoadError, OSError, ValueError) as e:
        return fail(str(e))
    rng = np.random.default_rng(SEED)
    gaps = {layout.name: layout.gaps for layout in LAYOUTS}

    def number(layout: str, length: int = 4) -> Drawing:
        digits = [samples[i] for i in rng.choice(len(samples), length)]
        return compose(digits, rng, gaps[layout], CANVAS_SIZE).drawing

    def read_image(pixels: NDArray[np.uint8]) -> object:
        return reader.read_image(pixels, number=True)

    singles = [unipen.to_canvas(samples[i]) for i in rng.choice(len(samples), args.count)]
    composed = {
        (length, layout): [number(layout, length) for _ in range(args.count)]
        for length in (4, 10)
        for layout in ("normal (0.2-0.8 w)", "touching (-0.1-0 w)")
    }
    images = [as_image(d) for d in composed[4, "normal (0.2-0.8 w)"][: max(10, args.count // 4)]]
    for drawing in singles[:WARM_UP]:
        reader.read_drawing(drawing)
    print(f"# Reading numbers: {reader.classifier.describe()}, one thread\n")
    print(f"single digit, drawn           {timed(reader.read_drawing, singles)}")
    for (length, layout), drawings in composed.items():
        name = f"{length} digits, {'gaps 0.2-0.8 w' if layout.startswith('normal') else 'touching'}"
        print(f"{name:<30}{timed(reader.read_drawing, drawings, digits=length)}")
    print(f"4 digits, as an image         {timed(read_image, images)}")  # the CLI's path: no budget
    if pen:
        by_length: dict[int, list[Drawing]] = {}
        for real in pen:
            by_length.setdefault(len(real.label), []).append(unipen_numbers.to_canvas(real))
        for length, drawings in sorted(by_length.items()):
            print(f"{f'real pen, {length} digits':<30}{timed(reader.read_drawing, drawings, digits=length)}")
    if scans:
        pixels = [scan.pixels() for scan in scans]
        print(f"{'real scans (ORAND val)':<30}{timed(read_image, pixels)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
