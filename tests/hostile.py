"""Hostile collection folders for the tests, made of :mod:`lab.fuzz.hostile`'s drawings.

The corpora themselves (drawings, images, arrays, models) live in the lab, where
``lab.fuzz`` uses them too: :mod:`lab.fuzz.hostile` and :mod:`lab.fuzz.hostile_models`.
"""

from __future__ import annotations

import os
from pathlib import Path

from lab.fuzz.hostile import drawing_text, hostile_drawings


def poison_collection(folder: Path) -> list[str]:
    """Bad files named like drawings in ``folder`` (every hostile drawing, a named pipe, a
    link to a device, a dangling link); returns their names."""
    names = []
    for i, data in enumerate(hostile_drawings().values()):
        name = f"bad-{i:02d}.json"
        (folder / name).write_bytes(data)
        names.append(name)
    os.mkfifo(folder / "pipe.json")
    (folder / "device.json").symlink_to("/dev/zero")
    (folder / "gone.json").symlink_to(folder / "nowhere")
    return [*names, "pipe.json", "device.json", "gone.json"]


def huge_collection(folder: Path, count: int, *, label: int = 7) -> list[Path]:
    """``count`` kept 7s in ``folder`` (made if missing), all hard links of one file: 30,000
    names cost one file's disk and a fraction of a second. Returns their paths, sorted."""
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / f"{label}-00000.json"
    first.write_text(drawing_text(label=label))
    paths = [first]
    for i in range(1, count):
        paths.append(folder / f"{label}-{i:05d}.json")
        os.link(first, paths[-1])
    return paths
