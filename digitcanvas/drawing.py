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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .fileio import describe_os_error, write_atomic

FORMAT_NAME = "digitcanvas-drawing"
FORMAT_VERSION = 1
DEFAULT_PEN_WIDTH = 18.0  # on-screen pen width (canvas px) that reads well on a 400 px tall canvas
CANVAS_SIZE = (640, 400)  # the app's canvas in logical px: room for a number, a digit still sits well
MAX_DRAWING_FILE_BYTES = 20 * 1024 * 1024  # a drawing is a few KB; refuse runaway files early

Stroke = NDArray[np.float64]  # shape (K, 2): x, y in canvas pixels


class DrawingFileError(ValueError):
    """A drawing file could not be read or written; the message names the file and why."""


class DrawingReadError(DrawingFileError):
    """A drawing file cannot be read: missing, unreadable, too large or malformed."""


class DrawingWriteError(DrawingFileError):
    """A drawing file cannot be written (permissions, a full disk, a bad folder)."""


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
    """Validate a parsed drawing document; raises ``ValueError`` saying what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("the top level is not a JSON object")
    if data.get("format") != FORMAT_NAME:
        raise ValueError(f'"format" is {data.get("format")!r}, expected {FORMAT_NAME!r}')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError('"version" is missing or not an integer')
    if version > FORMAT_VERSION:
        raise ValueError(f"version {version} is newer than this program reads ({FORMAT_VERSION})")
    canvas = data.get("canvas")
    if not isinstance(canvas, dict):
        raise ValueError('"canvas" is missing or not an object with width and height')
    width, height = canvas.get("width"), canvas.get("height")
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value < 100_000:
            raise ValueError(f"canvas {name} is {value!r}, expected a positive number")
    strokes = data.get("strokes")
    if not isinstance(strokes, list):
        raise ValueError('"strokes" is missing or not a list')
    parsed: list[Stroke] = []
    for index, stroke in enumerate(strokes):
        try:
            parsed.append(_parse_stroke(stroke))
        except ValueError as e:
            raise ValueError(f"stroke {index + 1} is malformed: {e}") from e
    pen_width = data.get("pen_width", DEFAULT_PEN_WIDTH)
    if not _is_number(pen_width) or not 0 < pen_width < 1000:
        raise ValueError(f'"pen_width" is {pen_width!r}, expected a positive number')
    label = data.get("label")
    if label is not None and (not isinstance(label, int) or isinstance(label, bool) or not 0 <= label <= 9):
        raise ValueError(f'"label" is {label!r}, expected a digit 0-9')
    assert isinstance(width, int | float) and isinstance(height, int | float)
    return Drawing(tuple(parsed), int(width), int(height), float(pen_width), label)


_NUMBER_TYPES = (int, float)  # exact types: JSON true/false (bool) are not coordinates


def _parse_stroke(stroke: object) -> Stroke:
    """A stroke from JSON: a non-empty list of [x, y, ...] with finite numbers (extra values ignored)."""
    if not isinstance(stroke, list) or not stroke:
        raise ValueError("it must be a non-empty list of [x, y] number pairs")
    pairs = []
    for point in stroke:
        if type(point) is not list or len(point) < 2:
            raise ValueError("it must be a non-empty list of [x, y] number pairs")
        x, y = point[0], point[1]
        if type(x) not in _NUMBER_TYPES or type(y) not in _NUMBER_TYPES:
            raise ValueError("it must be a non-empty list of [x, y] number pairs")
        pairs.append((x, y))
    return _as_stroke(pairs)  # also refuses infinities and NaN


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and bool(np.isfinite(value))


def parse_drawing(text: str | bytes, *, source: str | os.PathLike[str] = "<drawing>") -> Drawing:
    """Parse drawing-file text; raises :class:`DrawingFileError` naming ``source``."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DrawingReadError(f"{source}: not a valid JSON drawing file ({e})") from e
    try:
        return drawing_from_dict(data)
    except ValueError as e:
        raise DrawingReadError(f"{source}: {e}") from e


def load_drawing(path: str | os.PathLike[str]) -> Drawing:
    """Read a drawing file; raises :class:`DrawingFileError` with the path and the reason."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_DRAWING_FILE_BYTES:
            raise DrawingReadError(f"{path}: file is too large to be a drawing")
        raw = path.read_bytes()
    except OSError as e:
        raise DrawingReadError(f"{path}: cannot read the file ({describe_os_error(e)})") from e
    return parse_drawing(raw, source=path)


def looks_like_drawing(head: bytes) -> bool:
    """True when the first bytes of a file look like JSON (a drawing file), judged by content."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped.startswith(b"{")


def save_drawing(drawing: Drawing, path: str | os.PathLike[str]) -> None:
    """Write ``drawing`` atomically (see :func:`digitcanvas.fileio.write_atomic`).

    Raises :class:`DrawingWriteError` naming the file and the reason.
    """
    path = Path(path)
    text = json.dumps(drawing.to_dict(), separators=(",", ":"))
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as e:
        raise DrawingWriteError(f"{path}: cannot write the file ({describe_os_error(e)})") from e
