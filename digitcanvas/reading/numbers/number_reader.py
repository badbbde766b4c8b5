"""The number reader: a small bundled network that reads a whole number at once. No Qt.

It looks at the number's strip (:mod:`.strip`) with no split into digits and says which
digits it holds, in order (a CTC network: one frame per ``FRAME`` px of strip, each digit
emitted in a frame where it is seen; where it emits a digit is no good guide to where the
digit lies: the emissions come early, at a digit's left). It was trained on synthetic joined, touching
and overlapping numbers and scans (``python -m lab.train.number_reader``; the model card
says on what).

It never replaces the model in use. Segmentation (:mod:`.segmentation`) follows its count of
digits where the model in use reads them as it does, the model in use reads each digit, and
where the two read a digit differently the reading says "Not sure" and why
(:mod:`digitcanvas.reading.doubt`).
When its file is missing or cannot run, numbers are read as before, without it.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.session import ModelRunError, SessionRefusedError, open_session, run_session
from digitcanvas.reading.numbers.strip import FRAME, StripPixels

NUMBER_READER_NAME = "number-reader.onnx"
INPUT_NAME = "strip"
OUTPUT_NAME = "log_probs"
BLANK = 0  # CTC's "no digit here" class; class d + 1 is the digit d
THREADS = 1  # a 4-digit strip takes about a millisecond on one thread


def decode(log_probs: NDArray[np.floating], width: int) -> str:
    """The digits of a strip ``width`` px wide, from its (T, 11) log-probabilities (frames past
    the strip are a batch's padding): the best path, collapsed, consecutive frames of one
    digit being one digit and blanks separating digits."""
    best = np.asarray(log_probs)[: width // FRAME].argmax(axis=1)
    keep = (best != BLANK) & np.r_[True, best[1:] != best[:-1]]
    return "".join(str(int(c) - 1) for c in best[keep])


class NumberReader:
    """The number reader's network, opened on first use."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._session: Any = None
        self._lock = threading.Lock()

    def _opened(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session = open_session(str(self.path), THREADS)
            return self._session

    def read(self, strip: StripPixels) -> str:
        """The digits of one strip; raises ``ModelRunError`` when the network cannot run."""
        try:
            session = self._opened()
        except SessionRefusedError as e:
            raise ModelRunError(f"the number reader cannot be opened ({e.details})") from e
        pixels = np.ascontiguousarray(strip, dtype=np.float32)[None, None]
        (log_probs,) = run_session(session, [OUTPUT_NAME], {INPUT_NAME: pixels})
        return decode(log_probs[0], strip.shape[1])


def bundled_number_reader_path() -> Path:
    return Path(str(resources.files("digitcanvas") / "assets" / NUMBER_READER_NAME))


@functools.cache
def bundled_number_reader() -> NumberReader | None:
    """The number reader that ships in the package, or None when its file is missing."""
    path = bundled_number_reader_path()
    return NumberReader(path) if path.is_file() else None
