"""The worst-writer odds: allowed errors per writer, the chance every writer reaches the share."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from strokes import compose as compose_digits

from lab.evaluate import writer_odds


def test_a_writer_of_fewer_than_34_digits_may_not_make_one_error() -> None:
    sizes = np.array([1, 33, 34, 66, 67, 100])
    assert writer_odds.allowed_errors(sizes, 0.97).tolist() == [0, 0, 1, 1, 2, 3]


def test_the_chance_is_the_product_over_writers() -> None:
    # Two writers of 10 digits, none allowed: each reads all 10 right with 0.9 ** 10.
    sizes = np.array([10, 10])
    assert writer_odds.chance_all_reach(sizes, 0.97, 0.1) == pytest.approx(0.9**20)
    assert writer_odds.chance_all_reach(sizes, 0.97, 0.0) == 1.0


def test_more_small_writers_make_it_less_likely() -> None:
    few = writer_odds.odds([50] * 10, 0.97, 0.006)
    many = writer_odds.odds([25] * 20, 0.97, 0.006)
    assert few.digits == many.digits == 500
    assert many.one_error_fails == 20 and few.one_error_fails == 0
    assert many.chance < few.chance
    assert many.even_rate < few.even_rate


def test_at_the_even_rate_the_chance_is_one_half() -> None:
    sizes = np.array([27, 40, 65, 12, 30])
    rate = writer_odds.even_rate(sizes, 0.97)
    assert 0.0 < rate < 0.1
    assert writer_odds.chance_all_reach(sizes, 0.97, rate) == pytest.approx(0.5, abs=1e-6)


def _write(path: Path, counts: dict[str, int]) -> Path:
    drawing, _ = compose_digits(["1"])
    strokes = [s.round(1).tolist() for s in drawing.strokes]
    with gzip.open(path, "wt") as handle:
        for writer, count in counts.items():
            for _ in range(count):
                record = {"label": 1, "source": "digilets", "writer": writer, "strokes": strokes}
                handle.write(json.dumps(record) + "\n")
    return path


def test_the_report_counts_each_writer_of_the_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    counts = {f"digilets_{w:03d}": 20 + w for w in range(50)}
    data = _write(tmp_path / "digits.jsonl.gz", counts)
    assert writer_odds.main(["--digilets", str(data), "--part", "test", "--error-rate", "0.01"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| DigiLeTs |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    writers, digits = int(cells[1]), int(cells[2])
    assert 0 < writers < 50 and digits > 20 * writers  # only the test writers, each with all their digits
    assert "fewer than 34 digits" in out


def test_with_a_share_of_one_every_writer_must_be_perfect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "digits.jsonl.gz", {f"digilets_{w:03d}": 40 for w in range(50)})
    assert writer_odds.main(["--digilets", str(data), "--share", "1", "--error-rate", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "| 12 of 12 |" in out and "fewer than" not in out


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give --unipen"),
        (["--digilets", "x", "--error-rate", "1.5"], "--error-rate"),
        (["--digilets", "x", "--share", "0"], "--share"),
    ],
)
def test_bad_arguments_are_refused(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    if "--error-rate" not in args:
        args = [*args, "--error-rate", "0.01"]
    assert writer_odds.main(args) == 2
    assert message in capsys.readouterr().err


def test_a_missing_data_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert writer_odds.main(["--digilets", str(tmp_path / "none.jsonl.gz"), "--error-rate", "0.01"]) == 2
    assert "error:" in capsys.readouterr().err
