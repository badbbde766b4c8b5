"""Command line: ``digitcanvas`` opens the window; ``digitcanvas predict`` reads files;
``digitcanvas inspect`` looks inside the network for one file; ``digitcanvas train`` trains one.

One argparse parser with subcommands (each in :mod:`digitcanvas.commands`). Qt is
imported only when the window opens, so ``predict`` starts fast and runs without a display.
Qt's own options for the window (``-style fusion``, ``-platform xcb``, ``-reverse``, …) are
set aside before parsing (:func:`split_qt_arguments`) and handed to Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from digitcanvas import __version__
from digitcanvas.commands import inspect, predict, train
from digitcanvas.commands.input_option import add_input_argument, add_model_argument
from digitcanvas.commands.predict import EXIT_SOME_FAILED
from digitcanvas.commands.terminal import run_writing

DESCRIPTION = "Draw a digit and see what a neural network reads. Without a command, opens the window."
PREDICT_HELP = "read digits (or, with --number, whole numbers) from images and drawing files"
PREDICT_EPILOG = (
    "exit status: 0 all files read, 1 some files failed (reported on stderr; the others are "
    "still read) or the output could not all be written, 2 bad arguments, bad model or no files"
)

INSPECT_HELP = "look inside the network for one drawing or image file"
INSPECT_EPILOG = (
    "exit status: 0 done, 1 the output could not all be written, 2 bad arguments, bad model, "
    "or a file that cannot be read"
)
QT_EPILOG = (
    "Qt's own options for the window are accepted too: -style NAME, -stylesheet FILE, -platform NAME, "
    "-reverse, -qwindowgeometry WxH+X+Y and the others Qt documents"
)

# Qt's command-line options (QGuiApplication's and QApplication's, X11's included), with one
# or two dashes, "-style fusion" or "-style=fusion": those taking a value, then the flags.
QT_OPTIONS = frozenset(
    {
        "platform", "platformpluginpath", "platformtheme", "plugin", "qmljsdebugger", "qwindowgeometry",
        "qwindowicon", "qwindowtitle", "session", "style", "stylesheet", "display", "geometry", "title",
        "icon", "name", "visual", "ncols", "cmap", "im", "inputstyle", "fn", "font", "bg", "background",
        "fg", "foreground", "btn", "button",
    }
)  # fmt: skip
QT_FLAGS = frozenset({"reverse", "widgetcount", "nograb", "dograb", "sync"})


def split_qt_arguments(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """``argv`` parted into ours and Qt's own options (each with its value), both in order."""
    ours: list[str] = []
    qt: list[str] = []
    pending = False  # the previous argument was a Qt option whose value comes next
    for argument in argv:
        if pending:
            qt.append(argument)
            pending = False
            continue
        dashed = argument.startswith("-") and not argument.startswith("---")
        option, equals, _ = argument.lstrip("-").partition("=")
        option, has_value = (option if dashed else ""), bool(equals)
        if option in QT_FLAGS and not has_value:
            qt.append(argument)
        elif option in QT_OPTIONS:
            qt.append(argument)
            pending = not has_value
        else:
            ours.append(argument)
    return ours, qt


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digitcanvas", description=DESCRIPTION, epilog=QT_EPILOG)
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
    ours, qt = split_qt_arguments(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(ours)
    if args.command is not None:
        if qt:  # Qt's options are for the window; exits with status 2
            parser.error(f"{' '.join(qt)}: Qt's options are for the window, not for {args.command}")
        # A closed pipe (`| head`) or a full disk ends the command with a status, not a traceback.
        return run_writing(args.run, args, failed=EXIT_SOME_FAILED)
    from digitcanvas.ui.app import run_app

    return run_app(model_path=args.model, input_scaling=args.input, qt_arguments=qt)


if __name__ == "__main__":
    sys.exit(main())
