"""digitcanvas.training.mnist_data: the MNIST IDX reader and its checks."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from digitcanvas.training import mnist_data as mnist
from digitcanvas.training.mnist_data import MnistError, load_split, write_idx


def _write_split(folder: Path, prefix: str, n: int, *, compress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, compress=compress)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress=compress)
    return images, labels


@pytest.mark.parametrize("compress", [True, False])
def test_reads_good_files(tmp_path: Path, compress: bool) -> None:
    images, labels = _write_split(tmp_path, "t10k", 7, compress=compress)
    split = load_split(tmp_path, "test", verify=False)
    np.testing.assert_array_equal(split.images, images)
    np.testing.assert_array_equal(split.labels, labels)


def test_md5_of_unpacked_bytes_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_split(tmp_path, "t10k", 3)
    with pytest.raises(MnistError, match="MD5"):
        load_split(tmp_path, "test")
    # With the canonical sums replaced by our files' own, the same files pass.
    sums = {}
    for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        sums[stem] = hashlib.md5(gzip.decompress((tmp_path / f"{stem}.gz").read_bytes())).hexdigest()
    monkeypatch.setattr(mnist, "CANONICAL_MD5", {**mnist.CANONICAL_MD5, **sums})
    assert len(load_split(tmp_path, "test").labels) == 3


def test_truncated_file(tmp_path: Path) -> None:
    _write_split(tmp_path, "t10k", 4, compress=False)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(MnistError, match="truncated"):
        load_split(tmp_path, "test", verify=False)


def test_truncated_gzip(tmp_path: Path) -> None:
    _write_split(tmp_path, "t10k", 4)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(MnistError, match="cannot read or unpack"):
        load_split(tmp_path, "test", verify=False)


def test_wrong_magic(tmp_path: Path) -> None:
    _write_split(tmp_path, "t10k", 4, compress=False)
    # Swap: labels file where the images file should be.
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes((tmp_path / "t10k-labels-idx1-ubyte").read_bytes())
    with pytest.raises(MnistError, match="wrong magic"):
        load_split(tmp_path, "test", verify=False)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MnistError, match="not found"):
        load_split(tmp_path, "train", verify=False)
