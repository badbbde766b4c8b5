"""Command line: ``digitcanvas`` opens the window; ``digitcanvas predict`` classifies files.

Qt is imported only when the window opens, so ``predict`` starts fast and runs
without a display.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__

DESCRIPTION = "Draw a digit and see what a neural network reads. Without a command, opens the window."
EPILOG = """commands:
  predict FILE...   classify images (PNG/JPEG/BMP/...) and drawing files (.json)
  predict --number FILE...   read whole numbers (several digits) from the same files
                    see: digitcanvas predict --help

exit status of predict: 0 all files classified, 1 some files failed (reported on
stderr; the others are still classified), 2 bad arguments, bad model or no files.
"""


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digitcanvas", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", metavar="PATH", help="ONNX model to use instead of the bundled one")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _predict_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digitcanvas predict",
        description="Classify digit images and drawing files with the bundled model or --model. "
        "Files are recognised by content; folders are read (walked with --recursive).",
        epilog="exit status: 0 all classified, 1 some files failed, 2 bad arguments, bad model or no files",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="image or drawing files, or folders")
    parser.add_argument("--model", metavar="PATH", help="ONNX model to use instead of the bundled one")
    parser.add_argument("-r", "--recursive", action="store_true", help="walk folders recursively")
    parser.add_argument("--json", action="store_true", help="one JSON object per line: file, digit, probabilities")
    parser.add_argument("--top", type=int, default=1, metavar="K", help="show the K most likely digits (1-10)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the count, time and rate on stderr")
    parser.add_argument(
        "--number",
        action="store_true",
        help="read a whole number from each file: strokes (drawings) or connected ink (images) are split into digits",
    )
    return parser


def predict_main(argv: Sequence[str]) -> int:
    from .inference import ModelLoadError, load_classifier
    from .predict import EXIT_USAGE, run_predict, run_predict_numbers

    args = _predict_parser().parse_args(argv)
    if not 1 <= args.top <= 10:
        print("error: --top must be between 1 and 10", file=sys.stderr)
        return EXIT_USAGE
    try:
        # One inference thread: the other core preprocesses files (see predict.classify_files).
        classifier = load_classifier(args.model, threads=1)
    except ModelLoadError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.number:
        return run_predict_numbers(
            classifier, args.files, recursive=args.recursive, as_json=args.json, verbose=args.verbose
        )
    return run_predict(
        classifier, args.files, recursive=args.recursive, as_json=args.json, top=args.top, verbose=args.verbose
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "predict":
        return predict_main(argv[1:])
    args = _app_parser().parse_args(argv)
    from .app import run_app

    return run_app(model_path=args.model)


if __name__ == "__main__":
    sys.exit(main())
