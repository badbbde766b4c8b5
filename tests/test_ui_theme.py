"""The theme is the one place for colours: the style sheet uses it and no widget hard-codes one."""

from __future__ import annotations

import re
from pathlib import Path

from digitcanvas.ui import theme

UI = Path(theme.__file__).parent
HEX = re.compile(r"#[0-9a-fA-F]{3,8}\b")


def test_no_widget_module_hard_codes_a_colour() -> None:
    offenders = {
        path.name: HEX.findall(path.read_text(encoding="utf-8")) for path in UI.glob("*.py") if path.name != "theme.py"
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_style_sheet_is_built_from_the_theme() -> None:
    sheet = theme.STYLE_SHEET
    assert "{" in sheet and "{{" not in sheet
    assert f"QLabel#doubt {{ color: {theme.DOUBT_TEXT}; }}" in sheet
    assert f"font-size: {theme.DIGIT_FONT_PX}px" in sheet
    assert theme.DIGIT_FONT_PX == 64 and theme.NUMBER_FONT_MIN_PX == 28
