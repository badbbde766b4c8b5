"""The look of the app in one place: every colour and font size, and the style sheet.

Widgets paint with these colours (as ``QColor(theme.NAME)``) and the window applies
:data:`STYLE_SHEET`, which is built from them; nothing else hard-codes a colour.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QLabel, QWidget

W = TypeVar("W", bound=QWidget)

# --- window, panels and text --------------------------------------------------------------
WINDOW_BACKGROUND = "#f8fafc"
PANEL_BACKGROUND = "#ffffff"
PANEL_BORDER = "#e5e7eb"
TEXT = "#111827"  # the big reading, the top bar's digit and percentage
TEXT_SECONDARY = "#4b5563"  # captions and the collection summary
MUTED = "#6b7280"  # headings, other bars' digits and percentages, the canvas hint
DOUBT_TEXT = "#b45309"  # a "Not sure" caption
LINK = "#2563eb"
BUTTON_BACKGROUND = "#ffffff"
BUTTON_BORDER = "#cbd5e1"
BUTTON_HOVER = "#f1f5f9"
PRIMARY = "#2563eb"
PRIMARY_TEXT = "white"
PRIMARY_DARK = "#1d4ed8"  # the primary button's border, and its background on hover

# --- the canvas ---------------------------------------------------------------------------
PAPER = "#14161a"
INK = "#f4f5f7"
HINT = MUTED
OUTLINE = "#38bdf8"  # the boxes around a number's digits

# --- the confidence bars ------------------------------------------------------------------
BAR_TRACK = "#e5e7eb"
BAR = "#94a3b8"
BAR_TOP = "#2563eb"
BAR_DOUBT = "#d97706"  # the top bar when the app is not sure
BAR_TEXT = TEXT
BAR_MUTED = MUTED

# --- the network-input preview ------------------------------------------------------------
PREVIEW_BORDER = "#d1d5db"
PREVIEW_BACKGROUND = "black"

# --- font sizes ---------------------------------------------------------------------------
DIGIT_FONT_PX = 64  # the big reading: one digit
NUMBER_FONT_MIN_PX = 28  # ... a long number shrinks down to this
CAPTION_FONT_PX = 13
HEADING_FONT_PX = 11
COLLECTION_FONT_PX = 12
HINT_FONT_PT = 16  # the canvas hint, in points

STYLE_SHEET = f"""
QMainWindow {{ background: {WINDOW_BACKGROUND}; }}
QFrame#panel {{ background: {PANEL_BACKGROUND}; border: 1px solid {PANEL_BORDER}; border-radius: 12px; }}
QLabel#digit {{ font-size: {DIGIT_FONT_PX}px; font-weight: 600; color: {TEXT}; }}
QLabel#caption {{ color: {TEXT_SECONDARY}; font-size: {CAPTION_FONT_PX}px; }}
QLabel#heading {{ color: {MUTED}; font-size: {HEADING_FONT_PX}px; font-weight: 600; letter-spacing: 1px; }}
QLabel#doubt {{ color: {DOUBT_TEXT}; }}
QLabel#collection {{ color: {TEXT_SECONDARY}; font-size: {COLLECTION_FONT_PX}px; }}
QPushButton#link {{ border: none; background: transparent; color: {LINK}; padding: 0 4px; }}
QPushButton#link:hover {{ text-decoration: underline; }}
QPushButton {{ padding: 6px 14px; border-radius: 6px; border: 1px solid {BUTTON_BORDER}; \
background: {BUTTON_BACKGROUND}; }}
QPushButton:hover {{ background: {BUTTON_HOVER}; }}
QPushButton#primary {{ background: {PRIMARY}; color: {PRIMARY_TEXT}; border: 1px solid {PRIMARY_DARK}; \
font-weight: 600; }}
QPushButton#primary:hover {{ background: {PRIMARY_DARK}; }}
"""


def big_text_style(size_px: int) -> str:
    """The style a reading's label gets for a text of ``size_px`` (long numbers shrink)."""
    return f"font-size: {size_px}px;"


def named(widget: W, name: str) -> W:
    """Give a widget the object name :data:`STYLE_SHEET` refers to ("panel", "heading", …)."""
    widget.setObjectName(name)
    return widget


def heading(text: str) -> QLabel:
    """A small capitalised section heading ("CONFIDENCE")."""
    return named(QLabel(text), "heading")
