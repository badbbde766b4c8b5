"""Hand-made digit strokes (unit box, y down) and a composer for numbers on the app canvas."""

from __future__ import annotations

import numpy as np

from digitcanvas.drawing.strokes import CANVAS_SIZE, Drawing


def _arc(
    cx: float, cy: float, rx: float, ry: float, start: float, stop: float, n: int = 30
) -> list[tuple[float, float]]:
    t = np.radians(np.linspace(start, stop, n))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in t]


def _line(a: tuple[float, float], b: tuple[float, float], n: int = 15) -> list[tuple[float, float]]:
    return [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for t in np.linspace(0, 1, n)]


# Each digit: a list of strokes in drawing order; widths vary like handwriting.
DIGITS: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_arc(0.3, 0.5, 0.3, 0.5, -90, 270, 50)],
    "1": [_line((0.05, 0.0), (0.05, 1.0))],
    "1base": [_line((0.15, 0.12), (0.3, 0.0)) + _line((0.3, 0.0), (0.3, 1.0))[1:], _line((0.08, 1.0), (0.52, 1.0))],
    "2": [
        _arc(0.3, 0.28, 0.3, 0.28, 200, 380, 20)
        + _line((0.58, 0.35), (0.0, 1.0))[1:]
        + _line((0.0, 1.0), (0.62, 1.0))[1:]
    ],
    "3": [_arc(0.3, 0.25, 0.3, 0.25, 200, 450, 25) + _arc(0.3, 0.75, 0.32, 0.25, -90, 160, 25)],
    "4two": [_line((0.45, 0.0), (0.0, 0.65)) + _line((0.0, 0.65), (0.62, 0.65))[1:], _line((0.48, 0.25), (0.48, 1.0))],
    "5flag": [
        _line((0.08, 0.02), (0.05, 0.45)) + _arc(0.3, 0.7, 0.3, 0.3, -150, 150, 30)[1:],
        _line((0.08, 0.02), (0.6, 0.02)),
    ],
    "5late": [_line((0.08, 0.02), (0.05, 0.45)) + _arc(0.3, 0.7, 0.3, 0.3, -150, 150, 30)[1:]],  # + flag later
    "6": [_arc(0.5, 0.55, 0.5, 0.55, 250, 180, 12) + _arc(0.3, 0.72, 0.3, 0.28, 180, 540, 35)[1:]],
    "7": [_line((0.0, 0.0), (0.6, 0.0)) + _line((0.6, 0.0), (0.2, 1.0))[1:]],
    "7crossed": [_line((0.0, 0.0), (0.6, 0.0)) + _line((0.6, 0.0), (0.2, 1.0))[1:], _line((0.2, 0.5), (0.6, 0.5))],
    "8": [_arc(0.3, 0.25, 0.25, 0.25, 90, 450, 30) + _arc(0.3, 0.75, 0.3, 0.25, -90, 270, 30)],
    "9": [_arc(0.3, 0.28, 0.3, 0.28, 0, 360, 35) + _line((0.6, 0.28), (0.55, 1.0))[1:]],
}
# Digits whose pen may run on into the next one (added after the originals above).
DIGITS["0low"] = [_arc(0.3, 0.5, 0.3, 0.5, 90, 450, 50)]  # a 0 begun and ended at its foot
LATE_FLAG = [_line((0.08, 0.02), (0.6, 0.02))]


def digit_width(name: str) -> float:
    points = np.array([p for stroke in DIGITS[name] for p in stroke])
    return float(np.ptp(points[:, 0]))


def _left(name: str) -> float:
    return min(p[0] for stroke in DIGITS[name] for p in stroke)


def compose(
    names: list[str], *, gap: float = 0.35, slant: float = 0.0, height: float = 180, ink_gap: bool = False
) -> tuple[Drawing, list[tuple[int, ...]]]:
    """Digits left to right, ``gap`` × height of empty ink between neighbours (pen included),
    sheared by ``slant`` (dx/dy). "5late" gets its flag as the very last stroke.

    With ``ink_gap`` the gap is measured between the digits' ink itself (a digit that starts
    right of its box's left side, like "5flag", is moved left by that much), so ``gap=0``
    makes neighbours' ink touch and a negative gap makes it overlap."""
    pen = 14.0
    strokes: list[np.ndarray] = []
    groups: list[list[int]] = []
    late: list[tuple[int, np.ndarray]] = []
    x = 0.0
    for i, name in enumerate(names):
        group = []
        left = _left(name) * height if ink_gap else 0.0
        for stroke in DIGITS[name]:
            pts = np.array(stroke) * height
            pts[:, 0] += x - left
            strokes.append(pts)
            group.append(len(strokes) - 1)
        if name == "5late":
            flag = np.array(LATE_FLAG[0]) * height
            flag[:, 0] += x - left
            late.append((i, flag))
        groups.append(group)
        x += digit_width(name) * height + gap * height + pen
    for digit_index, flag in late:
        strokes.append(flag)
        groups[digit_index].append(len(strokes) - 1)
    all_points = np.concatenate(strokes)
    centre = (all_points.min(axis=0) + all_points.max(axis=0)) / 2
    width, canvas_height = CANVAS_SIZE
    span = max(float(np.ptp(all_points[:, 0])) + abs(slant) * height, 1.0)
    fit = min(1.0, 0.9 * width / span)  # wide numbers are drawn smaller, as people do
    placed = []
    for s in strokes:
        p = (s - centre) * fit
        p[:, 0] -= slant * p[:, 1]  # y down: a forward (right-leaning) slant for slant > 0
        placed.append(p + np.array([width / 2, canvas_height / 2]))
    return Drawing(tuple(placed), width, canvas_height, pen), [tuple(sorted(g)) for g in groups]


def run_on(drawing: Drawing, groups: list[tuple[int, ...]], pairs: list[int]) -> tuple[Drawing, list[tuple[int, ...]]]:
    """The same number with the pen kept down from digit ``i`` into digit ``i + 1`` for each
    ``i`` in ``pairs``: digit i's last stroke and digit i+1's first become one stroke, which
    belongs to both digits' groups. The two strokes must follow each other in drawing order."""
    strokes = list(drawing.strokes)
    owner = {s: {d} for d, group in enumerate(groups) for s in group}
    for i in sorted(pairs, reverse=True):
        last, first = max(groups[i]), min(groups[i + 1])
        assert first == last + 1, "the joined strokes must be consecutive"
        strokes[last : first + 1] = [np.concatenate([strokes[last], strokes[first]])]
        merged = owner[last] | owner.pop(first)
        owner = {(s - 1 if s > first else s): o for s, o in owner.items()}
        owner[last] = merged
    joined = [tuple(sorted(s for s, o in owner.items() if d in o)) for d in range(len(groups))]
    return Drawing(tuple(strokes), drawing.width, drawing.height, drawing.pen_width), joined


def number_image(names: list[str], *, gap: float = 0.35) -> np.ndarray:
    """The number ``names`` (see :data:`DIGITS`) drawn black on white as (H, W) uint8: what a
    photo or a scan of a written number gives."""
    from PIL import Image, ImageDraw

    drawing, _ = compose(names, gap=gap)
    image = Image.new("L", (drawing.width, drawing.height), 255)
    pen = ImageDraw.Draw(image)
    for stroke in drawing.strokes:
        pen.line([tuple(p) for p in stroke], fill=0, width=int(drawing.pen_width), joint="curve")
    return np.asarray(image)
