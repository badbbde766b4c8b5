"""The theme is the one place for colours: both schemes, the style sheet from them, no literals elsewhere."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton
from pytestqt.qtbot import QtBot

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


def _luminance(colour: QColor) -> float:
    """WCAG 2.1's relative luminance of ``colour`` (0 black to 1 white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def _contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", [theme.LIGHT, theme.DARK])
def test_an_unchecked_box_has_a_border_that_shows(qtbot: QtBot, scheme: theme.Colours) -> None:
    """WCAG's 3:1 for a control's edge: the dark scheme's boxes were #23272F on #1B1E24, no border."""
    before = theme.colours()
    theme.use(scheme)
    try:
        box = QCheckBox("Keep this digit for new drawings")
        qtbot.addWidget(box)
        box.setPalette(theme.palette(scheme))
        box.setStyle(theme.IndicatorStyle("Fusion"))
        box.resize(box.sizeHint())
        option = QStyleOptionButton()
        box.initStyleOption(option)
        indicator = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        image = box.grab().toImage()
    finally:
        theme.use(before)
    window = QColor(scheme.window)
    edge = [image.pixelColor(x, indicator.center().y()) for x in range(indicator.left(), indicator.center().x())]
    assert max(_contrast(colour, window) for colour in edge) >= 3.0
    for colour in (scheme.window, scheme.panel):  # on a window and on the reading's card
        assert _contrast(QColor(scheme.indicator_border), QColor(colour)) >= 3.0


def test_the_apps_check_boxes_get_the_border_but_not_the_whole_window(qtbot: QtBot) -> None:
    from digitcanvas.ui.widgets.controls import ControlBar

    controls = ControlBar()
    qtbot.addWidget(controls)
    assert isinstance(controls.live_box.style(), theme.IndicatorStyle)
    assert not isinstance(controls.style(), theme.IndicatorStyle)  # a repaint of everything stays in C++
