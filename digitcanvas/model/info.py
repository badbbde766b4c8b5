"""What a model file says about itself, parsed once when it loads. No Qt.

DigitCanvas reads and writes its facts as ONNX ``metadata_props`` under ``digitcanvas.*``.
Every key is defined here, :class:`ModelInfo` parses them, and :func:`write_metadata` is
the one writer (used by training, ``lab.train.refit_doubt``, the app and the tests).

Keys the app reads:

* ``digitcanvas.input_scale``, ``digitcanvas.input_mean``, ``digitcanvas.input_std``: the
  network is fed ``(x * scale - mean) / std`` for pixels ``x`` in [0, 1] (255 for a 0-255
  model; MNIST's mean/std 0.1307/0.3081);
* ``digitcanvas.input_invert``: "true" if the model wants black ink on white;
* ``digitcanvas.input_normalize``: "l2-columns" for models trained on
  ``tf.keras.utils.normalize(x, axis=1)`` (each image column scaled to unit L2 norm,
  after the steps above); "none" (the default) otherwise;
* ``digitcanvas.input_fit``: for a model whose input is larger than 28×28 (LeNet-5's
  32×32): "pad" (the default: paper around the digit, as LeNet-5 was trained) or "resize";
* ``digitcanvas.output``: "logits", "probabilities" or "scores" (independent sigmoid
  units); detected from the model's behaviour when missing;
* ``digitcanvas.doubt_threshold``: the calibrated top probability under which the app
  says "Not sure" (fitted by ``python -m lab.train.refit_doubt``);
* ``digitcanvas.name``, ``digitcanvas.version``: shown in the window and the CLI.

Informational keys written by ``python -m lab.train``: ``digitcanvas.test_accuracy``,
``digitcanvas.temperature``, ``digitcanvas.training_command``, ``digitcanvas.output``;
by the networks trained in the app or with ``digitcanvas train`` (:mod:`digitcanvas.training`),
also ``digitcanvas.recipe`` (the layers and settings, JSON) and ``digitcanvas.training``
(the training figures: epochs, time, data, per-epoch losses and accuracies, JSON).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.onnx_fields import EntryField, ModelField
from digitcanvas.model.proto import ProtoError, fields, len_field, string_entry
from digitcanvas.util.enums import StrEnum
from digitcanvas.util.files import describe_os_error, write_atomic

META_PREFIX = "digitcanvas."
META_NAME = META_PREFIX + "name"
META_VERSION = META_PREFIX + "version"
META_SCALE = META_PREFIX + "input_scale"
META_MEAN = META_PREFIX + "input_mean"
META_STD = META_PREFIX + "input_std"
META_INVERT = META_PREFIX + "input_invert"
META_NORMALIZE = META_PREFIX + "input_normalize"
META_FIT = META_PREFIX + "input_fit"
INPUT_KEYS = (META_SCALE, META_MEAN, META_STD, META_INVERT, META_NORMALIZE, META_FIT)  # any one: the input is declared
# The input keys by their short names, as an input setting spells them ("scale=255,invert").
INPUT_SETTING_KEYS = {
    "scale": META_SCALE,
    "mean": META_MEAN,
    "std": META_STD,
    "invert": META_INVERT,
    "normalize": META_NORMALIZE,
    "fit": META_FIT,
}


class Normalization(StrEnum):
    """What an input convention does to each image after scaling (``digitcanvas.normalize``)."""

    NONE = "none"
    L2_COLUMNS = "l2-columns"  # tf.keras.utils.normalize(x, axis=1): each image column to unit L2 norm


class Fit(StrEnum):
    """How a 28×28 digit becomes the larger field a model may take (32×32: LeNet-5's input)."""

    PAD = "pad"  # paper added around it, as LeNet-5 was trained on MNIST padded by 2 px
    RESIZE = "resize"  # scaled up to the larger field


class OutputKind(StrEnum):
    """What a model's ten scores are (``digitcanvas.output``)."""

    LOGITS = "logits"
    PROBABILITIES = "probabilities"
    SCORES = "scores"  # independent sigmoid units: normalised to sum to 1


_Kind = TypeVar("_Kind", Normalization, OutputKind, Fit)
META_DOUBT = META_PREFIX + "doubt_threshold"
META_TEST_ACCURACY = META_PREFIX + "test_accuracy"
META_TEMPERATURE = META_PREFIX + "temperature"
META_TRAINING_COMMAND = META_PREFIX + "training_command"
META_OUTPUT = META_PREFIX + "output"
META_RECIPE = META_PREFIX + "recipe"
META_TRAINING = META_PREFIX + "training"

DEFAULT_THRESHOLD = 0.80  # for foreign models: a calibrated-looking top probability under 80 % is doubtful
TRUE_WORDS = ("1", "true", "yes")
# Input scaling beyond these makes float32 overflow or lose the image: no real model needs it.
MIN_STD = 1e-6
MAX_SCALING = 1e6
# Graph names exporters write by default: they say nothing about the model.


class ModelInfoError(ValueError):
    """A model's ``digitcanvas.*`` metadata is unusable; the message names the key."""


class ModelWriteError(OSError):
    """Metadata could not be written into a model file; the message names the file and why."""


@dataclass(frozen=True)
class InputScaling:
    """How [0, 1] pixels (white ink on black) become the values the model is fed."""

    scale: float = 1.0
    mean: float = 0.0
    std: float = 1.0
    invert: bool = False
    normalize: Normalization = Normalization.NONE
    fit: Fit = Fit.PAD  # only for a model whose field is larger than 28×28

    def apply(self, batch: NDArray[np.float32]) -> NDArray[np.float32]:
        """float32 (N, H, W) in [0, 1] → float32 of the same shape, in the model's units."""
        x = 1.0 - batch if self.invert else batch
        if not (self.scale == 1.0 and self.mean == 0.0 and self.std == 1.0):
            x = (x * self.scale - self.mean) / self.std
        if self.normalize == Normalization.L2_COLUMNS:
            # tf.keras.utils.normalize(x, axis=1) on (N, 28, 28): each column of each image
            # to unit L2 norm; all-zero columns stay zero.
            norms = np.sqrt(np.square(x, dtype=np.float64).sum(axis=1, keepdims=True))
            x = x / np.where(norms == 0, 1.0, norms)
        return np.asarray(x, dtype=np.float32)

    def to_metadata(self) -> dict[str, str]:
        return {
            META_SCALE: _number_text(self.scale),
            META_MEAN: _number_text(self.mean),
            META_STD: _number_text(self.std),
            META_INVERT: "true" if self.invert else "false",
            META_NORMALIZE: self.normalize,
            META_FIT: self.fit,
        }


@dataclass(frozen=True)
class ModelInfo:
    """A model's facts: parsed from its metadata once, when it loads."""

    name: str
    version: str | None = None
    scaling: InputScaling = field(default_factory=InputScaling)
    declares_input: bool = False  # the metadata names the input scaling (else it is detected)
    output: OutputKind | None = None  # when the metadata says; else detected
    doubt_threshold: float = DEFAULT_THRESHOLD
    declares_doubt: bool = False  # the metadata gives a usable threshold (else one is fitted at load)
    metadata: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str], *, fallback_name: str) -> ModelInfo:
        """Parse ``digitcanvas.*`` keys; raises :class:`ModelInfoError` naming a bad key."""
        meta = dict(metadata)
        # The graph's own name says nothing people chose ("main_graph", "torch_jit", a random
        # hex string, the class of the last layer): the file's name does.
        name = meta.get(META_NAME) or fallback_name
        return cls(
            name=name,
            version=meta.get(META_VERSION) or None,
            scaling=_scaling_from(meta),
            declares_input=any(key in meta for key in INPUT_KEYS),
            output=_choice(meta, META_OUTPUT, OutputKind),
            doubt_threshold=_threshold_from(meta) or DEFAULT_THRESHOLD,
            declares_doubt=_threshold_from(meta, None) is not None,
            metadata=meta,
        )

    def describe(self) -> str:
        """ "name version", as the window's title and ``predict -v`` show it."""
        return f"{self.name} {self.version}" if self.version else self.name


def _float_key(meta: Mapping[str, str], key: str, default: float) -> float:
    text = meta.get(key)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError as e:
        raise ModelInfoError(f"metadata {key} is {text!r}, not a number") from e
    if not math.isfinite(value):
        raise ModelInfoError(f"metadata {key} is {text!r}, not a finite number")
    return value


def _scaling_from(meta: Mapping[str, str]) -> InputScaling:
    scaling = InputScaling(
        scale=_float_key(meta, META_SCALE, 1.0),
        mean=_float_key(meta, META_MEAN, 0.0),
        std=_float_key(meta, META_STD, 1.0),
        invert=meta.get(META_INVERT, "false").strip().lower() in TRUE_WORDS,
        normalize=_choice(meta, META_NORMALIZE, Normalization) or Normalization.NONE,
        fit=_choice(meta, META_FIT, Fit) or Fit.PAD,
    )
    if abs(scaling.std) < MIN_STD:
        raise ModelInfoError(f"metadata {META_STD} is {scaling.std:g}; it must be at least {MIN_STD:g} in size")
    for key, value in ((META_SCALE, scaling.scale), (META_MEAN, scaling.mean), (META_STD, scaling.std)):
        if abs(value) > MAX_SCALING:
            raise ModelInfoError(f"metadata {key} is {value:g}; DigitCanvas accepts at most {MAX_SCALING:g} in size")
    return scaling


def _choice(meta: Mapping[str, str], key: str, kinds: type[_Kind]) -> _Kind | None:
    text = meta.get(key)
    if text is None:
        return None
    value = text.strip().lower()
    try:
        return kinds(value)
    except ValueError:
        raise ModelInfoError(f"metadata {key} is {text!r}; expected one of: {', '.join(kinds)}") from None


def _threshold_from(meta: Mapping[str, str], default: float | None = DEFAULT_THRESHOLD) -> float | None:
    """The fitted threshold, or ``default`` when the key is missing or out of (0, 1)."""
    try:
        value = _float_key(meta, META_DOUBT, -1.0)
    except ModelInfoError:
        return default
    return value if 0.0 < value < 1.0 else default


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --- writing metadata without the onnx package ----------------------------------------------
#
# ``metadata_props`` is ModelProto's repeated field 14 of ``StringStringEntryProto {string key
# = 1; string value = 2;}``. Rewriting only those top-level entries keeps every other byte
# (weights, graph, external-data references) as is, so the app can store a setting in a
# user's model without depending on ``onnx``.


def with_metadata(model_bytes: bytes, updates: Mapping[str, str | None]) -> bytes:
    """``model_bytes`` with metadata keys set (a value) or removed (None); other bytes kept.

    Raises :class:`ValueError` if the bytes are not a protobuf message.
    """
    kept = bytearray()
    try:
        for f in fields(model_bytes):
            if (
                f.number == ModelField.METADATA_PROPS
                and f.is_bytes
                and string_entry(f.payload(model_bytes))[0] in updates
            ):
                continue
            kept += model_bytes[f.start : f.end]
    except ProtoError as e:
        raise ValueError(f"not an ONNX model file ({e})") from e
    for key, value in updates.items():
        if value is not None:
            entry = len_field(EntryField.KEY, key.encode("utf-8")) + len_field(EntryField.VALUE, value.encode("utf-8"))
            kept += len_field(ModelField.METADATA_PROPS, entry)
    return bytes(kept)


def write_metadata(
    path: str | os.PathLike[str],
    updates: Mapping[str, str | None],
    *,
    out: str | os.PathLike[str] | None = None,
) -> Path:
    """Set (or, with None, remove) metadata keys of the model at ``path``, atomically.

    Writes to ``out`` (default: ``path`` itself); everything else in the file is kept.
    Returns the path written. Raises :class:`ModelWriteError` naming the file and why.
    """
    source = Path(path)
    target = Path(out) if out is not None else source
    try:
        data = source.read_bytes()
    except OSError as e:
        raise ModelWriteError(f"{source}: cannot read the model ({describe_os_error(e)})") from e
    try:
        updated = with_metadata(data, updates)
    except ValueError as e:
        raise ModelWriteError(f"{source}: {e}") from e
    try:
        return write_atomic(target, updated)
    except OSError as e:
        raise ModelWriteError(f"{target}: cannot write the model ({describe_os_error(e)})") from e
