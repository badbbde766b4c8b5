"""Work off the GUI thread: one worker thread that runs only the latest job it is given.

The inside view computes activations and saliency maps with it; the collection is read,
scored and fitted with it. Jobs are plain callables that touch nothing the GUI thread
uses; their results (and what they report on the way) come back as signals on the
thread that owns the runner, where the caller applies them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot


class LatestJobRunner(QObject):
    """One worker thread that runs the latest job given; results come back as ``finished``
    on the thread that owns the runner (the GUI thread). A job submitted while another runs
    waits, and a newer one replaces it: a burst of requests costs at most two runs.

    A job that should stop early when it is superseded checks a flag its caller sets (see
    :class:`~digitcanvas.ui.window.collection_control.CollectionControl`); the runner never interrupts one.
    """

    finished = Signal(object, object)  # the job's key, its result (or the exception it raised)
    progressed = Signal(object, object)  # the job's key, what it passed to report()
    _done = Signal(object, object)
    _reported = Signal(object, object)

    def __init__(self, parent: QObject, *, name: str = "background") -> None:
        super().__init__(parent)
        self._name = name  # the worker thread's name prefix (seen in debuggers and tests)
        self._executor: ThreadPoolExecutor | None = None  # made when first needed, again after shutdown
        self._busy = False
        self._pending: tuple[Any, Callable[[], Any]] | None = None
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._reported.connect(self.progressed, Qt.ConnectionType.QueuedConnection)

    def submit(self, key: Any, job: Callable[[], Any]) -> None:
        """Run ``job()`` on the worker thread; ``finished(key, result)`` follows."""
        if self._busy:
            self._pending = (key, job)  # replaces any older waiting job
        else:
            self._start(key, job)

    def report(self, key: Any, news: Any) -> None:
        """Called by a job on the worker thread: ``progressed(key, news)`` follows on the GUI thread."""
        with contextlib.suppress(RuntimeError):  # the owner was deleted meanwhile
            self._reported.emit(key, news)

    def _start(self, key: Any, job: Callable[[], Any]) -> None:
        self._busy = True
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        self._executor.submit(self._work, key, job)

    def _work(self, key: Any, job: Callable[[], Any]) -> None:  # on the worker thread
        try:
            result: Any = job()
        except Exception as e:  # handed to the GUI thread, which knows what to say
            result = e
        with contextlib.suppress(RuntimeError):  # the owner was deleted meanwhile
            self._done.emit(key, result)

    @Slot(object, object)
    def _on_done(self, key: Any, result: Any) -> None:
        self._busy = False
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._start(*pending)
        self.finished.emit(key, result)

    def shutdown(self) -> None:
        """Drop the waiting job and wait for the running one (its result is still delivered)."""
        self._pending = None
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
