"""The drawing model: strokes as vectors, and the versioned JSON drawing file.

Qt-free on purpose: the canvas widget converts its points into a :class:`Drawing`
at the boundary, and the CLI, the scripts and the tests use the same class.

File format (version 1)::

    {"format": "digitcanvas-drawing", "version": 1,
     "canvas": {"width": W, "height": H},
     "strokes": [[[x, y], ...], ...]}

Coordinates are canvas pixels, x to the right, y downward. Optional keys:
``"pen_width"`` (on-screen pen width in canvas pixels) and ``"label"`` (the true
digit, for the personal collection). Unknown keys are ignored so that later
versions may add data (per-point pressure, say) without breaking readers.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .fileio import FileTooLargeError, NotRegularFileError, describe_os_error, read_limited, write_atomic

FORMAT_NAME = "digitcanvas-drawing"
FORMAT_VERSION = 1
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
MAX_JSON_DEPTH = 16  # a drawing nests 4 deep (document, strokes, stroke, point); room for extras
MAX_NUMBER_CHARS = 40  # a float64 is written in at most 24; longer numbers are refused unparsed
# Every point and every stroke is a JSON array: more arrays than this cannot be a drawing
# within the limits, and the file is refused before it is parsed.
MAX_JSON_CONTAINERS = MAX_POINTS + MAX_STROKES + 1_000

Stroke = NDArray[np.float64]  # shape (K, 2): x, y in canvas pixels


class DrawingFileError(ValueError):
    """A drawing file could not be read or written; the message names the file and why."""


class DrawingReadError(DrawingFileError):
    """A drawing file cannot be read: missing, unreadable, too large or malformed."""


class DrawingWriteError(DrawingFileError):
    """A drawing file cannot be written (permissions, a full disk, a bad folder, over a limit)."""


def _as_stroke(points: ArrayLike) -> Stroke:
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
    """

    strokes: tuple[Stroke, ...]
    width: int
    height: int
    pen_width: float = DEFAULT_PEN_WIDTH
    label: int | None = None

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
        return cls(tuple(_as_stroke(s) for s in strokes), int(width), int(height), float(pen_width), label)

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
        return Drawing(self.strokes, self.width, self.height, self.pen_width, label)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "canvas": {"width": self.width, "height": self.height},
            "pen_width": self.pen_width,
            "strokes": [[[_compact(x), _compact(y)] for x, y in s] for s in self.strokes],
        }
        if self.label is not None:
            data["label"] = self.label
        return data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Drawing):
            return NotImplemented
        return (
            (self.width, self.height, self.pen_width, self.label)
            == (other.width, other.height, other.pen_width, other.label)
            and len(self.strokes) == len(other.strokes)
            and all(np.array_equal(a, b) for a, b in zip(self.strokes, other.strokes, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]


def _compact(value: float) -> float | int:
    """Whole coordinates as integers (small, readable files); others exactly, so a saved
    drawing reads back identical. The canvas records hundredths of a pixel."""
    value = float(value)
    return int(value) if value.is_integer() else value


def drawing_from_dict(data: object) -> Drawing:
    """Validate a parsed drawing document; raises ``ValueError`` saying what is wrong
    (naming the limit when one is exceeded)."""
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    if data.get("format") != FORMAT_NAME:
        raise ValueError(f'"format" is {_shown(data.get("format"))}, expected {FORMAT_NAME!r}')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError('"version" is missing or not an integer')
    if version > FORMAT_VERSION:
        raise ValueError(f"version {version} is newer than this program reads ({FORMAT_VERSION})")
    canvas = data.get("canvas")
    if not isinstance(canvas, dict):
        raise ValueError('"canvas" is missing or not an object with width and height')
    sides = []
    for name in ("width", "height"):
        value = canvas.get(name)
        if not (isinstance(value, _NUMBER_TYPES) and _is_number(value) and MIN_CANVAS_SIDE <= value <= MAX_CANVAS_SIDE):
            raise ValueError(
                f"canvas {name} is {_shown(value)}, expected a number from {MIN_CANVAS_SIDE} to {MAX_CANVAS_SIDE:,}"
            )
        sides.append(int(value))
    strokes = data.get("strokes")
    if not isinstance(strokes, list):
        raise ValueError('"strokes" is missing or not a list')
    if len(strokes) > MAX_STROKES:
        raise ValueError(f"it has {len(strokes):,} strokes; a drawing has at most {MAX_STROKES:,}")
    parsed: list[Stroke] = []
    points = 0
    for index, stroke in enumerate(strokes):
        try:
            parsed.append(_parse_stroke(stroke))
        except ValueError as e:
            raise ValueError(f"stroke {index + 1} is malformed: {e}") from e
        points += len(parsed[-1])
        if points > MAX_POINTS:
            raise ValueError(f"it has over {MAX_POINTS:,} points; a drawing has at most {MAX_POINTS:,}")
    pen_width = data.get("pen_width", DEFAULT_PEN_WIDTH)
    if not _is_number(pen_width) or not 0 < pen_width <= MAX_PEN_WIDTH:
        raise ValueError(f'"pen_width" is {_shown(pen_width)}, expected a number over 0 and at most {MAX_PEN_WIDTH:g}')
    label = data.get("label")
    if label is not None and (not isinstance(label, int) or isinstance(label, bool) or not 0 <= label <= 9):
        raise ValueError(f'"label" is {_shown(label)}, expected a digit 0-9')
    drawing = Drawing(tuple(parsed), sides[0], sides[1], float(pen_width), label)
    problem = limits_problem(drawing)
    if problem is not None:
        raise ValueError(problem)
    return drawing


def limits_problem(drawing: Drawing) -> str | None:
    """What in ``drawing`` a drawing file cannot hold (see the ``MAX_*`` limits), or None.

    The one check for both directions: :func:`drawing_from_dict` refuses such a file and
    :func:`save_drawing` refuses to write one, so whatever is written reads back.
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
        if not np.all(np.isfinite(stroke)):
            return f"stroke {index + 1} has a coordinate that is not a finite number"
        if np.abs(stroke).max() > MAX_COORDINATE:
            return f"stroke {index + 1} has a coordinate beyond ±{MAX_COORDINATE:,} px"
    if drawing.label is not None and not 0 <= drawing.label <= 9:
        return f"the label is {drawing.label}; it must be a digit 0-9"
    return None


_NUMBER_TYPES = (int, float)  # exact types: JSON true/false (bool) are not coordinates
_SHOWN_CHARS = 40  # of a bad value in a message


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _parse_stroke(stroke: object) -> Stroke:
    """A stroke from JSON: a non-empty list of [x, y, ...] with finite numbers (extra values ignored)."""
    if not isinstance(stroke, list) or not stroke:
        raise ValueError("it must be a non-empty list of [x, y] number pairs")
    if len(stroke) > MAX_POINTS:
        raise ValueError(f"it has {len(stroke):,} points; a drawing has at most {MAX_POINTS:,}")
    pairs = []
    for point in stroke:
        if type(point) is not list or len(point) < 2:
            raise ValueError("it must be a non-empty list of [x, y] number pairs")
        x, y = point[0], point[1]
        if type(x) not in _NUMBER_TYPES or type(y) not in _NUMBER_TYPES:
            raise ValueError("it must be a non-empty list of [x, y] number pairs")
        for value in (x, y):
            if not abs(value) <= MAX_COORDINATE:  # before float64: a huge integer would overflow it
                raise ValueError(f"a coordinate is {_shown(value)}; coordinates lie within ±{MAX_COORDINATE:,} px")
        pairs.append((x, y))
    return _as_stroke(pairs)


def _is_number(value: object) -> bool:
    """A finite JSON number (int or float, not bool) that fits a float64."""
    if not isinstance(value, _NUMBER_TYPES) or isinstance(value, bool):
        return False
    try:
        return bool(np.isfinite(float(value)))
    except OverflowError:
        return False


# Strings are blanked before the structure is measured, so brackets inside them do not count.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# Characters of a JSON number become "0", all others " ": a long number is a long run of "0".
_NUMBER_RUNS = bytes(ord("0") if chr(code) in "-+0123456789.eE" else ord(" ") for code in range(256))
_LONG_NUMBER = b"0" * (MAX_NUMBER_CHARS + 1)
_SCAN_CHUNK = 1 << 20  # bytes measured at a time (bounded temporary memory)
_STEP = np.zeros(256, dtype=np.int8)  # +1 opens an array or object, -1 closes one
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def _check_json_shape(utf8: bytes) -> None:
    """Refuse, before parsing, JSON that nests deeper than MAX_JSON_DEPTH, holds more than
    MAX_JSON_CONTAINERS arrays and objects, or writes a number in over MAX_NUMBER_CHARS
    characters (a 400-digit integer overflows float64; one over 4,300 digits stops the parser)."""
    blanked = _JSON_STRING.sub(b'""', utf8)
    if _LONG_NUMBER in blanked.translate(_NUMBER_RUNS):
        raise ValueError(f"a number is written with more than {MAX_NUMBER_CHARS} characters")
    containers = blanked.count(b"[") + blanked.count(b"{")
    if containers > MAX_JSON_CONTAINERS:
        raise ValueError(
            f"it holds {containers:,} JSON arrays and objects; a drawing within the limits "
            f"({MAX_POINTS:,} points, {MAX_STROKES:,} strokes) holds at most {MAX_JSON_CONTAINERS:,}"
        )
    depth = 0
    for start in range(0, len(blanked), _SCAN_CHUNK):
        codes = np.frombuffer(blanked, dtype=np.uint8, count=min(_SCAN_CHUNK, len(blanked) - start), offset=start)
        levels = np.cumsum(_STEP[codes], dtype=np.int32) + depth
        if len(levels) and int(levels.max()) > MAX_JSON_DEPTH:
            raise ValueError(f"it nests arrays and objects over {MAX_JSON_DEPTH} deep; a drawing nests 4 deep")
        depth = int(levels[-1]) if len(levels) else depth


def _refuse_constant(name: str) -> float:
    raise ValueError(f"it holds {name}, which is not a JSON number")


def _decode(raw: bytes) -> tuple[str, bytes]:
    """The text of a JSON document (UTF-8, -16 or -32, with or without a BOM) and its UTF-8."""
    encoding = json.detect_encoding(raw)
    text = raw.decode(encoding)
    return text, (raw if encoding == "utf-8" else text.encode("utf-8", "surrogatepass"))


def parse_drawing(text: str | bytes, *, source: str | os.PathLike[str] = "<drawing>") -> Drawing:
    """Parse drawing-file text; raises :class:`DrawingReadError` naming ``source``.

    Bytes may be UTF-8, UTF-16 or UTF-32 (as JSON allows). Structure and number sizes are
    bounded before parsing (see the ``MAX_*`` limits), so no input raises anything else.
    """
    try:
        decoded, utf8 = _decode(text) if isinstance(text, bytes) else (text, text.encode("utf-8", "surrogatepass"))
    except UnicodeDecodeError as e:
        raise DrawingReadError(f"{source}: not a JSON drawing file (not UTF-8, UTF-16 or UTF-32 text)") from e
    try:
        _check_json_shape(utf8)
    except ValueError as e:
        raise DrawingReadError(f"{source}: {e}") from e
    try:
        data = json.loads(decoded, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise DrawingReadError(f"{source}: not a valid JSON drawing file ({e})") from e
    except (ValueError, RecursionError) as e:  # a NaN or Infinity literal; nesting is bounded above
        raise DrawingReadError(f"{source}: not a valid JSON drawing file ({e})") from e
    try:
        return drawing_from_dict(data)
    except ValueError as e:
        raise DrawingReadError(f"{source}: {e}") from e


def read_drawing_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a drawing file, refusing what is not a regular file or is over
    MAX_DRAWING_FILE_BYTES; raises :class:`DrawingReadError` with the path and the reason."""
    try:
        return read_limited(path, MAX_DRAWING_FILE_BYTES)
    except NotRegularFileError as e:
        raise DrawingReadError(f"{path}: {e.strerror}") from e
    except FileTooLargeError as e:
        raise DrawingReadError(
            f"{path}: the file is {e.size:,} bytes; drawing files of at most {MAX_DRAWING_FILE_BYTES:,} are read"
        ) from e
    except OSError as e:
        raise DrawingReadError(f"{path}: cannot read the file ({describe_os_error(e)})") from e


def load_drawing(path: str | os.PathLike[str]) -> Drawing:
    """Read a drawing file; raises :class:`DrawingFileError` with the path and the reason."""
    return parse_drawing(read_drawing_bytes(path), source=path)


_JSON_WHITESPACE = "\ufeff \t\r\n"  # and a byte-order mark


def _head_text(head: bytes) -> str:
    return head.decode(json.detect_encoding(head), errors="ignore").lstrip(_JSON_WHITESPACE)


def looks_like_drawing(head: bytes) -> bool:
    """True when the first bytes of a file look like JSON (a drawing file), judged by
    content: ``{`` after optional whitespace, in UTF-8, UTF-16 or UTF-32."""
    return _head_text(head).startswith("{")


def is_blank(head: bytes) -> bool:
    """True when ``head`` holds only JSON whitespace (or nothing): too little to judge a
    file by, so the caller reads further (a drawing may start with a long run of it)."""
    return not _head_text(head)


def drawing_bytes(drawing: Drawing) -> bytes:
    """The file content for ``drawing`` (compact UTF-8 JSON).

    Raises ``ValueError`` naming the limit when the drawing is one the reader would refuse.
    """
    problem = limits_problem(drawing)
    if problem is not None:
        raise ValueError(problem)
    return json.dumps(drawing.to_dict(), separators=(",", ":"), allow_nan=False).encode("utf-8")


def save_drawing(drawing: Drawing, path: str | os.PathLike[str]) -> None:
    """Write ``drawing`` atomically (see :func:`digitcanvas.fileio.write_atomic`).

    Raises :class:`DrawingWriteError` naming the file and the reason, also when the drawing
    is over a limit the reader applies (nothing is written then).
    """
    path = Path(path)
    try:
        payload = drawing_bytes(drawing)
    except ValueError as e:
        raise DrawingWriteError(f"{path}: cannot save this drawing: {e}") from e
    try:
        write_atomic(path, payload)
    except OSError as e:
        raise DrawingWriteError(f"{path}: cannot write the file ({describe_os_error(e)})") from e
