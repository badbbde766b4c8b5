"""Start the Qt application and show the main window: what ``digitcanvas`` without a
command runs (:mod:`digitcanvas.cli` imports it only then, so the other commands never load Qt)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from digitcanvas import APP_NAME, __version__
from digitcanvas.model.info import InputScaling
from digitcanvas.ui.platform_check import EXIT_NO_DISPLAY, display_problem, qt_failure_guard
from digitcanvas.ui.resources import DESKTOP_FILE_NAME, app_icon
from digitcanvas.ui.settings import open_store
from digitcanvas.util.lazy_imports import warm_up


def run_app(
    *, model_path: str | None = None, input_scaling: InputScaling | None = None, qt_arguments: Sequence[str] = ()
) -> int:
    """Open the window and run until it closes; the exit status. ``model_path`` and
    ``input_scaling`` are ``--model`` and ``--input`` (see :class:`~.window.MainWindow`);
    ``qt_arguments``: Qt's own options (``-style fusion``), for Qt to take.

    Without a display (or the system libraries Qt needs for one) it prints what to do
    and returns :data:`EXIT_NO_DISPLAY` instead of letting Qt abort.
    """
    QCoreApplication.setOrganizationName(APP_NAME)  # settings in ~/.config/DigitCanvas/DigitCanvas.conf on Linux
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance()
    if app is None:
        if problem := display_problem(_environment(qt_arguments)):
            print(problem, file=sys.stderr)
            return EXIT_NO_DISPLAY
        with qt_failure_guard():
            app = QApplication([*sys.argv[:1], *qt_arguments])
    QGuiApplication.setDesktopFileName(DESKTOP_FILE_NAME)
    QGuiApplication.setWindowIcon(app_icon())
    from digitcanvas.ui.window.geometry import keep_on_screen, place_on_screen
    from digitcanvas.ui.window.main_window import MainWindow

    keep_on_screen(app)  # every window and dialog whole on the screen (1366 × 768 at 200 % too)
    settings = open_store()
    if settings.problem is not None:
        print(f"warning: {settings.problem}", file=sys.stderr)
    window = MainWindow(model_path=model_path, input_scaling=input_scaling, settings=settings.store)
    place_on_screen(window, window.settings.geometry)  # where it was last time, else centred
    window.show()
    if settings.problem is not None:
        window.state.say(settings.problem, long=True)
    warm_up()  # what the first drawing needs, imported while the user reaches for the mouse
    status = int(app.exec())
    settings.close()
    # Everything is saved (settings sync on close). Skip tearing down Qt and onnxruntime
    # object by object, which takes seconds: the process ends as soon as the window closes.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _environment(qt_arguments: Sequence[str]) -> Mapping[str, str]:
    """The environment as Qt will see it: ``-platform NAME`` on the command line is
    ``QT_QPA_PLATFORM=NAME`` (what :func:`display_problem` checks)."""
    arguments = list(qt_arguments)
    for index, argument in enumerate(arguments):
        option, _, value = argument.lstrip("-").partition("=")
        if option == "platform":
            value = value or (arguments[index + 1] if index + 1 < len(arguments) else "")
            return {**os.environ, "QT_QPA_PLATFORM": value}
    return os.environ
