"""The training engine: a recipe's network trained with PyTorch on the CPU. No Qt.

This module imports PyTorch, the ``train`` extra, so only the code that trains imports it
(``digitcanvas train`` and the window's training process, :mod:`.worker`), after
:func:`~.engine_check.missing_engine` said it is there.

:class:`Trainer` trains step by step and can stop between any two steps and go on later
(Stop and Resume): it reports every step (:class:`StepReport`) and every epoch
(:class:`EpochReport`, with the validation figures), and at any point writes the network
so far as an ordinary ONNX model (:meth:`Trainer.model_bytes`), calibrated on the
validation images, with its input convention, "Not sure" threshold, recipe and figures in
the metadata. The learning rate warms up over the first steps and then follows a cosine
down to zero at the last step, which gets most recipes to their best in few epochs.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import nn

from digitcanvas.model.info import (
    META_DOUBT,
    META_NAME,
    META_OUTPUT,
    META_RECIPE,
    META_TEMPERATURE,
    META_TEST_ACCURACY,
    META_TRAINING,
    META_VERSION,
    InputScaling,
    OutputKind,
)
from digitcanvas.training.calibration import fit_temperature, fit_threshold, softmax
from digitcanvas.training.dataset import TrainingData
from digitcanvas.training.layers import LayerKind, LayerPlan, NetworkPlan
from digitcanvas.training.onnx_writer import BATCH_NORM_EPSILON, Weights, network_model
from digitcanvas.training.recipes import Optimizer, Recipe

DEFAULT_SEED = 20261121
# PyTorch's threads wait for each other at every operation: with a core busy elsewhere (the
# window, another program) a step of two threads took 58 times as long as one thread's on a
# busy 2-core machine (Dense 128-128: 508 ms against 8.7 ms). One core is left free.
SPARE_CORES = 1
EVAL_BATCH = 1000  # images per forward pass when validating (no gradients: little memory)
WARMUP_SHARE = 0.03  # of all steps, over which the learning rate rises to the recipe's
MOMENTUM = 0.9  # of the "momentum" optimiser
PROBE_STEPS = 3  # timed training steps behind the time-per-epoch estimate (after one to warm up)

StepCallback = Callable[["StepReport"], None]
EpochCallback = Callable[["EpochReport"], None]


@dataclass(frozen=True)
class StepReport:
    """One training step: ``epoch`` (from 1), ``step`` of ``steps`` in it, the batch's loss and
    accuracy as trained (dropout on), the share of the whole run ``done`` and the time left."""

    epoch: int
    step: int
    steps: int
    loss: float
    accuracy: float
    done: float
    seconds_left: float | None


@dataclass(frozen=True)
class EpochReport:
    """One epoch: its training loss and accuracy (mean over its batches), the validation
    figures after it, its training time and the time left for the epochs still to come."""

    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float
    seconds_left: float


class Network(nn.Module):
    """The recipe's network: one module per step of its plan (dense layers flatten maps first)."""

    def __init__(self, plan: NetworkPlan) -> None:
        super().__init__()
        self.plan = plan
        self.layers = nn.ModuleList(_module(step) for step in plan.steps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for step, module in zip(self.plan.steps, self.layers, strict=True):
            if step.flattens:
                x = torch.flatten(x, 1)
            x = module(x)
        return x

    def weights(self) -> list[Weights]:
        """Every step's arrays, named as PyTorch names them (for :func:`~.onnx_writer.network_model`)."""
        return [
            {
                name: value.detach().cpu().numpy().copy()
                for name, value in module.state_dict().items()
                if value.is_floating_point()
            }
            for module in self.layers
        ]


def _module(step: LayerPlan) -> nn.Module:
    layer = step.layer
    if layer.kind == LayerKind.DENSE:
        return nn.Linear(int(np.prod(step.input)), layer.size)
    if layer.kind == LayerKind.CONV:
        return nn.Conv2d(step.input[0], layer.size, layer.kernel, padding=layer.kernel // 2)
    if layer.kind == LayerKind.MAX_POOL:
        return nn.MaxPool2d(layer.size)
    if layer.kind == LayerKind.DROPOUT:
        return nn.Dropout(layer.rate)
    if layer.kind == LayerKind.BATCH_NORM:
        maps = len(step.input) == 3
        return (nn.BatchNorm2d if maps else nn.BatchNorm1d)(step.input[0], eps=BATCH_NORM_EPSILON)
    activations: dict[LayerKind, type[nn.Module]] = {
        LayerKind.RELU: nn.ReLU,
        LayerKind.SIGMOID: nn.Sigmoid,
        LayerKind.TANH: nn.Tanh,
    }
    return activations[layer.kind]()


def _optimizer(recipe: Recipe, parameters: list[nn.Parameter]) -> torch.optim.Optimizer:
    rate = recipe.learning_rate
    if recipe.optimizer == Optimizer.SGD:
        return torch.optim.SGD(parameters, lr=rate)
    if recipe.optimizer == Optimizer.MOMENTUM:
        return torch.optim.SGD(parameters, lr=rate, momentum=MOMENTUM)
    if recipe.optimizer == Optimizer.RMSPROP:
        return torch.optim.RMSprop(parameters, lr=rate)
    return torch.optim.Adam(parameters, lr=rate)


def _scaled(images: NDArray[np.uint8], scaling: InputScaling) -> torch.Tensor:
    """uint8 (N, 28, 28) → float32 (N, 1, 28, 28) in the recipe's input convention."""
    pixels = images.astype(np.float32) / np.float32(255.0)
    return torch.from_numpy(np.ascontiguousarray(scaling.apply(pixels))).unsqueeze(1)


def default_threads() -> int:
    """PyTorch threads to train with: every core this process may use but :data:`SPARE_CORES`, at least one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores - SPARE_CORES)


def learning_rate(rate: float, step: int, total: int) -> float:
    """The learning rate at ``step`` (from 0) of ``total``: a linear warm-up, then a cosine to zero."""
    warmup = max(1, round(WARMUP_SHARE * total))
    if step < warmup:
        return rate * (step + 1) / warmup
    return rate * 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


class Trainer:
    """Trains ``recipe`` on ``data``: :meth:`run` until done or stopped, again to go on.

    ``threads`` sets PyTorch's threads for the whole process (None: :func:`default_threads`);
    ``seed`` makes the run repeatable on one machine.
    """

    def __init__(
        self, recipe: Recipe, data: TrainingData, *, seed: int = DEFAULT_SEED, threads: int | None = None
    ) -> None:
        self.recipe = recipe
        self.plan = recipe.check()
        self.notes = data.notes
        torch.set_num_threads(threads or default_threads())
        torch.manual_seed(seed)
        self.seed = seed
        self._generator = torch.Generator().manual_seed(seed)
        self.net = Network(self.plan)
        scaling = recipe.scaling
        self._train_x, self._train_y = _scaled(data.train_images, scaling), torch.from_numpy(data.train_labels)
        self._val_x, self._val_y = _scaled(data.val_images, scaling), torch.from_numpy(data.val_labels)
        self._test_x, self._test_y = _scaled(data.test_images, scaling), torch.from_numpy(data.test_labels)
        self._optimizer = _optimizer(recipe, list(self.net.parameters()))
        self.steps_per_epoch = max(1, math.ceil(len(self._train_y) / recipe.batch_size))
        self.total_steps = recipe.epochs * self.steps_per_epoch
        self.epoch = 0  # epochs completed
        self.step = 0  # steps done in the current epoch
        self._order: torch.Tensor | None = None  # the current epoch's shuffle
        self._sums = (0.0, 0.0, 0)  # the current epoch's loss and accuracy sums, and batches
        self.history: list[EpochReport] = []
        self.seconds = 0.0  # training and validation time so far (not the pauses)
        self._step_seconds: float | None = None  # a moving mean of one step's time
        self._val_seconds: float | None = None
        self._val_logits: NDArray[np.float32] | None = None  # after the last validation
        self.test_accuracy: float | None = None

    @property
    def finished(self) -> bool:
        return self.epoch >= self.recipe.epochs

    @property
    def steps_done(self) -> int:
        return self.epoch * self.steps_per_epoch + self.step

    @property
    def train_count(self) -> int:
        return len(self._train_y)

    def seconds_left(self) -> float | None:
        """The time the remaining steps and validations will take, from the ones measured (None: none yet)."""
        if self._step_seconds is None:
            return None
        validations = self.recipe.epochs - self.epoch
        return (self.total_steps - self.steps_done) * self._step_seconds + validations * (self._val_seconds or 0.0)

    def run(
        self,
        *,
        on_step: StepCallback | None = None,
        on_epoch: EpochCallback | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> bool:
        """Train until the last epoch ends (returns True) or ``stop()`` turns true between two
        steps (returns False; :meth:`run` again goes on from there)."""
        while not self.finished:
            if stop is not None and stop():
                return False
            report = self._train_step()
            if on_step is not None:
                on_step(report)
            if self.step == self.steps_per_epoch:
                epoch = self._end_epoch()
                if on_epoch is not None:
                    on_epoch(epoch)
        return True

    def _train_step(self) -> StepReport:
        started = time.perf_counter()
        if self._order is None:
            self._order = torch.randperm(len(self._train_y), generator=self._generator)
        size = self.recipe.batch_size
        index = self._order[self.step * size : (self.step + 1) * size]
        x, y = self._train_x[index], self._train_y[index]
        for group in self._optimizer.param_groups:
            group["lr"] = learning_rate(self.recipe.learning_rate, self.steps_done, self.total_steps)
        self.net.train()
        logits = self.net(x)
        loss = F.cross_entropy(logits, y)
        self._optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(loss)
        self._optimizer.step()
        value = float(loss.detach())
        accuracy = float((logits.detach().argmax(1) == y).float().mean())
        losses, accuracies, batches = self._sums
        self._sums = (losses + value, accuracies + accuracy, batches + 1)
        self.step += 1
        elapsed = time.perf_counter() - started
        self.seconds += elapsed
        # A moving mean over about the last 50 steps: a busy moment does not swing the estimate.
        self._step_seconds = elapsed if self._step_seconds is None else 0.98 * self._step_seconds + 0.02 * elapsed
        return StepReport(
            self.epoch + 1,
            self.step,
            self.steps_per_epoch,
            value,
            accuracy,
            self.steps_done / self.total_steps,
            self.seconds_left(),
        )

    def _end_epoch(self) -> EpochReport:
        started = time.perf_counter()
        val_loss, val_accuracy, self._val_logits = self._evaluate(self._val_x, self._val_y)
        self._val_seconds = time.perf_counter() - started
        self.seconds += self._val_seconds
        losses, accuracies, batches = self._sums
        self.epoch += 1
        self.step, self._order, self._sums = 0, None, (0.0, 0.0, 0)
        seconds = self.seconds - sum(h.seconds for h in self.history)
        report = EpochReport(
            self.epoch,
            self.recipe.epochs,
            losses / max(batches, 1),
            accuracies / max(batches, 1),
            val_loss,
            val_accuracy,
            seconds,
            self.seconds_left() or 0.0,
        )
        self.history.append(report)
        return report

    @torch.no_grad()
    def _evaluate(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, NDArray[np.float32]]:
        """Loss, accuracy and logits (N, 10) of the network as it is now, in evaluation mode."""
        self.net.eval()
        logits = (
            torch.cat([self.net(x[i : i + EVAL_BATCH]) for i in range(0, len(y), EVAL_BATCH)])
            if len(y)
            else torch.zeros(0, 10)
        )
        loss = float(F.cross_entropy(logits, y)) if len(y) else float("nan")
        accuracy = float((logits.argmax(1) == y).float().mean()) if len(y) else float("nan")
        return loss, accuracy, logits.numpy()

    def evaluate_test(self) -> float:
        """The accuracy on the test images of the network as it is now (kept in :attr:`test_accuracy`)."""
        temperature, _ = self._calibration()
        logits = self._evaluate(self._test_x, self._test_y)[2] / temperature
        labels = self._test_y.numpy()
        self.test_accuracy = float((softmax(logits).argmax(1) == labels).mean()) if len(labels) else float("nan")
        return self.test_accuracy

    def predict_probabilities(self, images: NDArray[np.uint8]) -> NDArray[np.floating]:
        """The engine's own calibrated probabilities (N, 10) for uint8 images (N, 28, 28): what the
        exported model gives for them (the checks and the benchmark compare the two)."""
        temperature, _ = self._calibration()
        return softmax(self.predict_logits(images) / temperature)

    def _calibration(self) -> tuple[float, float]:
        """The temperature and the "Not sure" threshold, fitted on the validation images now."""
        val_logits = (
            self._evaluate(self._val_x, self._val_y)[2] if self.step or self._val_logits is None else self._val_logits
        )
        labels = self._val_y.numpy()
        if not len(labels):
            return 1.0, float("nan")
        temperature = fit_temperature(val_logits, labels)
        return temperature, fit_threshold(softmax(val_logits / temperature).max(axis=1))

    def figures(self) -> dict[str, object]:
        """What the training did, for the model's metadata (``digitcanvas.training``)."""
        return {
            "epochs_done": self.epoch,
            "steps_done": self.steps_done,
            "train_images": self.train_count,
            "data": list(self.notes),
            "seconds": round(self.seconds, 1),
            "threads": torch.get_num_threads(),
            "engine": f"PyTorch {torch.__version__} (CPU)",
            "seed": self.seed,
            "test_accuracy": self.test_accuracy,
            "history": [
                {k: round(v, 5) if isinstance(v, float) else v for k, v in asdict(h).items()} for h in self.history
            ],
        }

    def model_bytes(self, *, extra: dict[str, str] | None = None) -> bytes:
        """The network as it is now as an ONNX model (see :mod:`.onnx_writer`), calibrated, with
        the metadata: name, version (how far it trained), input convention, output kind,
        temperature, "Not sure" threshold, recipe, figures and (once measured) test accuracy;
        ``extra`` adds keys (``digitcanvas train`` adds its command line)."""
        temperature, threshold = self._calibration()
        recipe = self.recipe
        if self.finished:
            version = f"{recipe.epochs} epochs"
        elif self.step:
            version = f"epoch {self.epoch + 1} of {recipe.epochs}, step {self.step}"
        else:
            version = f"epoch {self.epoch} of {recipe.epochs}"
        metadata = {
            META_NAME: recipe.name,
            META_VERSION: version,
            **recipe.scaling.to_metadata(),
            META_OUTPUT: str(OutputKind.LOGITS),
            META_TEMPERATURE: f"{temperature:.4f}",
            META_RECIPE: recipe.to_json(),
            META_TRAINING: json.dumps(self.figures()),
        }
        if math.isfinite(threshold):
            metadata[META_DOUBT] = f"{threshold:.4f}"
        if self.test_accuracy is not None:
            metadata[META_TEST_ACCURACY] = f"{self.test_accuracy:.4f}"
        metadata.update(extra or {})
        return network_model(self.plan, self.net.weights(), temperature=temperature, metadata=metadata)

    def predict_logits(self, images: NDArray[np.uint8]) -> NDArray[np.float32]:
        """The network's logits (N, 10) for uint8 images (N, 28, 28), uncalibrated (for checks)."""
        x = _scaled(images, self.recipe.scaling)
        return self._evaluate(x, torch.zeros(len(x), dtype=torch.int64))[2]


def estimate_epoch_seconds(recipe: Recipe, train_count: int, val_count: int, *, threads: int | None = None) -> float:
    """How long one epoch of ``recipe`` on ``train_count`` images (and validating on
    ``val_count``) takes on this machine: a few training steps on random images, timed."""
    plan = recipe.check()
    torch.set_num_threads(threads or default_threads())
    net = Network(plan)
    optimizer = _optimizer(recipe, list(net.parameters()))
    size = min(recipe.batch_size, max(train_count, 1))
    x, y = torch.rand(size, 1, 28, 28), torch.randint(0, 10, (size,))
    times = []
    for _ in range(PROBE_STEPS + 1):
        started = time.perf_counter()
        loss = F.cross_entropy(net(x), y)
        optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(loss)
        optimizer.step()
        times.append(time.perf_counter() - started)
    step = float(np.median(times[1:]))  # the first step sets things up
    net.eval()
    with torch.no_grad():
        started = time.perf_counter()
        net(torch.rand(min(EVAL_BATCH, max(val_count, 1)), 1, 28, 28))
        per_image = (time.perf_counter() - started) / min(EVAL_BATCH, max(val_count, 1))
    return step * math.ceil(train_count / recipe.batch_size) + per_image * val_count
