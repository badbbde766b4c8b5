"""Measure the "Not sure" rule: real drawn digits versus non-digits, generated and real.

Real digits: UNIPEN (and DigiLeTs) writers of the chosen part (default: test), through
the app's path. Non-digits:

* generated (:mod:`lab.data.nondigits`), none of which training saw: scribbles, dots and
  lines from another random seed, letter templates training never used (held out), and
  overlapping digit pairs from the same writers;
* real letters (``--letters``): the DigiLeTs letters of the part's writers (split with the
  digits, so training never saw these hands). Only letters that do not look like a digit
  in many hands count as non-digits; :data:`lab.data.nondigits.DIGIT_LIKE_LETTERS`
  (O o I l i S s Z z B b g q G D T J j t y, chosen before any result was seen) are shown
  apart, for information.

    python -m lab.evaluate.doubt --unipen ../shared/data/unipen-digits \\
        --digilets ../shared/data/digilets-digits --letters ../shared/data/digilets-letters \\
        [--part val] [--model M] [--count 1000]

Prints the fraction of real digits flagged, accuracy on the accepted ones, the fraction
of each kind of non-digit flagged, and a sweep over thresholds.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.classifier import ModelLoadError, load_classifier
from digitcanvas.reading.doubt import DoubtReason, assess
from digitcanvas.reading.reader import Reader, Reading
from lab.console import fail
from lab.data import digilets, nondigits
from lab.data.unipen import PenSample, load_samples, select, to_canvas
from lab.evaluate.metrics import probabilities

MEASURE_SEED = 777  # differs from every seed training uses
SWEEP = (0.5, 0.7, 0.8, 0.9, 0.95)  # thresholds compared with the model's own


def flagged(readings: Sequence[Reading], threshold: float) -> NDArray[np.bool_]:
    """Which readings the app's rule calls "Not sure" at ``threshold``.

    A drawing the reader found too small stays flagged at every threshold.
    """
    return np.array(
        [
            not assess(d.probabilities, threshold, small=d.verdict.reason == DoubtReason.TOO_SMALL).sure
            for d in (r.digits[0] for r in readings)
        ],
        dtype=bool,
    )


def share(values: NDArray[np.bool_], digits: int = 2) -> str:
    """The fraction of True values as a percentage, or "n/a" for none."""
    return f"{values.mean():.{digits}%}" if len(values) else "n/a"


def real_letters(digits_path: str, letters_path: str, part: str) -> tuple[list[PenSample], list[str]]:
    """The DigiLeTs letters of one part's writers as pen samples, and their letters."""
    split = digilets.writer_split(s.writer for s in digilets.load_digits(digits_path))
    letters = [t for t in digilets.load_letters(letters_path) if split.get(t.writer) == part]
    return digilets.letters_to_samples(letters), [t.label for t in letters]


def letter_table(names: Sequence[str], flags: NDArray[np.bool_]) -> list[str]:
    """Flag rate per letter, the counted (non-digit-like) ones first."""
    by_letter: dict[str, list[bool]] = defaultdict(list)
    for name, flag in zip(names, flags, strict=True):
        by_letter[name].append(bool(flag))
    counted = sorted(n for n in by_letter if n not in nondigits.DIGIT_LIKE_LETTERS)
    excluded = sorted(n for n in by_letter if n in nondigits.DIGIT_LIKE_LETTERS)
    cells = [f"{n} {np.mean(by_letter[n]):.0%}" for n in counted]
    return [
        "Per letter (counted): " + ", ".join(cells),
        "",
        "Per letter (digit-like, not counted): " + ", ".join(f"{n} {np.mean(by_letter[n]):.0%}" for n in excluded),
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate.doubt", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unipen", required=True)
    parser.add_argument("--digilets", help="DigiLeTs digits folder: its writers' digits count as real digits too")
    parser.add_argument("--letters", help="DigiLeTs letters folder: the part's writers' letters (needs --digilets)")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--part", choices=["val", "test"], default="test")
    parser.add_argument("--count", type=int, default=1000, help="generated non-digits of each kind")
    parser.add_argument("--threshold", type=float, help="override the model's doubt threshold")
    args = parser.parse_args(argv)
    if args.letters and not args.digilets:
        parser.error("--letters needs --digilets (the letters' writers are split with the digits')")
    try:
        classifier = load_classifier(args.model, threads=0)
        sources = {"UNIPEN": select(load_samples(args.unipen), args.part)}
        if args.digilets:
            sources["DigiLeTs"] = digilets.select(digilets.load_digits(args.digilets), args.part)
        letters, letter_names = real_letters(args.digilets, args.letters, args.part) if args.letters else ([], [])
    except (ModelLoadError, OSError, ValueError) as e:
        return fail(str(e))
    reader = Reader(classifier)
    threshold = args.threshold if args.threshold is not None else classifier.doubt_threshold
    part = [s for samples in sources.values() for s in samples]
    labels = np.array([s.label for s in part])
    origin = np.array([name for name, samples in sources.items() for _ in samples])
    rng = np.random.default_rng(MEASURE_SEED)
    others = {
        kind: nondigits.generate(kind, args.count, rng, letters=nondigits.HELD_OUT_LETTERS, samples=part)
        for kind in nondigits.KINDS
    }

    digit_readings = reader.read_drawings([to_canvas(s) for s in part])
    predicted = probabilities(digit_readings).argmax(axis=1)
    other_readings = {kind: reader.read_drawings(drawings) for kind, drawings in others.items()}
    letter_readings = reader.read_drawings([to_canvas(s) for s in letters])
    counted = np.array([n not in nondigits.DIGIT_LIKE_LETTERS for n in letter_names], dtype=bool)
    digit_flags = flagged(digit_readings, threshold)
    accepted = ~digit_flags
    print(f"# Not sure: {classifier.describe()}, threshold {threshold:.3f}\n")
    print(
        f"Real drawn digits ({args.part} writers, {len(part):,}): **{digit_flags.mean():.2%} flagged**; "
        f"accuracy on the accepted {share(predicted[accepted] == labels[accepted])} "
        f"(all: {(predicted == labels).mean():.2%}).\n"
    )
    if len(sources) > 1:
        print("| real digits | count | flagged | accepted accuracy |\n|---|---:|---:|---:|")
        for name in sources:
            mine = origin == name
            ok = mine & accepted
            print(
                f"| {name} | {mine.sum():,} | {digit_flags[mine].mean():.2%} | {share(predicted[ok] == labels[ok])} |"
            )
        print()
    print("| non-digits | count | flagged |\n|---|---:|---:|")
    all_flags = []
    for kind, readings in other_readings.items():
        f = flagged(readings, threshold)
        all_flags.append(f)
        name = f"letters ({' '.join(nondigits.HELD_OUT_LETTERS)})" if kind == "letter" else kind
        print(f"| {name} | {len(f)} | {f.mean():.1%} |")
    print(f"| **all generated** | {sum(len(f) for f in all_flags)} | **{np.concatenate(all_flags).mean():.1%}** |")
    if letters:
        lf = flagged(letter_readings, threshold)
        print(
            f"| **real letters, non-digit-like** ({args.part} writers) | {counted.sum()} | "
            f"**{share(lf[counted], 1)}** |"
        )
        print(f"| real letters, digit-like (not counted) | {(~counted).sum()} | {share(lf[~counted], 1)} |\n")
        print("\n".join(letter_table(letter_names, lf)))
    else:
        print()

    # How the trade-off moves with the threshold (same readings).
    other_all = [r for readings in other_readings.values() for r in readings]
    counted_letters = [r for r, c in zip(letter_readings, counted, strict=True) if c]
    print(
        "| threshold | digits flagged | accepted accuracy | generated non-digits flagged | real letters flagged |\n"
        "|---:|---:|---:|---:|---:|"
    )
    for t in (*SWEEP, threshold):
        f = flagged(digit_readings, t)
        acc = share(predicted[~f] == labels[~f])
        real = share(flagged(counted_letters, t), 1)
        print(f"| {t:.3f} | {f.mean():.2%} | {acc} | {flagged(other_all, t).mean():.1%} | {real} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
