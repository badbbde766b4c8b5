"""The app as a process: it opens its window, and ends as soon as the window closes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the real entry point offscreen; once shown, the window closes itself through its Quit action.
PROBE = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import digitcanvas.ui.app as app

def quit_when_shown():
    windows = [w for w in QApplication.topLevelWidgets() if w.isVisible() and hasattr(w, "ui_actions")]
    if not windows:
        QTimer.singleShot(20, quit_when_shown)
        return
    print("shown:", windows[0].windowTitle(), flush=True)
    windows[0].ui_actions.quit.trigger()

original_exec = QApplication.exec
def exec_with_probe(self=None):
    QTimer.singleShot(0, quit_when_shown)
    return original_exec()
QApplication.exec = exec_with_probe
app.run_app()
print("not reached: run_app ends the process", flush=True)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_CONFIG_HOME places settings on Linux")
def test_the_process_ends_when_the_window_closes_and_keeps_its_place(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["shown: DigitCanvas — DigitCanvas CNN 0.1.0"]
    settings = (tmp_path / "DigitCanvas" / "DigitCanvas.conf").read_text()
    assert "geometry=" in settings  # saved before the process ended


def test_qts_own_options_reach_qt(tmp_path: Path) -> None:
    """``digitcanvas -style fusion -reverse`` is Qt's to take (issue #26)."""
    probe = PROBE.replace(
        'print("shown:", windows[0].windowTitle(), flush=True)',
        'print("direction:", QApplication.layoutDirection().name, flush=True)',
    ).replace("app.run_app()", "app.run_app(qt_arguments=['-style', 'fusion', '-reverse'])")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["direction: RightToLeft"]  # -reverse taken by Qt, -style too
