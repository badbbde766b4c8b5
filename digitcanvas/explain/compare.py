"""Two models' readings of the same input, side by side: where they disagree. No Qt."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.reading.doubt import Verdict, format_percent

MARK_GAP = 0.25  # a digit whose probabilities differ by this much between the models is marked


@dataclass(frozen=True)
class Comparison:
    """How two models' probabilities for one input differ."""

    first: NDArray[np.float64]  # (10,)
    second: NDArray[np.float64]  # (10,)
    # What the window says of each side ("Not sure" under the model's threshold); None: the
    # probabilities alone, every top digit read as sure.
    first_verdict: Verdict | None = None
    second_verdict: Verdict | None = None

    @property
    def first_digit(self) -> int:
        return int(np.argmax(self.first))

    @property
    def second_digit(self) -> int:
        return int(np.argmax(self.second))

    @property
    def agree(self) -> bool:
        """Both models read the same top digit."""
        return self.first_digit == self.second_digit

    def marked(self) -> tuple[int, ...]:
        """Digits to mark: the two top digits when they differ, and every digit whose
        probability differs by at least :data:`MARK_GAP`; in order 0-9."""
        gap = np.abs(self.first - self.second) >= MARK_GAP
        tops = set() if self.agree else {self.first_digit, self.second_digit}
        return tuple(d for d in range(NUM_CLASSES) if gap[d] or d in tops)

    def describe(self, first_name: str = "the first model", second_name: str = "the second") -> str:
        """A sentence, with the window's percentages and its "Not sure": "Both read 7 (92.0% and
        88.0%)", "They disagree: A reads 7 (92.0%), B is not sure (1 at 44.0%)"."""
        a, b = self.first_digit, self.second_digit
        first_sure, second_sure = _sure(self.first_verdict), _sure(self.second_verdict)
        both = f"({format_percent(self.first[a])} and {format_percent(self.second[b])})"
        if self.agree and first_sure and second_sure:
            return f"Both read {a} {both}"
        if self.agree and not (first_sure or second_sure):
            return f"Neither is sure; both lean to {a} {both}"
        if self.agree:
            return f"Both lean to {a} {both}, but {first_name if not first_sure else second_name} is not sure"
        return (
            f"They disagree: {first_name} {_reads(a, self.first[a], sure=first_sure)}, "
            f"{second_name} {_reads(b, self.second[b], sure=second_sure)}"
        )


def _sure(verdict: Verdict | None) -> bool:
    return verdict is None or verdict.sure


def _reads(digit: int, p: float, *, sure: bool) -> str:
    """ "reads 7 (92.0%)", or where the window would say "Not sure": "is not sure (7 at 44.0%)"."""
    return f"reads {digit} ({format_percent(p)})" if sure else f"is not sure ({digit} at {format_percent(p)})"


def compare(
    first: ArrayLike, second: ArrayLike, *, verdicts: tuple[Verdict | None, Verdict | None] = (None, None)
) -> Comparison:
    """The comparison of two (10,) probability vectors, with the window's ``verdicts`` on them
    (None: read as sure); raises ``ValueError`` for other shapes."""
    a = np.asarray(first, dtype=np.float64).reshape(-1)
    b = np.asarray(second, dtype=np.float64).reshape(-1)
    if a.shape != (NUM_CLASSES,) or b.shape != (NUM_CLASSES,):
        raise ValueError(f"expected two sets of {NUM_CLASSES} probabilities, got {a.shape} and {b.shape}")
    return Comparison(a, b, *verdicts)
