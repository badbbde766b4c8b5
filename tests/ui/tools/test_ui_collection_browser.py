from __future__ import annotations

import itertools
import types
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from strokes import compose

from digitcanvas.collection import folder as collection_folder
from digitcanvas.collection.state import Collection
from digitcanvas.drawing.strokes import Drawing, DrawingFileError
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.reader import Reader
from digitcanvas.ui.tools.collection_browser import CollectionBrowser


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_classifier())


@pytest.fixture
def browser(qtbot: QtBot, tmp_path: Path, reader: Reader) -> CollectionBrowser:
    collection = Collection.open(tmp_path / "c")
    for name, label in (("0", 0), ("7crossed", 1), ("4two", 4)):  # the 7 kept as a 1: a mistake
        drawing, _ = compose([name])
        collection.add(drawing, label, reader)
    widget = CollectionBrowser(collection, reader)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _select(browser: CollectionBrowser, row: int) -> None:
    browser.grid.setCurrentRow(row)
    browser.grid.setFocus()


def test_mistakes_come_first_with_what_the_model_reads(browser: CollectionBrowser) -> None:
    assert browser.item_texts() == ["1 · read 7 ✗", "0 · read 0", "4 · read 4"]
    assert "1 the current model misreads" in browser.summary.text()


def test_a_digit_key_relabels_the_selected_drawing(browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path) -> None:
    _select(browser, 0)
    with qtbot.waitSignal(browser.changed):
        qtbot.keyClick(browser.grid, Qt.Key.Key_7)
    assert browser.item_texts() == ["0 · read 0", "4 · read 4", "7 · read 7"]
    assert sorted(Collection.open(tmp_path / "c").labels) == [0, 4, 7]


def test_delete_removes_and_ctrl_z_brings_it_back(browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path) -> None:
    _select(browser, 1)
    qtbot.keyClick(browser.grid, Qt.Key.Key_Delete)
    assert len(browser.item_texts()) == 2 and sorted(Collection.open(tmp_path / "c").labels) == [1, 4]
    qtbot.keyClick(browser.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(browser.item_texts()) == 3 and sorted(Collection.open(tmp_path / "c").labels) == [0, 1, 4]


def test_enter_opens_the_drawing_on_the_canvas(browser: CollectionBrowser, qtbot: QtBot) -> None:
    _select(browser, 2)
    with qtbot.waitSignal(browser.open_requested) as signal:
        qtbot.keyClick(browser.grid, Qt.Key.Key_Return)
    assert signal.args[0].label == 4


def test_export_then_import_elsewhere(browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path, reader: Reader) -> None:
    assert browser.export_to(str(tmp_path / "all.dccollection"))
    other = CollectionBrowser(Collection.open(tmp_path / "other"), reader)
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.import_done) as done:
        assert other.import_from(str(tmp_path / "all.dccollection"))
    assert done.args == [True]
    assert len(other.item_texts()) == 3 and "Imported 3 drawings" in other.summary.text()
    with qtbot.waitSignal(other.import_done) as done:
        other.import_from(str(tmp_path / "missing.dccollection"))
    assert done.args == [False] and "Could not import" in other.summary.text()


def test_the_first_tile_is_selected_on_opening_so_a_digit_key_relabels_it(
    browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path
) -> None:
    assert [e.label for e in browser.selected_entries()] == [1]  # the mistake, first
    assert browser.focusWidget() is browser.grid
    with qtbot.waitSignal(browser.changed):
        qtbot.keyClick(browser.grid, Qt.Key.Key_7)
    assert sorted(Collection.open(tmp_path / "c").labels) == [0, 4, 7]
    # The relabelled drawing moved behind the others; the selection went with it.
    assert browser.grid.currentRow() == 2 and [e.label for e in browser.selected_entries()] == [7]
    qtbot.keyClick(browser.grid, Qt.Key.Key_Delete)
    assert sorted(Collection.open(tmp_path / "c").labels) == [0, 4]
    # The tile that took the removed one's place is selected: 0-9 and Delete still act.
    assert len(browser.selected_entries()) == 1


def test_reopening_selects_the_first_tile_again(browser: CollectionBrowser, qtbot: QtBot) -> None:
    _select(browser, 2)
    browser.hide()
    browser.show()
    qtbot.waitExposed(browser)
    assert browser.grid.currentRow() == 0 and [e.label for e in browser.selected_entries()] == [1]
    assert browser.focusWidget() is browser.grid


def test_a_wrong_key_is_corrected_on_the_same_drawing_not_its_new_neighbour(
    qtbot: QtBot, tmp_path: Path, reader: Reader
) -> None:
    collection = Collection.open(tmp_path / "c")
    for name, label in (("0", 0), ("1", 1), ("4two", 4), ("7", 7)):
        collection.add(compose([name])[0], label, reader)
    browser = CollectionBrowser(collection, reader)
    qtbot.addWidget(browser)
    browser.show()
    assert browser.item_texts() == ["0 · read 0", "1 · read 1", "4 · read 4", "7 · read 7"]
    _select(browser, 2)
    qtbot.keyClick(browser.grid, Qt.Key.Key_9)  # a slip: the 4 is now a mistake, shown first
    assert browser.item_texts()[0] == "9 · read 4 ✗"
    assert [e.label for e in browser.selected_entries()] == [9]
    qtbot.keyClick(browser.grid, Qt.Key.Key_4)  # put right at once
    assert browser.item_texts() == ["0 · read 0", "1 · read 1", "4 · read 4", "7 · read 7"]
    assert sorted(Collection.open(tmp_path / "c").labels) == [0, 1, 4, 7]


def test_ctrl_z_undoes_a_relabel_and_the_drawing_stays_selected(
    browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path
) -> None:
    _select(browser, 1)  # the 0
    qtbot.keyClick(browser.grid, Qt.Key.Key_6)
    assert sorted(Collection.open(tmp_path / "c").labels) == [1, 4, 6]
    _select(browser, 2)  # look elsewhere, then undo
    qtbot.keyClick(browser.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sorted(Collection.open(tmp_path / "c").labels) == [0, 1, 4]
    assert [e.label for e in browser.selected_entries()] == [0]
    qtbot.keyClick(browser.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "nothing to undo" in browser.summary.text()
    assert sorted(Collection.open(tmp_path / "c").labels) == [0, 1, 4]


def test_every_step_undoes_when_one_drawing_was_relabelled_twice(
    browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each relabel writes a new file, named by the second it was written in (a new second for
    # each key press here, as for a person): the older steps must follow the drawing to it.
    seconds = itertools.count()
    clock = types.SimpleNamespace(strftime=lambda _format: f"20261201-{next(seconds):06d}")
    monkeypatch.setattr(collection_folder, "time", clock)
    _select(browser, 2)  # the 4
    qtbot.keyClick(browser.grid, Qt.Key.Key_9)
    qtbot.keyClick(browser.grid, Qt.Key.Key_5)
    qtbot.keyClick(browser.grid, Qt.Key.Key_Delete)
    assert sorted(Collection.open(tmp_path / "c").labels) == [0, 1]
    for labels in ([0, 1, 5], [0, 1, 9], [0, 1, 4]):
        qtbot.keyClick(browser.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert sorted(Collection.open(tmp_path / "c").labels) == labels
        assert "Could not" not in browser.summary.text()
    assert [e.label for e in browser.selected_entries()] == [4]


def test_a_failed_edit_says_so_after_the_window_refreshed(
    browser: CollectionBrowser, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser.changed.connect(browser.refresh)  # as the window does

    def full(*_: object) -> int:
        raise DrawingFileError("c/0-x.json: cannot remove the file (the disk is read-only)")

    monkeypatch.setattr(browser._collection, "remove", full)
    _select(browser, 1)
    qtbot.keyClick(browser.grid, Qt.Key.Key_Delete)
    assert browser.summary.text() == "Could not remove: c/0-x.json: cannot remove the file (the disk is read-only)"


def test_relabelling_several_keeps_them_all_selected_and_one_undo_takes_all_back(
    browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path
) -> None:
    browser.grid.selectAll()
    qtbot.keyClick(browser.grid, Qt.Key.Key_8)
    assert sorted(Collection.open(tmp_path / "c").labels) == [8, 8, 8]
    assert len(browser.selected_entries()) == 3
    qtbot.keyClick(browser.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sorted(Collection.open(tmp_path / "c").labels) == [0, 1, 4]


def test_importing_a_copy_with_another_label_keeps_one_entry_and_says_so(
    browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path, reader: Reader
) -> None:
    from digitcanvas.collection.archive import export_collection

    drawings = Collection.open(tmp_path / "c").drawings
    changed = [d.with_label(9) if d.label == 0 else d for d in drawings]
    export_collection(changed, tmp_path / "changed.dccollection")
    with qtbot.waitSignal(browser.import_done) as done:
        assert browser.import_from(str(tmp_path / "changed.dccollection"))
    assert done.args == [False]
    said = "Imported 0 drawings, 3 already here (1 of them with another label there: yours kept)."
    assert browser.summary.text() == said
    assert len(browser.item_texts()) == 3
    single = Collection.open(tmp_path / "one")
    export_collection(drawings[:1], tmp_path / "single.dccollection")
    other = CollectionBrowser(single, reader)
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.import_done) as done:
        assert other.import_from(str(tmp_path / "single.dccollection"))
    assert done.args == [True]
    assert other.summary.text() == "Imported 1 drawing."
    assert other.item_texts() == ["0 · read 0"]


def test_the_import_dialog_opens_where_the_last_export_went(
    browser: CollectionBrowser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    opened: list[str] = []
    target = tmp_path / "shared" / "class"
    target.parent.mkdir()

    def save(_parent: object, _title: str, name: str, _kinds: str) -> tuple[str, str]:
        opened.append(name)
        return str(target), ""

    def open_(_parent: object, _title: str, folder: str, _kinds: str) -> tuple[str, str]:
        opened.append(folder)
        return "", ""  # cancelled

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_)
    monkeypatch.setattr(Path, "home", lambda: tmp_path / "home")
    browser.export_button.click()
    assert opened[0] == str(tmp_path / "home" / "collection.dccollection")  # first: in the home folder
    assert (tmp_path / "shared" / "class.dccollection").is_file()
    browser.import_button.click()
    assert opened[1] == str(tmp_path / "shared")


# --- importing off the GUI thread (issue #27) ------------------------------------------------


def _archive(tmp_path: Path, count: int) -> Path:
    """A collection file of ``count`` different drawings (a 1 moved right by i / 10 px)."""
    from digitcanvas.collection.archive import export_collection
    from digitcanvas.drawing.strokes import Drawing

    one, _ = compose(["1"])
    drawings = [
        Drawing(tuple(s + np.array([i / 10, 0]) for s in one.strokes), one.width, one.height, label=1)
        for i in range(count)
    ]
    return export_collection(drawings, tmp_path / f"{count}.dccollection")


def test_an_import_runs_off_the_gui_thread_and_says_how_far_it_is(
    browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Import ran on the GUI thread: 20,000 drawings froze the window for 131 s."""
    import threading

    from digitcanvas.collection import archive

    archive_path = _archive(tmp_path, 350)
    threads: list[str] = []
    original = archive.read_archive

    def watched(path: str) -> tuple[list[Drawing], list[str]]:
        threads.append(threading.current_thread().name)
        return original(path)

    monkeypatch.setattr(archive, "read_archive", watched)
    seen: list[str] = []
    with qtbot.waitSignal(browser.import_done, timeout=60_000) as done:
        assert browser.import_from(str(archive_path))
        assert browser.import_button.text() == "Cancel Import" and not browser.export_button.isEnabled()
        assert not browser.import_from(str(archive_path))  # one at a time
        qtbot.keyClick(browser.grid, Qt.Key.Key_Delete)  # edits wait for the import
        assert len(browser.item_texts()) == 3
        browser._importer.progressed.connect(lambda _key, news: seen.append(browser.summary.text()))
    assert done.args == [True]
    assert threads and threads[0].startswith("digitcanvas-import")
    assert any(text.startswith("Importing… ") and text.endswith(" of 350") for text in seen)
    assert browser.summary.text() == "Imported 350 drawings."
    assert len(browser.item_texts()) == 353 and browser.import_button.text() == "Import…"
    assert len(Collection.open(tmp_path / "c").entries) == 353


def test_a_cancelled_import_leaves_nothing(
    browser: CollectionBrowser, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed import of 100,000 left 15,213 files: all or nothing."""
    archive_path = _archive(tmp_path, 450)
    monkeypatch.setattr(collection_folder, "PROGRESS_EVERY", 10)
    cancelled_at: list[int] = []

    def cancel(_key: object, news: tuple[str, int, int]) -> None:
        if news[1] >= 200 and not cancelled_at:
            cancelled_at.append(news[1])
            browser.import_button.click()  # now "Cancel Import"

    browser._importer.progressed.connect(cancel)
    with qtbot.waitSignal(browser.import_done, timeout=60_000) as done:
        browser.import_from(str(archive_path))
    assert done.args == [False] and cancelled_at
    assert browser.summary.text() == "Import cancelled: nothing was imported."
    assert len(browser.item_texts()) == 3
    assert sorted(p.name for p in (tmp_path / "c").iterdir() if p.name.endswith(".json")) == sorted(
        e.path.name for e in Collection.open(tmp_path / "c").entries
    )
    assert len(Collection.open(tmp_path / "c").entries) == 3
    assert not [p for p in (tmp_path / "c").iterdir() if p.name.startswith(".digitcanvas-import-")]


def test_an_empty_collection_says_how_to_keep_a_drawing(qtbot: QtBot, tmp_path: Path, reader: Reader) -> None:
    widget = CollectionBrowser(Collection.open(tmp_path / "empty"), reader)
    qtbot.addWidget(widget)
    widget.show()
    text = widget.summary.text()
    assert text.startswith("No drawings kept yet") and "press its key (0–9)" in text
    assert str(tmp_path / "empty") in text  # outside the home folder: the path as it is


def test_the_folder_is_named_from_home_as_the_main_window_names_it(
    qtbot: QtBot, tmp_path: Path, reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    widget = CollectionBrowser(Collection.open(tmp_path / "kept"), reader)
    qtbot.addWidget(widget)
    widget.show()
    assert "in ~/kept" in widget.summary.text()
