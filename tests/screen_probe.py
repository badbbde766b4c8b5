"""Open the window, its dialogs and its tools on a screen of a given size and scale; print
where each landed, as JSON. Run by ``tests/ui/window/test_ui_screen_fit.py`` in a process of
its own, with ``QT_QPA_PLATFORM=offscreen:configfile=…`` (the screen) and ``QT_SCALE_FACTOR``.

usage: PYTHONPATH=.:tests python tests/screen_probe.py SETTINGS_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QScrollArea, QWidget
from window_helpers import isolated_settings

from digitcanvas.model.classifier import bundled_model_path
from digitcanvas.ui.dialogs import TextDialog
from digitcanvas.ui.tools.input_settings import InputSettingsDialog
from digitcanvas.ui.window.geometry import keep_on_screen, place_on_screen
from digitcanvas.ui.window.main_window import MainWindow


def _rect(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def _frame(widget: QWidget) -> list[int]:
    return _rect(widget.frameGeometry())


def _ok_button(dialog: QWidget) -> list[int]:
    """Where the dialog's OK button is on the screen."""
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    button = box.buttons()[0]
    return _rect(QRect(button.mapToGlobal(button.rect().topLeft()), button.size()))


def main() -> None:
    app = QApplication(sys.argv[:1])
    keep_on_screen(app)
    window = MainWindow(settings=isolated_settings(Path(sys.argv[1])))
    place_on_screen(window, None)
    window.show()
    app.processEvents()
    found: dict[str, object] = {
        "available": _rect(window.screen().availableGeometry()),
        "main": _frame(window),
        "main_scrolls": isinstance(scroll := window.centralWidget(), QScrollArea)
        and scroll.verticalScrollBar().isVisible(),
    }
    for name, action in (("shortcuts", window.ui_actions.shortcuts), ("about", window.ui_actions.about)):
        action.trigger()
        app.processEvents()
        (dialog,) = [d for d in window.findChildren(TextDialog) if d.isVisible()]
        found[name] = _frame(dialog)
        found[f"{name}_ok"] = _ok_button(dialog)
        dialog.close()
    window.ui_actions.input_settings.trigger()
    app.processEvents()
    (settings,) = [d for d in window.findChildren(InputSettingsDialog) if d.isVisible()]
    found["input_settings"], found["input_settings_ok"] = _frame(settings), _ok_button(settings)
    settings.close()
    window.inside.show()
    app.processEvents()
    assert window.inside.view is not None
    found["inside"], found["main_after_inside"] = _frame(window.inside.view), _frame(window)
    window.inside.view.close()
    training = window.training.open()
    app.processEvents()
    found["training"] = _frame(training)
    training.close()
    window.compare.compare_with(str(bundled_model_path()))
    app.processEvents()
    compare = window.compare._window
    assert compare is not None
    found["compare"], found["main_after_compare"] = _frame(compare), _frame(window)
    print(json.dumps(found))
    window.training.shutdown()
    window.inside.shutdown()
    window.collection.shutdown()


if __name__ == "__main__":
    main()
