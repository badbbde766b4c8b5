"""The main window's files, offscreen: the collection kept with the digit keys, drawings
saved, opened, exported and dropped, and the file and menu commands from the keyboard."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDropEvent, QGuiApplication, QImage
from pytestqt.qtbot import QtBot
from qt_helpers import draw_one, draw_seven, draw_stroke, draw_zero, line
from strokes import number_image
from window_helpers import CTRL, boxes, kept_labels, text_dialogs

from digitcanvas.cli import main as cli_main
from digitcanvas.drawing.file import load_drawing, save_drawing
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.ui.window.main_window import MainWindow

WAIT_MS = 20_000  # generous: the collection is read on a worker thread


# --- the collection -----------------------------------------------------------------------


def test_a_digit_key_keeps_the_drawing_and_another_relabels_it(window: MainWindow, qtbot: QtBot) -> None:
    assert "No drawings yet" in window.collection_panel.summary_text()
    draw_seven(window.canvas)
    qtbot.keyClick(window, Qt.Key.Key_8)
    assert kept_labels(window) == [8]
    (file,) = window.collection.folder.glob("*.json")
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
    assert not window.collection.folder.exists() or not list(window.collection.folder.iterdir())


def test_correction_labels_what_is_on_the_canvas_with_live_off(window: MainWindow, qtbot: QtBot) -> None:
    window.controls.live_box.setChecked(False)
    draw_one(window.canvas)
    window.submit()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    draw_seven(window.canvas)  # drawn but not submitted
    qtbot.keyClick(window, Qt.Key.Key_7)
    (file,) = window.collection.folder.glob("*.json")
    assert load_drawing(file) == window.canvas.drawing().with_label(7)


def test_collection_grows_across_sessions(qtbot: QtBot, settings: QSettings) -> None:
    for draw, digit in ((draw_one, 1), (draw_seven, 7)):
        win = MainWindow(settings=settings)
        qtbot.addWidget(win)
        draw(win.canvas)
        assert win.collection.correct(win.canvas.drawing(), digit)
        win.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    qtbot.waitUntil(lambda: not again.collection.busy, timeout=WAIT_MS)  # read in the background
    assert again.collection_panel.summary_text().startswith("2 drawings")


def test_the_panel_shows_where_the_collection_is(window: MainWindow) -> None:
    assert window.collection_panel.folder_text() == f"Kept in {window.collection.folder}"
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
    assert opened == [QUrl.fromLocalFile(str(window.collection.folder))]
    (box,) = boxes(window)
    assert str(window.collection.folder) in box.text() and "no file manager" in box.text()
    assert QGuiApplication.clipboard().text() == str(window.collection.folder)
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
    assert window.state.prediction is not None and window.state.prediction.digit == 7
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


def test_an_image_is_read_in_the_window_its_digits_outlined(window: MainWindow, tmp_path: Path) -> None:
    """Open (or drop) a photo or a scan of a number: the window reads it as it reads a drawing (issue #26)."""
    draw_one(window.canvas)
    before = window.canvas.drawing()
    photo = tmp_path / "forty-seven.png"
    Image.fromarray(number_image(["4two", "7"])).save(photo)
    assert window.files.open_drawing(photo)  # File ▸ Open Drawing or Image… tells them by content
    assert window.canvas.has_picture() and window.canvas.is_empty()
    assert window.result_panel.big_text() == "47" and window.result_panel.preview.tile_count() == 2
    outlines = window.canvas.outlines()
    assert len(outlines) == 2 and outlines[0][0] < outlines[1][0]
    width, height = window.canvas.document_size
    assert all(x >= 0 and x + w <= width and y >= 0 and y + h <= height for x, y, w, h in outlines)  # on the paper
    assert window.ui_actions.submit.isEnabled() and window.ui_actions.export_input.isEnabled()
    assert not window.ui_actions.save_drawing.isEnabled()  # an image is no drawing to save
    window.ui_actions.corrections[4].trigger()  # a digit key: why nothing is kept
    assert "not kept" in window.status.message()
    assert window.files.export_input_png(tmp_path / "input.png")
    window.state.undo()  # the drawing that was there is back
    assert not window.canvas.has_picture() and window.canvas.drawing() == before
    junk = tmp_path / "junk.png"  # named like an image, but nothing of one: the reason is the file's
    junk.write_bytes(b"\x89PNG\r\n\x1a\n no picture here")
    assert not window.files.open_drawing(junk)
    assert window.last_error is not None and "junk.png" in window.last_error
    assert window.canvas.drawing() == before


def test_drawing_over_an_image_starts_a_drawing_and_clear_takes_it_away(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    photo = tmp_path / "seven.png"
    Image.fromarray(number_image(["7"])).save(photo)
    assert window.files.open_image(photo) and window.state.image is not None
    qtbot.keyClick(window, Qt.Key.Key_Escape)  # Clear takes the image away; Undo brings it back
    assert not window.canvas.has_picture() and window.state.image is None and window.state.reading is None
    window.state.undo()
    assert window.canvas.has_picture() and window.state.reading is not None
    draw_one(window.canvas)  # drawing on it: a drawing again, read as one
    assert not window.canvas.has_picture() and window.state.image is None
    assert window.state.reading_is_current(window.canvas.drawing())


def _predict(path: Path) -> tuple[str, str]:
    """``digitcanvas predict FILE``: the digit and the verdict it prints."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli_main(["predict", "--json", str(path)]) == 0
    result = json.loads(out.getvalue())
    return str(result["digit"]), "sure" if result["sure"] else "not sure"


@pytest.mark.parametrize("draw", [draw_one, draw_zero, draw_seven])
def test_predict_reads_an_exported_drawing_as_the_app_read_it(window: MainWindow, tmp_path: Path, draw) -> None:
    draw(window.canvas)
    assert window.state.prediction is not None and window.state.prediction.sure
    path = tmp_path / "drawing.png"
    assert window.files.export_drawing_png(path)
    image = QImage(str(path))
    assert (image.width(), image.height()) == window.canvas.document_size  # the drawing, not a widget grab
    assert image.isGrayscale() and image.pixelColor(0, 0).value() == 0  # black paper to its corners
    assert _predict(path) == (str(window.state.prediction.digit), "sure")


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
    assert window.state.models.classifier is not None and window.state.models.classifier.path == linear_model
    draw_seven(window.canvas)
    save_drawing(window.canvas.drawing(), tmp_path / "seven.json")
    window.clear()
    drop(tmp_path / "seven.json")
    assert window.canvas.stroke_count() == 1
    Image.fromarray(number_image(["4two", "7"])).save(tmp_path / "photo.jpg")
    drop(tmp_path / "photo.jpg")  # an image is read, not refused (issue #26)
    assert window.canvas.has_picture() and window.state.reading is not None


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
            "Open Drawing or Image": str(tmp_path / "seven.json"),
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
    assert window.state.models.classifier is not None and window.state.models.classifier.path == linear_model


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
    qtbot.waitUntil(lambda: bool(text_dialogs(window)), timeout=2000)
    (box,) = text_dialogs(window)
    assert box.windowTitle() == "About DigitCanvas"
    box.close()
    qtbot.keyClick(open_menu(Qt.Key.Key_E), Qt.Key.Key_F)  # Edit ▸ Choose Collection Folder…
    assert window.collection.folder == tmp_path / "elsewhere"
    assert "elsewhere" in window.collection_panel.folder_text()
