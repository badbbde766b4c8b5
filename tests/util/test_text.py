"""Durations as people read them (the training's time left and time per epoch)."""

from __future__ import annotations

import pytest

from digitcanvas.util.text import duration


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "–"),
        (0.4, "0 s"),
        (59.4, "59 s"),
        (59.6, "1:00 min"),
        (65, "1:05 min"),
        (3599, "59:59 min"),
        (7380, "2 h 03 min"),
    ],
)
def test_a_duration_reads_in_the_unit_that_fits(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text
