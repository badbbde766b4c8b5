"""What the commands write: text made safe to show on a terminal, and output that fails.

File names and a model's own words (its ``digitcanvas.name``, its node names) are the
user's or a stranger's text. :func:`printable` makes any of it valid UTF-8 (for JSON,
which escapes the rest itself); :func:`shown` also escapes the characters a terminal
obeys instead of showing (an escape sequence retitles the window or clears the screen; a
newline forges an ``error:`` line) and bounds a message to :data:`MAX_MESSAGE_CHARS`.
:func:`run_writing` runs a command and turns an output that cannot be written (a pipe
closed by ``head``, a full disk) into an exit status instead of a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Callable

from digitcanvas.util.files import describe_os_error

# One message line at most: a model naming its 1,000 inputs made a 50 KB error line. The
# start (the file) and the end (what is wrong) are kept, the middle is left out.
MAX_MESSAGE_CHARS = 1_000
_MARKER_ROOM = 40  # " … (N characters left out) … " with N up to a trillion

# Characters a terminal acts on rather than shows: C0 and C1 controls and DEL (escape
# sequences, newlines, carriage returns, bells), the line and paragraph separators, and
# the bidirectional overrides and isolates, which reorder what follows them on the line.
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES = {code: (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") for code in _CONTROLS} | {
    ord("\t"): "\\t",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
}


def printable(text: str) -> str:
    """``text`` with what cannot be written as UTF-8 shown as escapes.

    File names that are not UTF-8 reach Python as lone surrogates (``os.fsdecode``'s
    surrogateescape); their bytes are shown as ``\\xNN``, so the table prints on a strict
    UTF-8 terminal and the JSON holds no lone surrogates.
    """
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes
        raw = text.encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace")


def shown(text: str, *, limit: int | None = MAX_MESSAGE_CHARS) -> str:
    """``text`` as a terminal may show it: :func:`printable`, with control characters
    escaped (``\\x1b``, ``\\n``, ``\\u202e``), and at most ``limit`` characters (None: no
    limit), its middle left out."""
    safe = printable(text).translate(_ESCAPES)
    if limit is None or len(safe) <= limit:
        return safe
    kept = max(limit - _MARKER_ROOM, 0)
    start = 2 * kept // 3  # the start names the file; the end says what is wrong
    marker = f" … ({len(safe) - kept:,} characters left out) … "
    return safe[:start] + marker + safe[len(safe) - (kept - start) :]


# What writing to a full or failing disk, or to a terminal that went away, raises.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.ENXIO, errno.EBADF})


def run_writing(command: Callable[[argparse.Namespace], int], args: argparse.Namespace, *, failed: int) -> int:
    """``command(args)``'s exit status, its output flushed; ``failed`` when the standard
    output (or error) cannot be written: quietly for a pipe whose reader left (``| head``
    has what it wanted), else with one ``error:`` line on stderr if it can take one.

    The commands turn every error of the files they read and write into a message, so
    an :class:`OSError` of the kinds writing raises that reaches here is a standard stream's.
    """
    try:
        status = command(args)
        sys.stdout.flush()
    except BrokenPipeError:
        _detach_output()
        return failed
    except OSError as e:
        if e.errno not in _OUTPUT_ERRNOS or e.filename is not None:
            raise
        _detach_output()
        with contextlib.suppress(OSError):
            print(f"error: cannot write the output ({describe_os_error(e)})", file=sys.stderr, flush=True)
        return failed
    return status


def _detach_output() -> None:
    """Point the standard output at the null device: what is still buffered for it goes
    there when the interpreter flushes it at exit, instead of failing again."""
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
