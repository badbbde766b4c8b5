from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from digitcanvas.drawing.image_file import image_kind
from digitcanvas.util.files import write_atomic, write_new


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_atomic_replaces_the_content(tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.json", b"{}")
        write_new(tmp_path / "kept.json", b"{}")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "new.json") == 0o644
    assert _mode(tmp_path / "kept.json") == 0o644


def test_replacing_keeps_the_permissions(tmp_path: Path) -> None:
    path = tmp_path / "shared.json"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomic(path, b"new")
    assert _mode(path) == 0o640


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomic(link, b"new")
    assert link.is_symlink()
    assert target.read_bytes() == b"new"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keep.json"
    path.write_bytes(b"old")

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("digitcanvas.util.files.os.replace", crash)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.json"]


def test_write_new_never_takes_an_existing_name(tmp_path: Path) -> None:
    path = tmp_path / "3-1.json"
    write_new(path, b"first")
    with pytest.raises(FileExistsError):
        write_new(path, b"second")
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["3-1.json"]


def test_read_limited_refuses_what_is_over_the_limit_or_not_a_file(tmp_path: Path) -> None:
    from digitcanvas.util.files import FileTooLargeError, NotRegularFileError, read_limited

    (tmp_path / "small").write_bytes(b"12345")
    assert read_limited(tmp_path / "small", 5) == b"12345"
    with pytest.raises(FileTooLargeError, match="at most 4 are read"):
        read_limited(tmp_path / "small", 4)
    os.mkfifo(tmp_path / "pipe")
    for path, kind in ((tmp_path / "pipe", "a named pipe"), (tmp_path, "a folder")):
        with pytest.raises(NotRegularFileError, match=f"not a regular file \\({kind}\\)"):
            read_limited(path, 100)  # returns at once: a FIFO is never opened


def test_write_new_claims_the_name_where_there_are_no_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def no_links(*args: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")  # what FAT and exFAT say

    monkeypatch.setattr("digitcanvas.util.files.os.link", no_links)
    write_new(tmp_path / "a.json", b"first")
    with pytest.raises(FileExistsError):
        write_new(tmp_path / "a.json", b"second")
    assert (tmp_path / "a.json").read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_only_stale_temporaries_are_removed(tmp_path: Path) -> None:
    import time

    from digitcanvas.util.files import STALE_UNLOCKED_TEMP_SECONDS, remove_stale_temporaries, temporary_name

    old, young = tmp_path / temporary_name("a.json", "x1"), tmp_path / temporary_name("b.json", "x2")
    other = tmp_path / "c.tmp"
    for path in (old, young, other):
        path.write_bytes(b"{")
    past = time.time() - 2 * STALE_UNLOCKED_TEMP_SECONDS
    os.utime(old, (past, past))
    os.utime(other, (past, past))
    assert remove_stale_temporaries(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([young.name, "c.tmp"])


# Hidden files of the user's that look like temporaries: only the writer's own names are.
USERS_HIDDEN_FILES = (
    ".thesis-draft.tmp",
    ".notes.abcdefgh.tmp",
    ".a.json.x1.tmp",
    ".tmp",
    "..tmp",
    ".digitcanvas-x.tmp",
)


def test_a_users_hidden_tmp_files_are_never_removed(tmp_path: Path) -> None:
    import time

    from digitcanvas.util.files import STALE_TEMP_SECONDS, is_temporary_name, remove_stale_temporaries

    past = time.time() - 10 * STALE_TEMP_SECONDS
    for name in USERS_HIDDEN_FILES:
        (tmp_path / name).write_text("the user's own words")
        os.utime(tmp_path / name, (past, past))
        assert not is_temporary_name(name)
    assert remove_stale_temporaries(tmp_path) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(USERS_HIDDEN_FILES)


def test_the_writers_temporaries_are_named_as_the_clean_up_knows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from digitcanvas.util.files import is_temporary_name

    made: list[str] = []
    original = tempfile.mkstemp

    def spy(*args: object, **kwargs: object) -> tuple[int, str]:
        fd, name = original(*args, **kwargs)  # type: ignore[call-overload]
        made.append(Path(name).name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    write_atomic(tmp_path / "d.json", b"{}")
    write_new(tmp_path / "e.json", b"{}")
    assert len(made) == 2
    assert is_temporary_name(made[0], of="d.json") and not is_temporary_name(made[0], of="e.json")
    assert is_temporary_name(made[1], of="e.json")


def test_a_save_removes_what_a_killed_save_of_the_same_file_left(tmp_path: Path) -> None:
    import time

    from digitcanvas.util.files import STALE_UNLOCKED_TEMP_SECONDS, temporary_name

    left, other = tmp_path / temporary_name("d.json", "k1ll3d"), tmp_path / temporary_name("e.json", "k1ll3d")
    for path in (left, other):
        path.write_bytes(b"{")
        past = time.time() - 2 * STALE_UNLOCKED_TEMP_SECONDS
        os.utime(path, (past, past))
    write_atomic(tmp_path / "d.json", b"{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other.name, "d.json"])


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n rest", "PNG"),
        (b"\xff\xd8\xff\xe0 rest", "JPEG"),
        (b"GIF89a rest", "GIF"),
        (b"BM rest", "BMP"),
        (b"II*\x00 rest", "TIFF"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "WebP"),
        (b'{"format": "digitcanvas-drawing"}', None),
        (b"", None),
    ],
)
def test_image_kind_from_the_first_bytes(tmp_path: Path, head: bytes, kind: str | None) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(head)
    assert image_kind(path) == kind
    assert image_kind(tmp_path) is None  # a folder is not read
    assert image_kind(tmp_path / "missing.png") is None
