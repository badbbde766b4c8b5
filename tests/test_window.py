from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx_models import make_failing_model, make_linear_model, make_two_input_model
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from qt_helpers import draw_one, draw_seven, draw_stroke, draw_zero, line

from digitcanvas.drawing import load_drawing
from digitcanvas.inference import ModelRunError
from digitcanvas.ui.settings import KEY_MODEL
from digitcanvas.ui.window import MainWindow


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings) -> MainWindow:
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.resize(900, 560)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    return win


def test_opens_with_the_bundled_model(window: MainWindow) -> None:
    assert window.classifier is not None
    assert "bundled" in window.model_label.text()
    assert "DigitCanvas CNN" in window.windowTitle()
    assert window.prediction is None


def test_mouse_drawing_records_vector_strokes(window: MainWindow) -> None:
    draw_stroke(window.canvas, line((100, 100), (300, 300), n=10))
    draw_stroke(window.canvas, line((300, 100), (100, 300), n=10))
    drawing = window.canvas.drawing()
    assert len(drawing.strokes) == 2
    assert (drawing.width, drawing.height) == window.canvas.document_size
    np.testing.assert_allclose(drawing.strokes[0][0], [100, 100], atol=1.5)
    np.testing.assert_allclose(drawing.strokes[0][-1], [300, 300], atol=1.5)


@pytest.mark.parametrize(("draw", "digit"), [(draw_one, 1), (draw_zero, 0), (draw_seven, 7)])
def test_submitting_a_drawn_digit_shows_the_right_top_bar(window: MainWindow, qtbot: QtBot, draw, digit: int) -> None:
    window.controls.live_box.setChecked(False)
    draw(window.canvas)
    assert window.prediction is None  # not live: nothing until submitted
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert window.prediction is not None
    probs = window.result_panel.bars.probabilities()
    assert probs is not None and int(np.argmax(probs)) == digit
    assert window.result_panel.big_text() == str(digit)
    assert window.result_panel.preview.has_image()
    assert "%" in window.result_panel.caption_text()


def test_live_mode_classifies_while_drawing(window: MainWindow, qtbot: QtBot) -> None:
    window.controls.live_box.setChecked(True)
    draw_stroke(window.canvas, line((215, 80), (205, 340)), release=False)
    qtbot.waitUntil(lambda: window.prediction is not None, timeout=2000)
    assert window.canvas.stroke_count() == 0  # the stroke is still in progress


def test_clear_and_undo_with_keys(window: MainWindow, qtbot: QtBot) -> None:
    draw_zero(window.canvas)
    draw_one(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.stroke_count() == 1
    assert window.prediction is not None and window.prediction.digit == 0  # live re-classification after undo
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.canvas.is_empty()
    assert window.prediction is None and window.result_panel.bars.probabilities() is None
    draw_one(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert window.canvas.is_empty()


def test_buttons_work(window: MainWindow, qtbot: QtBot) -> None:
    window.controls.live_box.setChecked(False)
    draw_seven(window.canvas)
    qtbot.mouseClick(window.controls.submit_button, Qt.MouseButton.LeftButton)
    assert window.prediction is not None
    qtbot.mouseClick(window.controls.undo_button, Qt.MouseButton.LeftButton)
    assert window.canvas.is_empty()
    draw_seven(window.canvas)
    qtbot.mouseClick(window.controls.clear_button, Qt.MouseButton.LeftButton)
    assert window.canvas.is_empty()


def test_empty_submit_shows_a_hint_not_a_prediction(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert window.prediction is None
    assert window.result_panel.bars.probabilities() is None
    assert "Draw a digit first" in window.result_panel.caption_text()
    assert window.last_error is None


def test_resizing_keeps_the_drawing(window: MainWindow, qtbot: QtBot) -> None:
    draw_seven(window.canvas)
    before = window.canvas.drawing()
    assert window.prediction is not None
    image_before = window.prediction.image.copy()
    for size in ((500, 400), (1400, 700), (900, 560)):
        window.resize(*size)
        qtbot.wait(10)
        assert window.canvas.drawing() == before
    window.submit()
    assert window.prediction is not None
    np.testing.assert_array_equal(window.prediction.image, image_before)


def test_loading_a_model_in_each_layout(window: MainWindow, tmp_path: Path) -> None:
    draw_seven(window.canvas)
    for layout in ("NHWC", "flat"):
        path = make_linear_model(tmp_path / f"{layout}.onnx", layout=layout)
        assert window.load_model(path)
        assert window.classifier is not None and window.classifier.path == path
        assert path.name in window.model_label.text()
        assert window.prediction is not None  # the drawing was re-classified with the new model


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
    old = window.classifier
    draw_seven(window.canvas)
    assert not window.load_model(paths[kind])
    assert window.classifier is old
    assert window.last_error is not None and str(paths[kind]) in window.last_error
    box = window.findChild(QMessageBox)
    assert box is not None and box.isVisible() and "Still using" in box.text()
    box.close()
    window.submit()  # the app keeps working
    assert window.prediction is not None and window.prediction.digit == 7


def test_remembers_model_and_pen_width(qtbot: QtBot, settings: QSettings, linear_model: Path) -> None:
    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    assert first.load_model(linear_model)
    first.controls.pen_box.setValue(31)
    first.close()
    second = MainWindow(settings=settings)
    qtbot.addWidget(second)
    assert second.classifier is not None and second.classifier.path == linear_model.resolve()
    assert second.controls.pen_box.value() == 31 and second.canvas.pen_width() == 31


def test_vanished_model_falls_back_to_bundled_with_a_message(qtbot: QtBot, settings: QSettings, tmp_path: Path) -> None:
    settings.setValue(KEY_MODEL, str(tmp_path / "deleted.onnx"))
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    assert "bundled" in win.model_label.text()
    assert "deleted.onnx" in win.statusBar().currentMessage()
    assert settings.value(KEY_MODEL) is None


def test_model_from_command_line(qtbot: QtBot, settings: QSettings, linear_model: Path) -> None:
    win = MainWindow(settings=settings, model_path=linear_model)
    qtbot.addWidget(win)
    assert win.classifier is not None and win.classifier.path == linear_model


def test_dropping_an_onnx_file_loads_it(window: MainWindow, linear_model: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(linear_model))])
    event = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    window.dropEvent(event)
    assert window.classifier is not None and window.classifier.path == linear_model


def test_save_and_open_drawing_round_trip(window: MainWindow, tmp_path: Path) -> None:
    draw_seven(window.canvas)
    draw_stroke(window.canvas, line((180, 210), (260, 210)))
    original = window.canvas.drawing()
    path = tmp_path / "seven.json"
    assert window.save_drawing(path)
    assert load_drawing(path) == original
    window.clear()
    assert window.open_drawing(path)
    assert window.canvas.drawing() == original
    assert window.prediction is not None and window.prediction.digit == 7


def test_open_broken_drawing_keeps_the_canvas(window: MainWindow, tmp_path: Path) -> None:
    draw_one(window.canvas)
    before = window.canvas.drawing()
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "digitcanvas-drawing", "version": 1, "canvas": {}}')
    assert not window.open_drawing(broken)
    assert window.last_error is not None
    assert "broken.json" in window.last_error and "canvas" in window.last_error
    assert window.canvas.drawing() == before


def test_export_pngs(window: MainWindow, tmp_path: Path) -> None:
    assert not window.export_input_png(tmp_path / "nothing.png")
    draw_zero(window.canvas)
    assert window.export_drawing_png(tmp_path / "drawing.png")
    assert window.export_input_png(tmp_path / "input.png")
    drawing_png = QImage(str(tmp_path / "drawing.png"))
    input_png = QImage(str(tmp_path / "input.png"))
    assert drawing_png.width() > 100
    assert (input_png.width(), input_png.height()) == (28, 28)
    assert input_png.pixelColor(QPoint(14, 5)).value() > 100  # the top of the ring (rows 4-24 at centre 14) is ink
    assert input_png.pixelColor(QPoint(0, 0)).value() == 0


def test_survives_thousands_of_repaints(window: MainWindow, qtbot: QtBot) -> None:
    """PySide6 6.12.0 under Python < 3.12 drops a reference to None on each void call,
    so a long session ends in 'Fatal Python error: none_dealloc'. Guard the pin."""
    import sys

    draw_seven(window.canvas)
    before = sys.getrefcount(None)
    for _ in range(300):
        window.submit()
        window.repaint()
    if sys.version_info < (3, 12):
        assert sys.getrefcount(None) >= before - 100
    assert window.prediction is not None


@pytest.fixture
def collection_window(qtbot: QtBot, settings: QSettings, tmp_path: Path) -> MainWindow:
    settings.setValue("collection/path", str(tmp_path / "collection"))
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.resize(1000, 600)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    return win


def test_writing_a_number_shows_it_with_outlines(window: MainWindow) -> None:
    draw_stroke(window.canvas, line((200, 110), (195, 300)))  # 1
    draw_stroke(window.canvas, [(330 + 60 * np.sin(t), 205 - 95 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 60)])
    assert window.reading is not None and window.reading.text == "10"
    assert window.result_panel.big_text() == "10"
    outlines = window.canvas.outlines()
    assert len(outlines) == 2 and outlines[0][0] < outlines[1][0]
    assert window.result_panel.preview.image_count() == 2
    window.undo()  # back to one digit: no outlines, as before
    assert window.reading.text == "1" and window.canvas.outlines() == []


def test_a_scribble_is_not_announced_as_a_digit(window: MainWindow) -> None:
    rng = np.random.default_rng(5)
    points = [
        (320 + 90 * np.sin(a * 7.3) + rng.normal(0, 3), 200 + 90 * np.cos(a * 5.1)) for a in np.linspace(0, 3, 120)
    ]
    draw_stroke(window.canvas, points)
    assert window.result_panel.big_text() == "?"
    assert window.result_panel.caption_text().startswith("Not sure")
    assert window.result_panel.bars.probabilities() is not None  # the bars still explain


def test_correcting_with_a_digit_key_keeps_a_labelled_drawing(collection_window: MainWindow, qtbot: QtBot) -> None:
    win = collection_window
    assert "No drawings yet" in win.collection_panel.summary_text()
    draw_seven(win.canvas)
    qtbot.keyClick(win, Qt.Key.Key_4)
    files = list(win.collection_dir.glob("*.json"))
    assert len(files) == 1
    assert load_drawing(files[0]) == win.canvas.drawing().with_label(4)
    assert "1 drawing" in win.collection_panel.summary_text() and "0.0%" in win.collection_panel.summary_text()
    assert "kept as a 4" in win.statusBar().currentMessage()


def test_correcting_by_clicking_a_bar(collection_window: MainWindow, qtbot: QtBot) -> None:
    win = collection_window
    draw_zero(win.canvas)
    row = win.result_panel.bars.row_rect(0)
    qtbot.mouseClick(win.result_panel.bars, Qt.MouseButton.LeftButton, pos=row.center().toPoint())
    files = list(win.collection_dir.glob("*.json"))
    assert len(files) == 1 and load_drawing(files[0]).label == 0
    assert "100.0%" in win.collection_panel.summary_text()


def test_correction_without_a_drawing_saves_nothing(collection_window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(collection_window, Qt.Key.Key_5)
    assert not collection_window.collection_dir.exists() or not list(collection_window.collection_dir.iterdir())
    assert "Draw a digit first" in collection_window.statusBar().currentMessage()


def test_collection_grows_across_sessions(qtbot: QtBot, settings: QSettings, tmp_path: Path) -> None:
    settings.setValue("collection/path", str(tmp_path / "c"))
    for _ in range(2):
        win = MainWindow(settings=settings)
        qtbot.addWidget(win)
        draw_one(win.canvas)
        assert win.correct(1)
        win.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    assert again.collection_summary().startswith("2 drawings")


def test_pen_tablet_strokes_are_recorded(window: MainWindow) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QPointingDevice, QTabletEvent
    from PySide6.QtWidgets import QApplication
    from qt_helpers import to_widget

    device = QPointingDevice.primaryPointingDevice()
    canvas = window.canvas
    kinds = [QEvent.Type.TabletPress] + [QEvent.Type.TabletMove] * 20 + [QEvent.Type.TabletRelease]
    for i, kind in enumerate(kinds):
        pos = to_widget(canvas, 320, 80 + 12 * i)
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.TabletRelease else Qt.MouseButton.LeftButton
        event = QTabletEvent(
            kind,
            device,
            pos,
            QPointF(canvas.mapToGlobal(pos.toPoint())),
            0.6,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            Qt.KeyboardModifier.NoModifier,
            Qt.MouseButton.LeftButton,
            buttons,
        )
        QApplication.sendEvent(canvas, event)
    drawing = canvas.drawing()
    assert len(drawing.strokes) == 1 and len(drawing.strokes[0]) == len(kinds)
    assert window.prediction is not None and window.prediction.digit == 1


def test_pen_width_box_leaves_digit_keys_to_corrections(collection_window: MainWindow, qtbot: QtBot) -> None:
    win = collection_window
    draw_one(win.canvas)
    before = win.controls.pen_box.value()
    arrow_up = QPoint(win.controls.pen_box.width() - 5, 4)
    qtbot.mouseClick(win.controls.pen_box, Qt.MouseButton.LeftButton, pos=arrow_up)
    assert win.controls.pen_box.value() == before + 1
    assert not win.controls.pen_box.hasFocus()
    qtbot.keyClick(win, Qt.Key.Key_1)
    assert win.controls.pen_box.value() == before + 1
    assert [load_drawing(p).label for p in win.collection_dir.glob("*.json")] == [1]


def test_correction_labels_what_is_on_the_canvas_with_live_off(collection_window: MainWindow, qtbot: QtBot) -> None:
    win = collection_window
    win.controls.live_box.setChecked(False)
    draw_one(win.canvas)
    win.submit()
    win.clear()
    draw_seven(win.canvas)  # drawn but not submitted
    qtbot.keyClick(win, Qt.Key.Key_7)
    files = list(win.collection_dir.glob("*.json"))
    assert len(files) == 1 and load_drawing(files[0]) == win.canvas.drawing().with_label(7)


def test_a_model_failing_at_run_time_keeps_the_app_working(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:  # what Classifier raises when onnxruntime fails
        raise ModelRunError("the model failed on this input (Non-zero status code returned while running Conv node)")

    monkeypatch.setattr(window.classifier, "predict_proba", broken)
    draw_seven(window.canvas)
    assert window.prediction is None
    assert "failed" in window.result_panel.caption_text() and "Conv node" in window.statusBar().currentMessage()
    monkeypatch.undo()
    window.submit()
    assert window.prediction is not None and window.prediction.digit == 7
