"""How soon the window is usable with a big personal collection (issue #14), printed, not asserted.

    python -m lab.benchmark.startup [--files 30000] [--no-adapt]

Builds a temporary collection of ``--files`` kept drawings (hard links of one file, so
30,000 cost one file's disk) and a few poisoned files, then starts a fresh interpreter
that opens the real window offscreen on it (settings in a temporary file, the bundled
model) and prints:

* process start → the window shown with its event loop running (target: under 1 s), and
  what the collection panel said then;
* process start → the collection summary complete (read, scored and, with "Adapt to My
  Handwriting" on as it is by default, adapted to: all on the worker thread);
* the drawings read and the files skipped, and how late a timer on the GUI thread fired
  meanwhile (how responsive the window stays while the worker runs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from digitcanvas.drawing.file import save_drawing
from digitcanvas.drawing.strokes import Drawing

TIMEOUT_S = 3600  # the whole child run, read and scored on a slow machine included
POLL_MS = 20  # how often the child looks whether the collection is done

CHILD = r"""
import time
begun = time.perf_counter()
import json, sys
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from digitcanvas.ui.window.main_window import MainWindow

app = QApplication(sys.argv[:1])
started = time.perf_counter()
window = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat))
window.show()
made = time.perf_counter()

def shown():
    news = {"shown": True, "imports_s": started - begun, "construct_s": made - started}
    print(json.dumps({**news, "panel": window.collection_panel.summary_text()}), flush=True)

ticks = []

def poll():
    ticks.append(time.perf_counter())
    if not window.collection.busy:
        collection = window.keeper.collection
        late = sorted(b - a - int(sys.argv[2]) / 1000 for a, b in zip(ticks, ticks[1:]))
        done = {"read": len(collection.entries), "skipped": len(collection.problems)}
        done |= {"late_max_s": late[-1] if late else 0.0, "late_p99_s": late[int(0.99 * len(late))] if late else 0.0}
        print(json.dumps({"done": True, "summary": window.collection_panel.summary_text(), **done}), flush=True)
        app.quit()

QTimer.singleShot(0, shown)
timer = QTimer(interval=int(sys.argv[2]))
timer.timeout.connect(poll)
timer.start()
app.exec()
window.close()
"""


def _seven() -> Drawing:
    return Drawing.from_points([[[130.0, 90.0], [290.0, 90.0], [190.0, 340.0]]], width=420, height=420, label=7)


def _poison(folder: Path) -> int:
    """Files named like drawings that are not usable ones; returns how many."""
    bad = {
        "bad-empty.json": b"",
        "bad-truncated.json": b'{"format": "digitcanvas-drawing", "version": 1, "canvas": {"wid',
        "bad-binary.json": b"{" + bytes(range(256)) * 4,
        "bad-no-label.json": b'{"format": "digitcanvas-drawing", "version": 1, '
        b'"canvas": {"width": 640, "height": 400}, "strokes": [[[1, 2], [300, 200]]]}',
        "bad-nested.json": b"[" * 100_000 + b"]" * 100_000,
    }
    for name, data in bad.items():
        (folder / name).write_bytes(data)
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "bad-pipe.json")  # reading it would block for ever
        return len(bad) + 1
    return len(bad)


def build_collection(folder: Path, files: int) -> int:
    """``files`` hard-linked kept 7s and the poisoned files in ``folder``; returns how many are poisoned."""
    folder.mkdir(parents=True)
    first = folder / "7-00000.json"
    if files:
        save_drawing(_seven(), first)
    for i in range(1, files):
        os.link(first, folder / f"7-{i:05d}.json")
    return _poison(folder)


def run_window(settings: Path) -> tuple[float, dict[str, Any], float, dict[str, Any]]:
    """Start the child; (seconds to shown, what it said then, seconds to done, what it said then)."""
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    shown: tuple[float, dict[str, Any]] | None = None
    done: tuple[float, dict[str, Any]] | None = None
    with tempfile.TemporaryFile("w+") as errors:  # Qt's offscreen chatter; shown if the child fails
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(settings), str(POLL_MS)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        for line in child.stdout:
            news = json.loads(line)
            at = time.perf_counter() - started
            if news.get("shown"):
                shown = at, news
            elif news.get("done"):
                done = at, news
        child.wait(TIMEOUT_S)
        if shown is None or done is None:
            errors.seek(0)
            raise SystemExit(f"the window did not report (exit status {child.returncode}):\n{errors.read()[-2000:]}")
    return shown[0], shown[1], done[0], done[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.benchmark.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=30_000, help="kept drawings in the collection")
    parser.add_argument("--no-adapt", action="store_true", help="with Adapt to My Handwriting off")
    args = parser.parse_args(argv)
    from PySide6.QtCore import QSettings

    from digitcanvas.ui.settings import KEY_ADAPT, KEY_COLLECTION

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "collection"
        poisoned = build_collection(folder, args.files)
        settings_path = Path(tmp) / "settings.ini"
        settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
        settings.setValue(KEY_COLLECTION, str(folder))
        settings.setValue(KEY_ADAPT, not args.no_adapt)
        settings.sync()
        what = f"{args.files:,} kept drawings + {poisoned} poisoned files, adapt {'off' if args.no_adapt else 'on'}"
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs: {what}")
        shown_s, shown, done_s, done = run_window(settings_path)
    print(f"process start → window shown, event loop running: {shown_s:.2f} s (target < 1 s)")
    imports, construct = shown["imports_s"], shown["construct_s"]
    print(f"  imports (PySide6, onnxruntime, the app) {imports:.2f} s, MainWindow() {construct:.3f} s")
    print(f"  the panel said then: {shown['panel']!r}")
    print(f"process start → collection summary complete: {done_s:.1f} s: {done['summary']!r}")
    print(f"files: {done['read']:,} drawings read, {done['skipped']:,} skipped")
    late = f"p99 {done['late_p99_s'] * 1000:.0f} ms, max {done['late_max_s'] * 1000:.0f} ms"
    print(f"GUI thread meanwhile: a {POLL_MS} ms timer fired late by {late}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
