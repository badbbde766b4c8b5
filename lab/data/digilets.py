"""DigiLeTs pen digits and letters (50 German writers): loading and the writer split.

Both files (see the data sets' READMEs) are JSON Lines of strokes in 0..1000 of the
writing square, y down. Digits load as :class:`lab.data.unipen.PenSample` (source
"digilets"), so everything that lays UNIPEN samples on the canvas works on them too.
Writers are split 30 / 8 / 12 (train / val / test) by a stable hash of their id; a
letter belongs to the part its writer is in.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lab.data.unipen import PenSample

DIGITS_FILE = "digits.jsonl.gz"
LETTERS_FILE = "letters.jsonl.gz"
SOURCE = "digilets"
WRITER_PARTS = (("train", 30), ("val", 8), ("test", 12))  # of the 50 writers


@dataclass(frozen=True)
class Letter:
    label: str  # "a".."z", "A".."Z"
    writer: str
    strokes: tuple[np.ndarray, ...]


def _records(path: str | os.PathLike[str], default_name: str) -> Iterable[dict[str, object]]:
    path = Path(path)
    if path.is_dir():
        path = path / default_name
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _strokes(record: dict[str, object]) -> tuple[np.ndarray, ...]:
    raw = record["strokes"]
    assert isinstance(raw, list)
    return tuple(np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in raw)


def load_digits(path: str | os.PathLike[str]) -> list[PenSample]:
    """All DigiLeTs digits (``digits.jsonl.gz`` or its folder) as pen samples."""
    return [PenSample(int(str(r["label"])), SOURCE, str(r["writer"]), _strokes(r)) for r in _records(path, DIGITS_FILE)]


def load_letters(path: str | os.PathLike[str]) -> list[Letter]:
    """All DigiLeTs letters (``letters.jsonl.gz`` or its folder)."""
    return [Letter(str(r["label"]), str(r["writer"]), _strokes(r)) for r in _records(path, LETTERS_FILE)]


def writer_split(writers: Iterable[str]) -> dict[str, str]:
    """Map each writer id to "train", "val" or "test": 30 / 8 / 12 of 50 (proportionally for
    other counts), ordered by a stable hash so the split never changes between runs."""
    ordered = sorted(set(writers), key=lambda w: hashlib.md5(w.encode()).hexdigest())
    total = sum(n for _, n in WRITER_PARTS)
    assignment: dict[str, str] = {}
    for i, writer in enumerate(ordered):
        position = (i + 0.5) / len(ordered) * total
        cumulative = 0
        for part, count in WRITER_PARTS:
            cumulative += count
            if position < cumulative:
                assignment[writer] = part
                break
    return assignment


def select(samples: list[PenSample], part: str, *, split: dict[str, str] | None = None) -> list[PenSample]:
    """The digits of one part's writers."""
    split = split or writer_split(s.writer for s in samples)
    return [s for s in samples if split[s.writer] == part]


def letters_to_samples(letters: Iterable[Letter]) -> list[PenSample]:
    """Letters as pen samples (label -1), to lay on the canvas like digits."""
    return [PenSample(-1, SOURCE, letter.writer, letter.strokes) for letter in letters]
