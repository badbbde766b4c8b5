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
from digitcanvas.util.files import STALE_UNLOCKED_TEMP_SECONDS, is_temporary_name, temporary_name
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
    (folder / temporary_name("left.json", "abc")).write_bytes(b"{half")  # one for sure, besides the kills'
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
    live = tmp_path / temporary_name("keep.json", "xyz")
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


def test_opening_a_collection_never_deletes_a_users_hidden_tmp_file(tmp_path: Path) -> None:
    """Issue #27: a user's ``.thesis-draft.tmp`` was deleted because it was hidden, ended in
    ``.tmp`` and was over a minute old. Only the writer's own temporaries go."""
    from digitcanvas.util.files import STALE_TEMP_SECONDS

    draft = tmp_path / ".thesis-draft.tmp"
    draft.write_text("two years of work")
    left = tmp_path / temporary_name("7-20260101-000000-0.json", "k1ll3d_x")
    left.write_bytes(b"{half")
    past = time.time() - 10 * STALE_TEMP_SECONDS
    for path in (draft, left):
        os.utime(path, (past, past))
    assert Collection.open(tmp_path).temporaries_removed == 1
    assert draft.read_text() == "two years of work" and not left.exists()


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


def test_a_collection_folder_that_is_a_pipe_is_named_once(tmp_path: Path) -> None:
    """Issue #27: it said "is not a folder, not a folder"."""
    path = tmp_path / "collection"
    os.mkfifo(path)
    with pytest.raises(DrawingFileError) as refused:
        Collection.open(path)
    assert str(refused.value) == f"{path}: is a named pipe, not a folder; choose another collection folder"


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


# --- imports (issue #27) -----------------------------------------------------------------------


def _archive(path: Path, count: int, *, points: int = 2, label: int = 1) -> Path:
    """A collection file of ``count`` different drawings of ``points`` points each."""
    from digitcanvas.collection.archive import export_collection

    rest = [[300.0, 300.0]] * (points - 1)
    drawings = [
        Drawing.from_points([[[float(i % 600), 10.0 + i // 600], *rest]], width=640, height=400, label=label)
        for i in range(count)
    ]
    return export_collection(drawings, path)


def test_an_import_that_would_pass_the_collections_limits_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #27: 600 drawings were imported, 500 read back after a restart and 101 were
    "problems" over the collection's point limit."""
    from digitcanvas.collection.archive import ArchiveReadError, import_collection

    monkeypatch.setattr(collection_folder, "MAX_COLLECTION_POINTS", 1_000)
    collection = Collection.open(tmp_path / "c")
    collection.add(_tagged(1), 1)
    with pytest.raises(ArchiveReadError) as refused:
        import_collection(_archive(tmp_path / "big.dccollection", 600), collection)
    assert str(refused.value) == (
        f"{tmp_path / 'big.dccollection'}: its drawings would not all fit in your collection "
        "(a collection holds at most 1,000 points together); nothing was imported"
    )
    assert len(Collection.open(tmp_path / "c").entries) == 1 == len(collection.entries)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == [
        ".digitcanvas-import.lock",
        collection.entries[0].path.name,
    ]
    result = import_collection(_archive(tmp_path / "fits.dccollection", 499), collection)  # 998 + 2 points
    assert result.added == 499 and len(Collection.open(tmp_path / "c").entries) == 500  # all read back
    with pytest.raises(DrawingWriteError, match="a collection holds at most 1,000 points together"):
        collection.add(_tagged(2), 2)  # nor does a keep pass them


def test_a_collection_file_of_more_points_than_a_collection_holds_is_refused_unparsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 195 MB collection file of points took 3.3 GB to parse: it is measured first."""
    import json as json_module

    from digitcanvas.collection import archive
    from digitcanvas.collection.archive import ArchiveReadError, read_archive

    path = _archive(tmp_path / "points.dccollection", 3, points=20_000)  # 60,000 points
    monkeypatch.setattr(archive, "MAX_ARCHIVE_CONTAINERS", 50_000)
    parsed: list[int] = []
    monkeypatch.setattr(json_module, "loads", lambda *a, **k: parsed.append(1))
    with pytest.raises(
        ArchiveReadError, match=r"holds 60,\d{3} JSON arrays and objects; a collection within the limits"
    ):
        read_archive(path)
    assert parsed == []


IMPORTER = """
import sys, time
from pathlib import Path
from digitcanvas.collection.archive import import_collection
from digitcanvas.collection.state import Collection

collection = Collection.open(sys.argv[1])
collection.entries  # read before the other window imports, as a window does at start-up
while not Path(sys.argv[3]).exists():
    time.sleep(0.01)
result = import_collection(sys.argv[2], collection)
print(result.added, result.already_there, len(result.found), flush=True)
"""


def test_two_windows_importing_one_file_into_one_folder_add_each_drawing_once(tmp_path: Path) -> None:
    """Issue #27: two windows importing the same 300 drawings made 587 files."""
    folder, go = tmp_path / "c", tmp_path / "go"
    folder.mkdir()
    archive = _archive(tmp_path / "class.dccollection", 300)
    workers = [
        subprocess.Popen(
            _python(IMPORTER, str(folder), str(archive), str(go)), cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    time.sleep(1.0)
    go.touch()
    outcomes = []
    for worker in workers:
        out, _ = worker.communicate(timeout=300)
        assert worker.returncode == 0
        outcomes.append(tuple(int(n) for n in out.split()))
    assert sorted(outcomes) == [(0, 300, 300), (300, 0, 0)]  # the second found the first's files
    assert len(list(folder.glob("*.json"))) == 300 and scan_collection(folder).problems == []


def test_an_import_killed_while_writing_leaves_no_drawing_and_its_folder_goes_at_the_next_opening(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "mine.json").write_text(drawing_text(label=3))
    staging = folder / ".digitcanvas-import-k1ll3d_x"  # what a killed import leaves
    staging.mkdir()
    (staging / "000000.json").write_text(drawing_text(label=1))
    users = folder / ".digitcanvas-import-notes"  # not a name of ours: .digitcanvas-import- and 8 characters
    users.mkdir()
    (users / "keep.txt").write_text("mine")
    assert len(Collection.open(folder).entries) == 1  # the staged drawing is no entry
    assert not staging.exists() and (users / "keep.txt").read_text() == "mine"


def test_a_collection_past_its_stroke_limit_is_read_only_up_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #27: 10,000 files of 1,000 one-point strokes (within the point limit) cost
    minutes and 2.35 GB. Strokes count too, and the files past a limit are not even read."""
    folder = tmp_path / "dots"
    folder.mkdir()
    dots = drawing_text([[[i % 600, i // 600 + 5]] for i in range(100)], label=1)
    for i in range(30):
        (folder / f"1-{i:02d}.json").write_text(dots)
    monkeypatch.setattr(collection_folder, "MAX_COLLECTION_STROKES", 1_000)
    reads: list[Path] = []

    def counted(path: Path) -> Drawing:
        reads.append(path)
        return load_drawing(path)

    monkeypatch.setattr(collection_folder, "load_drawing", counted)
    scan = scan_collection(folder)
    assert len(scan.entries) == 10 and len(scan.problems) == 20
    assert len(reads) == 11  # the 11th passed the limit; the other 19 were never read
    assert scan.problems[0] == f"{folder / '1-10.json'}: not read; a collection holds at most 1,000 strokes together"
