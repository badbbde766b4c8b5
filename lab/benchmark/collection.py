"""What a big or hostile collection costs, printed, not asserted (issue #27).

    python -m lab.benchmark.collection [--cases typical,summary,dots,scribbles,points,at-limit] [--keep]
        [--runs N] [--repo CHECKOUT ...] [--no-predict]

Builds each collection in a temporary folder (hard links of a few distinct files, so tens
of thousands of names cost a few files' disk), then, each in a fresh process so that its
peak memory is its own (Linux's VmHWM), times:

* ``window``: what the window's worker does (:func:`digitcanvas.collection.jobs.run`):
  read the folder, score every drawing with the bundled model, fit the adaptation;
* ``predict --adapt``: `digitcanvas predict --adapt FOLDER` on one drawing.

Each figure is wall-clock seconds, with the process's CPU seconds (user + system) beside
it: on a shared machine the CPU seconds are the steadier figure. The window's job is also
split into its phases (reading, scoring, adapting: from one activity's first progress
report to the next's). ``--repo`` times other checkouts too (an older version, say),
interleaved run by run; ``--runs`` repeats each measurement and prints medians.

Cases: ``typical`` 10,000 drawings of 200 points in 2 strokes; ``summary`` issue #26's
30,000 drawings (of 60 points in 2 strokes, within the point limit); ``dots`` the issue's
10,000 files of 1,000 one-point strokes (past the stroke limit: mostly not read);
``scribbles`` the worst within the limits, 100 drawings of 20,000 random points;
``points`` 10,000 files of 1,000 random points (past the point limit); ``at-limit`` at
the stroke and point limits at once: 200 drawings of 1,000 strokes of 10 random points.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
phases = {}  # activity -> [wall s, CPU s], from its first report to the next activity's (or the end)
last = [None, 0.0, 0.0]

def report(activity, done, total):
    if activity != last[0]:
        now, cpu = time.perf_counter(), time.process_time()
        if last[0] is not None:
            phases[last[0]] = [now - last[1], cpu - last[2]]
        last[:] = [activity, now, cpu]

loaded, loaded_cpu = time.perf_counter(), time.process_time()
result = jobs.run(Request(Path(sys.argv[1]), (), reader, score=True, fit=True), report, lambda: False)
done, done_cpu = time.perf_counter(), time.process_time()
if last[0] is not None:
    phases[last[0]] = [done - last[1], done_cpu - last[2]]
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"seconds": done - loaded, "job_cpu_s": done_cpu - loaded_cpu, "peak_mb": peak,
                  "entries": len(result.entries), "problems": len(result.collection.problems),
                  "error": result.error, "phases": phases, "adapted": result.hand is not None}))
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
    # The 30,000 kept drawings, of 60 points each to stay within MAX_COLLECTION_POINTS
    # (a quick digit drawn with the mouse has about that many).
    "summary": (30_000, lambda rng: [_walk(rng, 30), _walk(rng, 30)]),
    "dots": (10_000, lambda rng: [_uniform(rng, 1) for _ in range(1_000)]),
    "scribbles": (MAX_COLLECTION_POINTS // 20_000, lambda rng: [_uniform(rng, 20_000)]),
    "points": (10_000, lambda rng: [_uniform(rng, 1_000)]),
    "at-limit": (MAX_COLLECTION_STROKES // 1_000, lambda rng: [_uniform(rng, 10) for _ in range(1_000)]),
}


def _measure(command: list[str], *, stdout_json: bool, cwd: Path = REPO_ROOT) -> dict[str, Any]:
    started = time.perf_counter()
    timed = ["/usr/bin/time", "-f", "peak-kb %M cpu-s %U %S", *command]
    result = subprocess.run(timed, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)
    elapsed = time.perf_counter() - started
    peak = [line.split() for line in result.stderr.splitlines() if line.startswith("peak-kb ")]
    record: dict[str, Any] = json.loads(result.stdout.splitlines()[-1]) if stdout_json else {}
    record.setdefault("seconds", elapsed)
    record["wall_s"] = elapsed
    record["peak_mb"] = int(peak[-1][1]) / 1024 if peak else record.get("peak_mb", float("nan"))
    record["cpu_s"] = float(peak[-1][3]) + float(peak[-1][4]) if peak else float("nan")  # the machine may be shared
    record["status"] = result.returncode
    return record


def _phases(records: list[dict[str, Any]]) -> str:
    """Each phase's median wall seconds (CPU seconds), in the order the job reports them."""
    names = list(dict.fromkeys(name for r in records for name in r.get("phases", {})))
    parts = []
    for name in names:
        pairs = [r["phases"][name] for r in records if name in r.get("phases", {})]
        wall, cpu = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
        parts.append(f"{name.split()[0].lower()} {wall:.1f} s ({cpu:.1f})")
    return ", ".join(parts) or "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.benchmark.collection", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--keep", action="store_true", help="keep the collections (their folder is printed)")
    parser.add_argument("--runs", type=int, default=1, help="measurements of each case (medians are printed)")
    parser.add_argument(
        "--repo", action="append", type=Path, help="checkouts to time, interleaved run by run (default: this one)"
    )
    parser.add_argument("--no-predict", action="store_true", help="time the window's job only")
    args = parser.parse_args(argv)
    repos: list[Path] = args.repo or [REPO_ROOT]
    work = Path(tempfile.mkdtemp(prefix="digitcanvas-collection-bench-"))
    drawing = work / "seven.json"
    seven = [[[100, 100], [300, 100], [180, 350]]]
    canvas = {"width": 640, "height": 400}
    drawing.write_text(json.dumps({"format": "digitcanvas-drawing", "version": 1, "canvas": canvas, "strokes": seven}))
    print(
        "| case | checkout | drawings kept / files | window: read, score, fit (CPU) | phases: wall (CPU) | peak "
        "| predict --adapt (CPU) | peak |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|")
    try:
        for name in [c for c in args.cases.split(",") if c]:
            count, strokes = CASES[name]
            folder = work / name
            _write(folder, count, strokes)
            windows: dict[Path, list[dict[str, Any]]] = {repo: [] for repo in repos}
            predicts: dict[Path, list[dict[str, Any]]] = {repo: [] for repo in repos}
            for _ in range(args.runs):
                for repo in repos:
                    job = [sys.executable, "-c", WINDOW_JOB, str(folder)]
                    windows[repo].append(_measure(job, stdout_json=True, cwd=repo))
                    if not args.no_predict:
                        predict = [sys.executable, "-m", "digitcanvas", "predict", "--adapt", str(folder), str(drawing)]
                        predicts[repo].append(_measure(predict, stdout_json=False, cwd=repo))
            for repo in repos:
                window, adapts = windows[repo], predicts[repo]
                kept = f"{window[0]['entries']:,} / {count:,}"
                seconds = statistics.median(w["seconds"] for w in window)
                cpu = statistics.median(w.get("job_cpu_s", w["cpu_s"]) for w in window)
                peak = statistics.median(w["peak_mb"] for w in window)
                if adapts:
                    wall_s, cpu_s = (statistics.median(a[k] for a in adapts) for k in ("wall_s", "cpu_s"))
                    status = ",".join(sorted({str(a["status"]) for a in adapts}))
                    adapt_peak = statistics.median(a["peak_mb"] for a in adapts)
                    adapt = f"{wall_s:.1f} s ({cpu_s:.1f} s, exit {status}) | {adapt_peak:.0f} MB"
                else:
                    adapt = "- | -"
                print(
                    f"| {name} | {repo} | {kept} | {seconds:.1f} s ({cpu:.1f} s) | {_phases(window)} | {peak:.0f} MB "
                    f"| {adapt} |",
                    flush=True,
                )
    finally:
        if args.keep:
            print(f"collections kept in {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    print(f"load average over the last minute: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
