"""How a batch of (N, 28, 28) images is shaped for a model's declared input. No Qt.

Models take a digit as (N, 1, 28, 28), (N, 28, 28, 1), (N, 28, 28) or (N, 784), with a
dynamic or a fixed batch N, or without a batch dimension at all; :func:`layout_for`
reads which from the input's shape, and :class:`~digitcanvas.model.classifier.Classifier` shapes every
batch by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from digitcanvas.model.shapes import FIELD

PIXELS = FIELD * FIELD
MAX_BATCH = 1000  # images per inference call: bounds memory on large evaluations


class InputLayoutError(ValueError):
    """No 28×28 image fits the model's input shape (the message says what it expects)."""


@dataclass(frozen=True)
class InputLayout:
    """How a (N, 28, 28) batch is shaped for the model."""

    name: str  # "NCHW", "NHWC", "NHW" or "flat"
    shape_tail: tuple[int, ...]  # the shape of one image
    batch: int | None  # the fixed batch size; None: dynamic
    batched: bool = True  # False: the input has no batch dimension (one image per run)

    def step(self) -> int:
        """Images per run."""
        if not self.batched:
            return 1
        return self.batch or MAX_BATCH


def layout_for(shape: list[int | str | None]) -> InputLayout:
    """The layout of a model input of ``shape``; raises :class:`InputLayoutError` when no 28×28 image fits it."""
    dims = [d if isinstance(d, int) and d > 0 else None for d in shape]

    def fits(tail: list[int | None], expected: tuple[int, ...]) -> bool:
        return len(tail) == len(expected) and all(d is None or d == e for d, e in zip(tail, expected, strict=True))

    # With a batch dimension first ...
    batch, tail = (dims[0] if dims else None), dims[1:]
    if len(dims) == 4 and fits(tail, (1, FIELD, FIELD)) and tail[0] == 1:
        return InputLayout("NCHW", (1, FIELD, FIELD), batch)
    if len(dims) == 4 and fits(tail, (FIELD, FIELD, 1)) and tail[2] == 1:
        return InputLayout("NHWC", (FIELD, FIELD, 1), batch)
    if len(dims) == 4 and fits(tail, (1, FIELD, FIELD)):
        return InputLayout("NCHW", (1, FIELD, FIELD), batch)  # all dynamic: assume channels first
    # ... or none: one image, (28, 28), (28, 28, 1), (1, 28, 28) or (784,).
    if fits(dims, (FIELD, FIELD)) and dims == [FIELD, FIELD]:
        return InputLayout("NHW", (FIELD, FIELD), None, batched=False)
    if fits(dims, (FIELD, FIELD, 1)) and dims[2] == 1:
        return InputLayout("NHWC", (FIELD, FIELD, 1), None, batched=False)
    if fits(dims, (PIXELS,)):
        return InputLayout("flat", (PIXELS,), None, batched=False)
    if len(dims) == 3 and fits(tail, (FIELD, FIELD)):
        return InputLayout("NHW", (FIELD, FIELD), batch)  # (1, 28, 28) is also CHW: the same bytes
    if len(dims) == 2 and fits(tail, (PIXELS,)):
        return InputLayout("flat", (PIXELS,), batch)
    shown = "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"
    raise InputLayoutError(
        f"expects input of shape {shown}; DigitCanvas feeds one 28×28 image as "
        "(N, 1, 28, 28), (N, 28, 28, 1), (N, 28, 28) or (N, 784), with or without the batch N"
    )
