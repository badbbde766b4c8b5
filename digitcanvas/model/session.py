"""Open and run onnxruntime sessions within DigitCanvas's bounds. No Qt.

Every model run of the app goes through here: :func:`open_session` opens a CPU session
with no log output and (where onnxruntime can) the tensors of all runs held to one capped
arena of :data:`MODEL_RUN_MEMORY_BYTES`; :func:`run_session` runs it under a time limit
that one watchdog thread enforces, and turns onnxruntime's failures into
:class:`ModelRunError` in words (never its C++ text). The classifier
(:mod:`digitcanvas.model.classifier`) and the inspector's copy of the model
(:mod:`digitcanvas.explain.inspector`) share them.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

ORT_FATAL_ONLY = 4  # onnxruntime log severity: nothing but fatal errors; our own messages explain failures
# Time and memory bounds on running a model (onnxruntime stops a run between operators and
# between Loop iterations; one operator is bounded by the memory it may allocate).
MODEL_RUN_SECONDS = 10.0  # one inference call (a batch of up to inference.MAX_BATCH images) after loading
MODEL_RUN_MEMORY_BYTES = 512 * 1024 * 1024  # tensors computed during runs, all models of a process together


class ModelRunError(RuntimeError):
    """A loaded model failed on an input, or gave no usable probabilities for it."""


class ModelTimeoutError(ModelRunError):
    """A run took longer than its limit (:data:`MODEL_RUN_SECONDS`, or at load time
    :data:`~digitcanvas.model.classifier.MODEL_LOAD_SECONDS`) and was stopped."""


def _ort_reason(error: Exception) -> str:
    """onnxruntime's first line without its status codes and the repeated path; never its
    C++ source locations and signatures (then only the failing operator is named)."""
    full = str(error)
    text = full.splitlines()[0] if full else type(error).__name__
    text = re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ", "", text)
    text = re.sub(r"^Load model from .*? failed:", "", text)
    if _CPP_LOCATION.search(text):
        node = re.search(r"running (\w+) node", text)
        return f"its {node.group(1)} operator failed" if node else "onnxruntime failed inside the model"
    return text.strip() or type(error).__name__


# onnxruntime's words when the capped arena (or the system) refuses an allocation
_ALLOCATION_FAILED = re.compile(
    r"Available memory of \d+ is smaller than requested|Failed to allocate memory|bad_alloc"
)
_CPP_LOCATION = re.compile(r"\.(cc|cpp|h):\d+")


def _bounded_memory(ort: Any) -> bool:
    """Register, once per process, the shared CPU arena capped at MODEL_RUN_MEMORY_BYTES that
    every session uses; False where this onnxruntime cannot (then only weights are bounded)."""
    global _ARENA_REGISTERED
    with _ARENA_LOCK:
        if _ARENA_REGISTERED is None:
            try:
                config = ort.OrtArenaCfg(MODEL_RUN_MEMORY_BYTES, _ARENA_EXTEND_AS_REQUESTED, -1, -1)
                memory = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
                ort.create_and_register_allocator(memory, config)
                _ARENA_REGISTERED = True
            except Exception:  # an onnxruntime without shared allocators, or one registered already
                _ARENA_REGISTERED = False
        return _ARENA_REGISTERED


_ARENA_EXTEND_AS_REQUESTED = 1  # grow the arena by what is asked, not to the next power of two
_ARENA_LOCK = threading.Lock()
_ARENA_REGISTERED: bool | None = None


class _Watchdog:
    """One daemon thread that stops runs past their deadline by setting ``terminate`` on
    their ``RunOptions`` (cheaper than a timer thread per run; live drawing runs often)."""

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._reset)  # worker processes start their own thread

    def _reset(self) -> None:
        self._wake = threading.Condition()
        self._runs: dict[int, tuple[float, Any]] = {}
        self._tickets = 0
        self._thread: threading.Thread | None = None
        self._scheduled = float("inf")  # when the thread wakes next by itself

    def watch(self, options: Any, seconds: float) -> int:
        with self._wake:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="digitcanvas-model-watchdog", daemon=True)
                self._thread.start()
            self._tickets += 1
            deadline = time.monotonic() + seconds
            self._runs[self._tickets] = (deadline, options)
            if deadline < self._scheduled:  # else it wakes in time anyway: no thread switch per run
                self._scheduled = deadline
                self._wake.notify()
            return self._tickets

    def release(self, ticket: int) -> None:
        with self._wake:
            self._runs.pop(ticket, None)

    def _loop(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                for ticket, (deadline, options) in list(self._runs.items()):
                    if deadline <= now:
                        options.terminate = True
                        del self._runs[ticket]
                self._scheduled = min((deadline for deadline, _ in self._runs.values()), default=float("inf"))
                self._wake.wait(None if self._scheduled == float("inf") else max(self._scheduled - now, 0.0))


_WATCHDOG = _Watchdog()


class SessionRefusedError(Exception):
    """onnxruntime would not open a model; ``details`` is what it said (for a details box)."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details


EXTERNAL_FOLDER_KEY = "session.model_external_initializers_file_folder_path"
# Read every model as the ONNX protobuf that file_check walked, never as onnxruntime's own
# ORT format, which it picks for a file named *.ort (a copy of the bundled model named so
# fails "ORT model verification" without this, and loads with it).
MODEL_FORMAT_KEY, MODEL_FORMAT = "session.load_model_format", "ONNX"
# Constant folding computes, while the session is created, every node whose inputs are
# constants, outside the bounded arena and with no time limit: a ConstantOfShape of a
# Concat of constants (800 MB of floats) took 1.6 GB to open (4.8 GB in issue #27). Without it
# such nodes run with the model, within MODEL_RUN_MEMORY_BYTES and the time limits. The
# bundled model's optimised graph is the same either way (its constants are folded at
# export); its single-image inference took a median 0.87-0.97 ms without folding, 0.95-1.07
# ms with it (python -m lab.benchmark.speed, three runs each, interleaved; issue #27).
UNBOUNDED_OPTIMIZERS = ["ConstantFolding"]


def open_session(model: str | bytes, threads: int, *, external_folder: Path | None = None) -> Any:
    """An onnxruntime CPU session with DigitCanvas's options, for a model file's path or
    a model's bytes (then ``external_folder`` is where its external weights live):
    ``threads`` intra-op threads, no log output, no constant folding (which would compute
    outside every bound), and each run's memory held to ``MODEL_RUN_MEMORY_BYTES`` where
    onnxruntime can. Raises :class:`SessionRefusedError`.
    """
    import onnxruntime as ort  # deferred: keeps `import digitcanvas` light

    ort.set_default_logger_severity(ORT_FATAL_ONLY)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = ORT_FATAL_ONLY
    if _bounded_memory(ort):
        options.add_session_config_entry("session.use_env_allocators", "1")
        # Weights live outside the bounded arena: model_file bounds them, statically.
        options.add_session_config_entry("session.use_device_allocator_for_initializers", "1")
    if external_folder is not None:
        options.add_session_config_entry(EXTERNAL_FOLDER_KEY, str(external_folder))
    options.add_session_config_entry(MODEL_FORMAT_KEY, MODEL_FORMAT)
    printed = io.StringIO()  # onnxruntime's Python layer prints "EP Error" banners on some failures
    try:
        with contextlib.redirect_stdout(printed):
            return ort.InferenceSession(
                model,
                sess_options=options,
                providers=["CPUExecutionProvider"],
                disabled_optimizers=UNBOUNDED_OPTIMIZERS,
            )
    except Exception as e:  # onnxruntime raises several private exception types
        raise SessionRefusedError(f"{printed.getvalue()}{e}") from e


def run_session(
    session: Any,
    names: list[str],
    feeds: dict[str, Any],
    limit: float | None = None,
    late: str | None = None,
) -> list[Any]:
    """``session.run(names, feeds)``, stopped by the watchdog after ``limit`` seconds
    (default: ``MODEL_RUN_SECONDS``).

    Raises :class:`ModelTimeoutError` (saying ``late``, or the run limit), or
    :class:`ModelRunError`, also when the run needs more memory than DigitCanvas allows.
    """
    import onnxruntime as ort

    options = ort.RunOptions()
    options.log_severity_level = ORT_FATAL_ONLY
    ticket = _WATCHDOG.watch(options, MODEL_RUN_SECONDS if limit is None else limit)
    try:
        return list(session.run(names, feeds, options))
    except Exception as e:  # onnxruntime raises several private exception types
        if options.terminate:
            raise ModelTimeoutError(
                late or f"the model did not finish within {MODEL_RUN_SECONDS:g} s and was stopped"
            ) from e
        if _ALLOCATION_FAILED.search(str(e)):
            raise ModelRunError(
                f"the model needs more than {MODEL_RUN_MEMORY_BYTES // 2**20} MB of memory for one run "
                f"(DigitCanvas's limit)"
            ) from e
        raise ModelRunError(f"the model failed on this input ({_ort_reason(e)})") from e
    finally:
        _WATCHDOG.release(ticket)
