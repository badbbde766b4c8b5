"""A whole number as one strip image: the input of the number reader (:mod:`.number_reader`). No Qt.

The number reader looks at the whole number at once, the way the digit model looks at one
digit: white ink on black, float32 in [0, 1], ``STRIP_HEIGHT`` px tall with the ink
``INK_HEIGHT`` px tall in the middle and ``MARGIN`` px of paper on either side; the width
follows the ink (at most ``MAX_STRIP_WIDTH``). A drawing's strokes are rendered at that
scale with an MNIST-like pen (:data:`STRIP_PEN`), whatever the on-screen pen; an image's
ink (:mod:`.page`'s, rules already removed) is resized to it. The lab trains the number
reader on strips made by these same functions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from digitcanvas.reading.preprocessing import DIGIT_BOX, MNIST_PEN_WIDTH
from digitcanvas.util.lazy_imports import ndimage

STRIP_HEIGHT = 32  # px: the number reader's input height
INK_HEIGHT = 24  # px: the ink's height in it (a digit a little larger than MNIST's 20 px box)
MARGIN = 4  # px of paper left and right of the ink, as above and below: (32 - 24) / 2
FRAME = 4  # px: the number reader gives one frame per 4 px of strip (two 2×2 poolings)
MAX_STRIP_WIDTH = 1024  # px: room for some 40 digits; wider ink is scaled down to fit
STRIP_PEN = MNIST_PEN_WIDTH * INK_HEIGHT / DIGIT_BOX  # px: MNIST's pen, for digits this tall
SUPERSAMPLE = 4  # strokes are drawn this many times larger and averaged down: anti-aliased edges
# Points closer than this (strip px) to the last one drawn are skipped: a pen tablet's dense points
# cost a round joint each to draw (30 ms for a 4-digit UNIPEN number), and a chord this short
# strays from the curve by a hundredth of a px.
MIN_STEP = 0.5


StripPixels = NDArray[np.float32]  # (STRIP_HEIGHT, W), W a multiple of FRAME, white ink on black in [0, 1]


def _fit(width: float, height: float, *, room: float = 0.0) -> float:
    """Strip px per source px for ink ``width`` × ``height``: INK_HEIGHT tall, or narrower
    where it would pass MAX_STRIP_WIDTH; ``room``: strip px the ink takes beyond its scaled size
    (a pen's width)."""
    tall = (INK_HEIGHT - room) / max(height, 1e-6)
    wide = (MAX_STRIP_WIDTH - 2 * MARGIN - FRAME - room) / max(width, 1e-6)
    return min(tall, wide)


def _canvas_width(ink_width: float) -> int:
    """The strip's width for ink this wide (strip px): margins added, a multiple of FRAME."""
    width = int(np.ceil(ink_width)) + 2 * MARGIN
    return min(MAX_STRIP_WIDTH, -(-width // FRAME) * FRAME)


def thinned(points: NDArray[np.float64], step: float) -> NDArray[np.float64]:
    """The polyline's points, each at least ``step`` from the one kept before it; the last always kept."""
    if len(points) <= 2:
        return points
    keep = [0]
    last = points[0]
    for i in range(1, len(points) - 1):
        if abs(points[i, 0] - last[0]) + abs(points[i, 1] - last[1]) >= step:
            keep.append(i)
            last = points[i]
    keep.append(len(points) - 1)
    return points[keep]


def strokes_strip(strokes: Sequence[NDArray[np.float64]], *, pen: float = STRIP_PEN) -> StripPixels:
    """Strokes ((K, 2) canvas px each) rendered as a strip, with a round pen ``pen`` strip px wide."""
    points = np.concatenate([np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    scale = _fit(float(high[0] - low[0]), float(high[1] - low[1]), room=pen)
    ink_w = (high[0] - low[0]) * scale + pen
    ink_h = (high[1] - low[1]) * scale + pen
    width = _canvas_width(ink_w)
    s = SUPERSAMPLE
    image = Image.new("L", (width * s, STRIP_HEIGHT * s), 0)
    draw = ImageDraw.Draw(image)
    offset = np.array([MARGIN + pen / 2, (STRIP_HEIGHT - ink_h) / 2 + pen / 2])
    r = pen * s / 2
    for stroke in strokes:
        placed = thinned(
            ((np.asarray(stroke, dtype=np.float64).reshape(-1, 2) - low) * scale + offset) * s, MIN_STEP * s
        )
        xy = [(float(x), float(y)) for x, y in placed]
        if len(xy) > 1:
            draw.line(xy, fill=255, width=max(1, round(pen * s)), joint="curve")
        for x, y in (xy[0], xy[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    small = image.reduce(s)
    return np.asarray(small, dtype=np.float32) / 255.0


def ink_strip(ink: NDArray[np.floating]) -> StripPixels:
    """An ink map ((H, W) in [0, 1], 1 the darkest ink) as a strip: cropped to its ink and
    resized (area-averaged when shrunk) so the ink is INK_HEIGHT px tall."""
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    if len(rows) == 0:
        return np.zeros((STRIP_HEIGHT, 2 * FRAME), dtype=np.float32)
    crop = np.asarray(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], dtype=np.float64)
    scale = _fit(float(crop.shape[1]), float(crop.shape[0]))
    if scale < 1:
        crop = ndimage.gaussian_filter(crop, sigma=(1 / scale - 1) / 2.5, mode="constant")
    out_h = max(1, min(INK_HEIGHT, round(crop.shape[0] * scale)))
    out_w = max(1, min(MAX_STRIP_WIDTH - 2 * MARGIN - FRAME, round(crop.shape[1] * scale)))
    factors = (out_h / crop.shape[0], out_w / crop.shape[1])
    resized = ndimage.zoom(crop, factors, order=1, grid_mode=True, mode="nearest")
    width = _canvas_width(out_w)
    pixels = np.zeros((STRIP_HEIGHT, width), dtype=np.float32)
    top = (STRIP_HEIGHT - out_h) // 2
    pixels[top : top + out_h, MARGIN : MARGIN + out_w] = np.clip(resized, 0.0, 1.0)
    peak = float(pixels.max())
    if peak > 0:
        pixels /= peak
    return pixels
