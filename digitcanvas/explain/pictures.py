"""Pictures of what a network computes: tiled feature maps, heat strips, saliency overlays. No Qt.

Every function returns RGB uint8 arrays, (H, W, 3), at one pixel per value: the inside
view scales them up on screen (nearest-neighbour) and ``digitcanvas inspect --out``
enlarges and titles them for slides (:mod:`.slides`), within :data:`MAX_PICTURE_PIXELS`
each. The colour maps are defined here, once,
because both the window and the command line draw with them (the Qt theme cannot be
imported without Qt).

* Values that are never negative (after ReLU, pooling, probabilities) use the
  sequential map :data:`SEQUENTIAL` from 0 to the largest value of the layer.
* Signed values (convolution outputs, logits, filters, saliency) use the diverging map
  :data:`DIVERGING`: blue below zero, dark at zero, red above, symmetric in magnitude.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.image_file import image28_to_uint8

# Colour anchors, evenly spaced from the low end to the high end (RGB 0-255).
SEQUENTIAL = ((12, 7, 36), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164))  # like "inferno"
DIVERGING = ((33, 102, 172), (103, 169, 207), (20, 22, 26), (239, 138, 98), (178, 24, 43))  # blue, dark, red
SALIENCY_POSITIVE = (239, 68, 68)  # ink that pushed toward the digit
SALIENCY_NEGATIVE = (59, 130, 246)  # ink that pushed away from it
GAP_COLOUR = (55, 60, 68)  # between tiles
TILE_GAP = 1  # px between tiles, at one pixel per value
OVERLAY_INK = 0.45  # how bright the input's ink stays under the saliency colours
OVERLAY_GAMMA = 0.6  # < 1 lifts weak values into sight; the peak stays the pure colour
VECTOR_ROW = 32  # values per row when a long vector (a 6,272-value flatten) is drawn as a block
# One PNG for slides at most (2,000 × 2,000 px, 12 MB as RGB): a 16M-value layer enlarged 8×
# took 7 GB. A larger layer is drawn less enlarged, and one over it at one pixel per value
# is not drawn at all (nobody reads a 125,000-px-tall strip). All PNGs of one call together
# hold at most MAX_PICTURES_PIXELS, which bounds the time spent compressing them.
MAX_PICTURE_PIXELS = 4_000_000
MAX_PICTURES_PIXELS = 4 * MAX_PICTURE_PIXELS
LEVELS = 257  # colours per map, finer than a screen shows; odd, so zero is the diverging map's exact middle


def _table(anchors: tuple[tuple[int, int, int], ...]) -> NDArray[np.uint8]:
    """(LEVELS, 3) colours, linearly interpolated between the anchors."""
    stops = np.linspace(0.0, 1.0, len(anchors))
    t = np.linspace(0.0, 1.0, LEVELS)
    channels = [np.interp(t, stops, [a[c] for a in anchors]) for c in range(3)]
    return np.asarray(np.rint(np.stack(channels, axis=1)), dtype=np.uint8)


_TABLES: dict[tuple[tuple[int, int, int], ...], NDArray[np.uint8]] = {}


def _interpolate(anchors: tuple[tuple[int, int, int], ...], t: NDArray[np.floating]) -> NDArray[np.uint8]:
    """Colours for ``t`` in [0, 1] (any shape) along ``anchors``; shape (*t.shape, 3).

    A lookup in a table of :data:`LEVELS` colours: the inside view colours every layer of
    every drawing, and a table is ten times faster than interpolating each value."""
    table = _TABLES.get(anchors)
    if table is None:
        table = _TABLES[anchors] = _table(anchors)
    position = np.clip(np.nan_to_num(as_float32(t)), 0.0, 1.0) * (LEVELS - 1) + 0.5
    return table[position.astype(np.intp)]


def as_float32(values: object) -> NDArray[np.float32]:
    """``values`` as float32, those beyond its range as ±infinity (the end colours), without
    the overflow warning numpy gives for it: a model's float64 layer may hold 1e300."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(values, dtype=np.float32)


def colourise(
    values: NDArray[np.floating], *, peak: float | None = None, signed: bool | None = None
) -> NDArray[np.uint8]:
    """RGB (*values.shape, 3): the diverging map for ``signed`` values (default: when any
    is negative), else the sequential one; ``peak`` (default: the largest magnitude)
    maps to the end colour."""
    array = np.nan_to_num(as_float32(values))
    top = float(np.abs(array).max()) if peak is None and array.size else float(peak or 0.0)
    scale = top if top > 0 else 1.0
    if signed is None:
        signed = bool(array.size) and float(array.min()) < 0
    if not signed:
        return _interpolate(SEQUENTIAL, array / scale)
    return _interpolate(DIVERGING, 0.5 + array / (2 * scale))


def grid_shape(count: int, tile_aspect: float = 1.0) -> tuple[int, int]:
    """(rows, columns) for ``count`` tiles, about as wide as tall overall."""
    if count <= 0:
        return 0, 0
    columns = max(1, math.ceil(math.sqrt(count / max(tile_aspect, 1e-9))))
    return math.ceil(count / columns), columns


def tile_maps(
    maps: NDArray[np.floating], *, columns: int | None = None, signed: bool | None = None
) -> NDArray[np.uint8]:
    """Feature maps (C, H, W) as one RGB picture of C tiles in a grid, one colour scale
    for the whole layer (so tiles compare), :data:`TILE_GAP` px between tiles."""
    stack = as_float32(maps)
    if stack.ndim != 3:
        raise ValueError(f"expected maps of shape (C, H, W), got {stack.shape}")
    count, height, width = stack.shape
    rows, cols = grid_shape(count, width / max(height, 1)) if columns is None else (math.ceil(count / columns), columns)
    colours = colourise(stack, signed=signed)
    # Lay the tiles out in one go: (rows, cols) cells of (height + gap, width + gap), cut at the end.
    cells = np.empty((rows * cols, height + TILE_GAP, width + TILE_GAP, 3), dtype=np.uint8)
    cells[:] = GAP_COLOUR
    cells[:count, :height, :width] = colours
    grid = cells.reshape(rows, cols, height + TILE_GAP, width + TILE_GAP, 3).transpose(0, 2, 1, 3, 4)
    out = grid.reshape(rows * (height + TILE_GAP), cols * (width + TILE_GAP), 3)
    return np.ascontiguousarray(out[: out.shape[0] - TILE_GAP, : out.shape[1] - TILE_GAP])


def heat_strip(vector: NDArray[np.floating], *, peak: float | None = None) -> NDArray[np.uint8]:
    """A dense layer's values (K,) as a one-row RGB strip (1, K, 3)."""
    return colourise(np.asarray(vector, dtype=np.float64).reshape(1, -1), peak=peak)


def vector_picture(vector: NDArray[np.floating], *, row: int = VECTOR_ROW) -> NDArray[np.uint8]:
    """A vector (K,) as RGB: one strip (1, K, 3) up to ``row`` values, else rows of ``row``
    values (the last one padded with the gap colour), one colour scale for all."""
    values = np.asarray(vector, dtype=np.float64).ravel()
    if len(values) <= row:
        return heat_strip(values)
    rows = math.ceil(len(values) / row)
    out = np.empty((rows * row, 3), dtype=np.uint8)
    out[:] = GAP_COLOUR
    out[: len(values)] = colourise(values)
    return out.reshape(rows, row, 3)


def filters_picture(filters: NDArray[np.floating]) -> NDArray[np.uint8]:
    """First-layer kernels (K, kH, kW) tiled, on the diverging map (weights are signed)."""
    return tile_maps(np.asarray(filters, dtype=np.float64), signed=True)


def saliency_overlay(image: NDArray[np.floating], saliency: NDArray[np.floating]) -> NDArray[np.uint8]:
    """The (28, 28) input in grey with the saliency map over it: red where the ink pushed
    toward the digit, blue where it pushed away, stronger for larger values; (28, 28, 3)."""
    grey = image28_to_uint8(np.asarray(image)).astype(np.float64)[..., None] * OVERLAY_INK
    values = np.nan_to_num(np.asarray(saliency, dtype=np.float64))
    peak = float(np.abs(values).max()) if values.size else 0.0
    strength = ((np.abs(values) / peak) ** OVERLAY_GAMMA if peak > 0 else np.zeros_like(values))[..., None]
    colour = np.where(
        values[..., None] >= 0, np.asarray(SALIENCY_POSITIVE, float), np.asarray(SALIENCY_NEGATIVE, float)
    )
    mixed = grey * (1 - strength) + colour * strength
    return np.asarray(np.clip(np.rint(mixed), 0, 255), dtype=np.uint8)


def legend_strip(width: int, *, signed: bool) -> NDArray[np.uint8]:
    """The colour scale as a strip (1, width, 3): the diverging map from the most negative
    value to the most positive (``signed``), else the sequential one from 0 to the largest."""
    return colourise(np.linspace(-1.0 if signed else 0.0, 1.0, max(width, 2)).reshape(1, -1), peak=1.0, signed=signed)


def grey_picture(image: NDArray[np.floating]) -> NDArray[np.uint8]:
    """A (28, 28) image in [0, 1] as RGB (white ink on black)."""
    grey = image28_to_uint8(np.asarray(image))
    return np.repeat(grey[..., None], 3, axis=2)
