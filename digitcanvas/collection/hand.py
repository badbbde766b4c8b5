"""Model ▸ Adapt to My Handwriting: the window's side of :mod:`digitcanvas.reading.adaptation`.

When it is on and the collection holds enough kept drawings (``MIN_EXAMPLES``, measured
with ``python -m lab.evaluate.adapt``), the reader in use adapts every reading to them.
Each kept drawing's features cost a model run, computed once: after a keep, a relabel
or a removal the fit is refreshed at once (only the new drawings' features are computed,
a few ms); when many are new (the collection just read, another model, the toggle
turned on) :func:`fit_hand` computes them off the GUI thread and :meth:`adopt` takes the
result. The collection panel says what the adaptation rests on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from digitcanvas.collection.keeper import INLINE_DRAWINGS
from digitcanvas.collection.state import PREDICT_CHUNK, Cancelled, Entry, Progress, ScanCancelled
from digitcanvas.model.classifier import ModelRunError
from digitcanvas.model.info import InputScaling
from digitcanvas.reading.adaptation import MIN_EXAMPLES, HandModel
from digitcanvas.reading.reader import Reader
from digitcanvas.ui.settings import AppSettings

if TYPE_CHECKING:  # the window builds this object; only its type is needed here
    from digitcanvas.ui.window.main_window import MainWindow

_ModelKey = tuple[Path, InputScaling]


def _model_key(reader: Reader) -> _ModelKey:
    return reader.classifier.path, reader.classifier.scaling  # what HandModel keys its features by


def fit_hand(
    reader: Reader,
    entries: Sequence[Entry],
    *,
    on_progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> HandModel:
    """A new :class:`HandModel` holding the features of ``entries``, computed in batches.

    Safe off the GUI thread when ``reader`` is one the GUI thread does not change (see
    :func:`~.keeper.unadapted`). Raises ``ScanCancelled``, ``ModelRunError``, ``ValueError``.
    """
    hand = HandModel()
    for start in range(0, len(entries), PREDICT_CHUNK):  # batches as the scoring's: bounded memory, progress
        if cancelled is not None and cancelled():
            raise ScanCancelled
        if on_progress is not None:
            on_progress(start, len(entries))
        hand.sync(reader, entries[: start + PREDICT_CHUNK])  # computes only the batch not seen yet
    if on_progress is not None and entries:
        on_progress(len(entries), len(entries))
    return hand


class AdaptationControl:
    """Keeps the window's reader adapted to the collection while the toggle is on."""

    def __init__(self, window: MainWindow, settings: AppSettings) -> None:
        self.window = window
        self.settings = settings
        self.hand = HandModel()
        self._known: tuple[_ModelKey, set[Path]] | None = None  # the files ``hand`` has features of (or had)

    @property
    def on(self) -> bool:
        return self.settings.adapt

    def set_on(self, on: bool) -> None:
        entries = self.window.keeper.collection.entries
        was_adapting = self.wanted(entries)
        self.settings.set_adapt(on)
        self.window.collection.show()  # refits here, or for many drawings on the worker thread
        if not on:
            self.window.status.show(
                "Readings are the model's own again (not adapted to your handwriting)."
                if was_adapting
                else "Adapt to My Handwriting is off."
            )
        elif self.wanted(entries):
            self.window.status.show("Readings now adapt to your handwriting.")
        else:
            kept = len(entries)
            self.window.status.show(
                f"Readings will adapt to your handwriting once you have kept {MIN_EXAMPLES} drawings (you have {kept})."
            )
        if not self.window.canvas.is_empty():
            self.window.classify(self.window.canvas.drawing())

    def wanted(self, entries: Sequence[Entry]) -> bool:
        """True when the toggle is on and ``entries`` are enough to adapt to."""
        return self.on and len(entries) >= MIN_EXAMPLES

    def refresh(self) -> bool:
        """Refit on the collection for the model in use (or stop adapting); False, leaving
        everything as it was, when more than ``INLINE_DRAWINGS`` drawings lack features
        (then :func:`fit_hand` them off the GUI thread and :meth:`adopt` the result)."""
        reader = self.window.models.reader
        if reader is None:
            return True
        entries = self.window.keeper.collection.entries
        if not self.wanted(entries):
            reader.adaptation = None
            return True
        key = _model_key(reader)
        if self._known is None or self._known[0] != key:
            self._known = key, set()  # another model: HandModel starts afresh too
        known = self._known[1]
        missing = {e.path for e in entries if e.path not in known}
        if len(missing) > INLINE_DRAWINGS:
            return False
        try:
            reader.adaptation = self.hand.sync(reader, entries)
        except (ModelRunError, ValueError) as e:
            reader.adaptation, self._known = None, None
            self.window.status.show(f"Could not adapt to your drawings: {e}")
        else:
            # Files removed stay in ``known``: it only decides where features are computed,
            # and a new file never has an old name (a restored one is computed regardless).
            known.update(missing)
        return True

    def adopt(self, hand: HandModel, reader: Reader, entries: Sequence[Entry]) -> None:
        """Use ``hand``, fitted off the GUI thread on ``entries`` for ``reader``'s model;
        :meth:`refresh` then adds what changed meanwhile."""
        self.hand = hand
        self._known = _model_key(reader), {e.path for e in entries}

    def forget(self) -> None:
        """Another collection is being read: stop adapting to the one before."""
        if self.window.models.reader is not None:
            self.window.models.reader.adaptation = None
        self.hand, self._known = HandModel(), None

    def describe(self) -> str:
        """What the collection panel says about adaptation ("" when there is nothing to say)."""
        reader = self.window.models.reader
        if reader is not None and reader.adaptation is not None:
            return f"adapted to your {reader.adaptation.count:,} drawings"
        return ""
