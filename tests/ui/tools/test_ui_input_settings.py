from __future__ import annotations

from pathlib import Path

import pytest
from onnx_models import make_convention_model, make_lenet_like_model
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QScrollArea
from pytestqt.qtbot import QtBot

from digitcanvas.model.classifier import Classifier, bundled_model_path
from digitcanvas.model.conventions import PRESETS_BY_KEY
from digitcanvas.model.info import InputScaling
from digitcanvas.ui import theme
from digitcanvas.ui.tools.input_settings import InputSettingsDialog, Keep, fitted_dialog_size


@pytest.fixture
def dialog(qtbot: QtBot, tmp_path: Path) -> InputSettingsDialog:
    classifier = Classifier(make_convention_model(tmp_path / "m.onnx", "0-255"))
    widget = InputSettingsDialog(classifier)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_opens_on_the_detected_setting_with_its_accuracy(dialog: InputSettingsDialog) -> None:
    assert dialog.preset_box.currentData() == "0-255"
    assert "detected" in dialog.current_label.text()
    assert "100%" in dialog.accuracy_label.text()


def test_the_accuracy_follows_the_setting_being_edited(dialog: InputSettingsDialog, qtbot: QtBot) -> None:
    dialog.select_preset("unit")
    assert dialog.scaling() == InputScaling()
    qtbot.waitUntil(lambda: "100%" not in dialog.accuracy_label.text(), timeout=2000)
    assert "pixels 0–1" in dialog.accuracy_label.text()


def test_typing_values_that_match_a_preset_selects_it(dialog: InputSettingsDialog, qtbot: QtBot) -> None:
    dialog.select_preset("unit")
    dialog.mean_box.setValue(0.1307)
    dialog.std_box.setValue(0.3081)
    assert dialog.preset_box.currentData() == "mnist"
    qtbot.mouseClick(dialog.invert_box, Qt.MouseButton.LeftButton)
    assert dialog.preset_box.currentData() == "mnist-inverted"
    dialog.scale_box.setValue(2.0)
    assert dialog.preset_box.currentData() == "custom"


def test_the_choice_says_how_to_keep_it(dialog: InputSettingsDialog, qtbot: QtBot) -> None:
    dialog.select_preset("symmetric")
    assert dialog.choice().keep is Keep.REMEMBER
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    choice = dialog.choice()
    assert choice.keep is Keep.WRITE and choice.scaling == PRESETS_BY_KEY["symmetric"].scaling


def test_a_zero_divisor_is_explained_not_scored(dialog: InputSettingsDialog, qtbot: QtBot) -> None:
    dialog.std_box.setValue(0.0)
    qtbot.waitUntil(lambda: "must not be 0" in dialog.accuracy_label.text(), timeout=2000)


def test_the_bundled_model_is_changed_for_this_session_only(qtbot: QtBot) -> None:
    widget = InputSettingsDialog(Classifier(bundled_model_path()), bundled=True)
    qtbot.addWidget(widget)
    assert widget.choice().keep is Keep.SESSION
    assert not widget.remember_button.isEnabled() and not widget.write_button.isEnabled()
    assert "this session" in widget.write_button.toolTip()


def test_why_the_bundled_models_choices_are_off_is_in_view(qtbot: QtBot, dialog: InputSettingsDialog) -> None:
    assert not dialog.bundled_note.isVisible()  # a user's model: every choice is open
    widget = InputSettingsDialog(Classifier(bundled_model_path()), bundled=True)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    note = widget.bundled_note
    assert note.isVisible() and "part of DigitCanvas" in note.text() and "this session" in note.text()
    below = widget.write_button.geometry().bottom()
    assert note.geometry().top() > below and widget.rect().contains(note.geometry())


def test_a_32_by_32_model_offers_how_its_digits_are_fitted(qtbot: QtBot, tmp_path: Path) -> None:
    """Issue #25: a LeNet-5 style model (32×32) chooses padding or resizing in Input Settings,
    scored live like the pixel convention; a 28×28 model shows no such choice."""
    from onnx_models import make_lenet_like_model

    from digitcanvas.model.info import Fit

    classifier = Classifier(make_lenet_like_model(tmp_path / "resize.onnx", "resize"))
    widget = InputSettingsDialog(classifier)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.fit_box.isVisible() and widget.fit_box.currentData() == Fit.RESIZE.value
    assert widget.preset_box.currentData() == "unit"  # the preset does not care how the digit is fitted
    assert "resized to 32×32" in widget.accuracy_label.text()
    resized = _percent(widget.accuracy_label.text())
    widget.fit_box.setCurrentIndex(widget.fit_box.findData(Fit.PAD.value))
    assert widget.scaling() == InputScaling(fit=Fit.PAD) and widget.preset_box.currentData() == "unit"
    qtbot.waitUntil(lambda: "padded to 32×32" in widget.accuracy_label.text(), timeout=2000)
    assert _percent(widget.accuracy_label.text()) < resized - 3  # fed as it was not trained: fewer read
    widget.select_preset("mnist")  # a preset keeps the fit chosen
    assert widget.scaling().fit == Fit.PAD


def _percent(text: str) -> int:
    return int(text.split("<b>")[1].split("%")[0])


def test_a_28_by_28_model_has_no_fit_choice(dialog: InputSettingsDialog) -> None:
    assert not dialog.fit_box.isVisible()


@pytest.mark.parametrize("side", [28, 32])
def test_the_dialog_opens_showing_all_its_settings(qtbot: QtBot, tmp_path: Path, side: int) -> None:
    path = tmp_path / "m.onnx"
    classifier = Classifier(make_convention_model(path, "0-255") if side == 28 else make_lenet_like_model(path, "pad"))
    dialog = InputSettingsDialog(classifier, bundled=True)  # the longest: with the bundled note
    dialog.setStyleSheet(theme.style_sheet())  # the app's: its buttons' padding makes the content taller
    qtbot.addWidget(dialog)
    dialog.resize(fitted_dialog_size(dialog, QRect(0, 0, 2560, 1400)))
    dialog.show()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()  # the layout, then the scroll bars
    scroll = dialog.findChild(QScrollArea)
    assert scroll is not None
    content, shown = scroll.widget(), scroll.viewport().size()
    assert content is not None
    assert shown.width() >= content.sizeHint().width()  # the combo's and the spin boxes' arrows too
    assert shown.height() >= content.heightForWidth(shown.width())  # the last line too
    assert not scroll.verticalScrollBar().isVisible() and not scroll.horizontalScrollBar().isVisible()


def test_on_a_low_screen_only_the_height_scrolls(qtbot: QtBot, tmp_path: Path) -> None:
    classifier = Classifier(make_convention_model(tmp_path / "m.onnx", "0-255"))
    dialog = InputSettingsDialog(classifier, bundled=True)
    qtbot.addWidget(dialog)
    screen = QRect(0, 0, 911, 300)  # too low for the settings
    dialog.resize(fitted_dialog_size(dialog, screen))
    dialog.show()
    qtbot.waitExposed(dialog)
    scroll = dialog.findChild(QScrollArea)
    assert scroll is not None
    qtbot.waitUntil(scroll.verticalScrollBar().isVisible, timeout=2000)  # laid out once shown
    assert dialog.height() < 300
    assert not scroll.horizontalScrollBar().isVisible()
