"""The window's actions (menu items and keyboard shortcuts), built in one place.

:func:`build_actions` makes every :class:`QAction` from the window's slots and adds it to
the window, so its shortcut works even where the menu bar is hidden; :func:`build_menus`
lays them out in the menu bar. :func:`shortcuts_help` writes the Help ▸ Keyboard and
Mouse list from the actions themselves, so it names every shortcut there is.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import NamedTuple

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from digitcanvas.collection.keeper import a_digit
from digitcanvas.reading.preprocessing import NUM_CLASSES
from digitcanvas.ui.widgets.controls import PEN_WIDTH_RANGE, ControlBar

Shortcut = QKeySequence | QKeySequence.StandardKey | str
Slot = Callable[[], object]
CORRECTIONS_MENU = "That &Was a…"
UNDO_HELP = "Undo the last change: a stroke, Clear, an opened drawing, a keep"
NBSP = "\u00a0"


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
    thinner_pen: Slot
    thicker_pen: Slot
    previous_digit: Slot
    next_digit: Slot
    input_settings: Slot
    compare_model: Slot
    toggle_adapt: Slot
    inside_view: Slot
    browse_collection: Slot
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
    thinner_pen: QAction
    thicker_pen: QAction
    previous_digit: QAction
    next_digit: QAction
    input_settings: QAction
    compare_model: QAction
    adapt: QAction  # checkable: adapt readings to the kept drawings
    inside_view: QAction
    browse_collection: QAction
    shortcuts: QAction
    about: QAction


def build_actions(window: QWidget, slots: Slots) -> Actions:
    """Make the actions, connect them to ``slots`` and add them to ``window``."""

    def action(text: str, slot: Callable[..., object], *shortcuts: Shortcut, tip: str = "") -> QAction:
        made = QAction(text, window)
        if shortcuts:
            # A platform may bind a standard key to nothing (offscreen Qt has no Quit): the
            # plain key follows it, and duplicates go.
            keys = {QKeySequence(s).toString(): QKeySequence(s) for s in shortcuts if not QKeySequence(s).isEmpty()}
            made.setShortcuts(list(keys.values()))
        made.triggered.connect(slot)
        made.setStatusTip(tip)
        window.addAction(made)  # shortcuts work even where the menu bar is hidden
        return made

    standard = QKeySequence.StandardKey
    actions = Actions(
        open_model=action("Open &Model…", slots.open_model, standard.Open, "Ctrl+O", tip="Use your own ONNX model"),
        use_bundled=action("Use &Bundled Model", slots.use_bundled, tip="Go back to the model DigitCanvas ships"),
        open_drawing=action("Open &Drawing…", slots.open_drawing, "Ctrl+Shift+O"),
        save_drawing=action("&Save Drawing…", slots.save_drawing, standard.Save, "Ctrl+S"),
        export_png=action("Export Drawing as &PNG…", slots.export_png, "Ctrl+E"),
        export_input=action("Export &Network Input as PNG…", slots.export_input, "Ctrl+Shift+E"),
        quit=action("&Quit", slots.quit, standard.Quit, "Ctrl+Q"),
        # "Enter" first: the menu shows the first shortcut, and Enter is the key's name on the keyboard.
        submit=action("&Classify", slots.submit, "Enter", "Return", tip="Read the drawing now"),
        undo=action("&Undo", slots.undo, standard.Undo, "Ctrl+Z", tip=UNDO_HELP),
        clear=action("C&lear", slots.clear, "Escape", "Delete", tip="Start again (Undo brings it back)"),
        corrections=tuple(
            action(f"&{d}", lambda _=False, d=d: slots.correct(d), tip=f"Keep the drawing as {a_digit(d)}")
            for d in range(NUM_CLASSES)
        ),
        choose_collection=action("Choose Collection &Folder…", slots.choose_collection),
        open_collection=action("&Open Collection Folder", slots.open_collection),
        live=action("&Live Classification", slots.toggle_live, "Ctrl+L", tip="Read the drawing while you draw"),
        thinner_pen=action("&Thinner Pen", slots.thinner_pen, "[", "-"),
        thicker_pen=action("T&hicker Pen", slots.thicker_pen, "]", "+", "="),
        previous_digit=action("&Previous Digit", slots.previous_digit, "Left", tip="Bars of the digit on the left"),
        next_digit=action("&Next Digit", slots.next_digit, "Right", tip="Bars of the digit on the right"),
        input_settings=action(
            "&Input Settings…", slots.input_settings, "Ctrl+Shift+I", tip="How pixels are fed to the model"
        ),
        compare_model=action(
            "&Compare with Model…", slots.compare_model, "Ctrl+Shift+M", tip="Read each drawing with a second model too"
        ),
        adapt=action(
            "&Adapt to My Handwriting", slots.toggle_adapt, "Ctrl+Shift+A", tip="Learn from the drawings you kept"
        ),
        inside_view=action(
            "Look &Inside the Network", slots.inside_view, "Ctrl+I", tip="Layers, activations and why this digit"
        ),
        browse_collection=action(
            "&Browse Collection…", slots.browse_collection, "Ctrl+B", tip="Your kept drawings: relabel, remove, share"
        ),
        shortcuts=action("&Keyboard and Mouse", slots.shortcuts, "F1"),
        about=action("&About DigitCanvas", slots.about),
    )
    # The digit keys trigger the corrections through shortcuts of their own, so the menu
    # lists each digit once ("0", not "0    0"); a disabled correction ignores its key.
    for digit, correction in enumerate(actions.corrections):
        key = QShortcut(QKeySequence(str(digit)), window)
        key.activated.connect(correction.trigger)
    actions.live.setCheckable(True)
    actions.adapt.setCheckable(True)
    return actions


def build_menus(menu_bar: QMenuBar, actions: Actions) -> None:
    """File, Edit, Model, View and Help menus from ``actions``."""
    file_menu = menu_bar.addMenu("&File")
    file_menu.addActions([actions.open_drawing, actions.save_drawing, actions.export_png, actions.export_input])
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)

    edit_menu = menu_bar.addMenu("&Edit")
    edit_menu.addActions([actions.submit, actions.undo, actions.clear])
    edit_menu.addSeparator()
    corrections = edit_menu.addMenu(CORRECTIONS_MENU)
    corrections.setToolTipsVisible(True)
    corrections.addActions(list(actions.corrections))
    edit_menu.addActions([actions.browse_collection, actions.choose_collection, actions.open_collection])

    model_menu = menu_bar.addMenu("&Model")
    model_menu.addActions([actions.open_model, actions.use_bundled])
    model_menu.addSeparator()
    model_menu.addActions([actions.input_settings, actions.compare_model])
    model_menu.addSeparator()
    model_menu.addAction(actions.adapt)

    view_menu = menu_bar.addMenu("&View")
    view_menu.addAction(actions.live)
    view_menu.addSeparator()
    view_menu.addActions([actions.thinner_pen, actions.thicker_pen])
    view_menu.addSeparator()
    view_menu.addActions([actions.previous_digit, actions.next_digit])
    view_menu.addSeparator()
    view_menu.addAction(actions.inside_view)
    menu_bar.addMenu("&Help").addActions([actions.shortcuts, actions.about])


def update_actions(
    actions: Actions,
    controls: ControlBar,
    *,
    ink: bool,
    model: bool,
    bundled: bool,
    undo: str | None,
    several_digits: bool,
) -> None:
    """Enable what can act: ``ink`` on the canvas, a ``model`` loaded (the ``bundled`` one),
    the step Ctrl+Z would ``undo``, a number shown (``several_digits``: no corrections, which
    are for single digits, and the digit keys and bar clicks go through them); the buttons follow."""
    for action in (actions.save_drawing, actions.export_png, actions.export_input, actions.clear):
        action.setEnabled(ink)
    actions.submit.setEnabled(ink and model)
    for action in actions.corrections:  # a number's digits cannot be kept one by one
        action.setEnabled(ink and model and not several_digits)
    actions.undo.setEnabled(undo is not None)
    actions.undo.setText(f"&Undo {undo}" if undo else "&Undo")
    actions.use_bundled.setEnabled(not bundled)
    for action in (actions.input_settings, actions.inside_view):
        action.setEnabled(model)
    actions.previous_digit.setEnabled(several_digits)
    actions.next_digit.setEnabled(several_digits)
    pen = controls.pen_box.value()
    actions.thinner_pen.setEnabled(pen > PEN_WIDTH_RANGE[0])
    actions.thicker_pen.setEnabled(pen < PEN_WIDTH_RANGE[1])
    controls.submit_button.setEnabled(actions.submit.isEnabled())
    controls.undo_button.setEnabled(actions.undo.isEnabled())
    controls.clear_button.setEnabled(actions.clear.isEnabled())


def menu_path(action: QAction) -> str:
    """Where ``action`` is, as the menus show it, with its shortcut: "Model ▸ Open Model… (Ctrl+O)",
    for messages that send the person there (non-breaking spaces inside the path)."""
    names = [_plain(action.text())]
    item: QAction | None = action
    # The menu holding the item (not the menu bar's untitled overflow menu), then its parent menus.
    while item is not None and (menu := _menu_of(item)) is not None:
        names.insert(0, _plain(menu.title()))
        item = menu.menuAction()
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    path = " ▸ ".join(names).replace(" ", NBSP)  # a wrapped text keeps the path on one line
    return path + (f" ({keys})" if keys else "")


def _menu_of(action: QAction) -> QMenu | None:
    menus = [m for m in action.associatedObjects() if isinstance(m, QMenu) and m.title()]
    return menus[0] if menus else None


def _plain(text: str) -> str:
    return text.replace("&", "")


# Things done without a shortcut of their own, for the help list.
GESTURES = (
    ("0 … 9", "Say what a single digit really was: keeps the drawing in your collection (again: relabels it)"),
    ("Click a bar", "The same, with the mouse (a number's digits are not kept: draw them one at a time)"),
    ("Click a digit's image", "Show that digit's bars (a number)"),
    ("Mouse wheel on Pen", "Pen width"),
    ("Drag and drop", "Drop a model (.onnx) or a drawing (.json) on the window to open it"),
    ("Alt + underlined letter", "Open a menu, then arrows and Enter: every command"),
)


def _label(action: QAction) -> str:
    if action.statusTip() == UNDO_HELP:  # its text names the next step ("Undo Stroke")
        return "Undo the last change"
    return action.text().replace("&", "").rstrip("…")


def shortcuts_help(actions: Actions) -> str:
    """The Help ▸ Keyboard and Mouse list: every action's shortcuts (two columns), then the gestures."""
    rows: list[tuple[str, str]] = []
    for name, value in actions._asdict().items():
        if name == "corrections":
            continue
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in value.shortcuts()]
        if keys:
            rows.append((" / ".join(keys), _label(value)))

    def cells(row: tuple[str, str]) -> str:
        return f"<td><b>{html.escape(row[0])}</b></td><td>{html.escape(row[1])}</td>"

    half = (len(rows) + 1) // 2
    pairs = [(rows[i], rows[i + half] if i + half < len(rows) else ("", "")) for i in range(half)]
    table = "".join(f"<tr>{cells(a)}<td width=16></td>{cells(b)}</tr>" for a, b in pairs)
    gestures = "".join(f"<tr>{cells(g)}</tr>" for g in GESTURES)
    return f"<table cellpadding=2>{table}</table><p></p><table cellpadding=2>{gestures}</table>"
