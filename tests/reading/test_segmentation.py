from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage
from strokes import compose, run_on

from digitcanvas.drawing.strokes import Drawing, EmptyInputError
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.numbers import segmentation
from digitcanvas.reading.numbers.atoms import Atom, Boundary, drawing_units, estimate_slant, merge_overlapping
from digitcanvas.reading.numbers.cuts import Cut, densify, find_cuts, sides, split_polyline
from digitcanvas.reading.numbers.cuts import side as side_of
from digitcanvas.reading.numbers.segmentation import (
    DRAWING_COSTS,
    IMAGE_COSTS,
    Box,
    Costs,
    Plan,
    best_split,
    candidate_runs,
    classify_runs,
    ones,
    plan_drawing,
    plan_image,
    read_runs,
    run_cost,
    segment_drawing,
    segment_image,
)
from digitcanvas.reading.reader import DigitReading, Reader
from lab.evaluate.numbers import as_image


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_classifier())


def box_of(digit: DigitReading) -> Box:
    assert digit.box is not None
    return digit.box


def test_slant_is_estimated_from_near_vertical_strokes() -> None:
    y = np.linspace(0, 200, 30)
    for slant in (-0.3, 0.0, 0.25):
        strokes = [np.stack([x0 + slant * y, y], axis=1) for x0 in (0, 120, 240)]
        assert estimate_slant(strokes) == pytest.approx(slant, abs=0.02)


@pytest.mark.parametrize("name", ["4two", "5flag", "7crossed", "1base"])
def test_multi_stroke_digits_are_one_unit(name: str) -> None:
    drawing, groups = compose([name])
    _, units = drawing_units(drawing)
    assert [u.members for u in units] == groups


def test_separate_digits_are_separate_units() -> None:
    drawing, groups = compose(["1", "0"], gap=0.25)
    _, units = drawing_units(drawing)
    assert [u.members for u in units] == groups


CASES = {
    "10": (["1", "0"], 0.3, 0.0),
    "11": (["1", "1"], 0.3, 0.0),
    "77": (["7", "7"], 0.25, 0.0),
    "45": (["4two", "5flag"], 0.3, 0.0),
    "71": (["7crossed", "1base"], 0.3, 0.0),
    "52": (["5late", "2"], 0.3, 0.0),
    "38 close": (["3", "8"], 0.08, 0.0),
    "2026 slanted": (["2", "0", "2", "6"], 0.25, 0.3),
    "909 back-slanted": (["9", "0", "9"], 0.3, -0.2),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_numbers_are_split_and_read(reader: Reader, case: str) -> None:
    names, gap, slant = CASES[case]
    drawing, groups = compose(names, gap=gap, slant=slant)
    reading = reader.read_drawing(drawing)
    assert [d.members for d in reading.digits] == groups
    assert reading.number == "".join(n[0] for n in names)
    for digit in reading.digits:
        _, _, w, h = box_of(digit)
        assert 0 < w < drawing.width and 0 < h < drawing.height


@pytest.mark.parametrize("name", ["0", "4two", "5late", "7crossed", "1base", "8"])
def test_a_single_digit_stays_one_digit(reader: Reader, name: str) -> None:
    drawing, _ = compose([name])
    reading = reader.read_drawing(drawing)
    assert len(reading.digits) == 1
    assert reading.number == name[0]


@pytest.mark.parametrize("name", ["0", "2", "4two", "7crossed"])
def test_a_digit_read_whole_reads_as_the_single_digit_path_reads_it(reader: Reader, name: str) -> None:
    """A digit wide enough to be cut into atoms, read whole, is its own strokes, uncut."""
    drawing, _ = compose([name])
    drawing = Drawing.from_points(
        [(s * [1.6, 1.0]).tolist() for s in drawing.strokes],
        width=drawing.width,
        height=drawing.height,
        pen_width=drawing.pen_width,
    )  # wider: the number path proposes cuts through it
    assert len(plan_drawing(drawing).atoms) > 1
    (whole,) = reader.read_drawing(drawing).digits
    (single,) = reader.read_drawing(drawing, number=False).digits
    assert np.array_equal(whole.image, single.image)
    assert np.array_equal(whole.probabilities, single.probabilities)
    assert whole.members == tuple(range(len(drawing.strokes)))


def _counting_plans(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The drawings plan_drawing is asked for from now on (it builds the atoms cuts are weighed on)."""
    planned: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> Plan:
        planned.append(args[0])
        return plan_drawing(*args, **kwargs)

    monkeypatch.setattr(segmentation, "plan_drawing", counted)
    return planned


@pytest.mark.parametrize("name", ["0", "2", "7crossed", "8"])
def test_a_sure_digit_of_one_piece_is_read_without_weighing_cuts(
    reader: Reader, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawing, _ = compose([name])
    planned = _counting_plans(monkeypatch)
    (digit,) = reader.read_drawing(drawing).digits
    assert digit.sure and digit.digit == int(name[0]) and not planned
    assert digit.members == tuple(range(len(drawing.strokes)))


def test_one_piece_that_is_no_sure_digit_or_wider_than_one_is_weighed_as_a_number(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned = _counting_plans(monkeypatch)
    joined, _ = run_on(*compose(["0", "0"], gap=0.1), [0])  # "00" in one stroke: wider than a digit
    assert len(joined.strokes) == 1
    assert reader.read_drawing(joined).number == "00" and len(planned) == 1
    strict = Reader(reader.classifier)
    monkeypatch.setattr(strict.classifier, "doubt_threshold", 1.1)  # no reading is sure
    drawing, _ = compose(["7crossed"])
    strict.read_drawing(drawing)
    assert len(planned) == 2


def test_empty_drawing_is_refused(reader: Reader) -> None:
    with pytest.raises(EmptyInputError):
        reader.read_drawing(Drawing((), 640, 400))


def test_numbers_in_images_are_split_by_connected_ink(reader: Reader) -> None:
    drawing, _ = compose(["2", "0", "7"], gap=0.3)
    reading = reader.read_image(as_image(drawing), number=True)
    assert reading.number == "207"
    lefts = [box_of(d)[0] for d in reading.digits]
    assert lefts == sorted(lefts)


def _x_extents(drawing: Drawing, groups: list[tuple[int, ...]]) -> list[tuple[float, float]]:
    spans = []
    for group in groups:
        xs = np.concatenate([drawing.strokes[m][:, 0] for m in group])
        spans.append((float(xs.min()), float(xs.max())))
    return spans


# Neighbours that nearly touch, touch (gap 0: the pens' edges meet) or overlap a little,
# upright or slanted so that their boxes overlap in x.
CLOSE_CASES = {
    "38 nearly touching": (["3", "8"], 0.02, 0.0),
    "38 touching": (["3", "8"], 0.0, 0.0),
    "70 overlapping": (["7", "0"], -0.03, 0.0),
    "10 touching": (["1", "0"], 0.0, 0.0),
    "45 touching": (["4two", "5flag"], 0.0, 0.0),
    "71 touching": (["7crossed", "1base"], 0.0, 0.0),
    "2026 slanted, close": (["2", "0", "2", "6"], 0.04, 0.35),
    "909 back-slanted, touching": (["9", "0", "9"], 0.0, -0.3),
    "4527 slanted, touching": (["4two", "5flag", "2", "7crossed"], 0.0, 0.3),
}


@pytest.mark.parametrize("case", sorted(CLOSE_CASES))
def test_close_and_touching_neighbours_are_split_right(reader: Reader, case: str) -> None:
    names, gap, slant = CLOSE_CASES[case]
    drawing, groups = compose(names, gap=gap, slant=slant, ink_gap=True)
    spans = _x_extents(drawing, groups)
    if slant or gap <= 0:  # the case is what it says: the neighbours' ink (pen included) meets in x
        assert all(a[1] + drawing.pen_width >= b[0] - 1e-6 for a, b in itertools.pairwise(spans))
    reading = reader.read_drawing(drawing)
    assert [d.members for d in reading.digits] == groups
    assert reading.number == "".join(n[0] for n in names)


@pytest.mark.parametrize("names", [["2", "0low"], ["0low", "0low"]], ids="".join)
def test_a_stroke_running_on_into_the_next_digit_is_cut(reader: Reader, names: list[str]) -> None:
    drawing, groups = compose(names, gap=0.05)
    joined, joined_groups = run_on(drawing, groups, [0])
    assert len(joined.strokes) == len(drawing.strokes) - 1  # one stroke spans both digits
    segments = segment_drawing(reader.classifier, joined)
    assert "".join(str(int(s.probabilities.argmax())) for s in segments) == "".join(n[0] for n in names)
    assert [s.members for s in segments] == joined_groups

    # The cut hands each digit its own part of the stroke, and every part goes to one digit.
    def length(strokes: tuple[np.ndarray, ...]) -> float:
        return sum(float(np.linalg.norm(np.diff(p, axis=0), axis=1).sum()) for p in strokes)

    assert sum(length(s.strokes) for s in segments) == pytest.approx(length(joined.strokes), rel=1e-9)
    lefts = [s.box[0] for s in segments]
    assert lefts == sorted(lefts)


IMAGE_CASES = {"38": (["3", "8"], -0.01), "22": (["2", "2"], -0.02), "57": (["5flag", "7"], -0.02)}


@pytest.mark.parametrize("case", sorted(IMAGE_CASES))
def test_touching_ink_in_an_image_is_cut(reader: Reader, case: str) -> None:
    names, gap = IMAGE_CASES[case]
    drawing, _ = compose(names, gap=gap, ink_gap=True)
    image = as_image(drawing)
    _, components = ndimage.label(image < 128, structure=np.ones((3, 3)))
    assert components == 1  # the digits' ink is connected
    assert reader.read_image(image, number=True).number == "".join(n[0] for n in names)


BOUND_CASES = {
    "0": (["0"], 0.0, 0.0, False),
    "4two": (["4two"], 0.0, 0.0, False),
    "45 touching": (["4two", "5flag"], 0.0, 0.0, False),
    "2026 slanted, close": (["2", "0", "2", "6"], 0.04, 0.35, False),
    "4527 slanted, touching": (["4two", "5flag", "2", "7crossed"], 0.0, 0.3, False),
    "38 touching, image": (["3", "8"], -0.01, 0.0, True),
    "207, image": (["2", "0", "7"], 0.3, 0.0, True),
}


@pytest.mark.parametrize("case", sorted(BOUND_CASES))
def test_classifying_only_the_runs_that_can_matter_gives_the_full_search(reader: Reader, case: str) -> None:
    names, gap, slant, image = BOUND_CASES[case]
    drawing, _ = compose(names, gap=gap, slant=slant, ink_gap=True)
    plan = plan_image(as_image(drawing)) if image else plan_drawing(drawing)
    costs = IMAGE_COSTS if image else DRAWING_COSTS
    every = classify_runs(plan, reader.classifier)
    confidence = {run: float(p.max()) for run, (p, _) in every.items()}
    read, split = read_runs(plan, reader.classifier, costs)
    assert split == best_split(plan.atoms, plan.boundaries, plan.height, confidence, costs)
    for run in split:
        np.testing.assert_allclose(read[run][0], every[run][0], atol=1e-6)
    assert set(read) <= set(every)
    if len(names) == 1:  # a clear single digit: only its whole ink is read
        assert list(read) == [(0, len(plan.atoms))]


@pytest.mark.parametrize("name", ["4two", "5flag", "5late", "7crossed", "1base"])
@pytest.mark.parametrize("slant", [0.0, 0.35])
def test_multi_stroke_digits_stay_whole_between_close_neighbours(reader: Reader, name: str, slant: float) -> None:
    drawing, groups = compose(["3", name, "0"], gap=0.0, slant=slant, ink_gap=True)
    reading = reader.read_drawing(drawing)
    assert [d.members for d in reading.digits] == groups
    assert reading.number == "3" + name[0] + "0"


@pytest.mark.parametrize("slant", [0.0, 0.3])
def test_ten_thousand_strokes_are_grouped_into_their_digits(slant: float) -> None:
    names = ["4two", "7crossed", "5flag", "1base", "0"] * 1111  # 9,999 strokes, 5,555 digits
    drawing, groups = compose([*names, "1base"], gap=0.3, slant=slant)
    assert len(drawing.strokes) >= 10_000
    _, units = drawing_units(drawing)
    assert [u.members for u in units] == groups


def test_whole_units_stay_candidates_however_finely_they_are_cut() -> None:
    # Two units, the first cut into six atoms, the second whole: each unit, and both
    # together, may be one digit, beside every run of up to four atoms.
    kinds = ["cut"] * 5 + ["units"]
    runs = candidate_runs([Boundary(0.0, kind) for kind in kinds], 7, 4)
    assert (0, 6) in runs and (6, 7) in runs and (0, 7) in runs
    assert (0, 5) not in runs  # five atoms, not a whole unit
    assert all(j - i <= 4 or (i, j) in {(0, 6), (0, 7)} for i, j in runs)


@given(
    st.lists(
        st.tuples(st.floats(-1e3, 1e3), st.floats(0, 300), st.floats(0, 1e3), st.floats(0, 300)),
        min_size=1,
        max_size=60,
    )
)
def test_units_partition_the_strokes(boxes: list[tuple[float, float, float, float]]) -> None:
    extents = [(x, x + w, y, y + h) for x, w, y, h in boxes]
    units = merge_overlapping(extents, 200.0)
    members = sorted(m for u in units for m in u.members)
    assert members == list(range(len(extents)))
    for u in units:
        assert u.left == min(extents[m][0] for m in u.members)
        assert u.right == max(extents[m][1] for m in u.members)


coordinates = st.floats(-500, 500, allow_nan=False)


@given(
    st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=40),
    st.lists(st.floats(-400, 400), max_size=4, unique=True),
)
def test_a_cut_polyline_is_the_polyline(points: list[tuple[float, float]], edges: list[float]) -> None:
    line = np.array(points)
    cuts = sorted(edges)
    parts = split_polyline(line, cuts)
    assert parts
    whole = float(np.linalg.norm(np.diff(line, axis=0), axis=1).sum())
    assert sum(float(np.linalg.norm(np.diff(p, axis=0), axis=1).sum()) for _, p in parts) == pytest.approx(
        whole, rel=1e-9, abs=1e-6
    )
    bounds = [-np.inf, *cuts, np.inf]
    for side, part in parts:
        assert np.all(part[:, 0] >= bounds[side] - 1e-6) and np.all(part[:, 0] <= bounds[side + 1] + 1e-6)


def _split_point_by_point(points: np.ndarray, edges: list[float]) -> list[tuple[int, np.ndarray]]:
    """split_polyline as first written, one point at a time: the reference for the vectorised one."""
    cuts = np.asarray(edges, dtype=np.float64)
    where = np.searchsorted(cuts, points[:, 0])
    parts, current = [], [points[0]]
    for k in range(1, len(points)):
        a, b, side_a, side_b = points[k - 1], points[k], int(where[k - 1]), int(where[k])
        step = 1 if side_b > side_a else -1
        for side in range(side_a, side_b, step):
            x = cuts[side if step > 0 else side - 1]
            crossing = a + (x - a[0]) / (b[0] - a[0]) * (b - a)
            current.append(crossing)
            parts.append((side, np.asarray(current)))
            current = [crossing]
        current.append(b)
    parts.append((int(where[-1]), np.asarray(current)))
    return [(side, part) for side, part in parts if len(part) > 1 or len(points) == 1]


@given(
    st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=40),
    st.lists(st.floats(-400, 400), max_size=4, unique=True),
)
def test_a_polyline_is_cut_as_point_by_point_to_the_bit(points: list[tuple[float, float]], edges: list[float]) -> None:
    line, cuts = np.array(points), sorted(edges)
    parts, expected = split_polyline(line, cuts), _split_point_by_point(line, cuts)
    assert [side for side, _ in parts] == [side for side, _ in expected]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(parts, expected, strict=True))
    vertical = [Cut(x, 1.0) for x in cuts]
    assert sides([p for _, p in parts], vertical) == [side_of(p, vertical) for _, p in parts]


def test_a_cut_between_run_on_digits_severs_the_stroke_once() -> None:
    # "00" in one stroke: a ring, a dash down to the next ring's foot, the next ring.
    t = np.radians(np.linspace(0, 360, 60))
    ring = np.stack([np.cos(t), np.sin(t)], axis=1) * 30
    first = ring[::-1] + np.array([30.0, 50.0])  # starts and ends at its right, (60, 50)
    second = np.roll(ring, -15, axis=0)[::-1] + np.array([110.0, 50.0])  # starts near its foot, (113, 80)
    line = densify(np.concatenate([first, second]), 2.0)
    cuts = find_cuts([line], cell=4.0, min_side=10.0, min_spacing=20.0, max_cuts=1)
    assert len(cuts) == 1
    assert 60 < cuts[0].x < 80 and cuts[0].ink == 1  # on the dash, not through a ring (two crossings)


@given(st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=30), st.integers(0, 4))
def test_cuts_lie_inside_the_ink_in_order(points: list[tuple[float, float]], max_cuts: int) -> None:
    line = densify(np.array(points), 2.0)
    cuts = find_cuts([line], cell=4.0, min_side=10.0, min_spacing=20.0, max_cuts=max_cuts)
    assert len(cuts) <= max_cuts
    xs = [c.x for c in cuts]
    assert xs == sorted(xs)
    assert all(line[:, 0].min() + 10.0 <= x <= line[:, 0].max() - 10.0 for x in xs)
    assert all(np.diff(xs) >= 20.0) and all(c.ink >= 0 for c in cuts)


strokes_strategy = st.lists(
    st.lists(st.tuples(st.floats(0, 640), st.floats(0, 400)), min_size=1, max_size=20), min_size=1, max_size=8
)


@settings(max_examples=30, deadline=None)
@given(strokes_strategy)
def test_any_drawing_is_split_into_digits_holding_all_its_strokes(
    reader: Reader, strokes: list[list[tuple[float, float]]]
) -> None:
    drawing = Drawing.from_points(strokes, width=640, height=400)
    segments = segment_drawing(reader.classifier, drawing)
    assert sorted({m for s in segments for m in s.members}) == list(range(len(strokes)))
    for s in segments:
        assert s.probabilities.shape == (10,) and abs(float(s.probabilities.sum()) - 1.0) < 1e-6
        assert s.image.shape == (28, 28) and s.box[2] > 0 and s.box[3] > 0 and s.strokes


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 0.6))
def test_any_image_is_read_or_refused_as_empty(reader: Reader, seed: int, density: float) -> None:
    noise = np.random.default_rng(seed).random((60, 90)) < density
    pixels = np.where(ndimage.binary_dilation(noise), 0, 255).astype(np.uint8)
    try:
        segments = segment_image(reader.classifier, pixels)
    except EmptyInputError:
        return
    assert segments and all(s.image.shape == (28, 28) for s in segments)
    lefts = [s.box[0] for s in segments]
    assert all(0 <= x < 90 for x in lefts)


def _atoms(extents: list[tuple[float, float, float, float]], kinds: list[str]) -> tuple[list[Atom], list[Boundary]]:
    """Atoms with these extents (left, right, top, bottom) and boundaries of these kinds between them."""
    atoms = [Atom((), e) for e in extents]
    gaps = [(b.extent[0] - a.extent[1]) / 100 for a, b in itertools.pairwise(atoms)]
    return atoms, [Boundary(gap, kind) for gap, kind in zip(gaps, kinds, strict=True)]


def test_a_thin_upright_unit_of_its_own_is_a_thin_one_and_a_comma_or_a_cut_part_is_not() -> None:
    # number height 100: a 1 (8 × 45, apart), a 9, a comma (5 × 15), then a bar that is part of a cut stroke
    atoms, boundaries = _atoms(
        [(0, 8, 50, 95), (20, 70, 0, 100), (80, 85, 90, 105), (100, 108, 40, 100), (108, 150, 40, 100)],
        ["units", "units", "units", "cut"],
    )
    assert ones(atoms, boundaries, 100.0) == [True, False, False, False, False]


def test_a_lone_thin_one_may_be_shorter_than_other_digits() -> None:
    atoms, boundaries = _atoms([(0, 8, 50, 95), (20, 70, 0, 100)], ["units"])
    costs = Costs(short_digit=0.7, short_weight=10.0, one_short_digit=0.3, wide_weight=0.0)
    flags = ones(atoms, boundaries, 100.0)
    assert run_cost(atoms, boundaries, 0, 1, 100.0, costs, flags) == pytest.approx(0.0)
    assert run_cost(atoms, boundaries, 0, 1, 100.0, costs) == pytest.approx(10.0 * (0.7 - 0.45))  # as any digit
    # merged with the 9, it is no lone 1: the run is as tall as the 9
    assert run_cost(atoms, boundaries, 0, 2, 100.0, costs, flags) == run_cost(atoms, boundaries, 0, 2, 100.0, costs)


def test_a_run_much_wider_than_its_own_height_costs_more() -> None:
    # "00" read as one digit: twice as wide as tall; a single 0: narrower than tall
    atoms, boundaries = _atoms([(0, 60, 40, 100), (60, 120, 40, 100)], ["cut"])
    costs = Costs(wide_weight=0.0, short_weight=0.0, aspect_digit=1.2, aspect_weight=3.0)
    assert run_cost(atoms, boundaries, 0, 1, 100.0, costs) == pytest.approx(0.0)
    assert run_cost(atoms, boundaries, 0, 2, 100.0, costs) == pytest.approx(3.0 * (120 / 60 - 1.2))


@pytest.mark.parametrize(("names", "share"), [(["1", "9"], 0.45), (["1", "6"], 0.5), (["1", "0", "0"], 0.5)], ids=str)
def test_a_thin_1_written_short_and_close_is_a_digit_of_its_own(reader: Reader, names: list[str], share: float) -> None:
    drawing, groups = compose(names, gap=0.12)
    strokes = list(drawing.strokes)
    one = strokes[groups[0][0]].copy()
    bottom = one[:, 1].max()
    one[:, 1] = bottom - (bottom - one[:, 1]) * share  # the 1 only ``share`` as tall as its neighbours, on the baseline
    strokes[groups[0][0]] = one
    reading = reader.read_drawing(Drawing(tuple(strokes), drawing.width, drawing.height, drawing.pen_width))
    assert reading.number == "".join(names)
    assert [d.members for d in reading.digits] == groups
