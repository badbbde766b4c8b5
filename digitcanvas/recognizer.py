"""Preprocessing + inference in one call: what the window, the CLI and the scripts share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .drawing import Drawing
from .inference import Classifier
from .preprocessing import DEFAULT_OPTIONS, Image28, PreprocessOptions, preprocess_drawing


@dataclass(frozen=True)
class Prediction:
    """The network's reading of one digit."""

    probabilities: NDArray[np.float64]  # (10,), sums to 1
    image: Image28  # the (28, 28) input the network saw

    @property
    def digit(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())

    def ranked(self, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` most likely digits with their probabilities, best first."""
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(int(d), float(self.probabilities[d])) for d in order]


def classify_drawing(
    classifier: Classifier, drawing: Drawing, options: PreprocessOptions = DEFAULT_OPTIONS
) -> Prediction:
    """Classify one drawing; raises ``EmptyInputError`` for an empty one."""
    image = preprocess_drawing(drawing, options)
    return Prediction(classifier.predict_proba(image)[0], image)
