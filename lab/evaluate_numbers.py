"""Read whole numbers: compose them from UNIPEN digits of writer-disjoint test writers.

Each number takes its digits from one writer (when the writer has enough), sizes vary
±15 %, baselines jitter, and the ink gap between neighbours is a random share of a
typical digit's width. The composed drawing is read by the app's own reader
(``Reader.read_drawing(drawing, number=True)``) on the app's canvas.

    python -m lab.evaluate_numbers --unipen ../shared/data/unipen-digits [--count 1000]

Reports, per number length and gap range: split accuracy (segmentation right), exact
number accuracy, and per-digit accuracy; plus single digits read as numbers.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing import CANVAS_SIZE, Drawing
from digitcanvas.inference import ModelLoadError, load_classifier
from digitcanvas.reader import Reader
from lab.common import fail
from lab.unipen import PenSample, load_samples, select, to_canvas

TYPICAL_ASPECT = 0.6  # a digit's width / height, the unit for gaps
PEN_FRACTION = 0.075  # on-screen pen width / digit height (18 px on a 240 px digit)
SIZE_JITTER = 0.15
BASELINE_JITTER = 0.06  # of the digit height
GAP_RANGES = {"normal (0.2-0.8 w)": (0.2, 0.8), "small (0.05-0.2 w)": (0.05, 0.2)}


def compose(
    digits: list[PenSample], rng: np.random.Generator, gaps: tuple[float, float], canvas: tuple[int, int]
) -> tuple[Drawing, list[tuple[int, ...]], str]:
    """Lay digits side by side; returns the drawing, the true stroke groups and the number."""
    strokes: list[NDArray[np.float64]] = []
    groups: list[tuple[int, ...]] = []
    cursor = 0.0
    for i, sample in enumerate(digits):
        points = np.concatenate(sample.strokes)
        low, high = points.min(axis=0), points.max(axis=0)
        size = np.maximum(high - low, 1e-9)
        height = 1.0 + rng.uniform(-SIZE_JITTER, SIZE_JITTER)
        scale = height / size[1]
        width = size[0] * scale
        if width > 1.3 * height:  # a wide flat sample: cap like the single-digit path does
            scale *= 1.3 * height / width
            width = 1.3 * height
        if i:
            cursor += PEN_FRACTION + rng.uniform(*gaps) * TYPICAL_ASPECT
        dy = rng.normal(0, BASELINE_JITTER) + (1.0 - height)  # shared baseline, jittered
        first = len(strokes)
        for stroke in sample.strokes:
            strokes.append((stroke - low) * scale + (cursor, dy))
        groups.append(tuple(range(first, len(strokes))))
        cursor += width
    all_points = np.concatenate(strokes)
    low, high = all_points.min(axis=0), all_points.max(axis=0)
    w, h = canvas
    px = min(0.6 * h / (high[1] - low[1]), 0.9 * w / (high[0] - low[0]))
    centre = (low + high) / 2
    placed = tuple(np.round((s - centre) * px + (w / 2, h / 2)) for s in strokes)
    pen = PEN_FRACTION * px
    return Drawing(placed, w, h, pen), groups, "".join(str(s.label) for s in digits)


def pick_digits(
    by_writer: dict[str, list[PenSample]], pool: list[PenSample], n: int, rng: np.random.Generator
) -> list[PenSample]:
    writers = [w for w, s in by_writer.items() if len(s) >= n]
    if writers:
        samples = by_writer[writers[int(rng.integers(len(writers)))]]
        return [samples[i] for i in rng.choice(len(samples), size=n, replace=False)]
    return [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate_numbers", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unipen", required=True, help="UNIPEN digits folder or digits.jsonl.gz")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--part", choices=["train", "val", "test"], default="test")
    parser.add_argument("--count", type=int, default=500, help="numbers per length and gap range")
    parser.add_argument("--lengths", default="2,3,4,5,6")
    parser.add_argument("--singles", type=int, default=2000, help="single digits read as numbers")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    try:
        classifier = load_classifier(args.model, threads=0)
        samples = load_samples(args.unipen)
    except (ModelLoadError, OSError, ValueError) as e:
        return fail(str(e))
    reader = Reader(classifier)
    part = select(samples, args.part)
    by_writer: dict[str, list[PenSample]] = defaultdict(list)
    for s in part:
        by_writer[s.writer_key].append(s)
    rng = np.random.default_rng(args.seed)

    print(f"# Numbers from UNIPEN {args.part} writers: {classifier.describe()}\n")
    print(
        f"{args.count} numbers per row; canvas {CANVAS_SIZE[0]}×{CANVAS_SIZE[1]}; gaps are ink gaps in units of a "
        f"typical digit width ({TYPICAL_ASPECT} × height).\n"
    )
    print("| digits | gaps | split correct | exact number | per digit (split right) |")
    print("|---:|---|---:|---:|---:|")
    for gap_name, gaps in GAP_RANGES.items():
        for n in (int(v) for v in args.lengths.split(",")):
            split_ok = exact = digit_ok = digit_total = 0
            for _ in range(args.count):
                digits = pick_digits(by_writer, part, n, rng)
                drawing, groups, truth = compose(digits, rng, gaps, CANVAS_SIZE)
                reading = reader.read_drawing(drawing, number=True)
                exact += reading.number == truth
                if [d.members for d in reading.digits] == groups:
                    split_ok += 1
                    digit_ok += sum(a == b for a, b in zip(reading.number, truth, strict=True))
                    digit_total += n
            print(
                f"| {n} | {gap_name} | {split_ok / args.count:.1%} | {exact / args.count:.1%} | "
                f"{digit_ok / max(digit_total, 1):.2%} |",
                flush=True,
            )

    singles = [part[i] for i in rng.choice(len(part), size=min(args.singles, len(part)), replace=False)]
    as_number = as_digit = one_piece = 0
    for sample in singles:
        drawing = to_canvas(sample, canvas=CANVAS_SIZE)
        reading = reader.read_drawing(drawing, number=True)
        one_piece += len(reading.digits) == 1
        as_number += reading.number == str(sample.label)
        as_digit += reader.read_drawing(drawing, number=False).digits[0].digit == sample.label
    print(
        f"\nSingle digits ({len(singles)}): read as a one-digit number {one_piece / len(singles):.2%} of the time; "
        f"accuracy as a number {as_number / len(singles):.2%} vs as a single digit {as_digit / len(singles):.2%}."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
