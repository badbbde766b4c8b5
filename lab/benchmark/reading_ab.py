"""One digit read, over varied drawings, in this checkout and others in turn (issue #26 item 17).

    python -m lab.benchmark.reading_ab --unipen ../shared/data/unipen-digits [--repo OLD_CHECKOUT ...] [--rounds 3]

Each round runs every checkout in a fresh process, one after the other, on the same 300
UNIPEN drawings (a fixed seed), and prints the medians of 900 reads each: preprocessing;
one digit through the single-digit path (``Reader.read_drawing(number=False)``); and as the
window reads it (``Reader.read_drawing``: a number of one or more, in every version). Older
checkouts (the flat layout before the package was split into roles) are read through their
own modules.
Printed, not asserted; compare only checkouts measured in the same run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence

from lab.paths import REPO_ROOT

SCRIPT = r"""
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
try:
    from digitcanvas.model.classifier import load_classifier
    from digitcanvas.reading.preprocessing import preprocess_drawing
    from digitcanvas.reading.reader import Reader
    from lab.data.unipen import load_samples, to_canvas
except ImportError:  # the flat layout of two weeks ago (its window read through read_drawing's number path too)
    from digitcanvas.inference import load_classifier
    from digitcanvas.preprocessing import preprocess_drawing
    from digitcanvas.reader import Reader
    from lab.unipen import load_samples, to_canvas
samples = load_samples(sys.argv[2])
drawings = [to_canvas(samples[i]) for i in np.random.default_rng(0).choice(len(samples), 300, replace=False)]
reader = Reader(load_classifier())
for d in drawings[:50]:
    reader.read_drawing(d, number=False)
cases = [
    ("preprocess", preprocess_drawing),
    ("single-digit path", lambda d: reader.read_drawing(d, number=False)),
    ("as the window reads", lambda d: reader.read_drawing(d)),
]
figures = []
for name, read in cases:
    times = []
    for _ in range(3):
        for d in drawings:
            start = time.perf_counter()
            read(d)
            times.append(time.perf_counter() - start)
    figures.append(f"{name} {statistics.median(times) * 1000:.2f} ms")
print(", ".join(figures))
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unipen", required=True, help="UNIPEN digits folder")
    parser.add_argument("--repo", action="append", default=[], help="another checkout, read in turn with this one")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    for _ in range(args.rounds):
        for repo in [*args.repo, str(REPO_ROOT)]:
            result = subprocess.run(
                [sys.executable, "-c", SCRIPT, repo, args.unipen], capture_output=True, text=True, cwd=repo, check=False
            )
            print(f"{repo}: {result.stdout.strip() or result.stderr.strip()[-300:]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
