"""What a digit model's outputs are, and how they become probabilities. No Qt.

Exporters write ten scores per image as a float tensor ((N, 10), (N, 1, 10), (1, 10),
(10,)) or, for scikit-learn through skl2onnx, as a ZipMap (a sequence of {digit:
probability} maps) beside a label output. The scores are logits, probabilities (int8
quantisation leaves rows summing to 0.988-1.004) or independent sigmoid scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.info import OutputKind
from digitcanvas.model.session import ModelRunError
from digitcanvas.model.shapes import NUM_CLASSES

PROBABILITY_SUM_TOLERANCE = 1e-6  # a row of usable probabilities sums to 1 within this
PROBABILITY_SLACK = 0.05  # non-negative rows summing to 1 ± this are probabilities (int8 softmax: 0.988-1.004)
FLOAT_TYPES: dict[str, type[np.generic]] = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
}
INTEGER_TYPES: dict[str, type[np.generic]] = {
    "tensor(uint8)": np.uint8,
    "tensor(int8)": np.int8,
    "tensor(int16)": np.int16,
    "tensor(int32)": np.int32,
    "tensor(int64)": np.int64,
}


class OutputError(ValueError):
    """No output of the model holds a score for each digit; the message says what it has."""


@dataclass(frozen=True)
class OutputSpec:
    name: str
    zipmap: bool  # a sequence of {digit: probability} maps (skl2onnx)


SIGMOID_FLOOR = 1e-7  # float32 sigmoids round to 0 or 1 past about ±16: the logits they imply are clipped there
# Logits under this size spread less than 700, which softmaxes in float64 with no overflow and
# no sum underflowing to 0 (exp(-700) is still a normal number): usable_probabilities' fast path.
SAFE_LOGIT_SIZE = 350.0


def pick_output(outputs: list[Any]) -> OutputSpec:
    """The output holding ten scores per image; label outputs (integers) are ignored."""
    tensors = [o for o in outputs if o.type in FLOAT_TYPES]
    for output in tensors:
        shape = list(output.shape or [])
        if shape and shape[-1] == NUM_CLASSES and all(d == 1 or not isinstance(d, int) for d in shape[1:-1]):
            return OutputSpec(str(output.name), zipmap=False)
    for output in outputs:
        if str(output.type).startswith("seq(map("):
            return OutputSpec(str(output.name), zipmap=True)
    undeclared = [o for o in tensors if not o.shape or any(not isinstance(d, int) for d in o.shape)]
    if len(undeclared) == 1:
        return OutputSpec(str(undeclared[0].name), zipmap=False)  # checked when first run
    described = ", ".join(f"{o.name} {o.type} {list(o.shape or [])}" for o in outputs)
    if outputs and all(o.type in INTEGER_TYPES for o in outputs):
        raise OutputError(f"outputs only labels ({described}); DigitCanvas needs a score for each of the ten digits")
    raise OutputError(f"no output with a score for each of the ten digits (outputs: {described})")


# The keys a ZipMap may give the digits: integers, or strings (skl2onnx's string class labels)
DIGIT_LABELS: dict[int | str, int] = {**{d: d for d in range(NUM_CLASSES)}, **{str(d): d for d in range(NUM_CLASSES)}}
LABELS_SHOWN = 10  # of a ZipMap's labels, in a message


def zipmap_rows(maps: list[Mapping[Any, float]]) -> NDArray[np.float64]:
    """Probabilities (N, 10) from ZipMap maps; each must map exactly the digits 0-9 (as
    integers or as the strings "0" to "9"), else :class:`ModelRunError` names what it maps."""
    rows = np.zeros((len(maps), NUM_CLASSES))
    for i, row in enumerate(maps):
        digits = [_digit(key) for key in row]
        if len(digits) != NUM_CLASSES or set(digits) != set(range(NUM_CLASSES)):
            labels = ", ".join(repr(key) for key in islice(row, LABELS_SHOWN))
            more = f", … ({len(row):,} labels)" if len(row) > LABELS_SHOWN else ""
            raise ModelRunError(
                f"the model's outputs give probabilities for the labels {labels}{more}, not for the ten digits 0 to 9"
            )
        for key, value in row.items():
            rows[i, DIGIT_LABELS[key]] = float(value)
    return rows


def _digit(key: object) -> int | None:
    """The digit a ZipMap key names (0 to 9, or "0" to "9"), else None."""
    if isinstance(key, bool) or not isinstance(key, int | np.integer | str):
        return None
    return DIGIT_LABELS.get(int(key) if isinstance(key, np.integer) else key)


def output_kind(raw: NDArray[np.floating]) -> OutputKind:
    """What a model's outputs are, judged from rows it produced: probabilities (non-negative,
    summing to about 1), independent sigmoid scores (in [0, 1], not summing to 1) or logits."""
    values = np.asarray(raw, dtype=np.float64)
    if values.size == 0 or values.min() < 0:
        return OutputKind.LOGITS
    if np.all(np.abs(values.sum(axis=1) - 1) <= PROBABILITY_SLACK):
        return OutputKind.PROBABILITIES
    if values.max() <= 1:
        return OutputKind.SCORES
    return OutputKind.LOGITS


def to_probabilities(outputs: NDArray[np.floating], kind: OutputKind = OutputKind.LOGITS) -> NDArray[np.float64]:
    """Probabilities (N, 10) from raw outputs of the given kind: a softmax of logits,
    or probabilities and sigmoid scores divided by their row sum."""
    values = np.asarray(outputs, dtype=np.float64)
    if kind == OutputKind.LOGITS:
        shifted = np.exp(values - values.max(axis=1, keepdims=True))
        return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float64)
    clipped = np.clip(values, 0.0, None)
    sums = clipped.sum(axis=1, keepdims=True)
    uniform = np.full_like(clipped, 1.0 / NUM_CLASSES)
    return np.where(sums > 0, clipped / np.where(sums > 0, sums, 1.0), uniform)


def as_logits(outputs: NDArray[np.floating], kind: OutputKind) -> NDArray[np.float64]:
    """Scores (N, 10) whose softmax is the model's multi-class belief, for fitting a
    temperature: logits as they are, the log of probabilities, and for independent sigmoid
    units the logits they came from (dividing sigmoids by their sum blurs that: several
    saturate at 1)."""
    values = np.asarray(outputs, dtype=np.float64)
    if kind == OutputKind.LOGITS:
        return values
    if kind == OutputKind.SCORES:
        clipped = np.clip(values, SIGMOID_FLOOR, 1.0 - SIGMOID_FLOOR)
        return np.asarray(np.log(clipped / (1.0 - clipped)), dtype=np.float64)
    return np.asarray(np.log(np.clip(values, SIGMOID_FLOOR, None)), dtype=np.float64)


def usable_probabilities(raw: NDArray[np.float64], kind: OutputKind) -> NDArray[np.float64]:
    """Probabilities (N, 10) from raw model outputs of ``kind``, each row finite and summing to 1.

    Raises :class:`ModelRunError` when a row is not: NaN or infinite scores (a logit of
    minus infinity, a log-probability of 0, is fine), or scores too large to normalise.
    NaN never reaches a verdict, where it would pass as a confident digit.
    """
    values = np.asarray(raw, dtype=np.float64)
    if kind == OutputKind.LOGITS and np.abs(values).max() < SAFE_LOGIT_SIZE:
        # The common case, on every reading, without np.errstate's cost: nothing to overflow
        # (a NaN makes the maximum NaN and an infinity makes it infinite: both fail the test).
        shifted = np.exp(values - values.max(axis=1, keepdims=True))
        return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float64)
    with np.errstate(all="ignore"):
        finite_input = np.isfinite(values) if kind != OutputKind.LOGITS else ~(np.isnan(values) | np.isposinf(values))
        probabilities = to_probabilities(values, kind)
        sums = probabilities.sum(axis=1)
    if not (finite_input.all() and np.isfinite(probabilities).all()):
        raise ModelRunError("the model's output is not a number (NaN or infinity) for this input")
    if np.any(np.abs(sums - 1.0) > PROBABILITY_SUM_TOLERANCE):
        raise ModelRunError("the model's output cannot be read as probabilities for this input (too large)")
    return probabilities
