"""A network as a list of layers, in words a learner can edit. No Qt, no PyTorch.

One layer per line (or separated by commas), as a notebook would stack them::

    conv 32 3      # 32 filters of 3 × 3 (padded: the maps keep their size)
    batchnorm      # normalise each channel (or unit) over the batch
    relu           # or sigmoid, tanh
    maxpool 2      # the largest value of each 2 × 2 window: maps half as wide
    dropout 0.25   # drop a quarter of the values while training
    dense 128      # 128 units, each connected to every value before it

The network takes the 28 × 28 image as one channel, flattens the maps before the first
``dense`` layer, and always ends in a dense layer of ten units, one per digit (its
logits), which is not written. :func:`plan_network` checks the order and the limits and
works out each layer's output shape, parameters and multiply-adds, so the window and
``digitcanvas train`` show them before anything is trained.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from digitcanvas.model.shapes import FIELD, NUM_CLASSES
from digitcanvas.util.enums import StrEnum

# Limits, checked once in plan_network, each refusal naming its limit.
MAX_LAYERS = 32  # hidden layers: deeper nets need residual connections, which a plain stack cannot write
MAX_UNITS = 4096  # of a dense layer
MAX_FILTERS = 512  # of a convolution
KERNEL_SIDES = (1, 3, 5, 7)  # odd, so padding of side // 2 keeps the maps' size
POOL_SIDES = (2, 3, 4)  # a pooling window's side, which is also its stride
MAX_DROPOUT = 0.9  # dropping more leaves too little to learn from
# 40 MB of float32 weights; training holds them four times (weights, gradients, two optimiser moments).
MAX_PARAMETERS = 10_000_000
COMMENT = "#"
INPUT_SHAPE = (1, FIELD, FIELD)  # one channel of 28 × 28 pixels


class LayerKind(StrEnum):
    DENSE = "dense"
    CONV = "conv"
    MAX_POOL = "maxpool"
    DROPOUT = "dropout"
    BATCH_NORM = "batchnorm"
    RELU = "relu"
    SIGMOID = "sigmoid"
    TANH = "tanh"


ACTIVATIONS = (LayerKind.RELU, LayerKind.SIGMOID, LayerKind.TANH)
# How each kind is written: its arguments, for the help text and the error messages.
SYNTAX = {
    LayerKind.DENSE: "dense UNITS",
    LayerKind.CONV: "conv FILTERS SIDE",
    LayerKind.MAX_POOL: "maxpool SIDE",
    LayerKind.DROPOUT: "dropout RATE",
    LayerKind.BATCH_NORM: "batchnorm",
    LayerKind.RELU: "relu",
    LayerKind.SIGMOID: "sigmoid",
    LayerKind.TANH: "tanh",
}
ALIASES = {
    "pool": LayerKind.MAX_POOL,
    "maxpooling": LayerKind.MAX_POOL,
    "bn": LayerKind.BATCH_NORM,
    "linear": LayerKind.DENSE,
}


class LayerError(ValueError):
    """A layer list that cannot make a network; the message names the layer and the limit."""


@dataclass(frozen=True)
class Layer:
    """One layer: ``size`` is a dense layer's units, a convolution's filters or a pooling
    window's side; ``kernel`` a convolution's side; ``rate`` the share dropout drops."""

    kind: LayerKind
    size: int = 0
    kernel: int = 0
    rate: float = 0.0

    def __str__(self) -> str:
        if self.kind in (LayerKind.DENSE, LayerKind.MAX_POOL):
            return f"{self.kind} {self.size}"
        if self.kind == LayerKind.CONV:
            return f"{self.kind} {self.size} {self.kernel}"
        if self.kind == LayerKind.DROPOUT:
            return f"{self.kind} {self.rate:g}"
        return str(self.kind)


OUTPUT_LAYER = Layer(LayerKind.DENSE, NUM_CLASSES)  # every network ends here: one logit per digit


def parse_layers(text: str) -> tuple[Layer, ...]:
    """Layers from text: one per line or separated by commas; ``#`` starts a comment.

    Raises :class:`LayerError` naming the line and what is accepted. The order and the
    limits are checked by :func:`plan_network`.
    """
    layers = []
    items = [item for line in text.splitlines() for item in line.split(COMMENT, 1)[0].split(",")]
    for item in items:
        words = item.split()
        if not words:
            continue
        layers.append(_parse_one(words, item.strip()))
    return tuple(layers)


def _parse_one(words: list[str], item: str) -> Layer:
    name = words[0].lower()
    try:
        kind = ALIASES.get(name) or LayerKind(name)
    except ValueError:
        known = ", ".join(SYNTAX.values())
        raise LayerError(f"{item!r}: unknown layer {words[0]!r}; the layers are: {known}") from None
    arguments = words[1:]
    expected = len(SYNTAX[kind].split()) - 1
    if len(arguments) != expected:
        raise LayerError(f"{item!r}: write it as {SYNTAX[kind]!r}")
    try:
        if kind in (LayerKind.DENSE, LayerKind.MAX_POOL):
            return Layer(kind, size=_whole(arguments[0]))
        if kind == LayerKind.CONV:
            return Layer(kind, size=_whole(arguments[0]), kernel=_whole(arguments[1]))
        if kind == LayerKind.DROPOUT:
            return Layer(kind, rate=float(arguments[0]))
    except ValueError:
        raise LayerError(f"{item!r}: write it as {SYNTAX[kind]!r}, with numbers") from None
    return Layer(kind)


def _whole(text: str) -> int:
    if not re.fullmatch(r"\d{1,9}", text):
        raise ValueError(text)
    return int(text)


def format_layers(layers: Sequence[Layer]) -> str:
    """The inverse of :func:`parse_layers`: one layer per line."""
    return "\n".join(str(layer) for layer in layers)


@dataclass(frozen=True)
class LayerPlan:
    """What one layer does: its input and output shapes ((channels, height, width) for maps,
    (units,) after flattening), trainable ``parameters`` and ``mult_adds`` per image."""

    layer: Layer
    input: tuple[int, ...]
    output: tuple[int, ...]
    parameters: int
    mult_adds: int

    @property
    def flattens(self) -> bool:
        """True for the dense layer that takes maps: they are flattened first."""
        return self.layer.kind == LayerKind.DENSE and len(self.input) == 3

    @property
    def values(self) -> int:
        """Values this layer outputs per image (memory while training)."""
        return _count(self.output)


@dataclass(frozen=True)
class NetworkPlan:
    """Every layer's plan, the written ones then :data:`OUTPUT_LAYER`."""

    steps: tuple[LayerPlan, ...]

    @property
    def parameters(self) -> int:
        return sum(step.parameters for step in self.steps)

    @property
    def mult_adds(self) -> int:
        """Multiply-adds to read one image."""
        return sum(step.mult_adds for step in self.steps)

    @property
    def values(self) -> int:
        """Values every layer outputs for one image together (memory while training)."""
        return sum(step.values for step in self.steps)

    @property
    def hidden(self) -> tuple[Layer, ...]:
        return tuple(step.layer for step in self.steps[:-1])


def plan_network(layers: Sequence[Layer]) -> NetworkPlan:
    """Check ``layers`` (the hidden ones) and work out every layer's shapes and costs.

    Raises :class:`LayerError` naming the layer (counted from 1) and the rule or limit.
    """
    if len(layers) > MAX_LAYERS:
        raise LayerError(f"{len(layers)} layers: DigitCanvas trains at most {MAX_LAYERS}")
    shape: tuple[int, ...] = INPUT_SHAPE
    steps = []
    for number, layer in enumerate([*layers, OUTPUT_LAYER], start=1):
        where = f"layer {number} ({layer})" if number <= len(layers) else "the output layer"
        step = _plan_one(layer, shape, where)
        steps.append(step)
        shape = step.output
    plan = NetworkPlan(tuple(steps))
    if plan.parameters > MAX_PARAMETERS:
        raise LayerError(f"{plan.parameters:,} parameters: DigitCanvas trains at most {MAX_PARAMETERS:,}")
    return plan


def _plan_one(layer: Layer, shape: tuple[int, ...], where: str) -> LayerPlan:
    kind = layer.kind
    maps = len(shape) == 3
    if kind == LayerKind.DENSE:
        if not 1 <= layer.size <= MAX_UNITS:
            raise LayerError(f"{where}: a dense layer has 1 to {MAX_UNITS} units")
        inputs = _count(shape)
        return LayerPlan(layer, shape, (layer.size,), inputs * layer.size + layer.size, inputs * layer.size)
    if kind in (LayerKind.CONV, LayerKind.MAX_POOL) and not maps:
        raise LayerError(f"{where}: it needs image maps; put it before the first dense layer")
    if kind == LayerKind.CONV:
        if not 1 <= layer.size <= MAX_FILTERS:
            raise LayerError(f"{where}: a convolution has 1 to {MAX_FILTERS} filters")
        if layer.kernel not in KERNEL_SIDES:
            raise LayerError(f"{where}: a convolution's side is one of {', '.join(map(str, KERNEL_SIDES))}")
        channels, height, width = shape
        weights = channels * layer.kernel * layer.kernel * layer.size
        return LayerPlan(layer, shape, (layer.size, height, width), weights + layer.size, weights * height * width)
    if kind == LayerKind.MAX_POOL:
        if layer.size not in POOL_SIDES:
            raise LayerError(f"{where}: a pooling window's side is one of {', '.join(map(str, POOL_SIDES))}")
        channels, height, width = shape
        if height < layer.size:
            raise LayerError(f"{where}: the maps are only {height} × {width} here, smaller than the window")
        return LayerPlan(layer, shape, (channels, height // layer.size, width // layer.size), 0, 0)
    if kind == LayerKind.DROPOUT and not 0.0 <= layer.rate <= MAX_DROPOUT:
        raise LayerError(f"{where}: dropout drops a share from 0 to {MAX_DROPOUT:g}")
    if kind == LayerKind.BATCH_NORM:
        return LayerPlan(layer, shape, shape, 2 * shape[0], 0)  # a scale and a shift per channel
    return LayerPlan(layer, shape, shape, 0, 0)


def _count(shape: tuple[int, ...]) -> int:
    count = 1
    for side in shape:
        count *= side
    return count
