"""Generate drawings that are *not* digits: scribbles, dots, lines, letters, overlapping digits.

Used two ways, kept apart so the measurement stays honest:

* training (outlier exposure): ``TRAIN_LETTERS`` and one random seed;
* measuring the "not sure" rule: ``HELD_OUT_LETTERS`` (never seen in training), another
  seed, and overlapping digits of writers never used for training.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from digitcanvas.drawing.strokes import Drawing
from lab.data.unipen import DEFAULT_CANVAS, PenSample, to_canvas

# Letter templates in a unit box (x right, y down), one list of points per stroke.
# Letters that people write like digits (O, I, l, Z, S, B, G, q, b, g) are left out.
LETTERS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.22, 0.6), (0.78, 0.6)]],
    "E": [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (1.0, 1.0)], [(0.0, 0.5), (0.75, 0.5)]],
    "H": [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (1.0, 1.0)], [(0.0, 0.5), (1.0, 0.5)]],
    "M": [[(0.0, 1.0), (0.0, 0.0), (0.5, 0.6), (1.0, 0.0), (1.0, 1.0)]],
    "R": [[(0.0, 1.0), (0.0, 0.0), (0.8, 0.05), (0.9, 0.25), (0.8, 0.45), (0.0, 0.5), (1.0, 1.0)]],
    "W": [[(0.0, 0.0), (0.25, 1.0), (0.5, 0.35), (0.75, 1.0), (1.0, 0.0)]],
    "Y": [[(0.0, 0.0), (0.5, 0.5), (1.0, 0.0)], [(0.5, 0.5), (0.5, 1.0)]],
    "F": [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0)], [(0.0, 0.5), (0.7, 0.5)]],
    "K": [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (0.0, 0.55), (1.0, 1.0)]],
    "N": [[(0.0, 1.0), (0.0, 0.0), (1.0, 1.0), (1.0, 0.0)]],
    "X": [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]],
    "V": [[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]],
    "e": [[(0.05, 0.5), (0.95, 0.5), (0.9, 0.25), (0.5, 0.05), (0.1, 0.3), (0.1, 0.75), (0.5, 1.0), (0.95, 0.85)]],
    "h": [[(0.0, 0.0), (0.0, 1.0)], [(0.0, 0.6), (0.4, 0.4), (0.9, 0.5), (0.95, 1.0)]],
    "k": [[(0.0, 0.0), (0.0, 1.0)], [(0.8, 0.4), (0.0, 0.75), (0.9, 1.0)]],
    "m": [
        [(0.0, 1.0), (0.0, 0.3), (0.25, 0.2), (0.5, 0.35), (0.5, 1.0)],
        [(0.5, 0.35), (0.75, 0.2), (1.0, 0.35), (1.0, 1.0)],
    ],
    "w": [[(0.0, 0.3), (0.2, 1.0), (0.5, 0.4), (0.8, 1.0), (1.0, 0.3)]],
    "x": [[(0.0, 0.3), (1.0, 1.0)], [(1.0, 0.3), (0.0, 1.0)]],
    "#": [[(0.3, 0.0), (0.25, 1.0)], [(0.7, 0.0), (0.65, 1.0)], [(0.0, 0.35), (1.0, 0.35)], [(0.0, 0.7), (1.0, 0.7)]],
    "=": [[(0.0, 0.35), (1.0, 0.35)], [(0.0, 0.7), (1.0, 0.7)]],
    "+": [[(0.5, 0.0), (0.5, 1.0)], [(0.0, 0.5), (1.0, 0.5)]],
    "*": [[(0.5, 0.0), (0.5, 1.0)], [(0.05, 0.25), (0.95, 0.75)], [(0.95, 0.25), (0.05, 0.75)]],
}
TRAIN_LETTERS = ("A", "E", "H", "M", "R", "W", "e", "h", "m", "#", "=", "*")
HELD_OUT_LETTERS = ("F", "K", "N", "X", "V", "Y", "k", "w", "x", "+")
KINDS = ("scribble", "dot", "line", "letter", "overlap")
# Real letters (DigiLeTs) that look like a digit in many hands: neither trained towards a flat
# output nor counted as non-digits when "Not sure" is measured. Chosen before any result was seen.
DIGIT_LIKE_LETTERS = frozenset("OoIliSsZzBbgqGDTJjty")
LETTER_HEIGHT = 220.0  # canvas px; letters are drawn about as tall as digits


def _densify(points: Sequence[tuple[float, float]], step: float) -> np.ndarray:
    """Points every ``step`` px along a polyline, as a mouse would report them."""
    path = np.asarray(points, dtype=np.float64)
    out = [path[:1]]
    for a, b in itertools.pairwise(path):
        n = max(1, int(np.linalg.norm(b - a) / step))
        t = np.linspace(0, 1, n + 1)[1:, None]
        out.append(a + (b - a) * t)
    return np.concatenate(out)


def _place(strokes: list[np.ndarray], rng: np.random.Generator, canvas: tuple[int, int]) -> Drawing:
    """Jitter each point a little, then centre the strokes on the canvas."""
    width, height = canvas
    points = np.concatenate(strokes)
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    placed = []
    for stroke in strokes:
        wobble = rng.normal(0, 1.2, size=stroke.shape)
        placed.append(np.round(stroke - centre + (width / 2, height / 2) + wobble))
    return Drawing(tuple(placed), width, height)


def scribble(rng: np.random.Generator, canvas: tuple[int, int] = DEFAULT_CANVAS) -> Drawing:
    """A tangle: one to three strokes through 6-14 random points, smoothed."""
    strokes = []
    for _ in range(rng.integers(1, 4)):
        anchors = rng.uniform(-110, 110, size=(rng.integers(6, 15), 2))
        dense = _densify([tuple(p) for p in anchors], 3.0)
        kernel = np.ones(7) / 7
        smooth = np.stack([np.convolve(dense[:, i], kernel, mode="valid") for i in range(2)], axis=1)
        strokes.append(smooth if len(smooth) else dense)
    return _place(strokes, rng, canvas)


def dot(rng: np.random.Generator, canvas: tuple[int, int] = DEFAULT_CANVAS) -> Drawing:
    """One to four dots. No ticks: MNIST-style scaling would blow a tick up into a
    straight line, which is a fair "1" (tiny marks are the size rule's job)."""
    strokes = [rng.uniform(-70, 70, size=(1, 2)) for _ in range(rng.integers(1, 5))]
    return _place(strokes, rng, canvas)


def line(rng: np.random.Generator, canvas: tuple[int, int] = DEFAULT_CANVAS) -> Drawing:
    """A straight line within 40° of horizontal (a vertical line is a fair "1"), or a wavy dash."""
    length = rng.uniform(60, 260)
    angle = np.radians(rng.uniform(-40, 40))
    direction = np.array([np.cos(angle), np.sin(angle)])
    points = _densify([(0.0, 0.0), tuple(direction * length)], 3.0)
    if rng.random() < 0.3:
        normal = np.array([-direction[1], direction[0]])
        phase = np.linspace(0, rng.uniform(2, 5) * np.pi, len(points))
        points = points + normal * (np.sin(phase) * rng.uniform(5, 20))[:, None]
    return _place([points], rng, canvas)


def letter(rng: np.random.Generator, letters: Sequence[str], canvas: tuple[int, int] = DEFAULT_CANVAS) -> Drawing:
    """A letter from ``letters``: random size, aspect, slant and rotation, jittered corners."""
    name = letters[int(rng.integers(len(letters)))]
    height = LETTER_HEIGHT * rng.uniform(0.6, 1.3)
    width = height * rng.uniform(0.55, 0.95)
    slant = rng.uniform(-0.35, 0.35)
    angle = np.radians(rng.uniform(-10, 10))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    strokes = []
    for template in LETTERS[name]:
        corners = np.asarray(template) + rng.normal(0, 0.04, size=(len(template), 2))
        xy = np.stack([corners[:, 0] * width - corners[:, 1] * height * slant, corners[:, 1] * height], axis=1)
        strokes.append(_densify([tuple(p) for p in xy @ rotation.T], 3.0))
    return _place(strokes, rng, canvas)


def overlap(
    rng: np.random.Generator, samples: Sequence[PenSample], canvas: tuple[int, int] = DEFAULT_CANVAS
) -> Drawing:
    """Two different digits drawn on top of each other (shifted by at most a fifth)."""
    first = samples[int(rng.integers(len(samples)))]
    second = first
    while second.label == first.label:
        second = samples[int(rng.integers(len(samples)))]
    a, b = to_canvas(first, canvas=canvas), to_canvas(second, canvas=canvas)
    shift = rng.uniform(-0.2, 0.2, size=2) * canvas[1] * 0.6
    return Drawing(a.strokes + tuple(s + shift for s in b.strokes), canvas[0], canvas[1])


def generate(
    kind: str,
    count: int,
    rng: np.random.Generator,
    *,
    letters: Sequence[str] = TRAIN_LETTERS,
    samples: Sequence[PenSample] = (),
    canvas: tuple[int, int] = DEFAULT_CANVAS,
) -> list[Drawing]:
    """``count`` drawings of one kind (see ``KINDS``)."""
    if kind == "scribble":
        return [scribble(rng, canvas) for _ in range(count)]
    if kind == "dot":
        return [dot(rng, canvas) for _ in range(count)]
    if kind == "line":
        return [line(rng, canvas) for _ in range(count)]
    if kind == "letter":
        return [letter(rng, letters, canvas) for _ in range(count)]
    if kind == "overlap":
        if not samples:
            raise ValueError("overlapping digits need pen samples")
        return [overlap(rng, samples, canvas) for _ in range(count)]
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
