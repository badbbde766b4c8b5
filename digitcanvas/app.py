"""Start the Qt application and show the main window."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from . import __version__

ORGANISATION = "DigitCanvas"
APPLICATION = "DigitCanvas"


def run_app(*, model_path: str | None = None) -> int:
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from .ui.window import MainWindow

    window = MainWindow(model_path=model_path)
    window.resize(1040, 600)
    window.show()
    return int(app.exec())
