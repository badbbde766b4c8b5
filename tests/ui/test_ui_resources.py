"""What the window ships: the icon draws, the desktop entry names the command and the icon."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from pytestqt.qtbot import QtBot
from repo import REPO_ROOT

from digitcanvas.ui.resources import DESKTOP_ENTRY, DESKTOP_FILE_NAME, ICON, app_icon, resource_path

ROOT = REPO_ROOT


def test_the_icon_draws(qtbot: QtBot) -> None:
    pixmap = app_icon().pixmap(64, 64)
    assert not pixmap.isNull()
    image = pixmap.toImage()
    assert image.pixelColor(32, 32).alpha() == 255 and image.pixelColor(0, 0).alpha() == 0  # a rounded tile


def test_the_desktop_entry() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(resource_path(DESKTOP_ENTRY), encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Name"] == "DigitCanvas"
    assert desktop["Exec"] == "digitcanvas"  # the console script pyproject.toml installs
    assert desktop["Icon"] == DESKTOP_FILE_NAME and f"{DESKTOP_FILE_NAME}.desktop" == DESKTOP_ENTRY
    assert desktop["Categories"].endswith(";")


def test_the_wheel_ships_them() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # tomllib is Python 3.11+
    (line,) = re.findall(r"^digitcanvas = \[(.*)\]$", text.split("[tool.setuptools.package-data]")[1], re.M)
    patterns = re.findall(r'"([^"]+)"', line)
    for name in (ICON, DESKTOP_ENTRY):
        assert any(Path("ui", name).match(pattern) for pattern in patterns), name
