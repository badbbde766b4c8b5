"""Hostile drawing files, images and image arrays: a reading or a documented error, never
another exception, NaN or a file the app cannot read back (issue #14)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from repo import REPO_ROOT

from digitcanvas.drawing.file import load_drawing, parse_drawing, save_drawing
from digitcanvas.drawing.strokes import (
    MAX_CANVAS_SIDE,
    MAX_COORDINATE,
    MAX_PEN_WIDTH,
    MAX_POINTS,
    MAX_STROKES,
    Drawing,
    DrawingFileError,
    DrawingReadError,
    DrawingWriteError,
)
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.batch import READ_ERRORS
from digitcanvas.reading.reader import Reader
from lab.fuzz.hostile import INKED_IMAGES, drawing_text, hostile_arrays, hostile_drawings, hostile_images

ROOT = REPO_ROOT


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_classifier())


def _check_reading(reader: Reader, path: Path, *, number: bool) -> str:
    """Read ``path``; "read" or "refused". Any other exception fails the test."""
    try:
        reading = reader.read_file(path, number=number)
    except READ_ERRORS as e:
        assert str(path) in str(e)
        return "refused"
    for digit in reading.digits:
        assert np.isfinite(digit.probabilities).all() and abs(digit.probabilities.sum() - 1) < 1e-6
    return "read"


# --- the corpora ------------------------------------------------------------------------------

DRAWINGS = hostile_drawings()


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_each_hostile_drawing_is_read_or_refused_in_words(reader: Reader, tmp_path: Path, name: str) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(DRAWINGS[name])
    try:
        drawing = load_drawing(path)
    except DrawingReadError as e:
        assert str(path) in str(e)
        assert "Traceback" not in str(e) and "RecursionError" not in str(e)
    else:
        save_drawing(drawing, tmp_path / "again.json")  # whatever it reads, it writes back ...
        assert load_drawing(tmp_path / "again.json") == drawing  # ... and reads again
    for number in (False, True):
        _check_reading(reader, path, number=number)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("nested 1,000 deep", "nests arrays and objects over 16 deep"),
        ("nested 100,000 deep", "JSON arrays and objects"),
        ("a 400-digit coordinate", "more than 40 characters"),
        ("a 5,000-digit number in an unknown key", "more than 40 characters"),
        ("a coordinate of 1e308", f"±{MAX_COORDINATE:,} px"),
        ("NaN", "NaN, which is not a JSON number"),
        ("canvas 0.5 wide", "canvas width is 0.5, expected a number from 1"),
        ("pen 5,000", "at most 1000"),
        ("1,001 strokes", f"at most {MAX_STROKES:,}"),
        ("20,001 points", f"at most {MAX_POINTS:,}"),
        ("not UTF-8", "not UTF-8, UTF-16 or UTF-32"),
    ],
)
def test_refusals_name_the_limit(tmp_path: Path, name: str, words: str) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(DRAWINGS[name])
    with pytest.raises(DrawingReadError) as info:
        load_drawing(path)
    assert words in str(info.value)


READABLE = (
    "UTF-16 with a BOM",
    "UTF-16 big-endian without a BOM",
    "UTF-32 little-endian",
    "100 KB of whitespace, then a drawing",
)


@pytest.mark.parametrize("name", READABLE)
def test_drawings_in_other_encodings_or_after_whitespace_are_read(reader: Reader, tmp_path: Path, name: str) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(DRAWINGS[name])
    assert reader.read_file(path).number == "7"


IMAGES = hostile_images()


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_each_hostile_image_is_read_or_refused_in_words(reader: Reader, tmp_path: Path, name: str) -> None:
    path = tmp_path / "case.img"
    path.write_bytes(IMAGES[name])
    for number in (False, True):
        outcome = _check_reading(reader, path, number=number)
        if name in INKED_IMAGES and not number:
            assert outcome == "read"
            assert reader.read_file(path).number == "1", name


def test_the_pixel_limit_is_named(reader: Reader, tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(IMAGES["a PNG claiming 8,000 × 8,000 pixels"])
    with pytest.raises(READ_ERRORS, match="at most 40,000,000 are read"):
        reader.read_file(path)


ARRAYS = hostile_arrays()


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_each_hostile_array_is_read_or_refused(reader: Reader, name: str) -> None:
    for number in (False, True):
        try:
            reading = reader.read_image(ARRAYS[name], number=number)
        except READ_ERRORS:
            continue
        for digit in reading.digits:
            assert np.isfinite(digit.probabilities).all()


def test_a_fifo_or_a_device_is_never_opened(reader: Reader, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    device = tmp_path / "zero.png"
    device.symlink_to("/dev/zero")
    for path, kind in ((fifo, "a named pipe"), (device, "a device")):
        with pytest.raises(DrawingFileError, match=f"not a regular file \\({kind}\\)"):
            load_drawing(path)
        with pytest.raises(READ_ERRORS, match=f"not a regular file \\({kind}\\)"):
            reader.read_file(path)


# --- properties ---------------------------------------------------------------------------------

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**50), max_value=10**50),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)),
    max_leaves=40,
)
_number = st.one_of(st.integers(min_value=-(10**6), max_value=10**6), st.floats(allow_nan=False))
_point = st.lists(_number, min_size=0, max_size=3)
_documents = st.fixed_dictionaries(
    {"format": st.just("digitcanvas-drawing"), "version": st.integers(-1, 2)},
    optional={
        "canvas": st.one_of(st.fixed_dictionaries({"width": _number, "height": _number}), _json),
        "strokes": st.one_of(st.lists(st.lists(_point, max_size=5), max_size=4), _json),
        "pen_width": st.one_of(_number, _json),
        "label": st.one_of(st.integers(-2, 12), _json),
        "extra": _json,
    },
)


@settings(max_examples=150, deadline=None)
@given(document=st.one_of(_documents, _json))
def test_any_json_document_parses_or_is_refused_as_a_drawing_error(document: object) -> None:
    try:
        text = json.dumps(document)
    except (ValueError, OverflowError):
        return
    with contextlib.suppress(DrawingReadError):
        parse_drawing(text)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300), seed=st.integers(0, 2**32 - 1))
def test_any_bytes_or_damaged_drawing_is_refused_as_a_drawing_error(data: bytes, seed: int) -> None:
    valid = bytearray(drawing_text().encode())
    rng = np.random.default_rng(seed)
    for index in rng.integers(0, len(valid), size=int(rng.integers(1, 6))):
        valid[index] = int(rng.integers(0, 256))
    for candidate in (data, b"{" + data, bytes(valid), bytes(valid[: int(rng.integers(0, len(valid)))])):
        with contextlib.suppress(DrawingReadError):
            parse_drawing(candidate)


_side = st.integers(min_value=-5, max_value=MAX_CANVAS_SIDE + 5)
_coordinate = st.floats(min_value=-2 * MAX_COORDINATE, max_value=2 * MAX_COORDINATE, allow_nan=False)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    strokes=st.lists(st.lists(st.tuples(_coordinate, _coordinate), min_size=1, max_size=6), max_size=4),
    width=_side,
    height=_side,
    pen=st.floats(min_value=-1.0, max_value=2 * MAX_PEN_WIDTH, allow_nan=False),
    label=st.one_of(st.none(), st.integers(0, 9)),
)
def test_whatever_the_app_writes_it_reads_back(
    tmp_path: Path, strokes: list, width: int, height: int, pen: float, label: int | None
) -> None:
    drawing = Drawing.from_points(strokes, width=width, height=height, pen_width=pen, label=label)
    path = tmp_path / "round.json"
    try:
        save_drawing(drawing, path)
    except DrawingWriteError as e:
        assert "cannot save this drawing" in str(e)  # refused before writing, naming the limit
        return
    assert load_drawing(path) == drawing


_dtypes = st.sampled_from([np.uint8, np.uint16, np.int32, np.float32, np.float64, np.bool_])
_special = st.sampled_from([0.0, 1.0, -1.0, 4e37, -4e37, 1e308, np.nan, np.inf, -np.inf])


@settings(max_examples=60, deadline=None)
@given(
    shape=st.sampled_from([(1, 1), (7, 3), (40, 40), (30, 30, 1), (20, 25, 3), (25, 20, 4)]),
    dtype=_dtypes,
    seed=st.integers(0, 2**32 - 1),
    special=_special,
    number=st.booleans(),
)
def test_any_image_array_gives_finite_probabilities_or_a_documented_error(
    reader: Reader, shape: tuple[int, ...], dtype: type, seed: int, special: float, number: bool
) -> None:
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, shape)
    pixels: np.ndarray
    if np.issubdtype(dtype, np.floating):
        values[rng.uniform(size=shape) < 0.1] = special
        with np.errstate(over="ignore"):  # 1e308 as float32 is infinity: that is the point
            pixels = values.astype(dtype)
    elif dtype is np.bool_:
        pixels = values > 0.5
    else:  # integers over their whole range
        pixels = (values * np.iinfo(dtype).max).astype(dtype)
    try:
        reading = reader.read_image(pixels, number=number)
    except READ_ERRORS:
        return
    for digit in reading.digits:
        assert np.isfinite(digit.probabilities).all()
        assert all(math.isfinite(p) for _, p in digit.ranked())


# --- predict on the corpus, on a strict UTF-8 stdout ---------------------------------------------


def _no_constants(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def test_predict_on_the_whole_corpus_never_aborts_nor_prints_nan(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i, data in enumerate([*DRAWINGS.values(), *IMAGES.values()]):
        (folder / f"{i:03d}.bin").write_bytes(data)
    (folder / os.fsdecode(b"caf\xe9.json")).write_bytes(drawing_text().encode())  # a Latin-1 name
    os.mkfifo(folder / "pipe.json")
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "PYTHONUTF8": "0"}
    # Named one by one: every file is read (a folder's walk would skip what is neither an image nor a drawing).
    files = [str(path) for path in sorted(folder.iterdir())]
    for extra in ([], ["--number"]):
        result = subprocess.run(
            [sys.executable, "-m", "digitcanvas", "predict", "--json", *extra, *files],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            timeout=600,
        )
        stderr = result.stderr.decode("utf-8")
        assert result.returncode == 1, stderr
        assert "Traceback" not in stderr
        lines = result.stdout.decode("utf-8").splitlines()
        errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
        assert len(lines) + len(errors) == len(list(folder.iterdir()))
        for line in lines:
            record = json.loads(line, parse_constant=_no_constants)
            record["file"].encode("utf-8")  # no lone surrogates
        assert any(r.endswith("caf\\xe9.json") for r in (json.loads(line)["file"] for line in lines))
        assert "pipe.json: not a regular file (a named pipe)" in stderr
