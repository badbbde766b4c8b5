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
from onnx_models import make_slow_on_ink_model
from repo import REPO_ROOT

from digitcanvas.drawing.file import load_drawing, parse_drawing, save_drawing
from digitcanvas.drawing.strokes import (
    MAX_CANVAS_SIDE,
    MAX_COORDINATE,
    MAX_DRAWING_FILE_BYTES,
    MAX_PEN_WIDTH,
    MAX_POINTS,
    MAX_STROKES,
    Drawing,
    DrawingFileError,
    DrawingReadError,
    DrawingWriteError,
)
from digitcanvas.model.classifier import Classifier, load_classifier
from digitcanvas.reading.batch import READ_ERRORS, read_files
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


def test_a_file_of_whitespace_over_the_size_limit_is_refused_by_its_size_unread(
    reader: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #27: 25 MB of spaces and then ``{}`` was sniffed for 23 s and refused as "empty";
    it is over the drawing file limit, and says so as :func:`load_drawing` does."""
    import digitcanvas.drawing.file as drawing_file

    path = tmp_path / "spaces.json"
    path.write_bytes(b" " * (MAX_DRAWING_FILE_BYTES + 2**20) + b"{}")
    with pytest.raises(DrawingReadError) as by_load:
        load_drawing(path)
    decoded: list[int] = []
    original = drawing_file._head_text

    def measured(head: bytes) -> str:
        decoded.append(len(head))
        return original(head)

    monkeypatch.setattr(drawing_file, "_head_text", measured)
    with pytest.raises(READ_ERRORS) as by_reader:
        reader.read_file(path)
    words = f"the file is {path.stat().st_size:,} bytes; drawing files of at most {MAX_DRAWING_FILE_BYTES:,} are read"
    assert str(by_load.value) == str(by_reader.value) == f"{path}: {words}"  # one message, whichever door
    assert sum(decoded) <= 64  # refused by its size: nothing past the first bytes was looked at


def test_leading_whitespace_is_looked_at_once(reader: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #27: 19 MB of newlines took 25 s: the growing head was decoded again after each
    64 KB. Now every byte is looked at a bounded number of times, whatever the run's length."""
    import digitcanvas.drawing.file as drawing_file

    path = tmp_path / "newlines.json"
    blank = b"\n" * (2 * 2**20)
    path.write_bytes(blank)
    decoded: list[int] = []
    original = drawing_file._head_text

    def measured(head: bytes) -> str:
        decoded.append(len(head))
        return original(head)

    monkeypatch.setattr(drawing_file, "_head_text", measured)
    with pytest.raises(READ_ERRORS, match="the file is empty but for whitespace"):
        reader.read_file(path)
    assert sum(decoded) <= 2 * len(blank)
    path.write_bytes(blank + drawing_text().encode())
    decoded.clear()
    assert reader.read_file(path).number == "7"
    assert sum(decoded) <= 2 * path.stat().st_size


def test_an_empty_drawing_names_its_file_once(tmp_path: Path) -> None:
    """Issue #27: predict printed "x.json: x.json: the drawing is empty"."""
    path = tmp_path / "x.json"
    path.write_text(drawing_text([]))
    result = subprocess.run(
        [sys.executable, "-m", "digitcanvas", "predict", str(path), str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stderr.splitlines() == [f"error: {path}: the drawing is empty"] * 2


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


def _seven_photo() -> np.ndarray:
    """A dark 7 on light paper, 300 × 200 px: no turn of it is itself."""
    page = np.full((300, 200), 235, np.uint8)
    page[40:60, 30:170] = 20  # the bar
    for row in range(60, 270):  # the stem, slanting down to the left
        column = 170 - (row - 60) * 90 // 210
        page[row, column - 10 : column + 10] = 20
    return page


# How a camera stores an upright picture for each EXIF orientation: the inverse of the turn
# a viewer makes (Pillow's ImageOps.exif_transpose, the oracle below).
_STORED_AS = {1: None, 2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_90",
              7: "TRANSVERSE", 8: "ROTATE_270"}  # fmt: skip


@pytest.mark.parametrize("orientation", sorted(_STORED_AS))
def test_a_photo_is_read_upright_as_its_exif_orientation_says(reader: Reader, tmp_path: Path, orientation: int) -> None:
    """Issue #27: a photo of a 7 that a viewer shows upright was read as "5, not sure"."""
    from PIL import Image, ImageOps

    from digitcanvas.drawing.image_file import EXIF_ORIENTATION, read_image

    upright = Image.fromarray(_seven_photo())
    turn = _STORED_AS[orientation]
    stored = upright if turn is None else upright.transpose(getattr(Image.Transpose, turn))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    stored.save(tmp_path / "photo.png", exif=exif.tobytes())
    upright.save(tmp_path / "upright.png")
    with Image.open(tmp_path / "photo.png") as photo:
        assert np.array_equal(np.asarray(ImageOps.exif_transpose(photo)), np.asarray(upright))  # as a viewer shows it
    assert np.array_equal(read_image(tmp_path / "photo.png"), np.asarray(upright))
    assert reader.read_file(tmp_path / "photo.png").number == reader.read_file(tmp_path / "upright.png").number == "7"


def test_eps_is_refused_in_words_and_never_run(reader: Reader, tmp_path: Path) -> None:
    """Issue #27: EPS was refused as "TypeError" (Pillow would run Ghostscript on it)."""
    path = tmp_path / "seven.eps"
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n0 0 moveto 90 90 lineto stroke\n%%EOF\n")
    with pytest.raises(READ_ERRORS) as refused:
        reader.read_file(path)
    assert str(refused.value) == (
        f"{path}: EPS images are not read: they are programs, drawn by running Ghostscript; export it as PNG"
    )


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


RUN_SECONDS = 0.5  # the run-time limit in the tests that wait for it


@pytest.mark.parametrize("number", [False, True])
def test_a_model_slow_on_ink_costs_two_time_limits_not_one_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: bool
) -> None:
    """Issue #27: a batch that timed out was retried one file at a time, each with the full
    limit (6 files: 70 s; a 256-file batch: 43 min). One image out of time refuses the model."""
    import digitcanvas.model.classifier as classifier_module
    from digitcanvas.model import session
    from digitcanvas.model.session import ModelTimeoutError, run_session

    monkeypatch.setattr(session, "MODEL_RUN_SECONDS", RUN_SECONDS)
    reader = Reader(Classifier(make_slow_on_ink_model(tmp_path / "slow.onnx")))
    timeouts: list[int] = []

    def counted(*args: object, **kwargs: object) -> object:
        try:
            return run_session(*args, **kwargs)  # type: ignore[arg-type]
        except ModelTimeoutError:
            timeouts.append(1)
            raise

    monkeypatch.setattr(classifier_module, "run_session", counted)
    files = []
    for i in range(6):
        files.append(tmp_path / f"{i}.json")
        files[-1].write_text(drawing_text())
    (tmp_path / "broken.json").write_text("{")
    files.insert(2, tmp_path / "broken.json")
    results = list(read_files(reader, files, number=number))
    assert [r.path for r in results] == [str(f) for f in files]
    assert all(r.reading is None for r in results)
    assert len(timeouts) <= 2  # the batch's, and one image's
    assert "not a valid JSON drawing file" in (results[2].error or "")
    slow = [r for r in results if "did not finish" in (r.error or "") and "ran out of time on" not in (r.error or "")]
    assert len(slow) == 1
    refused = [r.error or "" for r in results if "ran out of time on" in (r.error or "")]
    assert len(refused) == 5 and all(e.startswith(f"{tmp_path}") and slow[0].path in e for e in refused)


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
