"""Command line: ``digitcanvas`` opens the window; ``digitcanvas predict`` reads files;
``digitcanvas inspect`` looks inside the network for one file; ``digitcanvas train`` trains one.

One argparse parser with subcommands (each in :mod:`digitcanvas.commands`). Qt is
imported only when the window opens, so ``predict`` starts fast and runs without a display.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from digitcanvas import __version__
from digitcanvas.commands import inspect, predict, train
from digitcanvas.commands.input_option import add_input_argument, add_model_argument

DESCRIPTION = "Draw a digit and see what a neural network reads. Without a command, opens the window."
PREDICT_HELP = "read digits (or, with --number, whole numbers) from images and drawing files"
PREDICT_EPILOG = (
    "exit status: 0 all files read, 1 some files failed (reported on stderr; the others are "
    "still read), 2 bad arguments, bad model or no files"
)

INSPECT_HELP = "look inside the network for one drawing or image file"
INSPECT_EPILOG = "exit status: 0 done, 2 bad arguments, bad model, or a file that cannot be read"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digitcanvas", description=DESCRIPTION)
    add_model_argument(parser, subcommand=False)
    add_input_argument(parser, subcommand=False)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    predict_parser = commands.add_parser(
        "predict",
        help=PREDICT_HELP,
        description=PREDICT_HELP.capitalize() + ". Files are recognised by content; folders are read "
        "(walked with --recursive). Digits the model is not sure of are marked.",
        epilog=PREDICT_EPILOG,
    )
    predict.add_arguments(predict_parser)
    predict_parser.set_defaults(run=predict.run)
    inspect_parser = commands.add_parser(
        "inspect",
        help=INSPECT_HELP,
        description=INSPECT_HELP.capitalize() + ": the reading, why (a saliency map over the 28×28 input), "
        "and every layer in order with its shape and parameters.",
        epilog=INSPECT_EPILOG,
    )
    inspect.add_arguments(inspect_parser)
    inspect_parser.set_defaults(run=inspect.run)
    train_parser = commands.add_parser(
        "train",
        help=train.TRAIN_HELP,
        description=train.TRAIN_DESCRIPTION,
        epilog=train.TRAIN_EPILOG,
    )
    train.add_arguments(train_parser)
    train_parser.set_defaults(run=train.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is not None:
        return int(args.run(args))
    from digitcanvas.ui.app import run_app

    return run_app(model_path=args.model, input_scaling=args.input)


if __name__ == "__main__":
    sys.exit(main())
