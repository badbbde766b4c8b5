"""What each of ``digitcanvas predict``'s worker processes holds, printed (not asserted; issue #26).

    python -m lab.benchmark.workers [--files 4000] [--runs 3] [--repo PATH ...]

Writes ``--files`` drawing files (hard links of a few distinct ones) to a temporary folder,
runs ``python -m digitcanvas predict FOLDER`` in each ``--repo`` (default: this one; give
another checkout to compare with an older version, interleaved run by run) and, while it
runs, samples every child process's memory from ``/proc``: its peak resident set
(``VmHWM``), the part of it that is its own (``Private``: pages no other process maps,
from ``smaps_rollup``) and its proportional share (``Pss``). A forked worker shares the
pages it inherited with the parent until it writes them, so ``VmHWM`` counts what it
imported and allocated *and* the parent's pages it touched.
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
from pathlib import Path

from lab.paths import REPO_ROOT

DISTINCT = 10  # distinct drawing files; the others are hard links of them
SAMPLE_S = 0.02  # between looks at the children
KIB = 1024


def _write(folder: Path, count: int) -> None:
    firsts = []
    for i in range(min(DISTINCT, count)):
        strokes = [[[100 + 10 * i, 100], [300, 100 + 5 * i], [180, 350]]]
        document = {"format": "digitcanvas-drawing", "version": 1, "canvas": {"width": 640, "height": 400}}
        firsts.append(folder / f"d{i}.json")
        firsts[-1].write_text(json.dumps({**document, "strokes": strokes}))
    for n in range(len(firsts), count):
        os.link(firsts[n % DISTINCT], folder / f"d{n}.json")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _memory(pid: int) -> dict[str, int] | None:
    """KiB: VmHWM, VmRSS, and Pss and private pages from smaps_rollup."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    fields: dict[str, int] = {}
    for line in (*status.splitlines(), *rollup.splitlines()):
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB":
            fields[name] = int(parts[0])
    private = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {"hwm": fields.get("VmHWM", 0), "rss": fields.get("VmRSS", 0), "pss": fields.get("Pss", 0), "own": private}


def measure(repo: Path, folder: Path) -> tuple[dict[str, int], dict[int, dict[str, int]], float]:
    """The parent's memory and each worker's largest, and the wall time, of one predict run."""
    command = [sys.executable, "-m", "digitcanvas", "predict", "--json", str(folder)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: dict[int, dict[str, int]] = {}
    parent: dict[str, int] = {}
    while process.poll() is None:
        for child in _children(process.pid):
            seen = _memory(child)
            if seen is not None:
                best = workers.setdefault(child, dict.fromkeys(seen, 0))
                for key, value in seen.items():
                    best[key] = max(best[key], value)
        own = _memory(process.pid)
        if own is not None:
            parent = {key: max(parent.get(key, 0), value) for key, value in own.items()}
        time.sleep(SAMPLE_S)
    if process.returncode:
        raise RuntimeError(f"predict in {repo} exited with {process.returncode}")
    return parent, workers, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.benchmark.workers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=4000, help="drawing files (over predict's parallel threshold)")
    parser.add_argument("--runs", type=int, default=3, help="runs per checkout, interleaved")
    parser.add_argument("--repo", action="append", type=Path, help="checkouts to compare (default: this one)")
    args = parser.parse_args(argv)
    repos = args.repo or [REPO_ROOT]
    figures: dict[Path, list[tuple[dict[str, int], list[dict[str, int]], float]]] = {r: [] for r in repos}
    with tempfile.TemporaryDirectory(prefix="digitcanvas-workers-") as work:
        folder = Path(work)
        _write(folder, args.files)
        for _ in range(args.runs):
            for repo in repos:
                parent, workers, seconds = measure(repo, folder)
                figures[repo].append((parent, list(workers.values()), seconds))
    print("| checkout | workers | worker peak RSS (VmHWM) | worker own (private) | worker PSS | parent peak | wall |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for repo, runs in figures.items():
        rows = [w for _, ws, _ in runs for w in ws]

        def median(key: str, rows: list[dict[str, int]]) -> str:
            return f"{statistics.median(r[key] for r in rows) / KIB:.0f} MiB" if rows else "-"

        parents = [p for p, _, _ in runs]
        wall = statistics.median(s for _, _, s in runs)
        counts = "/".join(str(len(ws)) for _, ws, _ in runs)
        print(
            f"| {repo} | {counts} | {median('hwm', rows)} | {median('own', rows)} | {median('pss', rows)} "
            f"| {median('hwm', parents)} | {wall:.1f} s |"
        )
    print(f"load average over the last minute: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
