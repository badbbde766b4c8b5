"""The training engine on a few hundred synthetic images: reports, Stop and Resume, the model it writes.

Needs PyTorch (the ``train`` extra); skipped without it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from mnist_files import bar_digits
from strokes import compose

from digitcanvas.model.classifier import Classifier, InputSource
from digitcanvas.model.conventions import PRESETS_BY_KEY
from digitcanvas.model.info import (
    META_DOUBT,
    META_NAME,
    META_RECIPE,
    META_TEMPERATURE,
    META_TEST_ACCURACY,
    META_TRAINING,
    META_VERSION,
)
from digitcanvas.training.dataset import TrainingData, split_training, with_drawings
from digitcanvas.training.layers import parse_layers
from digitcanvas.training.mnist_data import MnistSplit
from digitcanvas.training.recipes import RECIPES_BY_KEY, Recipe

torch = pytest.importorskip("torch", reason="training needs PyTorch: the train extra")

from digitcanvas.training.engine import EpochReport, StepReport, Trainer, estimate_epoch_seconds  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)  # a Trainer sets it for the whole process


def _data(train: int = 360, test: int = 80) -> TrainingData:
    rng = np.random.default_rng(5)
    return split_training(MnistSplit(*bar_digits(train, rng)), MnistSplit(*bar_digits(test, rng)))


def _quick(key: str, **changes: object) -> Recipe:
    return RECIPES_BY_KEY[key].changed(**{"epochs": 2, "batch_size": 32, **changes})


def test_training_reports_every_step_and_epoch_and_learns(tmp_path: Path) -> None:
    data = _data()
    trainer = Trainer(_quick("dense"), data, threads=1)
    steps: list[StepReport] = []
    epochs: list[EpochReport] = []
    assert trainer.run(on_step=steps.append, on_epoch=epochs.append)
    per_epoch = -(-len(data.train_labels) // 32)
    assert trainer.steps_per_epoch == per_epoch and len(steps) == 2 * per_epoch
    assert [(s.epoch, s.step) for s in steps[per_epoch - 1 : per_epoch + 1]] == [(1, per_epoch), (2, 1)]
    assert steps[-1].done == 1.0 and all(s.seconds_left is not None and s.seconds_left >= 0 for s in steps)
    assert all(0 <= s.accuracy <= 1 and s.loss >= 0 for s in steps)
    assert [e.epoch for e in epochs] == [1, 2] and epochs[-1].seconds_left == 0.0
    assert epochs[-1].val_accuracy > 0.9  # bars in ten places: learnable in two epochs
    assert trainer.evaluate_test() > 0.9


def test_stop_then_resume_trains_exactly_as_one_run(tmp_path: Path) -> None:
    data = _data()
    whole = Trainer(_quick("small-cnn"), data, threads=1)
    whole.run()
    paused = Trainer(_quick("small-cnn"), data, threads=1)
    calls = {"n": 0}

    def stop_at_seven() -> bool:
        calls["n"] += 1
        return calls["n"] == 8  # asked before each step: seven steps, then stop

    assert not paused.run(stop=stop_at_seven)
    assert (paused.epoch, paused.step) == (0, 7) and not paused.finished
    snapshot = paused.model_bytes()  # the network so far, as a model
    assert b"epoch 1 of 2, step 7" in snapshot
    assert paused.run()
    assert paused.steps_done == whole.steps_done == paused.total_steps
    for a, b in zip(whole.net.parameters(), paused.net.parameters(), strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("key", "preset"), [("dense", "unit"), ("small-cnn", "mnist"), ("dropout", "keras-normalize")])
def test_the_model_written_loads_with_its_convention_and_reads_as_the_engine_does(
    tmp_path: Path, key: str, preset: str
) -> None:
    data = _data()
    recipe = _quick(key, input=preset)
    trainer = Trainer(recipe, data, threads=1)
    trainer.run()
    accuracy = trainer.evaluate_test()
    path = tmp_path / "trained.onnx"
    path.write_bytes(trainer.model_bytes())

    classifier = Classifier(path)
    assert classifier.input_source == InputSource.METADATA
    assert classifier.scaling == PRESETS_BY_KEY[preset].scaling
    meta = classifier.metadata
    assert meta[META_NAME] == recipe.name and meta[META_VERSION] == "2 epochs"
    assert Recipe.from_json(meta[META_RECIPE]).layers == recipe.layers
    figures = json.loads(meta[META_TRAINING])
    assert figures["epochs_done"] == 2 and len(figures["history"]) == 2 and figures["test_accuracy"] == accuracy
    assert float(meta[META_TEST_ACCURACY]) == pytest.approx(accuracy, abs=1e-4)
    assert 0 < classifier.info.doubt_threshold == float(meta[META_DOUBT]) < 1

    # DigitCanvas's reading of the file: what the engine computes, calibrated.
    pixels = data.test_images.astype(np.float32) / np.float32(255)
    engine = trainer.predict_probabilities(data.test_images)
    np.testing.assert_allclose(classifier.predict_proba(pixels), engine, atol=1e-4)
    assert float(meta[META_TEMPERATURE]) > 0
    assert (classifier.predict_proba(pixels).argmax(1) == data.test_labels).mean() == pytest.approx(accuracy)


def test_the_from_scratch_network_and_ones_own_layers_train_too() -> None:
    data = _data(200, 40)
    for recipe in (
        _quick("scratch", epochs=1),
        _quick("cnn", epochs=1, layers=parse_layers("conv 4 5, tanh, maxpool 4")),
    ):
        trainer = Trainer(recipe, data, threads=1)
        assert trainer.run() and trainer.history[-1].val_loss > 0


def test_the_collection_joins_the_training_images() -> None:
    data = _data(120, 20)
    drawings = [
        compose(["7"])[0].with_label(7),
        compose(["1"])[0].with_label(1),
        compose(["0"])[0],
    ]  # the last: no label
    more = with_drawings(data, drawings, repeat=3)
    assert len(more.train_labels) == len(data.train_labels) + 6
    assert list(more.train_labels[-6:]) == [7, 7, 7, 1, 1, 1]
    assert more.train_images.dtype == np.uint8 and more.train_images[-1].max() > 200
    assert "your collection: 2 labelled drawings, each counted 3×" in more.notes
    assert with_drawings(data, []) is data


def test_the_time_per_epoch_is_measured_before_training() -> None:
    seconds = estimate_epoch_seconds(_quick("dense"), 5500, 500, threads=1)
    assert 0 < seconds < 60
