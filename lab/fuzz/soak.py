"""The fuzzer's collection soak: keeps that race, and saves killed midway (issue #14).

Two processes keep :data:`KEEPS_PER_PROCESS` drawings each in one collection while a
third saves big drawings and is killed mid-save :data:`KILLS` times; every file left
after each kill must read back, every confirmed keep must hold its drawing, and the next
start must clear the temporaries. Run by ``python -m lab.fuzz --phases soak``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from digitcanvas.collection.state import Collection
from digitcanvas.drawing.file import load_drawing
from digitcanvas.drawing.strokes import DrawingFileError
from digitcanvas.util.files import STALE_UNLOCKED_TEMP_SECONDS, is_temporary_name
from lab.paths import REPO_ROOT

ROOT = REPO_ROOT
KEEPS_PER_PROCESS = 200
KILLS = 20

Record = Callable[[str, str, str], None]  # (phase, outcome, detail), as Tally.add takes them


KEEPER = """
import sys, time
from pathlib import Path
from digitcanvas.collection.state import Collection
from digitcanvas.drawing.strokes import Drawing
folder, worker, count, go = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
collection = Collection.open(folder)
while not go.exists():
    time.sleep(0.001)
for i in range(count):
    tag = worker * 100_000 + i
    drawing = Drawing.from_points([[[float(tag), 10.0], [200.0, 300.0]]], width=640, height=400)
    entry = collection.add(drawing, i % 10)
    print(tag, entry.path, flush=True)
"""

SAVER = """
import sys
from pathlib import Path
from digitcanvas.collection.folder import add_to_collection
from digitcanvas.drawing.file import save_drawing
from digitcanvas.drawing.strokes import Drawing
folder = Path(sys.argv[1])
big = Drawing.from_points([[[float(i % 600), float(i % 390)] for i in range(5000)]], width=640, height=400, label=1)
print("ready", flush=True)
n = 0
while True:
    save_drawing(big, folder / f"saved-{n % 3}.json")
    add_to_collection(big, n % 10, folder)
    n += 1
"""


def start_keepers(folder: Path, go: Path, count: int, workers: Sequence[int] = (1, 2)) -> list[subprocess.Popen[str]]:
    """One process per worker number running :data:`KEEPER`: each keeps ``count`` drawings in
    ``folder`` once ``go`` exists, printing the tag and file of every keep it confirms."""
    return [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(KEEPER), str(folder), str(w), str(count), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in workers
    ]


def soak(work: Path, rng: np.random.Generator, record: Record) -> None:
    """Run the soak in ``work``; each outcome goes to ``record("soak", outcome, detail)``."""
    folder, go = work / "collection", work / "go"
    folder.mkdir()
    keepers = start_keepers(folder, go, KEEPS_PER_PROCESS)
    time.sleep(1.0)
    go.touch()
    for _ in range(KILLS):  # meanwhile, a third process is killed mid-save again and again
        saver = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SAVER), str(folder)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert saver.stdout is not None
        saver.stdout.readline()
        time.sleep(float(rng.uniform(0.01, 0.4)))
        saver.send_signal(signal.SIGKILL)
        saver.wait()
        saver.stdout.close()
        for path in folder.iterdir():
            if not is_temporary_name(path.name):
                try:
                    load_drawing(path)
                    record("soak", "read", path.name)
                except DrawingFileError as e:
                    record("soak", "crashed", f"a half-written file after a kill: {e}")
    confirmed: dict[Path, int] = {}
    for keeper in keepers:
        out, _ = keeper.communicate(timeout=600)
        for line in out.splitlines():
            tag, name = line.split(" ", 1)
            confirmed[Path(name)] = int(tag)  # the drawing's first x: which keep it was
    for path, kept in confirmed.items():
        try:
            holds = load_drawing(path).strokes[0][0, 0] == kept
        except DrawingFileError:
            holds = False
        record("soak", "read" if holds else "lost", f"confirmed save {path.name}")
    for _ in range(2 * KEEPS_PER_PROCESS - len(confirmed)):
        record("soak", "crashed", "a keep that failed (its process stopped)")
    past = time.time() - 2 * STALE_UNLOCKED_TEMP_SECONDS  # the next start, a while later
    for path in folder.iterdir():
        if is_temporary_name(path.name):
            os.utime(path, (past, past))
    Collection.open(folder)
    stray = [p.name for p in folder.iterdir() if is_temporary_name(p.name)]
    record("soak", "crashed" if stray else "read", f"temporaries after the next start: {stray}")
