"""How long reading a number takes: what the window waits for after Enter.

    python -m lab.benchmark.numbers --unipen ../shared/data/unipen-digits [--count 200]

Reads validation writers' digits as the window does (``Reader.read_drawing``: every
drawing is read as a number), one at a time on one thread, and prints the median and
95th percentile time for a single digit, a 4-digit number written with ordinary gaps,
one with touching neighbours, and a 4-digit number as an image
(``Reader.read_image(number=True)``). Numbers are composed as :mod:`lab.evaluate.numbers`
composes them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from digitcanvas.drawing.strokes import CANVAS_SIZE, Drawing
from digitcanvas.model.classifier import ModelLoadError, load_classifier
from digitcanvas.reading.reader import Reader
from lab.console import fail
from lab.data import unipen
from lab.evaluate.numbers import LAYOUTS, as_image, compose

SEED = 5
WARM_UP = 5
T = TypeVar("T")


def timed(read: Callable[[T], object], inputs: Sequence[T]) -> str:
    """Median and 95th percentile of reading each input once, in ms."""
    times = []
    for item in inputs:
        start = time.perf_counter()
        read(item)
        times.append((time.perf_counter() - start) * 1000)
    return f"{statistics.median(times):6.1f} ms median, p95 {float(np.percentile(times, 95)):6.1f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.benchmark.numbers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--unipen", required=True, help="UNIPEN digits folder (validation writers are used)")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--count", type=int, default=200, help="inputs of each kind (≥ 10)")
    args = parser.parse_args(argv)
    if args.count < 10:
        return fail("--count must be at least 10")
    try:
        reader = Reader(load_classifier(args.model))
        samples = unipen.select(unipen.load_samples(args.unipen), "val")
    except (ModelLoadError, OSError, ValueError) as e:
        return fail(str(e))
    rng = np.random.default_rng(SEED)
    gaps = {layout.name: layout.gaps for layout in LAYOUTS}

    def number(layout: str) -> Drawing:
        digits = [samples[i] for i in rng.choice(len(samples), 4)]
        return compose(digits, rng, gaps[layout], CANVAS_SIZE).drawing

    singles = [unipen.to_canvas(samples[i]) for i in rng.choice(len(samples), args.count)]
    spaced = [number("normal (0.2-0.8 w)") for _ in range(args.count)]
    touching = [number("touching (-0.1-0 w)") for _ in range(args.count)]
    images = [as_image(d) for d in spaced[: max(10, args.count // 4)]]
    for drawing in singles[:WARM_UP]:
        reader.read_drawing(drawing)
    print(f"# Reading numbers: {reader.classifier.describe()}, one thread\n")
    print(f"single digit, drawn           {timed(reader.read_drawing, singles)}  (n={len(singles)})")
    print(f"4 digits, gaps 0.2-0.8 w      {timed(reader.read_drawing, spaced)}  (n={len(spaced)})")
    print(f"4 digits, touching            {timed(reader.read_drawing, touching)}  (n={len(touching)})")
    image_times = timed(lambda x: reader.read_image(x, number=True), images)
    print(f"4 digits, as an image         {image_times}  (n={len(images)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
