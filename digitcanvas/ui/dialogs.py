"""The window's dialogs: file choosers, the error box, the shortcuts list and About.

Message boxes open window-modal and non-blocking (``open()``, not ``exec()``): the app
keeps running behind them and tests can find and close them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from .. import __version__
from .actions import SHORTCUTS_HELP
from .settings import AppSettings

ABOUT = (
    f"<b>DigitCanvas {__version__}</b><p>Draw a digit; a neural network says which one it is "
    "and how sure it is. Load your own MNIST model (.onnx) to try it by hand.</p>"
)


def ask_open_path(parent: QWidget, settings: AppSettings, title: str, file_filter: str) -> str | None:
    """A file to open (None: cancelled); opens in, and remembers, the last folder used."""
    path, _ = QFileDialog.getOpenFileName(parent, title, str(settings.last_dir), file_filter)
    if path:
        settings.remember_dir(path)
    return path or None


def ask_save_path(parent: QWidget, settings: AppSettings, title: str, name: str, file_filter: str) -> str | None:
    """Where to save (None: cancelled), suggesting ``name`` in the last folder used."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(settings.last_dir / name), file_filter)
    if path:
        settings.remember_dir(path)
    return path or None


def ask_folder(parent: QWidget, title: str, folder: Path) -> str | None:
    """A folder (None: cancelled), starting at ``folder``."""
    return QFileDialog.getExistingDirectory(parent, title, str(folder)) or None


def show_error(parent: QWidget, title: str, message: str) -> QMessageBox:
    """A window-modal, non-blocking warning; the app keeps working behind it."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box


def show_shortcuts(parent: QWidget) -> QMessageBox:
    box = QMessageBox(
        QMessageBox.Icon.Information, "Keyboard Shortcuts", SHORTCUTS_HELP, QMessageBox.StandardButton.Ok, parent
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About DigitCanvas", ABOUT)
