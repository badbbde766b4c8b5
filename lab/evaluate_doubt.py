"""Measure the "Not sure" rule: real drawn digits versus generated non-digits.

Real digits: UNIPEN writers of the chosen part (default: test), through the app's path.
Non-digits (:mod:`lab.nondigits`), none of which training saw: scribbles, dots and
lines from another random seed, letters that training never used (held out), and
overlapping digit pairs from the same test writers.

    python -m lab.evaluate_doubt --unipen ../shared/data/unipen-digits [--model M] [--count 1000]

Prints the fraction of real digits flagged, accuracy on the accepted ones, the fraction
of each kind of non-digit flagged, and a sweep over thresholds.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from digitcanvas.doubt import REASON_TOO_SMALL, assess
from digitcanvas.inference import ModelLoadError, load_classifier
from digitcanvas.reader import Reader, Reading
from lab import nondigits
from lab.common import fail, probabilities, read_drawings
from lab.unipen import load_samples, select, to_canvas

MEASURE_SEED = 777  # differs from every seed training uses
SWEEP = (0.5, 0.7, 0.8, 0.9, 0.95)  # thresholds compared with the model's own


def flagged(readings: Sequence[Reading], threshold: float) -> NDArray[np.bool_]:
    """Which readings the app's rule calls "Not sure" at ``threshold``.

    A drawing the reader found too small stays flagged at every threshold.
    """
    return np.array(
        [
            not assess(d.probabilities, threshold, small=d.verdict.reason == REASON_TOO_SMALL).sure
            for d in (r.digits[0] for r in readings)
        ],
        dtype=bool,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate_doubt", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unipen", required=True)
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--part", choices=["val", "test"], default="test")
    parser.add_argument("--count", type=int, default=1000, help="non-digits of each kind")
    parser.add_argument("--threshold", type=float, help="override the model's doubt threshold")
    args = parser.parse_args(argv)
    try:
        classifier = load_classifier(args.model, threads=0)
        samples = load_samples(args.unipen)
    except (ModelLoadError, OSError, ValueError) as e:
        return fail(str(e))
    reader = Reader(classifier)
    threshold = args.threshold if args.threshold is not None else classifier.info.doubt_threshold
    part = select(samples, args.part)
    labels = np.array([s.label for s in part])
    digits = [to_canvas(s) for s in part]
    rng = np.random.default_rng(MEASURE_SEED)
    others = {
        kind: nondigits.generate(kind, args.count, rng, letters=nondigits.HELD_OUT_LETTERS, samples=part)
        for kind in nondigits.KINDS
    }

    digit_readings = read_drawings(reader, digits)
    predicted = probabilities(digit_readings).argmax(axis=1)
    other_readings = {kind: read_drawings(reader, drawings) for kind, drawings in others.items()}
    digit_flags = flagged(digit_readings, threshold)
    accepted = ~digit_flags
    print(f"# Not sure: {classifier.describe()}, threshold {threshold:.3f}\n")
    print(
        f"Real drawn digits ({args.part} writers, {len(digits):,}): **{digit_flags.mean():.2%} flagged**; "
        f"accuracy on the accepted {(predicted[accepted] == labels[accepted]).mean():.2%} "
        f"(all: {(predicted == labels).mean():.2%}).\n"
    )
    print("| non-digits | count | flagged |\n|---|---:|---:|")
    all_flags = []
    for kind, readings in other_readings.items():
        f = flagged(readings, threshold)
        all_flags.append(f)
        name = f"letters ({' '.join(nondigits.HELD_OUT_LETTERS)})" if kind == "letter" else kind
        print(f"| {name} | {len(f)} | {f.mean():.1%} |")
    print(f"| **all** | {sum(len(f) for f in all_flags)} | **{np.concatenate(all_flags).mean():.1%}** |\n")

    # How the trade-off moves with the threshold (same readings).
    other_all = [r for readings in other_readings.values() for r in readings]
    print("| threshold | digits flagged | accepted accuracy | non-digits flagged |\n|---:|---:|---:|---:|")
    for t in (*SWEEP, threshold):
        f = flagged(digit_readings, t)
        acc = (predicted[~f] == labels[~f]).mean()
        print(f"| {t:.3f} | {f.mean():.2%} | {acc:.2%} | {flagged(other_all, t).mean():.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
