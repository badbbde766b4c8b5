"""MNIST for training: the IDX files read and checked, downloaded once and cached. No Qt.

The four original files (LeCun, Cortes and Burges; CC BY-SA 3.0) are read from a folder,
gzip or raw, and checked against the MD5s published for the unpacked files. Without a
folder, DigitCanvas keeps them in the user's data folder (:func:`default_cache_dir`),
downloading the missing ones from the first mirror that answers; a file is checked before
it enters the cache, so the cache only holds the real files, and once they are there
nothing needs the network. ``python -m lab.…`` reads its MNIST through this module too.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import struct
import sys
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from numpy.typing import NDArray

from digitcanvas import APP_NAME, __version__
from digitcanvas.model.shapes import FIELD
from digitcanvas.util.files import describe_os_error, write_atomic

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
GZIP_MAGIC = b"\x1f\x8b"

# MD5 of the *unpacked* files, as published with the original MNIST release.
CANONICAL_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
SPLITS = {"train": "train", "test": "t10k"}
MNIST_TRAIN_IMAGES = 60_000  # in train-images-idx3-ubyte (and 10,000 in t10k-images-idx3-ubyte)
# Where the gzip files are served, tried in order (PyTorch's and TensorFlow's mirrors of yann.lecun.com).
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DOWNLOAD_MB = 11  # the four gzip files together, for the messages
MAX_DOWNLOAD_BYTES = 16 * 1024 * 1024  # one file; the largest, train-images-idx3-ubyte.gz, is 9.9 MB
# 300,000 images of 28 × 28 bytes (EMNIST's digits in MNIST's format have 280,000): a folder
# given with --data may hold more than MNIST's 70,000, but never a decompression bomb.
MAX_IMAGES = 300_000
MAX_UNPACKED_BYTES = 16 + MAX_IMAGES * FIELD * FIELD
DOWNLOAD_TIMEOUT_S = 30.0  # without a byte for this long, a mirror is given up
CHUNK_BYTES = 64 * 1024  # read at a time: progress and Stop are checked between chunks
CACHE_FOLDER = "mnist"


class MnistError(ValueError):
    """An MNIST file is missing, truncated, of the wrong kind, or not the canonical one."""


class MnistUnavailableError(OSError):
    """MNIST is not cached and could not be downloaded; the message says why and what to do."""


class DownloadCancelled(Exception):
    """The person stopped the download."""


@dataclass(frozen=True)
class MnistSplit:
    images: NDArray[np.uint8]  # (N, 28, 28), 0 = paper, 255 = ink
    labels: NDArray[np.uint8]  # (N,), digits 0-9


@dataclass(frozen=True)
class DownloadProgress:
    """``done`` of ``total`` bytes (None: the server did not say) of file ``index`` (from 1) of ``count``."""

    name: str
    done: int
    total: int | None
    index: int
    count: int


# --- where the files live -------------------------------------------------------------------


def user_data_dir() -> Path:
    """DigitCanvas's folder in the user's data folder, where Qt's GenericDataLocation puts it
    (the window keeps the collection there too): ``~/.local/share/DigitCanvas`` on Linux."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / APP_NAME


def default_cache_dir() -> Path:
    """Where MNIST is cached: ``mnist`` in :func:`user_data_dir`."""
    return user_data_dir() / CACHE_FOLDER


def find_file(folder: Path, stem: str) -> Path | None:
    """``stem`` or ``stem.gz`` in ``folder``, None when neither is there."""
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def missing_files(folder: str | os.PathLike[str]) -> list[str]:
    """The MNIST files (by stem) that ``folder`` lacks, in download order."""
    return [stem for stem in CANONICAL_MD5 if find_file(Path(folder), stem) is None]


# --- reading ----------------------------------------------------------------------------------


def read_idx_bytes(path: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> bytes:
    """The unpacked bytes of an IDX file, gzip or raw, at most ``max_bytes``."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
        return _unpack(raw, max_bytes) if raw[:2] == GZIP_MAGIC else _bounded(raw, max_bytes)
    except (OSError, EOFError, zlib.error) as e:
        reason = describe_os_error(e) if isinstance(e, OSError) and e.errno else "not a whole gzip file"
        raise MnistError(f"{path}: cannot read or unpack ({reason})") from e
    except ValueError as e:
        raise MnistError(f"{path}: {e}") from e


def _bounded(raw: bytes, max_bytes: int) -> bytes:
    if len(raw) > max_bytes:
        raise ValueError(f"over {max_bytes:,} bytes ({MAX_IMAGES:,} images): DigitCanvas reads at most that")
    return raw


def _unpack(raw: bytes, max_bytes: int) -> bytes:
    """Unpack gzip bytes, refusing more than ``max_bytes`` (raises ValueError, EOFError, zlib.error)."""
    unpacker = zlib.decompressobj(wbits=31)  # 31: a gzip header
    payload = unpacker.decompress(raw, max_bytes + 1)
    if len(payload) > max_bytes:
        raise ValueError(f"unpacks to over {max_bytes:,} bytes ({MAX_IMAGES:,} images): DigitCanvas reads at most that")
    if not unpacker.eof:
        raise EOFError("truncated")
    return payload


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
    """Load ``split`` ("train" or "test") from ``data_dir``; ``verify``: check the canonical MD5s."""
    data_dir = Path(data_dir)
    prefix = SPLITS[split]
    arrays = []
    for kind, magic in (("images-idx3-ubyte", IMAGES_MAGIC), ("labels-idx1-ubyte", LABELS_MAGIC)):
        stem = f"{prefix}-{kind}"
        path = find_file(data_dir, stem)
        if path is None:
            raise MnistError(f"{data_dir / stem}[.gz]: file not found (is this the folder with the MNIST IDX files?)")
        payload = read_idx_bytes(path)
        if verify and (digest := hashlib.md5(payload).hexdigest()) != CANONICAL_MD5[stem]:
            raise MnistError(
                f"{path}: MD5 of the unpacked file is {digest}, expected {CANONICAL_MD5[stem]} "
                "(a different or damaged copy; turn the check off only for your own IDX files)"
            )
        arrays.append(parse_idx(payload, expected_magic=magic, source=path))
    images, labels = arrays
    if images.shape[1:] != (FIELD, FIELD) or len(images) != len(labels):
        raise MnistError(f"{data_dir}: {split} images {images.shape} do not match labels {labels.shape}")
    if len(labels) and int(labels.max()) > 9:
        raise MnistError(f"{data_dir}: {split} labels go up to {int(labels.max())}; digits are 0 to 9")
    return MnistSplit(images=images, labels=labels)


def write_idx(path: str | os.PathLike[str], array: NDArray[np.uint8], *, compress: bool = True) -> None:
    """Write an IDX file (the tests make tiny data sets with it)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = 0x00000800 | array.ndim
    payload = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    Path(path).write_bytes(gzip.compress(payload) if compress else payload)


# --- downloading ------------------------------------------------------------------------------


def download_mnist(
    folder: str | os.PathLike[str],
    *,
    mirrors: Sequence[str] = MIRRORS,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> Path:
    """Download the MNIST files ``folder`` lacks, each checked before it is kept; returns ``folder``.

    Raises :class:`MnistUnavailableError` when a file comes from no mirror (offline, refused,
    or not the real file), saying how to get it, and :class:`DownloadCancelled` when
    ``cancelled()`` turns true. Files already there are not fetched again.
    """
    folder = Path(folder)
    wanted = missing_files(folder)
    for index, stem in enumerate(wanted, start=1):
        problems = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + f"/{stem}.gz"

            def report(done: int, total: int | None, stem: str = stem, index: int = index) -> None:
                if on_progress is not None:
                    on_progress(DownloadProgress(f"{stem}.gz", done, total, index, len(wanted)))

            try:
                raw = _fetch(url, timeout=timeout, report=report, cancelled=cancelled)
                _check_download(raw, stem, url)
            except (_FetchError, MnistError) as e:
                problems.append(str(e))
                continue
            try:
                write_atomic(folder / (stem + (".gz" if raw[:2] == GZIP_MAGIC else "")), raw)
            except OSError as e:
                raise MnistUnavailableError(f"{folder}: cannot keep MNIST there ({describe_os_error(e)})") from e
            break
        else:
            raise MnistUnavailableError(_unavailable(folder, problems))
    return folder


class _FetchError(Exception):
    """One mirror did not give the file; the message says why in words."""


def _fetch(
    url: str, *, timeout: float, report: Callable[[int, int | None], None], cancelled: Callable[[], bool] | None
) -> bytes:
    host = urlsplit(url).hostname or url
    request = urllib.request.Request(url, headers={"User-Agent": f"{APP_NAME}/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if total is not None and total > MAX_DOWNLOAD_BYTES:
                raise _FetchError(f"{url}: {total:,} bytes, over the {MAX_DOWNLOAD_BYTES:,} an MNIST file has")
            data = bytearray()
            while chunk := response.read(CHUNK_BYTES):
                if cancelled is not None and cancelled():
                    raise DownloadCancelled
                data += chunk
                if len(data) > MAX_DOWNLOAD_BYTES:
                    raise _FetchError(f"{url}: over the {MAX_DOWNLOAD_BYTES:,} bytes an MNIST file has")
                report(len(data), total)
            return bytes(data)
    except urllib.error.HTTPError as e:
        raise _FetchError(f"{url}: the server answered {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        raise _FetchError(f"{host}: {_network_reason(e.reason)}") from e
    except TimeoutError as e:
        raise _FetchError(f"{host}: no answer within {timeout:g} s") from e
    except OSError as e:
        raise _FetchError(f"{host}: {describe_os_error(e)}") from e


def _network_reason(reason: object) -> str:
    """A network failure in words, not the socket library's text."""
    if isinstance(reason, socket.gaierror):
        return "no internet connection (the name cannot be looked up)"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "no answer in time"
    if isinstance(reason, OSError):
        return describe_os_error(reason)
    return "cannot connect"


def _check_download(raw: bytes, stem: str, url: str) -> None:
    try:
        payload = _unpack(raw, MAX_UNPACKED_BYTES) if raw[:2] == GZIP_MAGIC else raw
    except (ValueError, EOFError, zlib.error) as e:
        raise MnistError(f"{url}: not a whole gzip file") from e
    digest = hashlib.md5(payload).hexdigest()
    if digest != CANONICAL_MD5[stem]:
        raise MnistError(
            f"{url}: not the MNIST file (MD5 of the unpacked bytes {digest}, expected {CANONICAL_MD5[stem]})"
        )


def _unavailable(folder: Path, problems: list[str]) -> str:
    files = ", ".join(f"{stem}.gz" for stem in CANONICAL_MD5)
    return (
        f"MNIST is not on this computer yet and could not be downloaded: {'; '.join(problems)}. "
        f"DigitCanvas downloads it once ({DOWNLOAD_MB} MB) and then works offline. Connect to the internet "
        f"and try again, or copy the four MNIST files ({files}) into {folder}."
    )
