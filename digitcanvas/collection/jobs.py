"""The collection's slow work, as one job a worker thread runs. No Qt.

Reading the folder, scoring every drawing and fitting the adaptation take minutes for a
big collection, and a folder on a dead network share can hang, so the window runs them as
one :func:`run` of a :class:`Request` on a worker thread, which reports how far it is and
stops when cancelled; the :class:`Result` is applied on the GUI thread. The job touches
nothing the GUI thread uses: it reads with a copy of the model's reader (:func:`~.keeper.unadapted`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.collection.folder import Cancelled, Entry, Progress, ScanCancelled
from digitcanvas.collection.hand import HandModel, fit_hand
from digitcanvas.collection.keeper import read_folder, unadapted
from digitcanvas.collection.state import PREDICT_CHUNK, Collection
from digitcanvas.model.session import ModelRunError
from digitcanvas.reading.adaptation import MIN_EXAMPLES
from digitcanvas.reading.doubt import too_small
from digitcanvas.reading.one_pass import Features, OnePass
from digitcanvas.reading.reader import Reader
from digitcanvas.util.cores import usable_cores

READING = "Reading your collection"
SCORING = "Scoring your collection"
ADAPTING = "Adapting to your drawings"

SCORING_THREADS = 2  # batches scored at once, at most one per core: the model runs without the GIL

Report = Callable[[str, int, int], None]  # (activity, done, total), from the worker thread


@dataclass(frozen=True)
class Request:
    """What one job does: read ``folder`` (None: take ``entries`` as they are), score the
    entries with ``reader`` (``score``), fit the adaptation to them (``fit``)."""

    folder: Path | None
    entries: Sequence[Entry]
    reader: Reader | None
    score: bool
    fit: bool


@dataclass(frozen=True)
class Result:
    request: Request
    collection: Collection | None  # the folder read (None: not asked)
    entries: Sequence[Entry]  # what was scored and fitted
    read: dict[Path, int] | None  # the model's digit for each file (None: not scored, or it failed)
    hand: HandModel | None  # the adaptation's features of them (None: not asked, or too few)
    error: str | None  # what failed, for the status bar


def run(request: Request, report: Report, cancelled: Cancelled) -> Result | None:
    """The job, on the worker thread: touches nothing the GUI thread uses. None: cancelled."""
    collection, entries = None, request.entries
    if request.folder is not None:
        collection = read_folder(request.folder, on_progress=partial(report, READING), cancelled=cancelled)
        if collection is None:
            return None
        entries = list(collection.entries)
    read, hand, error = None, None, None
    reader = None if request.reader is None else unadapted(request.reader)
    fitting = reader is not None and request.fit and len(entries) >= MIN_EXAMPLES
    learned = HandModel() if fitting else None  # features learned from the scoring's network inputs
    try:
        if reader is not None and request.score:
            read = _score(reader, entries, learned, partial(report, SCORING), cancelled)
    except ScanCancelled:
        return None
    except ModelRunError as e:
        error = f"Could not score your collection: {e}"
    try:
        if reader is not None and fitting:
            hand = fit_hand(reader, entries, on_progress=partial(report, ADAPTING), cancelled=cancelled, hand=learned)
    except ScanCancelled:
        return None
    except (ModelRunError, ValueError) as e:
        error = f"Could not adapt to your drawings: {e}"
    return Result(request, collection, entries, read, hand, error)


def _score(
    reader: Reader, entries: Sequence[Entry], hand: HandModel | None, progress: Progress, cancelled: Cancelled
) -> dict[Path, int]:
    """The model's digit for each entry, by file, read in batches; the run that reads each
    batch also gives ``hand`` its features (:class:`~digitcanvas.reading.one_pass.OnePass`:
    one forward pass per drawing, not two). Features the model fails on are left to
    :func:`fit_hand`, which says so.

    Batches are preprocessed and run on up to SCORING_THREADS threads at once, one per
    core (onnxruntime runs without holding the GIL, and the model is most of the time),
    and taken in order here.
    """
    read: dict[Path, int] = {}
    both = OnePass(reader.classifier)
    chunks = [entries[start : start + PREDICT_CHUNK] for start in range(0, len(entries), PREDICT_CHUNK)]

    def work(chunk: Sequence[Entry]) -> tuple[NDArray[np.float32], NDArray[np.float64], Features]:
        images = reader.images28([e.drawing for e in chunk])
        return images, *both.run(images)

    threads = max(1, min(SCORING_THREADS, usable_cores()))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="digitcanvas-score") as pool:
        # At most one batch per thread in flight: leaving early waits for those only.
        upcoming = deque(pool.submit(work, chunk) for chunk in chunks[:threads])
        for n, chunk in enumerate(chunks):
            if cancelled():
                raise ScanCancelled
            progress(n * PREDICT_CHUNK, len(entries))
            images, probabilities, features = upcoming.popleft().result()
            if n + threads < len(chunks):
                upcoming.append(pool.submit(work, chunks[n + threads]))
            readings = reader.readings_of(images, probabilities, small=[too_small(e.drawing) for e in chunk])
            read.update((e.path, r.digits[0].digit) for e, r in zip(chunk, readings, strict=True))
            if hand is not None and features is not None:
                hand.keep(reader, chunk, features)
    if entries:
        progress(len(entries), len(entries))
    return read


def nothing_there(folder: Path) -> bool:
    """True when ``folder`` does not exist: an empty collection, nothing to read."""
    try:
        folder.stat()
    except FileNotFoundError:
        return True
    except OSError:
        pass  # the worker reads it and says what is wrong
    return False
