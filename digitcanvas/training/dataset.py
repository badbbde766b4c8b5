"""The images a network trains on: MNIST split for validation, plus the person's own drawings. No Qt.

A seeded twelfth of the training images (5,000 of MNIST's 60,000) is held out: the curves'
validation figures, the calibration and the "Not sure" threshold come from it, so the
10,000 test images give only the final figure. Drawings from the person's collection join
the training images, each rendered as the app reads it and repeated so a few hundred of
them count among 55,000.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.strokes import Drawing, EmptyInputError
from digitcanvas.reading.preprocessing import preprocess_drawing
from digitcanvas.training.mnist_data import (
    MIRRORS,
    DownloadProgress,
    MnistSplit,
    default_cache_dir,
    download_mnist,
    load_split,
    missing_files,
)

VALIDATION_SHARE = 1 / 12  # 5,000 of MNIST's 60,000 training images
SPLIT_SEED = 20261121
COLLECTION_REPEAT = 5  # each kept drawing counts as this many training images
PIXEL_MAX = 255

Images = NDArray[np.uint8]  # (N, 28, 28), 0 = paper, 255 = ink
Labels = NDArray[np.int64]  # (N,), digits 0-9


@dataclass(frozen=True)
class TrainingData:
    """Training, validation and test images with their labels, and what they are, in words."""

    train_images: Images
    train_labels: Labels
    val_images: Images
    val_labels: Labels
    test_images: Images
    test_labels: Labels
    notes: tuple[str, ...] = ()


def split_sizes(count: int) -> tuple[int, int]:
    """How many of ``count`` training images train and how many are held out for validation."""
    held = max(1, round(count * VALIDATION_SHARE)) if count > 1 else 0
    return count - held, held


def split_training(
    train: MnistSplit, test: MnistSplit, *, seed: int = SPLIT_SEED, source: str = "MNIST"
) -> TrainingData:
    """Hold out :data:`VALIDATION_SHARE` of ``train`` (a seeded choice) for validation."""
    count = len(train.labels)
    _, held = split_sizes(count)
    order = np.random.default_rng(seed).permutation(count)
    val, rest = np.sort(order[:held]), np.sort(order[held:])
    labels = train.labels.astype(np.int64)
    note = (
        f"{source}: {len(rest):,} training images, {held:,} held out for validation, {len(test.labels):,} test images"
    )
    return TrainingData(
        train.images[rest],
        labels[rest],
        train.images[val],
        labels[val],
        test.images,
        test.labels.astype(np.int64),
        (note,),
    )


def with_drawings(data: TrainingData, drawings: Sequence[Drawing], *, repeat: int = COLLECTION_REPEAT) -> TrainingData:
    """``data`` with the labelled ones of ``drawings`` added to the training images, each
    rendered as the app reads it and repeated ``repeat`` times."""
    images, labels = [], []
    for drawing in drawings:
        if drawing.label is None:
            continue
        try:
            image = preprocess_drawing(drawing)
        except EmptyInputError:
            continue
        images.append(np.round(image * PIXEL_MAX).astype(np.uint8))
        labels.append(drawing.label)
    if not images:
        return data
    added = np.repeat(np.stack(images), repeat, axis=0)
    note = f"your collection: {len(images):,} labelled drawings, each counted {repeat}×"
    return replace(
        data,
        train_images=np.concatenate([data.train_images, added]),
        train_labels=np.concatenate([data.train_labels, np.repeat(np.asarray(labels, np.int64), repeat)]),
        notes=(*data.notes, note),
    )


def load_training_data(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    verify: bool = True,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    mirrors: Sequence[str] = MIRRORS,
) -> TrainingData:
    """MNIST from ``data_dir`` (read as it is), else from the cache (``cache_dir``, default
    :func:`~.mnist_data.default_cache_dir`), downloading what it lacks first.

    Raises :class:`~.mnist_data.MnistError` (a bad file),
    :class:`~.mnist_data.MnistUnavailableError` (not cached and no download) and
    :class:`~.mnist_data.DownloadCancelled`.
    """
    if data_dir is not None:
        folder = Path(data_dir)
    else:
        folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        if missing_files(folder):
            download_mnist(folder, mirrors=mirrors, on_progress=on_progress, cancelled=cancelled)
    source = "MNIST" if verify else f"IDX files in {folder}"
    return split_training(
        load_split(folder, "train", verify=verify), load_split(folder, "test", verify=verify), source=source
    )
