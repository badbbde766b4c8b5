"""The main window end to end, offscreen, through real key presses and mouse events."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from onnx_models import make_failing_model, make_two_input_model
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from qt_helpers import draw_dot, draw_one, draw_seven, draw_stroke, draw_ten, draw_zero, ellipse, line

from digitcanvas.cli import main as cli_main
from digitcanvas.drawing import Drawing, load_drawing, save_drawing
from digitcanvas.inference import ModelRunError
from digitcanvas.ui.settings import KEY_COLLECTION, KEY_MODEL
from digitcanvas.ui.window import MainWindow
from lab.linear_model import make_linear_model

CTRL = Qt.KeyboardModifier.ControlModifier
WAIT_MS = 20_000  # generous: the collection is read on a worker thread


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    store.setValue(KEY_COLLECTION, str(tmp_path / "collection"))
    return store


def _shown(qtbot: QtBot, win: MainWindow, size: tuple[int, int] = (1000, 620), *, active: bool = True) -> MainWindow:
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    if active:
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=2000)  # shortcuts reach the active window only
    return win


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings) -> MainWindow:
    return _shown(qtbot, MainWindow(settings=settings))


def boxes(win: MainWindow) -> list[QMessageBox]:
    return [b for b in win.findChildren(QMessageBox) if b.isVisible()]


def kept_labels(win: MainWindow) -> list[int]:
    return sorted(load_drawing(p).label for p in win.collection_dir.glob("*.json"))  # type: ignore[misc]


# --- start-up, model, title ---------------------------------------------------------------


def test_opens_with_the_bundled_model(window: MainWindow) -> None:
    assert window.classifier is not None
    assert window.status.model_label.text() == "Model: DigitCanvas CNN 0.1.0 (bundled)"
    assert window.windowTitle() == "DigitCanvas — DigitCanvas CNN 0.1.0"  # no "+seed…" build suffix
    assert "+seed" in window.status.model_label.toolTip()  # the full version is one hover away
    assert not window.windowIcon().isNull()
    assert window.prediction is None


def test_a_bad_model_on_the_command_line_says_so_centred_and_uses_the_bundled_one(
    qtbot: QtBot, settings: QSettings, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    win = MainWindow(settings=settings, model_path=bad)
    assert not boxes(win)  # nothing pops up before the window is there
    _shown(qtbot, win, (700, 500), active=False)
    qtbot.waitUntil(lambda: bool(boxes(win)), timeout=2000)
    (box,) = boxes(win)
    assert "bad.onnx" in box.text() and "Using DigitCanvas CNN 0.1.0 (bundled) instead." in box.text()
    assert win.classifier is not None and "bundled" in win.status.model_label.text()
    qtbot.waitUntil(lambda: box.geometry().center() != QPoint(0, 0), timeout=2000)
    centre, window_centre = box.frameGeometry().center(), win.frameGeometry().center()
    assert abs(centre.x() - window_centre.x()) < 40 and abs(centre.y() - window_centre.y()) < 80
    box.close()


def test_loading_a_model_in_each_layout(window: MainWindow, tmp_path: Path) -> None:
    draw_seven(window.canvas)
    assert not window.ui_actions.use_bundled.isEnabled()  # already in use
    for layout in ("NHWC", "flat"):
        path = make_linear_model(tmp_path / f"{layout}.onnx", layout=layout)
        assert window.load_model(path)
        assert window.classifier is not None and window.classifier.path == path
        assert path.name in window.status.model_label.text()
        assert window.prediction is not None  # the drawing was re-classified with the new model
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
    old = window.classifier
    draw_seven(window.canvas)
    assert not window.load_model(paths[kind])
    assert window.classifier is old
    assert window.last_error is not None and str(paths[kind]) in window.last_error
    (box,) = boxes(window)
    assert "Still using" in box.text()
    box.close()
    qtbot.keyClick(window, Qt.Key.Key_Return)  # the app keeps working
    assert window.prediction is not None and window.prediction.digit == 7


def test_remembers_model_pen_width_and_place(qtbot: QtBot, settings: QSettings, linear_model: Path) -> None:
    first = _shown(qtbot, MainWindow(settings=settings), (700, 500))
    assert first.load_model(linear_model)
    for box in boxes(first):  # random weights: no input convention fits, which a box says
        box.close()
    first.controls.pen_box.setValue(31)
    qtbot.keyClick(first, Qt.Key.Key_Q, CTRL)  # Ctrl+Q: quit
    assert not first.isVisible()
    second = MainWindow(settings=settings)
    qtbot.addWidget(second)
    second.place_on_screen()
    assert second.classifier is not None and second.classifier.path == linear_model.resolve()
    assert second.controls.pen_box.value() == 31 and second.canvas.pen_width() == 31
    assert (second.width(), second.height()) == (700, 500)


def test_a_new_window_fits_the_screen(qtbot: QtBot, settings: QSettings) -> None:
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.place_on_screen()
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
    assert win.classifier is not None and win.classifier.path == linear_model


def test_a_model_failing_at_run_time_keeps_the_app_working(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:  # what Classifier raises when onnxruntime fails
        raise ModelRunError("the model failed on this input (Non-zero status code returned while running Conv node)")

    monkeypatch.setattr(window.classifier, "predict_proba", broken)
    draw_seven(window.canvas)
    assert window.prediction is None
    assert "failed" in window.result_panel.caption_text() and "Conv node" in window.status.message()
    monkeypatch.undo()
    window.submit()
    assert window.prediction is not None and window.prediction.digit == 7


# --- drawing and reading ------------------------------------------------------------------


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
    assert window.result_panel.caption_text() == "Press Enter to read the drawing."
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert window.prediction is not None
    probs = window.result_panel.bars.probabilities()
    assert probs is not None and int(np.argmax(probs)) == digit
    assert window.result_panel.bars.sure_digit() == digit
    assert window.result_panel.big_text() == str(digit)
    assert window.result_panel.preview.has_image()
    assert "%" in window.result_panel.caption_text()


def test_live_mode_classifies_while_drawing(window: MainWindow, qtbot: QtBot) -> None:
    window.controls.live_box.setChecked(True)
    draw_stroke(window.canvas, line((215, 80), (205, 340)), release=False)
    qtbot.waitUntil(lambda: window.prediction is not None, timeout=2000)
    assert window.canvas.stroke_count() == 0  # the stroke is still in progress


def test_with_live_off_a_changed_drawing_looks_stale_until_enter(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)  # Live off
    assert not window.controls.live_box.isChecked() and not window.ui_actions.live.isChecked()
    draw_one(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    panel = window.result_panel
    assert not panel.is_stale() and not panel.bars.is_stale()
    draw_stroke(window.canvas, line((150, 80), (260, 80)))  # now it may be a 7
    assert panel.is_stale() and panel.bars.is_stale() and panel.preview.is_stale()
    assert panel.digit_label.property("stale") is True
    assert "press Enter" in panel.caption_text()
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert not panel.is_stale() and not panel.bars.is_stale() and panel.digit_label.property("stale") is False


def test_resizing_keeps_the_drawing(window: MainWindow, qtbot: QtBot) -> None:
    draw_seven(window.canvas)
    before = window.canvas.drawing()
    assert window.prediction is not None
    image_before = window.prediction.image.copy()
    for size in ((640, 480), (1400, 700), (900, 560)):
        window.resize(*size)
        qtbot.wait(10)
        assert window.canvas.drawing() == before
    window.submit()
    assert window.prediction is not None
    np.testing.assert_array_equal(window.prediction.image, image_before)


def test_survives_thousands_of_repaints(window: MainWindow, qtbot: QtBot) -> None:
    """PySide6 6.12.0 under Python < 3.12 drops a reference to None on each void call,
    so a long session ends in 'Fatal Python error: none_dealloc'. Guard the pin."""
    import gc
    import sys

    draw_seven(window.canvas)
    gc.collect()  # objects of earlier tests freed mid-loop would drop references to None too
    gc.disable()
    try:
        before = sys.getrefcount(None)
        for _ in range(300):
            window.submit()
            window.repaint()
    finally:
        gc.enable()
    if sys.version_info < (3, 12):
        assert sys.getrefcount(None) >= before - 100
    assert window.prediction is not None


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


# --- undo, clear, what is enabled ---------------------------------------------------------


def test_undo_removes_strokes_and_brings_a_cleared_drawing_back(window: MainWindow, qtbot: QtBot) -> None:
    draw_zero(window.canvas)
    draw_one(window.canvas)
    assert window.ui_actions.undo.text() == "&Undo Stroke"
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert window.canvas.stroke_count() == 1
    assert window.prediction is not None and window.prediction.digit == 0  # live re-classification after undo
    zero = window.canvas.drawing()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.canvas.is_empty() and window.prediction is None
    assert window.ui_actions.undo.text() == "&Undo Clear"
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # Clear undone
    assert window.canvas.drawing() == zero
    assert window.prediction is not None and window.prediction.digit == 0
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert window.canvas.is_empty()
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # and the ring's stroke
    assert window.canvas.is_empty() and not window.ui_actions.undo.isEnabled()


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
    qtbot.mouseClick(window.controls.undo_button, Qt.MouseButton.LeftButton)
    assert window.canvas.stroke_count() == 1


def test_actions_that_cannot_act_are_disabled(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    a = window.ui_actions
    idle = (a.submit, a.save_drawing, a.export_png, a.export_input, a.clear, a.undo, *a.corrections)
    assert not any(action.isEnabled() for action in idle)
    assert not window.controls.submit_button.isEnabled() and not window.controls.clear_button.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL)  # no dialog opens for an empty canvas
    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.keyClick(window, Qt.Key.Key_5)
    assert window.prediction is None and not boxes(window) and not window.collection_dir.exists()
    assert not a.previous_digit.isEnabled() and not a.next_digit.isEnabled()
    draw_one(window.canvas)
    assert all(action.isEnabled() for action in idle)
    draw_stroke(window.canvas, ellipse(330, 205, 60, 95))  # a 0 beside the 1: a number
    assert a.previous_digit.isEnabled() and a.next_digit.isEnabled()


def test_pen_width_from_the_keyboard_and_the_wheel(window: MainWindow, qtbot: QtBot) -> None:
    box = window.controls.pen_box
    start = box.value()
    qtbot.keyClick(window, Qt.Key.Key_BracketRight)
    assert box.value() == start + 2 and window.canvas.pen_width() == start + 2
    qtbot.keyClick(window, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(window, Qt.Key.Key_BracketLeft)
    assert box.value() == start - 2
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(box.rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(box.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(box, wheel)
    assert box.value() == start - 1


def test_pen_width_box_leaves_digit_keys_to_corrections(window: MainWindow, qtbot: QtBot) -> None:
    draw_one(window.canvas)
    before = window.controls.pen_box.value()
    arrow_up = QPoint(window.controls.pen_box.width() - 5, 4)
    qtbot.mouseClick(window.controls.pen_box, Qt.MouseButton.LeftButton, pos=arrow_up)
    assert window.controls.pen_box.value() == before + 1
    assert not window.controls.pen_box.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert window.controls.pen_box.value() == before + 1
    assert kept_labels(window) == [1]


# --- numbers and doubt --------------------------------------------------------------------


def test_writing_a_number_shows_each_digit_and_lets_you_pick_one(window: MainWindow, qtbot: QtBot) -> None:
    draw_ten(window.canvas)
    panel = window.result_panel
    assert window.reading is not None and window.reading.text == "10"
    assert panel.big_text() == "10"
    outlines = window.canvas.outlines()
    assert len(outlines) == 2 and outlines[0][0] < outlines[1][0]
    assert panel.preview.image_count() == 2
    first = panel.selected_index()
    assert first is not None and panel.bars_heading.text() == f"CONFIDENCE · DIGIT {first + 1} OF 2"
    other = 1 - first
    qtbot.mouseClick(panel.preview, Qt.MouseButton.LeftButton, pos=panel.preview.tile_rect(other).center())
    assert panel.selected_index() == other and window.prediction is window.reading.digits[other]
    np.testing.assert_array_equal(panel.bars.probabilities(), window.reading.digits[other].probabilities)
    assert panel.bars.sure_digit() == window.reading.digits[other].digit
    assert f"Digit {other + 1}:" in panel.caption_text()
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert panel.selected_index() == 0
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert panel.selected_index() == 1
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # back to one digit: no outlines, as before
    assert window.reading.text == "1" and window.canvas.outlines() == []


def test_a_scribble_is_not_announced_as_a_digit(window: MainWindow) -> None:
    rng = np.random.default_rng(5)
    points = [
        (320 + 90 * np.sin(a * 7.3) + rng.normal(0, 3), 200 + 90 * np.cos(a * 5.1)) for a in np.linspace(0, 3, 120)
    ]
    draw_stroke(window.canvas, points)
    panel = window.result_panel
    assert panel.big_text() == "?"
    assert panel.caption_text().startswith("Not sure")
    assert panel.bars.probabilities() is not None and panel.bars.sure_digit() is None  # nothing looks sure


def test_a_dot_looks_like_nothing_was_read(window: MainWindow) -> None:
    draw_dot(window.canvas)
    panel = window.result_panel
    assert panel.big_text() == "?" and "too small" in panel.caption_text()
    assert panel.bars.probabilities() is None  # no bar at 99.8 %
    assert panel.preview.tile_count() == 1 and not panel.preview.has_image()  # no full-height slash


# --- the collection -----------------------------------------------------------------------


def test_a_digit_key_keeps_the_drawing_and_another_relabels_it(window: MainWindow, qtbot: QtBot) -> None:
    assert "No drawings yet" in window.collection_panel.summary_text()
    draw_seven(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_8)
    assert kept_labels(window) == [8]
    (file,) = window.collection_dir.glob("*.json")
    assert load_drawing(file) == window.canvas.drawing().with_label(8)
    assert window.status.message() == "Thanks — kept as an 8 in your collection (the model read a 7)."
    assert window.collection_panel.summary_text() == "1 drawing · this model gets 0.0% · misses 8 (1 of 1)"
    qtbot.keyClick(window, Qt.Key.Key_8)
    assert kept_labels(window) == [8] and window.status.message() == "Already kept as an 8."
    qtbot.keyClick(window, Qt.Key.Key_7)  # one drawing, one entry: relabelled
    assert kept_labels(window) == [7] and window.status.message() == "Now kept as a 7 (was an 8)."
    assert window.collection_panel.summary_text() == "1 drawing · this model gets 100.0%"
    assert window.ui_actions.undo.text() == "&Undo Relabel as a 7"
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert kept_labels(window) == [8] and window.status.message() == "Kept as an 8 again."
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # the keep itself
    assert kept_labels(window) == [] and "No drawings yet" in window.collection_panel.summary_text()
    assert not window.canvas.is_empty()  # Undo took back the keep, not the drawing


def test_the_summary_counts_misses_in_words(window: MainWindow, qtbot: QtBot) -> None:
    for draw in (draw_seven, draw_one):
        draw(window.canvas)
        qtbot.keyClick(window, Qt.Key.Key_8)
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.collection_panel.summary_text() == "2 drawings · this model gets 0.0% · misses 8 (2 of 2)"


def test_correcting_by_clicking_a_bar(window: MainWindow, qtbot: QtBot) -> None:
    draw_zero(window.canvas)
    row = window.result_panel.bars.row_rect(0)
    qtbot.mouseClick(window.result_panel.bars, Qt.MouseButton.LeftButton, pos=row.center().toPoint())
    assert kept_labels(window) == [0]
    assert window.status.message() == "Kept as a 0 in your collection."
    assert "100.0%" in window.collection_panel.summary_text()


def test_clicking_a_bar_without_a_drawing_keeps_nothing(window: MainWindow, qtbot: QtBot) -> None:
    bars = window.result_panel.bars
    assert not bars.is_clickable() and bars.cursor().shape() == Qt.CursorShape.ArrowCursor
    qtbot.mouseClick(bars, Qt.MouseButton.LeftButton, pos=QPoint(40, 10))
    assert not window.collection_dir.exists() or not list(window.collection_dir.iterdir())


def test_correction_labels_what_is_on_the_canvas_with_live_off(window: MainWindow, qtbot: QtBot) -> None:
    window.controls.live_box.setChecked(False)
    draw_one(window.canvas)
    window.submit()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    draw_seven(window.canvas)  # drawn but not submitted
    qtbot.keyClick(window, Qt.Key.Key_7)
    (file,) = window.collection_dir.glob("*.json")
    assert load_drawing(file) == window.canvas.drawing().with_label(7)


def test_collection_grows_across_sessions(qtbot: QtBot, settings: QSettings) -> None:
    for draw, digit in ((draw_one, 1), (draw_seven, 7)):
        win = MainWindow(settings=settings)
        qtbot.addWidget(win)
        draw(win.canvas)
        assert win.correct(digit)
        win.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: not again.collection.busy, timeout=WAIT_MS)  # read in the background
    assert again.collection_panel.summary_text().startswith("2 drawings")


def test_the_panel_shows_where_the_collection_is(window: MainWindow) -> None:
    assert window.collection_panel.folder_text() == f"Kept in {window.collection_dir}"
    assert window.collection_panel.folder_label.isVisible()


def test_open_folder_without_a_file_manager_says_where_it_is(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []

    def no_file_manager(url: QUrl) -> bool:
        opened.append(url)
        return False

    monkeypatch.setattr(QDesktopServices, "openUrl", no_file_manager)
    qtbot.mouseClick(window.collection_panel.open_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(window.collection_dir))]
    (box,) = boxes(window)
    assert str(window.collection_dir) in box.text() and "no file manager" in box.text()
    assert QGuiApplication.clipboard().text() == str(window.collection_dir)
    box.close()


# --- files --------------------------------------------------------------------------------


def test_save_and_open_drawing_round_trip(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    draw_seven(window.canvas)
    draw_stroke(window.canvas, line((180, 210), (260, 210)))
    original = window.canvas.drawing()
    path = tmp_path / "seven.json"
    assert window.files.save_drawing(path)
    assert load_drawing(path) == original
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    draw_one(window.canvas)
    one = window.canvas.drawing()
    assert window.files.open_drawing(path)
    assert window.canvas.drawing() == original
    assert window.prediction is not None and window.prediction.digit == 7
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # opening is undone like any change
    assert window.canvas.drawing() == one


def test_opening_a_drawing_with_another_pen_shows_that_pen(window: MainWindow, tmp_path: Path) -> None:
    drawing = Drawing.from_points([[(100, 100), (300, 300)]], width=640, height=400, pen_width=30)
    save_drawing(drawing, tmp_path / "wide.json")
    assert window.files.open_drawing(tmp_path / "wide.json")
    assert window.controls.pen_box.value() == 30 and window.canvas.pen_width() == 30


def test_open_broken_drawing_keeps_the_canvas(window: MainWindow, tmp_path: Path) -> None:
    draw_one(window.canvas)
    before = window.canvas.drawing()
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "digitcanvas-drawing", "version": 1, "canvas": {}}')
    assert not window.files.open_drawing(broken)
    assert window.last_error is not None
    assert "broken.json" in window.last_error and "canvas" in window.last_error
    assert window.canvas.drawing() == before


def _predict(path: Path) -> tuple[str, str]:
    """``digitcanvas predict FILE``: the digit and the verdict it prints."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli_main(["predict", "--json", str(path)]) == 0
    import json

    result = json.loads(out.getvalue())
    return str(result["digit"]), "sure" if result["sure"] else "not sure"


@pytest.mark.parametrize("draw", [draw_one, draw_zero, draw_seven])
def test_predict_reads_an_exported_drawing_as_the_app_read_it(window: MainWindow, tmp_path: Path, draw) -> None:
    draw(window.canvas)
    assert window.prediction is not None and window.prediction.sure
    path = tmp_path / "drawing.png"
    assert window.files.export_drawing_png(path)
    image = QImage(str(path))
    assert (image.width(), image.height()) == window.canvas.document_size  # the drawing, not a widget grab
    assert image.isGrayscale() and image.pixelColor(0, 0).value() == 0  # black paper to its corners
    assert _predict(path) == (str(window.prediction.digit), "sure")


def test_export_the_network_input(window: MainWindow, tmp_path: Path) -> None:
    draw_zero(window.canvas)
    assert window.files.export_input_png(tmp_path / "input.png")
    input_png = QImage(str(tmp_path / "input.png"))
    assert (input_png.width(), input_png.height()) == (28, 28)
    assert input_png.pixelColor(QPoint(14, 5)).value() > 100  # the top of the ring (rows 4-24 at centre 14) is ink
    assert input_png.pixelColor(QPoint(0, 0)).value() == 0


def test_dropping_files_opens_them(window: MainWindow, linear_model: Path, tmp_path: Path) -> None:
    def drop(path: Path) -> None:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(
            QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
        )
        window.dropEvent(event)

    drop(linear_model)
    assert window.classifier is not None and window.classifier.path == linear_model
    draw_seven(window.canvas)
    save_drawing(window.canvas.drawing(), tmp_path / "seven.json")
    window.clear()
    drop(tmp_path / "seven.json")
    assert window.canvas.stroke_count() == 1


# --- help, about, theme, status, quitting -------------------------------------------------


def test_f1_lists_every_shortcut_and_gesture(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    (box,) = boxes(window)
    text = box.text()
    expected_items = ("Enter", "Ctrl+Z", "Ctrl+Q", "Ctrl+L", "[", "]", "Left", "F1", "0 … 9")
    gestures = ("Click a bar", "Mouse wheel on Pen", "Drag and drop")
    for expected in (*expected_items, *gestures):
        assert expected in text, expected
    box.close()


def test_about_names_the_model_versions_and_licences(window: MainWindow, qtbot: QtBot) -> None:
    window.ui_actions.about.trigger()
    (box,) = boxes(window)
    for expected in ("DigitCanvas 0.1", "DigitCanvas CNN", "bundled", "MIT", "LGPL-3.0", "ONNX Runtime", "Qt"):
        assert expected in box.text(), expected
    box.close()


def test_follows_the_system_palette(window: MainWindow, qtbot: QtBot) -> None:
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from digitcanvas.ui import theme

    original = QApplication.palette()
    dark = QPalette(original)
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#eeeeee"))
    try:
        QApplication.setPalette(dark)
        qtbot.waitUntil(lambda: theme.colours() is theme.DARK, timeout=2000)
        assert theme.DARK.window in window.styleSheet()
        corner = window.canvas.grab().toImage().pixelColor(0, 0)
        assert corner.name() == theme.DARK.window  # no band of another grey around the paper
    finally:
        QApplication.setPalette(original)
    qtbot.waitUntil(lambda: theme.colours() is theme.LIGHT, timeout=2000)
    assert theme.LIGHT.window in window.styleSheet()


def test_long_status_messages_end_in_an_ellipsis(window: MainWindow) -> None:
    message = "A very long message " * 30
    window.status.show(message)
    assert window.status.message() == message
    assert window.status.shown().endswith("…") and len(window.status.shown()) < len(message)


# --- the keyboard alone -------------------------------------------------------------------


def test_file_commands_from_the_keyboard(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, linear_model: Path
) -> None:
    from digitcanvas.ui import dialogs

    answers: dict[str, str] = {}
    monkeypatch.setattr(dialogs, "ask_save_path", lambda parent, settings, title, name, filter: answers[title])
    monkeypatch.setattr(dialogs, "ask_open_path", lambda parent, settings, title, filter: answers[title])
    answers.update(
        {
            "Save Drawing": str(tmp_path / "seven"),  # ".json" is added
            "Export Drawing": str(tmp_path / "seven"),  # ".png" is added
            "Export Network Input": str(tmp_path / "seven-28.png"),
            "Open Drawing": str(tmp_path / "seven.json"),
            "Open Model": str(linear_model),
        }
    )
    draw_seven(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_E, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_E, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert {p.name for p in tmp_path.iterdir()} >= {"seven.json", "seven.png", "seven-28.png"}
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_O, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.canvas.stroke_count() == 1
    qtbot.keyClick(window, Qt.Key.Key_O, CTRL)
    assert window.classifier is not None and window.classifier.path == linear_model


def test_menus_open_from_the_keyboard(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QApplication, QMenu

    from digitcanvas.ui import dialogs

    monkeypatch.setattr(dialogs, "ask_folder", lambda parent, title, folder: str(tmp_path / "elsewhere"))

    def open_menu(key: Qt.Key) -> QMenu:
        qtbot.keyClick(window, key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=2000)
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        return menu

    qtbot.keyClick(open_menu(Qt.Key.Key_H), Qt.Key.Key_A)  # Help ▸ About
    qtbot.waitUntil(lambda: bool(boxes(window)), timeout=2000)
    (box,) = boxes(window)
    assert box.windowTitle() == "About DigitCanvas"
    box.close()
    qtbot.keyClick(open_menu(Qt.Key.Key_E), Qt.Key.Key_F)  # Edit ▸ Choose Collection Folder…
    assert window.collection_dir == tmp_path / "elsewhere"
    assert "elsewhere" in window.collection_panel.folder_text()
