from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from digitcanvas.drawing.file import drawing_to_dict, load_drawing, parse_drawing, save_drawing
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, DrawingWriteError


def _sample() -> Drawing:
    strokes: list[list[list[float]]] = [[[10, 20], [30.5, 40.25], [50, 60]], [[5, 5]]]
    return Drawing.from_points(strokes, width=420, height=420, pen_width=12.5, label=None)


def test_round_trip_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    save_drawing(_sample(), path)
    assert load_drawing(path) == _sample()
    data = json.loads(path.read_text())
    assert data["format"] == "digitcanvas-drawing" and data["version"] == 1
    assert data["canvas"] == {"width": 420, "height": 420}
    assert data["strokes"][0][0] == [10, 20]


def test_label_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "l.json"
    save_drawing(_sample().with_label(7), path)
    assert load_drawing(path).label == 7


def test_a_whole_number_label_round_trips_as_a_string_keeping_leading_zeros(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    save_drawing(_sample().with_number_label("0123456789"), path)
    assert json.loads(path.read_text())["label"] == "0123456789"
    loaded = load_drawing(path)
    assert (loaded.number_label, loaded.label) == ("0123456789", None)
    assert loaded == _sample().with_number_label("0123456789") != _sample().with_number_label("123456789")
    assert loaded.with_label(4).number_label is None  # a digit label replaces it
    assert parse_drawing(path.read_text().replace('"0123456789"', '"7"')).number_label == "7"


def _labelled(label: str) -> str:
    return (
        '{"format": "digitcanvas-drawing", "version": 1, "canvas": {"width": 3, "height": 5}, '
        f'"strokes": [], "label": {label}}}'
    )


@pytest.mark.parametrize("label", ['""', '"12a"', '"-12"', '" 12"', '"1.5"', '"\u0663"', '"' + "1" * 65 + '"'])
def test_a_number_label_that_is_not_1_to_64_digits_is_refused(label: str) -> None:
    with pytest.raises(DrawingFileError, match="a whole number of at most 64 digits"):
        parse_drawing(_labelled(label))


def test_a_drawing_with_a_digit_and_a_number_label_is_not_saved(tmp_path: Path) -> None:
    both = Drawing(_sample().strokes, 420, 420, 12.5, 3, "33")
    with pytest.raises(DrawingWriteError, match="one label"):
        save_drawing(both, tmp_path / "both.json")
    with pytest.raises(DrawingWriteError, match="1 to 64 digits"):
        save_drawing(_sample().with_number_label("12 345"), tmp_path / "space.json")
    assert list(tmp_path.iterdir()) == []


def test_extra_keys_and_pressure_are_ignored() -> None:
    text = json.dumps(
        {
            "format": "digitcanvas-drawing",
            "version": 1,
            "canvas": {"width": 100, "height": 80},
            "strokes": [[[1, 2, 0.5], [3, 4, 0.7]]],
            "author": "someone",
        }
    )
    drawing = parse_drawing(text)
    np.testing.assert_array_equal(drawing.strokes[0], [[1, 2], [3, 4]])
    assert (drawing.width, drawing.height) == (100, 80)


BAD = {
    "not json": ("{oops", "not a valid JSON"),
    "list": ("[]", "not a JSON object"),
    "wrong format": ('{"format": "svg", "version": 1}', '"format"'),
    "future version": ('{"format": "digitcanvas-drawing", "version": 99}', "newer"),
    "no canvas": ('{"format": "digitcanvas-drawing", "version": 1, "strokes": []}', '"canvas"'),
    "bad width": (
        '{"format": "digitcanvas-drawing", "version": 1, "canvas": {"width": -3, "height": 5}, "strokes": []}',
        "width",
    ),
    "strokes not list": (
        '{"format": "digitcanvas-drawing", "version": 1, "canvas": {"width": 3, "height": 5}, "strokes": 4}',
        '"strokes"',
    ),
    "bad point": (
        '{"format": "digitcanvas-drawing", "version": 1, "canvas": {"width": 3, "height": 5}, "strokes": [[[1, "a"]]]}',
        "stroke 1",
    ),
    "empty stroke": (
        '{"format": "digitcanvas-drawing", "version": 1, "canvas": {"width": 3, "height": 5}, "strokes": [[]]}',
        "stroke 1",
    ),
    "bad label": (
        '{"format": "digitcanvas-drawing", "version": 1, "canvas": {"width": 3, "height": 5}, '
        '"strokes": [], "label": 12}',
        "label",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_malformed_files_are_refused_with_name_and_reason(tmp_path: Path, kind: str) -> None:
    text, reason = BAD[kind]
    path = tmp_path / f"{kind}.json"
    path.write_text(text)
    with pytest.raises(DrawingFileError) as info:
        load_drawing(path)
    assert str(path) in str(info.value)
    assert reason in str(info.value)


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DrawingFileError, match="cannot read"):
        load_drawing(tmp_path / "missing.json")


def test_failed_save_leaves_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keep.json"
    save_drawing(_sample(), path)
    before = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("digitcanvas.util.files.os.replace", crash)
    with pytest.raises(DrawingWriteError, match="no space left on device"):
        save_drawing(_sample().with_label(3), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.json"]


def test_save_refuses_what_load_would_refuse_naming_the_limit(tmp_path: Path) -> None:
    from digitcanvas.drawing.strokes import MAX_PEN_WIDTH

    # A drawing made on a 1-px canvas, opened on the app's canvas, has its pen scaled 400 times.
    scaled = Drawing.from_points([[[10, 20], [30, 40]]], width=640, height=400, pen_width=18 * 400)
    with pytest.raises(DrawingWriteError, match=f"at most {MAX_PEN_WIDTH:g} px"):
        save_drawing(scaled, tmp_path / "pen.json")
    assert not (tmp_path / "pen.json").exists()
    tiny = Drawing.from_points([[[0.1, 0.2]]], width=0, height=400)
    with pytest.raises(DrawingWriteError, match="canvas width is 0"):
        save_drawing(tiny, tmp_path / "tiny.json")


def test_a_canvas_under_one_pixel_is_refused_not_truncated_to_zero() -> None:
    text = '{"format": "digitcanvas-drawing", "version": 1, "canvas": {"width": 0.5, "height": 4}, "strokes": []}'
    with pytest.raises(DrawingFileError, match=r"canvas width is 0\.5, expected a number from 1"):
        parse_drawing(text)
    drawing = parse_drawing(text.replace("0.5", "1.5"))
    assert drawing.width == 1


def test_json_nesting_and_number_length_are_bounded_before_parsing() -> None:
    deep = '{"format": "digitcanvas-drawing", "version": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}"
    with pytest.raises(DrawingFileError, match="over 16 deep"):
        parse_drawing(deep)
    long = '{"format": "digitcanvas-drawing", "version": 1, "x": ' + "1" * 5000 + "}"
    with pytest.raises(DrawingFileError, match="more than 40 characters"):
        parse_drawing(long)
    strings = drawing_to_dict(_sample()) | {"note": "[" * 5000 + "1" * 5000}  # inside strings, neither counts
    assert parse_drawing(json.dumps(strings)) == _sample()
