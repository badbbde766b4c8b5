"""How lab commands talk on the terminal: progress lines and errors on stderr."""

from __future__ import annotations

import sys


def log(message: str) -> None:
    """A progress line on stderr, shown at once."""
    print(message, file=sys.stderr, flush=True)


def fail(message: str) -> int:
    """Print ``error: message`` on stderr; the exit status for a usage or data problem (2)."""
    print(f"error: {message}", file=sys.stderr)
    return 2
