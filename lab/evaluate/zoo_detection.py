"""How DigitCanvas meets each model of a zoo with no flags (issue #25): the convention (and,
for 32 × 32 models, the fit) it detects against the one the model was trained with, its
MNIST accuracy as DigitCanvas reads it against its accuracy fed in its own convention, the
share of clean digits it calls "Not sure", and the load time with detection.

    python -m lab.evaluate.zoo_detection --data ../shared/data/mnist --manifest runs/zoo2/manifest.json \
        [--models runs/zoo2/models] [--count 10000] [--only TEXT]

The manifest is the one :mod:`lab.evaluate.build_zoo.sh`'s builders write. Both accuracies
go through DigitCanvas's own :class:`~digitcanvas.model.classifier.Classifier`: once as it
loads the file, once with the trained convention given, so only the convention differs.
The targets: the trained convention detected, within 0.3 points, at most 5 % "Not sure".
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.classifier import Classifier, ModelLoadError
from digitcanvas.model.conventions import PRESETS_BY_KEY
from digitcanvas.model.info import Fit, InputScaling
from digitcanvas.model.shapes import FIELD
from digitcanvas.training.mnist_data import MnistError, load_split
from lab.console import fail, log
from lab.evaluate.zoo_common import Entry, ZooError, read_manifest

BATCH = 250  # images per call
GAP_TARGET = 0.3  # points of MNIST accuracy
NOT_SURE_TARGET = 0.05  # share of the clean test digits


@dataclass(frozen=True)
class Row:
    file: str
    trained: str  # the convention key, with ",fit=resize" or ",fit=pad" for a 32 × 32 model
    detected: str
    own: float  # accuracy fed in the trained convention
    read: float  # accuracy as DigitCanvas reads the file with no flags
    not_sure: float
    load_s: float

    @property
    def exact(self) -> bool:
        return self.trained == self.detected

    @property
    def gap(self) -> float:
        return 100 * (self.own - self.read)


def accuracy(classifier: Classifier, images: NDArray[np.float32], labels: NDArray[np.uint8]) -> tuple[float, float]:
    """(accuracy, share below the model's "Not sure" threshold)."""
    probabilities = np.concatenate(
        [classifier.predict_proba(images[i : i + BATCH]) for i in range(0, len(images), BATCH)]
    )
    right = float((probabilities.argmax(axis=1) == labels).mean())
    return right, float((probabilities.max(axis=1) < classifier.doubt_threshold).mean())


def trained_scaling(entry: Entry, side: int) -> InputScaling:
    scaling = PRESETS_BY_KEY[entry.convention].scaling
    return scaling if side == FIELD else replace(scaling, fit=Fit.PAD if entry.pad else Fit.RESIZE)


def judge(path: Path, entry: Entry, images: NDArray[np.float32], labels: NDArray[np.uint8]) -> Row:
    started = time.perf_counter()
    classifier = Classifier(path)
    load_s = time.perf_counter() - started
    side = classifier.layout.side
    detection = classifier.detection
    detected = detection.preset.key if detection and classifier.input_source == "detected" else classifier.input_source
    fit = "" if side == FIELD else f",fit={classifier.scaling.fit}"
    read, not_sure = accuracy(classifier, images, labels)
    own, _ = accuracy(Classifier(path, scaling=trained_scaling(entry, side)), images, labels)
    trained_fit = "" if side == FIELD else f",fit={'pad' if entry.pad else 'resize'}"
    return Row(path.name, entry.convention + trained_fit, detected + fit, own, read, not_sure, load_s)


def report(rows: Sequence[Row]) -> str:
    lines = [
        "| model | trained | detected | own | DigitCanvas | gap (points) | not sure | load + detect |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        mark = "" if r.exact else " **≠**"
        lines.append(
            f"| {r.file} | {r.trained} | {r.detected}{mark} | {r.own:.2%} | {r.read:.2%} | {r.gap:+.2f} | "
            f"{r.not_sure:.1%} | {r.load_s:.2f} s |"
        )
    if rows:
        loads = [r.load_s for r in rows]
        lines += [
            "",
            f"- detected as trained: {sum(r.exact for r in rows)} of {len(rows)}",
            f"- within {GAP_TARGET} points of their own accuracy: {sum(abs(r.gap) <= GAP_TARGET for r in rows)} of "
            f"{len(rows)}; largest gap {max(r.gap for r in rows):+.2f}",
            f'- "Not sure" on at most {NOT_SURE_TARGET:.0%} of the clean digits: '
            f"{sum(r.not_sure <= NOT_SURE_TARGET for r in rows)} of {len(rows)} "
            f"(median {statistics.median(r.not_sure for r in rows):.1%}, "
            f"largest {max(r.not_sure for r in rows):.1%})",
            f"- load + detection: median {statistics.median(loads):.2f} s, largest {max(loads):.2f} s",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m lab.evaluate.zoo_detection", description=__doc__.split("\n\n")[0])
    cli.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    cli.add_argument("--manifest", default="runs/zoo/manifest.json", help="the manifest the builders wrote")
    cli.add_argument("--models", help="folder of the model files (default: models beside the manifest)")
    cli.add_argument("--count", type=int, default=10_000, help="MNIST test images (default: all)")
    cli.add_argument("--only", default="", help="only the models whose file name contains this")
    args = cli.parse_args(argv)
    manifest = Path(args.manifest)
    models = Path(args.models) if args.models else manifest.parent / "models"
    try:
        known = {f.name for f in fields(Entry)}  # zoo_check adds what onnxruntime says of each file
        entries = [Entry(**{k: v for k, v in m.items() if k in known}) for m in read_manifest(manifest)["models"]]
        test = load_split(args.data, "test")
    except (ZooError, MnistError, OSError, TypeError) as e:
        return fail(str(e))
    images = (test.images[: args.count] / np.float32(255)).astype(np.float32)
    labels = test.labels[: args.count]
    rows = []
    for entry in entries:
        if args.only not in entry.file:
            continue
        try:
            rows.append(judge(models / entry.file, entry, images, labels))
        except ModelLoadError as e:
            log(f"{entry.file}: does not load: {e}")
    print(report(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
