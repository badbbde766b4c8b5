"""Text helpers every layer may use: characters that keep words together. No Qt."""

from __future__ import annotations

NBSP = "\u00a0"  # a non-breaking space: a wrapped line never breaks there


def unbreakable(text: str) -> str:
    """``text`` with its spaces made non-breaking (a menu path, a short caption item)."""
    return text.replace(" ", NBSP)
