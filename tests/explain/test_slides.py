"""Pictures for slides (``inspect --out``): enlarged, titled, with their colour scale (issue #26)."""

from __future__ import annotations

import numpy as np

from digitcanvas.explain.pictures import colourise, heat_strip
from digitcanvas.explain.slides import (
    BACKGROUND,
    BAR_TOP,
    MARGIN,
    MIN_WIDTH,
    TEXT,
    enlarge_factor,
    probabilities_chart,
    slide,
)


def test_a_ten_value_strip_becomes_ten_big_square_cells() -> None:
    values = np.linspace(-1.0, 1.0, 10)
    picture = slide(heat_strip(values), "Layer 15 · Dense 1 · 10 outputs", values=values, index_labels=True)
    factor = enlarge_factor(10)
    assert factor * 10 >= MIN_WIDTH and picture.shape[1] >= MIN_WIDTH
    colours = colourise(values.reshape(1, -1))[0]
    rows = [y for y in range(picture.shape[0]) if (picture[y, MARGIN] == colours[0]).all()]
    assert len(rows) >= factor  # each value a square of factor × factor px, not a 8 px strip
    first_row = rows[0]
    for i, colour in enumerate(colours):
        assert (picture[first_row, MARGIN + i * factor + factor // 2] == colour).all()


def test_the_title_is_drawn_above_the_picture() -> None:
    picture = slide(np.zeros((28, 28, 3), np.uint8), "The network's input")
    band = picture[: MARGIN * 3]
    assert (np.abs(band.astype(int) - TEXT).sum(axis=2) < 60).any()  # light text on the dark band
    assert (picture[0, 0] == BACKGROUND).all()


def test_a_wide_picture_is_not_enlarged_past_the_limit() -> None:
    assert enlarge_factor(2000) == 1
    assert enlarge_factor(28) == 18  # 504 px


def test_probabilities_are_ten_labelled_bars_with_the_top_one_in_the_accent() -> None:
    probs = np.full(10, 0.02)
    probs[7] = 0.82
    chart = probabilities_chart(probs)
    assert chart.shape[1] >= MIN_WIDTH and chart.shape[0] >= 300
    accent = (chart == np.array(BAR_TOP, np.uint8)).all(axis=2)
    columns = np.flatnonzero(accent.any(axis=0))
    assert columns.size and chart.shape[1] * 0.7 < columns.mean() < chart.shape[1] * 0.8  # the bar of 7
