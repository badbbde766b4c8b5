"""Accuracy per source (MNIST, UNIPEN, DigiLeTs), through exactly the app's path.

Pen digits are laid on a canvas of the app's default size, drawn at a typical size with
the app's on-screen pen (points rounded to pixels, like mouse input), then read by the
app's own reader (preprocessing and inference). MNIST images are read as arrays. Writers
are split into train / val / test (UNIPEN by source + writer, DigiLeTs 30 / 8 / 12);
develop on ``--part val`` and count ``--part test`` once, at the end.

Each pen source also gets a "coarse" row: every drawing reduced to about 15 points per
digit, evenly spaced in time, as a device that reports ~10 points per second records it.

    python -m lab.evaluate.drawn --mnist ../shared/data/mnist --unipen ../shared/data/unipen-digits \\
        --digilets ../shared/data/digilets-digits [--part val] [--robustness]
    python -m lab.evaluate.drawn --collection ~/my-digits   # score a personal collection
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.collection.folder import scan_collection
from digitcanvas.drawing.strokes import DEFAULT_PEN_WIDTH, DrawingFileError
from digitcanvas.model.classifier import Classifier, ModelLoadError, load_classifier
from digitcanvas.reading.preprocessing import PenMode, PreprocessOptions
from digitcanvas.reading.reader import Reader
from digitcanvas.training.mnist_data import MnistError, load_split
from digitcanvas.util.files import describe_os_error
from lab.console import fail
from lab.data import digilets, unipen
from lab.data.augment_strokes import COARSE_POINTS, coarsen
from lab.data.unipen import DEFAULT_CANVAS, DRAW_HEIGHT_FRACTION, PenSample, to_canvas
from lab.evaluate.metrics import Scores, confusion_image, markdown_scores, probabilities, score
from lab.paths import REPORTS_DIR
from lab.train.data import mnist_split

TOP_CONFUSIONS = 3  # pairs named in the summary table


@dataclass(frozen=True)
class Setting:
    name: str
    canvas: tuple[int, int] = DEFAULT_CANVAS
    pen_width: float = DEFAULT_PEN_WIDTH
    height_fraction: float = DRAW_HEIGHT_FRACTION
    pen_mode: PenMode = PenMode.MNIST
    points: int = 0  # > 0: every drawing coarsened to about this many points first


@dataclass
class SourceResult:
    name: str
    scores: Scores
    writers: dict[str, tuple[int, float]] = field(default_factory=dict)  # writer -> (digits, accuracy)
    rows: list[tuple[str, Scores]] = field(default_factory=list)  # coarse and robustness settings

    def worst_writer(self) -> str:
        if not self.writers:
            return "n/a (no writer ids)"
        name, (count, acc) = min(self.writers.items(), key=lambda item: (item[1][1], item[0]))
        return f"{acc:.2%} ({name}, {count} digits)"


def evaluate_setting(
    classifier: Classifier, samples: Sequence[PenSample], setting: Setting
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Probabilities (N, 10) and labels (N,) of pen samples drawn and read under ``setting``."""
    drawings = [
        to_canvas(
            coarsen(s, setting.points) if setting.points else s,
            canvas=setting.canvas,
            height_fraction=setting.height_fraction,
            pen_width=setting.pen_width,
        )
        for s in samples
    ]
    reader = Reader(classifier, PreprocessOptions(pen_mode=setting.pen_mode))
    probs = probabilities(reader.read_drawings(drawings))
    return probs, np.asarray([s.label for s in samples], dtype=np.int64)


def per_writer(samples: Sequence[PenSample], correct: NDArray[np.bool_]) -> dict[str, tuple[int, float]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(samples):
        groups[s.writer_key].append(i)
    return {w: (len(idx), float(correct[idx].mean())) for w, idx in groups.items()}


def evaluate_pen(
    classifier: Classifier, name: str, samples: Sequence[PenSample], base: Setting, *, robustness: bool
) -> SourceResult:
    probs, labels = evaluate_setting(classifier, samples, base)
    result = SourceResult(name, score(probs, labels), per_writer(samples, probs.argmax(axis=1) == labels))
    variants = [Setting(f"coarse (~{COARSE_POINTS} points per digit)", *_fields(base), points=COARSE_POINTS)]
    if robustness:
        canvas, pen, fraction, mode = _fields(base)
        variants += [
            Setting("pen width halved", canvas, pen / 2, fraction, mode),
            Setting("pen width doubled", canvas, pen * 2, fraction, mode),
            Setting("drawn at half the size", canvas, pen, fraction / 2, mode),
            Setting("screen pen mode (bitmap-like)", canvas, pen, fraction, PenMode.SCREEN),
        ]
    for variant in variants:
        result.rows.append((variant.name, score(*evaluate_setting(classifier, samples, variant))))
    return result


def _fields(setting: Setting) -> tuple[tuple[int, int], float, float, PenMode]:
    return setting.canvas, setting.pen_width, setting.height_fraction, setting.pen_mode


def evaluate_mnist(classifier: Classifier, folder: str, part: str, *, verify: bool) -> SourceResult:
    """MNIST as arrays: the test images, or for ``val`` the held-out training images."""
    if part == "test":
        split = load_split(folder, "test", verify=verify)
        images, labels = split.images, split.labels
    else:
        split = load_split(folder, "train", verify=verify)
        val_idx, train_idx = mnist_split(len(split.labels))
        idx = val_idx if part == "val" else train_idx
        images, labels = split.images[idx], split.labels[idx]
    probs = probabilities(Reader(classifier).read_images28(images.astype(np.float32) / 255.0))
    return SourceResult("MNIST", score(probs, labels.astype(np.int64)))


def summary(results: Sequence[SourceResult]) -> list[str]:
    lines = [
        "| source | setting | digits | writers | accuracy | ECE | worst writer | top confusions |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        pairs = ", ".join(f"{t}→{p} ({n})" for t, p, n in r.scores.most_confused(TOP_CONFUSIONS)) or "none"
        writers = f"{len(r.writers)}" if r.writers else "n/a"
        lines.append(
            f"| **{r.name}** | as drawn | {r.scores.count:,} | {writers} | **{r.scores.accuracy:.2%}** | "
            f"{r.scores.ece:.2%} | {r.worst_writer()} | {pairs} |"
        )
        for name, s in r.rows:
            delta = (s.accuracy - r.scores.accuracy) * 100
            lines.append(f"| {r.name} | {name} | {s.count:,} | | {s.accuracy:.2%} ({delta:+.2f}) | {s.ece:.2%} | | |")
    return lines


def report(results: Sequence[SourceResult], part: str, classifier: Classifier, setting: Setting) -> list[str]:
    lines = [
        f"# Drawn digits per source ({part} writers): {classifier.describe()}",
        "",
        f"Pen digits laid on a {setting.canvas[0]}×{setting.canvas[1]} canvas, {setting.height_fraction:.0%} "
        f"of its height, on-screen pen {setting.pen_width:g} px, points rounded to pixels, preprocessing pen "
        f"mode `{setting.pen_mode.value}`; MNIST read as arrays. Coarse: every digit reduced to about "
        f"{COARSE_POINTS} points evenly spaced in time (the change in points is in brackets).",
        "",
        *summary(results),
        "",
    ]
    for r in results:
        lines += [f"## {r.name}", "", f"![confusion matrix]({{png:{r.name}}})", ""]
        if r.writers:
            worst = sorted(r.writers.items(), key=lambda item: (item[1][1], item[0]))[:5]
            lines += ["Worst writers: " + ", ".join(f"{w} {a:.1%} of {n}" for w, (n, a) in worst), ""]
        lines += [markdown_scores(r.scores)]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate.drawn", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mnist", help="folder with the MNIST IDX files")
    parser.add_argument("--unipen", help="UNIPEN digits folder or digits.jsonl.gz")
    parser.add_argument("--digilets", help="DigiLeTs digits folder or digits.jsonl.gz")
    parser.add_argument("--collection", help="score a folder of labelled drawing files instead")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--part", choices=["train", "val", "test"], default="test", help="writer-disjoint part")
    parser.add_argument("--canvas", default=f"{DEFAULT_CANVAS[0]}x{DEFAULT_CANVAS[1]}", help="canvas size WxH")
    parser.add_argument("--pen-width", type=float, default=DEFAULT_PEN_WIDTH, help="on-screen pen width (px)")
    parser.add_argument("--height-fraction", type=float, default=DRAW_HEIGHT_FRACTION, help="digit height / canvas")
    parser.add_argument("--pen-mode", choices=[m.value for m in PenMode], default=PenMode.MNIST.value)
    parser.add_argument("--robustness", action="store_true", help="also: pen width halved and doubled, half size")
    parser.add_argument("--no-verify", action="store_true", help="skip the MNIST MD5 check (test data only)")
    parser.add_argument("--out", default=str(REPORTS_DIR), help="folder for the Markdown report and PNGs")
    args = parser.parse_args(argv)
    try:
        classifier = load_classifier(args.model, threads=0)
    except ModelLoadError as e:
        return fail(str(e))
    if args.collection:
        return score_collection(classifier, args.collection)
    if not (args.mnist or args.unipen or args.digilets):
        parser.error("give --mnist, --unipen or --digilets (or --collection)")

    width, height = (int(v) for v in args.canvas.lower().split("x"))
    base = Setting("as given", (width, height), args.pen_width, args.height_fraction, PenMode(args.pen_mode))
    pen_sources: list[tuple[str, Callable[[], list[PenSample]]]] = []
    if args.unipen:
        pen_sources.append(("UNIPEN", lambda: unipen.select(unipen.load_samples(args.unipen), args.part)))
    if args.digilets:
        pen_sources.append(("DigiLeTs", lambda: digilets.select(digilets.load_digits(args.digilets), args.part)))
    results: list[SourceResult] = []
    try:
        if args.mnist:
            results.append(evaluate_mnist(classifier, args.mnist, args.part, verify=not args.no_verify))
        for name, load in pen_sources:
            results.append(evaluate_pen(classifier, name, load(), base, robustness=args.robustness))
    except (MnistError, OSError, ValueError) as e:
        return fail(str(e))

    out = Path(args.out)
    stem = f"drawn-{args.part}-{classifier.path.stem}"
    text = "\n".join(report(results, args.part, classifier, base))
    try:
        out.mkdir(parents=True, exist_ok=True)
        for r in results:
            png = out / f"{stem}-{r.name.lower()}-confusion.png"
            confusion_image(r.scores.confusion, str(png), title=f"{r.name} {args.part}: {classifier.describe()}")
            text = text.replace(f"{{png:{r.name}}}", png.name)
        (out / f"{stem}.md").write_text(text)
    except OSError as e:
        return fail(f"{out}: cannot write the report ({describe_os_error(e)})")
    print(text)
    print(f"wrote {out / (stem + '.md')} and {len(results)} confusion images", file=sys.stderr)
    return 0


def score_collection(classifier: Classifier, folder: str) -> int:
    try:
        scan = scan_collection(folder)
    except DrawingFileError as e:
        return fail(str(e))
    for problem in scan.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if not scan.drawings:
        return fail(f"{folder}: no labelled drawings")
    probs = probabilities(Reader(classifier).read_drawings(scan.drawings))
    labels = np.asarray([d.label for d in scan.drawings], dtype=np.int64)
    scores = score(probs, labels)
    print(f"# Collection {folder}: {classifier.describe()}\n")
    print(f"- **Accuracy: {scores.accuracy:.2%}** on {scores.count} drawings; ECE {scores.ece:.2%}\n")
    print(markdown_scores(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
