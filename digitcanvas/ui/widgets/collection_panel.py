"""The collection panel: how the current model does on the drawings the person kept.

It shows the summary line (or, while the window reads the collection in the background,
how far that is), the folder the drawings are kept in (shortened in the middle when it
does not fit; the full path in the tooltip) and two links, "Open folder" and "Change…";
what they do is the window's business (it gets a signal).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from digitcanvas.ui import theme
from digitcanvas.ui.widgets.elided import ElidedLabel


def display_path(folder: Path) -> str:
    """``folder`` with the home folder as "~" (the path people recognise)."""
    try:
        return str(Path("~") / folder.relative_to(Path.home()))
    except ValueError:
        return str(folder)


class CollectionPanel(QWidget):
    """The "YOUR COLLECTION" heading, the summary, the folder and its links.

    Signals:
        open_folder_requested(): "Open folder" was clicked.
        change_folder_requested(): "Change…" was clicked.
    """

    open_folder_requested = Signal()
    change_folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary_label = theme.named(QLabel(wordWrap=True), "collection")
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.folder_label = theme.named(ElidedLabel(Qt.TextElideMode.ElideMiddle), "folder")
        self.open_button = theme.named(QPushButton("Open folder"), "link")
        self.change_button = theme.named(QPushButton("Change…"), "link")
        for button in (self.open_button, self.change_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # digit keys stay with the window

        top = QHBoxLayout()
        top.setSpacing(8)
        self.heading_label = theme.heading("YOUR COLLECTION")
        top.addWidget(self.heading_label, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.summary_label, 1)
        folder = QHBoxLayout()
        folder.setSpacing(4)
        folder.addWidget(self.folder_label, 1)
        folder.addWidget(self.open_button)
        folder.addWidget(self.change_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(folder)

        self.open_button.clicked.connect(self.open_folder_requested)
        self.change_button.clicked.connect(self.change_folder_requested)

    def show_summary(self, text: str, folder: Path) -> None:
        """Show the collection's summary line and where it is kept."""
        self.summary_label.setText(text)
        self.folder_label.setToolTip(str(folder))
        self.folder_label.set_full_text(f"Kept in {display_path(folder)}")

    def show_progress(self, activity: str, done: int, total: int, folder: Path) -> None:
        """Say what is being done with the collection and how far it is, e.g.
        "Reading your collection… 1,200 of 30,000" (just the activity while ``total`` is 0)."""
        self.show_summary(f"{activity}… {done:,} of {total:,}" if total else f"{activity}…", folder)

    def summary_text(self) -> str:
        return self.summary_label.text()

    def folder_text(self) -> str:
        """The folder line in full (the label may show it shortened)."""
        return self.folder_label.full_text()
