"""``digitcanvas inspect``: look inside the network for one drawing or image.

Prints the reading and the model's layers (or, with ``--json``, one JSON object for
scripts) and, with ``--out DIR``, writes PNGs for slides: the network input, the saliency
overlay, each layer's activations and the first-layer filters. The looking is the core's
job (:mod:`digitcanvas.explain.inspector`, :mod:`digitcanvas.explain.saliency`); this module formats it.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from digitcanvas.commands.input_option import add_input_argument, add_model_argument
from digitcanvas.commands.predict import DECIMALS, EXIT_OK, EXIT_USAGE
from digitcanvas.commands.terminal import printable, shown
from digitcanvas.drawing.image_file import write_png
from digitcanvas.explain.inspector import Activations, Inspector, LayerKind
from digitcanvas.explain.pictures import (
    MAX_PICTURE_PIXELS,
    MAX_PICTURES_PIXELS,
    filters_picture,
    grey_picture,
    png_scale,
    saliency_overlay,
    tile_maps,
    upscale,
    vector_picture,
)
from digitcanvas.explain.saliency import Saliency

FILE_NAME_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
NAME_COLUMN_MAX = 32  # characters of a layer's name in the table
OP_COLUMN_MAX = 64  # of its operator's (a model may name an operator of its own anything)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_argument(parser, subcommand=True)
    parser.add_argument("file", metavar="FILE", help="an image or drawing file (read as one digit)")
    add_model_argument(parser, subcommand=True)
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object: input, probabilities, saliency, layers"
    )
    parser.add_argument("--digit", type=_digit, metavar="D", help="explain digit D (default: the digit read)")
    parser.add_argument("--versus", type=_digit, metavar="D", help="explain why the digit and not D")
    parser.add_argument(
        "--out", metavar="DIR", help="write PNGs: the input, the saliency overlay, each layer, the first-layer filters"
    )


def _digit(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 9:
        raise argparse.ArgumentTypeError(f"{text!r} is not a digit 0-9")
    return int(text)


def run(args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run ``inspect`` with parsed arguments; returns the exit status (2: bad file, model or digit)."""
    from digitcanvas.explain.inspector import InsideError
    from digitcanvas.explain.saliency import explain
    from digitcanvas.model.classifier import ModelLoadError, load_classifier
    from digitcanvas.model.session import ModelRunError
    from digitcanvas.reading.batch import READ_ERRORS
    from digitcanvas.reading.reader import Reader

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr

    def fail(message: str) -> int:
        print(f"error: {shown(message)}", file=stderr)
        return EXIT_USAGE

    if args.digit is not None and args.digit == args.versus:
        return fail("--digit and --versus name the same digit")
    try:
        classifier = load_classifier(args.model, threads=1, scaling=args.input)
        inspector = Inspector(classifier)
    except (ModelLoadError, InsideError) as e:
        return fail(str(e))
    try:
        reading = Reader(classifier).read_file(args.file, number=False)
        digit = reading.digits[0]
        activations = inspector.activations(digit.image)
        chosen = digit.digit if args.digit is None else args.digit
        if args.versus == chosen:
            return fail(f"the digit read is {chosen}; --versus must name another")
        saliency = explain(classifier, digit.image, chosen, versus=args.versus)
    except READ_ERRORS as e:
        return fail(str(e))
    except ModelRunError as e:
        return fail(f"{args.file}: {e}")
    record = inspect_record(inspector, activations, saliency)
    if args.out:
        try:
            written, left_out = write_pictures(Path(args.out), inspector, activations, saliency)
        except OSError as e:
            return fail(f"{args.out}: cannot write the pictures ({e.strerror or e})")
        for note in left_out:
            print(f"warning: {shown(note)}", file=stderr)
        record["files"] = [str(p) for p in written]
    if args.json:
        print(json.dumps({"file": printable(str(args.file)), **record}), file=stdout)
    else:
        print(summary(str(args.file), inspector, activations, saliency, record.get("files", [])), file=stdout)
    return EXIT_OK


# --- the JSON ----------------------------------------------------------------------------


def _rounded(array: NDArray[np.floating]) -> Any:
    return np.round(np.asarray(array, dtype=np.float64), DECIMALS).tolist()


def inspect_record(inspector: Inspector, activations: Activations, saliency: Saliency) -> dict[str, Any]:
    """The JSON object: ``input`` (28 × 28), ``probabilities`` (10), ``saliency`` ({digit,
    versus, map 28 × 28}) and ``layers`` ([{name, op, shape, parameters}, …]), plus the model."""
    return {
        "model": printable(str(inspector.classifier.path)),
        "input": _rounded(activations.image),
        "probabilities": _rounded(activations.probabilities),
        "saliency": {"digit": saliency.digit, "versus": saliency.versus, "map": _rounded(saliency.map)},
        "layers": [
            {"name": layer.name, "op": layer.op, "shape": list(layer.shape), "parameters": layer.parameters}
            for layer in inspector.layers
        ],
    }


# --- the text ------------------------------------------------------------------------------


def summary(file: str, inspector: Inspector, activations: Activations, saliency: Saliency, written: list[str]) -> str:
    """The reading, what the saliency explains, and the layer table."""
    top = activations.digit
    question = f"why {saliency.digit}" + (f" and not {saliency.versus}" if saliency.versus is not None else "")
    lines = [
        shown(f"{file}: {top} ({activations.probabilities[top]:.1%}) with {inspector.classifier.name}"),
        f"saliency ({question}): peak {saliency.peak:.3g}, {saliency.evaluations} model runs",
        "",
    ]
    names = [shown(layer.name, limit=None) for layer in inspector.layers]
    width = min(max([len(name) for name in names] + [4]), NAME_COLUMN_MAX)
    lines.append(f"{'#':>3}  {'name':<{width}}  {'op':<18}  {'shape':<14}  {'parameters':>10}")
    for layer, name in zip(inspector.layers, names, strict=True):
        shape = "×".join(str(d) for d in layer.shape)
        op = shown(layer.op, limit=None)[:OP_COLUMN_MAX]
        lines.append(f"{layer.index + 1:>3}  {name[:width]:<{width}}  {op:<18}  {shape:<14}  {layer.parameters:>10,}")
    lines.append(f"{'':>3}  {'total':<{width}}  {'':<18}  {'':<14}  {inspector.parameters:>10,}")
    if written:
        lines += ["", shown(f"wrote {len(written)} pictures to {Path(written[0]).parent}")]
    return "\n".join(lines)


# --- the pictures --------------------------------------------------------------------------


def _safe(name: str) -> str:
    return FILE_NAME_SAFE.sub("_", name).strip("._") or "layer"


def write_pictures(
    out: Path, inspector: Inspector, activations: Activations, saliency: Saliency
) -> tuple[list[Path], list[str]]:
    """Write the PNGs into ``out`` (created if missing), each enlarged as far as
    :func:`~digitcanvas.explain.pictures.png_scale` allows; returns their paths, in order,
    and a note for each picture left out as too large. One picture is made at a time."""
    out.mkdir(parents=True, exist_ok=True)
    versus = f"-not-{saliency.versus}" if saliency.versus is not None else ""
    pictures: list[tuple[str, int, Callable[[], NDArray[np.uint8]]]] = [  # name, values, how to draw it
        ("input.png", activations.image.size, lambda: grey_picture(activations.image)),
        (
            f"saliency-{saliency.digit}{versus}.png",
            saliency.map.size,
            lambda: saliency_overlay(activations.image, saliency.map),
        ),
    ]
    filters = inspector.filters
    if filters is not None:
        pictures.append(("filters.png", filters.size, lambda: filters_picture(filters)))
    digits = len(str(len(inspector.layers)))
    for layer, values in zip(inspector.layers, activations.values, strict=True):
        draw: Callable[[], NDArray[np.uint8]] = functools.partial(
            tile_maps if layer.kind == LayerKind.MAPS else vector_picture, values
        )
        pictures.append((f"layer-{layer.index + 1:0{digits}d}-{_safe(layer.name)}.png", values.size, draw))
    probabilities = activations.probabilities
    pictures.append(("probabilities.png", probabilities.size, lambda: vector_picture(probabilities)))
    written: list[Path] = []
    left_out: list[str] = []
    budget = MAX_PICTURES_PIXELS
    for name, size, draw in pictures:
        # Every picture has at least a pixel per value: one over the limits is not even drawn.
        picture = draw() if size <= min(budget, MAX_PICTURE_PIXELS) else None
        scale = 0 if picture is None else png_scale(*picture.shape[:2], budget=budget)
        if picture is None or scale == 0:
            left_out.append(
                f"{name}: not written; {size:,} values are more than the pictures may hold "
                f"({MAX_PICTURE_PIXELS:,} pixels each, {MAX_PICTURES_PIXELS:,} together)"
            )
            continue
        path = out / name
        write_png(path, upscale(picture, scale))
        budget -= picture.shape[0] * picture.shape[1] * scale * scale
        written.append(path)
    return written, left_out
