"""Stroke-level augmentation (lab.data.augment_strokes): invariants on hand-made pen samples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.data import augment_strokes as A
from lab.data.unipen import PenSample


def _line(a: tuple[float, float], b: tuple[float, float], n: int) -> np.ndarray:
    t = np.linspace(0, 1, n)[:, None]
    return np.asarray(a) + (np.asarray(b) - np.asarray(a)) * t


def _sample(label: int, *strokes: np.ndarray) -> PenSample:
    return PenSample(label, "tst", "w1", tuple(strokes))


SEVEN = _line((0, 0), (60, 0), 20)[:-1].tolist() + _line((60, 0), (20, 100), 40).tolist()
CROSSED_SEVEN = _sample(7, np.asarray(SEVEN), _line((15, 50), (55, 52), 12))
# A continental 1: a straight up-stroke (the lead-in) to the top, then the stem down.
ONE = _sample(1, np.concatenate([_line((0, 40), (30, 0), 15)[:-1], _line((30, 0), (30, 100), 40)]))


def _points(sample: PenSample) -> int:
    return sum(len(s) for s in sample.strokes)


def test_coarsen_keeps_about_the_asked_points_and_every_strokes_ends() -> None:
    coarse = A.coarsen(CROSSED_SEVEN, 15)
    assert _points(CROSSED_SEVEN) == 71 and 14 <= _points(coarse) <= 16
    for before, after in zip(CROSSED_SEVEN.strokes, coarse.strokes, strict=True):
        np.testing.assert_array_equal(after[[0, -1]], before[[0, -1]])
        assert len(after) >= 2
    # In time: the long stroke keeps the larger share, as its pen was down longer.
    assert len(coarse.strokes[0]) > len(coarse.strokes[1])


def test_coarsen_leaves_a_dot_a_dot_and_never_adds_points() -> None:
    dot = _sample(0, np.array([[5.0, 5.0]]), _line((0, 0), (0, 10), 3))
    coarse = A.coarsen(dot, 100)
    assert [len(s) for s in coarse.strokes] == [1, 3]


def test_refine_passes_through_the_points_and_adds_between_them() -> None:
    fine = A.refine(ONE, 4)
    stroke, original = fine.strokes[0], ONE.strokes[0]
    assert len(stroke) == (len(original) - 1) * 4 + 1
    np.testing.assert_allclose(stroke[::4], original, atol=1e-9)  # an interpolating curve


def test_cut_corners_rounds_a_corner_but_keeps_the_ends() -> None:
    corner = _sample(7, np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]))
    cut = A.cut_corners(corner, 1).strokes[0]
    np.testing.assert_array_equal(cut[[0, -1]], corner.strokes[0][[0, -1]])
    assert not any(np.allclose(p, [10.0, 0.0]) for p in cut)  # the corner point itself is gone


def test_a_sevens_bar_comes_off_and_goes_on() -> None:
    plain = A.uncross(CROSSED_SEVEN)
    assert len(plain.strokes) == 1
    np.testing.assert_array_equal(plain.strokes[0], CROSSED_SEVEN.strokes[0])
    crossed = A.cross(plain, np.random.default_rng(0))
    assert len(crossed.strokes) == 2
    low, size = A.bounding_box(crossed.strokes)
    assert A.is_bar(crossed.strokes[1], low, size)
    bar = crossed.strokes[1]
    assert bar[:, 0].min() < 40 < bar[:, 0].max()  # it crosses the stem, which is at x = 40 halfway down


def test_only_sevens_are_crossed_or_uncrossed() -> None:
    four = _sample(4, *CROSSED_SEVEN.strokes)
    assert A.uncross(four) is four and A.cross(ONE, np.random.default_rng(0)) is ONE


def test_a_lead_in_stretches_about_its_corner_within_limits() -> None:
    corner = ONE.strokes[0][14]
    longer = A.stretch_lead_in(ONE, 1.5).strokes[0]
    np.testing.assert_array_equal(longer[14:], ONE.strokes[0][14:])  # the stem is untouched
    assert np.linalg.norm(longer[0] - corner) == pytest.approx(1.5 * 50)  # the up-stroke was 50 long
    shorter = A.stretch_lead_in(ONE, 0.5).strokes[0]
    assert np.linalg.norm(shorter[0] - corner) == pytest.approx(25)
    capped = A.stretch_lead_in(ONE, 10.0).strokes[0]
    assert np.linalg.norm(capped[0] - corner) == pytest.approx(A.LEAD_IN_MAX * 100)


def test_a_curved_start_is_no_lead_in() -> None:
    t = np.linspace(0, 1.5 * np.pi, 40)
    curve = _sample(6, np.stack([np.cos(t) * 50, np.sin(t) * 50], axis=1))
    assert A.stretch_lead_in(curve, 0.5) is curve


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), label=st.integers(0, 9))
def test_augment_is_reproducible_finite_and_keeps_the_label(seed: int, label: int) -> None:
    sample = _sample(label, *CROSSED_SEVEN.strokes)
    first = A.augment(sample, np.random.default_rng(seed))
    again = A.augment(sample, np.random.default_rng(seed))
    assert first.label == label and first.writer == sample.writer
    assert len(first.strokes) == len(again.strokes) >= 1
    for a, b in zip(first.strokes, again.strokes, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.ndim == 2 and a.shape[1] == 2 and np.isfinite(a).all()
    _, size = A.bounding_box(first.strokes)
    assert 0.5 < size[1] / 100 < 1.6  # still about the digit's height
