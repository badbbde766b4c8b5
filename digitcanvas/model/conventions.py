"""Input conventions: the ways people scale MNIST pixels, and how to tell which one a model wants.

A model trained on MNIST expects its pixels in the same convention its training used.
Most exported models do not say which, so when a model's metadata names no input
scaling, DigitCanvas runs it on a small labelled reference set shipped in the wheel
(MNIST test digits, CC BY-SA 3.0) under every preset and keeps the one it reads best.
No Qt.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.info import INPUT_SETTING_KEYS, InputScaling, ModelInfo, ModelInfoError, Normalization

REFERENCE_FILE = "reference-digits.npz"  # made by `python -m lab.data.make_reference`
# Detection in two rounds: every preset on a first share of the digits, then the best few
# on all of them. Keeps loading plus detection quick for models of a few MB.
SCREEN_PER_DIGIT = 3  # reference digits of each kind every preset is screened on
FINALISTS = 3  # at most this many presets are run on all the reference digits...
FINALIST_MARGIN = 0.2  # ...those within this share of the screen digits of the best one
POOR_ACCURACY = 0.8  # the best preset under this: the model may expect an input we do not know
MIN_PROBABILITY = 1e-12  # floor for the cross-entropy of a digit the model rules out
# Presets that differ only by a factor of 255: a model may read the reference digits as well
# under both, and the larger input only makes it surer (see detect()).
SCALE_SIBLINGS = (("unit", "0-255"), ("unit-inverted", "0-255-inverted"))
SIBLING_ACCURACY = 0.01  # of the reference digits: siblings this close in accuracy are told apart by margin
# The median log-odds of a trained model's top digit over its second, on clear digits, lie in
# this range (2-14 for every exported model measured); 255 times too small an input leaves
# them near 0 (flat outputs), 255 times too large pushes them to the float ceiling (27.6).
TRAINED_MARGIN = (1.0, 20.0)


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


def describe_scaling(scaling: InputScaling) -> str:
    """A preset's label, or the numbers of a custom scaling."""
    for preset in PRESETS:
        if preset.scaling == scaling:
            return preset.label
    text = f"x × {scaling.scale:g} − {scaling.mean:g}, ÷ {scaling.std:g}"
    if scaling.normalize == Normalization.L2_COLUMNS:
        text += ", columns to unit L2 norm"
    return text + (", black ink on white" if scaling.invert else "")


@dataclass(frozen=True)
class ReferenceDigits:
    images: NDArray[np.float32]  # (N, 28, 28) in [0, 1], white ink on black
    labels: NDArray[np.int64]  # (N,)


@functools.cache
def reference_digits() -> ReferenceDigits:
    """The labelled reference digits shipped in the wheel (MNIST test images, CC BY-SA 3.0)."""
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
    # the model's raw outputs on all the reference digits under the chosen preset
    outputs: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

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
) -> Detection:
    """The preset under which ``predict(images, scaling)`` (raw outputs, (N, 10)) reads the
    reference digits best.

    Every preset is screened by accuracy on a few digits of each kind; the best few (those
    close to the best: a wrong convention costs tens of points) are then run on all of them
    and the one with the lowest cross-entropy of the true digit wins. Accuracy
    alone often ties (a CNN trained on MNIST mean/std still reads 99 % of clear digits fed
    0-1 pixels) while the convention it was trained on gives it clearly more confidence.

    Confidence misleads between pixels 0-1 and 0-255 only: a well-trained model that reads
    every reference digit under both is surer when its input is 255 times larger, and would
    then be sure of everything (no "Not sure"). Where both are finalists and read about as
    well (SIBLING_ACCURACY), and the median margin of its top digit (log-odds over the
    second) is of a trained model's size (TRAINED_MARGIN) under one of them only, that one
    stays; else the cross-entropy decides as for the others.
    """
    from digitcanvas.model.outputs import output_kind, to_probabilities

    ref = reference or reference_digits()
    keys = list(candidates) if candidates is not None else [p.key for p in PRESETS]
    screen = screen_digits(ref.labels)
    everything = np.arange(len(ref.labels))

    def outputs(key: str, part: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.asarray(predict(ref.images[part], PRESETS_BY_KEY[key].scaling), dtype=np.float64)

    def accuracy(raw: NDArray[np.float64], labels: NDArray[np.int64]) -> float:
        return float((np.argmax(raw, axis=1) == labels).mean())

    scores = {key: accuracy(outputs(key, screen), ref.labels[screen]) for key in keys}
    ranked = sorted(keys, key=lambda k: (-scores[k], keys.index(k)))
    finalists = [k for k in ranked[:FINALISTS] if scores[k] >= scores[ranked[0]] - FINALIST_MARGIN]
    full: dict[str, tuple[float, float]] = {}
    raws: dict[str, NDArray[np.float64]] = {}
    margins: dict[str, float] = {}
    for key in finalists:
        raw = raws[key] = outputs(key, everything)
        with np.errstate(all="ignore"):
            probs = to_probabilities(raw, output_kind(raw))
        margins[key] = _median_margin(probs)
        picked = np.clip(probs[np.arange(len(ref.labels)), ref.labels], MIN_PROBABILITY, 1.0)
        full[key] = (accuracy(raw, ref.labels), float(-np.log(picked).mean()))
    for plain, scaled in SCALE_SIBLINGS:
        if plain in full and scaled in full and abs(full[plain][0] - full[scaled][0]) <= SIBLING_ACCURACY:
            trained = {key: TRAINED_MARGIN[0] <= margins[key] <= TRAINED_MARGIN[1] for key in (plain, scaled)}
            if trained[plain] != trained[scaled]:
                finalists.remove(scaled if trained[plain] else plain)
    best = min(finalists, key=lambda k: (full[k][1], -full[k][0], keys.index(k)))
    scores.update({key: value[0] for key, value in full.items()})
    return Detection(PRESETS_BY_KEY[best], full[best][0], scores, raws[best])


def _median_margin(probs: NDArray[np.float64]) -> float:
    """The median log-odds of the top digit over the second, for probabilities (N, 10)."""
    ranked = np.sort(np.log(np.clip(probs, MIN_PROBABILITY, 1.0)), axis=1)
    return float(np.median(ranked[:, -1] - ranked[:, -2]))


SETTING_HELP = (
    "a preset ("
    + ", ".join(p.key for p in PRESETS)
    + ") or explicit values such as scale=255,mean=0.5,std=0.5,invert,normalize=l2-columns"
)


def parse_setting(text: str) -> InputScaling:
    """An input setting as the CLI and the settings store write it: a preset key, or
    ``key=value`` items (``scale``, ``mean``, ``std``, ``normalize``) and the flag ``invert``.

    Raises ``ValueError`` naming what is wrong and what is accepted.
    """
    text = text.strip()
    if text in PRESETS_BY_KEY:
        return PRESETS_BY_KEY[text].scaling
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
    for preset in PRESETS:
        if preset.scaling == scaling:
            return preset.key
    text = f"scale={scaling.scale!r},mean={scaling.mean!r},std={scaling.std!r}"
    if scaling.invert:
        text += ",invert"
    if scaling.normalize != Normalization.NONE:
        text += f",normalize={scaling.normalize}"
    return text
