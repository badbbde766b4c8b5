"""Honest probabilities for a trained network: its temperature and its "Not sure" threshold. No Qt.

Both are fitted on the validation images, never the test set. The temperature divides the
logits so that the probabilities mean what they say (the validation images' negative
log-likelihood is lowest); the threshold is the top probability under which the app says
"Not sure" (:mod:`digitcanvas.reading.doubt`), chosen so that it flags at most
:data:`VALIDATION_FLAG_RATE` of the validation digits. ``python -m lab.train`` fits the
bundled model's temperature here too; its threshold comes from drawn digits of unseen
writers instead (``lab.train.doubt_threshold``), which a person's own training does not have.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

MIN_PROBABILITY = 1e-12  # floor for the cross-entropy of a digit the model rules out (log 0 is -inf)
LOG_TEMPERATURE_BOUNDS = (-2.0, 2.0)  # temperatures from 0.14 to 7.4
# MNIST validation digits called "Not sure": at most 3 %, the budget the bundled model's
# threshold keeps on real drawn digits.
VALIDATION_FLAG_RATE = 0.03
MAX_THRESHOLD = 0.999  # a threshold of 1 would doubt everything; the app ignores one that high


def softmax(z: NDArray[np.floating]) -> NDArray[np.floating]:
    """Row-wise softmax in the logits' own precision (float32 for a network's)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    result: NDArray[np.floating] = e / e.sum(axis=1, keepdims=True)
    return result


def fit_temperature(logits: NDArray[np.floating], labels: NDArray[np.integer]) -> float:
    """The temperature that minimises the negative log-likelihood of ``labels`` (N,) under
    ``logits`` (N, 10) divided by it."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        z = logits / math.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(labels)), labels].mean())

    result = minimize_scalar(nll, bounds=LOG_TEMPERATURE_BOUNDS, method="bounded")
    return float(math.exp(result.x))


def fit_threshold(top_probabilities: NDArray[np.floating], *, flag_rate: float = VALIDATION_FLAG_RATE) -> float:
    """The highest threshold under which at most ``flag_rate`` of the ``top_probabilities``
    (the calibrated top probability of each validation digit) fall; at most :data:`MAX_THRESHOLD`."""
    tops = np.sort(np.asarray(top_probabilities, dtype=np.float64).ravel())
    if len(tops) == 0:
        raise ValueError("fit_threshold needs at least one validation digit")
    # With the k-th smallest as the threshold, only the k smaller ones are under it.
    threshold = float(tops[min(math.floor(flag_rate * len(tops)), len(tops) - 1)])
    return min(threshold, MAX_THRESHOLD)


def mean_nll(probabilities: NDArray[np.floating], labels: NDArray[np.integer]) -> float:
    """Mean negative log-likelihood of ``labels`` (N,) under ``probabilities`` (N, 10)."""
    picked = np.asarray(probabilities, dtype=np.float64)[np.arange(len(labels)), labels]
    return float(-np.log(np.clip(picked, MIN_PROBABILITY, 1.0)).mean())
