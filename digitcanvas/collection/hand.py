"""Model ▸ Adapt to My Handwriting, kept up to date with the collection. No Qt.

When it is on and the collection holds enough kept drawings (``MIN_EXAMPLES``, measured
with ``python -m lab.evaluate.adapt``), the reader in use adapts every reading to them
(:mod:`digitcanvas.reading.adaptation`). Each kept drawing's features cost a model run,
computed once (:class:`HandModel`): after a keep, a relabel or a removal the fit is
refreshed at once (only the new drawings' features are computed, a few ms); when many are
new (the collection just read, another model, the toggle turned on) :func:`fit_hand`
computes them off the GUI thread and :meth:`Adapter.adopt` takes the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.collection.folder import Cancelled, Entry, Progress, ScanCancelled
from digitcanvas.collection.keeper import INLINE_DRAWINGS
from digitcanvas.collection.state import PREDICT_CHUNK
from digitcanvas.model.info import InputScaling
from digitcanvas.model.session import ModelRunError
from digitcanvas.reading.adaptation import MIN_EXAMPLES, Adaptation, drawing_features, fit
from digitcanvas.reading.reader import Reader

ModelKey = tuple[Path, InputScaling]


def model_key(reader: Reader) -> ModelKey:
    """What features are kept apart by: the model file and how it is fed."""
    return reader.classifier.path, reader.classifier.scaling


class HandModel:
    """The adaptation for one collection and one model, kept up to date cheaply.

    Features are computed once per kept drawing (in one batch for those not seen yet) and
    cached by file, so refitting after a keep, a relabel or a removal only reads the new
    drawing: instant for thousands (``python -m lab.benchmark.adapt``).
    """

    def __init__(self) -> None:
        self._cache: dict[Path, NDArray[np.float64]] = {}
        self._model_key: ModelKey | None = None
        self.adaptation: Adaptation | None = None

    def knows(self, reader: Reader, entry: Entry) -> bool:
        """True when the features of ``entry`` for ``reader``'s model are kept."""
        return self._model_key == model_key(reader) and entry.path in self._cache

    def learn(self, reader: Reader, entries: Sequence[Entry], images: NDArray[np.float32]) -> None:
        """Keep the features of ``entries`` from their network inputs ``images`` (N, 28, 28),
        preprocessed already."""
        self.keep(reader, entries, drawing_features(reader.classifier, images) if len(entries) else np.zeros((0, 1)))

    def keep(self, reader: Reader, entries: Sequence[Entry], features: NDArray[np.float64]) -> None:
        """Keep the ``features`` (N, D) of ``entries`` for ``reader``'s model, computed already
        (the collection's scoring gets them in the run that reads the drawings)."""
        key = model_key(reader)
        if key != self._model_key:
            self._cache.clear()
            self._model_key = key
        for entry, row in zip(entries, features, strict=True):
            self._cache[entry.path] = row

    def sync(self, reader: Reader, entries: Sequence[Entry]) -> Adaptation:
        """Refit on ``entries`` (the collection's kept drawings) for ``reader``'s model."""
        if model_key(reader) != self._model_key:
            self._cache.clear()
        missing = [e for e in entries if e.path not in self._cache]
        self.learn(reader, missing, reader.images28([e.drawing for e in missing]))
        wanted = {e.path for e in entries}
        for path in [p for p in self._cache if p not in wanted]:
            del self._cache[path]
        features = np.stack([self._cache[e.path] for e in entries]) if entries else np.zeros((0, 1))
        self.adaptation = fit(features, [e.label for e in entries])
        return self.adaptation


def fit_hand(
    reader: Reader,
    entries: Sequence[Entry],
    *,
    on_progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    hand: HandModel | None = None,
) -> HandModel:
    """A :class:`HandModel` (``hand``, else a new one) fitted to ``entries``, the features
    it lacks computed in batches, then fitted once.

    Safe off the GUI thread when ``reader`` is one the GUI thread does not change (see
    :func:`~digitcanvas.collection.keeper.unadapted`). Raises ``ScanCancelled``,
    ``ModelRunError``, ``ValueError``.
    """
    hand = hand or HandModel()
    missing = [e for e in entries if not hand.knows(reader, e)]
    for start in range(0, len(missing), PREDICT_CHUNK):  # batches as the scoring's: bounded memory, progress
        if cancelled is not None and cancelled():
            raise ScanCancelled
        if on_progress is not None:
            on_progress(len(entries) - len(missing) + start, len(entries))
        chunk = missing[start : start + PREDICT_CHUNK]
        hand.learn(reader, chunk, reader.images28([e.drawing for e in chunk]))
    hand.sync(reader, entries)  # every feature is there: fits, and forgets files gone
    if on_progress is not None and entries:
        on_progress(len(entries), len(entries))
    return hand


class Adapter:
    """Keeps a reader adapted to the collection's entries while ``wanted_on()`` says so (the
    person's Adapt to My Handwriting)."""

    def __init__(self, wanted_on: Callable[[], bool]) -> None:
        self._wanted_on = wanted_on
        self.hand = HandModel()
        self._known: tuple[ModelKey, set[Path]] | None = None  # the files ``hand`` has features of (or had)

    @property
    def on(self) -> bool:
        return self._wanted_on()

    def wanted(self, entries: Sequence[Entry]) -> bool:
        """True when the toggle is on and ``entries`` are enough to adapt to."""
        return self.on and len(entries) >= MIN_EXAMPLES

    def refresh(self, reader: Reader | None, entries: Sequence[Entry]) -> tuple[bool, str | None]:
        """Refit ``reader`` on ``entries`` (or stop adapting it), and say whether that was done
        and what failed. Not done, leaving everything as it was, when more than
        :data:`INLINE_DRAWINGS` drawings lack features: then :func:`fit_hand` them off the
        GUI thread and :meth:`adopt` the result."""
        if reader is None:
            return True, None
        if not self.wanted(entries):
            reader.adaptation = None
            return True, None
        key = model_key(reader)
        if self._known is None or self._known[0] != key:
            self._known = key, set()  # another model: HandModel starts afresh too
        known = self._known[1]
        missing = {e.path for e in entries if e.path not in known}
        if len(missing) > INLINE_DRAWINGS:
            return False, None
        try:
            reader.adaptation = self.hand.sync(reader, entries)
        except (ModelRunError, ValueError) as e:
            reader.adaptation, self._known = None, None
            return True, f"Could not adapt to your drawings: {e}"
        # Files removed stay in ``known``: it only decides where features are computed,
        # and a new file never has an old name (a restored one is computed regardless).
        known.update(missing)
        return True, None

    def adopt(self, hand: HandModel, reader: Reader, entries: Sequence[Entry]) -> None:
        """Use ``hand``, fitted off the GUI thread on ``entries`` for ``reader``'s model;
        :meth:`refresh` then adds what changed meanwhile."""
        self.hand = hand
        self._known = model_key(reader), {e.path for e in entries}

    def forget(self, reader: Reader | None) -> None:
        """Another collection is being read: stop adapting ``reader`` to the one before."""
        if reader is not None:
            reader.adaptation = None
        self.hand, self._known = HandModel(), None

    @staticmethod
    def describe(reader: Reader | None) -> str:
        """What the collection line says about adaptation ("" when there is nothing to say)."""
        if reader is not None and reader.adaptation is not None:
            return f"adapted to your {reader.adaptation.count:,} drawings"
        return ""
