"""The main window in tests: its own settings, shown and active, and what it put up.

The ``settings`` and ``window`` fixtures in ``conftest.py`` build on these.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from digitcanvas.drawing.file import load_drawing
from digitcanvas.state.app_state import AppState
from digitcanvas.ui.dialogs import TextDialog
from digitcanvas.ui.settings import KEY_COLLECTION, AppSettings
from digitcanvas.ui.window.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier


def isolated_settings(tmp_path: Path) -> QSettings:
    """Settings of one test only (an INI file in ``tmp_path``), the collection in ``tmp_path / "collection"``."""
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    store.setValue(KEY_COLLECTION, str(tmp_path / "collection"))
    return store


def shown(qtbot: QtBot, win: MainWindow, size: tuple[int, int] = (1000, 620), *, active: bool = True) -> MainWindow:
    """``win`` on screen at ``size``; ``active``: waits until it is the active window."""
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    if active:
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=2000)  # shortcuts reach the active window only
    return win


def boxes(win: MainWindow) -> list[QMessageBox]:
    """The message boxes ``win`` shows now."""
    return [b for b in win.findChildren(QMessageBox) if b.isVisible()]


def text_dialogs(win: MainWindow) -> list[TextDialog]:
    """The long texts (Keyboard and Mouse, About) ``win`` shows now."""
    return [d for d in win.findChildren(TextDialog) if d.isVisible()]


def kept_labels(win: MainWindow) -> list[int]:
    """The labels of the drawings in ``win``'s collection folder, sorted."""
    return sorted(load_drawing(p).label for p in win.collection.folder.glob("*.json"))  # type: ignore[misc]


def app_state(tmp_path: Path, *, bundled: bool = True) -> tuple[AppState, AppSettings]:
    """A state on its own (no window) over settings of this test only; ``bundled``: the
    bundled model in use, as when the window has started."""
    settings = AppSettings(isolated_settings(tmp_path))
    state = AppState(settings)
    if bundled:
        state.models.switch(None)
    return state, settings


def said(state: AppState) -> list[str]:
    """What ``state`` says from now on (the status bar's lines and the boxes' messages), in order."""
    lines: list[str] = []
    state.said.connect(lambda notice: lines.append(notice.text))
    state.failed.connect(lambda problem: lines.append(f"{problem.title}: {problem.message}"))
    return lines
