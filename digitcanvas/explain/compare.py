"""Two models' readings of the same input, side by side: where they disagree. No Qt."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from digitcanvas.model.shapes import NUM_CLASSES

MARK_GAP = 0.25  # a digit whose probabilities differ by this much between the models is marked


@dataclass(frozen=True)
class Comparison:
    """How two models' probabilities for one input differ."""

    first: NDArray[np.float64]  # (10,)
    second: NDArray[np.float64]  # (10,)

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
        """A sentence: "Both read 7 (92% and 88%)" or "They disagree: A reads 7 (92%), B reads 1 (64%)"."""
        a, b = self.first_digit, self.second_digit
        if self.agree:
            return f"Both read {a} ({self.first[a]:.0%} and {self.second[b]:.0%})"
        return (
            f"They disagree: {first_name} reads {a} ({self.first[a]:.0%}), "
            f"{second_name} reads {b} ({self.second[b]:.0%})"
        )


def compare(first: ArrayLike, second: ArrayLike) -> Comparison:
    """The comparison of two (10,) probability vectors; raises ``ValueError`` for other shapes."""
    a = np.asarray(first, dtype=np.float64).reshape(-1)
    b = np.asarray(second, dtype=np.float64).reshape(-1)
    if a.shape != (NUM_CLASSES,) or b.shape != (NUM_CLASSES,):
        raise ValueError(f"expected two sets of {NUM_CLASSES} probabilities, got {a.shape} and {b.shape}")
    return Comparison(a, b)
