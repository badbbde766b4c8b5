"""The collection browser: every kept drawing with its label and what the model reads.

A grid of thumbnails (the network's 28×28 view of each drawing), mistakes first. Keys:
0-9 relabel the selected drawings (the selection follows them to their new place),
Delete removes them, Ctrl+Z undoes the last relabel or removal, Enter or a double-click
opens one on the canvas; Export… and Import… move a whole collection
as one file. Edits go through the Qt-free :class:`~digitcanvas.collection.state.Collection`;
the widget emits ``changed`` after each so the window can refresh its summary and
adaptation, and ``open_requested(Drawing)`` to put a drawing on the canvas.

An import runs on a worker thread (:func:`~digitcanvas.collection.archive.import_archive`),
all or nothing: the summary line says how far it is, the Import button becomes Cancel
Import, and edits wait for it; ``import_done(bool)`` says whether it added anything.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QKeySequence, QPixmap, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from digitcanvas.collection.archive import (
    ARCHIVE_SUFFIX,
    ArchiveReadError,
    ArchiveWriteError,
    ImportResult,
    export_collection,
    import_archive,
)
from digitcanvas.collection.folder import Entry, ScanCancelled
from digitcanvas.collection.keeper import unadapted
from digitcanvas.collection.state import Collection
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, EmptyInputError
from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.reading.preprocessing import preprocess_drawing
from digitcanvas.reading.reader import Reader
from digitcanvas.state.app_state import AppState
from digitcanvas.state.history import History
from digitcanvas.ui.background import LatestJobRunner
from digitcanvas.ui.widgets.canvas import DrawingCanvas
from digitcanvas.ui.widgets.collection_panel import display_path
from digitcanvas.ui.widgets.preview import image_to_qimage
from digitcanvas.ui.window.collection_control import CollectionControl

THUMBNAIL = 56  # px: the 28×28 input at twice its size
GRID = QSize(THUMBNAIL + 36, THUMBNAIL + 40)
ENTRY_ROLE = Qt.ItemDataRole.UserRole
IMPORT_WORKER = "digitcanvas-import"  # the import's worker thread's name prefix
IMPORT_TEXT, CANCEL_IMPORT_TEXT = "Import…", "Cancel Import"


HOW_TO_KEEP = "To keep one, draw a digit on the canvas and press its key (0–9) or click its bar."


class CollectionBrowser(QDialog):
    """Browse and curate a collection; see the module docstring for the keys."""

    changed = Signal()
    open_requested = Signal(object)  # a Drawing
    import_done = Signal(bool)  # an import ended: True when it added drawings

    def __init__(self, collection: Collection, reader: Reader | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Your Collection")
        self._collection = collection
        self._reader = None if reader is None else unadapted(reader)  # the model by itself, as the window scores
        self._history = History()  # the browser's own edits, one step per key press
        self._brought_back: list[Path] = []  # the files the last undo wrote, to select
        self._summary = ""  # what the summary line says when no message is shown
        self._last_folder: Path | None = None  # where the last export or import went
        self._thumbnails: dict[tuple[Path, object], QIcon] = {}  # by file and preprocessing: drawn once
        self._importer = LatestJobRunner(self, name=IMPORT_WORKER)
        self._importer.finished.connect(self._import_finished)
        self._importer.progressed.connect(self._import_progressed)
        self._import_cancel: threading.Event | None = None  # set: the import running stops (None: none runs)
        if self._reader is not None and collection.predictions() is None:
            collection.rescore(self._reader)

        self.summary = QLabel(wordWrap=True)
        self.grid = QListWidget()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.grid.setGridSize(GRID)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.grid.setAccessibleName("Kept drawings")
        self.grid.itemActivated.connect(self._open_item)
        self.grid.installEventFilter(self)
        self.hint = QLabel("0–9: relabel · Delete: remove · Ctrl+Z: undo · Enter: open on the canvas")
        self.export_button = QPushButton("Export…")
        self.import_button = QPushButton(IMPORT_TEXT)
        close = QPushButton("Close")
        self.export_button.clicked.connect(self._export_dialog)
        self.import_button.clicked.connect(self._import_clicked)
        close.clicked.connect(self.accept)
        for button in (self.export_button, self.import_button, close):
            button.setAutoDefault(False)  # Enter opens the selected drawing, not a file dialog
        undo = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        undo.activated.connect(self.undo)

        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        self.resize(640, 480)
        self.refresh()

    # --- showing ----------------------------------------------------------------------

    def set_reader(self, reader: Reader | None) -> None:
        """Edit with ``reader`` from now on. The readings shown are the collection's: its
        owner scores it again (the window does that off the GUI thread) and calls
        :meth:`refresh`."""
        self._reader = None if reader is None else unadapted(reader)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        """Each time the browser opens: the first tile (a mistake, if any) selected, keys to the grid."""
        super().showEvent(event)
        if self.grid.count():
            self.grid.setCurrentRow(0)
            self.grid.scrollToItem(self.grid.item(0))
        self.grid.setFocus()

    def refresh(self, select: list[Path] | None = None) -> None:
        """Rebuild the grid from the collection: mistakes first, then by label. The drawings
        at ``select`` (files) are selected, else the tile at the row that was current."""
        predictions = self._collection.predictions()
        entries = list(self._collection.entries)
        readings = predictions if predictions is not None else [None] * len(entries)
        order = sorted(
            range(len(entries)),
            key=lambda i: (readings[i] in (None, entries[i].label), entries[i].label, str(entries[i].path)),
        )
        row = max(self.grid.currentRow(), 0)
        self.grid.clear()
        drawn, self._thumbnails = self._thumbnails, {}  # those of drawings still here are kept
        for i in order:
            self.grid.addItem(self._item(entries[i], readings[i], drawn))
        chosen = [k for k in range(self.grid.count()) if self.grid.item(k).data(ENTRY_ROLE).path in (select or [])]
        if chosen:
            # A relabelled drawing moves (mistakes come first): the selection goes with it, so
            # that the next key acts on the drawing the user just changed, not on its neighbour.
            self.grid.setCurrentRow(chosen[0])
            for k in chosen[1:]:
                self.grid.item(k).setSelected(True)
            self.grid.scrollToItem(self.grid.item(chosen[0]))
        elif self.grid.count():
            # A tile is always selected, so 0-9 and Delete act at once: after a removal, the one
            # that took the removed tile's place.
            self.grid.setCurrentRow(min(row, self.grid.count() - 1))
        mistakes = sum(1 for e, r in zip(entries, readings, strict=True) if r is not None and r != e.label)
        where = display_path(self._collection.folder)
        if not entries:
            self._summary = f"No drawings kept yet (in {where}). {HOW_TO_KEEP}"
        else:
            self._summary = f"{len(entries)} kept drawing{'s' * (len(entries) != 1)} in {where}" + (
                f" · {mistakes} the current model misreads (shown first)" if mistakes else ""
            )
        self.summary.setText(self._summary)

    def _item(self, entry: Entry, reading: int | None, drawn: dict[tuple[Path, object], QIcon]) -> QListWidgetItem:
        text = f"{entry.label}" if reading is None else f"{entry.label} · read {reading}"
        key = (entry.path, None if self._reader is None else self._reader.options)
        icon = drawn.get(key)  # a relabel or a key press redraws the grid, not every drawing
        self._thumbnails[key] = icon = icon if icon is not None else _thumbnail(entry.drawing, self._reader)
        item = QListWidgetItem(icon, text)
        item.setData(ENTRY_ROLE, entry)
        read = "" if reading is None else f", read as {reading}"
        item.setToolTip(f"{entry.path.name}\nkept as {entry.label}{read}")
        if reading is not None and reading != entry.label:
            item.setText(f"{entry.label} · read {reading} ✗")
        return item

    def item_texts(self) -> list[str]:
        return [self.grid.item(i).text() for i in range(self.grid.count())]

    # --- editing ----------------------------------------------------------------------

    def selected_entries(self) -> list[Entry]:
        return [item.data(ENTRY_ROLE) for item in self.grid.selectedItems()]

    def relabel_selected(self, label: int) -> None:
        """Give the selected drawings ``label``; they stay selected, wherever they move to."""
        selected = self.selected_entries()
        changed: list[tuple[Drawing, int]] = []  # what each relabelled drawing was kept as
        kept = [e.path for e in selected if e.label == label]
        error = None
        try:
            for entry in selected:
                if entry.label != label:
                    kept.append(self._collection.relabel(entry, label, self._reader).path)
                    changed.append((entry.drawing, entry.label))
        except DrawingFileError as e:
            error = f"Could not relabel: {e}"
        if changed:
            self._history.push("Relabel", lambda: self._relabel_back(changed))
        self._after_edit(select=kept, error=error)

    def remove_selected(self) -> None:
        removed: list[tuple[Entry, int]] = []
        error = None
        try:
            for entry in self.selected_entries():
                removed.append((entry, self._collection.remove(entry)))
        except DrawingFileError as e:
            error = f"Could not remove: {e}"
        if removed:
            self._history.push("Remove", lambda: self._restore(removed))
        self._after_edit(error=error)

    def undo(self) -> None:
        """Ctrl+Z: undo the last relabel or removal; the drawings it brings back are selected."""
        if self.importing:
            return
        if not self._history.can_undo():
            self.summary.setText(f"{self._summary} · nothing to undo")
            return
        self._brought_back = []
        error = None
        try:
            self._history.undo()
        except (DrawingFileError, KeyError) as e:
            error = f"Could not undo: {e}"
        self._after_edit(select=self._brought_back, error=error)

    # Undo finds a relabelled drawing by its ink (Collection.entry_for): each relabel writes
    # a new file, so a path held from before may be gone after a later relabel of it.

    def _relabel_back(self, changed: list[tuple[Drawing, int]]) -> None:
        for drawing, label in reversed(changed):
            entry = self._collection.entry_for(drawing)
            if entry is None:
                raise KeyError("the drawing is no longer in the collection")
            self._brought_back.append(self._collection.relabel(entry, label, self._reader).path)

    def _restore(self, removed: list[tuple[Entry, int]]) -> None:
        for entry, index in reversed(removed):
            self._brought_back.append(self._collection.restore(entry, index, self._reader).path)

    def _after_edit(self, *, select: list[Path] | None = None, error: str | None = None) -> None:
        self.refresh(select)
        self.changed.emit()  # the window may refresh the browser again: say what went wrong after it
        if error is not None:
            self.summary.setText(error)

    def _open_item(self, item: QListWidgetItem) -> None:
        entry: Entry = item.data(ENTRY_ROLE)
        self.open_requested.emit(entry.drawing)

    def eventFilter(self, watched: object, event: object) -> bool:
        if watched is self.grid and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            text = event.text()
            if self.importing and (text.isdigit() or event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)):
                return True  # edits wait for the import: it compares against the drawings as they were
            if len(text) == 1 and text.isdigit() and int(text) < NUM_CLASSES:
                self.relabel_selected(int(text))
                return True
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.remove_selected()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.grid.currentItem() is not None:
                self._open_item(self.grid.currentItem())
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    # --- files --------------------------------------------------------------------------

    def export_to(self, path: str) -> bool:
        try:
            written = export_collection(self._collection.drawings, path)
        except ArchiveWriteError as e:
            self.summary.setText(f"Could not export: {e}")
            return False
        count = len(self._collection.entries)
        self.summary.setText(f"Exported {count} drawing{'s' * (count != 1)} to {written}")
        return True

    @property
    def importing(self) -> bool:
        """True while an import runs on the worker thread."""
        return self._import_cancel is not None

    def import_from(self, path: str) -> bool:
        """Import the collection file at ``path`` on the worker thread (False: one runs
        already); ``import_done`` follows."""
        if self.importing:
            return False
        cancel = threading.Event()
        self._import_cancel = cancel
        known, folder, reader, runner = (
            list(self._collection.entries),
            self._collection.folder,
            self._reader,
            self._importer,
        )

        def report(activity: str, done: int, total: int) -> None:  # on the worker thread
            runner.report(path, (activity, done, total))

        runner.submit(
            path, lambda: import_archive(path, folder, known, reader=reader, report=report, cancelled=cancel.is_set)
        )
        self.import_button.setText(CANCEL_IMPORT_TEXT)
        self.export_button.setEnabled(False)
        self.summary.setText(f"Importing {Path(path).name}…")
        return True

    def cancel_import(self) -> None:
        """Stop the import running (nothing of it is kept); ``import_done(False)`` follows."""
        if self._import_cancel is not None:
            self._import_cancel.set()
            self.summary.setText("Cancelling the import…")

    def _import_clicked(self) -> None:
        if self.importing:
            self.cancel_import()
        else:
            self._import_dialog()

    def _import_progressed(self, _key: object, news: tuple[str, int, int]) -> None:
        activity, done, total = news
        if self.importing and not (self._import_cancel and self._import_cancel.is_set()):
            self.summary.setText(f"{activity}… {done:,} of {total:,}")

    def _import_finished(self, _key: object, result: Any) -> None:
        self._import_cancel = None
        self.import_button.setText(IMPORT_TEXT)
        self.export_button.setEnabled(True)
        if isinstance(result, ImportResult):
            self._collection.adopt([*result.found, *result.entries], result.read)
            self._after_edit()
            skipped = f", {result.already_there:,} already here" if result.already_there else ""
            if result.other_label:
                skipped += f" ({result.other_label:,} of them with another label there: yours kept)"
            bad = f", {len(result.problems):,} unusable" if result.problems else ""
            self.summary.setText(f"Imported {result.added:,} drawing{'s' * (result.added != 1)}{skipped}{bad}.")
            self.import_done.emit(result.added > 0)
            return
        if isinstance(result, ScanCancelled):
            self.summary.setText("Import cancelled: nothing was imported.")
        elif isinstance(result, (ArchiveReadError, DrawingFileError)):
            self.summary.setText(f"Could not import: {result}")
        else:  # a defect: say so, and keep working with what is here
            self.summary.setText(f"Could not import: {type(result).__name__}: {result}")
        self.import_done.emit(False)

    def _dialog_folder(self) -> Path:
        """Where the file dialogs open: the folder last exported to or imported from, else
        the home folder (the collection's own folder is the app's, hidden from the user)."""
        return self._last_folder or Path.home()

    def _export_dialog(self) -> None:
        name = str(self._dialog_folder() / f"collection{ARCHIVE_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Export Collection", name, f"Collections (*{ARCHIVE_SUFFIX})")
        if path:
            self._last_folder = Path(path).parent
            self.export_to(path if path.endswith(ARCHIVE_SUFFIX) else path + ARCHIVE_SUFFIX)

    def _import_dialog(self) -> None:
        kinds = f"Collections (*{ARCHIVE_SUFFIX});;All files (*)"
        path, _ = QFileDialog.getOpenFileName(self, "Import Collection", str(self._dialog_folder()), kinds)
        if path:
            self._last_folder = Path(path).parent
            self.import_from(path)


def _thumbnail(drawing: Drawing, reader: Reader | None) -> QIcon:
    """The network's view of ``drawing``, as ``reader`` preprocesses it (without one: the defaults)."""
    try:
        image = preprocess_drawing(drawing, reader.options) if reader is not None else preprocess_drawing(drawing)
    except EmptyInputError:
        return QIcon()
    return QIcon(QPixmap.fromImage(image_to_qimage(image)).scaled(THUMBNAIL, THUMBNAIL))


class BrowserTool:
    """Edit ▸ Browse Collection… for ``state``'s collection, kept up to date by ``collection``;
    a drawing opened from it goes on ``canvas``."""

    def __init__(self, state: AppState, collection: CollectionControl, canvas: DrawingCanvas, parent: QWidget) -> None:
        self._state = state
        self._collection = collection
        self._canvas = canvas
        self._parent = parent
        self.browser: CollectionBrowser | None = None
        self._open_when_loaded = False
        collection.refreshed.connect(self._refresh)
        collection.loaded.connect(self._loaded)
        collection.folder_changed.connect(self._folder_changed)
        state.model_changed.connect(lambda _: self._model_changed())

    def open(self) -> CollectionBrowser | None:
        """Open the browser at once, or as soon as the folder is read (None: not yet)."""
        if self._collection.loading:
            self._open_when_loaded = True
            self._state.say("Your collection is still being read; it opens when it is.")
            return None
        if self.browser is None:
            self.browser = CollectionBrowser(self._state.keeper.collection, self._state.reader, self._parent)
            self.browser.changed.connect(self._collection.edited)
            self.browser.open_requested.connect(self._open_kept)
        else:
            self.browser.set_reader(self._state.reader)
        self.browser.show()
        self.browser.raise_()
        return self.browser

    def _open_kept(self, drawing: Drawing) -> None:
        """Put a kept drawing on the canvas and close the browser, so the canvas is in view
        (Ctrl+Z brings back what was there; Ctrl+B the browser)."""
        canvas, before = self._canvas, self._canvas.drawing()

        def back() -> str:
            canvas.show_drawing(before)
            return "Back to your drawing."

        canvas.show_drawing(drawing.with_label(None))
        self._state.history.push("Open Kept Drawing", back)
        if self.browser is not None:
            self.browser.close()
        window = canvas.window()
        window.raise_()
        window.activateWindow()
        label = f" (kept as {drawing.label})" if drawing.label is not None else ""
        self._state.say(f"Opened a drawing from your collection{label}")

    def _refresh(self) -> None:
        if self.browser is not None and self.browser.isVisible():
            self.browser.refresh()

    def _loaded(self) -> None:
        if self._open_when_loaded:
            self._open_when_loaded = False
            self.open()

    def _model_changed(self) -> None:
        if self.browser is not None:
            self.browser.set_reader(self._state.reader)

    def _folder_changed(self) -> None:
        """The browser shows the collection of the folder before: close it (it reopens on the
        new one), cancelling an import into the old one."""
        if self.browser is not None:
            self.browser.cancel_import()
            self._open_when_loaded = self.browser.isVisible()
            self.browser.close()
            self.browser.deleteLater()
            self.browser = None
