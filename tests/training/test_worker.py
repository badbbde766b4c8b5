"""The window's training process, spoken to in JSON lines as the window does (here in a thread).

Needs PyTorch (the ``train`` extra); skipped without it.
"""

from __future__ import annotations

import io
import json
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mnist_files import write_mnist_folder

from digitcanvas.model.classifier import Classifier
from digitcanvas.model.info import META_TEST_ACCURACY, META_VERSION
from digitcanvas.training.recipes import RECIPES_BY_KEY
from digitcanvas.training.worker import main

torch = pytest.importorskip("torch", reason="training needs PyTorch: the train extra")
WAIT_S = 120  # for an event: a busy machine imports PyTorch slowly


class _Events(io.StringIO):
    """The worker's standard output: each line it writes, parsed, in a queue."""

    def __init__(self) -> None:
        super().__init__()
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []

    def write(self, text: str) -> int:
        for line in text.splitlines():
            self.events.put(json.loads(line))
        return len(text)

    def wait(self, kind: str) -> dict[str, Any]:
        """The next ``kind`` event (earlier ones of other kinds are kept in :attr:`seen`)."""
        while True:
            event = self.events.get(timeout=WAIT_S)
            self.seen.append(event)
            if event["event"] == kind:
                return event
            assert event["event"] != "error", event


@pytest.fixture
def worker() -> Iterator[tuple[_Events, io.TextIOWrapper]]:
    threads = torch.get_num_threads()
    read, write = os.pipe()
    events = _Events()
    source = os.fdopen(read, "r")
    commands = os.fdopen(write, "w")
    thread = threading.Thread(target=main, args=(source, events), daemon=True)
    thread.start()
    yield events, commands
    if not commands.closed:
        commands.close()  # the end of its input: the worker exits
    thread.join(WAIT_S)
    assert not thread.is_alive()
    source.close()
    torch.set_num_threads(threads)


def _send(commands: io.TextIOWrapper, **command: Any) -> None:
    commands.write(json.dumps(command) + "\n")
    commands.flush()


def test_estimate_train_stop_resume_and_the_models_it_writes(
    worker: tuple[_Events, io.TextIOWrapper], tmp_path: Path
) -> None:
    events, commands = worker
    events.wait("ready")
    recipe = json.loads(RECIPES_BY_KEY["dense"].changed(epochs=2, batch_size=32).to_json())
    _send(commands, command="estimate", recipe=recipe, train_count=1000, val_count=100, threads=1)
    assert events.wait("estimate")["seconds"] > 0

    data = tmp_path / "mnist"
    write_mnist_folder(data, train=240, test=40)
    out = tmp_path / "models"
    out.mkdir()
    request = {"recipe": recipe, "data_dir": str(data), "verify": False, "out_dir": str(out), "seed": 1, "threads": 1}
    _send(commands, command="train", **request)
    _send(commands, command="stop")  # read after "train": it stops that training before its first step
    assert events.wait("data")["train"] == 220
    snapshot = events.wait("model")
    assert Path(snapshot["path"]).parent == out and not snapshot["final"]
    paused = events.wait("paused")  # at once, unless a busy machine let a step or two pass before the Stop was read
    assert paused["epoch"] == 0 and paused["step"] < 7  # 220 digits, 32 a step
    Classifier(snapshot["path"])  # the network so far is an ordinary model

    _send(commands, command="snapshot")  # Use Now, read before the resume: the first thing it does
    _send(commands, command="resume")
    events.wait("resumed")
    assert Path(events.wait("model")["path"]).name == "snapshot-2.onnx"
    step = events.wait("step")
    assert step["epoch"] == 1 and 0 < step["step"] <= step["steps"] == 7
    first = events.wait("epoch")
    assert first["epoch"] == 1 and first["epochs"] == 2 and 0 <= first["val_accuracy"] <= 1
    assert Path(events.wait("model")["path"]).name == "epoch-1.onnx"
    final = events.wait("model")
    assert final["final"] and Path(final["path"]).name == "final.onnx"
    finished = events.wait("finished")
    model = Classifier(final["path"])
    assert model.metadata[META_VERSION] == "2 epochs"
    assert float(model.metadata[META_TEST_ACCURACY]) == pytest.approx(finished["test_accuracy"], abs=1e-4)


def test_bad_data_is_an_error_event_and_the_worker_goes_on(
    worker: tuple[_Events, io.TextIOWrapper], tmp_path: Path
) -> None:
    events, commands = worker
    events.wait("ready")
    recipe = json.loads(RECIPES_BY_KEY["dense"].to_json())
    _send(commands, command="train", recipe=recipe, data_dir=str(tmp_path), verify=False, out_dir=str(tmp_path))
    error = events.events.get(timeout=WAIT_S)
    assert error["event"] == "error" and "file not found" in error["message"]
    _send(commands, command="nonsense")  # not a command it knows: said, and it goes on
    assert "does not know" in events.events.get(timeout=WAIT_S)["message"]
    _send(commands, command="estimate", recipe=recipe, train_count=100, val_count=10, threads=1)
    assert events.wait("estimate")["seconds"] > 0


def test_a_model_it_cannot_write_ends_the_training_with_an_error(
    worker: tuple[_Events, io.TextIOWrapper], tmp_path: Path
) -> None:
    events, commands = worker
    events.wait("ready")
    data = tmp_path / "mnist"
    write_mnist_folder(data, train=120, test=20)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the models' folder should be")
    recipe = json.loads(RECIPES_BY_KEY["dense"].changed(epochs=2, batch_size=32).to_json())
    request = {"recipe": recipe, "data_dir": str(data), "verify": False, "out_dir": str(blocker), "threads": 1}
    _send(commands, command="train", **request)
    events.wait("data")
    while (event := events.events.get(timeout=WAIT_S))["event"] != "error":
        assert event["event"] in ("step", "epoch"), event  # no model, no "finished"
    assert "epoch-1.onnx: cannot write the model" in event["message"] and "Traceback" not in event["message"]
    _send(commands, command="estimate", recipe=recipe, train_count=100, val_count=10, threads=1, key="k")
    assert events.wait("estimate")["key"] == "k"  # and it goes on serving
