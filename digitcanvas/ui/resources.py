"""Files the window ships inside the package: the application icon and the Linux desktop entry.

Found through :mod:`importlib.resources`, so they work from a wheel as from the source tree.
Install the desktop entry and icon for the desktop's menus with the commands in the README.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon

ICON = "icon.svg"  # 256 × 256 SVG: a drawn 7 and two confidence bars on dark paper
DESKTOP_ENTRY = "digitcanvas.desktop"
DESKTOP_FILE_NAME = "digitcanvas"  # the desktop entry's name without ".desktop" (Wayland finds the icon by it)


def resource_path(name: str) -> Path:
    """The path of a file shipped in ``digitcanvas/ui``."""
    return Path(str(resources.files(__package__ or "digitcanvas.ui") / name))


def app_icon() -> QIcon:
    """The application icon (needs Qt's SVG image plug-in, which PySide6 ships)."""
    return QIcon(str(resource_path(ICON)))
