"""The data ``python -m lab.train`` learns from: MNIST, rendered UNIPEN pen digits,
personal collections and generated non-digits (outlier exposure). No PyTorch.

Pen digits and collection drawings go through the app's own canvas placement and
preprocessing, so the network learns from what the app will feed it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from digitcanvas.collection import load_collection
from digitcanvas.drawing import Drawing
from digitcanvas.preprocessing import MNIST_PEN_WIDTH, PreprocessOptions, preprocess_drawing
from lab import nondigits
from lab.common import log
from lab.mnist import load_split
from lab.unipen import PenSample, load_samples, to_canvas, writer_split

VALIDATION_SIZE = 5_000  # MNIST training images held out for every choice we make
UNIPEN_RENDERINGS = 2  # each UNIPEN training sample is rendered this many ways
PEN_WIDTH_JITTER = (0.7, 1.35)  # × the app's MNIST pen width, for stroke-thickness variety
DRAW_SIZE_RANGE = (0.25, 0.85)  # fraction of the canvas height people use for a digit
OUTLIER_KINDS = ("scribble", "dot", "line", "letter", "overlap")  # equal shares of the outlier set
OUTLIER_SEED_OFFSET = 1  # training outliers; lab.evaluate_doubt uses other seeds and held-out letters

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
    test_writers: int = 0  # how many writers the test split holds (the set the doubt threshold must suit)
    outlier_x: Images = field(default_factory=_no_images)
    val_outlier_x: Images = field(default_factory=_no_images)
    notes: list[str] = field(default_factory=list)


def preprocess_all(drawings: Sequence[Drawing]) -> Images:
    """Network inputs for drawings, through the app's preprocessing (default options)."""
    return np.asarray([preprocess_drawing(d) for d in drawings], dtype=np.float32).reshape(-1, 28, 28)


def render_pen_samples(
    samples: Sequence[PenSample], rng: np.random.Generator, *, renderings: int
) -> tuple[Images, Labels]:
    """Render pen samples through the app's own canvas placement and preprocessing."""
    images, labels = [], []
    for sample in samples:
        for r in range(renderings):
            if r == 0:
                fraction, width = 0.6, MNIST_PEN_WIDTH
            else:
                fraction = rng.uniform(*DRAW_SIZE_RANGE)
                width = MNIST_PEN_WIDTH * rng.uniform(*PEN_WIDTH_JITTER)
            drawing = to_canvas(sample, height_fraction=fraction)
            images.append(preprocess_drawing(drawing, PreprocessOptions(mnist_pen_width=width)))
            labels.append(sample.label)
    return np.asarray(images, dtype=np.float32).reshape(-1, 28, 28), np.asarray(labels, dtype=np.int64)


def load_data(args: argparse.Namespace, rng: np.random.Generator) -> DataSets:
    """Everything training needs, from the command line's sources; the choices are noted."""
    train = load_split(args.data, "train", verify=not args.no_verify)
    test = load_split(args.data, "test", verify=not args.no_verify)
    order = rng.permutation(len(train.labels))
    n_val = min(VALIDATION_SIZE, len(order) // 10) if args.limit else VALIDATION_SIZE
    val_idx, train_idx = order[:n_val], order[n_val:]
    if args.limit:
        train_idx = train_idx[: args.limit]
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
        samples = load_samples(args.unipen)
        split = writer_split(samples)
        pen_train = [s for s in samples if split[s.writer_key] == "train"]
        pen_val = [s for s in samples if split[s.writer_key] == "val"]
        if args.limit:
            pen_train, pen_val = pen_train[: args.limit // 4], pen_val[: args.limit // 4]
        started = time.perf_counter()
        px, py = render_pen_samples(pen_train, rng, renderings=UNIPEN_RENDERINGS)
        vx, vy = render_pen_samples(pen_val, rng, renderings=1)
        log(f"rendered {len(px) + len(vx):,} UNIPEN drawings in {time.perf_counter() - started:.0f} s")
        data.train_x = np.concatenate([data.train_x, px])
        data.train_y = np.concatenate([data.train_y, py])
        data.drawn_val_x, data.drawn_val_y = vx, vy
        data.drawn_val_writers = [str(s.writer_key) for s in pen_val]
        data.test_writers = len({key for key, part in split.items() if part == "test"})
        writers = len({s.writer_key for s in pen_train})
        data.notes.append(
            f"UNIPEN: {len(pen_train):,} pen digits of {writers} training writers, each rendered "
            f"{UNIPEN_RENDERINGS}× through the app's preprocessing; "
            f"{len(pen_val):,} validation-writer digits for checks"
        )
    if args.outliers:
        make_outliers(args, data, pen_train, pen_val)
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
    data.outlier_x, data.val_outlier_x = sets
    log(
        f"generated {len(data.outlier_x) + len(data.val_outlier_x):,} non-digits "
        f"in {time.perf_counter() - started:.0f} s"
    )
    data.notes.append(
        f"Outlier exposure: {len(data.outlier_x):,} generated non-digits ({', '.join(OUTLIER_KINDS)}; letters "
        f"{' '.join(nondigits.TRAIN_LETTERS)}) trained towards a flat output, weight {args.outlier_weight}"
    )
