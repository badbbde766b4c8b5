"""The drawing model: strokes as vectors, and the limits a drawing keeps to. No Qt.

Qt-free on purpose: the canvas widget converts its points into a :class:`Drawing`
at the boundary, and the CLI, the lab and the tests use the same class. The JSON
drawing file, read and written, is :mod:`digitcanvas.drawing.file`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

DEFAULT_PEN_WIDTH = 18.0  # on-screen pen width (canvas px) that reads well on a 400 px tall canvas
CANVAS_SIZE = (640, 400)  # the app's canvas in logical px: room for a number, a digit still sits well

# Limits of a drawing file, checked once where a file is read (and the same ones where it
# is written, so whatever the app writes it reads back). A digit is a few hundred points
# and a long number a few thousand; the file limits leave room for per-point extras.
MAX_DRAWING_FILE_BYTES = 20 * 1024 * 1024  # a drawing is a few KB; refuse runaway files early
MAX_STROKES = 1_000  # a 10-digit number is about 30 strokes
MAX_POINTS = 20_000  # all strokes together; rendering one costs memory in proportion
MIN_CANVAS_SIDE = 1  # canvas px; a canvas is stored as whole pixels
MAX_CANVAS_SIDE = 100_000  # canvas px
MAX_PEN_WIDTH = 1_000.0  # canvas px
MAX_COORDINATE = 10 * MAX_CANVAS_SIDE  # |x|, |y| in canvas px: ink may leave the canvas, not by a mile
# A whole-number label ("2026", "0123456789"): digits only, leading zeros kept. A number is at
# most a few dozen digits on any canvas (a 10-digit row is one a person writes); the limit
# leaves room for an account number without letting a label grow unbounded.
MAX_NUMBER_LABEL_DIGITS = 64

Stroke = NDArray[np.float64]  # shape (K, 2): x, y in canvas pixels


class DrawingFileError(ValueError):
    """A drawing file could not be read or written; the message names the file and why."""


class DrawingReadError(DrawingFileError):
    """A drawing file cannot be read: missing, unreadable, too large or malformed."""


class DrawingWriteError(DrawingFileError):
    """A drawing file cannot be written (permissions, a full disk, a bad folder, over a limit)."""


class EmptyInputError(ValueError):
    """A drawing without strokes, or an image without ink: nothing to read."""


def as_stroke(points: ArrayLike) -> Stroke:
    """``points`` as a stroke, (K, 2) float64; raises ``ValueError`` unless it is a non-empty
    list of finite ``[x, y]`` pairs."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2 or len(array) == 0:
        raise ValueError(f"a stroke must be a non-empty list of [x, y] points, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("a stroke has a coordinate that is not a finite number")
    return array


@dataclass(frozen=True)
class Drawing:
    """Strokes drawn on a canvas of ``width`` × ``height`` pixels.

    ``strokes`` holds one float64 array of shape (K, 2) per stroke, in drawing order.
    A drawing is labelled with the true digit (``label``, 0-9: the personal collection's
    kind), or with the true whole number (``number_label``, a string of digits such as
    "2026"), or neither; never both.
    """

    strokes: tuple[Stroke, ...]
    width: int
    height: int
    pen_width: float = DEFAULT_PEN_WIDTH
    label: int | None = None
    number_label: str | None = None

    @classmethod
    def from_points(
        cls,
        strokes: Iterable[ArrayLike],
        *,
        width: int,
        height: int,
        pen_width: float = DEFAULT_PEN_WIDTH,
        label: int | None = None,
    ) -> Drawing:
        """Build a drawing from any nested sequence of ``[x, y]`` points per stroke."""
        return cls(tuple(as_stroke(s) for s in strokes), int(width), int(height), float(pen_width), label)

    @property
    def is_empty(self) -> bool:
        return len(self.strokes) == 0

    def points(self) -> NDArray[np.float64]:
        """All points of all strokes, shape (P, 2); empty (0, 2) for an empty drawing."""
        if not self.strokes:
            return np.zeros((0, 2))
        return np.concatenate(self.strokes)

    def subset(self, members: Iterable[int]) -> Drawing:
        """The same canvas with only the strokes at ``members`` (in that order)."""
        return Drawing(tuple(self.strokes[m] for m in members), self.width, self.height, self.pen_width)

    def with_label(self, label: int | None) -> Drawing:
        """The drawing labelled with the digit ``label`` (None: unlabelled); a number label goes."""
        return Drawing(self.strokes, self.width, self.height, self.pen_width, label)

    def with_number_label(self, number: str | None) -> Drawing:
        """The drawing labelled with the whole number ``number`` ("2026"); a digit label goes."""
        return Drawing(self.strokes, self.width, self.height, self.pen_width, None, number)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Drawing):
            return NotImplemented
        return (
            (self.width, self.height, self.pen_width, self.label, self.number_label)
            == (other.width, other.height, other.pen_width, other.label, other.number_label)
            and len(self.strokes) == len(other.strokes)
            and all(np.array_equal(a, b) for a, b in zip(self.strokes, other.strokes, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]

    def same_ink(self, other: Drawing) -> bool:
        """True when both have the same strokes on the same canvas (pen and label aside):
        exactly when their :func:`ink_key` are equal, but without hashing the strokes, as a
        keep checks it against every kept drawing."""
        return (
            (self.width, self.height) == (other.width, other.height)
            and len(self.strokes) == len(other.strokes)
            and all(np.array_equal(a, b) for a, b in zip(self.strokes, other.strokes, strict=True))
        )


def ink_key(drawing: Drawing) -> tuple[int, int, tuple[bytes, ...]]:
    """What makes two drawings the same ink (canvas and strokes; pen and label aside), hashable."""
    # + 0.0 makes -0.0 the 0.0 it equals; a stroke's bytes give its point count too (2 values each)
    strokes = tuple((np.asarray(s, dtype=np.float64) + 0.0).tobytes() for s in drawing.strokes)
    return drawing.width, drawing.height, strokes


def limits_problem(drawing: Drawing) -> str | None:
    """What in ``drawing`` a drawing file cannot hold (see the ``MAX_*`` limits), or None.

    The one check for both directions: :func:`~digitcanvas.drawing.file.drawing_from_dict` refuses such a file and
    :func:`~digitcanvas.drawing.file.save_drawing` refuses to write one, so whatever is written reads back.
    """
    for name, side in (("width", drawing.width), ("height", drawing.height)):
        if not MIN_CANVAS_SIDE <= side <= MAX_CANVAS_SIDE:
            return f"the canvas {name} is {side}; it must be from {MIN_CANVAS_SIDE} to {MAX_CANVAS_SIDE:,} px"
    if not (np.isfinite(drawing.pen_width) and 0 < drawing.pen_width <= MAX_PEN_WIDTH):
        return f"the pen width is {drawing.pen_width:g}; it must be over 0 and at most {MAX_PEN_WIDTH:g} px"
    if len(drawing.strokes) > MAX_STROKES:
        return f"it has {len(drawing.strokes):,} strokes; a drawing has at most {MAX_STROKES:,}"
    points = sum(len(s) for s in drawing.strokes)
    if points > MAX_POINTS:
        return f"it has {points:,} points; a drawing has at most {MAX_POINTS:,}"
    for index, stroke in enumerate(drawing.strokes):
        if stroke.ndim != 2 or stroke.shape[1] != 2 or len(stroke) == 0:
            return f"stroke {index + 1} is not a non-empty list of [x, y] points"
    if drawing.strokes:  # the points of all strokes at once: 1,000 strokes cost what one does
        ends = np.cumsum([len(s) for s in drawing.strokes])
        magnitude = np.abs(np.concatenate(drawing.strokes)).max(axis=1)
        for bad, words in (
            (~np.isfinite(magnitude), "has a coordinate that is not a finite number"),
            (magnitude > MAX_COORDINATE, f"has a coordinate beyond ±{MAX_COORDINATE:,} px"),
        ):
            if bad.any():
                return f"stroke {int(np.searchsorted(ends, np.argmax(bad), side='right')) + 1} {words}"
    if drawing.label is not None and not 0 <= drawing.label <= 9:
        return f"the label is {drawing.label}; it must be a digit 0-9"
    return number_label_problem(drawing.number_label, digit_label=drawing.label is not None)


def number_label_problem(number: str | None, *, digit_label: bool = False) -> str | None:
    """What is wrong with a whole-number label (None: nothing): it must be 1 to
    MAX_NUMBER_LABEL_DIGITS ASCII digits, and a drawing has a digit label or a number label."""
    if number is None:
        return None
    if digit_label:
        return "it has both a digit label and a number label; a drawing has one label"
    if not (0 < len(number) <= MAX_NUMBER_LABEL_DIGITS and number.isascii() and number.isdigit()):
        shown = number if len(number) <= MAX_NUMBER_LABEL_DIGITS else number[:MAX_NUMBER_LABEL_DIGITS] + "…"
        return f"the number label is {shown!r}; it must be 1 to {MAX_NUMBER_LABEL_DIGITS} digits 0-9"
    return None
