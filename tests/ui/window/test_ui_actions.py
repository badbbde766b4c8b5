"""The actions on their own: each is made from its declaration, with its shortcut, in its menu."""

from __future__ import annotations

import html

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu
from pytestqt.qtbot import QtBot

from digitcanvas.ui.dialogs import TextDialog
from digitcanvas.ui.window.actions import GESTURES, Actions, build_actions, build_menus, shortcuts_help


class Recorder:
    """Connects every action to a slot that writes down what was triggered."""

    def __init__(self, actions: Actions) -> None:
        self.calls: list[str] = []
        for name, action in actions.items():
            action.triggered.connect(lambda _=False, name=name: self.calls.append(name))
        for digit, action in enumerate(actions.corrections):
            action.triggered.connect(lambda _=False, d=digit: self.calls.append(f"correct {d}"))


@pytest.fixture
def built(qtbot: QtBot) -> tuple[QMainWindow, Actions, Recorder]:
    window = QMainWindow()
    qtbot.addWidget(window)
    actions = build_actions(window)
    build_menus(window.menuBar(), actions)
    return window, actions, Recorder(actions)


def test_every_declared_action_is_made_once(built: tuple[QMainWindow, Actions, Recorder]) -> None:
    window, actions, recorder = built
    made = [action for _, action in actions.items()] + list(actions.corrections)
    assert len(set(map(id, made))) == len(made) == len(window.actions())
    actions.open_model.trigger()
    actions.export_input.trigger()
    actions.corrections[7].trigger()
    actions.live.trigger()
    assert recorder.calls == ["open_model", "export_input", "correct 7", "live"]


def test_shortcuts(built: tuple[QMainWindow, Actions, Recorder]) -> None:
    _, actions, _ = built
    single = dict(actions.items())
    keys = {name: [k.toString() for k in action.shortcuts()] for name, action in single.items()}
    assert keys["submit"] == ["Enter", "Return"]  # the menu shows the first: the key's name
    assert keys["clear"] == ["Esc", "Del"]
    assert keys["undo"] == ["Ctrl+Z"]
    assert keys["quit"] == ["Ctrl+Q"]  # also where the platform binds no standard Quit key
    assert keys["live"] == ["Ctrl+L"]
    assert keys["open_drawing"] == ["Ctrl+Shift+O"]
    assert keys["export_png"] == ["Ctrl+E"] and keys["export_input"] == ["Ctrl+Shift+E"]
    assert keys["thinner_pen"][0] == "[" and keys["thicker_pen"][0] == "]"
    assert keys["previous_digit"] == ["Left"] and keys["next_digit"] == ["Right"]
    assert keys["shortcuts"] == ["F1"]


def test_digit_keys_trigger_the_corrections(built: tuple[QMainWindow, Actions, Recorder], qtbot: QtBot) -> None:
    window, actions, recorder = built
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_3)
    actions.corrections[4].setEnabled(False)
    qtbot.keyClick(window, Qt.Key.Key_4)  # a disabled correction ignores its key
    assert recorder.calls == ["correct 3"]
    assert all(a.shortcut().isEmpty() for a in actions.corrections)  # so the menu shows each digit once


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
    assert list(menus) == ["&File", "&Edit", "&Model", "&View", "&Help"]
    file_items = [a.text() for a in menus["&File"].actions() if not a.isSeparator()]
    assert file_items[0] == "Open &Drawing or Image…" and file_items[-1] == "&Quit"
    model = [a for a in menus["&Model"].actions() if not a.isSeparator()]
    assert model == [
        actions.open_model,
        actions.use_bundled,
        actions.input_settings,
        actions.compare_model,
        actions.train_network,
        actions.adapt,
    ]
    edit = menus["&Edit"].actions()
    (correct_menu,) = [a.menu() for a in edit if a.menu() is not None]
    assert isinstance(correct_menu, QMenu)
    assert [a.text() for a in correct_menu.actions()] == [f"&{d}" for d in range(10)]
    view = [a for a in menus["&View"].actions() if not a.isSeparator()]
    assert view[:-1] == [
        actions.live,
        actions.thinner_pen,
        actions.thicker_pen,
        actions.previous_digit,
        actions.next_digit,
        actions.inside_view,
    ]
    theme_menu = view[-1].menu()  # View ▸ Theme (issue #26): System, Light, Dark
    assert isinstance(theme_menu, QMenu) and theme_menu.title() == "Th&eme"
    assert theme_menu.actions() == [actions.theme_system, actions.theme_light, actions.theme_dark]


def test_the_help_lists_every_shortcut_and_gesture(built: tuple[QMainWindow, Actions, Recorder]) -> None:
    _, actions, _ = built
    text = shortcuts_help(actions)
    for name, action in actions.items():
        for key in action.shortcuts():
            assert f"<b>{key.toString()}" in text or f" / {key.toString()}" in text, (name, key.toString())
    for gesture, _ in GESTURES:
        assert html.escape(gesture) in text


@pytest.mark.parametrize("height", [260, 300, 340, 380])
def test_the_help_scrolls_with_no_row_cut_across(
    built: tuple[QMainWindow, Actions, Recorder], qtbot: QtBot, height: int
) -> None:
    """Keyboard and Mouse on a low screen: the last row in view was cut in half."""
    window, actions, _ = built
    dialog = TextDialog(window, "Keyboard and Mouse", shortcuts_help(actions))
    dialog.resize(dialog.sizeHint().width(), height)  # lower than the text: it scrolls
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(3):  # shown, laid out, trimmed, laid out again
        QApplication.processEvents()
    browser = dialog.browser
    view = browser.viewport().height()
    assert browser.verticalScrollBar().maximum() > 0 and height - dialog.height() < view
    layout = browser.document().documentLayout()
    block = browser.document().begin()
    while block.isValid():
        top = layout.blockBoundingRect(block).top()
        for index in range(block.layout().lineCount()):
            line = block.layout().lineAt(index)
            assert not top + line.y() < view < top + line.y() + line.height(), block.text()
        block = block.next()
