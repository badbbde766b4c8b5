"""Read whole numbers: compose them from the digits of writer-disjoint writers, per source.

Each number takes its digits from one writer (when the writer has enough), sizes vary
±15 %, baselines jitter, and the ink gap between neighbours is a random share of a
typical digit's width: from ordinary gaps down to touching ink (gap 0) and a little
overlap. Every number is also written slanted (the whole number sheared, forward or,
one time in four, backward), which makes neighbours overlap in x. Touching numbers are
also written with one stroke running on into the next digit (the pen not lifted where a
digit ends near the next one's start), and as an image of connected ink. The composed
drawing is read by the app's own reader (``Reader.read_drawing(drawing, number=True)``,
``Reader.read_image(pixels, number=True)``) on the app's canvas.

    python -m lab.evaluate.numbers --unipen ../shared/data/unipen-digits \\
        --digilets ../shared/data/digilets-digits [--part val] [--count 500]

Reports, per source, number length, writing and gap range: exact number accuracy and
split accuracy (the digits' ink grouped right); plus single digits read as numbers.

    python -m lab.evaluate.tune_numbers --unipen ... --digilets ... --part val

reads the same numbers once (with as many run-on numbers again, each of them with a
stroke run on into the next digit) and searches the choice's costs
(:class:`digitcanvas.reading.numbers.segmentation.Costs`) for the best exact rate, single digits
weighing most (they must stay one digit), and prints them (:mod:`lab.evaluate.tune_numbers`): the
bundled costs came from such a run on validation writers.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from digitcanvas.drawing.strokes import CANVAS_SIZE, Drawing
from digitcanvas.model.classifier import ModelLoadError, load_classifier
from digitcanvas.reading.numbers.number_reader import NumberReader
from digitcanvas.reading.reader import Reader, Reading
from lab.console import fail
from lab.data import digilets, unipen
from lab.data.unipen import PenSample, to_canvas

TYPICAL_ASPECT = 0.6  # a digit's width / height, the unit for gaps
PEN_FRACTION = 0.075  # on-screen pen width / digit height (18 px on a 240 px digit)
SIZE_JITTER = 0.15
BASELINE_JITTER = 0.06  # of the digit height
MAX_ASPECT = 1.3  # a wide flat sample is capped like the single-digit path caps it
SLANT_RANGE = (0.15, 0.35)  # |dx/dy| of a slanted number, on top of the writer's own slant
BACK_SLANT_SHARE = 0.25  # of slanted numbers lean backwards
JOIN_REACH = 0.5  # of the digit height: the pen runs on when a digit ends this near the next one's start
TOUCHING = (-0.1, 0.0)  # gaps of touching neighbours: ink that meets or overlaps a little


@dataclass(frozen=True)
class Layout:
    """One column of the report: how neighbours are spaced and how the number is recorded."""

    name: str
    gaps: tuple[float, float]  # ink gap between neighbours, in typical digit widths
    joined: bool = False  # one stroke runs on into the next digit where the pen would
    image: bool = False  # read as an image (connected ink) instead of strokes


LAYOUTS = (
    Layout("normal (0.2-0.8 w)", (0.2, 0.8)),
    Layout("small (0.05-0.2 w)", (0.05, 0.2)),
    Layout("close (0-0.05 w)", (0.0, 0.05)),
    Layout("touching (-0.1-0 w)", TOUCHING),
    Layout("touching, run-on strokes", TOUCHING, joined=True),
    Layout("touching, image", TOUCHING, image=True),
)
WRITINGS = ("upright", "slanted")
TARGET_LAYOUTS = ("normal (0.2-0.8 w)", "small (0.05-0.2 w)")  # the "gaps >= 0.05 w" target


@dataclass(frozen=True)
class Composed:
    drawing: Drawing
    groups: list[tuple[int, ...]]  # per digit, the strokes holding its ink (a run-on stroke is in two)
    spans: list[tuple[float, float]]  # per digit, its ink's x range on the canvas
    number: str
    joins: int  # neighbours joined by a run-on stroke


def sized(points: NDArray[np.float64], rng: np.random.Generator) -> tuple[NDArray[np.float64], float, float, float]:
    """How a digit's ``points`` are placed in a number: their top left corner, the scale that
    makes them about one unit tall (SIZE_JITTER either way) and their height and width then;
    a wide sample is squeezed to MAX_ASPECT (also :mod:`lab.data.synthetic_numbers`)."""
    low, high = points.min(axis=0), points.max(axis=0)
    size = np.maximum(high - low, 1e-9)
    height = 1.0 + rng.uniform(-SIZE_JITTER, SIZE_JITTER)
    scale = height / size[1]
    width = size[0] * scale
    if width > MAX_ASPECT * height:
        scale *= MAX_ASPECT * height / width
        width = MAX_ASPECT * height
    return low, scale, height, width


def compose(
    digits: Sequence[PenSample],
    rng: np.random.Generator,
    gaps: tuple[float, float],
    canvas: tuple[int, int],
    *,
    slant: float = 0.0,
    joined: bool = False,
) -> Composed:
    """Lay digits side by side on one baseline, sheared by ``slant`` (dx/dy, y down)."""
    pieces: list[tuple[int, NDArray[np.float64]]] = []  # (digit, stroke) in writing order
    cursor = 0.0
    for i, sample in enumerate(digits):
        low, scale, height, width = sized(np.concatenate(sample.strokes), rng)
        if i:
            cursor += PEN_FRACTION + rng.uniform(*gaps) * TYPICAL_ASPECT
        dy = rng.normal(0, BASELINE_JITTER) + (1.0 - height)  # shared baseline, jittered
        for stroke in sample.strokes:
            placed = (stroke - low) * scale + (cursor, dy)
            placed[:, 0] -= slant * (placed[:, 1] - 0.5)  # y down: slant > 0 leans forward
            pieces.append((i, placed))
        cursor += width
    strokes, owners, joins = _run_on(pieces) if joined else ([p for _, p in pieces], [{d} for d, _ in pieces], 0)
    all_points = np.concatenate(strokes)
    low, high = all_points.min(axis=0), all_points.max(axis=0)
    w, h = canvas
    px = min(0.6 * h / (high[1] - low[1]), 0.9 * w / (high[0] - low[0]))
    centre = (low + high) / 2
    placed_strokes = tuple(np.round((s - centre) * px + (w / 2, h / 2)) for s in strokes)
    groups = [tuple(k for k, o in enumerate(owners) if i in o) for i in range(len(digits))]
    spans = []
    for i in range(len(digits)):
        xs = np.concatenate([(p[:, 0] - centre[0]) * px + w / 2 for d, p in pieces if d == i])
        spans.append((float(xs.min()), float(xs.max())))
    number = "".join(str(s.label) for s in digits)
    return Composed(Drawing(placed_strokes, w, h, PEN_FRACTION * px), groups, spans, number, joins)


def _run_on(
    pieces: list[tuple[int, NDArray[np.float64]]],
) -> tuple[list[NDArray[np.float64]], list[set[int]], int]:
    """Join a digit's last stroke to the next digit's first where it ends within JOIN_REACH."""
    strokes: list[NDArray[np.float64]] = []
    owners: list[set[int]] = []
    joins = 0
    for k, (digit, stroke) in enumerate(pieces):
        starts_digit = k > 0 and pieces[k - 1][0] != digit
        if starts_digit and np.hypot(*(stroke[0] - strokes[-1][-1])) <= JOIN_REACH:
            strokes[-1] = np.concatenate([strokes[-1], stroke])
            owners[-1].add(digit)
            joins += 1
        else:
            strokes.append(stroke)
            owners.append({digit})
    return strokes, owners, joins


def as_image(drawing: Drawing) -> NDArray[np.uint8]:
    """The drawing as a photo of ink on paper would show it: dark round-capped strokes on white."""
    image = Image.new("L", (drawing.width, drawing.height), 255)
    draw = ImageDraw.Draw(image)
    r = drawing.pen_width / 2
    for stroke in drawing.strokes:
        draw.line([tuple(p) for p in stroke], fill=0, width=round(drawing.pen_width), joint="curve")
        for x, y in (stroke[0], stroke[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=0)
    return np.asarray(image)


def split_right(reading: Reading, composed: Composed, *, image: bool) -> bool:
    """Drawings: each digit made of exactly its true strokes. Images (no strokes): as many
    digits as written, each box centred within its true digit's ink, left to right."""
    if not image:
        return [d.members for d in reading.digits] == composed.groups
    if len(reading.digits) != len(composed.spans):
        return False
    for digit, (left, right) in zip(reading.digits, composed.spans, strict=True):
        assert digit.box is not None
        x, _, width, _ = digit.box
        if not left <= x + width / 2 <= right:
            return False
    return True


def pick_digits(
    by_writer: dict[str, list[PenSample]], pool: list[PenSample], n: int, rng: np.random.Generator
) -> list[PenSample]:
    writers = [w for w, s in by_writer.items() if len(s) >= n]
    if writers:
        samples = by_writer[writers[int(rng.integers(len(writers)))]]
        return [samples[i] for i in rng.choice(len(samples), size=n, replace=False)]
    return [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]


def random_slant(rng: np.random.Generator) -> float:
    magnitude = rng.uniform(*SLANT_RANGE)
    return -magnitude if rng.random() < BACK_SLANT_SHARE else magnitude


@dataclass
class Cell:
    count: int = 0
    exact: int = 0
    split: int = 0
    joins: int = 0

    def text(self) -> str:
        return f"{self.exact / max(self.count, 1):.1%} / {self.split / max(self.count, 1):.1%}"


Key = tuple[int, str, str]  # a report cell: number length, writing, layout name


def _by_writer(samples: list[PenSample]) -> dict[str, list[PenSample]]:
    by_writer: dict[str, list[PenSample]] = defaultdict(list)
    for s in samples:
        by_writer[s.writer_key].append(s)
    return by_writer


def numbers(
    samples: list[PenSample], lengths: Sequence[int], count: int, rng: np.random.Generator
) -> Iterator[tuple[Key, Layout, Composed]]:
    """Every composed number of a report, cell by cell, in a fixed order."""
    by_writer = _by_writer(samples)
    for n in lengths:
        for writing in WRITINGS:
            for layout in LAYOUTS:
                for _ in range(count):
                    digits = pick_digits(by_writer, samples, n, rng)
                    slant = random_slant(rng) if writing == "slanted" else 0.0
                    composed = compose(digits, rng, layout.gaps, CANVAS_SIZE, slant=slant, joined=layout.joined)
                    yield (n, writing, layout.name), layout, composed


def evaluate_source(
    reader: Reader,
    samples: list[PenSample],
    lengths: Sequence[int],
    count: int,
    rng: np.random.Generator,
) -> dict[Key, Cell]:
    """Cells keyed by (digits, writing, layout name)."""
    cells: dict[Key, Cell] = defaultdict(Cell)
    for key, layout, composed in numbers(samples, lengths, count, rng):
        if layout.image:
            reading = reader.read_image(as_image(composed.drawing), number=True)
        else:
            reading = reader.read_drawing(composed.drawing, number=True)
        cell = cells[key]
        cell.count += 1
        cell.exact += reading.number == composed.number
        cell.split += split_right(reading, composed, image=layout.image)
        cell.joins += composed.joins
    return cells


def singles_line(reader: Reader, samples: list[PenSample], count: int, rng: np.random.Generator) -> str:
    singles = [samples[i] for i in rng.choice(len(samples), size=min(count, len(samples)), replace=False)]
    as_number = as_digit = one_piece = image_one_piece = image_as_number = 0
    for sample in singles:
        drawing = to_canvas(sample, canvas=CANVAS_SIZE)
        reading = reader.read_drawing(drawing, number=True)
        one_piece += len(reading.digits) == 1
        as_number += reading.number == str(sample.label)
        as_digit += reader.read_drawing(drawing, number=False).digits[0].digit == sample.label
        image = reader.read_image(as_image(drawing), number=True)
        image_one_piece += len(image.digits) == 1
        image_as_number += image.number == str(sample.label)
    total = max(len(singles), 1)
    return (
        f"Single digits ({len(singles)}): read as a one-digit number {one_piece / total:.2%} of the time; "
        f"accuracy as a number {as_number / total:.2%} vs as a single digit {as_digit / total:.2%}. "
        f"As images: one digit {image_one_piece / total:.2%}, accuracy as a number {image_as_number / total:.2%}."
    )


def report_source(title: str, cells: dict[Key, Cell], lengths: Sequence[int], singles: str) -> list[str]:
    lines = [f"## {title}", "", "Cells: exact number / split right.", ""]
    lines.append("| digits | writing | " + " | ".join(layout.name for layout in LAYOUTS) + " |")
    lines.append("|---:|---|" + "---:|" * len(LAYOUTS))
    for n in lengths:
        for writing in WRITINGS:
            row = " | ".join(cells[(n, writing, layout.name)].text() for layout in LAYOUTS)
            lines.append(f"| {n} | {writing} | {row} |")
    run_on = LAYOUTS[4].name
    pairs = sum((n - 1) * cells[(n, w, run_on)].count for n in lengths for w in WRITINGS)
    if pairs:
        joins = sum(cells[(n, w, run_on)].joins for n in lengths for w in WRITINGS)
        lines.append(f"\nRun-on strokes joined {joins / pairs:.0%} of neighbour pairs.")
    for n in lengths:
        target = [cells[(n, w, name)] for w in WRITINGS for name in TARGET_LAYOUTS]
        touching = [cells[(n, w, layout.name)] for w in WRITINGS for layout in LAYOUTS if layout.gaps == TOUCHING]
        lines.append(
            f"\n{n} digits: gaps ≥ 0.05 w read exactly {_rate(target):.2%}; touching neighbours "
            f"(all three records) {_rate(touching):.2%}."
        )
    lines += ["", singles, ""]
    return lines


def _rate(cells: Sequence[Cell]) -> float:
    return sum(c.exact for c in cells) / max(sum(c.count for c in cells), 1)


Loader = Callable[[str], list[PenSample]]
SOURCES: dict[str, tuple[str, Loader, Callable[[list[PenSample], str], list[PenSample]]]] = {
    "unipen": ("UNIPEN", unipen.load_samples, unipen.select),
    "digilets": ("DigiLeTs", digilets.load_digits, lambda s, part: digilets.select(s, part)),
}


def add_number_reader_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--number-reader",
        default="bundled",
        help='the number reader\'s ONNX file, "bundled" (the default) or "none" (numbers split by the model alone)',
    )


def number_reader_of(value: str) -> NumberReader | Literal["bundled"] | None:
    """The ``--number-reader`` option's reader; raises ``OSError`` for a missing file."""
    if value in ("bundled", "none"):
        return "bundled" if value == "bundled" else None
    if not Path(value).is_file():
        raise FileNotFoundError(f"{value}: no such number reader file")
    return NumberReader(value)


def arguments(prog: str, description: str | None) -> argparse.ArgumentParser:
    """The command line of this evaluation and of :mod:`lab.evaluate.tune_numbers`."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unipen", help="UNIPEN digits folder or digits.jsonl.gz")
    parser.add_argument("--digilets", help="DigiLeTs digits folder or digits.jsonl.gz")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    add_number_reader_option(parser)
    parser.add_argument("--part", choices=["train", "val", "test"], default="test")
    parser.add_argument("--count", type=int, default=500, help="numbers per cell (length, writing, gaps)")
    parser.add_argument("--lengths", default="4", help="number lengths, comma-separated")
    parser.add_argument("--singles", type=int, default=2000, help="single digits read as numbers, per source")
    parser.add_argument("--seed", type=int, default=2026)
    return parser


def load_parts(args: argparse.Namespace) -> tuple[Reader, dict[str, list[PenSample]]] | str:
    """The reader and each source's digits of ``args.part``'s writers (by source name), or what is wrong."""
    paths = {key: path for key, path in (("unipen", args.unipen), ("digilets", args.digilets)) if path}
    if not paths:
        return "give --unipen, --digilets or both"
    try:
        classifier = load_classifier(args.model, threads=0)
        number_reader = number_reader_of(args.number_reader)
        loaded = {key: SOURCES[key][1](path) for key, path in paths.items()}
    except (ModelLoadError, OSError, ValueError) as e:
        return str(e)
    parts = {}
    for key, samples in loaded.items():
        name, _, select = SOURCES[key]
        parts[name] = select(samples, args.part)
        if not parts[name]:
            return f"{paths[key]}: no {args.part} writers"
    print(f"# Numbers from {args.part} writers: {classifier.describe()}\n")
    print(
        f"{args.count} numbers per cell; canvas {CANVAS_SIZE[0]}×{CANVAS_SIZE[1]}; gaps are ink gaps in units of a "
        f"typical digit width w ({TYPICAL_ASPECT} × height), negative where neighbours overlap; slanted numbers "
        f"are sheared by {SLANT_RANGE[0]}-{SLANT_RANGE[1]} (dx/dy), {BACK_SLANT_SHARE:.0%} of them backwards.\n"
    )
    return Reader(classifier, number_reader=number_reader), parts


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments("python -m lab.evaluate.numbers", __doc__).parse_args(argv)
    lengths = [int(v) for v in args.lengths.split(",")]
    loaded = load_parts(args)
    if isinstance(loaded, str):
        return fail(loaded)
    reader, parts = loaded
    for name, part in parts.items():
        rng = np.random.default_rng(args.seed)
        cells = evaluate_source(reader, part, lengths, args.count, rng)
        writers = len({s.writer_key for s in part})
        title = f"{name} {args.part} writers ({writers} writers, {len(part):,} digits)"
        for line in report_source(title, cells, lengths, singles_line(reader, part, args.singles, rng)):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
