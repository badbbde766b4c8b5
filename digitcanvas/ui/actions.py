"""The window's actions (menu items and keyboard shortcuts), built in one place.

:func:`build_actions` makes every :class:`QAction` from the window's slots and adds it to
the window, so its shortcut works even where the menu bar is hidden; :func:`build_menus`
lays them out in the menu bar. :data:`SHORTCUTS_HELP` is the Help ▸ Keyboard Shortcuts text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QWidget

from ..preprocessing import NUM_CLASSES

Shortcut = QKeySequence | QKeySequence.StandardKey | str
Slot = Callable[[], object]


class Slots(NamedTuple):
    """What each action does: the window's methods."""

    open_model: Slot
    use_bundled: Slot
    open_drawing: Slot
    save_drawing: Slot
    export_png: Slot
    export_input: Slot
    quit: Slot
    submit: Slot
    undo: Slot
    clear: Slot
    correct: Callable[[int], object]
    choose_collection: Slot
    open_collection: Slot
    toggle_live: Slot
    shortcuts: Slot
    about: Slot


class Actions(NamedTuple):
    """Every action of the window."""

    open_model: QAction
    use_bundled: QAction
    open_drawing: QAction
    save_drawing: QAction
    export_png: QAction
    export_input: QAction
    quit: QAction
    submit: QAction
    undo: QAction
    clear: QAction
    corrections: tuple[QAction, ...]  # "That was a 0" … "That was a 9", on the digit keys
    choose_collection: QAction
    open_collection: QAction
    live: QAction  # checkable: live classification on/off
    shortcuts: QAction
    about: QAction


def build_actions(window: QWidget, slots: Slots) -> Actions:
    """Make the actions, connect them to ``slots`` and add them to ``window``."""

    def action(text: str, slot: Callable[..., object], *shortcuts: Shortcut) -> QAction:
        made = QAction(text, window)
        if shortcuts:
            made.setShortcuts([QKeySequence(s) for s in shortcuts])
        made.triggered.connect(slot)
        window.addAction(made)  # shortcuts work even where the menu bar is hidden
        return made

    standard = QKeySequence.StandardKey
    actions = Actions(
        open_model=action("Open &Model…", slots.open_model, standard.Open),
        use_bundled=action("Use &Bundled Model", slots.use_bundled),
        open_drawing=action("Open &Drawing…", slots.open_drawing, "Ctrl+Shift+O"),
        save_drawing=action("&Save Drawing…", slots.save_drawing, standard.Save),
        export_png=action("Export Drawing as &PNG…", slots.export_png, "Ctrl+E"),
        export_input=action("Export &Network Input as PNG…", slots.export_input, "Ctrl+Shift+E"),
        quit=action("&Quit", slots.quit, standard.Quit),
        submit=action("&Classify", slots.submit, "Return", "Enter"),
        undo=action("&Undo Stroke", slots.undo, standard.Undo),
        clear=action("C&lear", slots.clear, "Escape", "Delete"),
        corrections=tuple(action(str(d), lambda _=False, d=d: slots.correct(d), str(d)) for d in range(NUM_CLASSES)),
        choose_collection=action("Choose Collection &Folder…", slots.choose_collection),
        open_collection=action("&Open Collection Folder", slots.open_collection),
        live=action("&Live Classification", slots.toggle_live, "Ctrl+L"),
        shortcuts=action("&Keyboard Shortcuts", slots.shortcuts, "F1"),
        about=action("&About DigitCanvas", slots.about),
    )
    for digit, correction in enumerate(actions.corrections):
        correction.setStatusTip(f"Keep this drawing in your collection as a {digit}")
    actions.live.setCheckable(True)
    return actions


def build_menus(menu_bar: QMenuBar, actions: Actions) -> None:
    """File, Edit, View and Help menus from ``actions``."""
    file_menu = menu_bar.addMenu("&File")
    file_menu.addActions([actions.open_model, actions.use_bundled])
    file_menu.addSeparator()
    file_menu.addActions([actions.open_drawing, actions.save_drawing, actions.export_png, actions.export_input])
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)

    edit_menu = menu_bar.addMenu("&Edit")
    edit_menu.addActions([actions.submit, actions.undo, actions.clear])
    edit_menu.addSeparator()
    edit_menu.addMenu("That &Was a…").addActions(list(actions.corrections))
    edit_menu.addActions([actions.choose_collection, actions.open_collection])

    menu_bar.addMenu("&View").addAction(actions.live)
    menu_bar.addMenu("&Help").addActions([actions.shortcuts, actions.about])


SHORTCUTS_HELP = (
    "<table cellpadding=3>"
    "<tr><td><b>Enter</b></td><td>Classify the drawing</td></tr>"
    "<tr><td><b>Esc</b> / <b>Delete</b></td><td>Clear the canvas</td></tr>"
    "<tr><td><b>Ctrl+Z</b></td><td>Undo the last stroke</td></tr>"
    "<tr><td><b>0</b> … <b>9</b></td><td>Say what the digit really was: keeps it in your collection</td></tr>"
    "<tr><td><b>Ctrl+L</b></td><td>Live classification on/off</td></tr>"
    "<tr><td><b>Ctrl+O</b></td><td>Open a model (.onnx)</td></tr>"
    "<tr><td><b>Ctrl+S</b> / <b>Ctrl+Shift+O</b></td><td>Save / open a drawing</td></tr>"
    "<tr><td><b>Ctrl+E</b> / <b>Ctrl+Shift+E</b></td><td>Export drawing / network input as PNG</td></tr>"
    "<tr><td><b>F1</b></td><td>This list</td></tr></table>"
)
