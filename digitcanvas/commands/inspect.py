"""``digitcanvas inspect``: look inside the network for one drawing or image.

Prints the reading and the model's layers (or, with ``--json``, one JSON object for
scripts) and, with ``--out DIR``, writes PNGs for slides, each titled and, where its
colours stand for values, with its colour scale (:mod:`digitcanvas.explain.slides`): the
network input, the saliency overlay, each layer's activations, the first-layer filters and
the probabilities as ten labelled bars. The looking is the core's
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
from digitcanvas.explain.inspector import Activations, Inspector, Layer, LayerKind
from digitcanvas.explain.layer_names import plural
from digitcanvas.explain.pictures import (
    MAX_PICTURE_PIXELS,
    MAX_PICTURES_PIXELS,
    filters_picture,
    grey_picture,
    saliency_overlay,
    tile_maps,
    vector_picture,
)
from digitcanvas.explain.saliency import Saliency
from digitcanvas.explain.slides import TooLargeError, probabilities_chart, slide
from digitcanvas.reading.doubt import format_percent

FILE_NAME_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
TITLE_COLUMN_MAX = 36  # characters of a layer's title in the table (the graph's own name ends the row)
NAME_COLUMN_MAX = 64  # of its node's name (a model may name a node anything, at any length)


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
    versus, map 28 × 28}) and ``layers`` ([{name, title, op, shape, parameters}, …]), plus the model."""
    return {
        "model": printable(str(inspector.classifier.path)),
        "input": _rounded(activations.image),
        "probabilities": _rounded(activations.probabilities),
        "saliency": {"digit": saliency.digit, "versus": saliency.versus, "map": _rounded(saliency.map)},
        "layers": [
            {
                "name": layer.name,
                "title": layer.title,
                "op": layer.op,
                "shape": list(layer.shape),
                "parameters": layer.parameters,
            }
            for layer in inspector.layers
        ],
    }


# --- the text ------------------------------------------------------------------------------


def summary(file: str, inspector: Inspector, activations: Activations, saliency: Saliency, written: list[str]) -> str:
    """The reading, what the saliency explains, and the layer table."""
    top = activations.digit
    question = f"why {saliency.digit}" + (f" and not {saliency.versus}" if saliency.versus is not None else "")
    lines = [
        shown(f"{file}: {top} ({format_percent(activations.probabilities[top])}) with {inspector.classifier.name}"),
        f"saliency ({question}): peak {saliency.peak:.3g}, {saliency.evaluations} model runs",
        "",
    ]
    titles = [shown(layer.title, limit=None)[:TITLE_COLUMN_MAX] for layer in inspector.layers]
    width = max([len(title) for title in titles] + [5])
    lines.append(f"{'#':>3}  {'layer':<{width}}  {'shape':<14}  {'parameters':>10}  node")
    for layer, title in zip(inspector.layers, titles, strict=True):
        shape = "×".join(str(d) for d in layer.shape)
        name = shown(layer.name, limit=NAME_COLUMN_MAX)
        lines.append(f"{layer.index + 1:>3}  {title:<{width}}  {shape:<14}  {layer.parameters:>10,}  {name}")
    lines.append(f"{'':>3}  {'total':<{width}}  {'':<14}  {inspector.parameters:>10,}")
    if written:
        lines += ["", shown(f"wrote {len(written)} pictures to {Path(written[0]).parent}")]
    return "\n".join(lines)


# --- the pictures --------------------------------------------------------------------------


def _safe(name: str) -> str:
    return FILE_NAME_SAFE.sub("_", name).strip("._") or "layer"


def write_pictures(
    out: Path, inspector: Inspector, activations: Activations, saliency: Saliency
) -> tuple[list[Path], list[str]]:
    """Write the PNGs into ``out`` (created if missing), each titled and enlarged as far as
    :data:`MAX_PICTURE_PIXELS` allows (:func:`slide`); returns their paths, in order, and a
    note for each picture left out as too large. One picture is made at a time, and all
    of them together hold at most :data:`MAX_PICTURES_PIXELS`."""
    out.mkdir(parents=True, exist_ok=True)
    versus = f"-not-{saliency.versus}" if saliency.versus is not None else ""
    question = f"Why {saliency.digit}" + (f" and not {saliency.versus}" if saliency.versus is not None else "") + "?"
    Draw = Callable[[int], NDArray[np.uint8]]  # the picture, given the pixels it may hold
    pictures: list[tuple[str, int, Draw]] = [  # name, values, how to draw it
        (
            "input.png",
            activations.image.size,
            lambda most: slide(
                grey_picture(activations.image), "The network's input", subtitle="28×28 pixels", most_pixels=most
            ),
        ),
        (
            f"saliency-{saliency.digit}{versus}.png",
            saliency.map.size,
            lambda most: slide(
                saliency_overlay(activations.image, saliency.map),
                question,
                subtitle=f"Red ink pushed toward {saliency.digit}, blue ink away",
                most_pixels=most,
            ),
        ),
    ]
    filters = inspector.filters
    if filters is not None:
        kernels = plural(len(filters), "kernel")
        pictures.append(
            (
                "filters.png",
                filters.size,
                lambda most: slide(
                    filters_picture(filters), "First-layer filters", subtitle=kernels, values=filters, most_pixels=most
                ),
            )
        )
    digits = len(str(len(inspector.layers)))
    for layer, values in zip(inspector.layers, activations.values, strict=True):
        shape = "×".join(str(d) for d in layer.shape)
        pictures.append(
            (
                f"layer-{layer.index + 1:0{digits}d}-{_safe(layer.name)}.png",
                values.size,
                functools.partial(_layer_slide, layer, values, f"{shape} · {plural(layer.parameters, 'parameter')}"),
            )
        )
    probabilities = activations.probabilities
    pictures.append(("probabilities.png", probabilities.size, lambda most: probabilities_chart(probabilities)))
    written: list[Path] = []
    left_out: list[str] = []
    budget = MAX_PICTURES_PIXELS
    for name, size, draw in pictures:
        most = min(budget, MAX_PICTURE_PIXELS)
        # Every picture has at least a pixel per value: one over the limits is not even drawn.
        try:
            if size > most:
                raise TooLargeError(f"{size:,} values")
            picture = draw(most)
        except TooLargeError:
            left_out.append(
                f"{name}: not written; {size:,} values are more than the pictures may hold "
                f"({MAX_PICTURE_PIXELS:,} pixels each, {MAX_PICTURES_PIXELS:,} together)"
            )
            continue
        path = out / name
        write_png(path, picture)
        budget -= picture.shape[0] * picture.shape[1]
        written.append(path)
    return written, left_out


def _layer_slide(layer: Layer, values: NDArray[np.float32], facts: str, most: int) -> NDArray[np.uint8]:
    """A layer's activations as a slide: tiled maps or a block of values, titled and scaled."""
    picture = tile_maps(values) if layer.kind == LayerKind.MAPS else vector_picture(values)
    title = f"Layer {layer.index + 1} · {layer.title}"
    subtitle = f"{facts}: {layer.explanation}"
    return slide(picture, title, subtitle=subtitle, values=values, index_labels=True, most_pixels=most)
