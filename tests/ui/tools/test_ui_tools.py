"""The window's model tools, driven through the window: Input Settings, comparing two
models, the inside view and the collection browser."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
from onnx_models import make_convention_model
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot
from qt_helpers import draw_seven, draw_stroke, draw_ten, draw_zero, line

from digitcanvas.model.conventions import PRESETS_BY_KEY
from digitcanvas.ui.tools.input_settings import InputSettingsDialog, Keep
from digitcanvas.ui.window.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    store.setValue("collection/path", str(tmp_path / "collection"))
    made = MainWindow(settings=store)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    made.activateWindow()
    qtbot.waitUntil(made.isActiveWindow, timeout=2000)  # shortcuts reach the active window only
    return made


def _dialog(window: MainWindow, qtbot: QtBot) -> InputSettingsDialog:
    window.ui_actions.input_settings.trigger()
    (dialog,) = [d for d in window.findChildren(InputSettingsDialog) if d.isVisible()]
    qtbot.waitExposed(dialog)
    return dialog


def test_a_loaded_model_says_how_its_input_is_read(window: MainWindow, tmp_path: Path) -> None:
    assert window.model_control.load(make_convention_model(tmp_path / "m.onnx", "0-255"))
    assert window.model_note.text().startswith("pixels 0–255 (detected;")  # in view for as long as it is used


def _remember_mnist_for_a_0_255_model(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> Path:
    """Load a model detection feeds 0-255, and choose "mnist" for it in Input Settings (remembered)."""
    path = make_convention_model(tmp_path / "m.onnx", "0-255")
    window.model_control.load(path)
    dialog = _dialog(window, qtbot)
    dialog.select_preset("mnist")
    assert dialog.choice().keep is Keep.REMEMBER
    dialog.accept()
    return path


def test_input_settings_remembered_for_the_file(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = _remember_mnist_for_a_0_255_model(window, qtbot, tmp_path)
    assert (
        window.state.models.classifier is not None
        and window.state.models.classifier.scaling == PRESETS_BY_KEY["mnist"].scaling
    )
    assert window.state.models.classifier.input_source == "chosen"
    window.model_control.use_bundled()
    window.model_control.load(path)  # loaded again: the remembered setting, not detection
    assert window.state.models.classifier.scaling == PRESETS_BY_KEY["mnist"].scaling


def test_input_settings_go_back_to_the_model_files_own(window: MainWindow, qtbot: QtBot) -> None:
    """Input Settings has a way back to "from the model file", and says how the model is fed (issue #26)."""
    dialog = _dialog(window, qtbot)  # the bundled model: its file says pixels 0–1
    dialog.select_preset("0-255")
    dialog.accept()
    assert window.model_note.text() == "pixels 0–255 (your setting)"
    assert window.status.message() == "Input: pixels 0–255 (your setting)"  # not "Loaded the bundled model"
    dialog = _dialog(window, qtbot)
    assert dialog.own_button.text() == "Use the model file's setting (pixels 0–1)"
    qtbot.mouseClick(dialog.own_button, Qt.MouseButton.LeftButton)
    assert dialog.preset_box.currentData() == "unit" and dialog.choice().own
    dialog.accept()
    assert window.model_note.text() == "pixels 0–1 (from the model file)"
    assert window.status.message() == "Input: pixels 0–1 (from the model file)"
    dialog = _dialog(window, qtbot)
    dialog.select_preset("0-255")
    dialog.select_preset("unit")  # the file's setting chosen again is the file's, not "your setting"
    dialog.accept()
    assert window.model_note.text() == "pixels 0–1 (from the model file)"


def test_going_back_to_the_own_setting_forgets_the_remembered_one(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = _remember_mnist_for_a_0_255_model(window, qtbot, tmp_path)
    assert window.settings.input_setting(path) is not None
    dialog = _dialog(window, qtbot)
    assert dialog.own_button.text() == "Detect the setting again, as when the model loads"
    qtbot.mouseClick(dialog.own_button, Qt.MouseButton.LeftButton)
    dialog.accept()
    assert window.settings.input_setting(path) is None
    assert window.model_note.text().startswith("pixels 0–255 (detected;")


def test_input_settings_written_into_the_file(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = make_convention_model(tmp_path / "m.onnx", "0-255")
    window.model_control.load(path)
    dialog = _dialog(window, qtbot)
    dialog.select_preset("0-255")
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    dialog.accept()
    keys = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert keys["digitcanvas.input_scale"] == "255"
    assert window.state.models.classifier is not None and window.state.models.classifier.input_source == "metadata"
    assert window.model_note.text() == "pixels 0–255 (from the model file)"


def test_comparing_with_a_second_model_marks_disagreements(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    draw_seven(window.canvas)
    # A model that reads only black-on-white ink, fed it (detected): reads the 7 too, with its own bars.
    assert window.compare.compare_with(str(make_convention_model(tmp_path / "m.onnx", "unit-inverted")))
    panel = window.compare.panel
    assert panel is not None
    first = panel.comparison()
    assert first is not None and first.first_digit == 7
    window.clear()
    assert panel.comparison() is None  # nothing drawn: nothing compared
    draw_stroke(window.canvas, line((300, 80), (300, 330)))  # a 1: every new reading is read by both
    second = panel.comparison()
    assert second is not None and second.first_digit == 1
    assert second.describe().startswith(("Both read", "They disagree"))


def test_comparing_a_number_compares_the_digit_the_window_shows(window: MainWindow, qtbot: QtBot) -> None:
    from digitcanvas.model.classifier import bundled_model_path

    assert window.compare.compare_with(str(bundled_model_path()))  # the same model twice: same split
    draw_ten(window.canvas)
    panel = window.compare.panel
    assert panel is not None and window.state.reading is not None and window.state.reading.number == "10"
    window.result_panel.select_digit(0)
    shown = panel.comparison()
    assert shown is not None and shown.first_digit == 1 and panel.caption_text().startswith("Digit 1 of 2: ")
    qtbot.keyClick(window, Qt.Key.Key_Right)  # the window shows the 0's bars: so does the comparison
    shown = panel.comparison()
    assert shown is not None and shown.first_digit == 0 and panel.caption_text().startswith("Digit 2 of 2: ")


def test_comparing_with_a_model_feeds_it_as_remembered_for_its_file(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    path = _remember_mnist_for_a_0_255_model(window, qtbot, tmp_path)
    window.model_control.use_bundled()
    assert window.compare.compare_with(str(path))
    second = window.compare.second
    assert second is not None and second.classifier.path == path
    assert second.classifier.input_source == "chosen"
    assert second.classifier.scaling == PRESETS_BY_KEY["mnist"].scaling  # not detection's 0-255


def test_ctrl_i_opens_the_inside_view_on_the_current_input(window: MainWindow, qtbot: QtBot) -> None:
    draw_seven(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    view = window.inside.view
    assert view is not None
    qtbot.waitUntil(lambda: view.activations() is not None and view.saliency() is not None, timeout=10000)
    qtbot.wait(50)  # the layout settles on the pictures
    screen = view.screen().availableGeometry()
    assert screen.contains(view.geometry()), (view.geometry(), screen)  # the pictures did not grow it off screen
    window.inside.shutdown()


def test_ctrl_b_browses_what_was_kept(window: MainWindow, qtbot: QtBot) -> None:
    draw_seven(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_7)
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    browser = window.browser.browser
    assert browser is not None and browser.item_texts() == ["7 · read 7"]
    browser.grid.setCurrentRow(0)
    browser.relabel_selected(1)
    assert "1 drawing" in window.collection_panel.summary_text()
    assert "misses 1" in window.collection_panel.summary_text()


def test_enter_in_the_browser_shows_the_canvas_with_the_drawing(window: MainWindow, qtbot: QtBot) -> None:
    """The drawing opened from the browser is in view, not behind it (issue #26)."""
    draw_seven(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_7)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    draw_zero(window.canvas)
    zero = window.canvas.drawing()
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    browser = window.browser.browser
    assert browser is not None
    qtbot.waitExposed(browser)
    browser.activateWindow()  # keys go to the browser, as when the person works in it
    qtbot.waitUntil(browser.isActiveWindow, timeout=2000)
    browser.grid.setCurrentRow(0)
    browser.grid.setFocus()
    qtbot.keyClick(browser.grid, Qt.Key.Key_Return)
    assert not browser.isVisible()  # the browser steps aside: the canvas shows what opened
    assert window.canvas.stroke_count() == 1 and not window.canvas.drawing().same_ink(zero)
    assert window.status.message() == "Opened a drawing from your collection (kept as 7)"
    window.state.undo()  # the drawing that was on the canvas is back
    assert window.canvas.drawing().same_ink(zero)


def test_adaptation_starts_once_enough_drawings_are_kept(window: MainWindow, qtbot: QtBot) -> None:
    from strokes import compose

    from digitcanvas.reading.adaptation import MIN_EXAMPLES

    seven, _ = compose(["7crossed"])
    window.canvas.show_drawing(seven)
    for _ in range(MIN_EXAMPLES):
        window.state.keeper.collection.add(seven, 1)  # the same hand's crossed 7, kept as its 1
    window.collection.show()
    reader = window.state.models.reader
    assert reader is not None and reader.adaptation is not None and reader.adaptation.count == MIN_EXAMPLES
    assert f"adapted to your {MIN_EXAMPLES} drawings" in window.collection_panel.summary_text()
    window.state.read(window.canvas.drawing())
    assert window.state.reading is not None and window.state.reading.digits[0].digit == 1
    window.ui_actions.adapt.trigger()  # off
    assert reader.adaptation is None and window.state.reading.digits[0].digit == 7
    assert window.status.message() == "Readings are the model's own again (not adapted to your handwriting)."
    window.ui_actions.adapt.trigger()  # on again
    assert window.status.message() == "Readings now adapt to your handwriting."


def test_turning_adaptation_on_with_too_few_drawings_says_when_it_starts(window: MainWindow) -> None:
    from digitcanvas.reading.adaptation import MIN_EXAMPLES

    window.ui_actions.adapt.trigger()  # off (on by default)
    window.ui_actions.adapt.trigger()  # on, with nothing kept
    assert window.status.message() == (
        f"Readings will adapt to your handwriting once you have kept {MIN_EXAMPLES} drawings (you have 0)."
    )
    window.ui_actions.adapt.trigger()  # off again: it never adapted, so it does not say "again"
    assert window.status.message() == "Adapt to My Handwriting is off."
