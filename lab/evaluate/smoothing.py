"""A candidate for the core: smooth coarse strokes before they are rendered, and its measurement.

Slow devices report ~10 points per second, so a digit arrives as an angular polyline of
about 15 points. :func:`smooth_drawing` passes a Catmull-Rom curve through the points of
every stroke whose segments are long at the network's scale (the 20-px digit box), the
way the pen actually moved; strokes that are already dense are left alone. This module
measures what that would change, on validation writers, before anyone moves it into
:mod:`digitcanvas.reading.preprocessing`:

    python -m lab.evaluate.smoothing --unipen ../shared/data/unipen-digits --digilets ../shared/data/digilets-digits
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import ModelLoadError, load_classifier
from digitcanvas.reading.preprocessing import DIGIT_BOX, MIN_EXTENT, MNIST_PEN_WIDTH
from digitcanvas.reading.reader import Reader
from lab.console import fail
from lab.data import digilets, unipen
from lab.data.augment_strokes import COARSE_POINTS, coarsen, refine
from lab.data.unipen import PenSample, to_canvas
from lab.evaluate.metrics import probabilities

SMOOTH_SEGMENT = 1.5  # px at the network's scale: a stroke whose mean segment is longer is smoothed
SMOOTH_STEP = 0.5  # px at the network's scale between the smoothed curve's points


def smooth_drawing(drawing: Drawing, *, segment: float = SMOOTH_SEGMENT) -> Drawing:
    """The drawing with its coarse strokes replaced by Catmull-Rom curves through their points."""
    points = np.concatenate(drawing.strokes)
    extent = float((points.max(axis=0) - points.min(axis=0)).max())
    if extent <= MIN_EXTENT:
        return drawing
    scale = (DIGIT_BOX - MNIST_PEN_WIDTH) / extent  # canvas px → network px, as preprocessing scales
    strokes = []
    for stroke in drawing.strokes:
        steps = np.linalg.norm(np.diff(stroke, axis=0), axis=1) * scale
        if len(stroke) < 3 or steps.mean() <= segment:
            strokes.append(stroke)
            continue
        per_segment = int(np.clip(np.ceil(steps.max() / SMOOTH_STEP), 2, 16))
        curve = refine(PenSample(0, "", "", (np.asarray(stroke, dtype=np.float64),)), per_segment)
        strokes.append(curve.strokes[0])
    return Drawing(tuple(strokes), drawing.width, drawing.height, drawing.pen_width, drawing.label)


def accuracy(reader: Reader, samples: Sequence[PenSample], *, points: int, smooth: bool) -> float:
    drawings = [to_canvas(coarsen(s, points) if points else s) for s in samples]
    if smooth:
        drawings = [smooth_drawing(d) for d in drawings]
    probs = probabilities(reader.read_drawings(drawings))
    return float((probs.argmax(axis=1) == np.array([s.label for s in samples])).mean())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate.smoothing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--unipen", required=True)
    parser.add_argument("--digilets", required=True)
    parser.add_argument("--model", help="ONNX model (default: the bundled one)")
    parser.add_argument("--part", choices=["val", "test"], default="val")
    args = parser.parse_args(argv)
    try:
        reader = Reader(load_classifier(args.model, threads=0))
        sources = {
            "UNIPEN": unipen.select(unipen.load_samples(args.unipen), args.part),
            "DigiLeTs": digilets.select(digilets.load_digits(args.digilets), args.part),
        }
    except (ModelLoadError, OSError, ValueError) as e:
        return fail(str(e))
    print(f"| source ({args.part} writers) | strokes | as preprocessed today | smoothed first |")
    print("|---|---|---:|---:|")
    for name, samples in sources.items():
        for label, points in (("full", 0), (f"coarse (~{COARSE_POINTS} points)", COARSE_POINTS)):
            plain = accuracy(reader, samples, points=points, smooth=False)
            smoothed = accuracy(reader, samples, points=points, smooth=True)
            print(f"| {name} | {label} | {plain:.2%} | {smoothed:.2%} ({(smoothed - plain) * 100:+.2f}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
