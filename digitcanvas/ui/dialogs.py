"""The window's dialogs: file choosers, message boxes, the keyboard-and-mouse list and About.

Message boxes open window-modal and non-blocking (``open()``, not ``exec()``): the app
keeps running behind them, they sit centred on the window, and tests can find and close them.
"""

from __future__ import annotations

import html
import platform
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from .. import __version__
from ..inference import Classifier, bundled_model_path
from .settings import AppSettings

DESCRIPTION = (
    "Draw a digit — or a whole number — and a neural network says what it reads, how sure it is, "
    "and what it saw. Load your own MNIST model (.onnx) to try it by hand."
)
# (distribution, what it is, licence): what the app runs on, for the About box.
COMPONENTS = (
    ("PySide6-Essentials", "Qt for Python", "LGPL-3.0"),
    ("numpy", "NumPy", "BSD-3-Clause"),
    ("scipy", "SciPy", "BSD-3-Clause"),
    ("onnxruntime", "ONNX Runtime", "MIT"),
    ("pillow", "Pillow", "MIT-CMU"),
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


def _box(parent: QWidget, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box


def show_error(parent: QWidget, title: str, message: str) -> QMessageBox:
    """A window-modal, non-blocking warning; the app keeps working behind it."""
    return _box(parent, QMessageBox.Icon.Warning, title, message)


def show_info(parent: QWidget, title: str, message: str) -> QMessageBox:
    return _box(parent, QMessageBox.Icon.Information, title, message)


def show_shortcuts(parent: QWidget, help_html: str) -> QMessageBox:
    return _box(parent, QMessageBox.Icon.NoIcon, "Keyboard and Mouse", help_html)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def about_text(classifier: Classifier | None) -> str:
    """The About box: the app, the model in use, the versions it runs on and their licences."""
    if classifier is None:
        model = "No model is loaded."
    else:
        where = "bundled with DigitCanvas" if classifier.path == bundled_model_path() else str(classifier.path)
        model = (
            f"<b>{html.escape(classifier.describe())}</b> ({html.escape(where)})<br>"
            f"{html.escape(classifier.describe_input())}<br>"
            f'Says "Not sure" under {classifier.info.doubt_threshold:.1%} confidence'
        )
    versions = [("Python", platform.python_version(), "PSF-2.0"), ("Qt", qVersion(), "LGPL-3.0")]
    versions += [
        (name, pyside_version if dist.startswith("PySide6") else _version(dist), lic) for dist, name, lic in COMPONENTS
    ]
    rows = "".join(f"<tr><td>{n}</td><td>{v}</td><td>{lic}</td></tr>" for n, v, lic in versions)
    return (
        f"<h3>DigitCanvas {__version__}</h3><p>{html.escape(DESCRIPTION)}</p>"
        f"<p><b>Model</b><br>{model}</p>"
        f"<p>DigitCanvas is free software under the MIT licence. The bundled model was trained on "
        f"MNIST and UNIPEN digits; its model card (assets/MODEL_CARD.md) tells how.</p>"
        f"<table cellpadding=2><tr><th align=left>Runs on</th><th align=left>version</th>"
        f"<th align=left>licence</th></tr>{rows}</table>"
    )


def show_about(parent: QWidget, classifier: Classifier | None) -> QMessageBox:
    box = _box(parent, QMessageBox.Icon.NoIcon, "About DigitCanvas", about_text(classifier))
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    return box
