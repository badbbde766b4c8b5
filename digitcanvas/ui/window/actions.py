"""The window's actions (menu items and keyboard shortcuts), built in one place.

:class:`Actions` declares each action with how it shows (text, shortcuts, tip);
:func:`build_actions` makes them and adds them to the window, so their shortcuts work even
where the menu bar is hidden, and the window connects what each does; :func:`build_menus`
lays them out in the menu bar. :func:`shortcuts_help` writes the Help ▸ Keyboard and
Mouse list from the actions themselves, so it names every shortcut there is.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, fields
from typing import Any

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

from digitcanvas.collection.keeper import a_digit
from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.state.app_state import AppState
from digitcanvas.ui.widgets.controls import PEN_WIDTH_RANGE, ControlBar
from digitcanvas.util.text import unbreakable

Shortcut = QKeySequence | QKeySequence.StandardKey | str
SPEC = "spec"  # the metadata key of an Actions field's ActionSpec
CORRECTIONS_MENU = "That &Was a…"
UNDO_HELP = "Undo the last change: a stroke, Clear, an opened drawing, a keep"


@dataclass(frozen=True)
class ActionSpec:
    """How an action shows: its menu text (``&`` marks the Alt letter), shortcuts and tip."""

    text: str
    shortcuts: tuple[Shortcut, ...] = ()
    tip: str = ""
    checkable: bool = False


def _action(text: str, *shortcuts: Shortcut, tip: str = "", checkable: bool = False) -> Any:
    """An :class:`Actions` field made from an :class:`ActionSpec` by :func:`build_actions`."""
    return field(metadata={SPEC: ActionSpec(text, shortcuts, tip, checkable)})


_standard = QKeySequence.StandardKey


@dataclass(frozen=True)
class Actions:
    """Every action of the window: each field says how it shows; the window connects what it does."""

    open_model: QAction = _action("Open &Model…", _standard.Open, "Ctrl+O", tip="Use your own ONNX model")
    use_bundled: QAction = _action("Use &Bundled Model", tip="Go back to the model DigitCanvas ships")
    open_drawing: QAction = _action(
        "Open &Drawing or Image…", "Ctrl+Shift+O", tip="A drawing file, or a photo or scan of a digit or a number"
    )
    save_drawing: QAction = _action("&Save Drawing…", _standard.Save, "Ctrl+S")
    export_png: QAction = _action("Export Drawing as &PNG…", "Ctrl+E")
    export_input: QAction = _action("Export &Network Input as PNG…", "Ctrl+Shift+E")
    quit: QAction = _action("&Quit", _standard.Quit, "Ctrl+Q")
    # "Enter" first: the menu shows the first shortcut, and Enter is the key's name on the keyboard.
    submit: QAction = _action("&Classify", "Enter", "Return", tip="Read the drawing now")
    undo: QAction = _action("&Undo", _standard.Undo, "Ctrl+Z", tip=UNDO_HELP)
    clear: QAction = _action("C&lear", "Escape", "Delete", tip="Start again (Undo brings it back)")
    choose_collection: QAction = _action("Choose Collection &Folder…")
    open_collection: QAction = _action("&Open Collection Folder")
    live: QAction = _action("&Live Classification", "Ctrl+L", tip="Read the drawing while you draw", checkable=True)
    thinner_pen: QAction = _action("&Thinner Pen", "[", "-")
    thicker_pen: QAction = _action("T&hicker Pen", "]", "+", "=")
    previous_digit: QAction = _action("&Previous Digit", "Left", tip="Bars of the digit on the left")
    next_digit: QAction = _action("&Next Digit", "Right", tip="Bars of the digit on the right")
    input_settings: QAction = _action("&Input Settings…", "Ctrl+Shift+I", tip="How pixels are fed to the model")
    compare_model: QAction = _action(
        "&Compare with Model…", "Ctrl+Shift+M", tip="Read each drawing with a second model too"
    )
    train_network: QAction = _action(
        "&Train a Network…", "Ctrl+Shift+T", tip="Train your own network on MNIST, watch it learn, draw on it"
    )
    adapt: QAction = _action(
        "&Adapt to My Handwriting", "Ctrl+Shift+A", tip="Learn from the drawings you kept", checkable=True
    )
    inside_view: QAction = _action("Look &Inside the Network", "Ctrl+I", tip="Layers, activations and why this digit")
    theme_system: QAction = _action("&System", tip="Light or dark as the desktop is", checkable=True)
    theme_light: QAction = _action("&Light", tip="Light whatever the desktop is", checkable=True)
    theme_dark: QAction = _action("&Dark", tip="Dark whatever the desktop is", checkable=True)
    browse_collection: QAction = _action(
        "&Browse Collection…", "Ctrl+B", tip="Your kept drawings: relabel, remove, share"
    )
    shortcuts: QAction = _action("&Keyboard and Mouse", "F1")
    about: QAction = _action("&About DigitCanvas")
    # "That was a 0" … "That was a 9", on the digit keys (made by build_actions, not from a spec)
    corrections: tuple[QAction, ...] = ()

    def items(self) -> list[tuple[str, QAction]]:
        """Every action but the corrections, by field name, in declaration order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self) if SPEC in f.metadata]


def build_actions(window: QWidget) -> Actions:
    """Make the actions and add them to ``window`` (so their shortcuts work even where the
    menu bar is hidden). What each does is connected by the window."""

    def make(spec: ActionSpec) -> QAction:
        made = QAction(spec.text, window)
        if spec.shortcuts:
            # A platform may bind a standard key to nothing (offscreen Qt has no Quit): the
            # plain key follows it, and duplicates go.
            keys = {
                QKeySequence(s).toString(): QKeySequence(s) for s in spec.shortcuts if not QKeySequence(s).isEmpty()
            }
            made.setShortcuts(list(keys.values()))
        made.setStatusTip(spec.tip)
        made.setCheckable(spec.checkable)
        window.addAction(made)
        return made

    made = {f.name: make(f.metadata[SPEC]) for f in fields(Actions) if SPEC in f.metadata}
    corrections = tuple(make(ActionSpec(f"&{d}", tip=f"Keep the drawing as {a_digit(d)}")) for d in range(NUM_CLASSES))
    # The digit keys trigger the corrections through shortcuts of their own, so the menu
    # lists each digit once ("0", not "0    0"); a disabled correction ignores its key.
    for digit, correction in enumerate(corrections):
        key = QShortcut(QKeySequence(str(digit)), window)
        key.activated.connect(correction.trigger)
    return Actions(**made, corrections=corrections)


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
    model_menu.addActions([actions.input_settings, actions.compare_model, actions.train_network])
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
    view_menu.addSeparator()
    view_menu.addMenu("Th&eme").addActions([actions.theme_system, actions.theme_light, actions.theme_dark])
    menu_bar.addMenu("&Help").addActions([actions.shortcuts, actions.about])


def update_actions(actions: Actions, controls: ControlBar, state: AppState, *, ink: bool, image: bool = False) -> None:
    """Enable what can act: with ``ink`` on the canvas (or an ``image`` read there: read it
    again, export its input, clear it), a model loaded (Use Bundled Model unless it is the
    bundled one), a step to undo (named), a number read (Left and Right). The digit keys and
    bars stay on with a number or an image, to say why neither is kept; the buttons follow."""
    reading, models = state.reading, state.models
    model = models.reader is not None
    several_digits = reading is not None and len(reading.digits) > 1
    undo = state.history.next_name()
    for action in (actions.save_drawing, actions.export_png):
        action.setEnabled(ink)
    for action in (actions.export_input, actions.clear):
        action.setEnabled(ink or image)
    actions.submit.setEnabled((ink or image) and model)
    for action in actions.corrections:  # a number's digits cannot be kept one by one: a keep says so
        action.setEnabled((ink or image) and model)
    actions.undo.setEnabled(undo is not None)
    actions.undo.setText(f"&Undo {undo}" if undo else "&Undo")
    actions.use_bundled.setEnabled(not models.bundled)
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
    path = unbreakable(" ▸ ".join(names))  # a wrapped text keeps the path on one line
    return path + (f" ({keys})" if keys else "")


def _menu_of(action: QAction) -> QMenu | None:
    menus = [m for m in action.associatedObjects() if isinstance(m, QMenu) and m.title()]
    return menus[0] if menus else None


def _plain(text: str) -> str:
    return text.replace("&", "")


# Things done without a shortcut of their own, for the help list.
GESTURES = (
    ("0 … 9", "Say what a single digit really was: keeps the drawing in your collection (again: relabels it)"),
    ("Click a bar", "The same, with the mouse (a number or an image is not kept: draw one digit)"),
    ("Click a digit's image", "Show that digit's bars (a number)"),
    ("Mouse wheel on Pen", "Pen width"),
    ("Drag and drop", "Drop a model (.onnx), a drawing (.json) or an image (PNG, JPEG) on the window"),
    ("Alt + underlined letter", "Open a menu, then arrows and Enter: every command"),
)


def _label(action: QAction) -> str:
    if action.statusTip() == UNDO_HELP:  # its text names the next step ("Undo Stroke")
        return "Undo the last change"
    return action.text().replace("&", "").rstrip("…")


def shortcuts_help(actions: Actions) -> str:
    """The Help ▸ Keyboard and Mouse list: every action's shortcuts (two columns), then the gestures."""
    rows: list[tuple[str, str]] = []
    for _name, value in actions.items():
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
