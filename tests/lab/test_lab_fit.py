"""lab.train.doubt_threshold: the "Not sure" threshold fitted on validation writers."""

from __future__ import annotations

import numpy as np
import pytest

from lab.train.doubt_threshold import MAX_FLAG_RATE, fit_threshold


def test_fit_threshold_uses_the_flag_budget_when_writers_are_alike(rng: np.random.Generator) -> None:
    # 100 writers of 50 digits, each with the same spread of confidences.
    tops = np.tile(np.linspace(0.5, 1.0, 50), 100) + rng.normal(0, 1e-4, 5000)
    writers = np.repeat(np.arange(100), 50)
    threshold = fit_threshold(tops, writers)
    rate = (tops < threshold).mean()
    assert 0.02 <= rate <= MAX_FLAG_RATE


def test_fit_threshold_leaves_room_when_a_few_writers_hold_the_doubtful_digits(rng: np.random.Generator) -> None:
    # Same confidences overall, but the 2.5 % least confident digits all belong to 3 of 40 writers.
    tops = np.sort(rng.uniform(0.5, 1.0, 4000))
    spread = rng.integers(0, 40, 4000)
    clustered = np.concatenate([np.repeat([0, 1, 2], 34)[:100], rng.integers(0, 40, 3900)])
    even = fit_threshold(tops, spread)
    uneven = fit_threshold(tops, clustered)
    assert (tops < uneven).mean() < (tops < even).mean() <= MAX_FLAG_RATE


def test_fit_threshold_refuses_mismatched_input() -> None:
    with pytest.raises(ValueError, match="one writer per"):
        fit_threshold(np.array([0.9, 0.8]), ["a"])
    with pytest.raises(ValueError, match="at least one"):
        fit_threshold(np.array([]), [])
