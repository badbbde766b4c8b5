"""The tools on their own: each gets the state (and what it opens from), no MainWindow."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from window_helpers import app_state, said

from digitcanvas.drawing.file import save_drawing
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.conventions import PRESETS_BY_KEY
from digitcanvas.ui.tools.collection_browser import BrowserTool
from digitcanvas.ui.tools.compare import CompareTool
from digitcanvas.ui.tools.input_settings import InputChoice, InputSettingsTool, Keep
from digitcanvas.ui.tools.inside import InsideTool
from digitcanvas.ui.widgets.canvas import DrawingCanvas
from digitcanvas.ui.widgets.collection_panel import CollectionPanel
from digitcanvas.ui.window.collection_control import CollectionControl
from digitcanvas.ui.window.model_control import ModelControl

SEVEN = Drawing.from_points([[[120, 100], [300, 100], [180, 330]]], width=640, height=400)


def _parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_the_inside_tool_follows_the_model_and_the_digit_shown(qtbot: QtBot, tmp_path: Path) -> None:
    state, _ = app_state(tmp_path)
    tool = InsideTool(state, _parent(qtbot))
    view = tool.show()
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.inspector() is not None, timeout=20_000)
    with qtbot.waitSignal(view.activations_shown, timeout=20_000):
        state.read(SEVEN)
    state.show_idle()
    assert view.activations() is None  # nothing read: nothing inside to show
    tool.shutdown()


def test_the_compare_tool_reads_each_drawing_with_the_second_model(
    qtbot: QtBot, tmp_path: Path, linear_model: Path
) -> None:
    state, settings = app_state(tmp_path)
    inside = InsideTool(state, _parent(qtbot))
    tool = CompareTool(state, settings, _parent(qtbot), load_command="Compare", inside=inside)
    assert tool.compare_with(str(linear_model)) and tool.panel is not None
    state.read(SEVEN)
    comparison = tool.panel.comparison()
    assert comparison is not None and tool.second is not None and state.prediction is not None
    second = tool.second.read_drawing(SEVEN).digits[0].probabilities
    assert (comparison.first == state.prediction.probabilities).all() and (comparison.second == second).all()
    lines = said(state)
    assert not tool.compare_with(str(tmp_path / "missing.onnx"))
    assert lines[-1].startswith("Could not load the model to compare with")
    inside.shutdown()


def test_the_input_settings_tool_remembers_a_choice_for_the_file(
    qtbot: QtBot, tmp_path: Path, linear_model: Path
) -> None:
    state, settings = app_state(tmp_path)
    models = ModelControl(state, settings, _parent(qtbot), input_settings="")
    assert models.load(linear_model)
    tool = InputSettingsTool(state, models, settings, _parent(qtbot))
    mnist = PRESETS_BY_KEY["mnist"].scaling
    assert tool.apply(InputChoice(mnist, Keep.REMEMBER))
    assert state.models.classifier is not None and state.models.classifier.scaling == mnist
    assert settings.input_setting(linear_model) is not None
    dialog = tool.open_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)


def test_the_browser_tool_opens_once_the_collection_is_read(qtbot: QtBot, tmp_path: Path) -> None:
    state, settings = app_state(tmp_path)
    save_drawing(SEVEN.with_label(7), settings.collection_dir / "7.json")
    panel = CollectionPanel()
    qtbot.addWidget(panel)
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    collection = CollectionControl(state, panel, settings)
    tool = BrowserTool(state, collection, canvas, _parent(qtbot))
    lines = said(state)
    collection.load()
    if collection.loading:  # still being read: the browser opens when it is
        assert tool.open() is None and "still being read" in lines[-1]
        qtbot.waitUntil(lambda: tool.browser is not None and tool.browser.isVisible(), timeout=20_000)
    else:
        tool.open()
    browser = tool.browser
    assert browser is not None and browser.item_texts() == ["7 · read 7"]
    browser.open_requested.emit(SEVEN.with_label(7))
    assert canvas.drawing().same_ink(SEVEN) and canvas.drawing().label is None
    collection.shutdown()
