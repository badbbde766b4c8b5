"""Generic file helpers shared by every writer: atomic replacement. No Qt.

The helpers raise plain :class:`OSError`; each caller turns it into its own specific
error (a drawing, a model, a collection), which names what was being written.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"  # temporary siblings are ".<name>.<random>.tmp"
DEFAULT_FILE_MODE = 0o666  # before the umask, like open(..., "w")


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def describe_os_error(error: OSError) -> str:
    """A short, human reason for an ``OSError`` ("permission denied", "no space left on device")."""
    reason = error.strerror or str(error) or type(error).__name__
    return reason[:1].lower() + reason[1:]


def write_new(path: str | os.PathLike[str], payload: bytes) -> Path:
    """Write ``payload`` to ``path`` only if no file is there: exclusive and complete.

    The payload goes to a temporary sibling first and is then linked into place, which
    fails with :class:`FileExistsError` if another process took the name meanwhile, so
    two writers can never both believe they wrote the same file. Raises ``OSError``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fchmod(handle.fileno(), DEFAULT_FILE_MODE & ~_current_umask())
            os.fsync(handle.fileno())
        os.link(tmp_name, target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return target
