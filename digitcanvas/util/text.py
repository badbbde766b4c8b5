"""Text helpers every layer may use: characters that keep words together, durations. No Qt."""

from __future__ import annotations

NBSP = "\u00a0"  # a non-breaking space: a wrapped line never breaks there


def unbreakable(text: str) -> str:
    """``text`` with its spaces made non-breaking (a menu path, a short caption item)."""
    return text.replace(" ", NBSP)


def duration(seconds: float | None) -> str:
    """A time as people read it: "40 s", "1:05 min", "2 h 03 min"; "–" when not known yet."""
    if seconds is None:
        return "–"
    if seconds < 59.5:  # what would round to "60 s" reads "1:00 min"
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
