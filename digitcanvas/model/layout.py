"""How a batch of (N, 28, 28) images is shaped for a model's declared input. No Qt.

Models take a digit as (N, 1, S, S), (N, S, S, 1), (N, S, S) or (N, S·S), with a dynamic
or a fixed batch N, or without a batch dimension at all, where the side S is MNIST's 28 or
LeNet-5's 32 (MNIST padded by 2 px); :func:`layout_for` reads which from the input's shape,
:func:`fit_field` makes the 28×28 digits that size, and
:class:`~digitcanvas.model.classifier.Classifier` shapes every batch by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.info import Fit
from digitcanvas.model.shapes import FIELD
from digitcanvas.util.lazy_imports import ndimage

LENET_FIELD = 32  # LeNet-5's input: MNIST padded by 2 px on every side
SIDES = (FIELD, LENET_FIELD)  # the fields a model may take
MAX_BATCH = 1000  # images per inference call: bounds memory on large evaluations
# A batch fixed at export is padded to and run whole, even for one drawing: exports fix
# their training batch (32 to 1,024); padding 1,024 images of 32×32 float64 takes 8 MB,
# where a fixed batch of 1,000,000 took 3.2 GB and 12.6 s before the load-time limit
# stopped it (issue #27), and 10^12 ended in a numpy traceback.
MAX_FIXED_BATCH = 1024


class InputLayoutError(ValueError):
    """No 28×28 image fits the model's input shape (the message says what it expects)."""


@dataclass(frozen=True)
class InputLayout:
    """How a (N, 28, 28) batch is shaped for the model."""

    name: str  # "NCHW", "NHWC", "NHW" or "flat"
    shape_tail: tuple[int, ...]  # the shape of one image
    batch: int | None  # the fixed batch size; None: dynamic
    batched: bool = True  # False: the input has no batch dimension (one image per run)
    side: int = FIELD  # the field the model takes: 28, or 32 (LeNet-5)

    def step(self) -> int:
        """Images per run."""
        if not self.batched:
            return 1
        return self.batch or MAX_BATCH


def layout_for(shape: list[int | str | None]) -> InputLayout:
    """The layout of a model input of ``shape``; raises :class:`InputLayoutError` when no 28×28
    (or 32×32) image fits it, or its fixed batch is over :data:`MAX_FIXED_BATCH`."""
    dims = [d if isinstance(d, int) and d > 0 else None for d in shape]
    for side in SIDES:
        if (layout := _layout(dims, side)) is not None:
            if layout.batch is not None and layout.batch > MAX_FIXED_BATCH:
                raise InputLayoutError(
                    f"takes a batch fixed at {layout.batch:,} images; DigitCanvas runs models whose fixed batch "
                    f"is at most {MAX_FIXED_BATCH:,} images (it pads every run to it)"
                )
            return layout
    shown = "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"
    raise InputLayoutError(
        f"expects input of shape {shown}; DigitCanvas feeds one 28×28 image (or one padded to 32×32, as "
        "LeNet-5 takes it) as (N, 1, 28, 28), (N, 28, 28, 1), (N, 28, 28) or (N, 784), with or without the batch N"
    )


def _layout(dims: list[int | None], side: int) -> InputLayout | None:
    pixels = side * side

    def fits(tail: list[int | None], expected: tuple[int, ...]) -> bool:
        return len(tail) == len(expected) and all(d is None or d == e for d, e in zip(tail, expected, strict=True))

    def exact(tail: list[int | None]) -> bool:
        """A dynamic dimension fits any side: it counts as 28 only (a 32 must be declared)."""
        return side == FIELD or side in tail

    # With a batch dimension first ...
    batch, tail = (dims[0] if dims else None), dims[1:]
    if len(dims) == 4 and fits(tail, (1, side, side)) and tail[0] == 1 and exact(tail):
        return InputLayout("NCHW", (1, side, side), batch, side=side)
    if len(dims) == 4 and fits(tail, (side, side, 1)) and tail[2] == 1 and exact(tail):
        return InputLayout("NHWC", (side, side, 1), batch, side=side)
    if len(dims) == 4 and fits(tail, (1, side, side)) and exact(tail):
        return InputLayout("NCHW", (1, side, side), batch, side=side)  # all dynamic: assume channels first
    # ... or none: one image, (S, S), (S, S, 1), (1, S, S) or (S·S,).
    if fits(dims, (side, side)) and dims == [side, side]:
        return InputLayout("NHW", (side, side), None, batched=False, side=side)
    if fits(dims, (side, side, 1)) and dims[2] == 1 and exact(dims):
        return InputLayout("NHWC", (side, side, 1), None, batched=False, side=side)
    if fits(dims, (pixels,)) and (side == FIELD or dims == [pixels]):
        return InputLayout("flat", (pixels,), None, batched=False, side=side)
    if len(dims) == 3 and fits(tail, (side, side)) and exact(tail):
        return InputLayout("NHW", (side, side), batch, side=side)  # (1, S, S) is also CHW: the same bytes
    if len(dims) == 2 and fits(tail, (pixels,)) and (side == FIELD or tail == [pixels]):
        return InputLayout("flat", (pixels,), batch, side=side)
    return None


def fit_field(images: NDArray[np.float32], side: int, fit: Fit) -> NDArray[np.float32]:
    """(N, 28, 28) digits in [0, 1] (white ink on black) made (N, side, side): paper added
    around them (``Fit.PAD``, LeNet-5's way) or scaled up (``Fit.RESIZE``)."""
    if side == FIELD:
        return images
    if fit == Fit.PAD:
        before = (side - FIELD) // 2
        after = side - FIELD - before
        return np.pad(images, ((0, 0), (before, after), (before, after)))
    # Pixel centres mapped onto each other (as an image library's bilinear resize does).
    coords = (np.arange(side) + 0.5) * FIELD / side - 0.5
    rows, cols = np.meshgrid(coords, coords, indexing="ij")
    resized = [ndimage.map_coordinates(image, [rows, cols], order=1, mode="nearest") for image in images]
    return np.asarray(np.stack(resized) if resized else np.zeros((0, side, side)), dtype=np.float32)
