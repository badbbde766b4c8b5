from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from strokes import compose

from digitcanvas.drawing import Drawing
from digitcanvas.inference import load_classifier
from digitcanvas.preprocessing import EmptyInputError
from digitcanvas.reader import DigitReading, Reader
from digitcanvas.segmentation import Box, estimate_slant, stroke_units


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_classifier())


def box_of(digit: DigitReading) -> Box:
    assert digit.box is not None
    return digit.box


def test_slant_is_estimated_from_near_vertical_strokes() -> None:
    y = np.linspace(0, 200, 30)
    for slant in (-0.3, 0.0, 0.25):
        strokes = [np.stack([x0 + slant * y, y], axis=1) for x0 in (0, 120, 240)]
        assert estimate_slant(strokes) == pytest.approx(slant, abs=0.02)


@pytest.mark.parametrize("name", ["4two", "5flag", "7crossed", "1base"])
def test_multi_stroke_digits_are_one_unit(name: str) -> None:
    drawing, groups = compose([name])
    units, _ = stroke_units(drawing)
    assert [u.members for u in units] == groups


def test_separate_digits_are_separate_units() -> None:
    drawing, groups = compose(["1", "0"], gap=0.25)
    units, _ = stroke_units(drawing)
    assert [u.members for u in units] == groups


CASES = {
    "10": (["1", "0"], 0.3, 0.0),
    "11": (["1", "1"], 0.3, 0.0),
    "77": (["7", "7"], 0.25, 0.0),
    "45": (["4two", "5flag"], 0.3, 0.0),
    "71": (["7crossed", "1base"], 0.3, 0.0),
    "52": (["5late", "2"], 0.3, 0.0),
    "38 close": (["3", "8"], 0.08, 0.0),
    "2026 slanted": (["2", "0", "2", "6"], 0.25, 0.3),
    "909 back-slanted": (["9", "0", "9"], 0.3, -0.2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_numbers_are_split_and_read(reader: Reader, case: str) -> None:
    names, gap, slant = CASES[case]
    drawing, groups = compose(names, gap=gap, slant=slant)
    reading = reader.read_drawing(drawing)
    assert [d.members for d in reading.digits] == groups
    assert reading.number == "".join(n[0] for n in names)
    for digit in reading.digits:
        _, _, w, h = box_of(digit)
        assert 0 < w < drawing.width and 0 < h < drawing.height


@pytest.mark.parametrize("name", ["0", "4two", "5late", "7crossed", "1base", "8"])
def test_a_single_digit_stays_one_digit(reader: Reader, name: str) -> None:
    drawing, _ = compose([name])
    reading = reader.read_drawing(drawing)
    assert len(reading.digits) == 1
    assert reading.number == name[0]


def test_empty_drawing_is_refused(reader: Reader) -> None:
    with pytest.raises(EmptyInputError):
        reader.read_drawing(Drawing((), 640, 400))


def _as_image(drawing: Drawing) -> np.ndarray:
    image = Image.new("L", (drawing.width, drawing.height), 255)
    draw = ImageDraw.Draw(image)
    for stroke in drawing.strokes:
        draw.line([tuple(p) for p in stroke], fill=0, width=int(drawing.pen_width), joint="curve")
    return np.asarray(image)


def test_numbers_in_images_are_split_by_connected_ink(reader: Reader) -> None:
    drawing, _ = compose(["2", "0", "7"], gap=0.3)
    reading = reader.read_image(_as_image(drawing), number=True)
    assert reading.number == "207"
    lefts = [box_of(d)[0] for d in reading.digits]
    assert lefts == sorted(lefts)
