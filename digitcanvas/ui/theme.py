"""The look of the app in one place: every colour and font size, and the style sheet.

There are two sets of colours, :data:`LIGHT` and :data:`DARK`; the app follows the
system's scheme (:func:`scheme_is_dark`: ``QStyleHints.colorScheme`` where the platform
says, else how dark the palette's window colour is), or the one chosen in View ▸ Theme
(:class:`Scheme`), for which it also sets a matching :func:`palette`. Widgets paint with
``theme.colours()`` at paint time, and the app applies :func:`style_sheet`, built from
the same colours, to every window whenever the scheme changes; nothing else hard-codes a
colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen
from PySide6.QtWidgets import QLabel, QProxyStyle, QStyle, QStyleOption, QWidget

from digitcanvas.util.enums import StrEnum

W = TypeVar("W", bound=QWidget)


class Scheme(StrEnum):
    """View ▸ Theme: the system's scheme, or light or dark whatever the system says."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True)
class Colours:
    """One scheme's colours, as ``#rrggbb`` names (``QColor(colours.ink)`` to paint)."""

    window: str
    panel: str  # the card holding the reading
    panel_border: str
    text: str  # the big reading, the top bar's digit and percentage
    text_secondary: str  # captions and the collection summary
    muted: str  # headings, other bars' digits and percentages
    doubt_text: str  # a "Not sure" caption
    link: str
    button: str
    button_border: str
    button_hover: str
    disabled_text: str
    indicator_border: str  # round check boxes and radio buttons: at least 3:1 on the window and the panel
    primary: str
    primary_text: str
    primary_hover: str
    # the canvas: dark paper, light ink, as the network sees it, in both schemes
    paper: str
    paper_border: str
    ink: str
    hint: str  # the canvas hint, on the paper
    outline: str  # the boxes around a number's digits
    # the confidence bars
    bar_track: str
    bar: str
    bar_top: str  # the digit the app stands by
    bar_doubt: str  # the digits a "Not sure" caption names
    # the network-input tiles
    tile_border: str
    tile_selected: str
    tile_background: str
    # the training curves: training and validation, on a grid
    curve_train: str
    curve_validation: str
    curve_grid: str


LIGHT = Colours(
    window="#f8fafc",
    panel="#ffffff",
    panel_border="#e5e7eb",
    text="#111827",
    text_secondary="#4b5563",
    muted="#6b7280",
    doubt_text="#b45309",
    link="#2563eb",
    button="#ffffff",
    button_border="#cbd5e1",
    button_hover="#f1f5f9",
    disabled_text="#9ca3af",
    indicator_border="#7c8594",
    primary="#2563eb",
    primary_text="#ffffff",
    primary_hover="#1d4ed8",
    paper="#14161a",
    paper_border="#14161a",
    ink="#f4f5f7",
    hint="#8b93a1",
    outline="#38bdf8",
    bar_track="#e5e7eb",
    bar="#94a3b8",
    bar_top="#2563eb",
    bar_doubt="#d97706",
    tile_border="#d1d5db",
    tile_selected="#2563eb",
    tile_background="#000000",
    curve_train="#2563eb",
    curve_validation="#ea580c",
    curve_grid="#e5e7eb",
)

DARK = Colours(
    window="#1b1e24",
    panel="#23272f",
    panel_border="#323844",
    text="#f3f4f6",
    text_secondary="#c0c6d0",
    muted="#939bab",
    doubt_text="#fbbf24",
    link="#7aa7ff",
    button="#2b3039",
    button_border="#434b59",
    button_hover="#353b46",
    disabled_text="#6b7280",
    indicator_border="#8b95a5",
    primary="#2f6fed",
    primary_text="#ffffff",
    primary_hover="#4a84f5",
    paper="#0b0c0f",
    paper_border="#3a404c",
    ink="#f4f5f7",
    hint="#8b93a1",
    outline="#38bdf8",
    bar_track="#353b46",
    bar="#7c8798",
    bar_top="#5b8dff",
    bar_doubt="#f59e0b",
    tile_border="#434b59",
    tile_selected="#5b8dff",
    tile_background="#000000",
    curve_train="#5b8dff",
    curve_validation="#fb923c",
    curve_grid="#353b46",
)

_current = LIGHT

# --- font sizes ---------------------------------------------------------------------------
DIGIT_FONT_PX = 64  # the big reading: one digit
NUMBER_FONT_MIN_PX = 28  # ... a long number shrinks down to this
CAPTION_FONT_PX = 13
HEADING_FONT_PX = 11
COLLECTION_FONT_PX = 12
HINT_FONT_PT = 16  # the canvas hint, in points
DARK_LIGHTNESS = 128  # a palette whose window colour is darker than this (0-255) is a dark scheme
STALE_OPACITY = 0.35  # bars and tiles of a reading the drawing has moved on from
INDICATOR_BORDER_PX = 1  # the border drawn round a check box's or radio button's indicator


def colours() -> Colours:
    """The colours of the scheme in use."""
    return _current


def use(scheme: Colours) -> None:
    """Paint with ``scheme`` from now on (the window re-applies its style sheet)."""
    global _current
    _current = scheme


def scheme_is_dark(color_scheme: Qt.ColorScheme, window_colour: QColor) -> bool:
    """Whether the system wants dark: what the platform says, else the palette's lightness."""
    if color_scheme == Qt.ColorScheme.Dark:
        return True
    if color_scheme == Qt.ColorScheme.Light:
        return False
    return window_colour.lightness() < DARK_LIGHTNESS


def follow_system() -> bool:
    """Use the scheme the system asks for now; True when that changed the colours."""
    dark = QGuiApplication.instance() is not None and scheme_is_dark(
        QGuiApplication.styleHints().colorScheme(), QGuiApplication.palette().window().color()
    )
    wanted = DARK if dark else LIGHT
    changed = wanted is not _current
    use(wanted)
    return changed


def palette(c: Colours) -> QPalette:
    """A palette in the colours ``c``, for a scheme chosen in View ▸ Theme: Qt's own widgets
    (menus, dialogs, lists, scroll bars) then match the app's."""
    roles = QPalette.ColorRole
    result = QPalette()
    for role, colour in (
        (roles.Window, c.window),
        (roles.WindowText, c.text),
        (roles.Base, c.panel),
        (roles.AlternateBase, c.button_hover),
        (roles.Text, c.text),
        (roles.Button, c.button),
        (roles.ButtonText, c.text),
        (roles.BrightText, c.primary_text),
        (roles.ToolTipBase, c.panel),
        (roles.ToolTipText, c.text),
        (roles.Highlight, c.primary),
        (roles.HighlightedText, c.primary_text),
        (roles.Link, c.link),
        (roles.PlaceholderText, c.muted),
        (roles.Light, c.button_hover),
        (roles.Midlight, c.button_hover),
        (roles.Mid, c.button_border),
        (roles.Dark, c.panel_border),
        (roles.Shadow, c.paper),
    ):
        result.setColor(role, QColor(colour))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.disabled_text))
    return result


def style_sheet(c: Colours | None = None) -> str:
    """The window's style sheet in the colours ``c`` (default: the scheme in use)."""
    c = c or _current
    return f"""
QMainWindow, QWidget#central, QScrollArea#central_scroll {{ background: {c.window}; }}
QFrame#panel {{ background: {c.panel}; border: 1px solid {c.panel_border}; border-radius: 12px; }}
QLabel#digit {{ font-size: {DIGIT_FONT_PX}px; font-weight: 600; color: {c.text}; }}
QLabel#digit[stale="true"] {{ color: {c.disabled_text}; }}
QLabel#caption {{ color: {c.text_secondary}; font-size: {CAPTION_FONT_PX}px; }}
QLabel#doubt {{ color: {c.doubt_text}; font-size: {CAPTION_FONT_PX}px; }}
QLabel#stale {{ color: {c.text_secondary}; font-size: {CAPTION_FONT_PX}px; font-style: italic; }}
QLabel#heading {{ color: {c.muted}; font-size: {HEADING_FONT_PX}px; font-weight: 600; letter-spacing: 1px; }}
QLabel#collection {{ color: {c.text_secondary}; font-size: {COLLECTION_FONT_PX}px; }}
QLabel#folder {{ color: {c.muted}; font-size: {COLLECTION_FONT_PX}px; }}
QLabel#note_warning {{ color: {c.doubt_text}; font-size: {COLLECTION_FONT_PX}px; }}
QLabel {{ color: {c.text}; }}
QToolTip {{ color: {c.text}; background: {c.panel}; border: 1px solid {c.panel_border}; }}
QCheckBox {{ color: {c.text}; }}
QPushButton#link {{ border: none; background: transparent; color: {c.link}; padding: 0 4px; \
font-size: {COLLECTION_FONT_PX}px; }}
QPushButton#link:hover {{ text-decoration: underline; }}
QPushButton {{ padding: 5px 10px; border-radius: 6px; border: 1px solid {c.button_border}; \
background: {c.button}; color: {c.text}; }}
QPushButton:hover {{ background: {c.button_hover}; }}
QPushButton:disabled {{ color: {c.disabled_text}; }}
QPushButton#primary {{ background: {c.primary}; color: {c.primary_text}; border: 1px solid {c.primary_hover}; \
font-weight: 600; }}
QPushButton#primary:hover {{ background: {c.primary_hover}; }}
QPushButton#primary:disabled {{ background: {c.button}; color: {c.disabled_text}; \
border: 1px solid {c.button_border}; }}
"""


def big_text_style(size_px: int) -> str:
    """The style a reading's label gets for a text of ``size_px`` (long numbers shrink)."""
    return f"font-size: {size_px}px;"


def named(widget: W, name: str) -> W:
    """Give a widget the object name :func:`style_sheet` refers to ("panel", "heading", …)."""
    widget.setObjectName(name)
    return widget


def heading(text: str) -> QLabel:
    """A small capitalised section heading ("CONFIDENCE")."""
    return named(QLabel(text), "heading")


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet to ``widget`` after its object name or a property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


class IndicatorStyle(QProxyStyle):
    """The platform's style, with a border in :attr:`Colours.indicator_border` round each check
    box's and radio button's indicator: Fusion's own border, a darker shade of the window's
    colour, all but vanishes on a dark window (an unchecked box was #23272F on #1B1E24)."""

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawPrimitive(element, option, painter, widget)
        elements = QStyle.PrimitiveElement
        if element not in (elements.PE_IndicatorCheckBox, elements.PE_IndicatorRadioButton):
            return
        c = colours()
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, element == elements.PE_IndicatorRadioButton)
        painter.setPen(QPen(QColor(c.indicator_border if enabled else c.button_border), INDICATOR_BORDER_PX))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        box = option.rect.adjusted(0, 0, -INDICATOR_BORDER_PX, -INDICATOR_BORDER_PX)
        if element == elements.PE_IndicatorRadioButton:
            painter.drawEllipse(box)
        else:
            painter.drawRect(box)
        painter.restore()


_INDICATOR_STYLE: list[IndicatorStyle] = []  # one shared instance, kept alive here (setStyle does not own it)


def bordered(*boxes: QWidget) -> None:
    """Give check boxes and radio buttons :class:`IndicatorStyle`'s visible border. Only these
    widgets get it: as the whole application's style, a Python ``drawPrimitive`` for every
    primitive the window paints cost 2-3 ms a repaint (measured on a 2-core machine)."""
    if not _INDICATOR_STYLE:
        from PySide6.QtWidgets import QApplication

        _INDICATOR_STYLE.append(IndicatorStyle(QApplication.style().name()))
    for box in boxes:
        box.setStyle(_INDICATOR_STYLE[0])
