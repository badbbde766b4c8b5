"""``--input``: how pixels are fed to the model, for every command that loads one."""

from __future__ import annotations

import argparse

from ..conventions import SETTING_HELP, parse_setting
from ..model_info import InputScaling


def add_input_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        metavar="SETTING",
        type=_setting,
        help=f"how to feed pixels to the model, overriding its metadata and detection: {SETTING_HELP}",
    )


def _setting(text: str) -> InputScaling:
    try:
        return parse_setting(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e
