"""Before the window: a missing display library or display is named in words, not in Qt's text."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from digitcanvas.ui.platform_check import (
    APT_PACKAGES,
    EXIT_NO_DISPLAY,
    XCB_LIBRARIES,
    display_problem,
    failure_message,
    missing_libraries,
    uses_xcb,
)


def _loader(missing: set[str]):
    def load(name: str) -> None:
        if name in missing:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")

    return load


def test_names_the_packages_of_the_missing_libraries() -> None:
    load = _loader({"libxcb-icccm.so.4", "libxcb-keysyms.so.1"})
    assert missing_libraries(load) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    problem = display_problem({"DISPLAY": ":0"}, platform="linux", load=load)
    assert problem is not None
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1\n" in problem
    assert "xcb-cursor0" not in problem  # only what is missing (Qt's own message names this one)


def test_no_display_is_said_plainly() -> None:
    problem = display_problem({}, platform="linux", load=_loader(set()))
    assert problem is not None and "DISPLAY is not set" in problem and "QT_QPA_PLATFORM=offscreen" in problem


@pytest.mark.parametrize(
    ("environ", "platform", "xcb"),
    [
        ({}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({}, "darwin", False),
        ({}, "win32", False),
    ],
)
def test_uses_xcb(environ: dict[str, str], platform: str, xcb: bool) -> None:
    assert uses_xcb(environ, platform) is xcb
    if not xcb:
        assert display_problem(environ, platform=platform, load=_loader(set(XCB_LIBRARIES))) is None


def test_every_package_is_in_the_install_line() -> None:
    assert APT_PACKAGES.split() == list(dict.fromkeys(XCB_LIBRARIES.values()))
    assert "libxcb-cursor0" in APT_PACKAGES and "libxkbcommon-x11-0" in APT_PACKAGES


def test_a_failure_qt_reports_is_explained() -> None:
    text = failure_message(["qt.qpa.xcb: could not connect to display :42"], {"QT_QPA_PLATFORM": "xcb"})
    assert "cannot open its window" in text and "(Qt said: qt.qpa.xcb: could not connect to display :42)" in text


def _run_app(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(environ)
    return subprocess.run([sys.executable, "-m", "digitcanvas"], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plug-in is Linux's")
def test_without_a_display_the_app_says_what_to_do_instead_of_aborting() -> None:
    result = _run_app({"QT_QPA_PLATFORM": "xcb"})
    assert result.returncode == EXIT_NO_DISPLAY, result.stderr
    assert result.stderr.startswith("DigitCanvas cannot open its window")
    assert "This application failed to start" not in result.stderr  # Qt's own text stays out


def test_a_platform_qt_cannot_start_is_reported_in_words() -> None:
    result = _run_app({"QT_QPA_PLATFORM": "no-such-platform"})
    assert result.returncode == EXIT_NO_DISPLAY, result.stderr
    assert "DigitCanvas cannot open its window: Qt could not start its display plug-in (no-such-platform)" in (
        result.stderr
    )
    assert "Reinstalling the application may fix this problem" not in result.stderr


def test_a_display_that_cannot_be_reached_is_said_as_such() -> None:
    messages = [
        "qt.qpa.xcb: could not connect to display :99",
        "This application failed to start because no Qt platform plugin could be initialized.",
    ]
    text = failure_message(messages, {"DISPLAY": ":99"}, load=_loader(set()))
    assert text.startswith("DigitCanvas cannot open its window: the display :99 cannot be reached.")
    assert "apt-get" not in text  # nothing is missing: nothing to install


def test_packages_are_named_only_when_missing() -> None:
    text = failure_message(["qt.qpa.plugin: Could not load the Qt platform plugin"], {}, load=_loader(set()))
    assert "apt-get" not in text
    missing = _loader({"libxcb-icccm.so.4"})
    text = failure_message(["qt.qpa.plugin: Could not load the Qt platform plugin"], {}, load=missing)
    assert "sudo apt-get install libxcb-icccm4\n" in text and "libxcb-cursor0" not in text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plug-in is Linux's")
def test_an_unreachable_display_is_reported_by_the_app() -> None:
    result = _run_app({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":7391"})  # no X server there (xvfb-run takes :99)
    assert result.returncode == EXIT_NO_DISPLAY, result.stderr
    if missing := missing_libraries():  # a machine without the X11 libraries (CI's): that comes first
        assert result.stderr.startswith("DigitCanvas cannot open its window: Qt's X11 display plug-in needs")
        assert all(name in result.stderr for name in missing)
        return
    assert result.stderr.startswith("DigitCanvas cannot open its window: the display :7391 cannot be reached")
    assert "apt-get" not in result.stderr
