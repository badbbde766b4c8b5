"""Model ▸ Adapt to My Handwriting: the window's side of :mod:`digitcanvas.adapt`.

When it is on and the collection holds enough kept drawings (``MIN_EXAMPLES``, measured
with ``python -m lab.evaluate_adapt``), the reader in use adapts every reading to them;
the fit is refreshed after each keep, relabel or removal (a few ms: only new drawings'
features are computed) and whenever the model changes. The collection panel says what
the adaptation rests on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..adapt import MIN_EXAMPLES, HandModel
from ..inference import ModelRunError
from .settings import AppSettings

if TYPE_CHECKING:  # the window builds this object; only its type is needed here
    from .window import MainWindow


class AdaptationControl:
    """Keeps the window's reader adapted to the collection while the toggle is on."""

    def __init__(self, window: MainWindow, settings: AppSettings) -> None:
        self.window = window
        self.settings = settings
        self.hand = HandModel()

    @property
    def on(self) -> bool:
        return self.settings.adapt

    def set_on(self, on: bool) -> None:
        self.settings.set_adapt(on)
        self.refresh()
        if not self.window.canvas.is_empty():
            self.window.classify(self.window.canvas.drawing())

    def refresh(self) -> None:
        """Refit on the collection for the model in use (or stop adapting)."""
        reader = self.window.models.reader
        if reader is None:
            return
        entries = self.window.keeper.collection.entries
        if not self.on or len(entries) < MIN_EXAMPLES:
            reader.adaptation = None
            return
        try:
            reader.adaptation = self.hand.sync(reader, entries)
        except ModelRunError as e:
            reader.adaptation = None
            self.window.status.show(f"Could not adapt to your drawings: {e}")

    def describe(self) -> str:
        """What the collection panel says about adaptation ("" when there is nothing to say)."""
        reader = self.window.models.reader
        if reader is not None and reader.adaptation is not None:
            return f"adapted to your {reader.adaptation.count} drawings"
        return ""
