"""The number reader: a small bundled network that reads a whole number at once. No Qt.

It looks at the number's strip (:mod:`.strip`) with no split into digits and says how many
digits there are, which, and where (a CTC network: one frame per ``FRAME`` px of strip, each
digit emitted in the frames where it is seen). It was trained on synthetic joined, touching
and overlapping numbers and scans (``python -m lab.train.number_reader``; the model card
says on what).

It never replaces the model in use. Segmentation (:mod:`.segmentation`) takes its digit
count to choose the split, the model in use reads each digit, and where the two read a
digit differently the reading says "Not sure" and why (:mod:`digitcanvas.reading.reader`).
When its file is missing or cannot run, numbers are read as before, without it.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.session import ModelRunError, SessionRefusedError, open_session, run_session
from digitcanvas.reading.numbers.strip import FRAME, Strip

NUMBER_READER_NAME = "number-reader.onnx"
INPUT_NAME = "strip"
OUTPUT_NAME = "log_probs"
BLANK = 0  # CTC's "no digit here" class; class d + 1 is the digit d
THREADS = 1  # a 4-digit strip takes about a millisecond on one thread


@dataclass(frozen=True)
class NumberGuess:
    """What the number reader reads: its digits, where each is, how sure it is of each."""

    digits: str
    centres: tuple[float, ...]  # canvas (or image) x of each digit: the middle of its frames
    confidences: tuple[float, ...]  # each digit's highest probability in its frames

    @property
    def count(self) -> int:
        return len(self.digits)


def decode(log_probs: NDArray[np.floating], strip: Strip) -> NumberGuess:
    """The best path of one strip's (T, 11) log-probabilities, collapsed: consecutive frames of
    one digit are one digit, blanks separate digits."""
    frames = np.asarray(log_probs, dtype=np.float64)[: strip.pixels.shape[1] // FRAME]
    best = frames.argmax(axis=1)
    digits: list[str] = []
    centres: list[float] = []
    confidences: list[float] = []
    start = 0
    for t in range(1, len(best) + 1):
        if t < len(best) and best[t] == best[start]:
            continue
        if best[start] != BLANK:
            label = int(best[start])
            digits.append(str(label - 1))
            centres.append((start + t) / 2 * FRAME)
            confidences.append(float(np.exp(frames[start:t, label].max())))
        start = t
    xs = strip.to_source_x(np.asarray(centres, dtype=np.float64))
    return NumberGuess("".join(digits), tuple(float(x) for x in xs), tuple(confidences))


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

    def read(self, strip: Strip) -> NumberGuess:
        """Read one strip; raises ``ModelRunError`` when the network cannot run."""
        try:
            session = self._opened()
        except SessionRefusedError as e:
            raise ModelRunError(f"the number reader cannot be opened ({e.details})") from e
        pixels = np.ascontiguousarray(strip.pixels, dtype=np.float32)[None, None]
        (log_probs,) = run_session(session, [OUTPUT_NAME], {INPUT_NAME: pixels})
        return decode(log_probs[0], strip)


def bundled_number_reader_path() -> Path:
    return Path(str(resources.files("digitcanvas") / "assets" / NUMBER_READER_NAME))


@functools.cache
def bundled_number_reader() -> NumberReader | None:
    """The number reader that ships in the package, or None when its file is missing."""
    path = bundled_number_reader_path()
    return NumberReader(path) if path.is_file() else None
