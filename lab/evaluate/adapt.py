"""Measure "Adapt to my handwriting" on simulated users: writers the model never saw.

    python -m lab.evaluate.adapt --unipen ../shared/data/unipen-digits \
        --digilets ../shared/data/digilets-digits [--part val|test] [--grid]

Each writer of the part is one user. **Kept examples**: with k = 1, 2, 3 kept drawings
per digit (drawn at random, ``--repeats`` times), the writer's other digits are read by
the model alone and adapted (:mod:`digitcanvas.reading.adaptation`); the report gives the error of
both, the relative reduction (pooled over writers) and how many writers got worse.
**Corrections**: the writer's first 50 digits in a shuffled order; each misread digit
is corrected (kept with its true label) as it happens, and adaptation is refitted
before the next one; errors over the 50, base against adapted, for the writers the base
model misreads at least once. ``--features`` picks what the kernel vote compares: the
model's ``embedding`` output or its centred log-probabilities (``logits``, what a model
without an embedding gets); by default what the app uses for the model. ``--grid`` sweeps
the bandwidth and blend for each kind of feature the model has (use with ``--part val``:
that is how the defaults were chosen). ``--output`` writes the report, headed by the
command line, to a markdown file as well as to stdout.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.classifier import ModelLoadError, load_classifier
from digitcanvas.reading import adaptation as adapt
from digitcanvas.reading.reader import Reader
from lab.console import fail, log
from lab.data import digilets
from lab.data.unipen import PenSample, load_samples, select, to_canvas
from lab.evaluate.metrics import expected_calibration_error, probabilities

SEED = 2026
KS = (1, 2, 3)
SEQUENCE = 50  # digits per writer in the corrections scenario
EMBEDDING, LOGITS = "embedding", "logits"  # the kinds of feature the kernel vote can compare
GRID_BANDWIDTHS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
GRID_BLENDS = (0.5, 0.8, 1.0)


@dataclass
class Writer:
    name: str
    labels: NDArray[np.int64]
    probabilities: NDArray[np.float64]  # the model's, (N, 10)
    features: NDArray[np.float64]  # (N, D), the kind in use
    by_kind: dict[str, NDArray[np.float64]]  # every kind of feature the model gives

    def using(self, kind: str) -> Writer:
        """The same writer, its features of ``kind`` in use."""
        return Writer(self.name, self.labels, self.probabilities, self.by_kind[kind], self.by_kind)


def writers_of(reader: Reader, samples: Sequence[PenSample]) -> list[Writer]:
    """Every writer's digits read once by the model, with their features of every kind
    (the embedding first when the model has one, in use)."""
    by_writer: dict[str, list[PenSample]] = defaultdict(list)
    for s in samples:
        by_writer[s.writer_key].append(s)
    out = []
    for name, own in sorted(by_writer.items()):
        drawings = [to_canvas(s) for s in own]
        readings = reader.read_drawings(drawings)
        probs = probabilities(readings)
        images = np.stack([r.digits[0].image for r in readings])
        by_kind = {LOGITS: adapt.logit_features(probs)}
        embedded = reader.classifier.embeddings(images)
        if embedded is not None:
            by_kind = {EMBEDDING: embedded, **by_kind}
        out.append(Writer(name, np.array([s.label for s in own]), probs, next(iter(by_kind.values())), by_kind))
    return out


def kept_examples(writers: Sequence[Writer], k: int, repeats: int, h: float, blend: float) -> dict[str, float]:
    rng = np.random.default_rng(SEED + k)
    base_errors = adapted_errors = total = reachable = 0
    worse = better = eligible = 0
    read: list[NDArray[np.float64]] = []  # every adapted reading, its base and its label, for calibration
    based: list[NDArray[np.float64]] = []
    truth: list[NDArray[np.int64]] = []
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
            read.append(adjusted)
            based.append(w.probabilities[rest])
            truth.append(w.labels[rest])
            misread = rest[w.probabilities[rest].argmax(axis=1) != w.labels[rest]]
            reachable += nearest_kept_right(w, kept, misread)
            base_w += len(misread)
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
        "reach": reachable / base_errors if base_errors else 0.0,
        "worse": worse,
        "better": better,
        "base_ece": expected_calibration_error(np.concatenate(based), np.concatenate(truth)) if truth else 0.0,
        "adapted_ece": expected_calibration_error(np.concatenate(read), np.concatenate(truth)) if truth else 0.0,
    }


def nearest_kept_right(writer: Writer, kept: NDArray[np.int64], misread: NDArray[np.int64]) -> int:
    """Of the ``misread`` drawings, how many have a nearest kept drawing (by feature cosine) with
    their true label: the most that any vote of the kept drawings could set right."""
    if len(misread) == 0:
        return 0
    similarity = adapt.unit_rows(writer.features[misread]) @ adapt.unit_rows(writer.features[kept]).T
    nearest = kept[similarity.argmax(axis=1)]
    return int(np.count_nonzero(writer.labels[nearest] == writer.labels[misread]))


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


def _writers(count: float) -> str:
    return f"{count:.0f} writer" if count == 1 else f"{count:.0f} writers"


def report(name: str, writers: Sequence[Writer], repeats: int, h: float, blend: float) -> list[str]:
    lines = [
        f"### {name}: {len(writers)} writers",
        "",
        "| kept per digit | writers | base error | adapted | reduction | worse | better | ECE, base → adapted "
        "| reach |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k in KS:
        r = kept_examples(writers, k, repeats, h, blend)
        lines.append(
            f"| {k} | {r['writers']} | {r['base_error']:.2%} | {r['adapted_error']:.2%} | {r['reduction']:.0%} "
            f"| {r['worse']} | {r['better']} | {r['base_ece']:.2%} → {r['adapted_ece']:.2%} | {r['reach']:.0%} |"
        )
    c = corrections(writers, h, blend)
    lines += [
        "",
        "Writers: those with more than k drawings of every digit (k kept, the rest read); worse, better: "
        "writers with more or fewer errors adapted than not, over all repeats; reach: the share of the model's "
        "errors whose nearest kept drawing has the right label, the most a vote of the kept drawings by "
        "nearness can set right.",
        "",
        f"Corrections over the first {SEQUENCE} digits, {_writers(c['writers'])} the model misreads: "
        f"{c['base_errors']} errors without adaptation, {c['adapted_errors']} with it.",
        "",
    ]
    return lines


def grid(name: str, writers: Sequence[Writer], kinds: Sequence[str], repeats: int) -> list[str]:
    """Every bandwidth and blend of the grid for each kind of feature, k = 1 and k = 3."""
    lines = [
        f"### {name} grid: {len(writers)} writers",
        "",
        "| features | h | λ | k=1 error, base → adapted | k=1 reduction | k=1 worse | k=1 ECE, base → adapted "
        "| k=3 reduction | k=3 worse | corrections |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in kinds:
        own = [w.using(kind) for w in writers]
        for h in GRID_BANDWIDTHS:
            for blend in GRID_BLENDS:
                one = kept_examples(own, 1, repeats, h, blend)
                three = kept_examples(own, 3, repeats, h, blend)
                c = corrections(own, h, blend)
                lines.append(
                    f"| {kind} | {h} | {blend} | {one['base_error']:.2%} → {one['adapted_error']:.2%} "
                    f"| {one['reduction']:.0%} | {one['worse']}/{one['writers']} "
                    f"| {one['base_ece']:.2%} → {one['adapted_ece']:.2%} "
                    f"| {three['reduction']:.0%} | {three['worse']}/{three['writers']} "
                    f"| {c['base_errors']} → {c['adapted_errors']} |"
                )
    return [*lines, ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.evaluate.adapt", description=__doc__.splitlines()[0])
    parser.add_argument("--unipen", help="UNIPEN digits folder")
    parser.add_argument("--digilets", help="DigiLeTs digits folder")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--part", choices=["val", "test"], default="val")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--features",
        choices=[EMBEDDING, LOGITS],
        help="what the kernel vote compares (default: the embedding when the model has one, as the app does)",
    )
    parser.add_argument("--bandwidth", type=float, default=adapt.BANDWIDTH, help="h (default: the app's)")
    parser.add_argument("--blend", type=float, default=adapt.BLEND, help="λ (default: the app's)")
    parser.add_argument("--grid", action="store_true", help="sweep bandwidth and blend")
    parser.add_argument("--output", type=Path, help="also write the report to this markdown file")
    args = parser.parse_args(argv)
    if not args.unipen and not args.digilets:
        return fail("give --unipen and/or --digilets")
    try:
        reader = Reader(load_classifier(args.model))
    except ModelLoadError as e:
        return fail(str(e))
    if args.features == EMBEDDING and reader.classifier.embedding_output is None:
        return fail(f"{reader.classifier.path}: the model has no {EMBEDDING!r} output")
    sources = []
    if args.digilets:
        sources.append(("DigiLeTs", digilets.select(digilets.load_digits(args.digilets), args.part)))
    if args.unipen:
        sources.append(("UNIPEN", select(load_samples(args.unipen), args.part)))
    available = [EMBEDDING, LOGITS] if reader.classifier.embedding_output else [LOGITS]
    kinds = [args.features] if args.features else available
    command = shlex.join(["python", "-m", "lab.evaluate.adapt", *(sys.argv[1:] if argv is None else argv)])
    lines = [
        f"# Adaptation, {args.part} writers, model {reader.classifier.describe()}",
        "",
        f"    {command}",
        "",
    ]
    if not args.grid:
        lines += [f"Features: {kinds[0]}; bandwidth h = {args.bandwidth}, blend λ = {args.blend}.", ""]
    print("\n".join(lines))
    for name, samples in sources:
        log(f"reading {len(samples)} {name} digits")
        writers = writers_of(reader, samples)
        if args.grid:
            part = grid(name, writers, kinds, args.repeats)
        else:
            part = report(name, [w.using(kinds[0]) for w in writers], args.repeats, args.bandwidth, args.blend)
        print("\n".join(part), flush=True)
        lines += part
    if args.output:
        args.output.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
        log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
