"""What every lab module shares: the repository's folders and the readings' probabilities.

The lab classifies only through :class:`digitcanvas.reader.Reader` (drawings in batches:
``Reader.read_drawings``), so its figures are the app's: the same preprocessing, the same
model call, the same "Not sure" rules.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.preprocessing import NUM_CLASSES
from digitcanvas.reader import Reading

REPO_ROOT = Path(__file__).resolve().parent.parent
REPORTS_DIR = REPO_ROOT / "reports"  # default output of the evaluations
BUNDLED_MODEL_OUT = REPO_ROOT / "digitcanvas" / "assets" / "digitcanvas-cnn.onnx"  # default output of training


def probabilities(readings: Sequence[Reading]) -> NDArray[np.float64]:
    """(N, 10) probabilities of single-digit readings, in order."""
    if not readings:
        return np.zeros((0, NUM_CLASSES), dtype=np.float64)
    return np.stack([r.digits[0].probabilities for r in readings])


def log(message: str) -> None:
    """A progress line on stderr, shown at once."""
    print(message, file=sys.stderr, flush=True)


def fail(message: str) -> int:
    """Print ``error: message`` on stderr; the exit status for a usage or data problem (2)."""
    print(f"error: {message}", file=sys.stderr)
    return 2
