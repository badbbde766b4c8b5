"""House rules of the package's shape: the core never imports Qt, the lab stays out of it."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import digitcanvas

PACKAGE_DIR = Path(digitcanvas.__file__).parent
UI_PREFIX = "digitcanvas.ui"


def _core_modules() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix="digitcanvas.")
        if not info.name.startswith(UI_PREFIX)
    ]
    return sorted(["digitcanvas", *names])


def test_the_walk_finds_the_core() -> None:
    found = _core_modules()
    # A walk that found nothing would make the next test pass vacuously.
    for expected in (
        "digitcanvas.reading.reader",
        "digitcanvas.model.classifier",
        "digitcanvas.cli",
        "digitcanvas.commands.predict",
        "digitcanvas.__main__",
    ):
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


def test_scipy_waits_until_the_window_is_up() -> None:
    """scipy.ndimage (a third of the start-up) is imported by warm_up or the first drawing read."""
    code = (
        "import sys, numpy as np\n"
        "import digitcanvas.ui.window.main_window, digitcanvas.reading.reader\n"
        "print('scipy.ndimage' in sys.modules)\n"
        "from digitcanvas.util.lazy_imports import warm_up\n"
        "warm_up().join(60)\n"
        "print('scipy.ndimage' in sys.modules)\n"
        "from digitcanvas.reading.preprocessing import preprocess_image\n"
        "print(preprocess_image(np.eye(28) * 255).shape)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120, env=env)
    assert out.stdout.split("\n")[:3] == ["False", "True", "(28, 28)"]
