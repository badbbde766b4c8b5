"""Options of every command that loads a model: ``--model`` (which one) and ``--input``
(how pixels are fed to it)."""

from __future__ import annotations

import argparse

from digitcanvas.model.conventions import SETTING_HELP, parse_setting
from digitcanvas.model.info import InputScaling

MODEL_HELP = "ONNX model to use instead of the bundled one"


def add_model_argument(parser: argparse.ArgumentParser, *, subcommand: bool) -> None:
    """``--model PATH``, for the program (``digitcanvas --model X predict``) and for each
    subcommand (``digitcanvas predict --model X``). A subcommand's option has no default
    of its own, so leaving it out keeps the program's; given twice, the later one wins."""
    parser.add_argument(
        "--model", metavar="PATH", type=_model_path, help=MODEL_HELP, default=argparse.SUPPRESS if subcommand else None
    )


def _model_path(text: str) -> str:
    # An empty path is no file; as a path it would be "." (the current folder), named so in the refusal.
    if not text:
        raise argparse.ArgumentTypeError("an empty path names no model file")
    return text


def add_input_argument(
    parser: argparse.ArgumentParser, *, subcommand: bool, purpose: str = "overriding its metadata and detection"
) -> None:
    """``--input SETTING``, for the program (``digitcanvas --input unit``: the window, or any
    command after it) and for each subcommand, with no default of its own there (as ``--model``);
    ``purpose`` says in the help what the setting does there."""
    parser.add_argument(
        "--input",
        metavar="SETTING",
        type=_setting,
        help=f"how to feed pixels to the model, {purpose}: {SETTING_HELP}",
        default=argparse.SUPPRESS if subcommand else None,
    )


def _setting(text: str) -> InputScaling:
    try:
        return parse_setting(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e
