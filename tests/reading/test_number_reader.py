"""The number reader (a second network that reads a number whole) and how a reading uses it."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from strokes import compose, number_image

from digitcanvas.model.classifier import Classifier, load_classifier
from digitcanvas.model.session import ModelRunError
from digitcanvas.reading.doubt import NOT_SURE_PREFIX, DoubtReason, Verdict, assess
from digitcanvas.reading.numbers import segmentation
from digitcanvas.reading.numbers.atoms import Atom, Boundary
from digitcanvas.reading.numbers.number_reader import (
    BLANK,
    NumberReader,
    bundled_number_reader,
    bundled_number_reader_path,
    decode,
)
from digitcanvas.reading.numbers.segmentation import (
    DRAWING_COSTS,
    _penalties,
    best_split,
    best_split_of,
    candidate_runs,
    opinions,
)
from digitcanvas.reading.numbers.strip import (
    FRAME,
    INK_HEIGHT,
    MARGIN,
    STRIP_HEIGHT,
    StripPixels,
    ink_strip,
    strokes_strip,
    thinned,
)
from digitcanvas.reading.reader import DigitReading, Reader, Reading


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_classifier()


class FixedReader(NumberReader):
    """A number reader that always reads ``digits`` (or fails)."""

    def __init__(self, digits: str | None) -> None:
        super().__init__("unused.onnx")
        self.digits = digits
        self.strips: list[StripPixels] = []

    def read(self, strip: StripPixels) -> str:
        self.strips.append(strip)
        if self.digits is None:
            raise ModelRunError("the model failed on this input (test)")
        return self.digits


def _frames(path: list[int]) -> np.ndarray:
    """(T, 11) log-probabilities whose best path is ``path`` (0.9 on it)."""
    probs = np.full((len(path), 11), 0.01)
    probs[np.arange(len(path)), path] = 0.9
    return np.log(probs)


def test_the_best_path_is_collapsed_into_digits() -> None:
    # frames: 1 1 _ 1 _ _ 7 7 7 _  (class d + 1 is the digit d): "007", a blank between the two 0s
    path = [1, 1, BLANK, 1, BLANK, BLANK, 8, 8, 8, BLANK]
    assert decode(_frames(path), len(path) * FRAME) == "007"
    assert decode(_frames([BLANK] * 4), 4 * FRAME) == ""


def test_frames_beyond_the_strip_are_padding_and_ignored() -> None:
    assert decode(_frames([3, BLANK, 5, 5]), 2 * FRAME) == "2"


def test_a_strip_holds_the_ink_at_its_height_with_margins() -> None:
    drawing, _ = compose(["2", "0", "7"], gap=0.3)
    strip = strokes_strip(drawing.strokes)
    rows, cols = strip.shape
    assert rows == STRIP_HEIGHT and cols % FRAME == 0
    assert strip.min() >= 0.0 and strip.max() <= 1.0
    ink_rows = np.flatnonzero(strip.max(axis=1) > 0.05)
    ink_cols = np.flatnonzero(strip.max(axis=0) > 0.05)
    assert ink_rows[-1] - ink_rows[0] + 1 == pytest.approx(INK_HEIGHT, abs=2)  # the pen included, anti-aliased
    assert ink_cols[0] == pytest.approx(MARGIN, abs=1)
    assert cols - 1 - ink_cols[-1] >= MARGIN - 1
    # three digits about 0.6 as wide as tall, and two gaps
    assert 2.0 * INK_HEIGHT < ink_cols[-1] - ink_cols[0] < 4.0 * INK_HEIGHT


def test_an_image_strip_is_the_ink_resized_to_the_strips_height() -> None:
    ink = np.zeros((60, 200))
    ink[10:50, 40:50] = 1.0  # two bars 40 px tall, 10 wide, 100 apart
    ink[10:50, 150:160] = 1.0
    strip = ink_strip(ink)
    assert strip.shape[0] == STRIP_HEIGHT and strip.shape[1] % FRAME == 0
    ink_cols = np.flatnonzero(strip.max(axis=0) > 0.5)
    scale = INK_HEIGHT / 40
    assert ink_cols[0] == pytest.approx(MARGIN, abs=1)
    assert ink_cols[-1] - ink_cols[0] + 1 == pytest.approx(120 * scale, abs=2)
    assert ink_strip(np.zeros((5, 5))).max() == 0.0


def _atoms(widths: list[float]) -> tuple[list[Atom], list[Boundary]]:
    """Atoms side by side, 100 px tall, 5 px apart."""
    lefts = list(itertools.accumulate([0.0] + [w + 5 for w in widths[:-1]]))
    atoms = [Atom((), (x, x + w, 0.0, 100.0)) for x, w in zip(lefts, widths, strict=True)]
    return atoms, [Boundary(0.05, "units") for _ in atoms[1:]]


@pytest.mark.parametrize("seed", range(5))
def test_the_best_split_of_a_count_is_the_best_among_splits_of_that_count(seed: int) -> None:
    rng = np.random.default_rng(seed)
    atoms, boundaries = _atoms(list(rng.uniform(20, 60, size=5)))
    runs = candidate_runs(boundaries, len(atoms), 3)
    confidence = {run: float(rng.uniform(0.2, 1.0)) for run in runs}
    penalties = _penalties(atoms, boundaries, 100.0, DRAWING_COSTS, runs)

    def score(split: list[tuple[int, int]]) -> float:
        total = 0.0
        for start, stop in split:
            run, gap = penalties.runs[(start, stop)]
            total += np.log(confidence[(start, stop)]) - run - (gap if start else 0.0)
        return total

    def splits(start: int) -> list[list[tuple[int, int]]]:  # every split of atoms[start:] into candidate runs
        if start == len(atoms):
            return [[]]
        return [[(start, stop), *rest] for (s, stop) in runs if s == start for rest in splits(stop)]

    every = splits(0)
    unconstrained = best_split(atoms, boundaries, 100.0, confidence, DRAWING_COSTS, penalties)
    assert best_split_of(len(unconstrained), atoms, confidence, DRAWING_COSTS, penalties) == unconstrained
    for count in range(1, 7):
        of_count = [s for s in every if len(s) == count]
        best = max(of_count, key=score) if of_count else None  # none: 6 digits of 5 atoms, or 1 of 5 units
        assert best_split_of(count, atoms, confidence, DRAWING_COSTS, penalties) == best
    assert best_split_of(6, atoms, confidence, DRAWING_COSTS, penalties) is None


@pytest.mark.parametrize("seed", range(5))
def test_a_split_can_be_scored_by_how_likely_each_run_is_the_digit_wanted_in_its_place(seed: int) -> None:
    rng = np.random.default_rng(seed)
    atoms, boundaries = _atoms(list(rng.uniform(20, 60, size=6)))
    runs = candidate_runs(boundaries, len(atoms), 3)
    penalties = _penalties(atoms, boundaries, 100.0, DRAWING_COSTS, runs)
    count = 3
    likely = {run: rng.uniform(0.01, 1.0, size=count) for run in runs}  # the run as the k-th digit

    def score(split: list[tuple[int, int]]) -> float:
        total = 0.0
        for k, (start, stop) in enumerate(split):
            run, gap = penalties.runs[(start, stop)]
            total += np.log(likely[(start, stop)][k]) - run - (gap if start else 0.0)
        return total

    def splits(start: int) -> list[list[tuple[int, int]]]:
        if start == len(atoms):
            return [[]]
        return [[(start, stop), *rest] for (s, stop) in runs if s == start for rest in splits(stop)]

    best = max((s for s in splits(0) if len(s) == count), key=score)
    assert best_split_of(count, atoms, likely, DRAWING_COSTS, penalties) == best


def test_a_split_with_fewer_digits_follows_the_number_reader_where_the_model_reads_as_it_does(
    classifier: Classifier,
) -> None:
    drawing, groups = compose(["2", "0", "7"], gap=0.3)
    plan = segmentation.plan_drawing(drawing)
    n = len(plan.atoms)
    merged = [(0, n - 1), (n - 1, n)]  # the 2 and the 0 as one digit, then the 7
    read = segmentation.classify_runs(plan, classifier, merged)
    read, split = segmentation.follow(plan, classifier, DRAWING_COSTS, read, merged, "207")
    assert len(split) == 3
    assert [tuple(sorted({m for m, _ in segmentation.run_fragments(plan, *run)})) for run in split] == groups
    # a single digit is never split for it
    whole = [(0, n)]
    read |= segmentation.classify_runs(plan, classifier, whole)
    assert segmentation.follow(plan, classifier, DRAWING_COSTS, read, whole, "207")[1] == whole
    # a number reader that reads another number the model cannot agree with leaves the split as it was
    assert segmentation.follow(plan, classifier, DRAWING_COSTS, read, merged, "111")[1] == merged


def test_fewer_digits_from_the_number_reader_leave_the_split_and_doubt_the_digit_it_left_out(
    classifier: Classifier,
) -> None:
    drawing, _ = compose(["2", "0", "7"], gap=0.3)
    reading = Reader(classifier, number_reader=FixedReader("27")).read_drawing(drawing)
    assert reading.number == "207"
    assert reading.text == "2?7"
    verdict = reading.digits[1].verdict
    assert verdict.reason == DoubtReason.COUNTED_OTHERWISE
    assert verdict.message() == f"{NOT_SURE_PREFIX}the number reader sees no digit here"


def test_a_count_the_atoms_cannot_make_leaves_the_split_and_says_so(classifier: Classifier) -> None:
    drawing, _ = compose(["2", "0", "7"], gap=0.3)
    reading = Reader(classifier, number_reader=FixedReader("2" * 40)).read_drawing(drawing)
    assert reading.number == "207"
    assert not any(d.sure for d in reading.digits)
    assert "".join(d.verdict.other for d in reading.digits) == "2" * 40  # each digit has some of them
    many = next(d.verdict for d in reading.digits if len(d.verdict.other) > 1)
    assert many.reason == DoubtReason.COUNTED_OTHERWISE
    assert many.message() == f"{NOT_SURE_PREFIX}the number reader reads {len(many.other)} digits here ({many.other})"


def test_a_digit_the_number_reader_reads_otherwise_is_not_sure(classifier: Classifier) -> None:
    drawing, _ = compose(["2", "0", "7"], gap=0.3)
    reading = Reader(classifier, number_reader=FixedReader("217")).read_drawing(drawing)
    assert reading.number == "207"  # the model in use reads every digit
    assert [d.sure for d in reading.digits] == [True, False, True]
    verdict = reading.digits[1].verdict
    assert verdict.reason == DoubtReason.READ_OTHERWISE
    assert verdict.candidates == (0, 1)
    assert verdict.message() == f"{NOT_SURE_PREFIX}the model reads 0, the number reader 1"
    assert reading.text == "2?7"
    assert reading.least_sure_index == 1


def test_agreement_changes_nothing_and_a_failing_number_reader_is_left_out(classifier: Classifier) -> None:
    drawing, _ = compose(["2", "0", "7"], gap=0.3)
    alone = Reader(classifier, number_reader=None).read_drawing(drawing)
    for told in (FixedReader("207"), FixedReader(None)):
        reading = Reader(classifier, number_reader=told).read_drawing(drawing)
        assert reading.number == alone.number and reading.sure == alone.sure
        assert [d.members for d in reading.digits] == [d.members for d in alone.digits]
        assert all(
            np.array_equal(a.probabilities, b.probabilities) for a, b in zip(reading.digits, alone.digits, strict=True)
        )


def test_an_image_number_is_read_with_the_number_reader_too(classifier: Classifier) -> None:
    told = FixedReader("217")
    reading = Reader(classifier, number_reader=told).read_image(number_image(["2", "0", "7"]), number=True)
    assert len(told.strips) == 1
    assert reading.text == "2?7"


def test_a_sure_single_digit_of_one_piece_does_not_ask_the_number_reader(classifier: Classifier) -> None:
    told = FixedReader("11")
    drawing, _ = compose(["0"])
    reading = Reader(classifier, number_reader=told).read_drawing(drawing)
    assert reading.number == "0" and reading.sure
    assert told.strips == []


def test_the_number_reader_doubts_only_digits_the_model_is_sure_of() -> None:
    probabilities = np.eye(10)[3] * 0.98 + 0.002
    assert assess(probabilities, 0.5).sure
    assert assess(probabilities, 0.5, other_digit=3).sure
    assert assess(probabilities, 0.5, other_digit=8).reason == DoubtReason.READ_OTHERWISE
    assert assess(probabilities, 0.5, other_number="38").reason == DoubtReason.COUNTED_OTHERWISE
    assert assess(probabilities, 0.5, other_number="").reason == DoubtReason.COUNTED_OTHERWISE
    assert assess(probabilities, 0.5, small=True, other_digit=8).reason == DoubtReason.TOO_SMALL
    assert assess(probabilities, 0.99, other_digit=8).reason == DoubtReason.LOW_CONFIDENCE  # the model's doubt first


def test_the_number_readers_digits_are_aligned_with_the_models() -> None:
    assert opinions("123", "173") == ["1", "2", "3"]  # as many: one each, in order
    assert opinions("17", "107") == ["1", "", "7"]  # it left the 0 out
    assert opinions("90", "901") == ["9", "0", ""]
    assert opinions("1234", "134") == ["12", "3", "4"]  # the 2 read between the 1 and the 3
    assert opinions("0123", "123") == ["01", "2", "3"]  # before the first digit: the first's
    assert opinions("", "45") == ["", ""]
    assert opinions("48", "4") == ["48"]


def test_the_bundled_number_reader_ships_and_reads_numbers_by_itself() -> None:
    assert bundled_number_reader_path().is_file()
    reader = bundled_number_reader()
    assert reader is not None
    for names, gap in ((["2", "0", "7"], 0.3), (["3", "8"], 0.4), (["4two", "1base", "9", "6"], 0.35)):
        drawing, _ = compose(names, gap=gap)
        assert reader.read(strokes_strip(drawing.strokes)) == "".join(name[0] for name in names)


def test_a_broken_number_reader_file_is_a_model_run_error(tmp_path: Path) -> None:
    broken = tmp_path / "number-reader.onnx"
    broken.write_bytes(b"not a model")
    drawing, _ = compose(["2", "0"], gap=0.3)
    with pytest.raises(ModelRunError, match="number reader"):
        NumberReader(broken).read(strokes_strip(drawing.strokes))


def test_segments_carry_no_opinion_without_a_number_reader(classifier: Classifier) -> None:
    drawing, _ = compose(["2", "0", "7"], gap=0.3)
    for segment in segmentation.segment_drawing(classifier, drawing):
        assert segment.reader_digit is None and segment.reader_number is None


def test_dense_points_are_thinned_to_a_step_and_keep_both_ends() -> None:
    points = np.column_stack([np.linspace(0, 10, 101), np.zeros(101)])  # 0.1 apart
    kept = thinned(points, 1.0)
    assert np.array_equal(kept[0], points[0]) and np.array_equal(kept[-1], points[-1])
    assert np.all(np.abs(np.diff(kept[:-1], axis=0)).sum(axis=1) >= 1.0 - 1e-9)
    assert len(kept) == 11
    assert np.array_equal(thinned(points[:2], 5.0), points[:2])


def test_a_doubted_digit_is_explained_first_however_sure_the_model_is_of_it() -> None:
    image = np.zeros((28, 28), dtype=np.float32)
    sure = DigitReading(np.eye(10)[1], image, Verdict(True, 1, 0.95, (1,), None))
    doubted = DigitReading(np.eye(10)[2], image, Verdict(False, 2, 0.999, (2, 7), DoubtReason.READ_OTHERWISE, "7"))
    assert Reading((sure, doubted)).least_sure_index == 1
    assert Reading((sure, sure)).least_sure_index == 0
