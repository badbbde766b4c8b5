"""The window's dialogs: file choosers, message boxes, the keyboard-and-mouse list and About.

Message boxes open window-modal and non-blocking (``open()``, not ``exec()``): the app
keeps running behind them, they sit centred on the window, and tests can find and close them.
The long ones (Help ▸ Keyboard and Mouse, About) are a :class:`TextDialog`: their text
scrolls, so they fit any screen (1366 × 768 at 150 % or 200 % too) with OK in view.
"""

from __future__ import annotations

import html
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, qVersion
from PySide6.QtGui import QPixmap, QShowEvent, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from digitcanvas import __version__
from digitcanvas.model.classifier import Classifier, bundled_model_path
from digitcanvas.model.conventions import reference_digits
from digitcanvas.model.describe import describe_input, doubt_description
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.window.geometry import available_geometry, fit_on_screen, fitted_size

DESCRIPTION = (
    "Draw a digit — or a whole number — and a neural network says what it reads, how sure it is, "
    "and what it saw. Load your own MNIST model (.onnx) to try it by hand."
)
# What the file choosers offer.
MODEL_FILES = "ONNX models (*.onnx);;All files (*)"
DRAWING_FILES = "DigitCanvas drawings (*.json)"
PNG_FILES = "PNG images (*.png)"
# (distribution, what it is, licence): what the app runs on, for the About box.
COMPONENTS = (
    ("PySide6-Essentials", "Qt for Python", "LGPL-3.0"),
    ("numpy", "NumPy", "BSD-3-Clause"),
    ("scipy", "SciPy", "BSD-3-Clause"),
    ("onnxruntime", "ONNX Runtime", "MIT"),
    ("pillow", "Pillow", "MIT-CMU"),
)


def ask_open_path(parent: QWidget, settings: AppSettings, title: str, file_filter: str) -> str | None:
    """A file to open (None: cancelled); opens in, and remembers, the last folder used."""
    path, _ = QFileDialog.getOpenFileName(parent, title, str(settings.last_dir), file_filter)
    if path:
        settings.remember_dir(path)
    return path or None


def ask_save_path(parent: QWidget, settings: AppSettings, title: str, name: str, file_filter: str) -> str | None:
    """Where to save (None: cancelled), suggesting ``name`` in the last folder used."""
    path, _ = QFileDialog.getSaveFileName(parent, title, str(settings.last_dir / name), file_filter)
    if path:
        settings.remember_dir(path)
    return path or None


def ask_folder(parent: QWidget, title: str, folder: Path) -> str | None:
    """A folder (None: cancelled), starting at ``folder``."""
    return QFileDialog.getExistingDirectory(parent, title, str(folder)) or None


def _box(parent: QWidget, icon: QMessageBox.Icon, title: str, text: str, details: str = "") -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    if details:  # a library's own text, for someone who wants it: behind "Show Details…"
        box.setDetailedText(details)
    box.open()
    return box


class _OnShow(QObject):
    """Opens a box once ``window`` is shown (a box opened before sits at the screen's corner)."""

    def __init__(self, window: QWidget, open_box: Callable[[], object]) -> None:
        super().__init__(window)
        self._open_box = open_box
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._open_box)  # once the window has its place on the screen
            self.deleteLater()
        return False


def when_shown(window: QWidget, open_box: Callable[[], object]) -> None:
    """Open a box now if ``window`` is on screen, else as soon as it is shown."""
    if window.isVisible():
        open_box()
    else:
        _OnShow(window, open_box)


def show_error(parent: QWidget, title: str, message: str, *, details: str = "") -> QMessageBox:
    """A window-modal, non-blocking warning; the app keeps working behind it. ``details``
    (onnxruntime's own text, say) goes behind the box's "Show Details…" button."""
    return _box(parent, QMessageBox.Icon.Warning, title, message, details)


def show_info(parent: QWidget, title: str, message: str) -> QMessageBox:
    return _box(parent, QMessageBox.Icon.Information, title, message)


TEXT_MARGIN = 32  # px beside and under the text: its document margins and a scroll bar


class TextDialog(QDialog):
    """A long text (rich text) with OK, window-modal and non-blocking: as big as the text
    wants, at most the screen's available area, the text scrolling where it must."""

    def __init__(self, parent: QWidget, title: str, text: str, *, icon: QPixmap | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.browser = QTextBrowser(openExternalLinks=True)
        self.browser.setHtml(text)
        self.browser.setFrameShape(QTextBrowser.Shape.NoFrame)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        row = QHBoxLayout()
        self._icon_width = 0
        if icon is not None:
            picture = QLabel()
            picture.setPixmap(icon)
            row.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
            self._icon_width = picture.sizeHint().width() + row.spacing()
        row.addWidget(self.browser, 1)
        layout = self._layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(buttons)
        self._buttons = buttons

    def text(self) -> str:
        """The text shown, as plain text."""
        return self.browser.toPlainText()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self.trim_to_whole_lines)  # once laid out at its size

    def trim_to_whole_lines(self) -> None:
        """Where the text scrolls, make the dialog shorter by what would show of a line cut across
        (a shortcut's row half in view), so that the scrolled text ends on a whole line."""
        bar = self.browser.verticalScrollBar()
        view = self.browser.viewport().height()
        if bar.maximum() == 0 or bar.value() != 0:
            return
        cut = whole_lines_height(self.browser.document(), view)
        if 0 < cut < view:
            self.resize(self.width(), self.height() - (view - cut))

    def sizeHint(self) -> QSize:
        """The whole text at its natural width, with the button row, the icon and a scroll bar's room."""
        document = self.browser.document()
        document.adjustSize()  # its ideal width: the longest line, wrapped text at its natural width
        text = document.size().toSize() + QSize(TEXT_MARGIN, TEXT_MARGIN)
        margins = self._layout.contentsMargins()
        chrome = QSize(margins.left() + margins.right(), margins.top() + margins.bottom())
        below = self._buttons.sizeHint().height() + self._layout.spacing()
        icon = self._icon_width
        return QSize(text.width() + icon + chrome.width(), text.height() + below + chrome.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 120)  # the text scrolls: the dialog may get small on a small screen


def whole_lines_height(document: QTextDocument, height: int) -> int:
    """The greatest height up to ``height`` (px, from the document's top) that cuts none of
    ``document``'s lines, in a table's cells too (0 where its first line is taller)."""
    layout = document.documentLayout()
    lines: list[tuple[float, float]] = []
    block = document.begin()
    while block.isValid():
        top = layout.blockBoundingRect(block).top()
        text = block.layout()
        for index in range(text.lineCount()):
            line = text.lineAt(index)
            lines.append((top + line.y(), top + line.y() + line.height()))
        block = block.next()
    cut = float(height)
    moved = True
    while moved:  # a row's cells: moving above one line may cut the line beside it
        moved = False
        for top, bottom in lines:
            if top < cut < bottom:
                cut, moved = top, True
    return max(int(cut), 0)


def _show_text(parent: QWidget, title: str, text: str, *, icon: QPixmap | None = None) -> TextDialog:
    dialog = TextDialog(parent, title, text, icon=icon)
    available = available_geometry(parent)
    dialog.resize(fitted_size(dialog.sizeHint(), dialog.minimumSizeHint(), available))
    frame = parent.frameGeometry()
    dialog.move(frame.center() - dialog.rect().center())
    fit_on_screen(dialog, available)
    dialog.open()
    return dialog


def show_shortcuts(parent: QWidget, help_html: str) -> TextDialog:
    """Help ▸ Keyboard and Mouse: every shortcut and gesture, scrolling on a small screen."""
    return _show_text(parent, "Keyboard and Mouse", help_html)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "?"


def app_licence() -> str:
    """The app's licence as its package metadata (from ``pyproject.toml``) declares it."""
    try:
        meta = metadata.metadata("digitcanvas")
    except metadata.PackageNotFoundError:
        return "?"
    return meta["License-Expression"] or meta["License"] or "?"


# What the bundled model learned from, and the reference digits the app ships (for detecting
# a user's model's input): (data, whose, licence), from the data sets' own READMEs.
DATA = (
    ("MNIST digits", "LeCun, Cortes, Burges", "CC BY-SA 3.0"),
    ("UNIPEN pen digits", "International Unipen Foundation", "CC BY 4.0"),
    ("DigiLeTs digits, letters", "Univ. of Tübingen (Fabi, Otte, Butz 2022)", "no licence stated"),
)


def _rows(rows: list[tuple[str, str, str]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)


def about_text(classifier: Classifier | None) -> str:
    """The About box: the app and its licence, the model in use, what the bundled model
    learned from and under which licences, and the versions it runs on."""
    if classifier is None:
        model = "No model is loaded."
    else:
        where = "bundled with DigitCanvas" if classifier.path == bundled_model_path() else str(classifier.path)
        model = (
            f"<b>{html.escape(classifier.describe())}</b> ({html.escape(where)})<br>"
            f"{html.escape(describe_input(classifier))}<br>"
            f"{html.escape(doubt_description(classifier))}"
        )
    data = (
        "<p>The bundled model learned from MNIST digits, UNIPEN and DigiLeTs pen digits, and from DigiLeTs "
        f"letters what is not a digit. The {len(reference_digits().labels)} reference digits that "
        "find out how a model wants its pixels are DigitCanvas's own synthetic handwriting.</p>"
    )
    versions = [("Python", platform.python_version(), "PSF-2.0"), ("Qt", qVersion(), "LGPL-3.0")]
    versions += [
        (name, pyside_version if dist.startswith("PySide6") else _version(dist), lic) for dist, name, lic in COMPONENTS
    ]
    return (
        f"<h3>DigitCanvas {__version__}</h3><p>{html.escape(DESCRIPTION)}</p>"
        f"<p>DigitCanvas is free software under the {html.escape(app_licence())} licence.</p>"
        f"<p><b>Model</b><br>{model}</p>"
        f"{data}"
        f"<table cellpadding=2><tr><th align=left>Data</th><th align=left>by</th><th align=left>licence</th></tr>"
        f"{_rows(list(DATA))}</table><p></p>"
        f"<table cellpadding=2><tr><th align=left>Runs on</th><th align=left>version</th>"
        f"<th align=left>licence</th></tr>{_rows(versions)}</table>"
    )


def show_about(parent: QWidget, classifier: Classifier | None) -> TextDialog:
    """Help ▸ About DigitCanvas, scrolling on a small screen."""
    return _show_text(parent, "About DigitCanvas", about_text(classifier), icon=parent.windowIcon().pixmap(64, 64))
