"""How long refitting "Adapt to my handwriting" takes for a large collection.

    python -m lab.benchmark.adapt [--drawings 1000] [--runs 20]

Builds a collection of ``--drawings`` synthetic kept drawings, fits the bundled model's
adaptation once (every drawing's features computed: a cold start, as after loading a
model; the share spent preprocessing the drawings is given apart from the model's), then
times what happens after each keep: one new drawing added and the adaptation refitted
(median of ``--runs``), and reading one drawing with the adaptation and without it.
Target: a refit under 100 ms for 1,000 drawings.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from digitcanvas.collection.hand import HandModel
from digitcanvas.collection.state import Collection
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.preprocessing import preprocess_drawing
from digitcanvas.reading.reader import Reader

SEED = 11


def random_digit(rng: np.random.Generator) -> Drawing:
    t = np.linspace(0, 2 * np.pi, 40)
    r = 80 + 20 * rng.random()
    stroke = np.stack([320 + r * 0.6 * np.sin(t) + rng.normal(0, 2, 40), 200 - r * np.cos(t)], axis=1)
    return Drawing.from_points([stroke], width=640, height=400)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.benchmark.adapt", description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(SEED)
    reader = Reader(load_classifier())
    with tempfile.TemporaryDirectory() as tmp:
        collection = Collection.open(Path(tmp))
        for i in range(args.drawings):
            collection.add(random_digit(rng), i % 10)
        hand = HandModel()
        started = time.perf_counter()
        hand.sync(reader, collection.entries)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        for entry in collection.entries:
            preprocess_drawing(entry.drawing, reader.options)
        preprocessing = time.perf_counter() - started
        refits = []
        for i in range(args.runs):
            collection.add(random_digit(rng), i % 10)
            started = time.perf_counter()
            hand.sync(reader, collection.entries)
            refits.append(time.perf_counter() - started)
        drawing = random_digit(rng)
        reads: dict[bool, float] = {}
        for adapted in (False, True):
            reader.adaptation = hand.adaptation if adapted else None
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                reader.read_drawing(drawing, number=False)
                times.append(time.perf_counter() - started)
            reads[adapted] = statistics.median(times)
    kind = "embedding" if reader.classifier.embedding_output else "logit features"
    print(f"{args.drawings} kept drawings, {kind}: cold fit {cold * 1000:.0f} ms "
          f"(preprocessing the drawings {preprocessing * 1000:.0f} ms of it); "
          f"refit after a keep {statistics.median(refits) * 1000:.1f} ms; "
          f"reading one drawing {reads[True] * 1000:.1f} ms adapted, {reads[False] * 1000:.1f} ms not "
          f"(medians of {args.runs})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
