"""lab.evaluate.numbers: how it composes numbers (gaps, slant, run-on strokes, images), and a
run over both sources' formats on tiny synthetic data."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage
from strokes import compose as compose_digits

from lab.benchmark import numbers as benchmark_numbers
from lab.data.unipen import PenSample
from lab.evaluate import numbers as evaluate_numbers
from lab.evaluate import tune_numbers
from lab.evaluate.numbers import as_image, compose

NAMES = ["2", "0", "7", "4two", "5flag"]


def _samples(names: list[str]) -> list[PenSample]:
    samples = []
    for name in names:
        drawing, _ = compose_digits([name])
        samples.append(PenSample(int(name[0]), "tst", "w0", drawing.strokes))
    return samples


def _ink_gaps(names: list[str], gaps: tuple[float, float], *, slant: float = 0.0) -> list[float]:
    """Between neighbours: canvas px of paper between their inked outlines (negative: overlap)."""
    composed = compose(_samples(names), np.random.default_rng(0), gaps, (640, 400), slant=slant)
    spans = composed.spans
    assert [s[0] for s in spans] == sorted(s[0] for s in spans)
    return [b[0] - a[1] - composed.drawing.pen_width for a, b in itertools.pairwise(spans)]


def test_a_composed_number_keeps_every_digit_and_its_strokes() -> None:
    digits = _samples(NAMES)
    composed = compose(digits, np.random.default_rng(3), (0.2, 0.8), (640, 400))
    assert composed.number == "20745"
    assert composed.groups == [(0,), (1,), (2,), (3, 4), (5, 6)]
    assert len(composed.drawing.strokes) == 7 and composed.joins == 0
    points = composed.drawing.points()
    assert points[:, 0].min() >= 0 and points[:, 0].max() <= 640  # on the canvas
    assert points[:, 1].min() >= 0 and points[:, 1].max() <= 400


@pytest.mark.parametrize(("gaps", "apart"), [((0.2, 0.8), True), ((0.0, 0.0), None), ((-0.1, -0.05), False)])
def test_gaps_separate_touch_or_overlap_the_digits(gaps: tuple[float, float], apart: bool | None) -> None:
    for gap in _ink_gaps(NAMES, gaps):
        if apart is None:  # gap 0: the inked outlines meet (to the pixel the points are rounded to)
            assert abs(gap) <= 1.5
        else:
            assert (gap > 1.5) if apart else (gap < -1.5)


def test_slant_makes_neighbours_overlap_in_x() -> None:
    names = ["1", "7", "1", "4two"]  # ink at the top right and the bottom left of each digit
    assert all(g > 0 for g in _ink_gaps(names, (0.05, 0.05)))
    assert all(g < 0 for g in _ink_gaps(names, (0.05, 0.05), slant=0.35))
    assert all(g < 0 for g in _ink_gaps(names, (0.05, 0.05), slant=-0.35))


def test_run_on_strokes_join_where_a_digit_ends_near_the_next_start() -> None:
    # The 5's flag ends at its top right, next to where the 7's bar starts: one stroke.
    composed = compose(_samples(["5flag", "7", "0"]), np.random.default_rng(1), (0.0, 0.0), (640, 400), joined=True)
    assert composed.joins == 1 and len(composed.drawing.strokes) == 3
    assert composed.groups == [(0, 1), (1,), (2,)]  # the joined stroke holds ink of both digits
    assert composed.number == "570"  # the 7 ends at its foot, far from the 0's top: not joined


def test_tuning_gets_run_on_numbers_that_all_have_a_join() -> None:
    samples = _samples(["5flag", "7", "0", "1"])
    found = list(tune_numbers.joined_numbers(samples, [3], 4, np.random.default_rng(0)))
    assert [key for key, _ in found] == [
        (3, w, tune_numbers.ALL_JOINED) for w in ("upright", "slanted") for _ in range(4)
    ]
    assert all(c.joins >= 1 and len(c.drawing.strokes) < sum(len(g) for g in c.groups) for _, c in found)
    # Digits that never end near the next one's start give up after a bounded number of tries.
    assert list(tune_numbers.joined_numbers(_samples(["1"] * 3), [3], 2, np.random.default_rng(0))) == []


def test_touching_digits_render_as_connected_ink() -> None:
    composed = compose(_samples(["0", "0"]), np.random.default_rng(2), (-0.1, -0.1), (640, 400))
    image = as_image(composed.drawing)
    assert image.dtype == np.uint8 and image.shape == (400, 640)
    _, count = ndimage.label(image < 128, structure=np.ones((3, 3)))
    assert count == 1


def _write(path: Path, source: str, writers: int, names: list[str]) -> Path:
    rng = np.random.default_rng(5)
    with gzip.open(path, "wt") as handle:
        for w in range(writers):
            for name in names:
                drawing, _ = compose_digits([name])
                strokes = [(s + rng.normal(0, 2, s.shape)).round(1).tolist() for s in drawing.strokes]
                record = {"label": int(name[0]), "source": source, "writer": f"{source}_{w:03d}", "strokes": strokes}
                handle.write(json.dumps(record) + "\n")
    return path


def test_the_report_covers_both_sources_every_layout_and_singles(
    tmp_path: Path, linear_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unipen = _write(tmp_path / "unipen.jsonl.gz", "tst", 40, ["0", "1", "7", "4two"])
    digilets = _write(tmp_path / "digilets.jsonl.gz", "digilets", 50, ["2", "3", "5flag"])
    args = ["--unipen", str(unipen), "--digilets", str(digilets), "--model", str(linear_model)]
    assert evaluate_numbers.main([*args, "--count", "2", "--lengths", "2", "--singles", "3", "--part", "val"]) == 0
    report = capsys.readouterr().out
    assert "## UNIPEN val writers" in report and "## DigiLeTs val writers" in report
    for layout in evaluate_numbers.LAYOUTS:
        assert report.count(layout.name) == 2  # one table header per source
    assert report.count("| 2 | upright |") == 2 and report.count("| 2 | slanted |") == 2
    assert report.count("Single digits (3)") == 2
    assert report.count("gaps ≥ 0.05 w read exactly") == 2


def test_tuning_prints_costs_for_drawings_and_images(
    tmp_path: Path, linear_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unipen = _write(tmp_path / "unipen.jsonl.gz", "tst", 40, ["0", "1", "7"])
    args = ["--unipen", str(unipen), "--model", str(linear_model), "--part", "val"]
    assert tune_numbers.main([*args, "--count", "1", "--lengths", "2", "--singles", "2"]) == 0
    report = capsys.readouterr().out
    assert "## Costs tuned on these numbers" in report
    assert report.count("Costs(merge_free_gap=") == 2  # drawings, images
    assert "| UNIPEN | 1 | single | single |" in report and "| UNIPEN | 1 | single | single, image |" in report


def test_without_a_source_it_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert evaluate_numbers.main([]) == 2
    assert "--unipen" in capsys.readouterr().err


def test_the_benchmark_times_every_kind_of_number(
    tmp_path: Path, linear_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unipen = _write(tmp_path / "unipen.jsonl.gz", "tst", 40, ["0", "1", "7", "4two"])
    assert benchmark_numbers.main(["--unipen", str(unipen), "--model", str(linear_model), "--count", "10"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "ms median" in line]
    assert [line.split("  ")[0] for line in lines] == [
        "single digit, drawn",
        "4 digits, gaps 0.2-0.8 w",
        "4 digits, touching",
        "10 digits, gaps 0.2-0.8 w",
        "10 digits, touching",
        "4 digits, as an image",
    ]
    assert benchmark_numbers.main(["--unipen", str(unipen), "--count", "3"]) == 2
