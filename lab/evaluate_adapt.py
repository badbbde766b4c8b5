"""Measure "Adapt to my handwriting" on simulated users: writers the model never saw.

    python -m lab.evaluate_adapt --unipen ../shared/data/unipen-digits \
        --digilets ../shared/data/digilets-digits [--part val|test] [--grid]

Each writer of the part is one user. **Kept examples**: with k = 1, 2, 3 kept drawings
per digit (drawn at random, ``--repeats`` times), the writer's other digits are read by
the model alone and adapted (:mod:`digitcanvas.adapt`); the report gives the error of
both, the relative reduction (pooled over writers) and how many writers got worse.
**Corrections**: the writer's first 50 digits in a shuffled order; each misread digit
is corrected (kept with its true label) as it happens, and adaptation is refitted
before the next one; errors over the 50, base against adapted, for the writers the base
model misreads at least once. ``--grid`` sweeps the bandwidth and blend (use with
``--part val``: that is how the defaults were chosen).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas import adapt
from digitcanvas.inference import ModelLoadError, load_classifier
from digitcanvas.reader import Reader
from lab import digilets
from lab.common import fail, log, probabilities, read_drawings
from lab.unipen import PenSample, load_samples, select, to_canvas

SEED = 2026
KS = (1, 2, 3)
SEQUENCE = 50  # digits per writer in the corrections scenario


@dataclass
class Writer:
    name: str
    labels: NDArray[np.int64]
    probabilities: NDArray[np.float64]  # the model's, (N, 10)
    features: NDArray[np.float64]  # (N, D)


def writers_of(reader: Reader, samples: Sequence[PenSample]) -> list[Writer]:
    """Every writer's digits read once by the model, with their features."""
    by_writer: dict[str, list[PenSample]] = defaultdict(list)
    for s in samples:
        by_writer[s.writer_key].append(s)
    out = []
    for name, own in sorted(by_writer.items()):
        drawings = [to_canvas(s) for s in own]
        readings = read_drawings(reader, drawings)
        probs = probabilities(readings)
        images = np.stack([r.digits[0].image for r in readings])
        embedded = reader.classifier.embeddings(images)
        features = embedded if embedded is not None else adapt.logit_features(probs)
        out.append(Writer(name, np.array([s.label for s in own]), probs, features))
    return out


def kept_examples(writers: Sequence[Writer], k: int, repeats: int, h: float, blend: float) -> dict[str, float]:
    rng = np.random.default_rng(SEED + k)
    base_errors = adapted_errors = total = 0
    worse = better = eligible = 0
    for w in writers:
        per_digit = [np.flatnonzero(w.labels == d) for d in range(10)]
        if any(len(ix) <= k for ix in per_digit):
            continue  # needs k kept and at least one other drawing of every digit
        eligible += 1
        base_w = adapted_w = 0
        for _ in range(repeats):
            kept = np.concatenate([rng.choice(ix, k, replace=False) for ix in per_digit])
            rest = np.setdiff1d(np.arange(len(w.labels)), kept)
            model = adapt.fit(w.features[kept], w.labels[kept], bandwidth=h, blend=blend)
            adjusted = model.adjust(w.features[rest], w.probabilities[rest])
            base_w += int((w.probabilities[rest].argmax(axis=1) != w.labels[rest]).sum())
            adapted_w += int((adjusted.argmax(axis=1) != w.labels[rest]).sum())
            total += len(rest)
        base_errors += base_w
        adapted_errors += adapted_w
        worse += adapted_w > base_w
        better += adapted_w < base_w
    return {
        "writers": eligible,
        "base_error": base_errors / max(total, 1),
        "adapted_error": adapted_errors / max(total, 1),
        "reduction": 1 - adapted_errors / base_errors if base_errors else 0.0,
        "worse": worse,
        "better": better,
    }


def corrections(writers: Sequence[Writer], h: float, blend: float) -> dict[str, float]:
    rng = np.random.default_rng(SEED)
    base_total = adapted_total = misread = 0
    for w in writers:
        if len(w.labels) < SEQUENCE:
            continue
        order = rng.permutation(len(w.labels))[:SEQUENCE]
        base = int((w.probabilities[order].argmax(axis=1) != w.labels[order]).sum())
        if base == 0:
            continue
        misread += 1
        kept: list[int] = []
        errors = 0
        for i in order:
            model = adapt.fit(w.features[kept], w.labels[kept], bandwidth=h, blend=blend)
            p = model.adjust(w.features[i : i + 1], w.probabilities[i : i + 1]) if kept else w.probabilities[i : i + 1]
            if int(p.argmax()) != w.labels[i]:
                errors += 1
                kept.append(int(i))  # the user corrects it: kept with its true label
        base_total += base
        adapted_total += errors
    return {"writers": misread, "base_errors": base_total, "adapted_errors": adapted_total}


def report(name: str, writers: Sequence[Writer], repeats: int, h: float, blend: float) -> list[str]:
    lines = [
        f"### {name}: {len(writers)} writers",
        "",
        "| kept per digit | writers | base error | adapted | reduction | worse | better |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k in KS:
        r = kept_examples(writers, k, repeats, h, blend)
        lines.append(
            f"| {k} | {r['writers']} | {r['base_error']:.2%} | {r['adapted_error']:.2%} | {r['reduction']:.0%} "
            f"| {r['worse']} | {r['better']} |"
        )
    c = corrections(writers, h, blend)
    lines += [
        "",
        f"Corrections over the first {SEQUENCE} digits, {c['writers']} writers the model misreads: "
        f"{c['base_errors']} errors without adaptation, {c['adapted_errors']} with it.",
        "",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.evaluate_adapt", description=__doc__.splitlines()[0])
    parser.add_argument("--unipen", help="UNIPEN digits folder")
    parser.add_argument("--digilets", help="DigiLeTs digits folder")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--part", choices=["val", "test"], default="val")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--grid", action="store_true", help="sweep bandwidth and blend")
    args = parser.parse_args(argv)
    if not args.unipen and not args.digilets:
        return fail("give --unipen and/or --digilets")
    try:
        reader = Reader(load_classifier(args.model))
    except ModelLoadError as e:
        return fail(str(e))
    sources = []
    if args.digilets:
        sources.append(("DigiLeTs", digilets.select(digilets.load_digits(args.digilets), args.part)))
    if args.unipen:
        sources.append(("UNIPEN", select(load_samples(args.unipen), args.part)))
    kind = "embedding" if reader.classifier.embedding_output else "log-probabilities (no embedding output)"
    print(f"# Adaptation, {args.part} writers, model {reader.classifier.describe()}, features: {kind}\n")
    for name, samples in sources:
        log(f"reading {len(samples)} {name} digits")
        writers = writers_of(reader, samples)
        if args.grid:
            print(f"### {name} grid (k = 1): bandwidth, blend → reduction, worse\n")
            for h in (0.02, 0.05, 0.1, 0.2):
                for blend in (0.5, 0.8, 1.0):
                    r = kept_examples(writers, 1, args.repeats, h, blend)
                    c = corrections(writers, h, blend)
                    print(
                        f"- h={h} λ={blend}: reduction {r['reduction']:.0%}, worse {r['worse']}/{r['writers']}; "
                        f"corrections {c['base_errors']} → {c['adapted_errors']}"
                    )
            print()
        else:
            print("\n".join(report(name, writers, args.repeats, adapt.BANDWIDTH, adapt.BLEND)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
