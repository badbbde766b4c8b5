"""Probabilities and adaptation features of many network inputs, one model run per batch. No Qt.

Summarising a collection needs each drawing's probabilities (its reading) and its features
(what Adapt to My Handwriting learns from, :func:`~.adaptation.drawing_features`). For a
model with an ``embedding`` output both come out of the same forward pass
(:meth:`~digitcanvas.model.classifier.Classifier.proba_and_embeddings`): the network runs
once per drawing, not twice. A model without an embedding gets logit features from the
same probabilities, as :func:`~.adaptation.drawing_features` gives them.

Whatever cannot run in one pass (zipmap outputs, a batch fixed at export, a run that
fails) goes through the classifier's own two runs, which handle those cases and say what
failed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.classifier import Classifier
from digitcanvas.model.session import ModelRunError
from digitcanvas.model.shapes import FIELD, NUM_CLASSES
from digitcanvas.reading.adaptation import drawing_features, logit_features
from digitcanvas.reading.reader import MODEL_BATCH

Features = NDArray[np.float64] | None  # (N, D); None: the model failed on them


class OnePass:
    """Probabilities and features of network inputs with one model run per batch where the
    model allows it (see the module's text). Safe off the GUI thread (onnxruntime's runs are)."""

    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier
        layout = classifier.layout
        # What Classifier.embeddings runs on: other models' features are logit features.
        self._embedded = classifier.embedding_output is not None and layout.batched and layout.batch is None
        self._both = self._embedded

    @property
    def one_run(self) -> bool:
        """True when the probabilities and the features come from one run of the model."""
        return self._both or not self._embedded

    def run(self, images: NDArray[np.float32]) -> tuple[NDArray[np.float64], Features]:
        """Probabilities (N, 10) and features (N, D) of network inputs (N, 28, 28) in [0, 1].

        Raises :class:`ModelRunError` when the model fails on the probabilities; features it
        fails on are None (whoever needs them computes them again and says why).
        """
        batch = np.clip(np.nan_to_num(np.asarray(images, dtype=np.float32).reshape(-1, FIELD, FIELD)), 0.0, 1.0)
        if not len(batch):
            return np.zeros((0, NUM_CLASSES)), None
        if self._both:
            try:
                parts = [
                    self.classifier.proba_and_embeddings(batch[i : i + MODEL_BATCH])
                    for i in range(0, len(batch), MODEL_BATCH)
                ]
                return np.concatenate([p for p, _ in parts]), np.concatenate([f for _, f in parts])
            except (ModelRunError, ValueError):
                self._both = False  # the classifier's own runs: they know the model's quirks, and say what failed
        probabilities = np.concatenate(
            [self.classifier.predict_proba(batch[i : i + MODEL_BATCH]) for i in range(0, len(batch), MODEL_BATCH)]
        )
        if not self._embedded:
            return probabilities, logit_features(probabilities)
        try:
            return probabilities, drawing_features(self.classifier, batch)
        except (ModelRunError, ValueError):
            return probabilities, None
