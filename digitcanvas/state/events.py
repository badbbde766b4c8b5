"""Change notifications without Qt: the events a state object emits and the window listens to.

An :class:`Event` is a list of callables called in the order they were connected, on the
thread that emits (the state is only changed on the GUI thread). It is what a Qt signal
is to a widget, for objects that must not import Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Event(Generic[T]):
    """Something that happened, with a value saying what (``None`` when there is nothing to say)."""

    def __init__(self) -> None:
        self._slots: list[Callable[[T], object]] = []

    def connect(self, slot: Callable[[T], object]) -> None:
        """Call ``slot`` with the value each time the event is emitted."""
        self._slots.append(slot)

    def disconnect(self, slot: Callable[[T], object]) -> None:
        """Stop calling ``slot``; raises ``ValueError`` if it was never connected."""
        self._slots.remove(slot)

    def emit(self, value: T) -> None:
        for slot in list(self._slots):  # a slot may connect or disconnect others
            slot(value)
