from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitcanvas.drawing.strokes import Drawing, EmptyInputError
from digitcanvas.reading.preprocessing import (
    DIGIT_BOX,
    FIELD_CENTRE,
    INK_THRESHOLD,
    ImageFormatError,
    PenMode,
    PreprocessOptions,
    centre_of_mass,
    fringed,
    ink_map,
    preprocess_drawing,
    preprocess_image,
)

COM_TOLERANCE = 0.5  # px, as the spec allows


def _ink_box(image: np.ndarray, threshold: float = 0.5) -> tuple[int, int]:
    rows = np.flatnonzero(image.max(axis=1) > threshold)
    cols = np.flatnonzero(image.max(axis=0) > threshold)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def _check_invariants(image: np.ndarray) -> None:
    assert image.shape == (28, 28)
    assert image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() > 0.5
    row, col = centre_of_mass(image.astype(np.float64))  # measured in float64: exact to 1e-15 px
    assert abs(row - FIELD_CENTRE) <= COM_TOLERANCE
    assert abs(col - FIELD_CENTRE) <= COM_TOLERANCE


def test_vertical_bar_is_tall_thin_and_centred() -> None:
    drawing = Drawing.from_points([[[200, 50], [200, 350]]], width=400, height=400)
    image = preprocess_drawing(drawing)
    _check_invariants(image)
    height, width = _ink_box(image)
    # 20 px of ink centred at MNIST's (14, 14) starts and ends half-way through a pixel.
    assert DIGIT_BOX - 2 <= height <= DIGIT_BOX + 1
    assert width <= 4


@pytest.mark.parametrize("mode", list(PenMode))
def test_aspect_ratio_is_kept(mode: PenMode) -> None:
    # An "L" twice as tall as wide: after fitting the longer side to 20 px it stays ~1:2.
    drawing = Drawing.from_points([[[100, 0], [100, 300], [250, 300]]], width=400, height=400, pen_width=20)
    image = preprocess_drawing(drawing, PreprocessOptions(pen_mode=mode))
    _check_invariants(image)
    height, width = _ink_box(image)
    assert abs(width / height - 0.5) < 0.1
    assert DIGIT_BOX - 2 <= height <= DIGIT_BOX + 1


def test_size_and_position_on_canvas_do_not_matter() -> None:
    shape = np.array([[0, 0], [30, 0], [5, 60]], dtype=float)
    small = Drawing.from_points([shape + 10], width=400, height=400)
    large = Drawing.from_points([shape * 4 + 150], width=400, height=400)
    np.testing.assert_allclose(preprocess_drawing(small), preprocess_drawing(large), atol=0.02)


def test_screen_pen_width_matters_only_in_screen_mode() -> None:
    strokes = [[[100, 100], [300, 100], [150, 350]]]
    thin = Drawing.from_points(strokes, width=400, height=400, pen_width=6)
    thick = Drawing.from_points(strokes, width=400, height=400, pen_width=40)
    np.testing.assert_array_equal(preprocess_drawing(thin), preprocess_drawing(thick))
    screen = PreprocessOptions(pen_mode=PenMode.SCREEN)
    assert preprocess_drawing(thick, screen).sum() > 1.5 * preprocess_drawing(thin, screen).sum()


def test_a_dot_is_a_centred_dot() -> None:
    image = preprocess_drawing(Drawing.from_points([[[50, 70]]], width=400, height=400))
    _check_invariants(image)
    assert (image > 0.5).sum() <= 9


def test_drawings_centre_on_mnists_centre_not_the_fields_middle() -> None:
    """MNIST's centre of mass is (14, 14), not the field's middle (13.5): over many drawings
    the centre lands on it, so a half-pixel slip (as before) shows."""
    rng = np.random.default_rng(4)
    centres = []
    for _ in range(40):
        points = np.cumsum(rng.normal(0, 15, (30, 2)), axis=0) + 200
        drawing = Drawing.from_points([points], width=400, height=400, pen_width=float(rng.uniform(8, 30)))
        centres.append(centre_of_mass(preprocess_drawing(drawing).astype(np.float64)))
    rows, cols = np.array(centres).T
    assert abs(rows.mean() - 14.0) < 0.1 and abs(cols.mean() - 14.0) < 0.1
    assert np.abs(rows - 14.0).max() < 0.35 and np.abs(cols - 14.0).max() < 0.35


def test_empty_drawing_is_refused() -> None:
    with pytest.raises(EmptyInputError):
        preprocess_drawing(Drawing((), 400, 400))


point = st.tuples(st.floats(0, 420, allow_nan=False), st.floats(0, 420, allow_nan=False))
stroke = st.lists(point, min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(strokes=st.lists(stroke, min_size=1, max_size=5), pen=st.floats(2, 40))
def test_random_strokes_keep_the_invariants(strokes: list, pen: float) -> None:
    drawing = Drawing.from_points(strokes, width=420, height=420, pen_width=pen)
    image = preprocess_drawing(drawing)
    _check_invariants(image)
    height, width = _ink_box(image, threshold=0.01)
    assert max(height, width) <= DIGIT_BOX + 4  # 20 px box plus the anti-aliased fringe (and COM shift clipping)


def _digit_seven(size: int = 200, ink: int = 0, paper: int = 255) -> np.ndarray:
    image = np.full((size, size), paper, dtype=np.uint8)
    t = size // 10
    image[2 * t : 3 * t, 3 * t : 7 * t] = ink
    for y in range(3 * t, 8 * t):
        x = 7 * t - (y - 3 * t) // 2
        image[y, x - t // 2 : x + t // 2] = ink
    return image


def test_image_dark_on_light_is_inverted() -> None:
    image = preprocess_image(_digit_seven())
    _check_invariants(image)
    assert image[0, 0] == 0.0


def test_image_light_on_dark_equals_dark_on_light() -> None:
    a = preprocess_image(_digit_seven())
    b = preprocess_image(_digit_seven(ink=255, paper=0))
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_rgba_with_transparent_background() -> None:
    grey = _digit_seven()
    rgba = np.zeros((*grey.shape, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(grey == 0, 255, 0)  # black ink, transparent paper
    np.testing.assert_allclose(preprocess_image(rgba), preprocess_image(grey), atol=1e-5)


@pytest.mark.parametrize("size", [12, 28, 2000])
def test_tiny_and_huge_images(size: int) -> None:
    image = preprocess_image(_digit_seven(size=size) if size >= 20 else _tiny(size))
    _check_invariants(image)
    assert max(_ink_box(image, 0.2)) >= DIGIT_BOX - 3


def _tiny(size: int) -> np.ndarray:
    image = np.full((size, size), 255, np.uint8)
    image[2:-2, size // 2] = 0
    image[2, 3:-3] = 0
    return image


def test_blank_image_is_empty() -> None:
    with pytest.raises(EmptyInputError):
        preprocess_image(np.full((50, 50), 200, np.uint8))


def test_unsupported_array_shape() -> None:
    with pytest.raises(ImageFormatError):
        preprocess_image(np.zeros((5, 5, 7), np.uint8))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), h=st.integers(5, 300), w=st.integers(5, 300))
def test_random_images_keep_the_invariants(seed: int, h: int, w: int) -> None:
    rng = np.random.default_rng(seed)
    # Ink on paper: a rectangle that leaves at least a pixel of paper all round (ink that
    # runs off every edge leaves no way to tell paper from ink).
    pixels = np.zeros((h, w), np.uint8)
    y0, x0 = rng.integers(1, h - 3), rng.integers(1, w - 3)
    pixels[y0 : rng.integers(y0 + 2, h), x0 : rng.integers(x0 + 2, w)] = 255
    _check_invariants(preprocess_image(pixels))


def _mnist_made(drawing: Drawing, pen: float, upscale: int = 16) -> np.ndarray:
    """A digit made the way MNIST's were: a sharp black-and-white picture of the strokes,
    shrunk (area-averaged, so its edges turn grey) until its longer side is 20 px, placed in
    28×28 with its centre of mass moved to (14, 14) by whole pixels. float in [0, 1]."""
    from PIL import Image, ImageDraw

    points = drawing.points()
    low, high = points.min(axis=0), points.max(axis=0)
    scale = (20 * upscale - pen * upscale) / float((high - low).max())
    size = np.ceil((high - low) * scale).astype(int) + int(pen * upscale) + 2
    picture = Image.new("L", (int(size[0]), int(size[1])), 0)
    draw = ImageDraw.Draw(picture)
    for stroke in drawing.strokes:
        xy = [tuple(float(v) for v in (p - low) * scale + pen * upscale / 2 + 1) for p in stroke]
        draw.line(xy, fill=255, width=int(pen * upscale), joint="curve")
    box = picture.getbbox()
    assert box is not None
    picture = picture.crop(box)
    factor = 20 / max(picture.size)
    shrunk = (max(1, round(picture.width * factor)), max(1, round(picture.height * factor)))
    small = picture.resize(shrunk, Image.Resampling.BOX)
    field = np.zeros((28, 28))
    top, left = (28 - small.height) // 2, (28 - small.width) // 2
    field[top : top + small.height, left : left + small.width] = np.asarray(small) / 255.0
    row, col = centre_of_mass(field)
    return np.roll(field, (round(14 - row), round(14 - col)), axis=(0, 1))


def test_mnist_made_digits_pass_through_the_image_path_all_but_unchanged() -> None:
    """Digits made as MNIST's were come out as they went in: same centre of mass (14, 14),
    same ink, no blur from a sub-pixel shift."""
    from lab.data.synthetic_digits import draw_digit

    rng = np.random.default_rng(5)
    images = np.stack([_mnist_made(draw_digit(d % 10, rng)[0], pen=10.0) for d in range(60)])
    images = (np.rint(images * 255) / 255.0).astype(np.float32)  # 8-bit, as MNIST is
    out = np.stack([preprocess_image(np.rint(image * 255).astype(np.uint8)) for image in images])
    changed = np.abs(out - images).reshape(len(out), -1).max(axis=1)
    assert np.mean(changed == 0) > 0.8  # most come out identical, faint anti-aliased edges included
    differs = np.abs(out - images) > 0
    # The rest lose a faint speck or two off the ink's edge (noise to the image path), no more:
    assert differs.reshape(len(out), -1).sum(axis=1).max() <= 3
    assert images[differs].max() < INK_THRESHOLD and out[differs].max() == 0.0
    rows, cols = zip(*(centre_of_mass(image.astype(np.float64)) for image in out), strict=True)
    assert abs(np.mean(rows) - 14.0) < 0.1 and abs(np.mean(cols) - 14.0) < 0.1


def test_faint_edges_of_ink_stay_and_faint_specks_on_their_own_go() -> None:
    paper = np.full((40, 40), 1.0)
    paper[10:20, 10:20] = 0.0  # ink
    paper[9, 10:20] = 0.92  # a faint anti-aliased edge along its top (ink 0.08)
    paper[30, 30] = 0.92  # the same faintness far from any ink: noise
    ink = ink_map(paper)
    assert np.allclose(ink[9, 10:20], 0.08) and ink[30, 30] == 0.0
    assert ink[10:20, 10:20].min() == 1.0


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 60),
    spread=st.sampled_from([0.0, 0.5, 3.0, 40.0]),
    width=st.sampled_from([0.5, 2.4, 9.0]),
)
def test_rendering_by_windows_gives_the_image_every_pixel_against_every_segment_gives(
    seed: int, count: int, spread: float, width: float
) -> None:
    """Issue #27: a drawing of 1,000 dots measured every pixel against every dot; each
    segment is now measured against the pixels within its reach only, to the same bit."""
    from digitcanvas.reading.preprocessing import _segment_terms, _squared_distance, _window_distances

    rng = np.random.default_rng(seed)
    starts = rng.uniform(-5, 33, (count, 2))
    ends = starts + rng.normal(0, spread, (count, 2))
    pad = width / 2 + 1
    corner = np.clip(np.ceil(np.minimum(starts, ends) - pad), 0, 28).astype(np.intp)
    spans = np.maximum(np.clip(np.floor(np.maximum(starts, ends) + pad) + 1, 0, 28).astype(np.intp) - corner, 0)
    windowed = _window_distances(starts, ends, corner, spans, spans[:, 0] * spans[:, 1], 28)
    ys, xs = np.mgrid[0:28, 0:28]
    px, py = xs.ravel()[:, None].astype(np.float32), ys.ravel()[:, None].astype(np.float32)
    dense = _squared_distance(px, py, _segment_terms(starts, ends)).min(axis=1)  # every pixel, every segment

    def coverage(squared: np.ndarray) -> np.ndarray:  # as the renderer turns distances into ink
        return np.clip(width / 2 + 0.5 - np.sqrt(squared), 0.0, 1.0)

    assert np.array_equal(coverage(windowed), coverage(dense))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 12),
    st.integers(0, 2**31 - 1),
    st.floats(0.0, 1.0),
)
def test_the_ink_fringe_is_scipys_3x3_dilation(height: int, width: int, seed: int, share: float) -> None:
    """Issue #26: the fringe is grown with shifted ORs (30× faster than ndimage on a PNG);
    it must be the very same pixels, edges and corners included."""
    from scipy import ndimage

    mask = np.random.default_rng(seed).random((height, width)) < share
    expected = ndimage.binary_dilation(mask, structure=np.ones((3, 3), dtype=bool))
    assert np.array_equal(fringed(mask), expected)
    assert np.array_equal(mask, np.random.default_rng(seed).random((height, width)) < share)  # left unchanged


def _thinned_one_by_one(strokes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The thinning as first written, stroke by stroke: a point kept each time the path has
    travelled another MIN_SEGMENT, the ends kept, a lone point a dot."""
    from digitcanvas.reading.preprocessing import MIN_SEGMENT

    starts, ends = [np.zeros((0, 2))], [np.zeros((0, 2))]
    for stroke in strokes:
        travelled = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))])
        bucket = np.floor(travelled / MIN_SEGMENT)
        keep = np.flatnonzero(np.diff(bucket, prepend=-1.0) > 0)
        if keep[-1] != len(stroke) - 1:
            keep = np.append(keep, len(stroke) - 1)
        kept = stroke[keep]
        starts.append(kept if len(kept) == 1 else kept[:-1])
        ends.append(kept if len(kept) == 1 else kept[1:])
    return np.concatenate(starts), np.concatenate(ends)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from([0, 1, 2, 3, 7]), st.sampled_from([-1.0, 1.0]), st.booleans()),
            min_size=0,
            max_size=30,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_thinning_every_stroke_at_once_keeps_the_points_thinning_one_by_one_keeps(
    steps: list[list[tuple[int, float, bool]]],
) -> None:
    """Issue #26 (item 17): every stroke is thinned in one pass; it keeps the same segments
    (axis-aligned steps of quarter pixels, so that both sum their lengths exactly)."""
    from digitcanvas.reading.preprocessing import _flat, _segments

    strokes = []
    start = np.zeros(2)
    for stroke_steps in steps:
        points = [start.copy()]
        for quarters, sign, across in stroke_steps:
            step = np.array([0.0, sign * quarters / 4]) if across else np.array([sign * quarters / 4, 0.0])
            points.append(points[-1] + step)
        strokes.append(np.array(points))
        start = points[-1] + np.array([3.0, 0.0])
    expected = _thinned_one_by_one(strokes)
    got = _segments(*_flat(strokes), np.arange(len(strokes)))[:2]
    key = lambda pair: sorted(map(tuple, np.concatenate(pair, axis=1).tolist()))  # noqa: E731
    assert key(got) == key(expected)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), h=st.integers(3, 60), w=st.integers(3, 60), dark=st.booleans())
def test_the_ink_box_map_is_the_ink_map_cropped_to_its_ink(seed: int, h: int, w: int, dark: bool) -> None:
    """Issue #26 (item 18): an image's ink is looked for on the whole page once and its map
    made for the ink's box only; it is the whole page's map cropped, faint fringes and
    specks included."""
    from digitcanvas.reading.preprocessing import _ink_box_map

    rng = np.random.default_rng(seed)
    pixels = rng.choice([0, 10, 30, 40, 120, 255], size=(h, w), p=[0.8, 0.05, 0.05, 0.04, 0.03, 0.03]).astype(np.uint8)
    if dark:
        pixels = 255 - pixels
    try:
        whole = ink_map(pixels)
    except EmptyInputError:
        with pytest.raises(EmptyInputError):
            _ink_box_map(pixels)
        return
    rows, cols = np.flatnonzero(whole.max(axis=1)), np.flatnonzero(whole.max(axis=0))
    assert np.array_equal(_ink_box_map(pixels), whole[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])


def test_tile_means_average_each_tile_and_the_smaller_edge_tiles_by_their_own_pixels() -> None:
    from digitcanvas.reading.preprocessing import _block_means

    image = np.arange(7 * 5, dtype=np.float64).reshape(7, 5)
    means = _block_means(image, 3)
    assert means.shape == (3, 2)
    assert means[0, 0] == image[:3, :3].mean() and means[2, 1] == image[6:, 3:].mean()
    assert means[1, 1] == image[3:6, 3:].mean()


@pytest.mark.parametrize("size", [400, 1000])
def test_a_large_image_averaged_over_tiles_first_gives_the_input_the_direct_area_filter_gives(
    size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #26 (item 18): a photo-sized digit is averaged over tiles before the area filter
    finishes on them (some k² times cheaper); the network input is all but the same."""
    from PIL import Image

    from digitcanvas.reading import preprocessing

    seven = Image.fromarray(_digit_seven(size=200)).resize((size, size), Image.Resampling.BICUBIC)
    pixels = np.asarray(seven)
    tiled = preprocess_image(pixels)
    monkeypatch.setattr(preprocessing, "REDUCE_SHARE", 0.0)  # no tiles: the whole image filtered
    direct = preprocess_image(pixels)
    assert np.abs(tiled - direct).max() < 0.03


@pytest.mark.parametrize("pen_mode", list(PenMode))
@pytest.mark.parametrize("batch_points", [20_000, 50])
def test_drawings_preprocessed_together_are_each_what_it_is_alone(
    pen_mode: PenMode, batch_points: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #26 (item 20): a collection's drawings are placed, thinned and rendered
    together; each comes out as it would alone, to the bit, in batches large or small."""
    from digitcanvas.reading import preprocessing
    from lab.data.synthetic_digits import draw_digit

    monkeypatch.setattr(preprocessing, "BATCH_POINTS", batch_points)
    rng = np.random.default_rng(26)
    drawings = [draw_digit(d % 10, rng)[0] for d in range(40)]
    drawings += [
        Drawing.from_points([[[5.0, 5.0]]], width=400, height=400),  # a dot
        Drawing.from_points([[[x * 3.0, 2.0]] for x in range(30)], width=400, height=400),  # a row of dots
        Drawing.from_points([[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]], width=400, height=400),  # a stroke that never moved
        Drawing.from_points(
            [[[0.0, 0.0], [300.0, 0.0]]], width=400, height=400, pen_width=30.0
        ),  # a flat line, a wide pen
    ]
    options = preprocessing.PreprocessOptions(pen_mode=pen_mode)
    together = preprocessing.preprocess_drawings(drawings, options)
    alone = np.stack([preprocess_drawing(d, options) for d in drawings])
    assert together.dtype == np.float32 and together.shape == (len(drawings), 28, 28)
    assert np.array_equal(together, alone)


def test_preprocessing_drawings_together_refuses_an_empty_one_and_takes_none() -> None:
    from digitcanvas.reading.preprocessing import preprocess_drawings

    assert preprocess_drawings([]).shape == (0, 28, 28)
    with pytest.raises(EmptyInputError):
        preprocess_drawings([Drawing.from_points([[[1.0, 1.0]]], width=400, height=400), Drawing((), 400, 400)])
