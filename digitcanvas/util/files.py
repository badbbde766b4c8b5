"""Generic file helpers shared by every reader and writer: bounded reads of regular files,
atomic and exclusive writes, and the clean-up of what an interrupted write left. No Qt.

The helpers raise plain :class:`OSError` (or the subclasses below); each caller turns it
into its own specific error (a drawing, a model, a collection), which names what was
being read or written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

# Temporary siblings are ".<name>.digitcanvas-<random>.tmp": hidden, and marked as this
# writer's, so a clean-up never takes a user's own hidden ".draft.tmp" for one of them.
TEMP_PREFIX = "."
TEMP_MARK = ".digitcanvas-"
TEMP_SUFFIX = ".tmp"
_TEMPORARY = re.compile(
    rf"{re.escape(TEMP_PREFIX)}(?P<of>.+){re.escape(TEMP_MARK)}[A-Za-z0-9_]+{re.escape(TEMP_SUFFIX)}", re.DOTALL
)
DEFAULT_FILE_MODE = 0o666  # before the umask, like open(..., "w")
STALE_TEMP_SECONDS = 60.0  # a temporary this old belongs to a write that was killed: no write takes a minute
# A writer holds a lock on its temporary while it writes (where the platform has flock): one
# that nobody holds and is this old was left by a killed writer (the age covers the moments
# between creating the file and locking it, and between unlocking and renaming it).
STALE_UNLOCKED_TEMP_SECONDS = 5.0
# Opening never waits for a writer (a FIFO) nor takes a terminal; O_* flags missing on a
# platform are 0 there.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
# os.link fails with these where a file system has no hard links (FAT, exFAT, some network shares).
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV}


class NotRegularFileError(OSError):
    """The path is a folder, a FIFO, a device or a socket: never opened as a file."""


class FileTooLargeError(OSError):
    """The file is larger than the caller's limit; ``size`` and ``limit`` are in bytes."""

    def __init__(self, path: str | os.PathLike[str], size: int, limit: int) -> None:
        super().__init__(errno.EFBIG, f"the file is {size:,} bytes; at most {limit:,} are read", str(path))
        self.size = size
        self.limit = limit


def kind_of(mode: int) -> str:
    """What a file of ``mode`` (``st_mode``) is, in words: "a folder", "a named pipe", …"""
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def _refuse_irregular(path: str | os.PathLike[str], mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(errno.EINVAL, f"not a regular file ({kind_of(mode)})", str(path))


def check_regular(path: str | os.PathLike[str]) -> int:
    """The size in bytes of the regular file at ``path`` (links followed).

    Raises :class:`NotRegularFileError` for a folder, FIFO, device or socket, else
    ``OSError`` (missing, permission denied).
    """
    info = os.stat(path)
    _refuse_irregular(path, info.st_mode)
    return info.st_size


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a regular file for reading, refusing anything else *before* opening it.

    A FIFO would block the reader forever and a device never ends; both are refused
    with :class:`NotRegularFileError`, checked again on the open descriptor.
    """
    check_regular(path)
    fd = os.open(path, _OPEN_FLAGS)
    try:
        _refuse_irregular(path, os.fstat(fd).st_mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The content of the regular file at ``path``, refusing files over ``max_bytes``.

    Raises :class:`FileTooLargeError`, :class:`NotRegularFileError` or ``OSError``.
    At most ``max_bytes + 1`` bytes are read, even if the file grows meanwhile.
    """
    with open_regular(path) as handle:
        return read_rest_limited(handle, path, max_bytes)


def read_rest_limited(handle: BinaryIO, path: str | os.PathLike[str], max_bytes: int, *, head: bytes = b"") -> bytes:
    """``head`` (what was read of ``handle`` already) and the rest of the file, refusing a
    file over ``max_bytes`` by its size before reading on (:class:`FileTooLargeError`).
    At most ``max_bytes + 1`` bytes are held, even if the file grows meanwhile."""
    size = os.fstat(handle.fileno()).st_size
    if size > max_bytes:
        raise FileTooLargeError(path, size, max_bytes)
    data = head + handle.read(max_bytes + 1 - len(head))
    if len(data) > max_bytes:
        raise FileTooLargeError(path, len(data), max_bytes)
    return data


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _lock(fd: int, *, wait: bool) -> bool:
    """An exclusive advisory lock on ``fd`` (False: held by another process, or no flock here)."""
    if sys.platform == "win32":
        return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


def _write_temporary(target: Path, payload: bytes, mode: int) -> str:
    """A complete, synced temporary sibling of ``target`` holding ``payload``; returns its name.

    The writer holds a lock on it until it is complete, so a clean-up can tell a killed
    writer's temporary from a live one (:func:`remove_stale_temporaries`).
    """
    prefix = f"{TEMP_PREFIX}{target.name}{TEMP_MARK}"
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        _lock(fd, wait=True)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return tmp_name


def write_atomic(path: str | os.PathLike[str], payload: bytes) -> Path:
    """Write ``payload`` to ``path`` through a temporary sibling and ``os.replace``.

    A crash mid-write leaves the old file or the new one, never half a file. A symbolic
    link is followed (its target is replaced, the link stays) and an existing file keeps
    its permissions; a new file gets the usual ``0666 & ~umask``. Returns the path that
    was written. Raises :class:`OSError` (with ``filename`` set) on failure.
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = DEFAULT_FILE_MODE & ~_current_umask()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_name = _write_temporary(target, payload, mode)
    try:
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    remove_stale_temporaries(target.parent, of=target.name)  # what an earlier, killed save of it left
    return target


def describe_os_error(error: OSError) -> str:
    """A short, human reason for an ``OSError`` ("permission denied", "no space left on device")."""
    reason = error.strerror or str(error) or type(error).__name__
    return reason[:1].lower() + reason[1:]


def write_new(path: str | os.PathLike[str], payload: bytes) -> Path:
    """Write ``payload`` to ``path`` only if no file is there: exclusive and complete.

    The payload goes to a temporary sibling first and is then hard-linked into place,
    which fails with :class:`FileExistsError` if another process took the name
    meanwhile, so two writers can never both believe they wrote the same file. Where the
    file system has no hard links, the name is claimed with an exclusive create and the
    complete temporary then replaces the (empty) claim; a crash in between leaves an
    empty file, never half a drawing. Raises ``OSError``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = DEFAULT_FILE_MODE & ~_current_umask()
    tmp_name = _write_temporary(target, payload, mode)
    try:
        place_new(Path(tmp_name), target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return target


def place_new(source: Path, target: Path) -> None:
    """Give the complete file ``source`` the name ``target`` only if no file has it:
    :class:`FileExistsError` if one has (also when another process takes it meanwhile).

    A hard link (``source`` keeps its name too); where the file system has none, an
    exclusive create claims the name and ``source`` then replaces the (empty) claim.
    """
    try:
        os.link(source, target)
    except OSError as e:
        if isinstance(e, FileExistsError) or e.errno not in _NO_HARD_LINKS:
            raise
        mode = DEFAULT_FILE_MODE & ~_current_umask()
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))  # FileExistsError if taken
        os.replace(source, target)


class LockWaitCancelled(Exception):
    """The wait for a lock was cancelled by its caller."""


LOCK_POLL_SECONDS = 0.1  # between tries for a lock another process holds


@contextlib.contextmanager
def held_lock(path: str | os.PathLike[str], *, cancelled: Callable[[], bool] | None = None) -> Iterator[bool]:
    """An exclusive advisory lock on the file at ``path`` (made if missing) for the ``with``
    block: ``True`` once held, ``False`` where the platform or file system has no locks
    (the block runs unlocked). While another process holds it, waits, asking
    ``cancelled()`` every :data:`LOCK_POLL_SECONDS`: :class:`LockWaitCancelled` if it says so.
    Raises ``OSError`` when the lock file cannot be made.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), DEFAULT_FILE_MODE & ~_current_umask())
    try:
        held = _try_lock(fd)
        while held is False:
            if cancelled is not None and cancelled():
                raise LockWaitCancelled
            time.sleep(LOCK_POLL_SECONDS)
            held = _try_lock(fd)
        yield bool(held)
    finally:
        os.close(fd)  # releases the lock


def _try_lock(fd: int) -> bool | None:
    """Take an exclusive lock on ``fd`` without waiting: True taken, False held by another
    process, None where there are no locks (another platform, a file system without them)."""
    if sys.platform == "win32":
        return None
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


def temporary_name(name: str, token: str) -> str:
    """The name :func:`write_atomic` and :func:`write_new` give a temporary of the file
    ``name``; ``token`` is its random part (letters, digits, ``_``)."""
    return f"{TEMP_PREFIX}{name}{TEMP_MARK}{token}{TEMP_SUFFIX}"


def is_temporary_name(name: str, *, of: str | None = None) -> bool:
    """True for the names :func:`write_atomic` and :func:`write_new` give their temporaries
    (see :func:`temporary_name`), and with ``of``, only for those of the file of that name.
    Nothing else is ever taken for one: a user's hidden ``.draft.tmp`` is not."""
    match = _TEMPORARY.fullmatch(name)
    return match is not None and (of is None or match["of"] == of)


def remove_stale_temporaries(
    folder: str | os.PathLike[str], *, of: str | None = None, older_than_s: float = STALE_TEMP_SECONDS
) -> int:
    """Delete temporaries in ``folder`` (not below it) left by writes that were killed.

    ``of``: only those of the file of that name. Only regular files named exactly as this
    module names its temporaries (:func:`is_temporary_name`) are considered: one is removed
    when no writer holds its lock and it is over ``STALE_UNLOCKED_TEMP_SECONDS`` old, or
    when it is over ``older_than_s`` old whatever the lock says (file systems without
    locks). Errors are ignored. Returns how many were removed.
    """
    now = time.time()
    removed = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if is_temporary_name(entry.name, of=of) and _is_stale(entry, now, older_than_s):
                    try:
                        os.unlink(entry.path)
                        removed += 1
                    except OSError:
                        continue
    except OSError:
        return removed
    return removed


def _is_stale(entry: os.DirEntry[str], now: float, older_than_s: float) -> bool:
    try:
        info = entry.stat(follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            return False
        age = now - info.st_mtime
        if age > older_than_s:
            return True
        if age <= STALE_UNLOCKED_TEMP_SECONDS:
            return False
        fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        return _lock(fd, wait=False)  # nobody writes it any more
    finally:
        os.close(fd)
