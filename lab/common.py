"""What every lab module shares: the repository's folders and batch reading of drawings.

The lab classifies only through :class:`digitcanvas.reader.Reader`, so its figures are
the app's: the same preprocessing, the same model call, the same "Not sure" rules.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.doubt import too_small
from digitcanvas.drawing import Drawing
from digitcanvas.preprocessing import preprocess_drawing
from digitcanvas.reader import Reader, Reading
from lab.metrics import NUM_CLASSES

REPO_ROOT = Path(__file__).resolve().parent.parent
REPORTS_DIR = REPO_ROOT / "reports"  # default output of the evaluations
BUNDLED_MODEL_OUT = REPO_ROOT / "digitcanvas" / "assets" / "digitcanvas-cnn.onnx"  # default output of training


def read_drawings(reader: Reader, drawings: Sequence[Drawing]) -> list[Reading]:
    """Each drawing read as one digit, the way the window reads it, in one batch.

    The drawings go through the reader's preprocessing options; a drawing whose ink is a
    mark rather than a digit gets the "too small" verdict (:func:`digitcanvas.doubt.too_small`).
    """
    if not drawings:
        return []
    images = np.stack([preprocess_drawing(d, reader.options) for d in drawings])
    return reader.read_images28(images, small=[too_small(d) for d in drawings])


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
