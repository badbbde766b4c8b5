"""The collection under stress: two processes keeping at once, saves killed midway, poisoned
and huge folders at start-up (issue #14). Qt-free: the window runs the same core."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hostile import huge_collection, poison_collection
from repo import REPO_ROOT

import digitcanvas.collection.folder as collection_folder
from digitcanvas.collection.folder import ScanCancelled, add_to_collection, list_collection, scan_collection
from digitcanvas.collection.state import Collection
from digitcanvas.drawing.file import load_drawing
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, DrawingWriteError
from digitcanvas.util.files import STALE_UNLOCKED_TEMP_SECONDS, TEMP_SUFFIX, is_temporary_name
from lab.fuzz.hostile import drawing_text
from lab.fuzz.soak import start_keepers

ROOT = REPO_ROOT
KEEPS_PER_PROCESS = 150
KILLS = 6
HUGE = 30_000


def _python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code), *args]


def _tagged(tag: int) -> Drawing:
    """A drawing whose first point carries ``tag``: which process kept it, and when."""
    return Drawing.from_points([[[float(tag), 10.0], [200.0, 300.0]]], width=640, height=400)


def test_two_processes_keeping_at_once_lose_no_confirmed_save(tmp_path: Path) -> None:
    folder, go = tmp_path / "shared", tmp_path / "go"
    workers = start_keepers(folder, go, KEEPS_PER_PROCESS)
    time.sleep(0.5)
    go.touch()
    confirmed: dict[Path, int] = {}
    for worker in workers:
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0
        for line in out.splitlines():
            tag, name = line.split(" ", 1)
            assert Path(name) not in confirmed, f"{name} confirmed twice"
            confirmed[Path(name)] = int(tag)
    assert len(confirmed) == 2 * KEEPS_PER_PROCESS
    for path, kept in confirmed.items():
        assert load_drawing(path).strokes[0][0, 0] == kept, f"{path} holds another drawing"
    scan = scan_collection(folder)
    assert scan.problems == [] and len(scan.entries) == 2 * KEEPS_PER_PROCESS


SAVER = """
import sys
from pathlib import Path
from digitcanvas.collection.state import add_to_collection
from digitcanvas.drawing.file import save_drawing
from digitcanvas.drawing.strokes import Drawing

folder = Path(sys.argv[1])
big = Drawing.from_points([[[float(i % 600), float(i % 390)] for i in range(5000)]], width=640, height=400, label=1)
small = Drawing.from_points([[[1.0, 2.0], [300.0, 200.0]]], width=640, height=400, label=2)
print("ready", flush=True)
n = 0
while True:
    save_drawing(big if n % 2 else small, folder / "saved.json")   # replaced again and again
    add_to_collection(small, n % 10, folder)                       # and new files kept
    n += 1
"""


def test_a_save_killed_midway_leaves_only_whole_files_and_no_temporaries_after_a_start(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "saved.json").write_text(drawing_text(label=1))
    rng = random.Random(14)
    for _ in range(KILLS):
        child = subprocess.Popen(_python(SAVER, str(folder)), cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.02, 0.3))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        for path in folder.iterdir():
            if not is_temporary_name(path.name):
                load_drawing(path)  # every file the reader sees is complete: this raises otherwise
    (folder / f".left.json.abc{TEMP_SUFFIX}").write_bytes(b"{half")  # one for sure, besides the kills'
    left = [p for p in folder.iterdir() if is_temporary_name(p.name)]
    # The next start comes later: the killed writers' temporaries are older than a live write's.
    past = time.time() - 2 * STALE_UNLOCKED_TEMP_SECONDS
    for path in left:
        os.utime(path, (past, past))
    opened = Collection.open(folder)
    assert opened.temporaries_removed == len(left)
    assert not [p for p in folder.iterdir() if is_temporary_name(p.name)]
    assert opened.problems == []


HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_temporary_still_being_written_is_kept(tmp_path: Path) -> None:
    live = tmp_path / f".keep.json.xyz{TEMP_SUFFIX}"
    live.write_bytes(b"{")
    with subprocess.Popen(_python(HOLDER, str(live)), stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
            past = time.time() - 2 * STALE_UNLOCKED_TEMP_SECONDS
            os.utime(live, (past, past))
            assert Collection.open(tmp_path).temporaries_removed == 0 and live.exists()
        finally:
            holder.kill()
    assert Collection.open(tmp_path).temporaries_removed == 1 and not live.exists()


# --- start-up -----------------------------------------------------------------------------------


def test_a_poisoned_collection_opens_and_counts_its_bad_files(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    good = [add_to_collection(_tagged(i), i % 10, folder) for i in range(5)]
    bad = poison_collection(folder)
    collection = Collection.open(folder)
    usable = [p for p in folder.iterdir() if p.name.startswith("bad-") and _loads_labelled(p)]
    assert len(collection.entries) == len(good) + len(usable)
    assert len(collection.problems) == len(bad) - len(usable)
    for problem in collection.problems:
        assert str(folder) in problem and "Traceback" not in problem
    assert any("pipe.json: not a regular file (a named pipe)" in p for p in collection.problems)


def _loads_labelled(path: Path) -> bool:
    try:
        drawing = load_drawing(path)
    except DrawingFileError:
        return False
    return drawing.label is not None and not drawing.is_empty


def test_a_huge_collection_opens_without_reading_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "huge"
    huge_collection(folder, HUGE)  # 30,000 names, one file's worth of disk
    bad = poison_collection(folder)
    reads: list[Path] = []

    def counted(path: Path) -> Drawing:
        reads.append(path)
        return load_drawing(path)

    monkeypatch.setattr(collection_folder, "load_drawing", counted)
    collection = Collection.open(folder)
    assert not collection.loaded and reads == []  # start-up reads nothing; the window loads it in the background
    files, problems = list_collection(folder)
    assert len(files) == HUGE + len(bad) and problems == []
    seen: list[tuple[int, int]] = []
    assert not collection.load(on_progress=lambda done, total: seen.append((done, total)), cancelled=lambda: bool(seen))
    assert not collection.loaded and len(reads) <= collection_folder.PROGRESS_EVERY  # cancelled at once


def test_a_collection_folder_that_is_a_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "collection"
    path.write_text("not a folder")
    with pytest.raises(DrawingFileError, match="is a file, not a folder"):
        Collection.open(path)
    with pytest.raises(DrawingWriteError, match="is a file, not a folder"):
        add_to_collection(_tagged(1), 1, path)


def test_a_folder_tree_like_root_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "root"
    deep = folder
    for level in range(collection_folder.MAX_COLLECTION_DEPTH + 2):
        deep = deep / f"level{level}"
        deep.mkdir(parents=True)
        (deep / "kept.json").write_text(drawing_text(label=1))
    (folder / "loop").symlink_to(folder)  # a link back up is not followed
    files, _ = list_collection(folder)
    assert len(files) == collection_folder.MAX_COLLECTION_DEPTH
    monkeypatch.setattr(collection_folder, "MAX_COLLECTION_ENTRIES", 3)
    files, problems = list_collection(folder)
    assert any("stopped looking after 3 folder entries" in p for p in problems)
    with pytest.raises(ScanCancelled):
        monkeypatch.setattr(collection_folder, "PROGRESS_EVERY", 1)
        list_collection(folder, cancelled=lambda: True)
