"""Synthetic whole numbers for training the number reader: real digits, joined the ways people join them.

Each number is made of real digits (UNIPEN and DigiLeTs pen strokes of training writers,
MNIST training images) laid side by side with the spacing of real writing, from wide gaps
to touching and overlapping ink, slanted, varied in size and baseline; pen digits are
joined by run-on strokes and ligatures, some 1s are replaced by thin strokes (a bare line,
a continental up-stroke). Some numbers end in zeros as amounts do, now and then written
small, close and run on in one stroke ("5o.ooo"). Separators and end marks ("." "," "-" "=" "/") are added but are
no part of the label. Numbers come two ways, and both end as the number reader's input
through the app's own functions:

* **pen**: strokes → :func:`digitcanvas.reading.numbers.strip.strokes_strip`, as a drawing is read;
* **scan**: ink on paper with rule lines, boxes, a security background, noise and blur,
  shrunk to the size of a scanned amount and stored as 8-bit grey → ``ink_map`` →
  :func:`digitcanvas.reading.numbers.page.prepare` → :func:`~digitcanvas.reading.numbers.strip.ink_strip`,
  as an image is read.

No ORAND image is used: those are for measurement only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from scipy import ndimage

from digitcanvas.drawing.strokes import EmptyInputError
from digitcanvas.reading.numbers.page import prepare
from digitcanvas.reading.numbers.strip import STRIP_PEN, StripPixels, ink_strip, strokes_strip
from digitcanvas.reading.preprocessing import ink_map
from lab.data.unipen import PenSample
from lab.evaluate.numbers import MAX_ASPECT, SIZE_JITTER, TYPICAL_ASPECT, sized

Points = NDArray[np.float64]

# Number lengths and how often each is drawn: short numbers are the most common, rows of ten occur.
LENGTHS = (1, 2, 3, 4, 5, 6, 7, 8, 10)
LENGTH_WEIGHTS = (0.06, 0.2, 0.17, 0.17, 0.14, 0.1, 0.06, 0.05, 0.05)
# Gaps between neighbours, in typical digit widths: spaced, close, touching or overlapping.
GAP_MODES = ((0.35, (0.1, 0.8)), (0.3, (0.0, 0.1)), (0.35, (-0.25, 0.0)))
BASELINE_JITTER = 0.05  # of the height
SLANT = (-0.15, 0.45)  # dx/dy, y down: most hands lean forward
JOIN_SHARE = 0.35  # of pen numbers have their digits run on where the pen would
JOIN_REACH = 0.6  # of the height: a digit's last point this near the next one's first joins it
LIGATURE = 0.15  # chance per neighbour pair of a joined number that a ligature joins them anyway
THIN_ONE = 0.3  # chance that a 1 is replaced by a thin stroke of our own
SEPARATOR = 0.12  # chance per number of a thousands separator ("." or ",") ...
END_MARK = 0.15  # ... and of an end mark ("-", "=", "/", ".-")
PEN_RANGE = (0.7, 1.5)  # times STRIP_PEN: thin to thick pens
SCAN_SHARE = 0.5  # of the numbers are scans
SCAN_DIGIT = 48  # px: a scan's digits are composed this tall, then shrunk
SCAN_HEIGHT = (18, 56)  # px: the digits' height in the final scan (ORAND's are about 20-45)
SCAN_CLOSEST = -0.12  # typical widths: MNIST's tight crops overlap more than pen digits at the same gap
MNIST_SHARE = 0.6  # of a scan's digits come from MNIST, the others are pen digits drawn in ink
RULE = 0.4  # chance of a rule line under a scan's number
BOX = 0.1  # chance of a box around it
TEXTURE = 0.6  # chance of a printed security background
ZERO_TAIL = 0.25  # chance that a number of two or more digits ends in zeros, as amounts do ("1500", "30000")
SMALL_TAIL = 0.4  # chance that such trailing zeros are written smaller, close and run on ("5o.ooo")
TAIL_SCALE = (0.5, 0.9)  # their height, times the number's
TAIL_GAP = (-0.25, 0.05)  # their gaps, in typical widths: touching or overlapping


@dataclass(frozen=True)
class Sources:
    """The digits numbers are made of (training writers and images only)."""

    pen: dict[int, list[PenSample]]  # pen digits by label
    by_writer: dict[str, list[PenSample]]
    mnist_images: NDArray[np.uint8]  # (N, 28, 28) white ink on black
    mnist_labels: NDArray[np.uint8]

    @classmethod
    def build(cls, pen: Sequence[PenSample], images: NDArray[np.uint8], labels: NDArray[np.uint8]) -> Sources:
        by_label: dict[int, list[PenSample]] = defaultdict(list)
        by_writer: dict[str, list[PenSample]] = defaultdict(list)
        for sample in pen:
            by_label[sample.label].append(sample)
            by_writer[sample.writer_key].append(sample)
        return cls(dict(by_label), dict(by_writer), images, labels)


def random_label(rng: np.random.Generator) -> str:
    length = int(rng.choice(LENGTHS, p=np.asarray(LENGTH_WEIGHTS) / sum(LENGTH_WEIGHTS)))
    digits = "".join(str(d) for d in rng.integers(0, 10, size=length))
    if length >= 2 and rng.random() < ZERO_TAIL:
        zeros = int(rng.integers(1, min(length - 1, 5) + 1))
        digits = digits[: length - zeros] + "0" * zeros
    return digits


def small_tail(label: str, rng: np.random.Generator) -> int:
    """Where a number's trailing zeros written small and run on begin (len(label) when they are not)."""
    start = len(label.rstrip("0"))
    if len(label) - start >= 2 and start > 0 and rng.random() < SMALL_TAIL:
        return start
    return len(label)


def _gap(rng: np.random.Generator, *, closest: float = -1.0) -> float:
    """A gap between neighbours in digit heights, no closer than ``closest`` typical widths."""
    shares = np.array([m[0] for m in GAP_MODES])
    low, high = GAP_MODES[int(rng.choice(len(GAP_MODES), p=shares / shares.sum()))][1]
    return max(closest, float(rng.uniform(low, high))) * TYPICAL_ASPECT


def thin_one(rng: np.random.Generator) -> list[Points]:
    """A 1 drawn as a bare stroke, sometimes with a continental up-stroke or a foot (unit height)."""
    t = np.linspace(0, 1, 12)
    bend = rng.uniform(-0.06, 0.06)
    stem = np.stack([0.2 + bend * np.sin(np.pi * t) + rng.uniform(-0.05, 0.05) * t, t], axis=1)
    kind = rng.random()
    if kind < 0.35:  # continental: a long up-stroke into the stem
        lead_x = np.linspace(0.2 - rng.uniform(0.12, 0.3), 0.2, 8)
        lead = np.stack([lead_x, np.linspace(rng.uniform(0.25, 0.5), 0, 8)], 1)
        return [np.concatenate([lead, stem[1:]])]
    if kind < 0.5:  # with a foot
        foot = np.array([[0.05, 1.0], [0.35, 1.0]])
        return [stem, foot]
    return [stem]


def _sample_for(label: int, sources: Sources, writer: list[PenSample] | None, rng: np.random.Generator) -> PenSample:
    if writer is not None:
        mine = [s for s in writer if s.label == label]
        if mine:
            return mine[int(rng.integers(len(mine)))]
    pool = sources.pen[label]
    return pool[int(rng.integers(len(pool)))]


def _mark(kind: str, x: float, rng: np.random.Generator) -> tuple[list[Points], float]:
    """A separator or end mark at ``x`` (unit height, baseline at y = 1) and its width."""
    if kind == ".":
        return [np.array([[x, 0.97], [x + 0.02, 0.98]])], 0.08
    if kind == ",":
        return [np.array([[x + 0.04, 0.9], [x + 0.02, 1.02], [x - 0.03, 1.12]])], 0.1
    if kind == "-":
        w = rng.uniform(0.2, 0.6)
        y = rng.uniform(0.5, 0.9)
        return [np.array([[x, y], [x + w, y - rng.uniform(-0.05, 0.05)]])], w
    if kind == "=":
        w = rng.uniform(0.2, 0.5)
        return [np.array([[x, 0.45], [x + w, 0.45]]), np.array([[x, 0.65], [x + w, 0.65]])], w
    if kind == "/":
        return [np.array([[x, 1.0], [x + 0.35, 0.2]])], 0.35
    strokes, w = _mark(".", x, rng)  # ".-"
    dash, w2 = _mark("-", x + w + 0.05, rng)
    return strokes + dash, w + 0.05 + w2


def pen_number(label: str, sources: Sources, rng: np.random.Generator) -> list[Points]:
    """Strokes of ``label`` written by one writer where it has the digits (unit height, y down)."""
    writers = list(sources.by_writer)
    writer = sources.by_writer[writers[int(rng.integers(len(writers)))]]
    digits: list[list[Points]] = []
    for char in label:
        d = int(char)
        if d == 1 and rng.random() < THIN_ONE:
            digits.append(thin_one(rng))
        else:
            digits.append(list(_sample_for(d, sources, writer, rng).strokes))
    separator_at = -1
    if len(label) >= 4 and rng.random() < SEPARATOR:
        separator_at = len(label) - 3
    tail = small_tail(label, rng)
    tail_scale = rng.uniform(*TAIL_SCALE)
    placed: list[list[Points]] = []  # per digit its strokes; marks are appended after
    marks: list[Points] = []
    cursor = 0.0
    for i, strokes in enumerate(digits):
        low, scale, height, width = sized(np.concatenate(strokes), rng)
        if i >= tail:
            scale, height, width = scale * tail_scale, height * tail_scale, width * tail_scale
        if i > tail:
            cursor += rng.uniform(*TAIL_GAP) * TYPICAL_ASPECT * tail_scale
        elif i:
            cursor += _gap(rng)
        if i == separator_at:
            cursor += 0.05
            mark, w = _mark(str(rng.choice([".", ","])), cursor, rng)
            marks += mark
            cursor += w + 0.08
        dy = rng.normal(0, BASELINE_JITTER) + (1.0 - height)
        placed.append([(s - low) * scale + (cursor, dy) for s in strokes])
        cursor += width
    if rng.random() < END_MARK:
        mark, _ = _mark(str(rng.choice(["-", "=", "/", ".-"])), cursor + rng.uniform(0.05, 0.3), rng)
        marks += mark
    joined = rng.random() < JOIN_SHARE
    strokes_out = _join(placed, rng, chain_from=tail, everywhere=joined)
    slant = rng.uniform(*SLANT)
    out = []
    for s in strokes_out + marks:
        sheared = s.copy()
        sheared[:, 0] -= slant * (s[:, 1] - 0.5)
        out.append(sheared)
    return out


def _join(
    digits: list[list[Points]], rng: np.random.Generator, *, chain_from: int | None = None, everywhere: bool = True
) -> list[Points]:
    """Run each digit's last stroke on into the next digit's first where the pen would (its end
    near the next start), or by a ligature now and then; digits after ``chain_from`` always run on
    (a chain of small zeros); with ``everywhere`` false, only those."""
    chain_from = len(digits) if chain_from is None else chain_from
    strokes: list[Points] = []
    for i, digit in enumerate(digits):
        first = digit[0]
        if i and (
            i > chain_from
            or (everywhere and (np.hypot(*(first[0] - strokes[-1][-1])) <= JOIN_REACH or rng.random() < LIGATURE))
        ):
            strokes[-1] = np.concatenate([strokes[-1], first])
            strokes += [s for s in digit[1:]]
        else:
            strokes += digit
    return strokes


def pen_strip(label: str, sources: Sources, rng: np.random.Generator) -> StripPixels:
    """A pen number as the number reader sees a drawing."""
    return strokes_strip(pen_number(label, sources, rng), pen=STRIP_PEN * rng.uniform(*PEN_RANGE))


# --- scans ---------------------------------------------------------------------------------


def _mnist_digit(label: int, sources: Sources, height: float, rng: np.random.Generator) -> NDArray[np.float64]:
    choices = np.flatnonzero(sources.mnist_labels == label)
    image = sources.mnist_images[int(rng.choice(choices))].astype(np.float64) / 255.0
    rows, cols = np.flatnonzero(image.max(axis=1) > 0.1), np.flatnonzero(image.max(axis=0) > 0.1)
    crop = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    factor = height / crop.shape[0]
    width_factor = factor * rng.uniform(0.85, 1.15)
    return np.clip(ndimage.zoom(crop, (factor, width_factor), order=1), 0, 1)


def _draw(strokes: Sequence[Points], shape: tuple[int, int], pen: float) -> NDArray[np.float64]:
    """Strokes (px) drawn in white on black, ``shape`` (H, W)."""
    image = Image.new("L", (shape[1], shape[0]), 0)
    draw = ImageDraw.Draw(image)
    r = pen / 2
    for stroke in strokes:
        xy = [(float(x), float(y)) for x, y in stroke]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=max(1, round(pen)), joint="curve")
        for x, y in (xy[0], xy[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(image, dtype=np.float64) / 255.0


def scan_ink(label: str, sources: Sources, rng: np.random.Generator) -> NDArray[np.float64]:
    """The number's ink, white on black, its digits SCAN_DIGIT px tall (before the scan is made)."""
    pen = rng.uniform(2.5, 7.0)
    h = SCAN_DIGIT
    pieces: list[tuple[float, float, NDArray[np.float64]]] = []  # x, y of the top left, ink
    cursor = 0.0
    tail = small_tail(label, rng)
    tail_scale = rng.uniform(*TAIL_SCALE)
    for i, char in enumerate(label):
        height = h * (1 + rng.uniform(-SIZE_JITTER, SIZE_JITTER)) * (tail_scale if i >= tail else 1.0)
        if rng.random() < MNIST_SHARE:
            ink = _mnist_digit(int(char), sources, height, rng)
            if rng.random() < 0.3:
                ink = ndimage.grey_dilation(ink, size=(2, 2))
        else:
            if char == "1" and rng.random() < THIN_ONE:
                strokes = thin_one(rng)
            else:
                strokes = list(_sample_for(int(char), sources, None, rng).strokes)
            points = np.concatenate(strokes)
            low, high = points.min(axis=0), points.max(axis=0)
            size = np.maximum(high - low, 1e-9)
            scale = min((height - pen) / size[1], MAX_ASPECT * height / size[0])
            placed = [(s - low) * scale + pen / 2 + 1 for s in strokes]
            shape = (int(size[1] * scale + pen + 3), int(size[0] * scale + pen + 3))
            ink = _draw(placed, shape, pen)
        if i > tail:
            cursor += rng.uniform(*TAIL_GAP) * TYPICAL_ASPECT * tail_scale * h
        elif i:
            cursor += _gap(rng, closest=SCAN_CLOSEST) * h
        pieces.append((cursor, h - ink.shape[0] + rng.normal(0, BASELINE_JITTER * h), ink))
        cursor += ink.shape[1]
    marks: list[Points] = []
    if len(label) >= 4 and rng.random() < SEPARATOR:  # a separator squeezed in before the last three
        k = len(label) - 3
        shift = 0.25 * h
        pieces = [(x + (shift if j >= k else 0), y, ink) for j, (x, y, ink) in enumerate(pieces)]
        x = pieces[k][0] - 0.17 * h
        mark, _ = _mark(str(rng.choice([".", ","])), x / h, rng)
        marks += [m * h for m in mark]
        cursor += shift
    if rng.random() < END_MARK:
        mark, _ = _mark(str(rng.choice(["-", "=", "/", ".-"])), (cursor + rng.uniform(0.05, 0.3) * h) / h, rng)
        marks += [m * h for m in mark]
    pad = int(h)
    width = int(cursor + 2 * h + 2 * pad)
    canvas = np.zeros((int(2.2 * h), width))
    for x, y, ink in pieces:
        top, left = round(y + 0.5 * h), round(x + pad)
        top = max(0, min(top, canvas.shape[0] - ink.shape[0]))
        region = canvas[top : top + ink.shape[0], left : left + ink.shape[1]]
        np.maximum(region, ink[: region.shape[0], : region.shape[1]], out=region)
    if marks:
        shifted = [m + np.array([pad, 0.5 * h]) for m in marks]
        canvas = np.maximum(canvas, _draw(shifted, canvas.shape, pen))
    slant = rng.uniform(-0.1, 0.35)
    if abs(slant) > 0.02:  # shear: x' = x + slant * (y - centre); affine_transform maps output to input
        centre = canvas.shape[0] / 2
        canvas = ndimage.affine_transform(
            canvas, np.array([[1.0, 0.0], [-slant, 1.0]]), offset=(0.0, slant * centre), order=1
        )
    return np.clip(canvas, 0, 1)


def _crop(ink: NDArray[np.float64], margin: tuple[int, int, int, int]) -> NDArray[np.float64]:
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0.05), np.flatnonzero(ink.max(axis=0) > 0.05)
    top, bottom, left, right = margin
    r0, r1 = max(0, rows[0] - top), min(ink.shape[0], rows[-1] + 1 + bottom)
    c0, c1 = max(0, cols[0] - left), min(ink.shape[1], cols[-1] + 1 + right)
    return ink[r0:r1, c0:c1]


def scan_image(label: str, sources: Sources, rng: np.random.Generator) -> NDArray[np.uint8]:
    """The number as a scanned amount: 8-bit grey, dark ink on light paper, with maybe a rule,
    a box and a printed background, blurred, noisy and shrunk to a scan's size."""
    h = SCAN_DIGIT
    ink = scan_ink(label, sources, rng)
    ink = _crop(ink, tuple(int(v) for v in rng.integers(int(0.1 * h), int(0.45 * h), size=4)))  # type: ignore[arg-type]
    rows, cols = ink.shape
    lines = np.zeros_like(ink)
    thickness = int(rng.integers(1, 4))
    if rng.random() < RULE or rng.random() < BOX:
        y = int(rows - rng.integers(1, max(2, int(0.2 * h))))
        tilt = rng.uniform(-0.015, 0.015)
        for c in range(cols):
            r = round(y + tilt * (c - cols / 2))
            lines[max(0, r - thickness) : max(0, r), c] = 1
        if rng.random() < BOX / RULE:
            lines[:thickness, :] = 1
            lines[:, :thickness] = 1
            lines[:, cols - thickness :] = 1
    strength = rng.uniform(0.5, 1.0)
    marks = np.maximum(ink, strength * lines)
    if rng.random() < TEXTURE:
        yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float64)
        period = rng.uniform(3.0, 9.0)
        angle = rng.uniform(-0.6, 0.6)
        wave = rng.uniform(0.0, 0.2) * h * np.sin(xx / rng.uniform(0.5, 3.0) / h * np.pi)
        phase = (yy * np.cos(angle) + xx * np.sin(angle) + wave) / period * 2 * np.pi
        texture = np.clip(np.sin(phase), 0, 1) ** 4 * rng.uniform(0.1, 0.45)
        marks = np.maximum(marks, texture)
    paper = rng.uniform(0.6, 0.95)
    dark = rng.uniform(0.0, 0.3)
    grey = paper - marks * (paper - dark)
    grey = ndimage.gaussian_filter(grey, rng.uniform(0.3, 1.2))
    target = rng.uniform(*SCAN_HEIGHT)
    factor = target / h
    grey = ndimage.zoom(grey, factor, order=1)
    grey = grey + rng.normal(0, rng.uniform(0.0, 0.04), size=grey.shape)
    return np.asarray(np.clip(grey * 255, 0, 255).round(), dtype=np.uint8)


def scan_strip(label: str, sources: Sources, rng: np.random.Generator) -> StripPixels:
    """A scanned number as the number reader sees an image (the app's path from the pixels on)."""
    return ink_strip(prepare(ink_map(scan_image(label, sources, rng))).ink)


def as_bytes(strip: StripPixels) -> NDArray[np.uint8]:
    """A strip stored as 8-bit grey (what training keeps in memory)."""
    return np.asarray(np.round(strip * 255), dtype=np.uint8)


def sample(sources: Sources, rng: np.random.Generator) -> tuple[NDArray[np.uint8], str]:
    """One training number: its strip (8-bit, (STRIP_HEIGHT, W)) and its label."""
    while True:
        label = random_label(rng)
        try:
            strip = scan_strip(label, sources, rng) if rng.random() < SCAN_SHARE else pen_strip(label, sources, rng)
        except EmptyInputError:
            continue
        return as_bytes(strip), label
