"""Tiny MNIST-shaped data sets the tests make themselves (never the real MNIST files)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.training.mnist_data import write_idx

STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def bar_digits(n: int, rng: np.random.Generator) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """Images of a vertical bar whose place says the label: learnable within one epoch."""
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i, 4:24, 4 + 2 * label : 6 + 2 * label] = 255
    return images, labels


def write_mnist_folder(
    folder: Path, *, train: int = 300, test: int = 60, seed: int = 0, noise: bool = False
) -> dict[str, str]:
    """Write the four IDX files (gzip) of bar digits into ``folder`` (``noise``: random pixels,
    which gzip cannot shrink); returns their unpacked MD5s by stem."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for prefix, count in (("train", train), ("t10k", test)):
        images, labels = bar_digits(count, rng)
        if noise:
            images = rng.integers(0, 256, size=images.shape, dtype=np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return {stem: hashlib.md5(gzip.decompress((folder / f"{stem}.gz").read_bytes())).hexdigest() for stem in STEMS}
