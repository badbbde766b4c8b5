"""lab.evaluate.real_numbers and its readers (lab.data.unipen_numbers, lab.data.orand), on tiny
data sets written here in the sets' own formats."""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from strokes import compose

from digitcanvas.drawing.file import save_drawing
from lab.benchmark import numbers as benchmark_numbers
from lab.data import orand, unipen_numbers
from lab.evaluate import real_numbers, tune_numbers
from lab.evaluate.numbers import as_image
from lab.evaluate.real_numbers import EXACT, FEWER, MORE, NO_INK, WRONG_DIGIT, failure_class

NUMBERS = [["2", "0"], ["7", "1"], ["4two", "0", "7"], ["5flag", "2"]]


def _label(names: list[str]) -> str:
    return "".join(n[0] for n in names)


def _write_pen(folder: Path, writers: int) -> Path:
    """A UNIPEN numbers file: every writer writes every number of NUMBERS, in device units (× 3)."""
    folder.mkdir()
    with gzip.open(folder / unipen_numbers.NUMBERS_FILE, "wt", encoding="utf-8") as handle:
        for w in range(writers):
            source = "aaa" if w % 2 else "bbb"
            for names in NUMBERS:
                drawing, _ = compose(names)
                strokes = [((s - drawing.points().min(axis=0)) * 3).round(1).tolist() for s in drawing.strokes]
                record = {"label": _label(names), "source": source, "writer": f"{source}_{w:02d}", "strokes": strokes}
                handle.write(json.dumps(record) + "\n")
    return folder


def _write_scans(folder: Path, count: int) -> Path:
    """An ORAND-CAR folder: ``count`` scans (grey PNGs, dark ink on light paper) and labels.csv."""
    (folder / "images").mkdir(parents=True)
    with open(folder / orand.LABELS_FILE, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "label", "orand_id", "flag"])
        for k in range(count):
            names = NUMBERS[k % len(NUMBERS)]
            drawing, _ = compose(names)
            pixels = as_image(drawing)[::3, ::3]  # a scan's size: some 60 px tall
            name = f"images/{k:04d}_{_label(names)}.png"
            Image.fromarray(np.clip(pixels, 40, 215).astype(np.uint8)).save(folder / name)
            writer.writerow([name, _label(names), str(k), ""])
    return folder


@pytest.mark.parametrize(
    ("read", "kind"),
    [("2026", EXACT), ("226", FEWER), ("20026", MORE), ("2027", WRONG_DIGIT), (None, NO_INK)],
)
def test_each_reading_falls_in_one_failure_class(read: str | None, kind: str) -> None:
    assert failure_class("2026", read) == kind


def test_writers_are_split_whole_about_half_each_within_each_source(tmp_path: Path) -> None:
    numbers = unipen_numbers.load_numbers(_write_pen(tmp_path / "pen", 12))
    split = unipen_numbers.writer_split(numbers)
    assert set(split.values()) == {"val", "test"}
    val = unipen_numbers.select(numbers, "val")
    test = unipen_numbers.select(numbers, "test")
    assert len(val) + len(test) == len(numbers) and {n.writer for n in val}.isdisjoint({n.writer for n in test})
    for source in ("aaa", "bbb"):
        assert {split[n.writer] for n in numbers if n.source == source} == {"val", "test"}
    assert unipen_numbers.writer_split(reversed(numbers)) == split  # the order of the file does not matter


def test_a_pen_number_lands_on_the_canvas_as_a_person_would_write_it(tmp_path: Path) -> None:
    number = unipen_numbers.load_numbers(_write_pen(tmp_path / "pen", 1))[2]
    drawing = unipen_numbers.to_canvas(number)
    points = drawing.points()
    height = float(np.ptp(points[:, 1]))
    assert height <= unipen_numbers.HEIGHT_FRACTION * drawing.height + 1
    assert float(np.ptp(points[:, 0])) <= unipen_numbers.WIDTH_FRACTION * drawing.width + 1
    assert unipen_numbers.MIN_PEN_WIDTH <= drawing.pen_width <= 18.0
    assert np.array_equal(points, np.round(points))  # whole pixels, as mouse positions are


def test_scans_are_split_by_a_fixed_hash_of_their_names(tmp_path: Path) -> None:
    scans = orand.load_scans(_write_scans(tmp_path / "orand", 16))
    parts = [s.part for s in scans]
    assert set(parts) == {"val", "test"}
    assert parts == [s.part for s in orand.load_scans(tmp_path / "orand")]
    assert len(orand.select(scans, "val")) + len(orand.select(scans, "test")) == 16
    assert scans[0].pixels().dtype == np.uint8 and scans[0].pixels().ndim == 2


def test_a_scan_label_that_is_not_digits_is_refused(tmp_path: Path) -> None:
    folder = _write_scans(tmp_path / "orand", 1)
    text = (folder / orand.LABELS_FILE).read_text().replace(",20,", ",2O,")
    (folder / orand.LABELS_FILE).write_text(text)
    with pytest.raises(ValueError, match="not digits"):
        orand.load_scans(folder)


def test_the_report_gives_exact_and_count_rates_by_length_and_every_failure_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pen = _write_pen(tmp_path / "pen", 4)
    scans = _write_scans(tmp_path / "orand", 6)
    drawings = tmp_path / "mine"
    drawings.mkdir()
    drawing, _ = compose(["2", "0", "2", "6"])
    save_drawing(drawing.with_number_label("2026"), drawings / "a.json")
    save_drawing(drawing.with_label(2), drawings / "digit.json")  # a digit label: not a number, left out
    args = ["--pen", str(pen), "--scans", str(scans), "--drawings", str(drawings), "--part", "all", "--failures"]
    assert real_numbers.main(args) == 0
    report = capsys.readouterr().out
    assert "## UNIPEN pen numbers, all writers (4 writers)" in report
    assert "## ORAND-CAR-A scans, all images" in report
    assert f"## Drawing files in {drawings}" in report
    assert "16 numbers:" in report and "6 numbers:" in report and "1 numbers:" in report
    for kind in (EXACT, FEWER, MORE, WRONG_DIGIT):
        assert len(re.findall(rf"^\| {re.escape(kind)} \| \d+ \| ", report, flags=re.MULTILINE)) == 3
    assert report.count("| 2 | ") >= 2 and report.count("| 3 | ") >= 2  # rows by length
    assert report.count("Failures (name: truth → read") == 3


def test_without_sources_it_reads_the_usual_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ../shared/data here
    assert real_numbers.main([]) == 2


def test_tuning_takes_real_numbers_into_the_search(
    tmp_path: Path, linear_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_lab_numbers import _write

    unipen = _write(tmp_path / "unipen.jsonl.gz", "tst", 40, ["0", "1", "7"])
    pen = _write_pen(tmp_path / "pen", 4)
    scans = _write_scans(tmp_path / "orand", 10)  # two of them in the val part
    args = ["--unipen", str(unipen), "--model", str(linear_model), "--part", "val", "--pen", str(pen)]
    cache = tmp_path / "planned.pickle"
    args += ["--scans", str(scans), "--cache", str(cache), "--count", "1", "--lengths", "2", "--singles", "2"]
    assert tune_numbers.main(args) == 0
    first = capsys.readouterr().out
    assert "| real | 0 | real | pen |" in first and "| real | 0 | real | scans |" in first
    assert tune_numbers.main(args) == 0  # again, from the kept plans
    assert capsys.readouterr().out.split("## Costs tuned")[1] == first.split("## Costs tuned")[1]


def test_the_benchmark_times_real_numbers_and_names_the_budgets(
    tmp_path: Path, linear_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_lab_numbers import _write

    unipen = _write(tmp_path / "unipen.jsonl.gz", "tst", 40, ["0", "1", "7", "4two"])
    pen = _write_pen(tmp_path / "pen", 4)
    scans = _write_scans(tmp_path / "orand", 10)  # two of them in the val part
    args = ["--unipen", str(unipen), "--model", str(linear_model), "--count", "10", "--pen", str(pen)]
    assert benchmark_numbers.main([*args, "--scans", str(scans)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "ms median" in line]
    names = [line.split("  ")[0] for line in lines]
    assert "real pen, 2 digits" in names and "real pen, 3 digits" in names and "real scans (ORAND val)" in names
    drawn4 = [line for line in lines if line.startswith(("4 digits, gaps", "4 digits, touching"))]
    drawn10 = [line for line in lines if line.startswith("10 digits")]
    assert len(drawn4) == len(drawn10) == 2
    assert all("budget 30 ms" in line for line in drawn4) and all("budget 60 ms" in line for line in drawn10)
    assert "budget" not in next(line for line in lines if line.startswith("4 digits, as an image"))
