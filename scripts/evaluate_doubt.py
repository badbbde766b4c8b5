#!/usr/bin/env python3
"""Measure the "Not sure" rule: real drawn digits versus generated non-digits.

Real digits: UNIPEN writers of the chosen part (default: test), through the app's path.
Non-digits (``digitcanvas.nondigits``), none of which training saw: scribbles, dots and
lines from another random seed, letters that training never used (held out), and
overlapping digit pairs from the same test writers.

    python scripts/evaluate_doubt.py --unipen ../shared/data/unipen-digits [--model M] [--count 1000]

Prints the fraction of real digits flagged, accuracy on the accepted ones, the fraction
of each kind of non-digit flagged, and a sweep over thresholds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digitcanvas import nondigits  # noqa: E402
from digitcanvas.doubt import assess, threshold_for  # noqa: E402
from digitcanvas.drawing import Drawing  # noqa: E402
from digitcanvas.inference import Classifier, ModelLoadError, load_classifier  # noqa: E402
from digitcanvas.preprocessing import preprocess_drawing  # noqa: E402
from digitcanvas.unipen import load_samples, select, to_canvas  # noqa: E402

MEASURE_SEED = 777  # differs from every seed training uses


def classify(classifier: Classifier, drawings: list[Drawing]) -> np.ndarray:
    """Probabilities (N, 10) for drawings, through the app's preprocessing."""
    return classifier.predict_proba(np.stack([preprocess_drawing(d) for d in drawings]))


def flagged(probs: np.ndarray, drawings: list[Drawing], threshold: float) -> np.ndarray:
    """Which drawings the app's rule calls "Not sure" at ``threshold``."""
    return np.array([not assess(p, threshold, d).sure for p, d in zip(probs, drawings, strict=True)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unipen", required=True)
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--part", choices=["val", "test"], default="test")
    parser.add_argument("--count", type=int, default=1000, help="non-digits of each kind")
    parser.add_argument("--threshold", type=float, help="override the model's doubt threshold")
    args = parser.parse_args(argv)
    try:
        classifier = load_classifier(args.model, threads=0)
    except ModelLoadError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    threshold = args.threshold if args.threshold is not None else threshold_for(classifier.metadata)
    samples = load_samples(args.unipen)
    part = select(samples, args.part)
    labels = np.array([s.label for s in part])
    digits = [to_canvas(s) for s in part]
    rng = np.random.default_rng(MEASURE_SEED)
    others = {
        kind: nondigits.generate(kind, args.count, rng, letters=nondigits.HELD_OUT_LETTERS, samples=part)
        for kind in nondigits.KINDS
    }

    digit_probs = classify(classifier, digits)
    predicted = digit_probs.argmax(axis=1)
    other_probs = {kind: classify(classifier, drawings) for kind, drawings in others.items()}
    digit_flags = flagged(digit_probs, digits, threshold)
    accepted = ~digit_flags
    print(f"# Not sure: {classifier.describe()}, threshold {threshold:.3f}\n")
    print(
        f"Real drawn digits ({args.part} writers, {len(digits):,}): **{digit_flags.mean():.2%} flagged**; "
        f"accuracy on the accepted {(predicted[accepted] == labels[accepted]).mean():.2%} "
        f"(all: {(predicted == labels).mean():.2%}).\n"
    )
    print("| non-digits | count | flagged |\n|---|---:|---:|")
    all_flags = []
    for kind, drawings in others.items():
        f = flagged(other_probs[kind], drawings, threshold)
        all_flags.append(f)
        name = f"letters ({' '.join(nondigits.HELD_OUT_LETTERS)})" if kind == "letter" else kind
        print(f"| {name} | {len(f)} | {f.mean():.1%} |")
    print(f"| **all** | {sum(len(f) for f in all_flags)} | **{np.concatenate(all_flags).mean():.1%}** |\n")

    # How the trade-off moves with the threshold (same predictions).
    other_drawings = [d for ds in others.values() for d in ds]
    other_all = np.concatenate(list(other_probs.values()))
    print("| threshold | digits flagged | accepted accuracy | non-digits flagged |\n|---:|---:|---:|---:|")
    for t in (0.5, 0.7, 0.8, 0.9, 0.95, threshold):
        f = flagged(digit_probs, digits, t)
        acc = (predicted[~f] == labels[~f]).mean()
        print(f"| {t:.3f} | {f.mean():.2%} | {acc:.2%} | {flagged(other_all, other_drawings, t).mean():.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
