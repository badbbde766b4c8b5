"""The collection panel: how the current model does on the drawings the person kept.

It shows the summary line of :class:`~digitcanvas.collection.Collection` and two links,
"Open folder" and "Change…"; what they do is the window's business (it gets a signal).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from . import theme


class CollectionPanel(QWidget):
    """The "YOUR COLLECTION" heading, the summary and the folder links.

    Signals:
        open_folder_requested(): "Open folder" was clicked.
        change_folder_requested(): "Change…" was clicked.
    """

    open_folder_requested = Signal()
    change_folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary_label = theme.named(QLabel(wordWrap=True), "collection")
        self.open_button = theme.named(QPushButton("Open folder"), "link")
        self.change_button = theme.named(QPushButton("Change…"), "link")
        for button in (self.open_button, self.change_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # digit keys stay with the window

        links = QHBoxLayout()
        links.addWidget(self.open_button)
        links.addWidget(self.change_button)
        links.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(theme.heading("YOUR COLLECTION"))
        layout.addWidget(self.summary_label)
        layout.addLayout(links)

        self.open_button.clicked.connect(self.open_folder_requested)
        self.change_button.clicked.connect(self.change_folder_requested)

    def show_summary(self, text: str, folder: Path) -> None:
        """Show the collection's summary line; the tooltip says where it is kept."""
        self.summary_label.setText(text)
        self.summary_label.setToolTip(f"Saved in {folder}")

    def summary_text(self) -> str:
        return self.summary_label.text()
