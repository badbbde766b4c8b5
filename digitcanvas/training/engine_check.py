"""Is the training engine installed? Asked without importing it. No Qt, no PyTorch.

Training needs PyTorch, the ``train`` extra; the base install (the window, ``predict``,
``inspect``) does not. The window and ``digitcanvas train`` ask :func:`missing_engine`
first and say exactly how to install it.
"""

from __future__ import annotations

import importlib.util
import sys

ENGINE = "torch"
INSTALL_COMMAND = 'python -m pip install "digitcanvas[train]"'
# PyTorch's own index of CPU-only wheels: on Linux, PyPI's default wheel brings GPU libraries
# of several GB that training here does not use.
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def install_command() -> str:
    """How to install the engine on this system, as one command line."""
    if sys.platform.startswith("linux"):
        return f"{INSTALL_COMMAND} --extra-index-url {CPU_INDEX}"
    return INSTALL_COMMAND


def missing_engine() -> str | None:
    """None when PyTorch can be imported; else what to tell the person, with the command."""
    if importlib.util.find_spec(ENGINE) is not None:
        return None
    return (
        "Training needs PyTorch (CPU), which is not installed. Install it into the Python "
        f"that runs DigitCanvas with:\n\n    {install_command()}\n\nthen start DigitCanvas again."
    )
