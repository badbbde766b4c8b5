"""The actions table on its own: every action calls its slot, with its shortcut, in its menu."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QMainWindow, QMenu
from pytestqt.qtbot import QtBot

from digitcanvas.ui.actions import Actions, Slots, build_actions, build_menus


class Recorder:
    """Slots that write down what was called."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def slot(self, name: str) -> Callable[[], object]:
        return lambda: self.calls.append(name)

    def slots(self) -> Slots:
        names = [f for f in Slots._fields if f != "correct"]
        return Slots(**{name: self.slot(name) for name in names}, correct=lambda d: self.calls.append(f"correct {d}"))


@pytest.fixture
def built(qtbot: QtBot) -> tuple[QMainWindow, Actions, Recorder]:
    window = QMainWindow()
    qtbot.addWidget(window)
    recorder = Recorder()
    actions = build_actions(window, recorder.slots())
    build_menus(window.menuBar(), actions)
    return window, actions, recorder


def test_each_action_calls_its_slot(built: tuple[QMainWindow, Actions, Recorder]) -> None:
    _, actions, recorder = built
    actions.open_model.trigger()
    actions.export_input.trigger()
    actions.corrections[7].trigger()
    actions.live.trigger()
    assert recorder.calls == ["open_model", "export_input", "correct 7", "toggle_live"]


def test_shortcuts(built: tuple[QMainWindow, Actions, Recorder]) -> None:
    _, actions, _ = built
    single = {name: action for name, action in actions._asdict().items() if name != "corrections"}
    keys = {name: [k.toString() for k in action.shortcuts()] for name, action in single.items()}
    assert keys["submit"] == ["Return", "Enter"]
    assert keys["clear"] == ["Esc", "Del"]
    assert keys["undo"] == ["Ctrl+Z"]
    assert keys["live"] == ["Ctrl+L"]
    assert keys["open_drawing"] == ["Ctrl+Shift+O"]
    assert keys["export_png"] == ["Ctrl+E"] and keys["export_input"] == ["Ctrl+Shift+E"]
    assert keys["shortcuts"] == ["F1"]
    assert [a.shortcut().toString() for a in actions.corrections] == [str(d) for d in range(10)]


def test_actions_belong_to_the_window(built: tuple[QMainWindow, Actions, Recorder]) -> None:
    window, actions, _ = built
    assert actions.live.isCheckable()
    assert set(window.actions()) >= {actions.submit, actions.clear, *actions.corrections}


def test_menus(built: tuple[QMainWindow, Actions, Recorder]) -> None:
    window, actions, _ = built
    menus: dict[str, QMenu] = {}
    for a in window.menuBar().actions():
        menu = a.menu()
        assert isinstance(menu, QMenu)
        menus[a.text()] = menu
    assert list(menus) == ["&File", "&Edit", "&View", "&Help"]
    file_items = [a.text() for a in menus["&File"].actions() if not a.isSeparator()]
    assert file_items[0] == "Open &Model…" and file_items[-1] == "&Quit"
    edit = menus["&Edit"].actions()
    (correct_menu,) = [a.menu() for a in edit if a.menu() is not None]
    assert isinstance(correct_menu, QMenu)
    assert [a.text() for a in correct_menu.actions()] == [str(d) for d in range(10)]
    assert menus["&View"].actions() == [actions.live]
