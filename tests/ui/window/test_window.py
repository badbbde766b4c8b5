"""The main window end to end, offscreen, through real key presses and mouse events:
drawing and reading, undo and what is enabled, numbers and doubt, help and the theme."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from pytestqt.qtbot import QtBot
from qt_helpers import draw_dot, draw_one, draw_seven, draw_stroke, draw_ten, draw_zero, ellipse, line
from window_helpers import CTRL, boxes, kept_labels, text_dialogs

from digitcanvas.ui.window.main_window import MainWindow

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
    assert window.state.prediction is None  # not live: nothing until submitted
    assert window.result_panel.caption_text() == "Press Enter to read the drawing."
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert window.state.prediction is not None
    probs = window.result_panel.bars.probabilities()
    assert probs is not None and int(np.argmax(probs)) == digit
    assert window.result_panel.bars.sure_digit() == digit
    assert window.result_panel.big_text() == str(digit)
    assert window.result_panel.preview.image_count() == 1
    assert "%" in window.result_panel.caption_text()


def test_live_mode_classifies_while_drawing(window: MainWindow, qtbot: QtBot) -> None:
    window.controls.live_box.setChecked(True)
    draw_stroke(window.canvas, line((215, 80), (205, 340)), release=False)
    qtbot.waitUntil(lambda: window.state.prediction is not None, timeout=2000)
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


def test_undoing_back_to_the_drawing_that_was_read_shows_its_reading_fresh(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)  # Live off
    draw_one(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    panel = window.result_panel
    draw_stroke(window.canvas, line((150, 80), (260, 80)))
    assert panel.is_stale()
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # the added stroke undone: the drawing read is back
    assert window.state.reading_is_current(window.canvas.drawing())
    assert not panel.is_stale() and not panel.bars.is_stale() and not panel.preview.is_stale()
    assert panel.big_text() == "1" and "press Enter" not in panel.caption_text()
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # and the 1 itself: nothing left to read
    assert window.state.prediction is None


def test_resizing_keeps_the_drawing(window: MainWindow, qtbot: QtBot) -> None:
    draw_seven(window.canvas)
    before = window.canvas.drawing()
    assert window.state.prediction is not None
    image_before = window.state.prediction.image.copy()
    for size in ((640, 480), (1400, 700), (900, 560)):
        window.resize(*size)
        qtbot.wait(10)
        assert window.canvas.drawing() == before
    window.submit()
    assert window.state.prediction is not None
    np.testing.assert_array_equal(window.state.prediction.image, image_before)


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
    assert window.state.prediction is not None


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
    assert window.state.prediction is not None and window.state.prediction.digit == 1


# --- undo, clear, what is enabled ---------------------------------------------------------


def test_undo_removes_strokes_and_brings_a_cleared_drawing_back(window: MainWindow, qtbot: QtBot) -> None:
    draw_zero(window.canvas)
    draw_one(window.canvas)
    assert window.ui_actions.undo.text() == "&Undo Stroke"
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert window.canvas.stroke_count() == 1
    assert (
        window.state.prediction is not None and window.state.prediction.digit == 0
    )  # live re-classification after undo
    zero = window.canvas.drawing()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.canvas.is_empty() and window.state.prediction is None
    assert window.ui_actions.undo.text() == "&Undo Clear"
    assert window.status.message() == "Cleared (Ctrl+Z brings the drawing back)."  # not what it said before
    draw_one(window.canvas)  # drawing anew: Ctrl+Z now takes this stroke first, so the hint goes
    assert window.status.message() == ""
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # Clear undone
    assert window.canvas.drawing() == zero
    assert window.state.prediction is not None and window.state.prediction.digit == 0
    qtbot.keyClick(window, Qt.Key.Key_Delete)
    assert window.canvas.is_empty()
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # and the ring's stroke
    assert window.canvas.is_empty() and not window.ui_actions.undo.isEnabled()


def test_buttons_work(window: MainWindow, qtbot: QtBot) -> None:
    window.controls.live_box.setChecked(False)
    draw_seven(window.canvas)
    qtbot.mouseClick(window.controls.submit_button, Qt.MouseButton.LeftButton)
    assert window.state.prediction is not None
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
    assert window.state.prediction is None and not boxes(window) and not window.collection.folder.exists()
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
    assert box.value() == start  # the wheel steps as [ and ] do (issue #26)


def test_pen_width_box_leaves_digit_keys_to_corrections(window: MainWindow, qtbot: QtBot) -> None:
    draw_one(window.canvas)
    before = window.controls.pen_box.value()
    arrow_up = QPoint(window.controls.pen_box.width() - 5, 4)
    qtbot.mouseClick(window.controls.pen_box, Qt.MouseButton.LeftButton, pos=arrow_up)
    assert window.controls.pen_box.value() == before + 2
    assert not window.controls.pen_box.hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert window.controls.pen_box.value() == before + 2
    assert kept_labels(window) == [1]


# --- numbers and doubt --------------------------------------------------------------------


def test_writing_a_number_shows_each_digit_and_lets_you_pick_one(window: MainWindow, qtbot: QtBot) -> None:
    draw_ten(window.canvas)
    panel = window.result_panel
    assert window.state.reading is not None and window.state.reading.text == "10"
    assert panel.big_text() == "10"
    outlines = window.canvas.outlines()
    assert len(outlines) == 2 and outlines[0][0] < outlines[1][0]
    assert panel.preview.image_count() == 2
    first = panel.selected_index()
    assert first is not None and panel.bars_heading.text() == f"CONFIDENCE · DIGIT {first + 1} OF 2"
    other = 1 - first
    qtbot.mouseClick(panel.preview, Qt.MouseButton.LeftButton, pos=panel.preview.tile_rect(other).center())
    assert panel.selected_index() == other and window.state.prediction is window.state.reading.digits[other]
    np.testing.assert_array_equal(panel.bars.probabilities(), window.state.reading.digits[other].probabilities)
    assert panel.bars.sure_digit() == window.state.reading.digits[other].digit
    assert f"Digit {other + 1}:" in panel.caption_text()
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert panel.selected_index() == 0
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert panel.selected_index() == 1
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)  # back to one digit: no outlines, as before
    assert window.state.reading.text == "1" and window.canvas.outlines() == []


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
    assert panel.preview.tile_count() == 1 and panel.preview.image_count() == 0  # no full-height slash


def test_a_mark_too_small_is_not_kept(window: MainWindow, qtbot: QtBot) -> None:
    draw_dot(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_5)
    assert kept_labels(window) == []  # nothing for the adaptation to learn from a dot
    assert "too small to keep" in window.status.message()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    draw_one(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert kept_labels(window) == [1]


# --- help, about, theme, status, quitting -------------------------------------------------


def test_f1_lists_every_shortcut_and_gesture(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    (box,) = text_dialogs(window)
    text = box.text()
    expected_items = ("Enter", "Ctrl+Z", "Ctrl+Q", "Ctrl+L", "[", "]", "Left", "F1", "0 … 9")
    gestures = ("Click a bar", "Mouse wheel on Pen", "Drag and drop")
    for expected in (*expected_items, *gestures):
        assert expected in text, expected
    box.close()


def test_about_names_the_model_versions_and_licences(window: MainWindow, qtbot: QtBot) -> None:
    window.ui_actions.about.trigger()
    (box,) = text_dialogs(window)
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
        app = QApplication.instance()
        assert isinstance(app, QApplication) and theme.DARK.window in app.styleSheet()  # every window's, the tools' too
        corner = window.canvas.grab().toImage().pixelColor(0, 0)
        assert corner.name() == theme.DARK.window  # no band of another grey around the paper
    finally:
        QApplication.setPalette(original)
    qtbot.waitUntil(lambda: theme.colours() is theme.LIGHT, timeout=2000)
    app = QApplication.instance()
    assert isinstance(app, QApplication) and theme.LIGHT.window in app.styleSheet()


def test_view_theme_chooses_light_or_dark_whatever_the_desktop(
    window: MainWindow, qtbot: QtBot, settings: QSettings
) -> None:
    """View ▸ Theme: System, Light, Dark, remembered (issue #26)."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from digitcanvas.ui import theme
    from digitcanvas.ui.settings import AppSettings
    from digitcanvas.ui.theme import Scheme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desktop = QApplication.palette().color(QPalette.ColorRole.Window).name()
    actions = window.ui_actions
    assert actions.theme_system.isChecked() and theme.colours() is theme.LIGHT  # offscreen: a light desktop
    try:
        actions.theme_dark.trigger()
        assert theme.colours() is theme.DARK and actions.theme_dark.isChecked()
        assert theme.DARK.window in app.styleSheet()
        assert QApplication.palette().color(QPalette.ColorRole.Window).name() == theme.DARK.window  # Qt's widgets too
        assert window.canvas.grab().toImage().pixelColor(0, 0).name() == theme.DARK.window
        assert AppSettings(settings).theme is Scheme.DARK  # next time too
        actions.theme_light.trigger()
        assert theme.colours() is theme.LIGHT and theme.LIGHT.window in app.styleSheet()
    finally:
        actions.theme_system.trigger()
    assert QApplication.palette().color(QPalette.ColorRole.Window).name() == desktop  # the desktop's again
    assert theme.colours() is theme.LIGHT and AppSettings(settings).theme is Scheme.SYSTEM


def test_save_suggests_a_name_for_what_is_drawn(window: MainWindow) -> None:
    """ "digit.json" for a number was a slip: the name says what is on the canvas (issue #26)."""
    assert window.files.suggested_name() == "drawing"
    draw_ten(window.canvas)
    assert window.files.suggested_name() == "number-10"
    window.clear()
    draw_seven(window.canvas)
    assert window.files.suggested_name() == "digit-7"


def test_long_status_messages_end_in_an_ellipsis(window: MainWindow) -> None:
    message = "A very long message " * 30
    window.status.show(message)
    assert window.status.message() == message
    assert window.status.shown().endswith("…") and len(window.status.shown()) < len(message)
