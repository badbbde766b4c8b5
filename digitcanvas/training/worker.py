"""The window's training process: ``python -m digitcanvas.training.worker``. No Qt.

The window never imports PyTorch: importing it stops every other thread of the process for
about 0.4 s, and training competes with the window for the interpreter. It runs this
module as a child process instead (:class:`~digitcanvas.ui.tools.training.TrainingTool`),
which also keeps PyTorch's memory out of the window's process and lets Stop act between
any two steps.

The two talk in JSON lines. The window writes commands to the child's standard input:

* ``{"command": "estimate", "recipe": …, "train_count": N, "val_count": M, "key": …}``: time
  one epoch (the answer carries the same ``key``);
* ``{"command": "train", "recipe": …, "data_dir": …, "cache_dir": …, "verify": …,
  "collection": …, "out_dir": …, "seed": …, "threads": …}``: load the data and train;
* ``{"command": "stop"}``, ``{"command": "resume"}``: pause between two steps, go on;
* ``{"command": "snapshot"}``: write the network so far now (Use Now);
* ``{"command": "quit"}`` or the end of the input: stop and exit.

The child answers on its standard output with events: ``ready``, ``estimate``,
``download``, ``data``, ``step``, ``epoch``, ``model`` (a model file written: after each
epoch, on a pause, on demand), ``paused``, ``resumed``, ``finished`` and ``error``
(``message`` for the person, ``details`` for whoever debugs). Model files are written
into ``out_dir``, which the window owns.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from digitcanvas.collection.folder import load_collection
from digitcanvas.drawing.strokes import DrawingFileError
from digitcanvas.training.dataset import load_training_data, with_drawings
from digitcanvas.training.mnist_data import (
    MIRRORS,
    DownloadCancelled,
    DownloadProgress,
    MnistError,
    MnistUnavailableError,
)
from digitcanvas.training.recipes import Recipe, RecipeError
from digitcanvas.util.files import describe_os_error, write_atomic

if TYPE_CHECKING:  # imported for real only once a command needs PyTorch
    from digitcanvas.training.engine import EpochReport, StepReport, Trainer

STEP_REPORT_SECONDS = 0.1  # at most ten step events a second: each is a curve point in the window
# Below the window's priority, so drawing stays smooth while a core trains.
WORKER_NICENESS = 5
FAILED = "Training failed"

Command = dict[str, Any]


class Channel:
    """The events written to ``out`` (one JSON object per line) and the commands read from
    ``source`` on a thread of their own: stop, resume and snapshot set flags at once,
    the others wait in :attr:`commands`."""

    def __init__(self, source: IO[str], out: IO[str]) -> None:
        self._out = out
        self._lock = threading.Lock()
        self.commands: queue.Queue[Command] = queue.Queue()
        self.stop = threading.Event()
        self.snapshot = threading.Event()
        self.quit = threading.Event()
        self._reader = threading.Thread(target=self._read, args=(source,), name="commands", daemon=True)
        self._reader.start()

    def send(self, event: str, **fields: Any) -> None:
        with self._lock:
            self._out.write(json.dumps({"event": event, **fields}) + "\n")
            self._out.flush()

    def _read(self, source: IO[str]) -> None:
        for line in source:
            try:
                command = json.loads(line)
                name = command["command"]
            except (ValueError, KeyError, TypeError):
                _unknown(self, line)
                continue
            if name == "train":  # a Stop sent after it stops this training, even before it starts
                self.stop.clear()
                self.snapshot.clear()
                self.commands.put(command)
            elif name == "stop":
                self.stop.set()
            elif name == "resume":
                self.stop.clear()
                self.commands.put(command)
            elif name == "snapshot":
                self.snapshot.set()
            else:
                self.commands.put(command)
        self.quit.set()
        self.stop.set()  # a training in progress ends at its next step
        self.commands.put({"command": "quit"})


def main(source: IO[str] | None = None, out: IO[str] | None = None) -> int:
    """Serve commands from ``source`` (standard input) until ``quit`` or its end."""
    channel = Channel(source or sys.stdin, out or sys.stdout)
    channel.send("ready")
    while True:
        command = channel.commands.get()
        name = command.get("command")
        if name == "quit":
            return 0
        try:
            if name == "estimate":
                _estimate(channel, command)
            elif name == "train":
                _train(channel, command)
            elif name != "resume":  # a resume with nothing paused does nothing
                _unknown(channel, json.dumps(command))
        except Exception as e:  # the window says it failed and keeps working
            channel.send("error", message=f"{FAILED} ({type(e).__name__})", details=traceback.format_exc())
        if channel.quit.is_set():
            return 0


def _unknown(channel: Channel, line: str) -> None:
    channel.send("error", message=f"{FAILED}: a command the training process does not know", details=line[:200])


def _estimate(channel: Channel, command: Command) -> None:
    from digitcanvas.training.engine import estimate_epoch_seconds

    try:
        recipe = Recipe.from_json(json.dumps(command["recipe"]))
        recipe.check()
    except RecipeError as e:
        channel.send("error", message=str(e), details="")
        return
    seconds = estimate_epoch_seconds(
        recipe, int(command["train_count"]), int(command["val_count"]), threads=command.get("threads")
    )
    channel.send("estimate", key=command.get("key"), seconds=seconds)


def _train(channel: Channel, command: Command) -> None:
    from digitcanvas.training.engine import DEFAULT_SEED, Trainer

    recipe = Recipe.from_json(json.dumps(command["recipe"]))
    out_dir = Path(command["out_dir"])

    def progress(news: DownloadProgress) -> None:
        channel.send("download", **asdict(news))

    try:
        data = load_training_data(
            data_dir=command.get("data_dir"),
            cache_dir=command.get("cache_dir"),
            verify=bool(command.get("verify", True)),
            on_progress=progress,
            cancelled=channel.stop.is_set,
            mirrors=command.get("mirrors") or MIRRORS,
        )
        if command.get("collection"):
            data = with_drawings(data, load_collection(command["collection"]))
    except DownloadCancelled:
        channel.send("error", message="The download was stopped; Start downloads the rest.", details="")
        return
    except (MnistError, MnistUnavailableError, DrawingFileError, RecipeError) as e:
        channel.send("error", message=str(e), details="")
        return
    channel.send("data", notes=list(data.notes), train=len(data.train_labels))
    trainer = Trainer(recipe, data, seed=int(command.get("seed", DEFAULT_SEED)), threads=command.get("threads"))
    test_images = len(data.test_labels)
    del data  # the trainer keeps its own copies, scaled as the recipe feeds them
    reporter = _StepReporter(channel)

    def write(name: str, *, final: bool = False) -> None:
        path = out_dir / name
        try:
            write_atomic(path, trainer.model_bytes())
        except OSError as e:  # the training ends: the window could not use what it learns
            raise _WriteFailed(f"{path}: cannot write the model ({describe_os_error(e)})") from e
        channel.send(
            "model",
            path=str(path),
            final=final,
            epoch=trainer.epoch,
            step=trainer.step,
            test_accuracy=trainer.test_accuracy,
        )

    def epoch_done(report: EpochReport) -> None:
        channel.send("epoch", **asdict(report))
        if not trainer.finished:
            write(f"epoch-{trainer.epoch}.onnx")

    try:
        _run(channel, trainer, reporter, write, epoch_done, test_images=test_images)
    except _WriteFailed as e:
        channel.send("error", message=str(e), details="")


class _WriteFailed(Exception):
    """A model file could not be written; the message names it and why."""


def _run(
    channel: Channel,
    trainer: Trainer,
    reporter: _StepReporter,
    write: Callable[..., None],
    epoch_done: Callable[[EpochReport], None],
    *,
    test_images: int,
) -> None:
    """Train until done (the final model written) or quit, pausing on Stop, writing on Use Now."""
    snapshots = 0
    while True:
        done = trainer.run(
            on_step=reporter.step, on_epoch=epoch_done, stop=lambda: channel.stop.is_set() or channel.snapshot.is_set()
        )
        if done:
            trainer.evaluate_test()
            write("final.onnx", final=True)
            channel.send(
                "finished", test_accuracy=trainer.test_accuracy, test_images=test_images, seconds=trainer.seconds
            )
            return
        if channel.quit.is_set():
            return
        snapshots += 1
        write(f"snapshot-{snapshots}.onnx")
        channel.snapshot.clear()
        if channel.stop.is_set():
            channel.send("paused", epoch=trainer.epoch, step=trainer.step)
            if not _wait_for_resume(channel):
                return
            channel.send("resumed")


def _wait_for_resume(channel: Channel) -> bool:
    """Wait while paused: True on resume; False on quit or a new training, which main() then reads."""
    while True:
        command = channel.commands.get()
        if command.get("command") == "resume":
            return True
        if command.get("command") in ("quit", "train"):
            channel.commands.put(command)
            return False


class _StepReporter:
    """Step events at most every :data:`STEP_REPORT_SECONDS`, each with the mean loss and
    accuracy of the steps since the last one (and always at an epoch's last step)."""

    def __init__(self, channel: Channel, clock: Callable[[], float] = time.monotonic) -> None:
        self._channel = channel
        self._clock = clock
        self._last = clock()
        self._losses: list[float] = []
        self._accuracies: list[float] = []

    def step(self, report: StepReport) -> None:
        self._losses.append(report.loss)
        self._accuracies.append(report.accuracy)
        now = self._clock()
        if now - self._last < STEP_REPORT_SECONDS and report.step < report.steps:
            return
        fields = asdict(report)
        fields["loss"] = sum(self._losses) / len(self._losses)
        fields["accuracy"] = sum(self._accuracies) / len(self._accuracies)
        self._channel.send("step", **fields)
        self._losses.clear()
        self._accuracies.clear()
        self._last = now


if __name__ == "__main__":
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):  # not allowed here: train at the window's priority
            os.nice(WORKER_NICENESS)
    sys.exit(main())
