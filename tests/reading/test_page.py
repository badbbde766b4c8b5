"""The image path's page preparation (digitcanvas.reading.numbers.page) and marks, on images built here."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from strokes import compose

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.numbers.page import CORE_INK, MIN_INK_HEIGHT, enlarge, prepare, remove_rules
from digitcanvas.reading.preprocessing import ink_map
from digitcanvas.reading.reader import Reader
from lab.evaluate.numbers import as_image

RULE = 2  # px: a printed rule's thickness; the composed digits' pen is 14 px


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_classifier())


def _written(names: list[str], gap: float = 0.35) -> np.ndarray:
    """The number as a scan shows it: (H, W) uint8, dark round-capped strokes on white."""
    drawing, _ = compose(names, gap=gap, ink_gap=True)
    return as_image(drawing).copy()


def _ink_box(image: np.ndarray) -> tuple[int, int, int, int]:
    """top, bottom, left, right (inclusive) of the dark pixels."""
    rows, cols = np.nonzero(image < 128)
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


def test_a_fine_rule_through_the_digits_feet_is_removed_and_the_digits_stay(reader: Reader) -> None:
    image = _written(["2", "0", "7"])
    _, bottom, left, right = _ink_box(image)
    ruled = image.copy()
    ruled[bottom - 4 : bottom - 4 + RULE, left - 60 : right + 60] = 0  # through the 2's foot, past the ink
    cleaned = remove_rules(ink_map(ruled))
    digits = image < 128
    rule_only = (ruled < 128) & ~digits
    far = rule_only.copy()
    far[:, left - 20 : right + 20] = False  # the rule where no digit is near
    assert far.any() and (cleaned[far] == 0).all()
    assert (cleaned[digits & (ink_map(image) >= CORE_INK)] >= CORE_INK).all()  # every stroke's core stays
    assert reader.read_image(ruled, number=True).number == "207"


def test_a_pen_thick_long_stroke_is_writing_not_a_rule() -> None:
    image = _written(["2", "2"], gap=-0.02)  # the 2s' feet join into one long straight run
    thick = image.copy()
    _, bottom, left, right = _ink_box(image)
    thick[bottom - 14 : bottom, left : right + 80] = 0  # and a bar as thick as the pen runs on past them
    ink = ink_map(thick)
    assert np.array_equal(remove_rules(ink), ink)


def test_frame_sides_and_a_box_are_removed_and_a_1_stays(reader: Reader) -> None:
    image = _written(["1", "4two"])
    top, bottom, left, right = _ink_box(image)
    framed = image.copy()
    box_top, box_bottom, box_left, box_right = top - 12, bottom + 12, left - 40, right + 40
    framed[box_top : box_bottom + 1, box_left : box_left + RULE] = 0  # the box's sides
    framed[box_top : box_bottom + 1, box_right - RULE + 1 : box_right + 1] = 0
    cleaned = remove_rules(ink_map(framed))
    sides = np.zeros_like(framed, dtype=bool)
    sides[:, box_left : box_left + RULE] = sides[:, box_right - RULE + 1 : box_right + 1] = True
    assert (cleaned[sides] == 0).all()
    assert reader.read_image(framed, number=True).number == "14"
    framed[box_top : box_top + RULE, box_left : box_right + 1] = 0  # the whole box
    framed[box_bottom - RULE + 1 : box_bottom + 1, box_left : box_right + 1] = 0
    assert reader.read_image(framed, number=True).number == "14"


def test_separators_and_end_marks_are_not_read_as_digits_nor_part_of_one(reader: Reader) -> None:
    written = _written(["2", "0", "0"], gap=0.6)
    image = np.pad(written, ((0, 0), (0, 200)), constant_values=255)  # room for an end mark
    top, bottom, left, right = _ink_box(image)
    height = bottom - top + 1
    yy, xx = np.mgrid[: image.shape[0], : image.shape[1]]
    # A full stop after the 2 ("2.00"), in the gap at the baseline: a dot two pens wide.
    dot_x = left + int(0.9 * height)
    dot = (yy - (bottom - 15)) ** 2 + (xx - dot_x) ** 2 <= 15**2
    # An end mark ("2.00-"): a short flat dash at mid-height, as thick as the pen.
    mid, dash_x = (top + bottom) // 2, right + 30
    for marks in (dot, np.zeros_like(dot)):
        marked = image.copy()
        marked[marks] = 0
        marked[mid - 7 : mid + 7, dash_x : dash_x + int(0.35 * height)] = 0
        reading = reader.read_image(marked, number=True)
        assert reading.number == "200"
        boxes = [d.box for d in reading.digits]
        assert all(b is not None for b in boxes)
        assert boxes[0] is not None and boxes[0][0] + boxes[0][2] < dot_x - 15  # the 2 stops before the dot
        assert boxes[-1] is not None and boxes[-1][0] + boxes[-1][2] < dash_x  # the last 0 before the dash


def test_a_small_scan_is_enlarged_before_it_is_cut_and_boxes_stay_in_the_image(reader: Reader) -> None:
    image = _written(["3", "8"], gap=0.1)
    top, bottom, left, right = _ink_box(image)
    crop = image[top - 6 : bottom + 7, left - 6 : right + 7]
    size = (crop.shape[1] * 24 // crop.shape[0], 24)  # a scan whose digits are some 20 px tall
    small = np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BILINEAR))
    page = prepare(ink_map(small))
    rows = np.flatnonzero((page.ink >= CORE_INK).any(axis=1))
    assert page.scale > 1 and rows[-1] - rows[0] + 1 >= MIN_INK_HEIGHT - 2
    reading = reader.read_image(small, number=True)
    assert reading.number == "38"
    for digit in reading.digits:
        assert digit.box is not None
        x, y, w, h = digit.box
        assert x >= 0 and y >= 0 and x + w <= small.shape[1] + 1e-6 and y + h <= small.shape[0] + 1e-6


def test_a_large_scan_is_not_enlarged() -> None:
    ink = ink_map(_written(["5flag"]))
    enlarged, factor = enlarge(ink)
    assert factor == 1.0 and enlarged is ink


@pytest.mark.parametrize("names", [["3", "0"], ["9", "0", "0"], ["2", "6", "0"]], ids="".join)
def test_a_small_last_0_is_a_digit_not_a_mark(reader: Reader, names: list[str]) -> None:
    drawing, groups = compose(names, gap=0.3)
    strokes = list(drawing.strokes)
    bottom = max(float(s[:, 1].max()) for s in strokes)
    for i in groups[-1]:  # the last 0 written a third as tall as the rest, on the baseline: mark-sized, but a loop
        zero = strokes[i].copy()
        left = zero[:, 0].min()
        zero[:, 1] = bottom - (bottom - zero[:, 1]) * 0.36
        zero[:, 0] = left + (zero[:, 0] - left) * 0.36
        strokes[i] = zero
    image = as_image(Drawing(tuple(strokes), drawing.width, drawing.height, drawing.pen_width))
    assert reader.read_image(image, number=True).number == "".join(names)
