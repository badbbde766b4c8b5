"""The data ``python -m lab.train`` learns from: MNIST, rendered pen digits (UNIPEN and
DigiLeTs), personal collections and non-digits for outlier exposure (generated ones and
real DigiLeTs letters). No PyTorch.

Pen digits, letters and collection drawings go through the app's own canvas placement
and preprocessing, so the network learns from what the app will feed it. Pen samples
are varied at the stroke level first (:mod:`lab.data.augment_strokes`).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from digitcanvas.collection.folder import load_collection
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.reading.preprocessing import MNIST_PEN_WIDTH, PreprocessOptions, preprocess_drawing
from digitcanvas.training.mnist_data import load_split
from lab.console import log
from lab.data import augment_strokes, digilets, nondigits, unipen
from lab.data.unipen import DRAW_HEIGHT_FRACTION, PenSample, to_canvas

VALIDATION_SIZE = 5_000  # MNIST training images held out for every choice we make
MNIST_SPLIT_SEED = 20261121  # the held-out MNIST images are the same for every training seed
UNIPEN_RENDERINGS = 3  # each UNIPEN training digit: once as written, twice varied
DIGILETS_RENDERINGS = 10  # DigiLeTs holds 1,500 training digits (30 writers): weighted up by variants
LETTER_RENDERINGS = 2  # each non-digit-like training-writer letter, as outlier
PEN_WIDTH_JITTER = (0.7, 1.35)  # × the app's MNIST pen width, for stroke-thickness variety
DRAW_SIZE_RANGE = (0.25, 0.85)  # fraction of the canvas height people use for a digit
OUTLIER_KINDS = ("scribble", "dot", "line", "letter", "overlap")  # equal shares of the outlier set
OUTLIER_SEED_OFFSET = 1  # training outliers; lab.evaluate.doubt uses other seeds and held-out letters

Images = NDArray[np.float32]  # (N, 28, 28) in [0, 1], white ink on black
Labels = NDArray[np.int64]  # (N,)


def _no_images() -> Images:
    return np.zeros((0, 28, 28), np.float32)


@dataclass
class DataSets:
    train_x: Images
    train_y: Labels
    val_x: Images
    val_y: Labels
    drawn_val_x: Images
    drawn_val_y: Labels
    test_x: Images
    test_y: Labels
    drawn_val_writers: list[str] = field(default_factory=list)  # who wrote each validation drawing
    drawn_val_sources: list[str] = field(default_factory=list)  # "unipen" or "digilets", per drawing
    test_writers: int = 0  # how many writers the test splits hold (the set the doubt threshold must suit)
    outlier_x: Images = field(default_factory=_no_images)
    val_outlier_x: Images = field(default_factory=_no_images)
    notes: list[str] = field(default_factory=list)


def mnist_split(count: int, *, limit: int = 0) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(validation, training) indices into MNIST's training images: a fixed seeded shuffle,
    the first ``VALIDATION_SIZE`` held out (a tenth of a small smoke-test set)."""
    order = np.random.default_rng(MNIST_SPLIT_SEED).permutation(count)
    n_val = min(VALIDATION_SIZE, count // 10) if limit else VALIDATION_SIZE
    train = order[n_val:]
    return order[:n_val], train[:limit] if limit else train


def preprocess_all(drawings: Sequence[Drawing]) -> Images:
    """Network inputs for drawings, through the app's preprocessing (default options)."""
    return np.asarray([preprocess_drawing(d) for d in drawings], dtype=np.float32).reshape(-1, 28, 28)


def render_pen_samples(
    samples: Sequence[PenSample], rng: np.random.Generator, *, renderings: int
) -> tuple[Images, Labels]:
    """Render pen samples through the app's own canvas placement and preprocessing.

    The first rendering of each sample is as written, at the typical size; every other
    one is a stroke-level variant (:func:`lab.data.augment_strokes.augment`) at a random size
    and stroke width.
    """
    images, labels = [], []
    for sample in samples:
        for r in range(renderings):
            if r == 0:
                varied, fraction, width = sample, DRAW_HEIGHT_FRACTION, MNIST_PEN_WIDTH
            else:
                varied = augment_strokes.augment(sample, rng)
                fraction = rng.uniform(*DRAW_SIZE_RANGE)
                width = MNIST_PEN_WIDTH * rng.uniform(*PEN_WIDTH_JITTER)
            drawing = to_canvas(varied, height_fraction=fraction)
            images.append(preprocess_drawing(drawing, PreprocessOptions(mnist_pen_width=width)))
            labels.append(sample.label)
    return np.asarray(images, dtype=np.float32).reshape(-1, 28, 28), np.asarray(labels, dtype=np.int64)


@dataclass
class _PenParts:
    train: list[PenSample] = field(default_factory=list)
    val: list[PenSample] = field(default_factory=list)
    test_writers: int = 0


def _unipen_parts(path: str, limit: int) -> _PenParts:
    samples = unipen.load_samples(path)
    split = unipen.writer_split(samples)
    parts = _PenParts(
        [s for s in samples if split[s.writer_key] == "train"],
        [s for s in samples if split[s.writer_key] == "val"],
        sum(1 for part in split.values() if part == "test"),
    )
    if limit:
        parts.train, parts.val = parts.train[: limit // 4], parts.val[: limit // 4]
    return parts


def _digilets_parts(path: str, limit: int) -> _PenParts:
    samples = digilets.load_digits(path)
    split = digilets.writer_split(s.writer for s in samples)
    parts = _PenParts(
        digilets.select(samples, "train", split=split),
        digilets.select(samples, "val", split=split),
        sum(1 for part in split.values() if part == "test"),
    )
    if limit:
        parts.train, parts.val = parts.train[: limit // 4], parts.val[: limit // 4]
    return parts


def _add_pen_source(data: DataSets, name: str, parts: _PenParts, renderings: int, rng: np.random.Generator) -> None:
    started = time.perf_counter()
    px, py = render_pen_samples(parts.train, rng, renderings=renderings)
    vx, vy = render_pen_samples(parts.val, rng, renderings=1)
    log(f"rendered {len(px) + len(vx):,} {name} drawings in {time.perf_counter() - started:.0f} s")
    data.train_x = np.concatenate([data.train_x, px])
    data.train_y = np.concatenate([data.train_y, py])
    data.drawn_val_x = np.concatenate([data.drawn_val_x, vx])
    data.drawn_val_y = np.concatenate([data.drawn_val_y, vy])
    data.drawn_val_writers += [s.writer_key for s in parts.val]
    data.drawn_val_sources += [name.lower()] * len(parts.val)
    data.test_writers += parts.test_writers
    writers = len({s.writer_key for s in parts.train})
    data.notes.append(
        f"{name}: {len(parts.train):,} pen digits of {writers} training writers, each rendered {renderings}× "
        f"through the app's preprocessing (once as written, {renderings - 1}× as stroke-level variants); "
        f"{len(parts.val):,} digits of {len({s.writer_key for s in parts.val})} validation writers for checks"
    )


def load_data(args: argparse.Namespace, rng: np.random.Generator) -> DataSets:
    """Everything training needs, from the command line's sources; the choices are noted."""
    train = load_split(args.data, "train", verify=not args.no_verify)
    test = load_split(args.data, "test", verify=not args.no_verify)
    val_idx, train_idx = mnist_split(len(train.labels), limit=args.limit)
    x = train.images.astype(np.float32) / 255.0
    data = DataSets(
        train_x=x[train_idx],
        train_y=train.labels[train_idx].astype(np.int64),
        val_x=x[val_idx],
        val_y=train.labels[val_idx].astype(np.int64),
        drawn_val_x=_no_images(),
        drawn_val_y=np.zeros(0, np.int64),
        test_x=test.images.astype(np.float32) / 255.0,
        test_y=test.labels.astype(np.int64),
    )
    data.notes.append(f"MNIST: {len(train_idx):,} training images, {len(val_idx):,} held out for validation")
    pen_train: list[PenSample] = []
    pen_val: list[PenSample] = []
    if args.unipen:
        parts = _unipen_parts(args.unipen, args.limit)
        _add_pen_source(data, "UNIPEN", parts, args.unipen_renderings, rng)
        pen_train, pen_val = pen_train + parts.train, pen_val + parts.val
    if args.digilets:
        parts = _digilets_parts(args.digilets, args.limit)
        _add_pen_source(data, "DigiLeTs", parts, args.digilets_renderings, rng)
        pen_train, pen_val = pen_train + parts.train, pen_val + parts.val
    if args.outliers:
        make_outliers(args, data, pen_train, pen_val)
    if args.letters:
        add_letter_outliers(args, data, rng)
    for folder in args.collection or []:
        drawings = load_collection(folder)
        cx = preprocess_all(drawings)
        cy = np.asarray([d.label for d in drawings], dtype=np.int64)
        data.train_x = np.concatenate([data.train_x, np.repeat(cx, args.collection_weight, axis=0)])
        data.train_y = np.concatenate([data.train_y, np.repeat(cy, args.collection_weight)])
        data.notes.append(
            f"Personal collection {folder}: {len(cy)} labelled drawings, repeated {args.collection_weight}×"
        )
    return data


def make_outliers(
    args: argparse.Namespace, data: DataSets, pen_train: Sequence[PenSample], pen_val: Sequence[PenSample]
) -> None:
    """Non-digits for outlier exposure (training letters only; writers of the matching part)."""
    started = time.perf_counter()
    sets = []
    for count, seed, samples in (
        (args.outliers, args.seed + OUTLIER_SEED_OFFSET, pen_train),
        (max(args.outliers // 10, 50), args.seed + OUTLIER_SEED_OFFSET + 1, pen_val),
    ):
        rng = np.random.default_rng(seed)
        kinds = [k for k in OUTLIER_KINDS if k != "overlap" or len(samples) > 10]
        drawings: list[Drawing] = []
        for kind in kinds:
            drawings += nondigits.generate(kind, count // len(kinds), rng, samples=samples)
        sets.append(preprocess_all(drawings))
    data.outlier_x = np.concatenate([data.outlier_x, sets[0]])
    data.val_outlier_x = np.concatenate([data.val_outlier_x, sets[1]])
    log(f"generated {len(sets[0]) + len(sets[1]):,} non-digits in {time.perf_counter() - started:.0f} s")
    data.notes.append(
        f"Outlier exposure: {len(sets[0]):,} generated non-digits ({', '.join(OUTLIER_KINDS)}; letters "
        f"{' '.join(nondigits.TRAIN_LETTERS)}) trained towards a flat output, weight {args.outlier_weight}"
    )


def add_letter_outliers(args: argparse.Namespace, data: DataSets, rng: np.random.Generator) -> None:
    """Real DigiLeTs letters of the training writers as outliers (validation writers' for checks).

    Only letters that do not look like a digit in many hands count (:data:`lab.data.nondigits.DIGIT_LIKE_LETTERS`
    are left out): training an "O" towards a flat output would teach the network to doubt its zeros.
    The writer split is the digits' (:func:`lab.data.digilets.writer_split` of all 50 writers).
    """
    started = time.perf_counter()
    split = digilets.writer_split(s.writer for s in digilets.load_digits(args.digilets))
    letters = [t for t in digilets.load_letters(args.letters) if t.label not in nondigits.DIGIT_LIKE_LETTERS]
    train = digilets.letters_to_samples(t for t in letters if split.get(t.writer) == "train")
    val = digilets.letters_to_samples(t for t in letters if split.get(t.writer) == "val")
    if args.limit:
        train, val = train[: args.limit // 4], val[: args.limit // 4]
    tx, _ = render_pen_samples(train, rng, renderings=LETTER_RENDERINGS)
    vx, _ = render_pen_samples(val, rng, renderings=1)
    data.outlier_x = np.concatenate([data.outlier_x, tx])
    data.val_outlier_x = np.concatenate([data.val_outlier_x, vx])
    log(f"rendered {len(tx) + len(vx):,} DigiLeTs letters in {time.perf_counter() - started:.0f} s")
    data.notes.append(
        f"Outlier exposure: {len(train):,} real DigiLeTs letters of the training writers, each rendered "
        f"{LETTER_RENDERINGS}× (left out as digit-like: {' '.join(sorted(nondigits.DIGIT_LIKE_LETTERS))})"
    )
