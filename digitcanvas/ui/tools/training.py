"""Model ▸ Train a Network…: train one in a process of its own, watch it learn, draw on it meanwhile.

:class:`TrainingTool` opens the :class:`~.training_view.TrainingView` and runs the engine as
a child process (:mod:`digitcanvas.training.worker`, through :class:`TrainingProcess`), so
the window never imports PyTorch and stays responsive. It sends the recipe, draws the
curves from the process's reports, and loads each model the process writes (after every
epoch, on Use Now, on Stop, at the end) through :class:`~digitcanvas.ui.window.model_control.ModelControl`
without remembering it: the person draws while the network learns, and the readings, the
inside view and Compare with Model follow. The models live in a temporary folder until
Save Model… writes one where the person chooses and loads it from there.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import weakref
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QProcess, QProcessEnvironment, QTimer, Signal
from PySide6.QtWidgets import QWidget

import digitcanvas
from digitcanvas.model.classifier import Classifier, ModelLoadError, load_classifier
from digitcanvas.state.app_state import AppState
from digitcanvas.training.dataset import COLLECTION_REPEAT, split_sizes
from digitcanvas.training.engine_check import missing_engine
from digitcanvas.training.mnist_data import MIRRORS, MNIST_TRAIN_IMAGES, default_cache_dir
from digitcanvas.training.recipes import Recipe
from digitcanvas.ui import dialogs
from digitcanvas.ui.background import LatestJobRunner
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.tools.training_view import Phase, TrainingView
from digitcanvas.ui.window.geometry import place_on_screen
from digitcanvas.ui.window.model_control import LOAD_FAILED, ModelControl
from digitcanvas.util.files import describe_os_error, write_atomic
from digitcanvas.util.text import duration

TRAINING_TITLE = "Train a Network — DigitCanvas"
WORKER_MODULE = "digitcanvas.training.worker"
ESTIMATE_DELAY_MS = 600  # after the last edit: typing a layer measures once, not per key
QUIT_WAIT_MS = 3000  # for the process to end after its input closes, before it is killed
MAX_ERROR_BYTES = 8192  # of the process's error output kept for "Show Details…"
SAVE_FAILED = "Could not save the model"
TRAINING_FAILED = "Training failed"


class TrainingProcess(QObject):
    """``python -m digitcanvas.training.worker`` as a child process: :meth:`send` writes a command,
    ``message`` brings each event it writes; ``failed`` says it ended when it should not have."""

    message = Signal(dict)  # an event the process wrote
    failed = Signal(str, str)  # what to tell the person, the process's own error output

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None
        self._output = bytearray()
        self._errors = bytearray()
        self._closing = False

    def running(self) -> bool:
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    def send(self, **command: Any) -> None:
        """Write ``command`` as one JSON line, starting the process first if it is not running."""
        if not self.running():
            self._start()
        assert self._process is not None
        self._process.write((json.dumps(command) + "\n").encode())

    def _start(self) -> None:
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        # The child imports this very DigitCanvas, installed or not.
        root = str(Path(digitcanvas.__file__).resolve().parent.parent)
        paths = [root, *filter(None, [environment.value("PYTHONPATH")])]
        environment.insert("PYTHONPATH", os.pathsep.join(paths))
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_output)
        process.readyReadStandardError.connect(self._read_errors)
        process.finished.connect(self._finished)
        self._output.clear()
        self._errors.clear()
        self._closing = False
        self._process = process
        process.start(sys.executable, ["-m", WORKER_MODULE])

    def _read_output(self) -> None:
        assert self._process is not None
        self._output += self._process.readAllStandardOutput().data()
        *lines, rest = bytes(self._output).split(b"\n")
        self._output = bytearray(rest)
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # not ours (a library printing): ignored
            if isinstance(event, dict):
                self.message.emit(event)

    def _read_errors(self) -> None:
        assert self._process is not None
        self._errors += self._process.readAllStandardError().data()
        del self._errors[:-MAX_ERROR_BYTES]

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        if not self._closing:
            self.failed.emit(
                f"The training process stopped unexpectedly (exit status {code}).",
                bytes(self._errors).decode("utf-8", "replace"),
            )

    def close(self) -> None:
        """End the process: its input closes (it quits), and after :data:`QUIT_WAIT_MS` it is killed."""
        process, self._process = self._process, None
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        self._closing = True
        process.closeWriteChannel()
        if not process.waitForFinished(QUIT_WAIT_MS):
            process.kill()
            process.waitForFinished(QUIT_WAIT_MS)


class TrainingTool:
    """Trains a network for ``state`` and makes it the model in use through ``models``.

    ``cache_dir`` is where MNIST is kept (default: the user's data folder); ``data_dir``
    reads MNIST from a folder instead (``verify``: check it is MNIST's); ``mirrors`` are the
    download addresses; ``threads``: PyTorch's (default: one per core but one).
    """

    def __init__(
        self,
        state: AppState,
        models: ModelControl,
        settings: AppSettings,
        parent: QWidget,
        *,
        cache_dir: Path | None = None,
        data_dir: Path | None = None,
        verify: bool = True,
        mirrors: tuple[str, ...] = MIRRORS,
        threads: int | None = None,
    ) -> None:
        self._state = state
        self._models = models
        self._settings = settings
        self._parent = parent
        self._data: dict[str, Any] = {
            "cache_dir": str(cache_dir or default_cache_dir()),
            "data_dir": str(data_dir) if data_dir is not None else None,
            "verify": verify,
            "mirrors": list(mirrors),
            "threads": threads,
        }
        self.view: TrainingView | None = None
        self.process = TrainingProcess(parent)
        self.process.message.connect(self._on_event)
        self.process.failed.connect(self._on_failed)
        self._loader = LatestJobRunner(parent, name="trained-model")  # models are loaded off the window's thread
        self._loader.finished.connect(self._model_loaded)
        self.recipe: Recipe | None = None  # the one training (or trained)
        self.latest: Path | None = None  # the last model the process wrote
        self._folder: str | None = None  # where it writes them
        self._use_next = False  # Use Now: load the next model written
        self._wanted: Path | None = None  # the model being loaded to use
        self._estimates: dict[str, float] = {}
        self._estimate_timer = QTimer(parent, singleShot=True, interval=ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self._ask_estimate)
        if (app := QCoreApplication.instance()) is not None:
            app.aboutToQuit.connect(self.process.close)  # the models folder goes when Python ends

    @property
    def phase(self) -> Phase:
        return self.view.phase if self.view is not None else Phase.IDLE

    def open(self) -> TrainingView:
        """Show the window (made the first time) and bring it forward."""
        if self.view is None:
            self.view = self._make_view()
        self._update_collection()
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        return self.view

    def _make_view(self) -> TrainingView:
        view = TrainingView(self._parent)
        view.setWindowTitle(TRAINING_TITLE)
        view.editor.changed.connect(self._recipe_changed)
        view.start_clicked.connect(self.start)
        view.stop_clicked.connect(self.stop)
        view.resume_clicked.connect(self.resume)
        view.use_now_clicked.connect(self.use_now)
        view.save_clicked.connect(self.save_dialog)
        self.view = view
        if (message := missing_engine()) is not None:
            view.show_message(message, problem=True)
        self._recipe_changed()
        place_on_screen(view, None)  # sized with the recipe's summary in it: it opens unscrolled
        return view

    # --- before training ------------------------------------------------------------------

    def _update_collection(self) -> None:
        collection = self._state.keeper.collection
        count = len(collection.entries) if collection.loaded and not self._state.keeper.loading else 0
        if self.view is not None:
            self.view.editor.set_collection_size(count)

    def _train_count(self) -> int:
        train, _ = split_sizes(MNIST_TRAIN_IMAGES)
        view = self.view
        kept = (
            len(self._state.keeper.collection.entries) if view is not None and view.editor.collection.isChecked() else 0
        )
        return train + COLLECTION_REPEAT * kept

    def _recipe_changed(self) -> None:
        view = self.view
        if view is None:
            return
        recipe = view.editor.recipe()
        view.set_start_allowed(recipe is not None and missing_engine() is None)
        if recipe is None:
            view.editor.set_summary("")
            return
        parameters = f"{recipe.check().parameters:,} parameters"
        seconds = self._estimates.get(self._estimate_key(recipe))
        if missing_engine() is not None:
            view.editor.set_summary(parameters)
        elif seconds is None:
            view.editor.set_summary(f"{parameters} · measuring the time per epoch…")
            self._estimate_timer.start()
        else:
            view.editor.set_summary(f"{parameters} · about {duration(seconds)} per epoch on this computer")

    def _estimate_key(self, recipe: Recipe) -> str:
        return f"{recipe.to_json()}|{self._train_count()}"

    def _ask_estimate(self) -> None:
        view = self.view
        if view is None or self.phase in (Phase.PREPARING, Phase.TRAINING) or (recipe := view.editor.recipe()) is None:
            return
        _, val = split_sizes(MNIST_TRAIN_IMAGES)
        self.process.send(
            command="estimate",
            recipe=json.loads(recipe.to_json()),
            train_count=self._train_count(),
            val_count=val,
            threads=self._data["threads"],
            key=self._estimate_key(recipe),
        )

    # --- training -------------------------------------------------------------------------

    def start(self) -> bool:
        """Train the recipe in the editor from the start (a paused or finished run is dropped)."""
        view = self.open()
        recipe = view.editor.recipe()
        if recipe is None or (message := missing_engine()) is not None:
            view.show_message(message or "", problem=True)
            return False
        self._new_folder()
        self.recipe, self.latest, self._use_next, self._wanted = recipe, None, False, None
        collection = str(self._state.keeper.folder) if view.editor.collection.isChecked() else None
        view.curves.clear(recipe.epochs)
        view.set_phase(Phase.PREPARING, has_model=False)
        view.show_progress(0.0, "Starting…")
        view.show_message("")
        self.process.send(
            command="train",
            recipe=json.loads(recipe.to_json()),
            out_dir=self._folder,
            collection=collection,
            **self._data,
        )
        return True

    def stop(self) -> None:
        """Pause between two steps (or stop a download): the network so far becomes the model in use."""
        if self.phase in (Phase.PREPARING, Phase.TRAINING):
            self._use_next = True
            self.process.send(command="stop")

    def resume(self) -> None:
        if self.phase == Phase.PAUSED and self.view is not None:
            self.view.set_phase(Phase.TRAINING, has_model=self.latest is not None)
            self.process.send(command="resume")

    def use_now(self) -> None:
        """Make the network as it is now the model in use, and go on training."""
        if self.phase == Phase.TRAINING:
            self._use_next = True
            self.process.send(command="snapshot")

    def _new_folder(self) -> None:
        old = self._folder
        self._folder = tempfile.mkdtemp(prefix="digitcanvas-training-")
        weakref.finalize(self, shutil.rmtree, self._folder, ignore_errors=True)
        classifier = self._state.models.classifier
        if old is not None and (classifier is None or Path(old) not in classifier.path.parents):
            shutil.rmtree(old, ignore_errors=True)  # the model in use may still be one of its files

    # --- what the process says ------------------------------------------------------------

    def _on_event(self, event: dict[str, Any]) -> None:
        view = self.view
        kind = event.get("event")
        if view is None:
            return
        if kind == "estimate":
            self._estimates[str(event.get("key", ""))] = float(event["seconds"])
            self._recipe_changed()
        elif kind == "download":
            share = event["done"] / event["total"] if event.get("total") else 0.0
            view.show_progress(
                0.0,
                f"Downloading MNIST (once): {event['name']}, file {event['index']} of {event['count']}, {share:.0%}",
            )
        elif kind == "data":
            view.set_phase(Phase.TRAINING, has_model=False)
            view.show_message("Training on " + "; ".join(event["notes"]) + ".")
        elif kind == "step":
            x = event["epoch"] - 1 + event["step"] / event["steps"]
            view.curves.add_step(x, event["loss"], event["accuracy"])
            view.show_progress(
                event["done"],
                f"Epoch {event['epoch']} of {self.recipe.epochs if self.recipe else '?'}, step {event['step']} of "
                f"{event['steps']} · loss {event['loss']:.3f} · accuracy {event['accuracy']:.1%} · "
                f"{duration(event.get('seconds_left'))} left",
            )
        elif kind == "epoch":
            view.curves.add_epoch(
                event["epoch"], event["train_loss"], event["train_accuracy"], event["val_loss"], event["val_accuracy"]
            )
            accuracy, loss = event["val_accuracy"], event["val_loss"]
            view.show_message(f"Epoch {event['epoch']}: validation accuracy {accuracy:.2%}, loss {loss:.3f}.")
        elif kind == "model":
            self._model_written(Path(event["path"]), final=bool(event.get("final")))
        elif kind == "paused":
            view.set_phase(Phase.PAUSED, has_model=self.latest is not None)
            self._recipe_changed()  # a time per epoch asked for meanwhile
            view.show_progress(view.progress.value() / view.progress.maximum(), "Stopped: Resume goes on from here.")
        elif kind == "finished":
            view.set_phase(Phase.FINISHED, has_model=self.latest is not None)
            view.show_progress(1.0, f"Done in {duration(event.get('seconds'))}.")
            view.show_message(
                f"Finished: {event['test_accuracy']:.2%} of the {event['test_images']:,} test digits read right. "
                "It is the model in use now; Save Model… keeps it."
            )
            self._recipe_changed()
        elif kind == "error":
            self._failed(str(event.get("message", TRAINING_FAILED)), str(event.get("details", "")))

    def _model_written(self, path: Path, *, final: bool) -> None:
        self.latest = path
        view = self.view
        if final or self._use_next or (view is not None and view.follow.isChecked()):
            self._use_next = False
            # Loaded off the window's thread (onnxruntime's session, the checks, the first runs),
            # then used at once: a drawing on the canvas is read with it straight away.
            self._wanted = path
            self._loader.submit(path, lambda: load_classifier(path))
        if view is not None:
            view.set_phase(view.phase, has_model=True)

    def _model_loaded(self, path: Path, result: object) -> None:
        if path != self._wanted:
            return  # another model was asked for since (a newer one, or the one saved)
        self._wanted = None
        if isinstance(result, Classifier):
            self._models.use_loaded(result, remember=False)
        elif isinstance(result, ModelLoadError):
            self._state.fail(LOAD_FAILED, str(result), result.details)
        elif isinstance(result, Exception):
            self._state.fail(LOAD_FAILED, f"{path}: {type(result).__name__}")

    def _on_failed(self, message: str, details: str) -> None:
        if self.phase in (Phase.PREPARING, Phase.TRAINING, Phase.PAUSED):
            self._failed(message, details)

    def _failed(self, message: str, details: str) -> None:
        view = self.view
        if view is not None:
            training = self.phase in (Phase.PREPARING, Phase.TRAINING)
            if training:
                view.set_phase(Phase.IDLE if self.latest is None else Phase.PAUSED, has_model=self.latest is not None)
                view.show_progress(0.0 if self.latest is None else view.progress.value() / view.progress.maximum(), "")
            view.show_message(message, problem=True)
            self._recipe_changed()
        if details:
            self._state.fail(TRAINING_FAILED, message, details)

    # --- keeping the result -----------------------------------------------------------------

    def save_dialog(self) -> None:
        """Save Model…: ask where, then :meth:`save_to`."""
        if self.latest is None or self.recipe is None or self.view is None:
            return
        name = f"{self.recipe.key}.onnx"
        if path := dialogs.ask_save_path(self.view, self._settings, "Save Trained Model", name, dialogs.MODEL_FILES):
            self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        """Write the latest model to ``path`` and use it from there (remembered, as any model opened)."""
        if self.latest is None:
            return False
        self._wanted = None  # a model still loading is not used after this one
        try:
            write_atomic(path, self.latest.read_bytes())
        except OSError as e:
            self._state.fail(SAVE_FAILED, f"{path}: {describe_os_error(e)}")
            return False
        if self._models.load(path):
            self._state.say(f"Saved the trained network as {path.name}; it is the model in use.")
        return True

    def shutdown(self) -> None:
        """End the training process and remove the models not saved."""
        self._estimate_timer.stop()
        self.process.close()
        self._loader.shutdown()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
