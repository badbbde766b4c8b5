"""The collection panel on its own: the summary it shows and the folder links' signals."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from digitcanvas.ui.widgets.collection_panel import CollectionPanel


@pytest.fixture
def panel(qtbot: QtBot) -> CollectionPanel:
    widget = CollectionPanel()
    qtbot.addWidget(widget)
    widget.resize(268, 90)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_has_its_heading_and_links(panel: CollectionPanel) -> None:
    assert "YOUR COLLECTION" in [label.text() for label in panel.findChildren(QLabel)]
    assert panel.open_button.text() == "Open folder"
    assert panel.change_button.text() == "Change…"


def test_shows_the_summary_and_where_it_is_kept(panel: CollectionPanel, tmp_path: Path) -> None:
    panel.show_summary("3 drawings · this model gets 66.7% · misses 4 (1 of 2)", tmp_path / "kept")
    assert panel.summary_text() == "3 drawings · this model gets 66.7% · misses 4 (1 of 2)"
    assert panel.folder_text() == f"Kept in {tmp_path / 'kept'}"
    assert panel.folder_label.isVisible() and panel.folder_label.toolTip() == str(tmp_path / "kept")


def test_says_how_far_a_reading_in_the_background_is(panel: CollectionPanel, tmp_path: Path) -> None:
    panel.show_progress("Reading your collection", 0, 0, tmp_path)
    assert panel.summary_text() == "Reading your collection…"
    panel.show_progress("Reading your collection", 1200, 30000, tmp_path)
    assert panel.summary_text() == "Reading your collection… 1,200 of 30,000"
    assert panel.folder_text() == f"Kept in {tmp_path}"


def test_a_folder_at_home_is_shown_with_a_tilde_and_shortened_in_the_middle(panel: CollectionPanel) -> None:
    folder = Path.home() / ".local" / "share" / ("very-long-folder-name-" * 6) / "DigitCanvas" / "collection"
    panel.resize(520, 90)
    panel.show_summary("", folder)
    assert panel.folder_text().startswith("Kept in ~/.local/share/")
    shown = panel.folder_label.text()
    assert "…" in shown and shown.startswith("Kept in ~") and shown.endswith("collection")


def test_open_folder_link_asks_for_the_folder(panel: CollectionPanel, qtbot: QtBot) -> None:
    with (
        qtbot.waitSignal(panel.open_folder_requested, timeout=1000),
        qtbot.assertNotEmitted(panel.change_folder_requested),
    ):
        qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)


def test_change_link_asks_for_another_folder(panel: CollectionPanel, qtbot: QtBot) -> None:
    with (
        qtbot.waitSignal(panel.change_folder_requested, timeout=1000),
        qtbot.assertNotEmitted(panel.open_folder_requested),
    ):
        qtbot.mouseClick(panel.change_button, Qt.MouseButton.LeftButton)


def test_links_leave_the_keyboard_to_the_window(panel: CollectionPanel, qtbot: QtBot) -> None:
    qtbot.mouseClick(panel.change_button, Qt.MouseButton.LeftButton)
    assert panel.open_button.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert not panel.change_button.hasFocus()
