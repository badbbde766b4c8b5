"""Recipes: the networks the origin notebooks trained, and how to train them. No Qt, no PyTorch.

Each :class:`Recipe` is a layer list (:mod:`.layers`) with its epochs, batch size,
learning rate, optimiser and input convention; the window and ``digitcanvas train`` start
from one and let the person change any of it. The settings were chosen on a validation
split of the MNIST training images (5,000 of them, never the test set) for a good result
in a few minutes on a laptop's CPU, not for the last tenth of a point
(``python -m lab.benchmark.training`` measures them).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from digitcanvas.model.conventions import parse_setting
from digitcanvas.model.info import InputScaling
from digitcanvas.training.layers import Layer, LayerError, NetworkPlan, format_layers, parse_layers, plan_network
from digitcanvas.util.enums import StrEnum

MAX_EPOCHS = 200
BATCH_SIZE_RANGE = (1, 2048)
LEARNING_RATE_RANGE = (1e-6, 10.0)
# Batch size × values every layer outputs per image: 64 M float32 values are 256 MB in the
# forward pass, about three times that with the backward pass, within the app's 1.5 GB.
MAX_BATCH_VALUES = 64_000_000


class Optimizer(StrEnum):
    SGD = "sgd"  # plain gradient descent, as the from-scratch notebook wrote it
    MOMENTUM = "momentum"  # SGD with momentum 0.9
    ADAM = "adam"
    RMSPROP = "rmsprop"


class RecipeError(ValueError):
    """A recipe that cannot be trained; the message names the setting and its limit."""


@dataclass(frozen=True)
class Recipe:
    """A network and how to train it. ``input`` is an input setting, a preset's key or
    explicit values (:func:`digitcanvas.model.conventions.parse_setting`): how pixels are
    fed, in training and to the exported model (written into its metadata)."""

    key: str
    name: str
    about: str
    layers: tuple[Layer, ...]
    epochs: int
    batch_size: int
    learning_rate: float
    optimizer: Optimizer
    input: str = "unit"

    @property
    def scaling(self) -> InputScaling:
        """How pixels are fed (raises :class:`RecipeError` for an input setting that is not one)."""
        try:
            return parse_setting(self.input)
        except ValueError as e:
            raise RecipeError(f"input: {e}") from e

    def check(self) -> NetworkPlan:
        """The network's plan, once every setting is within its limits; raises :class:`RecipeError`."""
        try:
            plan = plan_network(self.layers)
        except LayerError as e:
            raise RecipeError(str(e)) from e
        if not 1 <= self.epochs <= MAX_EPOCHS:
            raise RecipeError(f"epochs: {self.epochs}; DigitCanvas trains 1 to {MAX_EPOCHS}")
        low, high = BATCH_SIZE_RANGE
        if not low <= self.batch_size <= high:
            raise RecipeError(f"batch size: {self.batch_size}; it must be {low} to {high}")
        low_rate, high_rate = LEARNING_RATE_RANGE
        if not low_rate <= self.learning_rate <= high_rate:
            raise RecipeError(f"learning rate: {self.learning_rate:g}; it must be {low_rate:g} to {high_rate:g}")
        _ = self.scaling  # an input setting that is not one raises RecipeError
        if self.batch_size * plan.values > MAX_BATCH_VALUES:
            raise RecipeError(
                f"a batch of {self.batch_size} makes {self.batch_size * plan.values:,} values in the layers; "
                f"at most {MAX_BATCH_VALUES:,} fit in memory: use a smaller batch"
            )
        return plan

    def changed(self, **changes: Any) -> Recipe:
        """This recipe with ``changes``; a changed network is the person's own ("custom")."""
        recipe = dataclasses.replace(self, **changes)
        if "layers" in changes and tuple(changes["layers"]) != self.layers and not self.key.startswith(CUSTOM):
            recipe = dataclasses.replace(recipe, key=f"{CUSTOM}-{self.key}", name=f"{self.name} (changed)")
        return recipe

    def to_json(self) -> str:
        """The recipe as written into an exported model's metadata (``digitcanvas.recipe``)."""
        return json.dumps(
            {
                "key": self.key,
                "name": self.name,
                "layers": format_layers(self.layers).replace("\n", ", "),
                "epochs": self.epochs,
                "batch_size": self.batch_size,
                "learning_rate": self.learning_rate,
                "optimizer": str(self.optimizer),
                "input": self.input,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Recipe:
        """The inverse of :meth:`to_json`; raises :class:`RecipeError`."""
        try:
            data: Mapping[str, Any] = json.loads(text)
            return cls(
                key=str(data["key"]),
                name=str(data["name"]),
                about="",
                layers=parse_layers(str(data["layers"])),
                epochs=int(data["epochs"]),
                batch_size=int(data["batch_size"]),
                learning_rate=float(data["learning_rate"]),
                optimizer=Optimizer(data["optimizer"]),
                input=str(data["input"]),
            )
        except (ValueError, KeyError, TypeError) as e:
            raise RecipeError(f"not a recipe ({e})") from e


CUSTOM = "custom"  # the key's prefix once the person changed a recipe's layers


def _recipe(key: str, name: str, about: str, layers: str, **settings: Any) -> Recipe:
    return Recipe(key, name, about, parse_layers(layers), **settings)


RECIPES: tuple[Recipe, ...] = (
    _recipe(
        "scratch",
        "From scratch: 28-28 sigmoid",
        "The from-scratch notebook's network: two hidden layers of 28 sigmoid units, plain gradient descent.",
        "dense 28, sigmoid, dense 28, sigmoid",
        epochs=10,
        batch_size=32,
        learning_rate=0.5,
        optimizer=Optimizer.SGD,
    ),
    _recipe(
        "dense",
        "Dense 128-128",
        "The Keras notebook's network: two dense layers of 128 ReLU units, Adam.",
        "dense 128, relu, dense 128, relu",
        epochs=5,
        batch_size=128,
        learning_rate=2e-3,
        optimizer=Optimizer.ADAM,
    ),
    _recipe(
        "dropout",
        "Dense 256-128-128, dropout, batch norm",
        "The Keras notebook's larger network: 256 units with dropout, 128, then 128 with batch normalisation.",
        "dense 256, relu, dropout 0.2, dense 128, relu, dense 128, batchnorm, relu",
        epochs=8,
        batch_size=128,
        learning_rate=2e-3,
        optimizer=Optimizer.ADAM,
    ),
    _recipe(
        "cnn",
        "CNN: 3 × Conv2D(64) + MaxPool",
        "The Keras notebook's convolutional network: three blocks of 64 3 × 3 filters and 2 × 2 max pooling.",
        "conv 64 3, relu, maxpool 2, conv 64 3, relu, maxpool 2, conv 64 3, relu, maxpool 2",
        epochs=3,
        batch_size=128,
        learning_rate=2e-3,
        optimizer=Optimizer.ADAM,
    ),
    _recipe(
        "small-cnn",
        "Small modern CNN",
        "A small CNN of today: 3 × 3 convolutions with batch normalisation, max pooling, dropout.",
        "conv 16 3, batchnorm, relu, maxpool 2, conv 32 3, batchnorm, relu, maxpool 2, "
        "conv 64 3, batchnorm, relu, maxpool 2, dropout 0.2",
        epochs=4,
        batch_size=128,
        learning_rate=4e-3,
        optimizer=Optimizer.ADAM,
    ),
)
RECIPES_BY_KEY = {recipe.key: recipe for recipe in RECIPES}
DEFAULT_RECIPE = "dense"  # a good reading in under a minute on a laptop
