"""Before the window opens: can Qt show one here? If not, say what to install.

On Linux, Qt's "xcb" (X11) display plug-in needs system libraries that a minimal
desktop may lack, and Qt's own message names the wrong one. :func:`display_problem`
looks for each library the plug-in needs (``dlopen``, as Qt would) before the
``QApplication`` exists and names the Debian/Ubuntu packages that provide the missing
ones. :func:`qt_failure_guard` catches any other platform-plug-in failure while the
application starts and prints a plain message instead of Qt's text: a display that cannot
be reached is said as such, and packages are suggested only when one is missing.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

EXIT_NO_DISPLAY = 1

# What Qt 6's xcb plug-in (libqxcb.so, libQt6XcbQpa.so.6) and QtGui load, and the
# Debian/Ubuntu package of each (the same names on Debian 12 and Ubuntu 22.04/24.04).
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}
APT_PACKAGES = " ".join(dict.fromkeys(XCB_LIBRARIES.values()))  # every package, for the README


def _dlopen(name: str) -> None:
    ctypes.CDLL(name, mode=os.RTLD_LAZY)


def missing_libraries(load: Callable[[str], object] = _dlopen) -> list[str]:
    """The libraries of :data:`XCB_LIBRARIES` that cannot be loaded (``load`` raises ``OSError``)."""
    missing = []
    for name in XCB_LIBRARIES:
        try:
            load(name)
        except OSError:
            missing.append(name)
    return missing


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """True when Qt will try the xcb plug-in: Linux, no other platform asked for, not a Wayland session."""
    if not platform.startswith("linux"):
        return False
    asked = environ.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return asked.split(":")[0].split(";")[0] == "xcb"
    return not (environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland")


def install_hint(missing: list[str]) -> str:
    packages = " ".join(dict.fromkeys(XCB_LIBRARIES[name] for name in missing))
    return (
        f"On Debian or Ubuntu, install them with:\n\n    sudo apt-get install {packages}\n\n"
        f"(On other systems, install the packages that provide {', '.join(missing)}.)"
    )


def display_problem(
    environ: Mapping[str, str] = os.environ,
    *,
    platform: str = sys.platform,
    load: Callable[[str], object] = _dlopen,
) -> str | None:
    """Why Qt cannot open a window here, in words for the person (None: no problem found)."""
    if not uses_xcb(environ, platform):
        return None
    missing = missing_libraries(load)
    if missing:
        return (
            "DigitCanvas cannot open its window: Qt's X11 display plug-in needs system libraries "
            f"that are not installed ({', '.join(missing)}).\n" + install_hint(missing)
        )
    if not environ.get("DISPLAY"):
        return (
            "DigitCanvas cannot open its window: there is no display (DISPLAY is not set). "
            "Start it from a desktop session, or with QT_QPA_PLATFORM=offscreen to run it without one."
        )
    return None


def failure_message(
    qt_messages: list[str], environ: Mapping[str, str] = os.environ, *, load: Callable[[str], object] = _dlopen
) -> str:
    """The message for a platform-plug-in failure Qt reported (its own text as a last line):
    a display that cannot be reached is said as such; packages are named only when missing."""
    platform = environ.get("QT_QPA_PLATFORM", "") or "the default"
    # Qt's closing line ("failed to start … Reinstalling the application may fix this") misleads: skip it.
    specific = [m for m in qt_messages if "failed to start because" not in m]
    detail = next((m for m in specific if "display" in m.lower() or "plugin" in m.lower()), "")
    said = f"\n(Qt said: {detail.strip().splitlines()[0]})" if detail else ""
    if any("could not connect to display" in m for m in qt_messages):  # the plug-in loaded: no library missing
        display = environ.get("DISPLAY", "")
        return (
            f"DigitCanvas cannot open its window: the display {display or '(DISPLAY is empty)'} cannot be "
            "reached. Check that the desktop session (the X server) is running and that you may use it "
            "(DISPLAY, XAUTHORITY), or run with QT_QPA_PLATFORM=offscreen to work without a display." + said
        )
    missing = missing_libraries(load) if uses_xcb(environ) else []
    if missing:
        return (
            f"DigitCanvas cannot open its window: Qt could not start its display plug-in ({platform}); "
            f"it needs system libraries that are not installed ({', '.join(missing)}).\n" + install_hint(missing) + said
        )
    asked = f" and that Qt has a display plug-in called {platform!r}" if environ.get("QT_QPA_PLATFORM") else ""
    return (
        f"DigitCanvas cannot open its window: Qt could not start its display plug-in ({platform}).\n"
        f"Check that you are in a desktop session (DISPLAY or WAYLAND_DISPLAY is set){asked}." + said
    )


@contextmanager
def qt_failure_guard(exit: Callable[[int], object] = os._exit) -> Iterator[None]:
    """While the QApplication starts: keep Qt's platform messages to ourselves; on a fatal
    one, print :func:`failure_message` and exit with :data:`EXIT_NO_DISPLAY` (Qt would abort)."""
    seen: list[str] = []

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        seen.append(message)
        if kind == QtMsgType.QtFatalMsg:
            print(failure_message(seen), file=sys.stderr, flush=True)
            exit(EXIT_NO_DISPLAY)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
