"""What Ctrl+Z undoes: the window's changes, newest first.

Every change the person makes goes on one stack, whatever it touched: a stroke, a
cleared canvas, an opened drawing, a drawing kept in (or relabelled in) the collection.
Each step knows how to undo itself; the window names the next one in the Edit menu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from digitcanvas.util.enums import StrEnum

MAX_STEPS = 500  # enough for any drawing session; older steps are forgotten


class StepKind(StrEnum):
    """Which steps may have to be forgotten together."""

    CANVAS = "canvas"  # a stroke, a Clear, an opened drawing
    COLLECTION = "collection"  # changed the collection's files: forgotten with the folder


@dataclass(frozen=True)
class Step:
    """One undoable change: ``name`` completes "Undo …" ("Stroke", "Clear", "Keep as an 8").

    ``undo`` reverts it and may return what to tell the person; ``kind`` groups steps
    that may have to be forgotten together (:attr:`StepKind.COLLECTION`: the folder changed).
    """

    name: str
    undo: Callable[[], str | None]
    kind: StepKind = StepKind.CANVAS


class History:
    """A stack of undoable steps; ``on_change`` is called whenever it grows or shrinks."""

    def __init__(self, on_change: Callable[[], object] | None = None) -> None:
        self._steps: list[Step] = []
        self._on_change = on_change

    def push(self, name: str, undo: Callable[[], str | None], *, kind: StepKind = StepKind.CANVAS) -> None:
        self._steps.append(Step(name, undo, kind))
        del self._steps[:-MAX_STEPS]
        self._changed()

    def undo(self) -> str | None:
        """Undo the newest step; returns what its undo says to tell the person (None: nothing).

        The step is gone even when undoing it raises: it will not fail again.
        """
        if not self._steps:
            return None
        step = self._steps.pop()
        try:
            return step.undo()
        finally:
            self._changed()

    def can_undo(self) -> bool:
        return bool(self._steps)

    def next_name(self) -> str | None:
        """The name of the step Ctrl+Z would undo."""
        return self._steps[-1].name if self._steps else None

    def names(self) -> list[str]:
        """Every step's name, oldest first."""
        return [s.name for s in self._steps]

    def forget(self, kind: StepKind) -> None:
        """Drop the steps of ``kind``: they can no longer be undone."""
        self._steps = [s for s in self._steps if s.kind != kind]
        self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()
