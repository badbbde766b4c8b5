"""The main window's model, offscreen: the one it starts with (the command line's, the
one used last, the bundled one), loading another, and models that fail."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx_models import make_convention_model, make_failing_model, make_two_input_model
from PySide6.QtCore import QPoint, QSettings, Qt
from pytestqt.qtbot import QtBot
from qt_helpers import draw_seven, ellipse
from window_helpers import CTRL, boxes, shown

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.conventions import parse_setting
from digitcanvas.model.session import ModelRunError
from digitcanvas.ui.settings import KEY_MODEL, AppSettings
from digitcanvas.ui.window.geometry import place_on_screen
from digitcanvas.ui.window.main_window import MainWindow
from lab.fuzz.hostile_models import BUILDERS
from lab.fuzz.linear_model import make_linear_model

# --- start-up, model, title ---------------------------------------------------------------


def test_opens_with_the_bundled_model(window: MainWindow) -> None:
    assert window.state.models.classifier is not None
    assert window.status.model_label.text() == "Model: DigitCanvas CNN 0.1.0 (bundled)"
    assert window.windowTitle() == "DigitCanvas — DigitCanvas CNN 0.1.0"  # no "+seed…" build suffix
    assert "+seed" in window.status.model_label.toolTip()  # the full version is one hover away
    assert not window.windowIcon().isNull()
    assert window.state.prediction is None


def test_a_bad_model_on_the_command_line_says_so_centred_and_uses_the_bundled_one(
    qtbot: QtBot, settings: QSettings, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    win = MainWindow(settings=settings, model_path=bad)
    assert not boxes(win)  # nothing pops up before the window is there
    shown(qtbot, win, (700, 500), active=False)
    qtbot.waitUntil(lambda: bool(boxes(win)), timeout=2000)
    (box,) = boxes(win)
    assert "bad.onnx" in box.text() and "Using DigitCanvas CNN 0.1.0 (bundled) instead." in box.text()
    assert win.state.models.classifier is not None and "bundled" in win.status.model_label.text()
    qtbot.waitUntil(lambda: box.geometry().center() != QPoint(0, 0), timeout=2000)
    centre, window_centre = box.frameGeometry().center(), win.frameGeometry().center()
    assert abs(centre.x() - window_centre.x()) < 40 and abs(centre.y() - window_centre.y()) < 80
    box.close()


@pytest.mark.parametrize("name", ["an initializer of 17 dims of 2^62", "a fixed batch of 10^12"])
def test_a_load_time_bomb_on_the_command_line_is_refused_in_a_box(
    qtbot: QtBot, settings: QSettings, tmp_path: Path, name: str
) -> None:
    """Issue #27: these ended start-up in a traceback before any window showed."""
    bomb = BUILDERS[name](tmp_path / "bomb.onnx")
    win = MainWindow(settings=settings, model_path=bomb)
    shown(qtbot, win, (700, 500), active=False)
    qtbot.waitUntil(lambda: bool(boxes(win)), timeout=2000)
    (box,) = boxes(win)
    assert "bomb.onnx" in box.text() and "at most" in box.text() and "Using DigitCanvas CNN" in box.text()
    assert win.state.models.classifier is not None and "bundled" in win.status.model_label.text()
    box.close()


def test_loading_a_model_in_each_layout(window: MainWindow, tmp_path: Path) -> None:
    draw_seven(window.canvas)
    assert not window.ui_actions.use_bundled.isEnabled()  # already in use
    for layout in ("NHWC", "flat"):
        path = make_linear_model(tmp_path / f"{layout}.onnx", layout=layout)
        assert window.model_control.load(path)
        assert window.state.models.classifier is not None and window.state.models.classifier.path == path
        assert path.name in window.status.model_label.text()
        assert window.state.prediction is not None  # the drawing was re-classified with the new model
    assert window.ui_actions.use_bundled.isEnabled()


@pytest.mark.parametrize("kind", ["garbage", "two inputs", "fails at run", "missing"])
def test_bad_model_shows_error_and_keeps_the_old_one(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, kind: str
) -> None:
    paths = {
        "garbage": tmp_path / "garbage.onnx",
        "two inputs": make_two_input_model(tmp_path / "two.onnx"),
        "fails at run": make_failing_model(tmp_path / "fail.onnx"),
        "missing": tmp_path / "missing.onnx",
    }
    paths["garbage"].write_bytes(b"\x08\x07 definitely not protobuf")
    old = window.state.models.classifier
    draw_seven(window.canvas)
    assert not window.model_control.load(paths[kind])
    assert window.state.models.classifier is old
    assert window.last_error is not None and str(paths[kind]) in window.last_error
    (box,) = boxes(window)
    assert f"Still using {window.state.models.title()}." in box.text()  # named as in the title bar
    assert "+seed" not in box.text()
    box.close()
    qtbot.keyClick(window, Qt.Key.Key_Return)  # the app keeps working
    assert window.state.prediction is not None and window.state.prediction.digit == 7


def test_remembers_model_pen_width_and_place(qtbot: QtBot, settings: QSettings, linear_model: Path) -> None:
    first = shown(qtbot, MainWindow(settings=settings), (700, 500))
    assert first.model_control.load(linear_model)
    for box in boxes(first):  # random weights: no input convention fits, which a box says
        box.close()
    first.controls.pen_box.setValue(31)
    qtbot.keyClick(first, Qt.Key.Key_Q, CTRL)  # Ctrl+Q: quit
    assert not first.isVisible()
    second = MainWindow(settings=settings)
    qtbot.addWidget(second)
    place_on_screen(second, second.settings.geometry)
    assert second.state.models.classifier is not None and second.state.models.classifier.path == linear_model.resolve()
    assert second.controls.pen_box.value() == 31 and second.canvas.pen_width() == 31
    assert (second.width(), second.height()) == (700, 500)


def test_a_new_window_fits_the_screen(qtbot: QtBot, settings: QSettings) -> None:
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    place_on_screen(win, win.settings.geometry)
    available = win.screen().availableGeometry()
    assert win.width() <= available.width() * 0.9 and win.height() <= available.height() * 0.9
    minimum = win.minimumSizeHint()
    assert minimum.width() <= 680 and minimum.height() <= 500  # about 640 × 480


def test_vanished_model_falls_back_to_bundled_with_a_message(qtbot: QtBot, settings: QSettings, tmp_path: Path) -> None:
    settings.setValue(KEY_MODEL, str(tmp_path / "deleted.onnx"))
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    assert "bundled" in win.status.model_label.text()
    assert "deleted.onnx" in win.status.message()
    assert settings.value(KEY_MODEL) is None


def test_model_from_command_line(qtbot: QtBot, settings: QSettings, linear_model: Path) -> None:
    win = MainWindow(settings=settings, model_path=linear_model)
    qtbot.addWidget(win)
    assert win.state.models.classifier is not None and win.state.models.classifier.path == linear_model


def test_an_input_setting_on_the_command_line_feeds_that_model_for_this_session(
    qtbot: QtBot, settings: QSettings, tmp_path: Path
) -> None:
    path = make_convention_model(tmp_path / "m.onnx", "0-255")
    drawing = Drawing.from_points([ellipse(210, 210, 75, 120)], width=640, height=400, pen_width=24)
    detected = MainWindow(settings=settings, model_path=path)
    qtbot.addWidget(detected)
    detected.state.read(drawing)
    win = MainWindow(settings=settings, model_path=path, input_scaling=parse_setting("unit"))
    qtbot.addWidget(win)
    assert win.state.models.classifier is not None and win.state.models.classifier.path == path
    assert (
        win.state.models.classifier.input_source == "chosen"
        and win.state.models.classifier.scaling == parse_setting("unit")
    )
    assert win.model_note.text().startswith("pixels 0–1 (your setting)")
    win.state.read(drawing)
    assert win.state.reading is not None and detected.state.reading is not None
    assert not np.allclose(win.state.reading.digits[0].probabilities, detected.state.reading.digits[0].probabilities)
    assert AppSettings(settings).input_setting(path) is None  # not remembered for the file
    again = MainWindow(settings=settings)  # the next session: the model, as detection says
    qtbot.addWidget(again)
    assert again.state.models.classifier is not None and again.state.models.classifier.path == path.resolve()
    assert again.state.models.classifier.input_source == "detected"


def test_an_input_setting_alone_feeds_the_bundled_model_for_this_session(
    qtbot: QtBot, settings: QSettings, linear_model: Path
) -> None:
    settings.setValue(KEY_MODEL, str(linear_model))  # the model used last
    win = MainWindow(settings=settings, input_scaling=parse_setting("0-255"))
    qtbot.addWidget(win)
    assert win.state.models.bundled and win.state.models.classifier is not None
    assert (
        win.state.models.classifier.input_source == "chosen"
        and win.state.models.classifier.scaling == parse_setting("0-255")
    )
    assert win.status.model_label.text() == "Model: DigitCanvas CNN 0.1.0 (bundled)"
    assert settings.value(KEY_MODEL) == str(linear_model)  # still the one used last
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    assert again.state.models.classifier is not None and again.state.models.classifier.path == linear_model


def test_a_model_failing_at_run_time_keeps_the_app_working(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:  # what Classifier raises when onnxruntime fails
        raise ModelRunError("the model failed on this input (Non-zero status code returned while running Conv node)")

    monkeypatch.setattr(window.state.models.classifier, "predict_proba", broken)
    draw_seven(window.canvas)
    assert window.state.prediction is None
    assert "failed" in window.result_panel.caption_text() and "Conv node" in window.status.message()
    monkeypatch.undo()
    window.submit()
    assert window.state.prediction is not None and window.state.prediction.digit == 7
