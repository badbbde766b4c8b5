"""Accuracy on real pen-written digits (UNIPEN), through exactly the app's path.

Each sample's strokes are laid on a canvas of the app's default size, drawn at a typical
size with a given on-screen pen width (points rounded to pixels, like mouse input), then
read by the app's own reader (preprocessing and inference). Writers are split
(source + writer) into train / val / test; report the test part.

    python -m lab.evaluate_drawn --unipen ../shared/data/unipen-digits [--part test]
    python -m lab.evaluate_drawn --unipen ... --robustness   # pen ×½, ×2, half size
    python -m lab.evaluate_drawn --collection ~/my-digits   # score a personal collection
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.collection import scan_collection
from digitcanvas.drawing import DEFAULT_PEN_WIDTH, DrawingFileError
from digitcanvas.fileio import describe_os_error
from digitcanvas.inference import Classifier, ModelLoadError, load_classifier
from digitcanvas.preprocessing import PenMode, PreprocessOptions
from digitcanvas.reader import Reader
from lab.common import REPORTS_DIR, fail, probabilities, read_drawings
from lab.metrics import Scores, confusion_image, markdown_scores, score
from lab.unipen import DEFAULT_CANVAS, DRAW_HEIGHT_FRACTION, PenSample, load_samples, select, to_canvas


@dataclass(frozen=True)
class Setting:
    name: str
    canvas: tuple[int, int] = DEFAULT_CANVAS
    pen_width: float = DEFAULT_PEN_WIDTH
    height_fraction: float = DRAW_HEIGHT_FRACTION
    pen_mode: PenMode = PenMode.MNIST


def evaluate_setting(
    classifier: Classifier, samples: Sequence[PenSample], setting: Setting
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    drawings = [
        to_canvas(s, canvas=setting.canvas, height_fraction=setting.height_fraction, pen_width=setting.pen_width)
        for s in samples
    ]
    reader = Reader(classifier, PreprocessOptions(pen_mode=setting.pen_mode))
    probs = probabilities(read_drawings(reader, drawings))
    return probs, np.asarray([s.label for s in samples], dtype=np.int64)


def summary_line(name: str, scores: Scores) -> str:
    return f"| {name} | {scores.count:,} | {scores.accuracy:.2%} | {scores.ece:.2%} |"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate_drawn", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unipen", help="UNIPEN digits folder or digits.jsonl.gz")
    parser.add_argument("--collection", help="score a folder of labelled drawing files instead")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--part", choices=["train", "val", "test"], default="test", help="writer-disjoint part")
    parser.add_argument("--canvas", default=f"{DEFAULT_CANVAS[0]}x{DEFAULT_CANVAS[1]}", help="canvas size WxH")
    parser.add_argument("--pen-width", type=float, default=DEFAULT_PEN_WIDTH, help="on-screen pen width (px)")
    parser.add_argument("--height-fraction", type=float, default=DRAW_HEIGHT_FRACTION, help="digit height / canvas")
    parser.add_argument("--pen-mode", choices=[m.value for m in PenMode], default=PenMode.MNIST.value)
    parser.add_argument("--robustness", action="store_true", help="also: pen width halved and doubled, half size")
    parser.add_argument("--out", default=str(REPORTS_DIR), help="folder for the Markdown report and PNG")
    args = parser.parse_args(argv)
    try:
        classifier = load_classifier(args.model, threads=0)
    except ModelLoadError as e:
        return fail(str(e))
    if args.collection:
        return score_collection(classifier, args.collection)
    if not args.unipen:
        parser.error("give --unipen (or --collection)")

    width, height = (int(v) for v in args.canvas.lower().split("x"))
    base = Setting("as given", (width, height), args.pen_width, args.height_fraction, PenMode(args.pen_mode))
    try:
        samples = load_samples(args.unipen)
    except (OSError, ValueError) as e:
        return fail(str(e))
    part = select(samples, args.part)
    writers = len({s.writer_key for s in part})
    probs, labels = evaluate_setting(classifier, part, base)
    scores = score(probs, labels)
    out = Path(args.out)
    stem = f"drawn-{args.part}-{classifier.path.stem}"
    png = out / f"{stem}-confusion.png"

    lines = [
        f"# Drawn digits (UNIPEN, {args.part} writers): {classifier.describe()}",
        "",
        f"{scores.count:,} digits by {writers} writers never used for training or tuning; canvas {width}×{height}, "
        f"digit {args.height_fraction:.0%} of the canvas tall, on-screen pen {args.pen_width:g} px, "
        f"preprocessing pen mode `{args.pen_mode}`.",
        "",
        f"- **Accuracy: {scores.accuracy:.2%}** ({scores.errors} errors)",
        f"- **Expected calibration error (15 bins): {scores.ece:.2%}**",
        "",
        f"![confusion matrix]({png.name})",
        "",
    ]
    if args.robustness:
        variants = [
            Setting("pen width halved", base.canvas, base.pen_width / 2, base.height_fraction, base.pen_mode),
            Setting("pen width doubled", base.canvas, base.pen_width * 2, base.height_fraction, base.pen_mode),
            Setting("drawn at half the size", base.canvas, base.pen_width, base.height_fraction / 2, base.pen_mode),
            Setting("screen pen mode (bitmap-like)", base.canvas, base.pen_width, base.height_fraction, PenMode.SCREEN),
        ]
        lines += ["| setting | digits | accuracy | ECE |", "|---|---:|---:|---:|", summary_line("as above", scores)]
        for variant in variants:
            v_probs, v_labels = evaluate_setting(classifier, part, variant)
            lines.append(summary_line(variant.name, score(v_probs, v_labels)))
        lines.append("")

    by_source: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(part):
        by_source[s.source].append(i)
    lines += ["Per source:", "", "| source | digits | accuracy |", "|---|---:|---:|"]
    for source in sorted(by_source):
        idx = np.asarray(by_source[source])
        acc = float((probs[idx].argmax(axis=1) == labels[idx]).mean())
        lines.append(f"| {source} | {len(idx)} | {acc:.2%} |")
    lines += ["", "Per digit:", "", markdown_scores(scores)]
    report = "\n".join(lines)
    try:
        out.mkdir(parents=True, exist_ok=True)
        confusion_image(scores.confusion, str(png), title=f"UNIPEN {args.part} writers: {classifier.describe()}")
        (out / f"{stem}.md").write_text(report)
    except OSError as e:
        return fail(f"{out}: cannot write the report ({describe_os_error(e)})")
    print(report)
    print(f"wrote {out / (stem + '.md')} and {png}", file=sys.stderr)
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
    probs = probabilities(read_drawings(Reader(classifier), scan.drawings))
    labels = np.asarray([d.label for d in scan.drawings], dtype=np.int64)
    scores = score(probs, labels)
    print(f"# Collection {folder}: {classifier.describe()}\n")
    print(f"- **Accuracy: {scores.accuracy:.2%}** on {scores.count} drawings; ECE {scores.ece:.2%}\n")
    print(markdown_scores(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
