"""What a big or hostile collection costs, printed, not asserted (issue #27).

    python -m lab.benchmark.collection [--cases typical,dots,scribbles,points,at-limit] [--keep]

Builds each collection in a temporary folder (hard links of a few distinct files, so tens
of thousands of names cost a few files' disk), then, each in a fresh process so that its
peak memory is its own (Linux's VmHWM), times:

* ``window``: what the window's worker does (:func:`digitcanvas.collection.jobs.run`):
  read the folder, score every drawing with the bundled model, fit the adaptation;
* ``predict --adapt``: `digitcanvas predict --adapt FOLDER` on one drawing.

Each figure is wall-clock seconds, with the process's CPU seconds (user + system) beside
it: on a shared machine the CPU seconds are the steadier figure.

Cases: ``typical`` 10,000 drawings of 200 points in 2 strokes; ``dots`` the issue's
10,000 files of 1,000 one-point strokes (past the stroke limit: mostly not read);
``scribbles`` the worst within the limits, 100 drawings of 20,000 random points;
``points`` 10,000 files of 1,000 random points (past the point limit); ``at-limit`` at
the stroke and point limits at once: 200 drawings of 1,000 strokes of 10 random points.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from digitcanvas.collection.folder import MAX_COLLECTION_POINTS, MAX_COLLECTION_STROKES
from lab.paths import REPO_ROOT

DISTINCT = 10  # distinct files per collection; the others are hard links of them
TIMEOUT_S = 3600  # one measurement, on a slow machine

WINDOW_JOB = r"""
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from digitcanvas.collection import jobs
from digitcanvas.collection.jobs import Request
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.reader import Reader

reader = Reader(load_classifier())
loaded = time.perf_counter()
result = jobs.run(Request(Path(sys.argv[1]), (), reader, score=True, fit=True), lambda *_: None, lambda: False)
done = time.perf_counter()
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"seconds": done - loaded, "peak_mb": peak, "entries": len(result.entries),
                  "problems": len(result.collection.problems), "error": result.error}))
"""


def _write(folder: Path, count: int, strokes: Callable[[np.random.Generator], list[list[list[float]]]]) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(27)
    firsts = []
    for i in range(min(DISTINCT, count)):
        document = {
            "format": "digitcanvas-drawing",
            "version": 1,
            "canvas": {"width": 640, "height": 400},
            "label": i % 10,
            "strokes": strokes(rng),
        }
        firsts.append(folder / f"{i % 10}-20270101-000000-{i}.json")
        firsts[-1].write_text(json.dumps(document))
    for n in range(len(firsts), count):
        os.link(firsts[n % DISTINCT], folder / f"{n % 10}-20270101-000000-{n}.json")


def _uniform(rng: np.random.Generator, points: int) -> list[list[float]]:
    return rng.uniform(0, 400, (points, 2)).round(1).tolist()


def _walk(rng: np.random.Generator, points: int) -> list[list[float]]:
    steps = rng.normal(0, 3, (points, 2))
    return np.clip(200 + np.cumsum(steps, axis=0), 0, 400).round(1).tolist()


CASES: dict[str, tuple[int, Callable[[np.random.Generator], list[list[list[float]]]]]] = {
    "typical": (10_000, lambda rng: [_walk(rng, 100), _walk(rng, 100)]),
    "dots": (10_000, lambda rng: [_uniform(rng, 1) for _ in range(1_000)]),
    "scribbles": (MAX_COLLECTION_POINTS // 20_000, lambda rng: [_uniform(rng, 20_000)]),
    "points": (10_000, lambda rng: [_uniform(rng, 1_000)]),
    "at-limit": (MAX_COLLECTION_STROKES // 1_000, lambda rng: [_uniform(rng, 10) for _ in range(1_000)]),
}


def _measure(command: list[str], *, stdout_json: bool) -> dict[str, object]:
    started = time.perf_counter()
    timed = ["/usr/bin/time", "-f", "peak-kb %M cpu-s %U %S", *command]
    result = subprocess.run(timed, cwd=REPO_ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)
    elapsed = time.perf_counter() - started
    peak = [line.split() for line in result.stderr.splitlines() if line.startswith("peak-kb ")]
    record: dict[str, object] = json.loads(result.stdout.splitlines()[-1]) if stdout_json else {}
    record.setdefault("seconds", elapsed)
    record["wall_s"] = elapsed
    record["peak_mb"] = int(peak[-1][1]) / 1024 if peak else record.get("peak_mb", float("nan"))
    record["cpu_s"] = float(peak[-1][3]) + float(peak[-1][4]) if peak else float("nan")  # the machine may be shared
    record["status"] = result.returncode
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.benchmark.collection", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--keep", action="store_true", help="keep the collections (their folder is printed)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="digitcanvas-collection-bench-"))
    drawing = work / "seven.json"
    seven = [[[100, 100], [300, 100], [180, 350]]]
    canvas = {"width": 640, "height": 400}
    drawing.write_text(json.dumps({"format": "digitcanvas-drawing", "version": 1, "canvas": canvas, "strokes": seven}))
    print("| case | drawings kept / files | window: read, score, fit (CPU) | peak | predict --adapt (CPU) | peak |")
    print("|---|---:|---:|---:|---:|---:|")
    try:
        for name in [c for c in args.cases.split(",") if c]:
            count, strokes = CASES[name]
            folder = work / name
            _write(folder, count, strokes)
            window = _measure([sys.executable, "-c", WINDOW_JOB, str(folder)], stdout_json=True)
            predict = [sys.executable, "-m", "digitcanvas", "predict", "--adapt", str(folder), str(drawing)]
            adapt = _measure(predict, stdout_json=False)
            kept = f"{window['entries']:,} / {count:,}"
            print(
                f"| {name} | {kept} | {window['seconds']:.1f} s ({window['cpu_s']:.1f} s) | {window['peak_mb']:.0f} MB "
                f"| {adapt['wall_s']:.1f} s ({adapt['cpu_s']:.1f} s, exit {adapt['status']}) "
                f"| {adapt['peak_mb']:.0f} MB |",
                flush=True,
            )
    finally:
        if args.keep:
            print(f"collections kept in {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
