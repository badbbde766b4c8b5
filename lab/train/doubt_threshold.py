"""Fitting a model's "Not sure" threshold on validation writers. No Qt, no PyTorch.

The app only reads the fitted value (``digitcanvas.doubt_threshold`` in the model's
metadata, parsed by :mod:`digitcanvas.model.info`); fitting it is lab work, done at the
end of ``python -m lab.train`` or for a finished model by ``python -m lab.train.refit_doubt``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

MAX_FLAG_RATE = 0.03  # real drawn digits called "Not sure" on writers the model never saw: at most 3 %
FIT_CONFIDENCE = 0.95  # ... with this confidence, over the writer-to-writer variation seen in validation
FIT_RESAMPLES = 4000
FIT_SEED = 20261121


def fit_threshold(
    top_probabilities: NDArray[np.floating],
    writers: Sequence[object] | NDArray[np.generic],
    *,
    new_writers: int | None = None,
    max_flag_rate: float = MAX_FLAG_RATE,
    confidence: float = FIT_CONFIDENCE,
    resamples: int = FIT_RESAMPLES,
    seed: int = FIT_SEED,
) -> float:
    """The highest threshold that flags at most ``max_flag_rate`` of a new set of writers' digits.

    ``top_probabilities`` are the calibrated top probabilities of real drawn digits by
    validation writers (``writers[i]`` wrote drawing ``i``). How many digits a threshold
    flags varies a lot from writer to writer, so a plain quantile of a few dozen writers
    is a noisy guide to the next writers (a 2 % quantile of 39 validation writers became
    3.7 % on the 62 test writers). This fit is a two-level writer bootstrap: resample the
    validation writers (what the population might be), draw ``new_writers`` writers from
    that (the set the model will meet; default: as many as in validation), and keep the
    highest threshold whose flag rate is at most ``max_flag_rate`` in ``confidence`` of
    those draws. Higher thresholds catch more errors and non-digits, so the highest one
    within the budget is the one to take.
    """
    tops = np.asarray(top_probabilities, dtype=np.float64).ravel()
    groups = np.asarray(writers, dtype=object).ravel()
    if len(tops) == 0 or len(tops) != len(groups):
        raise ValueError("fit_threshold needs one writer per top probability, and at least one drawing")
    _, owner = np.unique(groups.astype(str), return_inverse=True)
    n_writers = int(owner.max()) + 1
    digits_per_writer = np.bincount(owner, minlength=n_writers).astype(np.float64)
    # Candidates: every distinct top probability up to twice the budget (and 1.0 above them).
    ceiling = float(np.quantile(tops, min(1.0, 2 * max_flag_rate)))
    candidates = np.unique(np.append(tops[tops <= ceiling], ceiling))
    flagged_per_writer = np.stack(
        [np.bincount(owner, weights=(tops < t).astype(np.float64), minlength=n_writers) for t in candidates]
    )
    rng = np.random.default_rng(seed)
    uniform = np.full(n_writers, 1.0 / n_writers)
    population = rng.multinomial(n_writers, uniform, size=resamples)
    draws = np.stack([rng.multinomial(new_writers or n_writers, p / p.sum()) for p in population])
    rates = (draws @ flagged_per_writer.T) / (draws @ digits_per_writer)[:, None]
    within = np.quantile(rates, confidence, axis=0) <= max_flag_rate
    if not within.any():
        return float(candidates[0])  # even the lowest real digit's confidence is too many: flag nothing
    return float(candidates[within].max())
