"""The result panel: what the app reads in the drawing, and why.

It shows a :class:`~digitcanvas.reader.Reading` as the big text (a digit, a number, "?"
for a digit it is not sure of), a caption (how sure, the next best digit, which digit of
a number is in doubt), the ten confidence bars and the 28×28 input(s) the network saw.
Every text about a reading is composed here; the window only hands readings over.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..reader import Reading
from . import theme
from .bars import ConfidenceBars, format_percent
from .preview import InputPreview

IDLE_MESSAGE = "Draw a digit — or a whole number — on the canvas."
STALE_MESSAGE = "The drawing changed: press Enter to classify it again."
NO_READING = "–"
CAPTION_MIN_HEIGHT = 36
SECTION_SPACING = 8
BIG_TEXT_FULL_SIZE_CHARS = 4  # up to this many characters keep the full digit size


class ResultPanel(QWidget):
    """The reading, its caption, the confidence bars and the network-input preview.

    Signals:
        digit_clicked(int): a bar's row was clicked (the person says which digit it was).
    """

    digit_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars = ConfidenceBars()
        self.preview = InputPreview()
        self.digit_label = theme.named(QLabel(NO_READING, alignment=Qt.AlignmentFlag.AlignCenter), "digit")
        self.caption = theme.named(QLabel(alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True), "caption")
        self.caption.setMinimumHeight(CAPTION_MIN_HEIGHT)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(theme.heading("PREDICTION"))
        layout.addWidget(self.digit_label)
        layout.addWidget(self.caption)
        layout.addSpacing(SECTION_SPACING)
        layout.addWidget(theme.heading("CONFIDENCE"))
        layout.addWidget(self.bars)
        layout.addSpacing(SECTION_SPACING)
        layout.addWidget(theme.heading("WHAT THE NETWORK SEES"))
        layout.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)

        self.bars.digit_clicked.connect(self.digit_clicked)
        self.show_idle(IDLE_MESSAGE)

    # --- public API ---------------------------------------------------------------------

    def show_reading(self, reading: Reading) -> None:
        """Show a reading: its text, caption, the bars of its least certain digit, its inputs."""
        explained = reading.digits[explained_index(reading)]
        self.bars.set_probabilities(explained.probabilities, doubtful=not explained.sure)
        self.preview.set_images([d.image for d in reading.digits])
        self._set_big_text(reading.text)
        self._set_caption(reading_caption(reading), doubtful=not reading.sure)

    def show_idle(self, message: str = IDLE_MESSAGE) -> None:
        """No reading: empty bars and preview, a dash, and ``message`` (a hint or a problem)."""
        self.bars.set_probabilities(None)
        self.preview.set_image(None)
        self._set_big_text(NO_READING)
        self._set_caption(message, doubtful=False)

    def show_stale(self, message: str = STALE_MESSAGE) -> None:
        """The drawing changed since the reading shown (live mode off): say so, keep the rest."""
        self.caption.setText(message)

    def big_text(self) -> str:
        return self.digit_label.text()

    def caption_text(self) -> str:
        return self.caption.text()

    def is_doubtful(self) -> bool:
        """True when the caption is shown in the "Not sure" style."""
        return self.caption.objectName() == "doubt"

    # --- internals ----------------------------------------------------------------------

    def _set_big_text(self, text: str) -> None:
        self.digit_label.setStyleSheet(theme.big_text_style(big_text_size(text)))
        self.digit_label.setText(text)

    def _set_caption(self, text: str, *, doubtful: bool) -> None:
        self.caption.setText(text)
        self.caption.setObjectName("doubt" if doubtful else "caption")
        self.caption.style().polish(self.caption)


def explained_index(reading: Reading) -> int:
    """Which digit the bars explain: the only one, or a number's least certain one."""
    digits = reading.digits
    return min(range(len(digits)), key=lambda i: digits[i].confidence)


def reading_caption(reading: Reading) -> str:
    """The caption under the big text, e.g. "97.0% sure · next best 7 (2.1%)"."""
    digits = reading.digits
    if len(digits) == 1:
        digit = digits[0]
        if not digit.sure:
            return digit.verdict.message()
        runner_up, p2 = digit.ranked(2)[1]
        return f"{digit.verdict.message()} · next best {runner_up} ({format_percent(p2)})"
    doubtful = [i + 1 for i, d in enumerate(digits) if not d.sure]
    parts = " · ".join(f"{d.digit}: {format_percent(d.confidence)}" for d in digits)
    if doubtful:
        which = ", ".join(ordinal(i) for i in doubtful)
        options = " or ".join(str(c) for c in digits[doubtful[0] - 1].verdict.candidates)
        text = f"Not sure of the {which} digit (could be {options}). {parts}"
    else:
        text = f"{len(digits)} digits · {parts}"
    return text + f"\nBars: digit {explained_index(reading) + 1}, the least certain."


def big_text_size(text: str) -> int:
    """The big text's font size in px: full size up to four characters, smaller for longer numbers."""
    full = theme.DIGIT_FONT_PX
    scaled = int(full * BIG_TEXT_FULL_SIZE_CHARS / max(len(text), BIG_TEXT_FULL_SIZE_CHARS))
    return max(theme.NUMBER_FONT_MIN_PX, min(full, scaled))


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, …, 21st, 22nd, 23rd, …, 101st, 111th."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
