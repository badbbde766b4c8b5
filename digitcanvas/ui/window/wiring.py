"""What each of the main window's actions does: :func:`window_slots` maps every
:class:`~.actions.Slots` field to the window's method, or its helper's (the files, the model
tools, the collection, the adaptation), so the window's constructor only makes the actions
and lays out the menus (:mod:`.actions`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digitcanvas.ui import dialogs
from digitcanvas.ui.window.actions import Slots, shortcuts_help

if TYPE_CHECKING:  # the window calls this while it builds itself; only its type is needed here
    from digitcanvas.ui.window.main_window import MainWindow


def window_slots(window: MainWindow) -> Slots:
    """The slots of ``window``'s actions. Each looks up what it calls when triggered: the
    helpers it reaches (``window.files``, ``window.tools``, ``window.ui_actions``…) are made
    after the actions."""
    return Slots(
        open_model=lambda: window.files.open_model_dialog(),
        use_bundled=window.use_bundled_model,
        open_drawing=lambda: window.files.open_dialog(),
        save_drawing=lambda: window.files.save_dialog(),
        export_png=lambda: window.files.export_png_dialog(),
        export_input=lambda: window.files.export_input_dialog(),
        quit=window.close,
        submit=window.submit,
        undo=window.undo,
        clear=window.clear,
        correct=window.correct,
        choose_collection=lambda: window.files.choose_collection_dialog(),
        open_collection=window.open_collection_folder,
        toggle_live=window.controls.live_box.toggle,
        thinner_pen=lambda: window.controls.step_pen(-1),
        thicker_pen=lambda: window.controls.step_pen(1),
        previous_digit=lambda: window.result_panel.select_next(-1),
        next_digit=lambda: window.result_panel.select_next(1),
        input_settings=lambda: window.tools.input_settings_dialog(),
        compare_model=lambda: window.tools.compare_dialog(),
        toggle_adapt=lambda: window.adaptation.set_on(window.ui_actions.adapt.isChecked()),
        inside_view=lambda: window.tools.show_inside(),
        browse_collection=lambda: window.collection.browse(),
        shortcuts=lambda: dialogs.show_shortcuts(window, shortcuts_help(window.ui_actions)),
        about=lambda: dialogs.show_about(window, window.classifier),
    )
