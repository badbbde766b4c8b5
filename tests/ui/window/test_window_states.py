"""What the window enables, says and shows about the model, offscreen through real events:
corrections only for single digits, words that name real menu items, the About box's facts,
the pen's effect on a reading, the model-input line and its warnings, errors with details."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import numpy
import onnxruntime
import pytest
from onnx_models import make_convention_model, make_exported_model
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt, qVersion
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QMenu, QSpinBox
from pytestqt.qtbot import QtBot
from qt_helpers import draw_one, draw_seven, draw_ten
from repo import README
from window_helpers import boxes, shown, text_dialogs

from digitcanvas.model.classifier import ModelLoadError
from digitcanvas.state import models
from digitcanvas.ui.widgets.compare_panel import NO_SECOND_MODEL
from digitcanvas.ui.widgets.controls import PEN_STEP
from digitcanvas.ui.window.actions import menu_path
from digitcanvas.ui.window.collection_control import NUMBERS_NOT_KEPT
from digitcanvas.ui.window.main_window import MainWindow
from lab.fuzz.linear_model import make_linear_model


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def kept(win: MainWindow) -> list[Path]:
    return sorted(win.collection.folder.glob("*.json")) if win.collection.folder.exists() else []


# --- corrections are for single digits (#15, item 6) ------------------------------------


def test_keeping_a_number_says_why_it_is_not_kept(window: MainWindow, qtbot: QtBot) -> None:
    """A digit key or a bar with "10" on the canvas keeps nothing, and says why (issue #26)."""
    draw_ten(window.canvas)
    assert window.state.reading is not None and len(window.state.reading.digits) == 2
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert kept(window) == [] and window.status.message() == NUMBERS_NOT_KEPT
    window.status.clear()
    bars = window.result_panel.bars
    assert bars.cursor().shape() == Qt.CursorShape.ArrowCursor  # no button: a click only explains why
    qtbot.mouseClick(bars, Qt.MouseButton.LeftButton, pos=bars.row_rect(1).center().toPoint())
    assert kept(window) == [] and window.status.message() == NUMBERS_NOT_KEPT
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    draw_one(window.canvas)
    assert all(action.isEnabled() for action in window.ui_actions.corrections)
    qtbot.mouseClick(bars, Qt.MouseButton.LeftButton, pos=bars.row_rect(1).center().toPoint())
    assert len(kept(window)) == 1


def test_f1_says_corrections_are_for_single_digits(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    (box,) = text_dialogs(window)
    assert "a single digit really was" in box.text() and "a number or an image is not kept" in box.text()
    box.close()


# --- words that send the person somewhere name a real menu item (#15, item 12) -----------


def _menu_items(window: MainWindow) -> set[str]:
    """ "Model ▸ Open Model…" for every item of every menu (submenus too)."""
    items: set[str] = set()

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.isSeparator():
                continue
            name = f"{path} ▸ {action.text().replace('&', '')}"
            items.add(name)
            if isinstance(sub := action.menu(), QMenu):
                walk(sub, name)

    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        walk(menu, top.text().replace("&", ""))
    return items


def test_every_menu_path_in_the_readme_is_a_real_item(window: MainWindow) -> None:
    items = _menu_items(window)
    text = " ".join(README.read_text(encoding="utf-8").split())  # a path may wrap onto the next line
    found = re.findall(r"\b(?:File|Edit|Model|View|Help) ▸ ", text)
    assert len(found) >= 10
    for match in re.finditer(r"\b(File|Edit|Model|View|Help) ▸ ", text):
        rest = text[match.start() :]
        assert any(rest.startswith(item) for item in items), rest[:60]


def test_menu_path_names_the_item_and_its_keys(window: MainWindow) -> None:
    assert plain(menu_path(window.ui_actions.open_model)) == "Model ▸ Open Model… (Ctrl+O)"
    assert plain(menu_path(window.ui_actions.compare_model)) == "Model ▸ Compare with Model… (Ctrl+Shift+M)"
    assert plain(menu_path(window.ui_actions.corrections[3])) == "Edit ▸ That Was a… ▸ 3"
    assert " " not in menu_path(window.ui_actions.input_settings).split(" (")[0]  # never wrapped inside
    items = _menu_items(window)
    assert "Model ▸ Compare with Model…" in items  # the compare panel's own default
    assert NO_SECOND_MODEL.format(command="x").startswith("Load a second model")


def test_without_any_model_the_caption_names_the_real_command(
    qtbot: QtBot, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: object = None, **_: object) -> None:
        raise ModelLoadError("the bundled model is missing", details="[ONNXRuntimeError] : 3 : NO_SUCHFILE")

    monkeypatch.setattr(models, "load_classifier", refuse)
    win = shown(qtbot, MainWindow(settings=settings))
    qtbot.waitUntil(lambda: bool(boxes(win)), timeout=2000)
    (box,) = boxes(win)
    assert box.detailedText() == "[ONNXRuntimeError] : 3 : NO_SUCHFILE" and "ONNXRuntimeError" not in box.text()
    box.close()
    assert win.model_note.text() == "no model loaded"
    draw_seven(win.canvas)
    caption = plain(win.result_panel.caption_text())
    assert caption == "No model is loaded: open one with Model ▸ Open Model… (Ctrl+O)"
    assert "…." not in caption and "File ▸" not in caption


# --- About (#15, item 14) ------------------------------------------------------------------


def test_about_gives_the_facts_not_a_path_in_the_repository(window: MainWindow) -> None:
    window.ui_actions.about.trigger()
    (box,) = text_dialogs(window)
    text = box.text()
    facts = (
        "DigitCanvas CNN 0.1.0",
        "MIT licence",
        "DigiLeTs digits, letters",
        "UNIPEN",
        "CC BY-SA 3.0",
        "CC BY 4.0",
        "500 reference digits",
        "own synthetic handwriting",
        qVersion(),
        pyside_version,
        onnxruntime.__version__,
        numpy.__version__,
    )
    for fact in facts:
        assert fact in text, fact
    assert "MODEL_CARD" not in text and "assets/" not in text
    assert metadata.metadata("digitcanvas")["License-Expression"] == "MIT"  # where "MIT licence" comes from
    box.close()


# --- the pen (#15, minor) ------------------------------------------------------------------


def _wheel(box: QSpinBox, steps: int) -> None:
    centre = QPointF(box.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(box.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(box, event)


def test_the_wheel_on_pen_leaves_the_number_unselected(window: MainWindow) -> None:
    box = window.controls.pen_box
    start = box.value()
    _wheel(box, 1)
    assert box.value() == start + PEN_STEP  # as [ and ] step it (issue #26)
    assert not box.lineEdit().hasSelectedText()  # nothing looks typed in


@pytest.mark.parametrize("live", [True, False])
def test_a_new_pen_width_is_for_the_next_drawing(window: MainWindow, qtbot: QtBot, live: bool) -> None:
    """Changing the pen never redraws the strokes drawn (issue #26): a drawing keeps its one pen."""
    window.controls.live_box.setChecked(live)
    draw_seven(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    before = window.canvas.grab().toImage()
    box = window.controls.pen_box
    drawn_with = window.canvas.pen_width()
    _wheel(box, 3)
    qtbot.keyClick(window, Qt.Key.Key_BracketRight)
    assert box.value() == drawn_with + 4 * PEN_STEP and window.canvas.pen_width() == drawn_with
    assert window.canvas.grab().toImage() == before  # the seven as it was drawn
    assert window.state.reading_is_current(window.canvas.drawing()) and not window.result_panel.is_stale()
    assert "from your next drawing" in window.status.message()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.canvas.pen_width() == box.value()  # the next drawing gets the new pen
    draw_seven(window.canvas)
    assert window.canvas.drawing().pen_width == box.value()


# --- the model-input note, warnings, details (#12) ------------------------------------------


def test_the_model_input_is_always_in_view(window: MainWindow, tmp_path: Path) -> None:
    note = window.model_note
    assert note.text() == "pixels 0–1 (from the model file)" and not note.is_warning()
    assert note.isVisible() and note.shown() == note.text()
    assert window.model_control.load(make_convention_model(tmp_path / "m.onnx", "0-255"))
    assert note.text().startswith("pixels 0–255 (detected; ") and not note.is_warning()
    assert not boxes(window)  # a model that fits one convention: nothing to warn about
    window.resize(680, 520)  # narrow: shortened with "…", in full in the tooltip
    QApplication.processEvents()
    assert note.shown().endswith("…") and note.text() in note.note_label.toolTip()


def test_a_model_no_convention_fits_is_warned_about_once(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = make_linear_model(tmp_path / "random.onnx")  # random weights: reads no convention well
    assert window.model_control.load(path)
    note = window.model_note
    assert note.is_warning() and "no convention fits" in note.text()
    (box,) = boxes(window)
    assert box.windowModality() == Qt.WindowModality.WindowModal  # opened, not exec'd: the app runs on
    assert "reference digits" in box.text() and "Model ▸ Input Settings… (Ctrl+Shift+I)" in plain(box.text())
    box.close()
    window.model_control.use_bundled()
    assert not window.model_note.is_warning()
    assert window.model_control.load(path)  # the same file again in this session: not told twice
    assert not boxes(window) and window.model_note.is_warning()


def test_normalised_scores_are_warned_about(window: MainWindow, tmp_path: Path) -> None:
    assert window.model_control.load(make_exported_model(tmp_path / "sigmoid.onnx", head="sigmoid"))
    assert "scores are normalised" in window.model_note.text()
    (box,) = boxes(window)
    assert "not probabilities" in box.text() and "divides them by their sum" in box.text()
    box.close()


# Protobuf that DigitCanvas's check reads (ir_version 7) but onnxruntime refuses: it has no graph.
NO_GRAPH = b"\x08\x07"


def test_a_model_error_keeps_onnxruntimes_text_in_the_details(window: MainWindow, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(NO_GRAPH)
    assert not window.model_control.load(garbage)
    (box,) = boxes(window)
    assert "not a valid ONNX model" in box.text() and "ONNXRuntimeError" not in box.text()
    assert "No graph was found" in box.detailedText()
    box.close()


def test_a_second_model_that_fails_keeps_the_details_too(window: MainWindow, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(NO_GRAPH)
    assert not window.compare.compare_with(str(garbage))
    (box,) = boxes(window)
    assert "No graph was found" in box.detailedText()
    box.close()


def test_a_warning_before_the_window_is_shown_waits_for_it(qtbot: QtBot, settings: QSettings, tmp_path: Path) -> None:
    win = MainWindow(settings=settings, model_path=make_linear_model(tmp_path / "random.onnx"))
    assert not boxes(win)  # nothing pops up at the screen's corner before the window is there
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: bool(boxes(win)), timeout=2000)
    (box,) = boxes(win)
    assert "reference digits" in box.text()
    box.close()
