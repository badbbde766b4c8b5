"""House rules of the package's shape: the core never imports Qt, the lab stays out of it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import digitcanvas

PACKAGE_DIR = Path(digitcanvas.__file__).parent
UI_PREFIX = "digitcanvas.ui"
QT_ENTRY_POINTS = ("digitcanvas.app", "digitcanvas.__main__")  # start the window by design


def _core_modules() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="digitcanvas.")
        if not info.name.startswith(UI_PREFIX) and info.name not in QT_ENTRY_POINTS
    ]
    return sorted(["digitcanvas", *names])


def test_the_walk_finds_the_core() -> None:
    found = _core_modules()
    # A walk that found nothing would make the next test pass vacuously.
    for expected in ("digitcanvas.reader", "digitcanvas.inference", "digitcanvas.cli", "digitcanvas.commands.predict"):
        assert expected in found


def test_no_core_module_imports_qt() -> None:
    """Every module outside digitcanvas.ui imports without pulling PySide6 in."""
    code = (
        "import importlib, sys\n"
        f"for name in {_core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "    if 'PySide6' in sys.modules:\n"
        "        print(name); break\n"
        "else:\n"
        "    print('clean')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "clean", f"{out.stdout.strip()} imports Qt"


def test_the_package_does_not_import_the_lab() -> None:
    for path in PACKAGE_DIR.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import lab" not in text and "from lab" not in text, path
