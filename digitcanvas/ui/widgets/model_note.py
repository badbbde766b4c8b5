"""The model-input line under the controls: how the model in use is fed, always in view.

A user's model may expect its pixels in a way its file does not say; DigitCanvas then
detects the convention on reference digits (or cannot). That decides every reading, so it
is not only a passing status message: this line shows it for as long as the model is in
use, shortened with "…" when it does not fit (the full text in the tooltip), and in the
"Not sure" colour when something about the model deserves a second look.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget

from digitcanvas.state.models import ModelChoice
from digitcanvas.ui import theme
from digitcanvas.ui.widgets.elided import ElidedLabel

HEADING = "MODEL INPUT"
NO_MODEL = "no model loaded"


class ModelNote(QWidget):
    """The "MODEL INPUT" heading and the note: "pixels 0–1 (from the model file)"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._warning = False
        self.note_label = theme.named(ElidedLabel(), "collection")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.heading_label = theme.heading(HEADING)
        layout.addWidget(self.heading_label)
        layout.addWidget(self.note_label, 1)
        self.note_label.set_full_text(NO_MODEL)

    def show_model(self, models: ModelChoice) -> None:
        """How the model in use is fed, from ``models`` (a warning colour when it needs a look)."""
        classifier = models.classifier
        if classifier is None:
            self.show_note(NO_MODEL)
            return
        note = models.input_note()
        self.show_note(note, warning=models.needs_a_look(), tooltip=f"{classifier.describe()}: {note}")

    def show_note(self, text: str, *, warning: bool = False, tooltip: str = "") -> None:
        """Show ``text`` (in the doubt colour when ``warning``); the tooltip says it in full."""
        self._warning = warning
        self.note_label.setObjectName("note_warning" if warning else "collection")
        theme.restyle(self.note_label)
        self.note_label.setToolTip(tooltip or text)
        self.note_label.set_full_text(text)

    def text(self) -> str:
        """The note in full (the label may show it shortened)."""
        return self.note_label.full_text()

    def shown(self) -> str:
        return self.note_label.text()

    def is_warning(self) -> bool:
        return self._warning
