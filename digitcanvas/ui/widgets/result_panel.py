"""The result panel: what the app reads in the drawing, and why.

It shows a :class:`~digitcanvas.reading.reader.Reading` as the big text (a digit, a number, "?"
for a digit it is not sure of), a caption (how sure, the next best digit, which digit of
a number is in doubt), the 28×28 input of each digit and the ten confidence bars of the
selected digit (a number's least certain one at first; click a tile, or press Left and
Right, to see another). Every text about a reading is composed here; the window only
hands readings over. In a tall window the tiles, the bars and the big text grow with it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from digitcanvas.reading.doubt import FLAT_CONFIDENCE, NOT_SURE_PREFIX, DoubtReason, Verdict, format_percent
from digitcanvas.reading.reader import DigitReading, Reading
from digitcanvas.state.app_state import Shown
from digitcanvas.ui import theme
from digitcanvas.ui.widgets.bars import ConfidenceBars
from digitcanvas.ui.widgets.preview import InputPreview, Tile
from digitcanvas.util.text import NBSP, unbreakable

IDLE_MESSAGE = "Draw a digit — or a whole number — on the canvas."
STALE_MESSAGE = "The drawing changed: press Enter to read it again."
UNREAD_MESSAGE = "Press Enter to read the drawing."
NO_READING = "–"
TOO_SMALL_NOTE = "too small"
CAPTION_LINES = 2  # the caption keeps room for two lines (a number's three), so the panel does not jump
NUMBER_CAPTION_LINES = 3
SECTION_SPACING = 6
BIG_TEXT_FULL_SIZE_CHARS = 4  # up to this many characters keep the full digit size
BIG_TEXT_HEIGHT = 700  # px of panel height for theme.DIGIT_FONT_PX; a taller panel gets a bigger text ...
BIG_TEXT_MAX_SCALE = 1.75  # ... up to this much bigger (64 px → 112 px)
SMALL_PANEL_HEIGHT = 440  # px: a shorter panel (a 640 × 480 window) gets a smaller text ...
BIG_TEXT_SMALL_SCALE = 0.75  # ... this much smaller (64 px → 48 px), so the tiles and the bars keep their room
KEEP_TOGETHER_CHARS = 24  # caption items up to this long never break across lines


class ResultPanel(QWidget):
    """The reading, its caption, the network-input tiles and the confidence bars.

    Signals:
        digit_clicked(int): a bar's row was clicked (the person says which digit it was).
        digit_selected(int): a number's digit was picked to show its bars (left to right, from 0).
    """

    digit_clicked = Signal(int)
    digit_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reading: Reading | None = None
        self._selected: int | None = None
        self._big_text = NO_READING
        self._shown_full_size = theme.DIGIT_FONT_PX
        self.bars = ConfidenceBars()
        self.preview = InputPreview()
        self.digit_label = theme.named(QLabel(NO_READING, alignment=Qt.AlignmentFlag.AlignCenter), "digit")
        self.caption = theme.named(QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True), "caption")
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._set_caption_lines(CAPTION_LINES)
        self.bars_heading = theme.heading("CONFIDENCE")

        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(theme.heading("PREDICTION"))
        layout.addWidget(self.digit_label)
        layout.addWidget(self.caption)
        layout.addSpacing(SECTION_SPACING)
        layout.addWidget(theme.heading("WHAT THE NETWORK SEES"))
        layout.addWidget(self.preview, 2)
        layout.addSpacing(SECTION_SPACING)
        layout.addWidget(self.bars_heading)
        layout.addWidget(self.bars, 3)
        layout.addStretch(0)  # only what is left once the tiles, the bars and the text are at their largest

        self.bars.digit_clicked.connect(self.digit_clicked)
        self.preview.tile_clicked.connect(self.select_digit)
        self.show_idle(IDLE_MESSAGE)

    # --- public API ---------------------------------------------------------------------

    def show_result(self, shown: Shown) -> None:
        """Show what the state says: a reading (faded when stale), or none and why."""
        if shown.reading is None:
            self.show_idle(UNREAD_MESSAGE if shown.stale else shown.message or IDLE_MESSAGE)
        elif shown.stale:
            self.show_stale()
        else:
            self.show_reading(shown.reading)

    def show_reading(self, reading: Reading) -> None:
        """Show a reading: its text, caption, each digit's input, the least certain digit's bars."""
        self._reading = reading
        self._selected = reading.least_sure_index
        tiles = [_tile(d, numbered=len(reading.digits) > 1) for d in reading.digits]
        self.preview.set_tiles(tiles, selected=self._selected)
        self._set_big_text(reading.text, stale=False)
        self.bars.set_clickable(len(reading.digits) == 1)  # corrections are for single digits
        self._set_caption_lines(NUMBER_CAPTION_LINES if len(reading.digits) > 1 else CAPTION_LINES)
        self._show_selected()
        self._share_room()

    def show_idle(self, message: str = IDLE_MESSAGE) -> None:
        """No reading: empty bars and preview, a dash, and ``message`` (a hint or a problem)."""
        self._reading, self._selected = None, None
        self.bars.set_probabilities(None)
        self.bars.set_clickable(False)  # nothing read: nothing to correct
        self.bars_heading.setText("CONFIDENCE")
        self.preview.set_tiles([])
        self._set_big_text(NO_READING, stale=False)
        self._set_caption_lines(CAPTION_LINES)
        self._set_caption(message, "caption")

    def show_stale(self, message: str = STALE_MESSAGE) -> None:
        """The drawing changed since the reading shown (live mode off): fade it and say so."""
        if self._reading is None:
            self.show_idle(message)
            return
        self.bars.set_stale(True)
        self.preview.set_stale(True)
        self._set_big_text(self._big_text, stale=True)
        self._set_caption(message, "stale")

    def select_digit(self, index: int) -> None:
        """Show the bars of digit ``index`` of the number shown (left to right, from 0)."""
        if self._reading is None or not 0 <= index < len(self._reading.digits) or self.is_stale():
            return
        self._selected = index
        self.preview.set_selected(index)
        self._show_selected()
        self.digit_selected.emit(index)

    def select_next(self, step: int) -> None:
        """Select the digit ``step`` places right (negative: left), stopping at the ends."""
        if self._selected is not None and self._reading is not None:
            self.select_digit(min(max(self._selected + step, 0), len(self._reading.digits) - 1))

    def selected_index(self) -> int | None:
        return self._selected

    def big_text(self) -> str:
        """The reading as text: "7", "2026", "2?6" (the label shows each "?" in the doubt colour)."""
        return self._big_text

    def caption_text(self) -> str:
        return self.caption.text().replace(NBSP, " ")

    def is_doubtful(self) -> bool:
        """True when the caption is shown in the "Not sure" style."""
        return self.caption.objectName() == "doubt"

    def is_stale(self) -> bool:
        return self.caption.objectName() == "stale"

    def refresh_colours(self) -> None:
        self._set_big_text(self._big_text, stale=self.is_stale())
        self.bars.update()
        self.preview.update()

    # --- internals ----------------------------------------------------------------------

    def _show_selected(self) -> None:
        assert self._reading is not None and self._selected is not None
        reading, digit = self._reading, self._reading.digits[self._selected]
        if digit.verdict.reason == DoubtReason.TOO_SMALL:
            self.bars.set_probabilities(None)  # the network was never really asked: no bars to trust
        elif digit.sure:
            self.bars.set_probabilities(digit.probabilities, sure_digit=digit.digit)
        else:
            self.bars.set_probabilities(digit.probabilities, candidates=named_candidates(digit.verdict))
        count = len(reading.digits)
        self.bars_heading.setText(f"CONFIDENCE · DIGIT {self._selected + 1} OF {count}" if count > 1 else "CONFIDENCE")
        # The caption's colour follows the digit its last line (and the bars) are about.
        self._set_caption(reading_caption(reading, self._selected), "caption" if digit.sure else "doubt")

    def _set_big_text(self, text: str, *, stale: bool) -> None:
        """Show ``text`` large; a "?" (a digit the app is not sure of) in the doubt colour, unless faded."""
        self._big_text = text
        self._shown_full_size = self._full_text_size()
        style = theme.big_text_style(big_text_size(text, full=self._shown_full_size))
        if style != self.digit_label.styleSheet():  # setting a style sheet re-polishes the label: ~0.3 ms
            self.digit_label.setStyleSheet(style)
        if "?" in text and not stale:
            doubt = f'<span style="color: {theme.colours().doubt_text}">?</span>'
            self.digit_label.setText(html.escape(text).replace("?", doubt))
        else:
            self.digit_label.setText(text)
        if self.digit_label.property("stale") != stale:
            self.digit_label.setProperty("stale", stale)
            theme.restyle(self.digit_label)

    def _full_text_size(self) -> int:
        """The big text's size for one digit: :data:`theme.DIGIT_FONT_PX`, more in a tall panel,
        less in a short one."""
        height = self.height()
        if height < SMALL_PANEL_HEIGHT:
            scale = BIG_TEXT_SMALL_SCALE
        else:
            scale = min(max(height / BIG_TEXT_HEIGHT, 1.0), BIG_TEXT_MAX_SCALE)
        return round(theme.DIGIT_FONT_PX * scale)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._full_text_size() != self._shown_full_size:
            self._set_big_text(self._big_text, stale=self.is_stale())
        self._share_room()

    def _share_room(self) -> None:
        """Tell the tiles how much height is theirs with the rest at its preferred size."""
        others = self._layout.sizeHint().height() - self.preview.sizeHint().height()
        self.preview.set_room(self.height() - others)

    def _set_caption_lines(self, lines: int) -> None:
        self.caption.setMinimumHeight(self.caption.fontMetrics().lineSpacing() * lines + 4)

    def _set_caption(self, text: str, style: str) -> None:
        self.caption.setText(text)
        self.caption.setObjectName(style)
        theme.restyle(self.caption)


def _tile(digit: DigitReading, *, numbered: bool) -> Tile:
    label = (str(digit.digit) if digit.sure else "?") if numbered else ""
    if digit.verdict.reason == DoubtReason.TOO_SMALL:
        return Tile(None, label, TOO_SMALL_NOTE)  # blown up to 20 px it would look like a stroke
    return Tile(digit.image, label)


def named_candidates(verdict: Verdict) -> tuple[int, ...]:
    """The digits a "Not sure" caption names ("could be 4 or 9"); none for a dot or a flat guess."""
    if verdict.sure or verdict.reason == DoubtReason.TOO_SMALL or verdict.confidence < FLAT_CONFIDENCE:
        return ()
    return verdict.candidates


def keep_together(text: str) -> str:
    """A short caption item with non-breaking spaces, so a line never breaks inside it."""
    return unbreakable(text) if len(text) <= KEEP_TOGETHER_CHARS else text


def digit_caption(digit: DigitReading) -> str:
    """One digit's line: "97.0% sure · next best 7 (2.1%)", or why the app is not sure."""
    if not digit.sure:
        return digit.verdict.message()
    runner_up, p2 = digit.ranked(2)[1]
    next_best = keep_together(f"next best {runner_up} ({format_percent(p2)})")
    return f"{keep_together(digit.verdict.message())} · {next_best}"


def reading_caption(reading: Reading, selected: int | None = None) -> str:
    """The caption under the big text: a digit's line, or a number's summary and its selected digit."""
    digits = reading.digits
    if len(digits) == 1:
        return digit_caption(digits[0])
    index = reading.least_sure_index if selected is None else selected
    doubtful = [i + 1 for i, d in enumerate(digits) if not d.sure]
    if doubtful:
        summary = f"Not sure of the {join_words([ordinal(i) for i in doubtful])} digit{'s' * (len(doubtful) > 1)}"
    else:
        summary = f"{len(digits)} digits, all sure"
    # The summary already says "Not sure": the digit's line says only why.
    detail = digit_caption(digits[index]).removeprefix(NOT_SURE_PREFIX)
    return f"{summary}\n{keep_together(f'Digit {index + 1}:')} {detail}"


def join_words(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def big_text_size(text: str, *, full: int = theme.DIGIT_FONT_PX) -> int:
    """The big text's font size in px: ``full`` up to four characters, smaller for longer numbers."""
    scaled = int(full * BIG_TEXT_FULL_SIZE_CHARS / max(len(text), BIG_TEXT_FULL_SIZE_CHARS))
    return max(theme.NUMBER_FONT_MIN_PX, min(full, scaled))


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, …, 21st, 22nd, 23rd, …, 101st, 111th."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
