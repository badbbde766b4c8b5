"""The undo history on its own: newest first, named steps, kinds that can be forgotten."""

from __future__ import annotations

import pytest

from digitcanvas.state.history import MAX_STEPS, History, StepKind


def test_undoes_newest_first_and_names_the_next_step() -> None:
    done: list[str] = []
    changes: list[bool] = []
    history = History(lambda: changes.append(True))
    assert not history.can_undo() and history.next_name() is None and history.undo() is None

    def stroke() -> None:
        done.append("stroke")

    def clear() -> str:
        done.append("clear")
        return "The drawing is back."

    history.push("Stroke", stroke)
    history.push("Clear", clear)
    assert history.next_name() == "Clear" and history.names() == ["Stroke", "Clear"]
    assert history.undo() == "The drawing is back."
    assert history.undo() is None and done == ["clear", "stroke"]
    assert not history.can_undo() and len(changes) == 4


def test_a_step_that_fails_is_gone() -> None:
    history = History()

    def fails() -> str:
        raise KeyError("the entry is not in this collection")

    history.push("Keep as a 7", fails, kind=StepKind.COLLECTION)
    with pytest.raises(KeyError):
        history.undo()
    assert not history.can_undo()


def test_forgetting_a_kind() -> None:
    history = History()
    history.push("Stroke", lambda: None)
    history.push("Keep as a 7", lambda: None, kind=StepKind.COLLECTION)
    history.push("Stroke", lambda: None)
    history.forget(StepKind.COLLECTION)
    assert history.names() == ["Stroke", "Stroke"]


def test_keeps_at_most_max_steps() -> None:
    history = History()
    for i in range(MAX_STEPS + 5):
        history.push(f"Stroke {i}", lambda: None)
    assert len(history.names()) == MAX_STEPS and history.names()[0] == "Stroke 5"
