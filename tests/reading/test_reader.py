"""The reading core: one entry point for drawings, images and files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx_models import make_ink_failing_model
from strokes import compose

from digitcanvas.drawing.file import save_drawing
from digitcanvas.drawing.sources import gather_files
from digitcanvas.drawing.strokes import Drawing, EmptyInputError
from digitcanvas.model.classifier import Classifier, load_classifier
from digitcanvas.model.info import META_DOUBT
from digitcanvas.model.session import ModelRunError
from digitcanvas.reading.batch import READ_ERRORS, read_files
from digitcanvas.reading.reader import Reader
from lab.fuzz.linear_model import make_linear_model


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_classifier())


def test_a_digit_reading_carries_everything_the_window_shows(reader: Reader) -> None:
    drawing, _ = compose(["7"])
    reading = reader.read_drawing(drawing)
    (digit,) = reading.digits
    assert digit.probabilities.shape == (10,) and abs(digit.probabilities.sum() - 1) < 1e-9
    assert digit.image.shape == (28, 28) and digit.image.dtype == np.float32
    assert digit.digit == 7 and digit.sure and digit.doubt is None
    assert reading.text == reading.number == "7" and reading.sure and reading.doubt is None
    x, y, w, h = digit.box or (0, 0, 0, 0)
    points = drawing.points()
    assert x < points[:, 0].min() and x + w > points[:, 0].max()
    assert y < points[:, 1].min() and y + h > points[:, 1].max()
    assert digit.ranked(2)[0] == (7, digit.confidence)


def test_the_model_threshold_decides_what_is_sure(tmp_path: Path) -> None:
    drawing, _ = compose(["3"])
    lenient = Reader(Classifier(make_linear_model(tmp_path / "a.onnx", metadata={META_DOUBT: "0.01"})))
    strict = Reader(Classifier(make_linear_model(tmp_path / "b.onnx", metadata={META_DOUBT: "0.999999"})))
    sure, doubtful = lenient.read_drawing(drawing, number=False), strict.read_drawing(drawing, number=False)
    assert np.array_equal(sure.digits[0].probabilities, doubtful.digits[0].probabilities)
    assert 0.01 <= sure.digits[0].confidence < 0.999999
    assert sure.sure and not doubtful.sure
    assert doubtful.text == "?" and doubtful.doubt == "low confidence"


def test_a_dot_is_too_small_in_both_modes(reader: Reader) -> None:
    dot = Drawing.from_points([[[300, 200], [302, 201]]], width=640, height=400, pen_width=4)
    for number in (False, True):
        reading = reader.read_drawing(dot, number=number)
        assert reading.doubt == "too small" and not reading.sure


def test_files_are_read_in_order_with_errors_in_place(reader: Reader, tmp_path: Path) -> None:
    drawing, _ = compose(["0"])
    save_drawing(drawing, tmp_path / "a.json")
    (tmp_path / "b.json").write_text("{broken")
    save_drawing(drawing, tmp_path / "c.json")
    files, problems, _ = gather_files([str(tmp_path), str(tmp_path / "missing")], recursive=False)
    assert problems == [f"{tmp_path / 'missing'}: no such file or folder"]
    results = list(read_files(reader, files))
    assert [Path(r.path).name for r in results] == ["a.json", "b.json", "c.json"]
    assert results[1].reading is None and "b.json" in (results[1].error or "")
    assert results[0].reading is not None and results[0].reading.number == "0"
    assert results[2].reading is not None


@pytest.mark.parametrize("batch_points", [20_000, 100])
def test_files_read_together_are_read_as_each_alone(
    reader: Reader, tmp_path: Path, batch_points: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #26: a run of drawing files is preprocessed together (BATCH_POINTS points at a
    time); each reads as it does alone, an empty drawing and an image among them in place."""
    import digitcanvas.reading.batch as batch_module
    from digitcanvas.drawing.image_file import write_png

    monkeypatch.setattr(batch_module, "BATCH_POINTS", batch_points)
    names = []
    for n, digit in enumerate(["0", "1", "1base", "2", "3", "4two", "5flag", "6", "7", "7crossed"] * 2):
        drawing, _ = compose([digit], slant=0.03 * n)
        save_drawing(drawing, tmp_path / f"{n:02d}.json")
        names.append(tmp_path / f"{n:02d}.json")
    save_drawing(Drawing((), 640, 400), tmp_path / "empty.json")
    image = np.full((60, 40), 255, np.uint8)
    image[10:50, 18:23] = 0
    write_png(tmp_path / "one.png", image)
    names[5:5] = [tmp_path / "empty.json", tmp_path / "one.png"]
    results = list(read_files(reader, names))
    assert [Path(r.path) for r in results] == names
    empty = results[5]
    assert empty.reading is None and "empty" in (empty.error or "")
    for name, result in zip(names, results, strict=True):
        if result.reading is not None:
            alone = reader.read_file(name)
            assert np.array_equal(result.reading.digits[0].probabilities, alone.digits[0].probabilities)
            assert result.reading.doubt == alone.doubt


def test_a_model_failing_on_ink_is_a_run_error(tmp_path: Path) -> None:
    reader = Reader(Classifier(make_ink_failing_model(tmp_path / "f.onnx")))
    drawing, _ = compose(["1"])
    with pytest.raises(ModelRunError):
        reader.read_drawing(drawing)
    save_drawing(drawing, tmp_path / "one.json")
    (result,) = read_files(reader, [tmp_path / "one.json"])
    assert result.reading is None and "the model failed" in (result.error or "")


def test_an_empty_drawing_is_refused(reader: Reader) -> None:
    with pytest.raises(EmptyInputError):
        reader.read_drawing(Drawing((), 640, 400))


_coordinate = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
_stroke = st.lists(st.tuples(_coordinate, _coordinate), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(strokes=st.lists(_stroke, min_size=1, max_size=5), number=st.booleans())
def test_any_drawing_gives_a_reading_or_a_documented_error(reader: Reader, strokes: list, number: bool) -> None:
    drawing = Drawing.from_points(strokes, width=640, height=400)
    try:
        reading = reader.read_drawing(drawing, number=number)
    except READ_ERRORS:
        return
    assert reading.digits
    for digit in reading.digits:
        assert np.isfinite(digit.probabilities).all()
        assert digit.image.min() >= 0.0 and digit.image.max() <= 1.0


def test_gather_files_names_what_is_not_a_regular_file(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.png")
    (tmp_path / "device.png").symlink_to("/dev/zero")
    save_drawing(compose(["1"])[0], tmp_path / "one.json")
    files, problems, _ = gather_files([str(tmp_path), str(tmp_path / "pipe.png")], recursive=False)
    assert [p.name for p in files] == ["one.json"]
    assert problems == [
        f"{tmp_path / 'device.png'}: not a regular file (a device)",
        f"{tmp_path / 'pipe.png'}: not a regular file (a named pipe)",
        f"{tmp_path / 'pipe.png'}: not a regular file (a named pipe)",
    ]


def test_the_drawing_limit_holds_in_predict_too(reader: Reader, tmp_path: Path) -> None:
    from digitcanvas.drawing.strokes import MAX_DRAWING_FILE_BYTES

    path = tmp_path / "big.json"
    with path.open("w") as handle:
        handle.write('{"format": "digitcanvas-drawing", "version": 1, "x": "')
        handle.write("a" * MAX_DRAWING_FILE_BYTES)
        handle.write('"}')
    with pytest.raises(READ_ERRORS, match=f"at most {MAX_DRAWING_FILE_BYTES:,} are read"):
        reader.read_file(path)


def test_non_finite_pixels_and_inputs_never_become_nan(reader: Reader) -> None:
    from digitcanvas.reading.preprocessing import ImageFormatError

    image = np.zeros((60, 60))
    image[10:50, 28:32] = np.nan
    with pytest.raises(ImageFormatError, match="not numbers"):
        reader.read_image(image)
    huge = np.full((2, 28, 28), 4e37, np.float32)  # ready inputs far outside [0, 1]
    huge[1] = np.nan
    for reading in reader.read_images28(huge):
        assert np.isfinite(reading.digits[0].probabilities).all()


def test_many_inputs_are_read_in_runs_of_a_bounded_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A predict worker's memory grows with the largest batch it ran (issue #26 item 21).
    from digitcanvas.reading.reader import MODEL_BATCH

    reader = Reader(Classifier(make_linear_model(tmp_path / "m.onnx")))
    images = np.random.default_rng(3).random((2 * MODEL_BATCH + 5, 28, 28)).astype(np.float32)
    expected = reader.classifier.predict_proba(images)
    sizes: list[int] = []
    predict = reader.classifier.predict_proba

    def spy(batch: np.ndarray) -> np.ndarray:
        sizes.append(len(batch))
        return predict(batch)

    monkeypatch.setattr(reader.classifier, "predict_proba", spy)
    readings = reader.read_images28(images)
    assert sizes == [MODEL_BATCH, MODEL_BATCH, 5]
    np.testing.assert_allclose([r.digits[0].probabilities for r in readings], expected, atol=1e-6)
