"""The project's own handwriting: digits drawn by a program, in many hands. No data from elsewhere.

Each digit has a few forms people write (a 1 with or without a flag and a foot, an open or a
closed 4, a 7 with or without a bar, a 9 with a straight or a curved tail …), each a few pen
strokes with shape parameters drawn at random. A digit is then slanted, rotated, squeezed,
wobbled point by point (a smooth random displacement, as a hand trembles) and rendered
through the app's own preprocessing with a random pen width, so it reaches a model exactly as
a drawing on the canvas would, in MNIST's format: 28×28, white ink on black, the longer side
20 px, the centre of mass at (14, 14).

``difficulty`` (0-1) widens every random range: the reference digits that decide how a model
without metadata is fed (:mod:`lab.data.make_reference`) mix easy and hard ones, so that a
convention that feeds a model wrongly shows up as lost accuracy, not only as confidence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.shapes import FIELD
from digitcanvas.reading.preprocessing import PenMode, PreprocessOptions, preprocess_drawing

Points = list[tuple[float, float]]
Strokes = list[Points]
CANVAS = 400  # px: the box a digit is drawn in before preprocessing scales it
POINTS_PER_UNIT = 60  # samples along a stroke one box-height long
PEN_WIDTHS = (1.7, 3.3)  # MNIST-pen widths (28-px units) at difficulty 0; MNIST's own strokes vary this much
HARD_PEN_WIDTHS = (1.3, 4.0)
SLANT = 0.25  # the largest shear (dx/dy) at difficulty 1
ROTATION = 12.0  # degrees at difficulty 1
ASPECT = (0.75, 1.2)  # width scale range at difficulty 1
WOBBLE = 0.035  # of the box height: the smooth per-point displacement at difficulty 1


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int | None = None) -> Points:
    """Points along an ellipse from ``start`` to ``end`` degrees (0 = right, 90 = down)."""
    span = abs(end - start)
    count = n or max(8, int(POINTS_PER_UNIT * math.radians(span) * max(rx, ry)))
    angles = np.radians(np.linspace(start, end, count))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def _line(a: tuple[float, float], b: tuple[float, float]) -> Points:
    count = max(4, int(POINTS_PER_UNIT * math.dist(a, b)))
    return [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for t in np.linspace(0.0, 1.0, count)]


def _join(*parts: Points) -> Points:
    """One stroke through ``parts`` in order (the pen stays down)."""
    joined: Points = []
    for part in parts:
        joined.extend(part if not joined else part[1:])
    return joined


# --- the forms of each digit: a random generator (of its shape parameters) → strokes ---------------------------


def _zero(r: np.random.Generator) -> Strokes:
    start = r.uniform(-120, -60)
    overlap = r.uniform(0, 40)
    return [_arc(0.5, 0.5, r.uniform(0.28, 0.4), 0.5, start, start + 360 + overlap)]


def _one_plain(r: np.random.Generator) -> Strokes:
    lean = r.uniform(-0.08, 0.08)
    return [_line((0.5 + lean, 0.0), (0.5 - lean, 1.0))]


def _one_flag(r: np.random.Generator) -> Strokes:
    top = (0.55, 0.0)
    flag = _line((0.55 - r.uniform(0.15, 0.3), r.uniform(0.15, 0.3)), top)
    strokes = [_join(flag, _line(top, (0.55, 1.0)))]
    if r.random() < 0.4:  # a foot
        strokes.append(_line((0.3, 1.0), (0.8, 1.0)))
    return strokes


def _two(r: np.random.Generator) -> Strokes:
    top = _arc(0.5, 0.28, r.uniform(0.3, 0.38), 0.28, 190, 375)
    end = top[-1]
    corner = (r.uniform(0.08, 0.2), 1.0)
    if r.random() < 0.3:  # a loop at the corner
        loop = _arc(corner[0] + 0.08, 0.92, 0.09, 0.08, -90, 270)
        return [_join(top, _line(end, corner), loop, _line(loop[-1], (0.92, 1.0)))]
    return [_join(top, _line(end, corner), _line(corner, (r.uniform(0.8, 0.95), 1.0)))]


def _three(r: np.random.Generator) -> Strokes:
    if r.random() < 0.25:  # a flat top: a Z-like first half
        top = _join(_line((0.15, 0.0), (0.8, 0.0)), _line((0.8, 0.0), (0.45, 0.42)))
        return [_join(top, _arc(0.45, 0.71, 0.38, 0.29, -90, 150))]
    upper = _arc(0.48, 0.25, r.uniform(0.28, 0.36), 0.25, 200, 450)
    lower = _arc(0.48, 0.74, r.uniform(0.32, 0.4), 0.26, -90, 150)
    return [_join(upper, lower)]


def _four_open(r: np.random.Generator) -> Strokes:
    cross = r.uniform(0.58, 0.72)
    stem_x = r.uniform(0.6, 0.72)
    return [
        _join(_line((0.45, 0.0), (0.05, cross)), _line((0.05, cross), (0.95, cross))),
        _line((stem_x, 0.15), (stem_x, 1.0)),
    ]


def _four_closed(r: np.random.Generator) -> Strokes:
    cross = r.uniform(0.6, 0.72)
    stem_x = r.uniform(0.62, 0.72)
    return [
        _join(
            _line((stem_x, 1.0), (stem_x, 0.0)),
            _line((stem_x, 0.0), (0.05, cross)),
            _line((0.05, cross), (0.95, cross)),
        )
    ]


def _five(r: np.random.Generator) -> Strokes:
    body = _join(_line((0.3, 0.0), (0.24, 0.45)), _arc(0.48, 0.7, r.uniform(0.3, 0.38), 0.3, -150, 140))
    flag = _line((0.3, 0.0), (r.uniform(0.75, 0.9), 0.0))
    if r.random() < 0.5:  # the flag first, in one stroke
        return [_join(flag[::-1], body)]
    return [body, flag]


def _six(r: np.random.Generator) -> Strokes:
    lead = _arc(0.62, 0.62, r.uniform(0.45, 0.55), 0.62, r.uniform(240, 260), 180)
    loop = _arc(0.45, 0.74, r.uniform(0.28, 0.34), 0.26, 180, 540)
    return [_join(lead, loop)]


def _seven(r: np.random.Generator) -> Strokes:
    bar = _line((0.05, 0.0), (0.95, 0.0))
    foot = (r.uniform(0.3, 0.45), 1.0)
    if r.random() < 0.35:  # a curved stem
        stem = _arc(0.95 - 1.2, 0.0 + 0.05, 1.2, 1.0, -5, 40)
        stroke = _join(bar, stem)
    else:
        stroke = _join(bar, _line((0.95, 0.0), foot))
    strokes = [stroke]
    if r.random() < 0.3:  # a crossbar
        strokes.append(_line((0.3, 0.52), (0.8, 0.52)))
    return strokes


def _eight(r: np.random.Generator) -> Strokes:
    if r.random() < 0.3:  # two rings
        return [_arc(0.5, 0.25, 0.26, 0.25, -90, 270), _arc(0.5, 0.74, 0.33, 0.26, -90, 270)]
    upper = _arc(0.5, 0.25, r.uniform(0.24, 0.3), 0.25, 90, -270)
    lower = _arc(0.5, 0.75, r.uniform(0.3, 0.38), 0.25, -90, 270)
    return [_join(upper, lower, upper[:4])]


def _nine(r: np.random.Generator) -> Strokes:
    loop = _arc(0.48, 0.27, r.uniform(0.3, 0.36), 0.27, 0, -360)
    if r.random() < 0.4:  # a curved tail
        tail = _arc(0.78 - 0.9, 0.27, 0.9, 0.73, 0, 60)
    else:
        tail = _line((0.78, 0.27), (r.uniform(0.6, 0.78), 1.0))
    return [_join(loop, tail)]


FORMS: dict[int, tuple[Callable[[np.random.Generator], Strokes], ...]] = {
    0: (_zero,),
    1: (_one_plain, _one_flag),
    2: (_two,),
    3: (_three,),
    4: (_four_open, _four_closed),
    5: (_five,),
    6: (_six,),
    7: (_seven,),
    8: (_eight,),
    9: (_nine,),
}


@dataclass(frozen=True)
class Hand:
    """How one digit is written: the random choices of its form and its distortions."""

    slant: float
    rotation: float  # degrees
    aspect: float  # width scale
    wobble: float  # of the box height
    pen_width: float  # in 28-px units (MNIST's pen)


def random_hand(rng: np.random.Generator, difficulty: float) -> Hand:
    d = min(max(difficulty, 0.0), 1.0)
    widths = PEN_WIDTHS if d < 0.5 else HARD_PEN_WIDTHS
    aspect = (1 - d * (1 - ASPECT[0]), 1 + d * (ASPECT[1] - 1))
    return Hand(
        slant=float(rng.uniform(-SLANT, SLANT) * d + rng.uniform(0, 0.15)),  # hands lean forward more often
        rotation=float(rng.uniform(-ROTATION, ROTATION) * d),
        aspect=float(rng.uniform(*aspect)),
        wobble=float(WOBBLE * d * rng.uniform(0.3, 1.0)),
        pen_width=float(rng.uniform(*widths)),
    )


def _smooth_noise(rng: np.random.Generator, count: int, scale: float) -> NDArray[np.float64]:
    """(count, 2) displacements that vary smoothly along the stroke (a few random waves)."""
    t = np.linspace(0.0, 1.0, count)[:, None]
    noise = np.zeros((count, 2))
    for k in (1, 2, 3):
        phase = rng.uniform(0, 2 * np.pi, 2)
        noise += rng.normal(0, scale / k, 2) * np.sin(2 * np.pi * k * t + phase)
    return noise


def draw_digit(digit: int, rng: np.random.Generator, *, difficulty: float = 0.5) -> tuple[Drawing, Hand]:
    """A drawing of ``digit`` in a random form and hand, on a 400 px square canvas."""
    forms = FORMS[digit]
    strokes = forms[int(rng.integers(len(forms)))](rng)
    hand = random_hand(rng, difficulty)
    angle = math.radians(hand.rotation)
    cos, sin = math.cos(angle), math.sin(angle)
    placed = []
    for stroke in strokes:
        p = np.asarray(stroke, dtype=np.float64) - 0.5
        p = p + _smooth_noise(rng, len(p), hand.wobble)
        p[:, 0] *= hand.aspect * 0.6  # digits are taller than wide
        p[:, 0] -= hand.slant * p[:, 1]  # y grows downward: a positive slant leans right
        p = p @ np.array([[cos, sin], [-sin, cos]])
        placed.append(p * CANVAS * 0.7 + CANVAS / 2)
    return Drawing(tuple(placed), CANVAS, CANVAS, 18.0), hand


def render(drawing: Drawing, hand: Hand) -> NDArray[np.float32]:
    """The drawing as a model sees it (28×28 in [0, 1]), through the app's own preprocessing."""
    return preprocess_drawing(drawing, PreprocessOptions(pen_mode=PenMode.MNIST, mnist_pen_width=hand.pen_width))


def synthetic_digits(
    per_digit: int, *, seed: int, difficulties: tuple[float, ...] = (0.3, 0.7)
) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """``per_digit`` images of each digit (uint8 (N, 28, 28), labels (N,)), the difficulties
    taken in turn; in a fixed order for a given seed."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for i in range(per_digit):
        for digit in range(10):
            drawing, hand = draw_digit(digit, rng, difficulty=difficulties[i % len(difficulties)])
            images.append(np.rint(render(drawing, hand) * 255).astype(np.uint8))
            labels.append(digit)
    return np.stack(images).reshape(-1, FIELD, FIELD), np.asarray(labels, dtype=np.uint8)
