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
import json
import re
import sys
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from digitcanvas.commands.input_option import add_input_argument, add_model_argument
from digitcanvas.commands.predict import DECIMALS, EXIT_OK, EXIT_USAGE, printable
from digitcanvas.drawing.image_file import write_png
from digitcanvas.explain.inspector import Activations, Inspector, LayerKind
from digitcanvas.explain.layer_names import plural
from digitcanvas.explain.pictures import filters_picture, grey_picture, saliency_overlay, tile_maps, vector_picture
from digitcanvas.explain.saliency import Saliency
from digitcanvas.explain.slides import probabilities_chart, slide
from digitcanvas.reading.doubt import format_percent

FILE_NAME_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
TITLE_COLUMN_MAX = 36  # characters of a layer's title in the table (the graph's own name ends the row)


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
        print(f"error: {printable(message)}", file=stderr)
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
            written = write_pictures(Path(args.out), inspector, activations, saliency)
        except OSError as e:
            return fail(f"{args.out}: cannot write the pictures ({e.strerror or e})")
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
        f"{printable(file)}: {top} ({format_percent(activations.probabilities[top])}) "
        f"with {printable(inspector.classifier.name)}",
        f"saliency ({question}): peak {saliency.peak:.3g}, {saliency.evaluations} model runs",
        "",
    ]
    width = min(max([len(layer.title) for layer in inspector.layers] + [5]), TITLE_COLUMN_MAX)
    lines.append(f"{'#':>3}  {'layer':<{width}}  {'shape':<14}  {'parameters':>10}  node")
    for layer in inspector.layers:
        title = printable(layer.title)[:width]
        shape = "×".join(str(d) for d in layer.shape)
        row = f"{layer.index + 1:>3}  {title:<{width}}  {shape:<14}  {layer.parameters:>10,}  {printable(layer.name)}"
        lines.append(row)
    lines.append(f"{'':>3}  {'total':<{width}}  {'':<14}  {inspector.parameters:>10,}")
    if written:
        lines += ["", f"wrote {len(written)} pictures to {printable(str(Path(written[0]).parent))}"]
    return "\n".join(lines)


# --- the pictures --------------------------------------------------------------------------


def _safe(name: str) -> str:
    return FILE_NAME_SAFE.sub("_", name).strip("._") or "layer"


def write_pictures(out: Path, inspector: Inspector, activations: Activations, saliency: Saliency) -> list[Path]:
    """Write the PNGs into ``out`` (created if missing), each titled (:func:`slide`); returns
    their paths, in order."""
    out.mkdir(parents=True, exist_ok=True)
    versus = f"-not-{saliency.versus}" if saliency.versus is not None else ""
    question = f"Why {saliency.digit}" + (f" and not {saliency.versus}" if saliency.versus is not None else "") + "?"
    pictures: list[tuple[str, NDArray[np.uint8]]] = [
        ("input.png", slide(grey_picture(activations.image), "The network's input", subtitle="28×28 pixels")),
        (
            f"saliency-{saliency.digit}{versus}.png",
            slide(
                saliency_overlay(activations.image, saliency.map),
                question,
                subtitle=f"Red ink pushed toward {saliency.digit}, blue ink away",
            ),
        ),
    ]
    if inspector.filters is not None:
        kernels = plural(len(inspector.filters), "kernel")
        picture = slide(
            filters_picture(inspector.filters), "First-layer filters", subtitle=kernels, values=inspector.filters
        )
        pictures.append(("filters.png", picture))
    digits = len(str(len(inspector.layers)))
    for layer, values in zip(inspector.layers, activations.values, strict=True):
        maps = layer.kind == LayerKind.MAPS
        picture = tile_maps(values) if maps else vector_picture(values)
        title = f"Layer {layer.index + 1} · {layer.title}"
        shape = "×".join(str(d) for d in layer.shape)
        subtitle = f"{shape} · {plural(layer.parameters, 'parameter')}: {layer.explanation}"
        titled = slide(picture, title, subtitle=subtitle, values=values, index_labels=True)
        pictures.append((f"layer-{layer.index + 1:0{digits}d}-{_safe(layer.name)}.png", titled))
    pictures.append(("probabilities.png", probabilities_chart(activations.probabilities)))
    written = []
    for name, picture in pictures:
        path = out / name
        write_png(path, picture)
        written.append(path)
    return written
