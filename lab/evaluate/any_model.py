"""Check any MNIST model the way a user meets it: MNIST test images as PNG files through
``digitcanvas predict``, next to the model on the raw arrays.

    python -m lab.evaluate.any_model MODEL.onnx [MODEL.onnx ...] --data ../shared/data/mnist \
        [--count 2000] [--input PRESET]

For each model it prints how DigitCanvas reads its input (metadata, or detected on the
reference digits) and two accuracies on the first ``--count`` MNIST test images:

* **predict**: each image written as an 8-bit PNG and read by ``digitcanvas predict
  --json`` (the app's image path, its detection, its output handling);
* **raw**: the model run by onnxruntime on the raw (N, 28, 28) arrays in the convention
  it was trained with (``--input PRESET``; default: the one DigitCanvas chose), the way
  its own framework would score it.

The issue's target: for models trained on MNIST, predict within 0.3 points of raw.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.cli import main as cli_main
from digitcanvas.drawing.image_file import write_png
from digitcanvas.model.classifier import Classifier, ModelLoadError
from digitcanvas.model.conventions import PRESETS_BY_KEY
from digitcanvas.model.describe import input_description
from digitcanvas.training.mnist_data import MnistError, load_split
from lab.console import fail, log

DEFAULT_COUNT = 2000


@dataclass(frozen=True)
class ModelCheck:
    name: str
    input: str  # how DigitCanvas reads the model's input
    predict_accuracy: float  # MNIST test PNGs through `digitcanvas predict`
    raw_accuracy: float  # raw arrays in the model's own convention
    failed_files: int

    @property
    def gap(self) -> float:
        return self.raw_accuracy - self.predict_accuracy


def write_pngs(images: NDArray[np.uint8], folder: Path) -> list[Path]:
    """MNIST images (N, 28, 28) uint8, white ink on black, as PNG files named by index."""
    paths = []
    for i, image in enumerate(images):
        path = folder / f"{i:05d}.png"
        write_png(path, image)
        paths.append(path)
    return paths


def predict_digits(model: Path, folder: Path, extra: Sequence[str] = ()) -> dict[str, int]:
    """File name → digit, from ``digitcanvas predict --json`` run in-process."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        cli_main(["predict", "--json", "--model", str(model), *extra, str(folder)])
    return {Path(r["file"]).name: int(r["digit"]) for r in map(json.loads, out.getvalue().splitlines())}


def check(
    model: Path, images: NDArray[np.uint8], labels: NDArray[np.uint8], folder: Path, preset: str | None
) -> ModelCheck:
    classifier = Classifier(model)
    scaling = PRESETS_BY_KEY[preset].scaling if preset else classifier.scaling
    raw = classifier.raw_outputs(images.astype(np.float32) / 255.0, scaling)
    raw_accuracy = float((raw.argmax(axis=1) == labels).mean())
    read = predict_digits(model, folder)
    names = [f"{i:05d}.png" for i in range(len(labels))]
    predicted = np.array([read.get(n, -1) for n in names])
    return ModelCheck(
        classifier.describe(),
        input_description(classifier),
        float((predicted == labels).mean()),
        raw_accuracy,
        int((predicted < 0).sum()),
    )


def table(checks: Sequence[tuple[str, ModelCheck]]) -> str:
    lines = [
        "| model | DigitCanvas reads the input as | raw arrays | `digitcanvas predict` on PNGs | gap |",
        "|---|---|---:|---:|---:|",
    ]
    for file, c in checks:
        lines.append(f"| {file} | {c.input} | {c.raw_accuracy:.2%} | {c.predict_accuracy:.2%} | {c.gap * 100:+.2f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.evaluate.any_model", description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", metavar="MODEL")
    parser.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="MNIST test images to use")
    parser.add_argument("--input", choices=sorted(PRESETS_BY_KEY), help="the convention the models were trained with")
    args = parser.parse_args(argv)
    try:
        test = load_split(args.data, "test")
    except MnistError as e:
        return fail(str(e))
    images, labels = test.images[: args.count], test.labels[: args.count]
    checks = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_pngs(images, folder)
        for model in args.models:
            try:
                result = check(Path(model), images, labels, folder, args.input)
            except ModelLoadError as e:
                log(f"{model}: refused: {e}")
                continue
            checks.append((Path(model).name, result))
            log(f"{model}: raw {result.raw_accuracy:.2%}, predict {result.predict_accuracy:.2%}")
    print(table(checks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
