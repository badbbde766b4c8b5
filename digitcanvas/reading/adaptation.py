"""Learn one person's hand from the drawings they kept: no training step, no PyTorch. No Qt.

Some confusions cannot be settled for everyone at once (a continental 1 with a long
up-stroke is an uncrossed 7 in another hand), only for one writer. The user's kept
drawings are labelled examples of exactly that hand. :func:`fit` stores their features
(the model's ``embedding`` output, its penultimate layer; for models without one, its
log-probabilities: a correction in logit space); :meth:`Adaptation.adjust` blends the
model's probabilities with a kernel vote of the kept drawings nearest to the new one:

    p = (1 - λ·w) · p_model + λ·w · p_vote,   w = max_i exp((cos(e, e_i) - 1) / h)

``w`` is how close the nearest kept drawing is (1: the same drawing again; 0: nothing
like it), so a drawing unlike anything kept is read exactly as the model reads it, and a
user whose kept drawings the model already reads right gets votes that agree with it.
The blend of two distributions stays a distribution, and the "Not sure" rule applies to
it as before. ``h`` and ``λ`` were chosen on validation writers (``python -m
lab.evaluate.adapt --part val``). Fitting is storing normalised vectors: instant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.classifier import Classifier
from digitcanvas.model.session import ModelRunError
from digitcanvas.model.shapes import FIELD, NUM_CLASSES

# h and λ were chosen on validation writers with the bundled model's embedding
# (python -m lab.evaluate.adapt --unipen ../shared/data/unipen-digits --digilets
# ../shared/data/digilets-digits --part val --grid --repeats 20; reports/adapt-val-grid.md):
# the best error reduction with one kept drawing per digit among the settings that made no
# writer worse and kept the adapted readings at least as calibrated (ECE) as the model's.
# A wider h blurs every reading towards the kept digits' mix (DigiLeTs ECE 0.8 % → 25 % at h = 0.2).
# Logit features (models without an embedding) do as well at h = 0.1, and nearly so at 0.05.
BANDWIDTH = 0.05  # h: how fast a kept drawing's pull fades as drawings differ (cosine units)
# λ: the pull of an identical kept drawing (1: the kept drawings' vote replaces the model's). 0.8 for
# the width-32 bundled model (issue #26): on validation writers 1.0 made 2 of 20 UNIPEN writers worse
# with one kept drawing per digit, 0.8 none, with the best reduction of those (python -m lab.evaluate.adapt
# --part val --grid).
BLEND = 0.8
MIN_EXAMPLES = 5  # kept drawings before adaptation is offered (fewer rarely help anyone)
EPSILON = 1e-12


@dataclass(frozen=True)
class Adaptation:
    """A user's kept drawings as features, ready to adjust readings."""

    features: NDArray[np.float64]  # (K, D), rows of unit length
    labels: NDArray[np.int64]  # (K,), digits 0-9
    bandwidth: float = BANDWIDTH
    blend: float = BLEND

    @property
    def count(self) -> int:
        return len(self.labels)

    def adjust(self, features: NDArray[np.floating], probabilities: NDArray[np.floating]) -> NDArray[np.float64]:
        """Adapted probabilities (N, 10) for drawings with ``features`` (N, D) and the model's
        ``probabilities`` (N, 10)."""
        probs = np.asarray(probabilities, dtype=np.float64).reshape(-1, NUM_CLASSES)
        if self.count == 0:
            return probs
        similarity = unit_rows(features) @ self.features.T  # (N, K) cosines
        kernel = np.exp((similarity - 1.0) / self.bandwidth)
        votes = kernel @ np.eye(NUM_CLASSES)[self.labels]  # (N, 10)
        vote = votes / np.maximum(votes.sum(axis=1, keepdims=True), EPSILON)
        pull = (self.blend * kernel.max(axis=1))[:, None]
        adjusted = (1.0 - pull) * probs + pull * vote
        return np.asarray(adjusted / adjusted.sum(axis=1, keepdims=True), dtype=np.float64)


def fit(
    features: NDArray[np.floating],
    labels: NDArray[np.integer] | list[int],
    *,
    bandwidth: float = BANDWIDTH,
    blend: float = BLEND,
) -> Adaptation:
    """An adaptation from kept drawings' ``features`` (K, D) and true ``labels`` (K,).

    Raises ``ValueError`` when they do not match or a label is not a digit.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64).reshape(-1)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"need one feature row per label, got {x.shape} features and {len(y)} labels")
    if len(y) and (y.min() < 0 or y.max() >= NUM_CLASSES):
        raise ValueError("labels must be digits 0-9")
    if not np.isfinite(x).all():
        raise ValueError("features must be finite")
    return Adaptation(unit_rows(x), y, bandwidth, blend)


def unit_rows(x: NDArray[np.floating]) -> NDArray[np.float64]:
    """Rows scaled to unit length (cosines become dot products); a zero row stays zero."""
    rows = np.asarray(x, dtype=np.float64)
    if rows.ndim == 1:
        rows = rows[None]
    return np.asarray(rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), EPSILON), dtype=np.float64)


def logit_features(probabilities: NDArray[np.floating]) -> NDArray[np.float64]:
    """Features for models without an embedding: centred log-probabilities (logit space)."""
    logs = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), EPSILON, 1.0))
    return np.asarray(logs - logs.mean(axis=1, keepdims=True), dtype=np.float64)


def drawing_features(classifier: Classifier, images: NDArray[np.float32]) -> NDArray[np.float64]:
    """Features of network inputs (N, 28, 28): the model's embedding, else logit features;
    (N, D). Raises :class:`ModelRunError` when the model fails, or its ``embedding`` output
    does not give one row per image."""
    count = len(np.asarray(images).reshape(-1, FIELD, FIELD))
    embedded = classifier.embeddings(images)
    if embedded is None:
        return logit_features(classifier.predict_proba(images))
    if embedded.ndim != 2 or len(embedded) != count:
        raise ModelRunError(
            f"the model's embedding output gives {len(embedded)} rows for {count} images; "
            "adapting to your drawings needs one per image"
        )
    return embedded
