"""The theme is the one place for colours: both schemes, the style sheet from them, no literals elsewhere."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from digitcanvas.ui import theme

UI = Path(theme.__file__).parent
HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")


def test_no_widget_module_hard_codes_a_colour() -> None:
    offenders = {
        path.name: HEX.findall(path.read_text(encoding="utf-8")) for path in UI.glob("*.py") if path.name != "theme.py"
    }
    assert {name: found for name, found in offenders.items() if found} == {}


@pytest.mark.parametrize("scheme", [theme.LIGHT, theme.DARK])
def test_the_style_sheet_is_built_from_the_scheme(scheme: theme.Colours) -> None:
    sheet = theme.style_sheet(scheme)
    assert "{" in sheet and "{{" not in sheet
    assert f"QLabel#doubt {{ color: {scheme.doubt_text};" in sheet
    assert f"background: {scheme.window}" in sheet
    assert f"font-size: {theme.DIGIT_FONT_PX}px" in sheet
    assert all(QColor(getattr(scheme, f.name)).isValid() for f in fields(scheme))


def test_the_schemes_are_light_and_dark() -> None:
    assert QColor(theme.LIGHT.window).lightness() > 200 and QColor(theme.DARK.window).lightness() < 60
    assert QColor(theme.LIGHT.text).lightness() < 60 and QColor(theme.DARK.text).lightness() > 200
    for scheme in (theme.LIGHT, theme.DARK):  # the canvas is dark paper in both, as the network sees it
        assert QColor(scheme.paper).lightness() < 40 and QColor(scheme.ink).lightness() > 220


@pytest.mark.parametrize(
    ("scheme", "window", "dark"),
    [
        (Qt.ColorScheme.Dark, "#ffffff", True),  # the platform's word wins
        (Qt.ColorScheme.Light, "#000000", False),
        (Qt.ColorScheme.Unknown, "#202020", True),  # else the palette's lightness
        (Qt.ColorScheme.Unknown, "#efefef", False),
    ],
)
def test_scheme_is_dark(scheme: Qt.ColorScheme, window: str, dark: bool) -> None:
    assert theme.scheme_is_dark(scheme, QColor(window)) is dark
