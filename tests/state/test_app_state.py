"""The app's state without Qt: what it reads, what it shows, what it says, and the events it emits."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest
from strokes import compose, number_image

from digitcanvas.drawing.strokes import Drawing, DrawingReadError
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.reader import Reader
from digitcanvas.state.app_state import (
    DRAW_FIRST,
    NOTHING_TO_UNDO,
    UNDO_FAILED,
    AppState,
    ImageInput,
    Notice,
    Problem,
    Shown,
)
from digitcanvas.state.events import Event
from digitcanvas.state.preferences import MemoryPreferences

SEVEN = Drawing.from_points([[[120, 100], [300, 100], [180, 330]]], width=640, height=400)


class Recorder:
    """Every event of a state, in the order emitted."""

    def __init__(self, state: AppState) -> None:
        self.events: list[tuple[str, object]] = []
        for name in ("reading_shown", "digit_selected", "model_changed", "history_changed", "said", "failed"):
            event: Event[object] = getattr(state, name)
            event.connect(partial(self._add, name))

    def _add(self, name: str, value: object) -> None:
        self.events.append((name, value))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def last(self, name: str) -> object:
        return [value for n, value in self.events if n == name][-1]


@pytest.fixture
def state(tmp_path: Path) -> AppState:
    made = AppState(MemoryPreferences(tmp_path / "collection"))
    made.models.reader = Reader(load_classifier())  # the bundled model, as the window starts with
    return made


def test_reading_a_drawing_shows_it_and_selects_the_least_sure_digit(state: AppState) -> None:
    recorder = Recorder(state)
    state.read(SEVEN)
    shown = recorder.last("reading_shown")
    assert isinstance(shown, Shown) and shown.reading is state.reading and shown.drawing is SEVEN
    assert not shown.stale and state.selected == 0 and state.prediction is state.reading.digits[0]  # type: ignore[union-attr]
    assert state.reading_is_current(SEVEN) and not state.reading_is_current(SEVEN.subset([]))


def test_a_number_is_read_digit_by_digit_and_a_digit_can_be_picked(state: AppState) -> None:
    number, _ = compose(["2", "0", "2", "6"])
    state.read(number)
    assert state.reading is not None and len(state.reading.digits) == 4
    assert state.selected == state.reading.least_sure_index
    recorder = Recorder(state)
    other = (state.selected + 1) % 4
    state.select_digit(other)
    state.select_digit(other)  # the same digit again: no event
    state.select_digit(9)  # no such digit: ignored
    assert recorder.events == [("digit_selected", other)] and state.prediction is state.reading.digits[other]


def test_without_a_model_it_says_how_to_open_one(tmp_path: Path) -> None:
    state = AppState(MemoryPreferences(tmp_path))
    state.no_model_hint = "No model: Model ▸ Open Model…"
    recorder = Recorder(state)
    state.read(SEVEN)
    assert recorder.last("reading_shown") == Shown(None, None, "No model: Model ▸ Open Model…")
    assert state.reading is None and state.prediction is None


def test_a_changed_drawing_is_read_live_or_marked_stale(state: AppState) -> None:
    state.read(SEVEN)
    reading = state.reading
    recorder = Recorder(state)
    longer = Drawing.from_points([*SEVEN.strokes, [[150, 220], [250, 220]]], width=640, height=400)
    state.canvas_changed(longer, live=False)
    assert recorder.last("reading_shown") == Shown(reading, SEVEN, stale=True)
    state.canvas_changed(SEVEN, live=False)  # back to the drawing read (an undo): fresh again
    assert recorder.last("reading_shown") == Shown(reading, SEVEN)
    state.canvas_changed(longer, live=True)
    assert state.reading_is_current(longer)
    state.canvas_changed(SEVEN.subset([]), live=True)
    assert recorder.last("reading_shown") == Shown(None) and state.reading is None


def test_undo_says_what_it_undid_or_that_there_is_nothing(state: AppState) -> None:
    recorder = Recorder(state)
    state.undo()
    assert recorder.last("said") == Notice(NOTHING_TO_UNDO)
    state.history.push("Stroke", lambda: "The stroke is gone.")
    state.undo()
    assert recorder.last("said") == Notice("The stroke is gone.")
    assert recorder.names().count("history_changed") == 2  # pushed, undone


def test_an_undo_that_fails_is_said_in_a_box_and_gone(state: AppState) -> None:
    def fails() -> str:
        raise DrawingReadError("kept.json: cannot read the file")

    state.history.push("Keep as a 7", fails)
    recorder = Recorder(state)
    state.undo()
    assert recorder.last("failed") == Problem(UNDO_FAILED, "kept.json: cannot read the file")
    assert not state.history.can_undo()


def test_events_reach_their_slots_in_order_and_can_be_disconnected() -> None:
    event: Event[int] = Event()
    seen: list[str] = []

    def first(value: int) -> None:
        seen.append(f"first {value}")

    event.connect(first)
    event.connect(lambda value: seen.append(f"second {value}"))
    event.emit(1)
    event.disconnect(first)
    event.emit(2)
    assert seen == ["first 1", "second 1", "second 2"]
    with pytest.raises(ValueError):
        event.disconnect(first)


def test_an_image_is_read_as_a_drawing_is_its_digits_outlined_in_its_pixels(state: AppState) -> None:
    """Images are read in the window too (issue #26): a number's digits, boxed in the image's pixels."""
    pixels = number_image(["4two", "7"])
    recorder = Recorder(state)
    image = ImageInput(pixels, "forty-seven.png")
    assert state.read_image(image)
    shown = recorder.last("reading_shown")
    assert isinstance(shown, Shown) and shown.image is image and shown.drawing is None
    assert state.reading is not None and state.reading.text == "47" and state.image is image
    outlines = state.reading.outlines
    assert len(outlines) == 2 and outlines[0][0] < outlines[1][0]
    height, width = pixels.shape
    for x, y, w, h in outlines:  # boxes in the image's own pixels
        assert x >= 0 and x + w <= width + 1 and y >= 0 and y + h <= height + 1
    assert state.prediction is state.reading.digits[state.selected or 0]


def test_the_image_is_read_again_and_a_drawing_takes_its_place(state: AppState) -> None:
    pixels = number_image(["7"])
    image = ImageInput(pixels, "seven.png")
    state.read_image(image)
    recorder = Recorder(state)
    state.read_now(SEVEN.subset([]))  # Enter with an image shown: it is read again
    state.read_again(SEVEN.subset([]), only_if_current=True)  # another model: the image, again
    assert recorder.names() == ["reading_shown", "reading_shown"] and state.image is image
    state.canvas_changed(SEVEN, live=True)  # the person draws: the drawing is read, the image gone
    assert state.image is None and state.reading_is_current(SEVEN)
    state.show_idle()
    after = Recorder(state)
    state.read_now(SEVEN.subset([]))  # Enter on an empty canvas
    assert after.last("reading_shown") == Shown(None, None, DRAW_FIRST)


def test_an_image_without_ink_says_so_and_stays_to_be_cleared(state: AppState) -> None:
    recorder = Recorder(state)
    blank = ImageInput(np.full((60, 80), 255, np.uint8), "blank.png")
    assert not state.read_image(blank)
    assert state.reading is None and state.image is blank
    message = "No ink stands out from the paper in blank.png."
    assert recorder.last("said") == Notice(message) and recorder.last("reading_shown") == Shown(None, None, message)
