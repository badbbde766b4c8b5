"""Each of the window's helpers on its own: the state and the widget it drives, no MainWindow."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtWidgets import QCheckBox, QWidget
from pytestqt.qtbot import QtBot
from strokes import number_image
from window_helpers import app_state, said

from digitcanvas.drawing.file import load_drawing, save_drawing
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.state.app_state import Shown
from digitcanvas.ui.widgets.canvas import DrawingCanvas
from digitcanvas.ui.widgets.collection_panel import CollectionPanel
from digitcanvas.ui.window.collection_control import CollectionControl
from digitcanvas.ui.window.files import DrawingFiles
from digitcanvas.ui.window.live import LIVE_INTERVAL_MS, LiveReading
from digitcanvas.ui.window.model_control import LOAD_FAILED, ModelControl

SEVEN = Drawing.from_points([[[120, 100], [300, 100], [180, 330]]], width=640, height=400)


def _widget(qtbot: QtBot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    return widget


def test_live_reading_reads_while_the_pen_moves_and_when_turned_on(qtbot: QtBot, tmp_path: Path) -> None:
    state, settings = app_state(tmp_path)
    canvas = _widget(qtbot, DrawingCanvas())
    box = _widget(qtbot, QCheckBox())
    assert isinstance(canvas, DrawingCanvas) and isinstance(box, QCheckBox)
    live = LiveReading(state, canvas, box, settings)
    shown: list[Shown] = []
    state.reading_shown.connect(shown.append)
    canvas.set_drawing(SEVEN)
    box.setChecked(True)  # turned on: the drawing is read at once, and the choice remembered
    assert shown and shown[-1].reading is not None and settings.live
    shown.clear()
    canvas.stroke_progress.emit()
    qtbot.waitUntil(lambda: bool(shown), timeout=LIVE_INTERVAL_MS * 50)
    box.setChecked(False)
    shown.clear()
    canvas.stroke_progress.emit()
    qtbot.wait(LIVE_INTERVAL_MS * 3)
    assert not shown and not live.on and not settings.live


def test_model_control_switches_models_and_keeps_the_old_one_on_failure(
    qtbot: QtBot, tmp_path: Path, linear_model: Path
) -> None:
    state, settings = app_state(tmp_path, bundled=False)
    parent = _widget(qtbot, QWidget())
    models = ModelControl(state, settings, parent, input_settings="Model ▸ Input Settings…")
    lines, changes = said(state), list[None]()
    state.model_changed.connect(changes.append)
    models.load_startup(None)
    assert state.models.bundled and changes and lines[-1] == "Loaded the bundled model"
    assert models.load(linear_model)
    assert state.models.classifier is not None and state.models.classifier.path == linear_model
    assert settings.model_path == str(linear_model.resolve())
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    assert not models.load(broken)
    assert lines[-1].startswith(f"{LOAD_FAILED}: {broken}") and "Still using" in lines[-1]
    assert state.models.classifier.path == linear_model  # the one in use stays


def test_model_control_says_when_the_remembered_model_is_gone(qtbot: QtBot, tmp_path: Path) -> None:
    state, settings = app_state(tmp_path, bundled=False)
    settings.set_model_path(tmp_path / "gone.onnx")
    lines = said(state)
    ModelControl(state, settings, _widget(qtbot, QWidget()), input_settings="").load_startup(None)
    assert state.models.bundled and settings.model_path is None
    assert any("gone.onnx" in line and "is gone" in line for line in lines)


def test_collection_control_keeps_relabels_and_summarises(qtbot: QtBot, tmp_path: Path) -> None:
    state, settings = app_state(tmp_path)
    panel = _widget(qtbot, CollectionPanel())
    assert isinstance(panel, CollectionPanel)
    collection = CollectionControl(state, panel, settings)
    collection.load()  # no folder yet: an empty collection at once
    assert not collection.loading and panel.summary_text().startswith("No drawings yet")
    lines = said(state)
    assert collection.correct(SEVEN, 7)
    assert [load_drawing(p).label for p in collection.folder.glob("*.json")] == [7]
    assert collection.correct(SEVEN, 1)  # the same drawing again: relabelled, not kept twice
    assert [load_drawing(p).label for p in collection.folder.glob("*.json")] == [1]
    assert lines[-1] == "Now kept as a 1 (was a 7)." and panel.summary_text().startswith("1 drawing")
    assert not collection.correct(SEVEN.subset([]), 3)
    assert lines[-1].startswith("Draw a digit first")
    state.undo()  # the relabel, then the keep
    state.undo()
    assert not list(collection.folder.glob("*.json")) and panel.summary_text().startswith("No drawings yet")


def test_collection_control_reads_a_folder_on_its_worker_and_says_when_done(qtbot: QtBot, tmp_path: Path) -> None:
    state, settings = app_state(tmp_path)
    for digit in (3, 5):
        save_drawing(SEVEN.with_label(digit), settings.collection_dir / f"{digit}.json")
    panel = _widget(qtbot, CollectionPanel())
    assert isinstance(panel, CollectionPanel)
    collection = CollectionControl(state, panel, settings)
    with qtbot.waitSignal(collection.loaded, timeout=20_000):
        collection.load()
    qtbot.waitUntil(lambda: not collection.busy, timeout=20_000)
    assert panel.summary_text().startswith("2 drawings")
    collection.shutdown()


def test_collection_control_says_what_adapting_means_now(qtbot: QtBot, tmp_path: Path) -> None:
    state, settings = app_state(tmp_path)
    collection = CollectionControl(state, _widget(qtbot, CollectionPanel()), settings)  # type: ignore[arg-type]
    collection.load()
    lines = said(state)
    collection.set_adapt(False)
    assert lines[-1] == "Adapt to My Handwriting is off." and not settings.adapt
    collection.set_adapt(True)
    assert lines[-1].startswith("Readings will adapt to your handwriting once you have kept 5 drawings (you have 0)")


def test_drawing_files_open_save_and_export(qtbot: QtBot, tmp_path: Path) -> None:
    state, settings = app_state(tmp_path)
    canvas = _widget(qtbot, DrawingCanvas())
    assert isinstance(canvas, DrawingCanvas)
    files = DrawingFiles(state, canvas, settings, canvas)
    lines = said(state)
    assert not files.save_drawing(tmp_path / "nothing.json") and "nothing to save" in lines[-1]
    save_drawing(SEVEN, tmp_path / "seven.json")
    assert files.open_drawing(tmp_path / "seven.json") and canvas.drawing().same_ink(SEVEN)
    assert files.save_drawing(tmp_path / "again.json") and load_drawing(tmp_path / "again.json").same_ink(SEVEN)
    assert files.export_input_png(tmp_path / "input.png") and (tmp_path / "input.png").stat().st_size > 0
    assert lines[-1] == "Exported input.png (28×28)"
    state.undo()  # the opened drawing: the empty canvas is back
    assert canvas.is_empty()


def test_drawing_files_say_an_image_is_no_drawing(qtbot: QtBot, tmp_path: Path) -> None:
    state, settings = app_state(tmp_path)
    canvas = _widget(qtbot, DrawingCanvas())
    assert isinstance(canvas, DrawingCanvas)
    image = tmp_path / "seven.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    lines = said(state)
    assert not DrawingFiles(state, canvas, settings, canvas).open_drawing(image)  # a PNG, but broken
    assert lines[-1].startswith("Could not open the image: ") and "seven.png" in lines[-1]
    assert not canvas.has_picture() and state.reading is None
    Image.fromarray(number_image(["7"])).save(image)
    assert DrawingFiles(state, canvas, settings, canvas).open_drawing(image)  # an image: read in the window
    assert canvas.has_picture() and state.reading is not None and state.image is not None


@pytest.mark.parametrize("name", ["model.onnx", "drawing.json", "picture.txt"])
def test_drops_open_models_and_drawings_only(qtbot: QtBot, tmp_path: Path, name: str) -> None:
    state, settings = app_state(tmp_path)
    canvas = _widget(qtbot, DrawingCanvas())
    assert isinstance(canvas, DrawingCanvas)
    save_drawing(SEVEN, tmp_path / "drawing.json")
    loaded: list[str] = []
    opened = DrawingFiles(state, canvas, settings, canvas).open_dropped([str(tmp_path / name)], loaded.append)
    assert opened == (name != "picture.txt")
    assert loaded == ([str(tmp_path / name)] if name.endswith(".onnx") else [])
    assert canvas.is_empty() == (name != "drawing.json")
