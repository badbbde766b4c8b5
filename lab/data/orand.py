"""ORAND-CAR-A scanned cheque amounts: loading and the fixed val/test split.

``labels.csv`` and ``images/`` (see the data set's README): grey scans of handwritten
amounts, dark ink on a printed security background, often with a rule line, separators
("." ",") and end marks ("-" "=" "/"). The label holds the digits only.

**Research use only**: the lab measures the app and tunes its heuristics on these images;
no network that ships is trained on them, and nothing of them enters the project. The set
has no writer ids, so the images are split into ``val`` and ``test`` by a seeded hash of
their file name (about half each).
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

LABELS_FILE = "labels.csv"
SPLIT_SEED = "digitcanvas-orand-24"  # mixed into the hash: the split never changes
PARTS = ("val", "test")


@dataclass(frozen=True)
class Scan:
    path: Path
    label: str  # the digits, left to right
    flag: str  # "", "overlap" (touching or overlapping digits) or "one-box" (label probably wrong)

    @property
    def part(self) -> str:
        digest = hashlib.sha256(f"{SPLIT_SEED}/{self.path.name}".encode()).digest()
        return PARTS[digest[0] & 1]

    def pixels(self) -> NDArray[np.uint8]:
        """The scan as 8-bit grey, (H, W), dark ink on light paper."""
        with Image.open(self.path) as image:
            return np.asarray(image.convert("L"))


def load_scans(folder: str | os.PathLike[str]) -> list[Scan]:
    """Every labelled scan of an ORAND-CAR folder (the one holding ``labels.csv``)."""
    folder = Path(folder)
    scans = []
    with open(folder / LABELS_FILE, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label = row["label"].strip()
            if not label.isdigit():
                raise ValueError(f"{folder / LABELS_FILE}: label {label!r} of {row['file']} is not digits")
            scans.append(Scan(folder / row["file"], label, (row.get("flag") or "").strip()))
    return scans


def select(scans: list[Scan], part: str) -> list[Scan]:
    """The scans of ``part`` ("val", "test"; "all" for every scan)."""
    return list(scans) if part == "all" else [s for s in scans if s.part == part]
