"""The reading core: a drawing, an image or a file becomes a :class:`Reading`. No Qt.

This is the one place where DigitCanvas classifies. The window, ``digitcanvas predict``
and the lab all call a :class:`Reader`; it preprocesses (:mod:`.preprocessing`), splits
numbers (:mod:`.numbers.segmentation`), runs the model (:mod:`digitcanvas.model.classifier`)
and applies the "Not sure" rules (:mod:`.doubt`) with the model's own threshold
(:mod:`digitcanvas.model.info`).

A reading is one digit (``number=False``: the whole drawing or image is one digit) or a
number (``number=True``: the ink is split into digits, left to right). Every digit has
its probabilities, the 28×28 input the network saw, its box and its verdict. Batches of
files over worker processes are :mod:`digitcanvas.reading.batch`'s part.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.image_file import ImageFileError
from digitcanvas.drawing.sources import load_source
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, EmptyInputError
from digitcanvas.model.classifier import Classifier
from digitcanvas.model.info import ModelInfo
from digitcanvas.model.session import ModelRunError
from digitcanvas.model.shapes import FIELD, NUM_CLASSES, Image28
from digitcanvas.reading.adaptation import Adaptation, drawing_features
from digitcanvas.reading.doubt import Verdict, assess, too_small
from digitcanvas.reading.numbers.number_reader import NumberReader, bundled_number_reader
from digitcanvas.reading.numbers.segmentation import Box, Segment, ink_box, segment_drawing, segment_image
from digitcanvas.reading.preprocessing import (
    DEFAULT_OPTIONS,
    ImageFormatError,
    PreprocessOptions,
    preprocess_drawing,
    preprocess_drawings,
    preprocess_image,
)

# Images per model run when many are read: as fast per image as 256 with the bundled model
# (about 0.87 ms each at 16 to 256 on this project's 2-core machine), and a quarter of the
# run's memory, which onnxruntime's arena keeps for the process's life (a ``predict``
# worker's peak: 145 MiB with runs of 256, 87 MiB with 64; python -m lab.benchmark.workers).
MODEL_BATCH = 64


@dataclass(frozen=True)
class DigitReading:
    """One digit as the app reads it: the network's probabilities and the verdict on them."""

    probabilities: NDArray[np.float64]  # (10,), float64, sums to 1
    image: Image28  # the (28, 28) input the network saw
    verdict: Verdict
    box: Box | None = None  # where the digit is, in canvas (or image) px
    members: tuple[int, ...] = ()  # the strokes (or image components) it is made of

    @property
    def digit(self) -> int:
        """The network's top digit (also when the verdict is "Not sure")."""
        return self.verdict.digit

    @property
    def confidence(self) -> float:
        return self.verdict.confidence

    @property
    def sure(self) -> bool:
        return self.verdict.sure

    @property
    def doubt(self) -> str | None:
        """Why the app is not sure ("too small", "low confidence"), or None when it is."""
        return None if self.verdict.sure else self.verdict.reason

    def ranked(self, k: int = NUM_CLASSES) -> list[tuple[int, float]]:
        """The ``k`` most likely digits with their probabilities, best first."""
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(int(d), float(self.probabilities[d])) for d in order]


@dataclass(frozen=True)
class Reading:
    """What the app reads in a drawing or an image: one or more digits, left to right."""

    digits: tuple[DigitReading, ...]

    @property
    def number(self) -> str:
        """The network's top digits, e.g. "2026" (also for digits the app is not sure of)."""
        return "".join(str(d.digit) for d in self.digits)

    @property
    def text(self) -> str:
        """What the app announces: the digits, with "?" for each one it is not sure of."""
        return "".join(str(d.digit) if d.sure else "?" for d in self.digits)

    @property
    def sure(self) -> bool:
        return all(d.sure for d in self.digits)

    @property
    def outlines(self) -> list[Box]:
        """The boxes to outline: each digit's, for a number (a single digit needs none)."""
        if len(self.digits) < 2:
            return []
        return [d.box for d in self.digits if d.box is not None]

    @property
    def least_sure_index(self) -> int:
        """Which digit to explain first: the only one, or a number's least certain one, a digit
        "Not sure" before any sure one (the number reader may doubt a digit the model is sure of)."""
        return min(range(len(self.digits)), key=lambda i: (self.digits[i].sure, self.digits[i].confidence))

    @property
    def doubt(self) -> str | None:
        """None when every digit is sure; else why, naming the digit in a number."""
        doubtful = [(i, d) for i, d in enumerate(self.digits) if not d.sure]
        if not doubtful:
            return None
        if len(self.digits) == 1:
            return doubtful[0][1].doubt
        return "; ".join(f"digit {i + 1} of {len(self.digits)}: {d.doubt}" for i, d in doubtful)


class Reader:
    """Reads drawings, images and files with one model; the one entry point for classifying."""

    def __init__(
        self,
        classifier: Classifier,
        options: PreprocessOptions = DEFAULT_OPTIONS,
        *,
        adaptation: Adaptation | None = None,
        number_reader: NumberReader | Literal["bundled"] | None = "bundled",
    ) -> None:
        self.classifier = classifier
        self.options = options
        # The second opinion on numbers (None: numbers are split by the model in use alone).
        self.number_reader = bundled_number_reader() if number_reader == "bundled" else number_reader
        # A user's kept drawings (digitcanvas.reading.adaptation): when set, every reading leans towards them.
        self.adaptation = adaptation

    @property
    def info(self) -> ModelInfo:
        return self.classifier.info

    # --- drawings and images ---------------------------------------------------------------

    def read_drawing(self, drawing: Drawing, *, number: bool = True) -> Reading:
        """Read a drawing; raises ``EmptyInputError`` (no strokes) or ``ModelRunError``."""
        if drawing.is_empty:
            raise EmptyInputError("the drawing is empty")
        if number:
            segments = segment_drawing(self.classifier, drawing, self.options, number_reader=self.number_reader)
            return self._from_segments(segments, drawing)
        image = preprocess_drawing(drawing, self.options)
        probabilities = self.classifier.predict_proba(image)[0]
        return Reading((self._digit(probabilities, image, small=too_small(drawing), box=ink_box(drawing)),))

    def read_image(self, pixels: NDArray[np.generic], *, number: bool = False) -> Reading:
        """Read an image array (any size, dark-on-light or light-on-dark).

        Raises ``EmptyInputError`` (no ink), ``ImageFormatError`` or ``ModelRunError``.
        """
        array = np.asarray(pixels)
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ImageFormatError("the image has pixels that are not numbers (NaN or infinity)")
        if number:
            return self._from_segments(segment_image(self.classifier, array, number_reader=self.number_reader), None)
        image = preprocess_image(array)
        return Reading((self._digit(self.classifier.predict_proba(image)[0], image, small=False),))

    def images28(self, drawings: Sequence[Drawing]) -> NDArray[np.float32]:
        """The network inputs (N, 28, 28), float32 in [0, 1], of drawings, with this reader's
        preprocessing options; raises ``EmptyInputError`` for a drawing without strokes."""
        if not drawings:
            return np.zeros((0, FIELD, FIELD), dtype=np.float32)
        return preprocess_drawings(drawings, self.options)

    def read_drawings(self, drawings: Sequence[Drawing]) -> list[Reading]:
        """Each drawing read as one digit, all in one batch, with the verdict
        :meth:`read_drawing` gives (``number=False``: a mark rather than a digit is "too
        small"); the readings carry no boxes.

        Raises ``EmptyInputError`` (a drawing without strokes) or ``ModelRunError``.
        """
        if not drawings:
            return []
        return self.read_images28(self.images28(drawings), small=[too_small(d) for d in drawings])

    def read_images28(self, images: NDArray[np.float32], *, small: Sequence[bool] | None = None) -> list[Reading]:
        """Readings of ready network inputs (N, 28, 28), one digit each, in runs of
        :data:`MODEL_BATCH` images."""
        batch = np.asarray(images, dtype=np.float32).reshape(-1, *images.shape[-2:])
        parts = [self.classifier.predict_proba(batch[i : i + MODEL_BATCH]) for i in range(0, len(batch), MODEL_BATCH)]
        return self.readings_of(batch, np.concatenate(parts) if parts else np.zeros((0, NUM_CLASSES)), small=small)

    def readings_of(
        self, images: NDArray[np.float32], probabilities: NDArray[np.float64], *, small: Sequence[bool] | None = None
    ) -> list[Reading]:
        """Readings of network inputs (N, 28, 28) whose ``probabilities`` (N, 10) this
        reader's model gave already (with their features, :mod:`.one_pass`), one digit each."""
        flags = list(small) if small is not None else [False] * len(images)
        return [
            Reading((self._digit(p, image, small=flag),))
            for p, image, flag in zip(probabilities, images, flags, strict=True)
        ]

    def _digit(
        self,
        probabilities: NDArray[np.float64],
        image: Image28,
        *,
        small: bool,
        box: Box | None = None,
        members: tuple[int, ...] = (),
        other_digit: int | None = None,
        other_number: str | None = None,
    ) -> DigitReading:
        if self.adaptation is not None and self.adaptation.count:
            features = drawing_features(self.classifier, np.asarray(image, dtype=np.float32)[None])
            probabilities = self.adaptation.adjust(features, probabilities[None])[0]
        verdict = assess(
            probabilities,
            self.classifier.doubt_threshold,
            small=small,
            other_digit=other_digit,
            other_number=other_number,
        )
        return DigitReading(probabilities, image, verdict, box, members)

    def _from_segments(self, segments: Sequence[Segment], drawing: Drawing | None) -> Reading:
        return Reading(
            tuple(
                self._digit(
                    s.probabilities,
                    s.image,
                    small=drawing is not None and too_small(drawing.subset(s.members)),
                    box=s.box,
                    members=s.members,
                    other_digit=s.reader_digit,
                    other_number=s.reader_number,
                )
                for s in segments
            )
        )

    # --- files -----------------------------------------------------------------------------

    def number_instead(self, path: str | os.PathLike[str]) -> Reading | None:
        """The file read as a number when that reads it clearly, as several digits all sure;
        else None (also when it cannot be read). For a file read as one digit the app is not
        sure of: would reading it as a number (``predict --number``) do better?"""
        try:
            reading = self.read_file(path, number=True)
        except (DrawingFileError, ImageFileError, EmptyInputError, ImageFormatError, ModelRunError):
            return None
        return reading if len(reading.digits) > 1 and reading.sure else None

    def read_file(self, path: str | os.PathLike[str], *, number: bool = False) -> Reading:
        """Read a drawing file (JSON, told by content) or an image file.

        Raises one of :data:`~digitcanvas.reading.batch.READ_ERRORS`, its message naming the file.
        """
        path = Path(path)
        source = load_source(path)
        try:
            if isinstance(source, Drawing):
                return self.read_drawing(source, number=number)
            return self.read_image(source, number=number)
        except (EmptyInputError, ImageFormatError, ModelRunError) as e:
            raise type(e)(f"{path}: {e}") from e
