"""Input conventions: the ways people scale MNIST pixels, and how to tell which one a model wants.

A model trained on MNIST expects its pixels in the same convention its training used.
Most exported models do not say which, so when a model's metadata names no input
scaling, DigitCanvas runs it on a small labelled reference set shipped in the wheel
(the project's own synthetic handwriting, made by ``python -m lab.data.make_reference``)
under every preset and keeps the one it was most likely trained with (see :func:`detect`).
No Qt.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.info import INPUT_SETTING_KEYS, Fit, InputScaling, ModelInfo, ModelInfoError, Normalization
from digitcanvas.model.shapes import FIELD

REFERENCE_FILE = "reference-digits.npz"  # made by `python -m lab.data.make_reference`
# Detection in two rounds: every preset on a first share of the digits, then the best few
# on all of them. Keeps loading plus detection quick for models of a few MB.
SCREEN_PER_DIGIT = 3  # reference digits of each kind every preset is screened on
FINALISTS = 5  # at most this many presets are run on all the reference digits...
FINALIST_MARGIN = 0.2  # ...those within this share of the screen digits of the best one
# The best preset under this: the model may expect an input we do not know. The reference
# digits are harder than MNIST's test set: a weak model (88 % on MNIST) reads 80 % of them,
# and a convention that feeds a model wrongly leaves it far lower (10-40 %).
POOR_ACCURACY = 0.6
LOGIT_CEILING = 1e4  # an infinite logit (a probability of 0 or 1 in float64) counts as this
# A preset reads "clearly fewer" digits than the best when the digits only the best reads
# outnumber those only it reads by more than FEWER_SIGMAS standard deviations of a fair coin
# plus FEWER_SHARE of the digits: chance differences between two ways of feeding one model,
# and the few points a convention the model was not trained with can gain on digits unlike
# MNIST's, stay in.
FEWER_SIGMAS = 2.0
FEWER_SHARE = 0.03
# The temperature fit: labels smoothed by this share (a model that reads every digit right
# still has a finite best temperature: its typical margin), log T searched within ±4.
TEMPERATURE_SMOOTHING = 0.02
MAX_LOG_TEMPERATURE = 4.0
TEMPERATURE_STEPS = 40  # golden-section steps: log T to within 1e-7
# The first half of the reference digits decides alone when the winner's log temperature is
# nearer 0 than every close rival's by this much; else all of them are read (twice the time).
CLEAR_LOG_TEMPERATURE = 0.5
# A model trained with cross-entropy fits the reference digits best at a temperature near 1:
# 0.89-1.62 for every model built here under its own convention; a scaled or shifted input
# moves it far (0.05-0.4 or 2-50). Within e^±0.6 (0.55-1.82) a convention is plausible.
PLAUSIBLE_LOG_TEMPERATURE = 0.6
TIED_LOG_TEMPERATURE = 0.15  # temperatures this close (in log) tell two conventions apart no better than chance
# Between conventions as near 1 in temperature, the one whose outputs at their fitted temperature
# fit the digits' labels best (a cross-entropy this share lower than the common one's) wins: a
# tanh network trained on −1 to 1 reads digits fed mean/std as surely, but ranks them worse.
# Chosen on zoos A, B and C (lab/evaluate/build_zoo.sh) and 16 development models: 5 of these 117
# missed, 10 before; measured after on zoos D and E (reports/zoo-detection.md);
# at 0.1 and 0.2, CNNs trained on 0-1 pixels were taken for −1 to 1 (23 % lower on the reference
# digits, though not on MNIST's); at 0.3, the tanh LeNets were missed again (26 % lower).
LOSS_TIE = 0.25
# Padded or resized (a 32×32 model): cross-entropies at the fitted temperature within this share
# of each other tell the two apart no better than chance (the 8 LeNets of zoos A and B,
# lab/evaluate/build_zoo.sh: 3-4 % apart when both fits read alike, 24-60 % otherwise).
FIT_TIE = 0.1
# How often people feed each convention (tutorials, exporters): the tie-break between
# conventions a model reads about as well and about as surely.
PRIOR = (
    "unit",
    "mnist",
    "0-255",
    "symmetric",
    "keras-normalize",
    "unit-inverted",
    "mnist-inverted",
    "0-255-inverted",
    "symmetric-inverted",
    "keras-normalize-inverted",
)
HOPELESS = 0.3  # the best preset reads fewer of the screened digits: no full run can reach POOR_ACCURACY
# A model without a fitted "Not sure" threshold gets one at load: its confidence on the
# reference digits it reads right, below which this share of them lies (at most the default).
# So "Not sure" means the same for any model, whatever its scores are (an SVC's decision
# scores, softmaxed, rarely pass 70 %): less sure than of 96 % of clear digits it reads right.
DOUBT_REFERENCE_SHARE = 0.04


@dataclass(frozen=True)
class Preset:
    key: str  # for the CLI (--input KEY) and settings
    label: str  # for people
    scaling: InputScaling


def _presets() -> tuple[Preset, ...]:
    base = [
        ("unit", "pixels 0–1", InputScaling()),
        ("0-255", "pixels 0–255", InputScaling(scale=255.0)),
        ("mnist", "MNIST mean/std (0.1307, 0.3081)", InputScaling(mean=0.1307, std=0.3081)),
        ("symmetric", "−1 to 1, (x − 0.5) / 0.5", InputScaling(mean=0.5, std=0.5)),
        ("keras-normalize", "tf.keras.utils.normalize(x, axis=1)", InputScaling(normalize=Normalization.L2_COLUMNS)),
    ]
    presets = []
    for key, label, scaling in base:
        presets.append(Preset(key, label, scaling))
        inverted = InputScaling(scaling.scale, scaling.mean, scaling.std, True, scaling.normalize)
        presets.append(Preset(f"{key}-inverted", f"{label}, black ink on white", inverted))
    return tuple(presets)


PRESETS: tuple[Preset, ...] = _presets()
PRESETS_BY_KEY = {p.key: p for p in PRESETS}
INTEGER_PRESETS = ("0-255", "0-255-inverted")  # what an integer (uint8, int64) input can take


def describe_scaling(scaling: InputScaling, side: int = FIELD) -> str:
    """A preset's label, or the numbers of a custom scaling; for a model of a larger field
    (``side``: LeNet-5's 32), how the digit is made that size."""
    fitted = "" if side == FIELD else f", {'padded' if scaling.fit == Fit.PAD else 'resized'} to {side}×{side}"
    unfitted = replace(scaling, fit=Fit.PAD)
    for preset in PRESETS:
        if preset.scaling == unfitted:
            return preset.label + fitted
    text = f"x × {scaling.scale:g} − {scaling.mean:g}, ÷ {scaling.std:g}"
    if scaling.normalize == Normalization.L2_COLUMNS:
        text += ", columns to unit L2 norm"
    return text + (", black ink on white" if scaling.invert else "") + fitted


@dataclass(frozen=True)
class ReferenceDigits:
    images: NDArray[np.float32]  # (N, 28, 28) in [0, 1], white ink on black
    labels: NDArray[np.int64]  # (N,)


@functools.cache
def reference_digits() -> ReferenceDigits:
    """The labelled reference digits shipped in the wheel (the project's own synthetic handwriting)."""
    with resources.files("digitcanvas").joinpath("assets", REFERENCE_FILE).open("rb") as handle:
        data = np.load(handle)
        images = (data["images"].astype(np.float32) / 255.0).reshape(-1, 28, 28)
        labels = data["labels"].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return ReferenceDigits(images, labels)


@dataclass(frozen=True)
class Detection:
    preset: Preset
    accuracy: float  # on all the reference digits
    scores: dict[str, float]  # preset key → accuracy on the digits it was tried on
    # the model's raw outputs on all the reference digits under the chosen scaling
    outputs: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)
    scaling: InputScaling = field(default_factory=InputScaling)  # the preset's, with the fit chosen
    temperature: float = 1.0  # the model's fitted temperature on the reference digits under it

    @property
    def poor(self) -> bool:
        return self.accuracy < POOR_ACCURACY


def reference_accuracy(
    predict: Callable[[NDArray[np.float32], InputScaling], NDArray[np.floating]],
    scaling: InputScaling,
    reference: ReferenceDigits | None = None,
) -> float:
    """Share of the reference digits the model reads right under ``scaling``."""
    ref = reference or reference_digits()
    return float((np.argmax(predict(ref.images, scaling), axis=1) == ref.labels).mean())


def screen_digits(labels: NDArray[np.int64]) -> NDArray[np.int64]:
    """The first ``SCREEN_PER_DIGIT`` reference digits of each kind, in order."""
    chosen = [np.flatnonzero(labels == digit)[:SCREEN_PER_DIGIT] for digit in np.unique(labels)]
    return np.sort(np.concatenate(chosen))


def detect(
    predict: Callable[[NDArray[np.float32], InputScaling], NDArray[np.floating]],
    *,
    candidates: Sequence[str] | None = None,
    reference: ReferenceDigits | None = None,
    side: int = FIELD,
) -> Detection:
    """The preset a model was most likely trained with, judged by how ``predict(images,
    scaling)`` (raw outputs, (N, 10)) reads the reference digits under each.

    Every preset is screened by accuracy on a few digits of each kind, and the best few
    (a wrong convention usually costs tens of points) are run on all of them. Of those, a
    preset that reads clearly fewer digits than the best (a paired count: :func:`clearly_fewer`)
    is out, whatever the model's confidence under it. Among the rest, accuracy often ties: a
    network trained on 0-1 pixels still reads clear digits fed (x − 0.1307) / 0.3081 or 255 x,
    only with inflated confidence, and one trained on mean/std reads them fed 0-1 pixels with
    deflated confidence. So the preset under which the model's confidence is as training left
    it wins: the one whose fitted temperature (:func:`fitted_temperature`: the factor its
    log-probabilities would need to fit the reference digits best) is closest to 1. A model
    trained with cross-entropy ends with the scale of its outputs fitted to its training
    data; a scaled input scales them away from that.

    ``side``: a model's field larger than 28×28 (LeNet-5's 32): whether the digit is padded
    (LeNet-5's recipe) or resized is decided after the preset, the same way.
    """
    from digitcanvas.model.outputs import as_logits, output_kind

    ref = reference or reference_digits()
    keys = list(candidates) if candidates is not None else [p.key for p in PRESETS]
    screen = screen_digits(ref.labels)
    # The digits are in rounds of ten (one of each, the hands growing harder in turn): the first
    # half is a balanced set of its own, and decides alone when the choice is clear.
    halves = np.array_split(np.arange(len(ref.labels)), 2)

    def outputs(scaling: InputScaling, part: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.asarray(predict(ref.images[part], scaling), dtype=np.float64)

    def judged(scaling: InputScaling, before: _Judged | None = None) -> _Judged:
        part = halves[0] if before is None else halves[1]
        raw = outputs(scaling, part)
        if before is not None:
            raw = np.concatenate([before.raw, raw])
        labels = ref.labels[: len(raw)]
        with np.errstate(all="ignore"):
            logits = np.nan_to_num(
                as_logits(raw, output_kind(raw)), nan=0.0, posinf=LOGIT_CEILING, neginf=-LOGIT_CEILING
            )
        correct = np.argmax(raw, axis=1) == labels
        temperature = fitted_temperature(logits, labels)
        return _Judged(scaling, raw, correct, temperature, cross_entropy(logits / temperature, labels))

    def decided(options: dict[str, _Judged], prior: list[str]) -> str:
        """The best of ``options``, judged on the first half, and on both when that is close."""
        best = _best(options, prior)
        if not _clear(options, best):
            whole = len(ref.labels)
            options.update({k: judged(r.scaling, r) for k, r in options.items() if len(r.raw) < whole})
            best = _best(options, prior)
        return best

    def screened(key: str, fit: Fit) -> float:
        raw = outputs(replace(PRESETS_BY_KEY[key].scaling, fit=fit), screen)
        return float((np.argmax(raw, axis=1) == ref.labels[screen]).mean())

    def convention(fit: Fit) -> tuple[str, _Judged | None, dict[str, float]]:
        """The preset chosen for digits fitted to the model's field by ``fit``, how the model
        reads under it (None when no preset comes near), and every preset's accuracy."""
        scores = {key: screened(key, fit) for key in keys}
        ranked = sorted(keys, key=lambda k: (-scores[k], keys.index(k)))
        if scores[ranked[0]] < HOPELESS:  # no preset comes near: the model wants something else
            return ranked[0], None, scores
        finalists = [k for k in ranked[:FINALISTS] if scores[k] >= scores[ranked[0]] - FINALIST_MARGIN]
        full = {key: judged(replace(PRESETS_BY_KEY[key].scaling, fit=fit)) for key in finalists}
        best_key = decided(full, list(PRIOR))
        scores.update({key: result.accuracy for key, result in full.items()})
        return best_key, full[best_key], scores

    best_key, chosen, scores = convention(Fit.PAD)
    if side != FIELD:  # padded (LeNet-5) or resized: the convention under each, then the fit that suits the model
        resized_key, resized, resized_scores = convention(Fit.RESIZE)
        if chosen is not None and resized is not None:
            whole = len(ref.labels)
            chosen = judged(chosen.scaling, chosen) if len(chosen.raw) < whole else chosen
            resized = judged(resized.scaling, resized) if len(resized.raw) < whole else resized
        if resized is not None and (chosen is None or _fit(chosen, resized) == Fit.RESIZE):
            best_key, chosen, scores = resized_key, resized, resized_scores
    if chosen is None:
        return Detection(PRESETS_BY_KEY[best_key], scores[best_key], scores)
    return Detection(PRESETS_BY_KEY[best_key], chosen.accuracy, scores, chosen.raw, chosen.scaling, chosen.temperature)


def _fit(padded: _Judged, resized: _Judged) -> Fit:
    """Padded or resized, for a model with a larger field, each judged under the convention
    chosen for it. Both fits leave the digits clear, so accuracy and confidence often tie (and
    a resized digit fills more of the field, which a padded-trained model reads more surely):
    the fit the model was trained with is the one whose outputs, at their fitted temperature,
    fit the digits' labels best (the lower cross-entropy), unless it reads clearly fewer of
    them. Where the two are within :data:`FIT_TIE` of each other, LeNet-5's recipe (padding)."""
    if clearly_fewer(resized.correct, padded.correct):
        return Fit.RESIZE
    if clearly_fewer(padded.correct, resized.correct):
        return Fit.PAD
    return Fit.RESIZE if resized.loss < (1.0 - FIT_TIE) * padded.loss else Fit.PAD


def _clear(judged: dict[str, _Judged], best: str) -> bool:
    """True when ``best`` stands out: every other option reads clearly fewer digits, or has a
    temperature farther from 1 by more than :data:`CLEAR_LOG_TEMPERATURE`."""
    mine = abs(math.log(judged[best].temperature))
    for key, other in judged.items():
        if key == best or clearly_fewer(judged[best].correct, other.correct):
            continue
        if abs(math.log(other.temperature)) - mine < CLEAR_LOG_TEMPERATURE:
            return False
    return True


@dataclass(frozen=True)
class _Judged:
    """How a model reads all the reference digits under one scaling."""

    scaling: InputScaling
    raw: NDArray[np.float64]  # its raw outputs (N, 10)
    correct: NDArray[np.bool_]  # (N,)
    temperature: float
    loss: float  # the cross-entropy of its outputs at that temperature

    @property
    def accuracy(self) -> float:
        return float(self.correct.mean())


def _best(judged: dict[str, _Judged], prior: list[str]) -> str:
    """The option the model was most likely trained with. Plausible options are those whose
    temperature is near 1 (:data:`PLAUSIBLE_LOG_TEMPERATURE`; all of them when none is). Of
    those not reading clearly fewer digits than the most accurate plausible one, the one whose
    temperature is nearest 1 wins. Where several are about as near (:data:`TIED_LOG_TEMPERATURE`),
    the one whose outputs at their fitted temperature fit the digits clearly best
    (:data:`LOSS_TIE`), else the first in ``prior`` (how often people use each): between options
    a model reads about as well, about as surely and about as aptly, the common one is the likelier."""
    keys = [k for k in prior if k in judged]
    size = {k: abs(math.log(judged[k].temperature)) for k in keys}
    plausible = [k for k in keys if size[k] <= PLAUSIBLE_LOG_TEMPERATURE] or keys
    top = max(plausible, key=lambda k: (int(judged[k].correct.sum()), -keys.index(k)))
    contenders = [k for k in plausible if not clearly_fewer(judged[top].correct, judged[k].correct)]
    nearest = min(size[k] for k in contenders)
    tied = [k for k in contenders if size[k] <= nearest + TIED_LOG_TEMPERATURE]
    common = tied[0]
    apt = min(tied, key=lambda k: judged[k].loss)  # the first of equals, as min gives
    return apt if judged[apt].loss < (1.0 - LOSS_TIE) * judged[common].loss else common


def clearly_fewer(best: NDArray[np.bool_], other: NDArray[np.bool_]) -> bool:
    """True when ``other`` reads clearly fewer of the same digits than ``best``: the digits
    only ``best`` reads outnumber those only ``other`` reads by more than chance would
    (a sign test at about :data:`FEWER_SIGMAS` standard deviations)."""
    only_best = int(np.count_nonzero(best & ~other))
    only_other = int(np.count_nonzero(other & ~best))
    return only_best - only_other > FEWER_SIGMAS * math.sqrt(only_best + only_other) + FEWER_SHARE * len(best)


def fitted_doubt_threshold(probabilities: NDArray[np.float64], labels: NDArray[np.int64], ceiling: float) -> float:
    """A "Not sure" threshold for a model from its ``probabilities`` (N, 10) on the reference
    digits: the :data:`DOUBT_REFERENCE_SHARE` quantile of its confidence on those it reads
    right, at most ``ceiling``."""
    right = np.argmax(probabilities, axis=1) == labels
    if not right.any():
        return ceiling
    return min(ceiling, float(np.quantile(probabilities.max(axis=1)[right], DOUBT_REFERENCE_SHARE)))


def _log_softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    z: NDArray[np.float64] = logits - logits.max(axis=1, keepdims=True)
    result: NDArray[np.float64] = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return result


def cross_entropy(logits: NDArray[np.float64], labels: NDArray[np.int64]) -> float:
    """The mean cross-entropy of softmax(``logits``) against ``labels``."""
    return float(-_log_softmax(logits)[np.arange(len(labels)), labels].mean())


def fitted_temperature(log_probs: NDArray[np.float64], labels: NDArray[np.int64]) -> float:
    """The temperature T for which softmax(log_probs / T) (log-probabilities, or any logits)
    fits ``labels`` best: the
    cross-entropy against labels smoothed by :data:`TEMPERATURE_SMOOTHING` (so a model that
    reads every digit still has a best T), searched in log T within ±:data:`MAX_LOG_TEMPERATURE`."""
    target = np.full(log_probs.shape, TEMPERATURE_SMOOTHING / log_probs.shape[1])
    target[np.arange(len(labels)), labels] += 1.0 - TEMPERATURE_SMOOTHING

    def loss(log_t: float) -> float:
        return float(-(target * _log_softmax(log_probs / math.exp(log_t))).sum(axis=1).mean())

    low, high = -MAX_LOG_TEMPERATURE, MAX_LOG_TEMPERATURE
    golden = (math.sqrt(5) - 1) / 2
    a, b = high - golden * (high - low), low + golden * (high - low)
    fa, fb = loss(a), loss(b)
    for _ in range(TEMPERATURE_STEPS):  # one minimum (the loss is convex in 1/T): a golden-section search
        if fa <= fb:
            high, b, fb = b, a, fa
            a = high - golden * (high - low)
            fa = loss(a)
        else:
            low, a, fa = a, b, fb
            b = low + golden * (high - low)
            fb = loss(b)
    return math.exp((low + high) / 2)


SETTING_HELP = (
    "a preset ("
    + ", ".join(p.key for p in PRESETS)
    + ") or explicit values such as scale=255,mean=0.5,std=0.5,invert,normalize=l2-columns; "
    + "for a 32×32 (LeNet-5) model add fit=pad (the default) or fit=resize, e.g. unit,fit=resize"
)


def parse_setting(text: str) -> InputScaling:
    """An input setting as the CLI and the settings store write it: a preset key, or
    ``key=value`` items (``scale``, ``mean``, ``std``, ``normalize``) and the flag ``invert``.

    Raises ``ValueError`` naming what is wrong and what is accepted.
    """
    text = text.strip()
    preset, _, rest = text.partition(",")
    if preset.strip() in PRESETS_BY_KEY:  # a preset, maybe with a fit: "unit,fit=resize"
        scaling = PRESETS_BY_KEY[preset.strip()].scaling
        return replace(scaling, fit=parse_setting(rest).fit) if rest.strip() else scaling
    values: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, value = item.partition("=")
        values[key.strip().lower()] = value.strip() if value else "true"
    unknown = set(values) - set(INPUT_SETTING_KEYS)
    if not values or unknown:
        raise ValueError(f"unknown input setting {text!r}; use {SETTING_HELP}")
    metadata = {INPUT_SETTING_KEYS[key]: value for key, value in values.items()}
    try:
        return ModelInfo.from_metadata(metadata, fallback_name="").scaling
    except ModelInfoError as e:
        message = str(e)
        for name, key in INPUT_SETTING_KEYS.items():  # the setting's words, not the metadata's
            message = message.replace(f"metadata {key}", name)
        raise ValueError(message) from e


def format_setting(scaling: InputScaling) -> str:
    """The inverse of :func:`parse_setting`: a preset key when one matches, else the values."""
    fitted = f",fit={scaling.fit}" if scaling.fit != Fit.PAD else ""
    for preset in PRESETS:
        if preset.scaling == replace(scaling, fit=Fit.PAD):
            return preset.key + fitted
    text = f"scale={scaling.scale!r},mean={scaling.mean!r},std={scaling.std!r}"
    if scaling.invert:
        text += ",invert"
    if scaling.normalize != Normalization.NONE:
        text += f",normalize={scaling.normalize}"
    return text + fitted
