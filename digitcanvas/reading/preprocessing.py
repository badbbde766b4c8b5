"""Turn strokes or images into the 28×28 input the network expects, the way MNIST was made.

MNIST (LeCun et al.): each digit was size-normalised to fit a 20×20 box keeping its
aspect ratio (anti-aliased, hence grey levels), then placed in a 28×28 field so that
its centre of mass sits at pixel (14, 14) (index coordinates). White ink on black, values in [0, 1].

Because the canvas keeps vectors, strokes are *rendered directly at the target scale*
with an MNIST-like pen width (:attr:`PenMode.MNIST`, the default) instead of shrinking
a bitmap drawn with whatever pen the user picked (:attr:`PenMode.SCREEN`, kept for
comparison; ``python -m lab.evaluate.drawn --pen-mode screen`` measures it).

No Qt here: the app, the CLI, the scripts and the tests share these functions.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.strokes import Drawing, EmptyInputError, Stroke
from digitcanvas.model.shapes import FIELD, Image28, Images28
from digitcanvas.util.enums import StrEnum
from digitcanvas.util.lazy_imports import ndimage

DIGIT_BOX = 20  # MNIST fits the digit's longer side into 20 px of the 28 px field
# MNIST's centre of mass in index coordinates: all 60,000 training images lie within 0.52 px of
# (14, 14), half a pixel right of and below the field's geometric centre (13.5).
FIELD_CENTRE = FIELD / 2
# Stroke width in 28-px units. At 2.4, UNIPEN validation drawings carry the mean ink of an
# MNIST digit (100.9 vs 102.4 pixel-sums); an MNIST-only model scores the same on those
# drawings (97.7-97.9 %) at widths 1.6-3.2, so matching MNIST's ink decided.
MNIST_PEN_WIDTH = 2.4
MIN_EXTENT = 1e-6  # canvas px: ink narrower than this in both directions is a dot
MIN_SEGMENT = 0.5  # px at target scale: closer points add cost, not shape
MAX_CORRECTIONS = 4  # clipped or heavily overlapping ink may need more than one
INK_THRESHOLD = 0.15  # image path: a pixel darker/brighter than this (0..1) above paper is ink
COM_TOLERANCE = 0.3  # px; drawings are re-rendered when the vector estimate misses by more
BATCH_POINTS = 20_000  # drawings are rendered together up to this many points (the work arrays grow with them)
REDUCE_SHARE = 0.25  # of an output pixel: a large image is averaged over blocks this wide first


class ImageFormatError(ValueError):
    """An image array has a shape or type this module cannot read."""


class PenMode(StrEnum):
    """How stroke width is chosen when strokes are rendered at 28×28."""

    MNIST = "mnist"  # a fixed MNIST-like width, whatever the on-screen pen
    SCREEN = "screen"  # the on-screen pen width, shrunk with the drawing


@dataclass(frozen=True)
class PreprocessOptions:
    pen_mode: PenMode = PenMode.MNIST
    mnist_pen_width: float = MNIST_PEN_WIDTH


DEFAULT_OPTIONS = PreprocessOptions()


def preprocess_drawing(drawing: Drawing, options: PreprocessOptions = DEFAULT_OPTIONS) -> Image28:
    """Render a drawing as MNIST would show it.

    Returns float32 (28, 28) in [0, 1], white ink on black, the ink's longer side
    20 px (stroke width included) and its centre of mass at MNIST's (14, 14).
    Raises :class:`EmptyInputError` for a drawing without strokes.
    """
    image: Image28 = preprocess_many([(drawing.strokes, drawing.pen_width)], options)[0]
    return image


def preprocess_drawings(drawings: Sequence[Drawing], options: PreprocessOptions = DEFAULT_OPTIONS) -> Images28:
    """:func:`preprocess_drawing` of many drawings at once, (N, 28, 28): one pass over all
    their points instead of one per drawing (a collection of 30,000 drawings)."""
    return preprocess_many([(d.strokes, d.pen_width) for d in drawings], options)


def preprocess_many(
    inks: Sequence[tuple[Sequence[Stroke], float]], options: PreprocessOptions = DEFAULT_OPTIONS
) -> Images28:
    """Bare strokes (each (K, 2) float, canvas px) and their on-screen pen width, each
    rendered as :func:`preprocess_drawing` renders a drawing: (N, 28, 28) float32. Raises
    :class:`EmptyInputError` if one has no points.

    Every drawing's points are placed, thinned and rendered together (so a drawing of 1,000
    dots costs what one stroke does, and 256 drawings about what a few do), and the renders
    whose centre of mass misses the field centre are aimed again together.
    """
    # Drawings go together up to BATCH_POINTS points: the work arrays grow with the points.
    groups: list[list[tuple[Sequence[Stroke], float]]] = [[]]
    total = 0
    for ink in inks:
        points = sum(len(s) for s in ink[0])
        if groups[-1] and total + points > BATCH_POINTS:
            groups.append([])
            total = 0
        groups[-1].append(ink)
        total += points
    if len(groups) > 1:
        return np.concatenate([_preprocess_together(group, options) for group in groups])
    return _preprocess_together(inks, options)


def _preprocess_together(inks: Sequence[tuple[Sequence[Stroke], float]], options: PreprocessOptions) -> Images28:
    if not inks:
        return np.zeros((0, FIELD, FIELD), dtype=np.float32)
    arrays: list[NDArray[np.float64]] = []
    counts = []
    for strokes, _ in inks:
        kept = [_points(s) for s in strokes if len(s)]
        if not kept:
            raise EmptyInputError("the drawing is empty")
        arrays += kept
        counts.append(len(kept))
    n = len(inks)
    sizes = np.array(counts, dtype=np.intp)
    owner = np.repeat(np.arange(n), sizes)  # each stroke's drawing
    points, first, last = _flat(arrays)
    opening = np.cumsum(sizes) - sizes  # each drawing's first stroke
    at = first[opening]  # and its first point
    low, high = np.minimum.reduceat(points, at), np.maximum.reduceat(points, at)
    extent = (high - low).max(axis=1)
    if options.pen_mode is PenMode.MNIST:
        width = np.full(n, options.mnist_pen_width)
        scale = np.where(extent > MIN_EXTENT, (DIGIT_BOX - width) / np.maximum(extent, MIN_EXTENT), 1.0)
    else:
        # The whole inked box (pen included) fits into DIGIT_BOX, the pen shrinks with it.
        pens = np.array([pen for _, pen in inks], dtype=np.float64)
        scale = DIGIT_BOX / (np.maximum(extent, MIN_EXTENT) + pens)
        width = pens * scale
    point_owner = np.repeat(owner, last - first + 1)
    placed = (points - ((low + high) / 2)[point_owner]) * scale[point_owner, None]
    # Aim the ink's centre of mass at the field centre from the vectors alone; corrective
    # renders only when overlaps and clipping make the estimate miss.
    offsets = FIELD_CENTRE - _ink_centroids(placed, first, last, owner, opening, width)
    starts, ends, segment_owner = _segments(placed, first, last, owner)
    images = _render_segments(starts, ends, segment_owner, offsets, width, np.arange(n))
    aiming = np.arange(n)
    for _ in range(MAX_CORRECTIONS):
        com, inked = _centres_of_mass(images[aiming])  # x, y: the strokes' order
        # Where the ink left the field there is nothing to aim with.
        missed = inked & (np.abs(FIELD_CENTRE - com).max(axis=1) > COM_TOLERANCE)
        if not missed.any():
            break
        aiming = aiming[missed]
        offsets[aiming] += FIELD_CENTRE - com[missed]
        again = np.zeros(n, dtype=bool)
        again[aiming] = True
        again = again[segment_owner]
        images[aiming] = _render_segments(starts[again], ends[again], segment_owner[again], offsets, width, aiming)
    return images


def _points(stroke: Stroke) -> NDArray[np.float64]:
    """A stroke as (K, 2) float64 (a drawing's strokes are already: taken as they are)."""
    if isinstance(stroke, np.ndarray) and stroke.dtype == np.float64 and stroke.ndim == 2 and stroke.shape[1] == 2:
        return stroke
    return np.asarray(stroke, dtype=np.float64).reshape(-1, 2)


def _ink_centroids(
    points: NDArray[np.float64],
    first: NDArray[np.intp],
    last: NDArray[np.intp],
    owner: NDArray[np.intp],
    opening: NDArray[np.intp],
    width: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Each drawing's centre of mass of its round-capped strokes of its ``width``, ignoring
    overlaps: each segment weighs its length × width, each stroke end half a disc.
    (``points`` of all strokes, each stroke's ``first`` and ``last`` point and its drawing
    (``owner``), and each drawing's first stroke (``opening``).)"""
    strokes = len(first)
    # Stroke k's pieces start at its first point's index + k: each stroke before it adds its
    # n - 1 segments and 2 ends, one more than its n points.
    centres = np.empty((len(points) + strokes, 2))
    weights = np.empty(len(points) + strokes)
    opens = np.ones(len(points), dtype=bool)  # points that begin a segment: all but each stroke's last
    opens[last] = False
    begins = np.flatnonzero(opens)
    stroke_of_begin = np.searchsorted(last, begins)
    place = begins + stroke_of_begin  # + the stroke's index
    centres[place] = (points[begins + 1] + points[begins]) / 2
    step = points[begins + 1] - points[begins]
    weights[place] = np.hypot(step[:, 0], step[:, 1]) * width[owner[stroke_of_begin]]
    ends = last + np.arange(strokes)
    centres[ends], centres[ends + 1] = points[first], points[last]
    weights[ends] = weights[ends + 1] = np.pi * (width[owner] / 2) ** 2 / 2
    # Each drawing's pieces follow one another: its first stroke's first piece onwards.
    starts_at = first[opening] + opening
    moments = np.add.reduceat(centres * weights[:, None], starts_at)
    return np.asarray(moments / np.add.reduceat(weights, starts_at)[:, None], dtype=np.float64)


def _flat(strokes: Sequence[Stroke]) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
    """All points (P, 2), and the index of each stroke's first and last point (K,)."""
    lengths = np.array([len(s) for s in strokes], dtype=np.intp)
    last = np.cumsum(lengths) - 1
    return np.concatenate(strokes), last - lengths + 1, last


def _render_segments(
    starts: NDArray[np.float64],
    ends: NDArray[np.float64],
    owner: NDArray[np.intp],
    offsets: NDArray[np.float64],
    width: NDArray[np.float64],
    drawings: NDArray[np.intp],
) -> Images28:
    """The ``drawings``' segments (from ``starts`` to ``ends``, of drawing ``owner``) moved by
    their drawing's offset and rendered with its pen ``width``: (len(drawings), 28, 28).

    Each pixel's value is its coverage estimated from its distance ``d`` to the nearest
    segment: ``clip(width/2 + 0.5 - d, 0, 1)``, a one-pixel ramp at the edge. Each segment
    is measured against the pixels within its reach only, so the cost follows the ink's
    area, not pixels × segments."""
    slot = np.full(len(offsets), -1, dtype=np.intp)
    slot[drawings] = np.arange(len(drawings))
    moved = offsets[owner]
    starts, ends = starts + moved, ends + moved
    pad = (width[owner] / 2 + 1)[:, None]
    corner = np.clip(np.ceil(np.minimum(starts, ends) - pad), 0, FIELD).astype(np.intp)
    beyond = np.clip(np.floor(np.maximum(starts, ends) + pad) + 1, 0, FIELD).astype(np.intp)
    spans = np.maximum(beyond - corner, 0)
    squared = _window_distances(
        starts, ends, corner, spans, spans[:, 0] * spans[:, 1], FIELD, slot[owner], len(drawings)
    )
    coverage = np.clip(width[drawings, None] / 2 + 0.5 - np.sqrt(squared.reshape(len(drawings), -1)), 0.0, 1.0)
    return np.asarray(coverage, dtype=np.float32).reshape(len(drawings), FIELD, FIELD)


def _centres_of_mass(images: Images28) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Each image's centre of mass (x, y), as :func:`centre_of_mass` gives it, and whether it
    holds ink at all (where not, its centre is meaningless)."""
    totals = images.sum(axis=(1, 2), dtype=np.float32).astype(np.float64)
    rows, cols = _index_grids(images.shape[1:])
    inked = totals > 0
    safe = np.where(inked, totals, 1.0)
    x = (images * cols).sum(axis=(1, 2)) / safe
    y = (images * rows).sum(axis=(1, 2)) / safe
    return np.stack([x, y], axis=1), inked


def _segment_terms(
    starts: NDArray[np.float64], ends: NDArray[np.float64]
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]:
    """Each segment's start, direction and 1 / length² in float32 (fewer, smaller temporaries)."""
    ax, ay = starts[:, 0].astype(np.float32), starts[:, 1].astype(np.float32)
    dx, dy = (ends[:, 0] - starts[:, 0]).astype(np.float32), (ends[:, 1] - starts[:, 1]).astype(np.float32)
    inv_length2 = np.asarray(1.0 / np.maximum(dx * dx + dy * dy, np.float32(1e-12)), dtype=np.float32)
    return ax, ay, dx, dy, inv_length2


def _squared_distance(
    px: NDArray[np.float32],
    py: NDArray[np.float32],
    terms: tuple[NDArray[np.float32], ...],
) -> NDArray[np.float32]:
    """Squared distance from pixel centres to segments (broadcast), in float32."""
    ax, ay, dx, dy, inv_length2 = terms
    rx, ry = px - ax, py - ay
    t = np.clip((rx * dx + ry * dy) * inv_length2, 0.0, 1.0)
    rx -= t * dx
    ry -= t * dy
    return np.asarray(rx * rx + ry * ry, dtype=np.float32)


def _window_distances(
    starts: NDArray[np.float64],
    ends: NDArray[np.float64],
    corner: NDArray[np.intp],
    spans: NDArray[np.intp],
    windows: NDArray[np.intp],
    size: int,
    field: NDArray[np.intp] | None = None,
    fields: int = 1,
) -> NDArray[np.float32]:
    """Each pixel's squared distance to the nearest segment, each segment against the
    pixels of its window only (``corner``: its first column and row, ``spans``: how many);
    infinity where no segment reaches. Segments may belong to ``fields`` fields (``field``:
    which, by default all the first): (fields × size × size) distances, field after field."""
    segment = np.repeat(np.arange(len(starts)), windows)
    within = np.arange(len(segment)) - np.repeat(np.cumsum(windows) - windows, windows)
    columns = corner[segment, 0] + within % spans[segment, 0]
    rows = corner[segment, 1] + within // spans[segment, 0]
    ax, ay, dx, dy, inv_length2 = _segment_terms(starts, ends)
    terms = (ax[segment], ay[segment], dx[segment], dy[segment], inv_length2[segment])
    squared = _squared_distance(columns.astype(np.float32), rows.astype(np.float32), terms)
    nearest = np.full(fields * size * size, np.inf, dtype=np.float32)
    where = rows * size + columns
    if field is not None:
        where += field[segment] * (size * size)
    np.minimum.at(nearest, where, squared)
    return nearest


def _segments(
    points: NDArray[np.float64], first: NDArray[np.intp], last: NDArray[np.intp], owner: NDArray[np.intp]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """Start and end points of every segment of the strokes (``points`` of all, each stroke's
    ``first`` and ``last`` point), and each segment's ``owner`` (its stroke's), keeping a
    point each time its stroke's path has travelled another MIN_SEGMENT (each stroke's ends
    kept), all strokes at once.

    A one-point stroke (a dot) becomes a zero-length segment, rendered as a round dot.
    """
    step = np.zeros(len(points))
    step[1:] = np.hypot(*np.diff(points, axis=0).T)
    step[first] = 0.0  # no travel from one stroke's end to the next one's start
    # Summed stroke by stroke (not all at once, less each stroke's start): a stroke thins
    # the same whichever drawings share its batch.
    travelled = step
    for start, stop in zip(first[last - first > 1].tolist(), last[last - first > 1].tolist(), strict=True):
        np.cumsum(step[start : stop + 1], out=travelled[start : stop + 1])
    bucket = np.floor(travelled / MIN_SEGMENT)
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = bucket[1:] > bucket[:-1]
    keep[first] = keep[last] = True
    kept = np.flatnonzero(keep)
    # Segments join kept points of the same stroke; a stroke kept as one point is a dot.
    stroke = np.repeat(np.arange(len(first)), last - first + 1)[kept]
    joined = np.flatnonzero(stroke[1:] == stroke[:-1])
    dots = np.flatnonzero(first == last)
    starts = np.concatenate([points[first[dots]], points[kept[joined]]])
    ends = np.concatenate([points[first[dots]], points[kept[joined + 1]]])
    return starts, ends, np.concatenate([owner[dots], owner[stroke[joined]]])


def centre_of_mass(image: NDArray[np.floating]) -> tuple[float, float]:
    """(row, column) centre of mass of a (H, W) image, in index coordinates.

    The total is summed in the image's own dtype and the moments in float64, as
    ``scipy.ndimage.center_of_mass`` does (pass float64 for the most exact figure; the
    drawing path's float32 renders are aimed with their own). Raises
    :class:`EmptyInputError` when the image holds no ink (it sums to 0 or less).
    """
    total = float(image.sum())
    if total <= 0:
        raise EmptyInputError("the image holds no ink")
    rows, cols = _index_grids(image.shape)
    return float((rows * image).sum()) / total, float((cols * image).sum()) / total


@functools.lru_cache(maxsize=4)  # a few sizes: the 28×28 field, an image or two
def _index_grids(shape: tuple[int, ...]) -> NDArray[np.intp]:
    grids = np.indices(shape)
    grids.setflags(write=False)
    return grids


# --- images -----------------------------------------------------------------------------


def to_grey(pixels: NDArray[np.generic]) -> NDArray[np.float64]:
    """Grey levels in [0, 1] from a (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) array.

    Integer arrays are scaled by their type's maximum. Transparent pixels are laid
    over the colour that contrasts with the opaque ones (ink on a transparent
    background stays ink, whatever its colour).
    """
    array = np.asarray(pixels)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ImageFormatError(f"unsupported image array shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ImageFormatError("the image has no pixels")
    if np.issubdtype(array.dtype, np.integer):
        values = np.true_divide(array, float(np.iinfo(array.dtype).max), dtype=np.float64)
    elif np.issubdtype(array.dtype, np.floating) or array.dtype == np.bool_:
        values = np.clip(array.astype(np.float64), 0.0, 1.0)
    else:
        raise ImageFormatError(f"unsupported pixel type {array.dtype}")
    if values.ndim == 2:
        return values
    grey = values[:, :, :3] @ np.array([0.299, 0.587, 0.114])
    if values.shape[2] == 4:
        alpha = values[:, :, 3]
        opaque = alpha > 0.5
        mean_ink = float(grey[opaque].mean()) if opaque.any() else 0.0
        backdrop = 1.0 if mean_ink < 0.5 else 0.0
        grey = grey * alpha + backdrop * (1.0 - alpha)
    return np.asarray(grey, dtype=np.float64)


def ink_map(pixels: NDArray[np.generic]) -> NDArray[np.float64]:
    """How much ink each pixel holds, in [0, 1] (1 = the darkest ink against its paper).

    The paper colour is read from the border, so dark-on-light and light-on-dark images
    give the same map; faint pixels under ``INK_THRESHOLD`` are dropped unless they touch
    ink (an anti-aliased edge).
    Raises :class:`EmptyInputError` if no ink stands out from the paper.
    """
    raw, contrast = _raw_ink(pixels)
    return _kept_ink(raw, contrast)


def _raw_ink(pixels: NDArray[np.generic]) -> tuple[NDArray[np.float64], float]:
    """Each pixel's distance from the paper colour (read from the border) towards the ink,
    and the largest; raises :class:`EmptyInputError` when that is under INK_THRESHOLD."""
    grey = to_grey(pixels)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = float(np.median(border))
    raw = grey - paper if paper < 0.5 else paper - grey
    contrast = float(raw.max())
    if contrast < INK_THRESHOLD:
        raise EmptyInputError("the image has no ink that stands out from its background")
    return raw, contrast


def _kept_ink(raw: NDArray[np.float64], contrast: float) -> NDArray[np.float64]:
    ink = np.clip(raw / contrast, 0.0, 1.0)
    # Faint pixels stay where they fringe the ink (anti-aliased edges, as MNIST's digits
    # have); faint specks on their own are paper noise.
    ink[~fringed(_strong(raw, contrast))] = 0.0
    return ink


def _strong(raw: NDArray[np.float64], contrast: float) -> NDArray[np.bool_]:
    """Pixels of at least INK_THRESHOLD of the contrast: ink, not a faint fringe."""
    return np.asarray(raw >= INK_THRESHOLD * contrast)


def _ink_box_map(pixels: NDArray[np.generic]) -> NDArray[np.float64]:
    """:func:`ink_map` of the box around the ink only (cropped to its kept pixels): the
    paper around a digit on a large page is only looked at once, for the box."""
    raw, contrast = _raw_ink(pixels)
    strong = _strong(raw, contrast)
    rows, cols = np.flatnonzero(strong.any(axis=1)), np.flatnonzero(strong.any(axis=0))
    # One pixel more each way holds the faint fringe kept around the strong ink.
    top, left = max(int(rows[0]) - 1, 0), max(int(cols[0]) - 1, 0)
    ink = _kept_ink(raw[top : int(rows[-1]) + 2, left : int(cols[-1]) + 2], contrast)
    rows, cols = np.flatnonzero(ink.max(axis=1)), np.flatnonzero(ink.max(axis=0))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def fringed(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``mask`` grown by one pixel in all eight directions (its 3 × 3 fringe): the same as
    ``ndimage.binary_dilation`` with a 3 × 3 square, in two passes of shifted ORs, some
    30× faster on a 640 × 400 image (0.11 against 3.7 ms), which made it most of a PNG's
    reading time."""
    rows = mask.copy()
    rows[1:] |= mask[:-1]
    rows[:-1] |= mask[1:]
    grown = rows.copy()
    grown[:, 1:] |= rows[:, :-1]
    grown[:, :-1] |= rows[:, 1:]
    return grown


def preprocess_image(pixels: NDArray[np.generic]) -> Image28:
    """An image of one digit, any size, → the (28, 28) float32 network input.

    Dark ink on light paper is inverted automatically (the paper colour is read from
    the border). The ink is cropped, its longer side scaled to 20 px with area
    averaging, and it is shifted by whole pixels so its centre of mass is within half a
    pixel of (14, 14), as MNIST's.
    Raises :class:`EmptyInputError` if no ink stands out from the paper.
    """
    crop = _ink_box_map(pixels)
    scale = DIGIT_BOX / max(crop.shape)
    resized = _resize_area(crop, scale)
    field = np.zeros((FIELD, FIELD), dtype=np.float64)
    h, w = resized.shape
    top, left = (FIELD - h) // 2, (FIELD - w) // 2
    field[top : top + h, left : left + w] = resized
    row, col = centre_of_mass(field)
    # Whole pixels, as MNIST did: a sub-pixel shift would blur the digit (an MNIST test image
    # passes through this function all but unchanged).
    shift = (round(FIELD_CENTRE - row), round(FIELD_CENTRE - col))
    shifted = ndimage.shift(field, shift, order=0, mode="constant")
    # Thin strokes grey out when shrunk; restore full contrast as MNIST's ink has.
    return np.asarray(np.clip(shifted / shifted.max(), 0.0, 1.0), dtype=np.float32)


def _resize_area(image: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """Resize so the longer side becomes DIGIT_BOX px: area-average when shrinking,
    bilinear when enlarging (a tiny image).

    A large image is first averaged over blocks of at most REDUCE_SHARE of an output pixel
    (a photo or a scan: 440 px of ink in blocks of 5 × 5), and the smoothing to the output's
    footprint is finished on the blocks: the same filter, some k² times cheaper."""
    h, w = image.shape
    out_h = max(1, round(h * scale))
    out_w = max(1, round(w * scale))
    rows = (np.arange(out_h) + 0.5) / out_h * h - 0.5
    cols = (np.arange(out_w) + 0.5) / out_w * w - 0.5
    if scale < 1:
        # Smooth to the output's pixel footprint before sampling: an area filter.
        sigma = (1 / scale - 1) / 2.5
        block = int(REDUCE_SHARE / scale)
        if block > 1:
            image = _block_means(image, block)
            # A block's mean is a box filter of variance (k² - 1) / 12: the Gaussian does the rest.
            sigma = float(np.sqrt(max(sigma**2 - (block**2 - 1) / 12, 0.0))) / block
            rows, cols = (rows - (block - 1) / 2) / block, (cols - (block - 1) / 2) / block
        image = ndimage.gaussian_filter(image, sigma=sigma, mode="constant")
    grid = np.meshgrid(rows, cols, indexing="ij")
    return np.asarray(ndimage.map_coordinates(image, grid, order=1, mode="nearest"), dtype=np.float64)


def _block_means(image: NDArray[np.float64], block: int) -> NDArray[np.float64]:
    """Means over ``block`` × ``block`` tiles (those at the right and bottom edges may be
    smaller: their own pixels' mean)."""
    h, w = image.shape
    tall, wide = -(-h // block), -(-w // block)
    padded = np.zeros((tall * block, wide * block))
    padded[:h, :w] = image
    sums = padded.reshape(tall, block, wide, block).sum(axis=(1, 3))
    rows = np.minimum(block, h - block * np.arange(tall))
    cols = np.minimum(block, w - block * np.arange(wide))
    return np.asarray(sums / np.outer(rows, cols), dtype=np.float64)
