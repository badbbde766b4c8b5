"""The JSON drawing file, read and written in one place. No Qt.

File format (version 1)::

    {"format": "digitcanvas-drawing", "version": 1,
     "canvas": {"width": W, "height": H},
     "strokes": [[[x, y], ...], ...]}

Coordinates are canvas pixels, x to the right, y downward. Optional keys:
``"pen_width"`` (on-screen pen width in canvas pixels) and ``"label"``: the true digit as
a JSON integer 0-9 (the personal collection's label), or the true whole number as a JSON
string of digits (``"2026"``, leading zeros kept; ``python -m lab.evaluate.real_numbers
--drawings`` scores the number reader on such files). Unknown keys are ignored so that
later versions may add data (per-point pressure, say) without breaking readers.

Reading turns file text into a :class:`~digitcanvas.drawing.strokes.Drawing` or a
:class:`~digitcanvas.drawing.strokes.DrawingReadError` naming the file and the problem. The structure
and the numbers are measured before ``json`` parses anything (:data:`MAX_JSON_DEPTH`,
:data:`MAX_JSON_CONTAINERS`, :data:`MAX_NUMBER_CHARS`), so no input makes the parser
hang, overflow or recurse; the document is then checked against the drawing limits.
:func:`json_number` and :func:`json_int` are the one test of a JSON number, which the
collection file (:mod:`digitcanvas.collection.archive`) shares.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, BinaryIO, TypeGuard

import numpy as np

from digitcanvas.drawing.strokes import (
    DEFAULT_PEN_WIDTH,
    MAX_CANVAS_SIDE,
    MAX_COORDINATE,
    MAX_DRAWING_FILE_BYTES,
    MAX_NUMBER_LABEL_DIGITS,
    MAX_PEN_WIDTH,
    MAX_POINTS,
    MAX_STROKES,
    MIN_CANVAS_SIDE,
    Drawing,
    DrawingReadError,
    DrawingWriteError,
    limits_problem,
    number_label_problem,
)
from digitcanvas.util.files import (
    FileTooLargeError,
    NotRegularFileError,
    describe_os_error,
    read_limited,
    read_rest_limited,
    write_atomic,
)

FORMAT_NAME = "digitcanvas-drawing"
FORMAT_VERSION = 1
MAX_JSON_DEPTH = 16  # a drawing nests 4 deep (document, strokes, stroke, point); room for extras
MAX_NUMBER_CHARS = 40  # a float64 is written in at most 24; longer numbers are refused unparsed
# Every point and every stroke is a JSON array: more arrays than this cannot be a drawing
# within the limits, and the file is refused before it is parsed.
MAX_JSON_CONTAINERS = MAX_POINTS + MAX_STROKES + 1_000


def json_int(value: object) -> TypeGuard[int]:
    """True for a JSON integer: an ``int`` that is not a ``bool`` (JSON's true and false
    parse as bools, which Python counts as integers)."""
    return isinstance(value, int) and not isinstance(value, bool)


def json_number(value: object) -> TypeGuard[int | float]:
    """True for a JSON number: an ``int`` (not a ``bool``) or a ``float``.

    Its size is the caller's to check: a range check also refuses NaN, infinity and
    integers too large for a float64 (Python compares ints and floats exactly).
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def drawing_from_dict(data: object) -> Drawing:
    """Validate a parsed drawing document; raises ``ValueError`` saying what is wrong
    (naming the limit when one is exceeded)."""
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    if data.get("format") != FORMAT_NAME:
        raise ValueError(f'"format" is {_shown(data.get("format"))}, expected {FORMAT_NAME!r}')
    version = data.get("version")
    if not json_int(version):
        raise ValueError('"version" is missing or not an integer')
    if version > FORMAT_VERSION:
        raise ValueError(f"version {version} is newer than this program reads ({FORMAT_VERSION})")
    canvas = data.get("canvas")
    if not isinstance(canvas, dict):
        raise ValueError('"canvas" is missing or not an object with width and height')
    sides = []
    for name in ("width", "height"):
        value = canvas.get(name)
        if not (json_number(value) and MIN_CANVAS_SIDE <= value <= MAX_CANVAS_SIDE):
            raise ValueError(
                f"canvas {name} is {_shown(value)}, expected a number from {MIN_CANVAS_SIDE} to {MAX_CANVAS_SIDE:,}"
            )
        sides.append(int(value))
    strokes = data.get("strokes")
    if not isinstance(strokes, list):
        raise ValueError('"strokes" is missing or not a list')
    if len(strokes) > MAX_STROKES:
        raise ValueError(f"it has {len(strokes):,} strokes; a drawing has at most {MAX_STROKES:,}")
    # Every point is checked here, in Python (JSON types); the numbers become one array,
    # cut into strokes, so a drawing of 1,000 one-point strokes costs no more than one stroke.
    pairs: list[tuple[float, float]] = []
    ends: list[int] = []
    for index, stroke in enumerate(strokes):
        try:
            _parse_stroke(stroke, pairs)
        except ValueError as e:
            raise ValueError(f"stroke {index + 1} is malformed: {e}") from e
        ends.append(len(pairs))
        if len(pairs) > MAX_POINTS:
            raise ValueError(f"it has over {MAX_POINTS:,} points; a drawing has at most {MAX_POINTS:,}")
    coordinates = np.array(pairs, dtype=np.float64).reshape(-1, 2)
    starts = [0, *ends[:-1]] if ends else []
    parsed = tuple(coordinates[start:end] for start, end in zip(starts, ends, strict=True))
    pen_width = data.get("pen_width", DEFAULT_PEN_WIDTH)
    if not (json_number(pen_width) and 0 < pen_width <= MAX_PEN_WIDTH):
        raise ValueError(f'"pen_width" is {_shown(pen_width)}, expected a number over 0 and at most {MAX_PEN_WIDTH:g}')
    label = data.get("label")
    number: str | None = None
    if isinstance(label, str):
        number, label = label, None
        if number_label_problem(number) is not None:
            raise ValueError(
                f'"label" is {_shown(number)}, expected a digit 0-9 or a whole number of at most '
                f'{MAX_NUMBER_LABEL_DIGITS} digits written as a string ("2026")'
            )
    elif label is not None and not (json_int(label) and 0 <= label <= 9):
        raise ValueError(f'"label" is {_shown(label)}, expected a digit 0-9 or a whole number as a string ("2026")')
    drawing = Drawing(parsed, sides[0], sides[1], float(pen_width), label, number)
    problem = limits_problem(drawing)
    if problem is not None:
        raise ValueError(problem)
    return drawing


_SHOWN_CHARS = 40  # of a bad value in a message


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _parse_stroke(stroke: object, pairs: list[tuple[float, float]]) -> None:
    """Add a stroke's points to ``pairs``: a non-empty list of [x, y, ...] with numbers
    within ±MAX_COORDINATE (extra values ignored); raises ``ValueError`` otherwise."""
    if not isinstance(stroke, list) or not stroke:
        raise ValueError("it must be a non-empty list of [x, y] number pairs")
    if len(stroke) > MAX_POINTS:
        raise ValueError(f"it has {len(stroke):,} points; a drawing has at most {MAX_POINTS:,}")
    for point in stroke:
        if type(point) is not list or len(point) < 2:
            raise ValueError("it must be a non-empty list of [x, y] number pairs")
        x, y = point[0], point[1]
        if not (json_number(x) and json_number(y)):
            raise ValueError("it must be a non-empty list of [x, y] number pairs")
        for value in (x, y):
            # before float64: a huge integer would overflow it; NaN fails the comparison too
            if not abs(value) <= MAX_COORDINATE:
                raise ValueError(f"a coordinate is {_shown(value)}; coordinates lie within ±{MAX_COORDINATE:,} px")
        pairs.append((x, y))


# Strings are blanked before the structure is measured, so brackets inside them do not count.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# Characters of a JSON number become "0", all others " ": a long number is a long run of "0".
_NUMBER_RUNS = bytes(ord("0") if chr(code) in "-+0123456789.eE" else ord(" ") for code in range(256))
_LONG_NUMBER = b"0" * (MAX_NUMBER_CHARS + 1)
_SCAN_CHUNK = 1 << 20  # bytes measured at a time (bounded temporary memory)
_STEP = np.zeros(256, dtype=np.int8)  # +1 opens an array or object, -1 closes one
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def check_json_shape(utf8: bytes, *, max_depth: int, max_containers: int, within: str, nests: str) -> None:
    """Refuse, before parsing, JSON that nests deeper than ``max_depth``, holds more than
    ``max_containers`` arrays and objects, or writes a number in over MAX_NUMBER_CHARS
    characters (a 400-digit integer overflows float64; one over 4,300 digits stops the
    parser): ``ValueError`` naming the limit, with ``within`` (what holds at most that many)
    and ``nests`` (how deep the document nests) for words."""
    blanked = _JSON_STRING.sub(b'""', utf8)
    for start in range(0, len(blanked), _SCAN_CHUNK):  # overlapping pieces: no whole translated copy
        if _LONG_NUMBER in blanked[start : start + _SCAN_CHUNK + len(_LONG_NUMBER)].translate(_NUMBER_RUNS):
            raise ValueError(f"a number is written with more than {MAX_NUMBER_CHARS} characters")
    containers = blanked.count(b"[") + blanked.count(b"{")
    if containers > max_containers:
        raise ValueError(f"it holds {containers:,} JSON arrays and objects; {within} holds at most {max_containers:,}")
    depth = 0
    for start in range(0, len(blanked), _SCAN_CHUNK):
        codes = np.frombuffer(blanked, dtype=np.uint8, count=min(_SCAN_CHUNK, len(blanked) - start), offset=start)
        levels = np.cumsum(_STEP[codes], dtype=np.int32) + depth
        if len(levels) and int(levels.max()) > max_depth:
            raise ValueError(f"it nests arrays and objects over {max_depth} deep; {nests}")
        depth = int(levels[-1]) if len(levels) else depth


def _check_json_shape(utf8: bytes) -> None:
    check_json_shape(
        utf8,
        max_depth=MAX_JSON_DEPTH,
        max_containers=MAX_JSON_CONTAINERS,
        within=f"a drawing within the limits ({MAX_POINTS:,} points, {MAX_STROKES:,} strokes)",
        nests="a drawing nests 4 deep",
    )


def _refuse_constant(name: str) -> float:
    raise ValueError(f"it holds {name}, which is not a JSON number")


def utf8_json(raw: bytes) -> bytes:
    """A JSON document (UTF-8, -16 or -32, with or without a BOM) as UTF-8 bytes: ``raw``
    itself when it is UTF-8 already (no copy). Raises ``UnicodeDecodeError``."""
    encoding = json.detect_encoding(raw)
    return raw if encoding == "utf-8" else raw.decode(encoding).encode("utf-8", "surrogatepass")


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


# --- writing ----------------------------------------------------------------------------


def drawing_to_dict(drawing: Drawing) -> dict[str, Any]:
    """The file's JSON document for ``drawing``."""
    data: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "canvas": {"width": drawing.width, "height": drawing.height},
        "pen_width": drawing.pen_width,
        "strokes": [[[_compact(x), _compact(y)] for x, y in s] for s in drawing.strokes],
    }
    if drawing.label is not None:
        data["label"] = drawing.label
    elif drawing.number_label is not None:
        data["label"] = drawing.number_label  # a string: a whole number, leading zeros kept
    return data


def _compact(value: float) -> float | int:
    """Whole coordinates as integers (small, readable files); others exactly, so a saved
    drawing reads back identical. The canvas records hundredths of a pixel."""
    value = float(value)
    return int(value) if value.is_integer() else value


# --- files ------------------------------------------------------------------------------


def read_drawing_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a drawing file, refusing what is not a regular file or is over
    MAX_DRAWING_FILE_BYTES; raises :class:`DrawingReadError` with the path and the reason."""
    try:
        return read_limited(path, MAX_DRAWING_FILE_BYTES)
    except OSError as e:
        raise drawing_read_error(path, e) from e


def read_drawing_rest(handle: BinaryIO, path: str | os.PathLike[str], head: bytes) -> bytes:
    """:func:`read_drawing_bytes` for a file already open, of which ``head`` was read."""
    try:
        return read_rest_limited(handle, path, MAX_DRAWING_FILE_BYTES, head=head)
    except OSError as e:
        raise drawing_read_error(path, e) from e


def drawing_read_error(path: str | os.PathLike[str], error: OSError) -> DrawingReadError:
    """The one message for a drawing file that cannot be read: not a regular file, over
    MAX_DRAWING_FILE_BYTES, or an error of the system (chain it: ``raise … from error``)."""
    if isinstance(error, NotRegularFileError):
        return DrawingReadError(f"{path}: {error.strerror}")
    if isinstance(error, FileTooLargeError):
        return DrawingReadError(
            f"{path}: the file is {error.size:,} bytes; drawing files of at most {MAX_DRAWING_FILE_BYTES:,} are read"
        )
    return DrawingReadError(f"{path}: cannot read the file ({describe_os_error(error)})")


def load_drawing(path: str | os.PathLike[str]) -> Drawing:
    """Read a drawing file; raises :class:`DrawingFileError` with the path and the reason."""
    return parse_drawing(read_drawing_bytes(path), source=path)


def drawing_bytes(drawing: Drawing) -> bytes:
    """The file content for ``drawing`` (compact UTF-8 JSON).

    Raises ``ValueError`` naming the limit when the drawing is one the reader would refuse.
    """
    problem = limits_problem(drawing)
    if problem is not None:
        raise ValueError(problem)
    return json.dumps(drawing_to_dict(drawing), separators=(",", ":"), allow_nan=False).encode("utf-8")


def save_drawing(drawing: Drawing, path: str | os.PathLike[str]) -> None:
    """Write ``drawing`` atomically (see :func:`digitcanvas.util.files.write_atomic`).

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
