"""Evaluate any ONNX digit model on the MNIST test set, through the app's reader.

    python -m lab.evaluate.mnist --data ../shared/data/mnist [--model mine.onnx] [--out reports]

Prints accuracy, per-class precision/recall, the confusion matrix, the most confused
pairs and the expected calibration error (15 bins); writes the same as Markdown plus a
confusion-matrix PNG into --out.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from digitcanvas.model.classifier import ModelLoadError, load_classifier
from digitcanvas.reading.reader import Reader
from digitcanvas.training.mnist_data import MnistError, load_split
from digitcanvas.util.files import describe_os_error
from lab.console import fail
from lab.evaluate.metrics import confusion_image, markdown_scores, probabilities, score
from lab.paths import REPORTS_DIR


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate.mnist", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--out", default=str(REPORTS_DIR), help="folder for the Markdown report and PNG")
    parser.add_argument("--no-verify", action="store_true", help="skip the MD5 check")
    args = parser.parse_args(argv)
    try:
        classifier = load_classifier(args.model, threads=0)
        test = load_split(args.data, "test", verify=not args.no_verify)
    except (ModelLoadError, MnistError) as e:
        return fail(str(e))
    images = test.images.astype(np.float32) / 255.0
    probs = probabilities(Reader(classifier).read_images28(images))
    scores = score(probs, test.labels.astype(np.int64))
    out = Path(args.out)
    stem = f"mnist-{classifier.path.stem}"
    png = out / f"{stem}-confusion.png"
    report = (
        f"# MNIST test set: {classifier.describe()}\n\n"
        f"Model file: `{classifier.path.name}`; {scores.count:,} test images; "
        f"command: `python -m lab.evaluate.mnist --data DIR{' --model ' + args.model if args.model else ''}`\n\n"
        f"- **Accuracy: {scores.accuracy:.2%}** ({scores.count - scores.errors}/{scores.count}, "
        f"{scores.errors} errors)\n"
        f"- **Expected calibration error (15 bins): {scores.ece:.2%}**\n\n"
        f"![confusion matrix]({png.name})\n\n" + markdown_scores(scores)
    )
    md = out / f"{stem}.md"
    try:
        out.mkdir(parents=True, exist_ok=True)
        confusion_image(scores.confusion, str(png), title=f"MNIST test: {classifier.describe()}")
        md.write_text(report)
    except OSError as e:
        return fail(f"{out}: cannot write the report ({describe_os_error(e)})")
    print(report)
    print(f"wrote {md} and {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
