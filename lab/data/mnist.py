"""Read the original MNIST IDX files (gzip or raw) and check them against the canonical MD5s.

Used by ``python -m lab.train`` and ``python -m lab.evaluate.mnist``; no Qt, no PyTorch.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension

# MD5 of the *unpacked* files, as published with the original MNIST release.
CANONICAL_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
SPLITS = {"train": "train", "test": "t10k"}


class MnistError(ValueError):
    """An MNIST file is missing, truncated, of the wrong kind, or not the canonical one."""


@dataclass(frozen=True)
class MnistSplit:
    images: NDArray[np.uint8]  # (N, 28, 28), 0 = paper, 255 = ink
    labels: NDArray[np.uint8]  # (N,), digits 0-9


def _find(data_dir: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        candidate = data_dir / name
        if candidate.is_file():
            return candidate
    raise MnistError(f"{data_dir / stem}[.gz]: file not found (is --data the folder with the MNIST IDX files?)")


def read_idx_bytes(path: Path) -> bytes:
    """The unpacked bytes of an IDX file, gzip or raw."""
    try:
        raw = path.read_bytes()
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise MnistError(f"{path}: cannot read or unpack ({e})") from e


def parse_idx(payload: bytes, *, expected_magic: int, source: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Parse unpacked IDX bytes into an array, checking magic and length."""
    if len(payload) < 4:
        raise MnistError(f"{source}: truncated (only {len(payload)} bytes)")
    (magic,) = struct.unpack(">I", payload[:4])
    if magic != expected_magic:
        raise MnistError(f"{source}: wrong magic number 0x{magic:08x}, expected 0x{expected_magic:08x}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(payload) < header:
        raise MnistError(f"{source}: truncated header")
    dims = struct.unpack(f">{ndim}I", payload[4:header])
    count = int(np.prod(dims))
    if len(payload) != header + count:
        raise MnistError(
            f"{source}: truncated or padded: header says {count} data bytes, file has {len(payload) - header}"
        )
    return np.frombuffer(payload, dtype=np.uint8, offset=header).reshape(dims)


def load_split(data_dir: str | os.PathLike[str], split: str, *, verify: bool = True) -> MnistSplit:
    """Load ``split`` ("train" or "test") from ``data_dir``; verify the canonical MD5s."""
    data_dir = Path(data_dir)
    prefix = SPLITS[split]
    arrays = []
    for kind, magic in (("images-idx3-ubyte", IMAGES_MAGIC), ("labels-idx1-ubyte", LABELS_MAGIC)):
        stem = f"{prefix}-{kind}"
        path = _find(data_dir, stem)
        payload = read_idx_bytes(path)
        if verify:
            digest = hashlib.md5(payload).hexdigest()
            if digest != CANONICAL_MD5[stem]:
                raise MnistError(
                    f"{path}: MD5 of the unpacked file is {digest}, expected {CANONICAL_MD5[stem]} "
                    "(a different or damaged copy; pass --no-verify only for your own test files)"
                )
        arrays.append(parse_idx(payload, expected_magic=magic, source=path))
    images, labels = arrays
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise MnistError(f"{data_dir}: {split} images {images.shape} do not match labels {labels.shape}")
    return MnistSplit(images=images, labels=labels)


def write_idx(path: str | os.PathLike[str], array: NDArray[np.uint8], *, compress: bool = True) -> None:
    """Write an IDX file (used by the tests to make tiny data sets)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = 0x00000800 | array.ndim
    payload = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    Path(path).write_bytes(gzip.compress(payload) if compress else payload)
