"""MNIST downloaded on first use, checked, cached, and offline: against a file server on 127.0.0.1.

The server serves tiny MNIST-shaped files the test writes (never the real MNIST); the
module's table of checksums is set to theirs, as it holds the real files' for real use.
"""

from __future__ import annotations

import gzip
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from mnist_files import STEMS, write_mnist_folder

from digitcanvas.training import mnist_data
from digitcanvas.training.dataset import load_training_data
from digitcanvas.training.mnist_data import (
    MAX_DOWNLOAD_BYTES,
    DownloadCancelled,
    DownloadProgress,
    MnistError,
    MnistUnavailableError,
    download_mnist,
    missing_files,
)


class _Server:
    """A file server on 127.0.0.1 over ``folder``, counting the files asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.asked: list[str] = []
        self.content_length: int | None = None  # a Content-Length to announce instead of the real one
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

            def do_GET(self) -> None:
                server.asked.append(self.path.rsplit("/", 1)[-1])
                if server.content_length is not None:
                    self.send_response(200)
                    self.send_header("Content-Length", str(server.content_length))
                    self.end_headers()
                    return
                super().do_GET()

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    """Bar-digit MNIST files under /mnist/ on a local server; their MD5s are the canonical ones."""
    sums = write_mnist_folder(tmp_path / "www" / "mnist", train=120, test=30)
    monkeypatch.setattr(mnist_data, "CANONICAL_MD5", sums)
    server = _Server(tmp_path / "www")
    yield server
    server.close()


def _closed_port() -> str:
    """A URL on 127.0.0.1 where nothing listens: as offline as a test can be without a network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def test_the_first_use_downloads_checks_and_caches_then_works_offline(tmp_path: Path, served: _Server) -> None:
    cache = tmp_path / "cache"
    news: list[DownloadProgress] = []
    data = load_training_data(cache_dir=cache, mirrors=[served.url], on_progress=news.append)
    assert sorted(served.asked) == sorted(f"{stem}.gz" for stem in STEMS)
    assert missing_files(cache) == []
    assert len(data.train_labels) + len(data.val_labels) == 120 and len(data.test_labels) == 30
    assert {n.name for n in news} == {f"{stem}.gz" for stem in STEMS}
    last = [n for n in news if n.name == "train-images-idx3-ubyte.gz"][-1]
    assert last.done == last.total == (served.folder / "mnist" / last.name).stat().st_size
    assert {n.count for n in news} == {4} and sorted({n.index for n in news}) == [1, 2, 3, 4]

    served.close()  # offline from now on: the cache is enough
    served.asked.clear()
    again = load_training_data(cache_dir=cache, mirrors=[_closed_port()])
    assert served.asked == [] and (again.train_labels == data.train_labels).all()


def test_only_the_missing_files_are_fetched(tmp_path: Path, served: _Server) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "t10k-labels-idx1-ubyte.gz").write_bytes(
        (served.folder / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    )
    download_mnist(cache, mirrors=[served.url])
    assert "t10k-labels-idx1-ubyte.gz" not in served.asked and len(served.asked) == 3


def test_offline_and_not_cached_says_so_and_how_to_get_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(MnistUnavailableError) as caught:
        load_training_data(cache_dir=cache, mirrors=[_closed_port()])
    message = str(caught.value)
    assert "not on this computer yet and could not be downloaded" in message
    assert "the connection was refused" in message
    assert "then works offline" in message and str(cache) in message and "train-images-idx3-ubyte.gz" in message
    assert "Errno" not in message  # the socket library's own words stay out
    assert not cache.exists() or list(cache.iterdir()) == []


def test_a_file_with_the_wrong_checksum_is_not_kept_and_the_next_mirror_is_tried(
    tmp_path: Path, served: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = served.folder / "mnist"
    bad = tmp_path / "www-bad" / "mnist"
    bad.mkdir(parents=True)
    for path in good.iterdir():  # the same files, one byte of each changed
        payload = bytearray(gzip.decompress(path.read_bytes()))
        payload[-1] ^= 0xFF
        (bad / path.name).write_bytes(gzip.compress(bytes(payload)))
    bad_server = _Server(tmp_path / "www-bad")
    try:
        cache = tmp_path / "cache"
        with pytest.raises(MnistUnavailableError, match="not the MNIST file") as caught:
            download_mnist(cache, mirrors=[bad_server.url])
        assert "expected" in str(caught.value)
        assert missing_files(cache) == list(STEMS)  # nothing unchecked entered the cache
        download_mnist(cache, mirrors=[bad_server.url, served.url])
        assert missing_files(cache) == [] and len(bad_server.asked) == 5  # 1 + each of the four again
    finally:
        bad_server.close()


def test_a_missing_file_and_an_oversized_one_are_refused(tmp_path: Path, served: _Server) -> None:
    with pytest.raises(MnistUnavailableError, match="the server answered 404"):
        download_mnist(tmp_path / "a", mirrors=[served.url.replace("/mnist/", "/elsewhere/")])
    served.content_length = MAX_DOWNLOAD_BYTES + 1
    with pytest.raises(MnistUnavailableError, match=f"over the {MAX_DOWNLOAD_BYTES:,} an MNIST file has"):
        download_mnist(tmp_path / "b", mirrors=[served.url])


def test_stop_during_the_download_keeps_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 400 images of noise: gzip cannot shrink them, so the first file comes in several chunks.
    sums = write_mnist_folder(tmp_path / "www" / "mnist", train=400, test=10, noise=True)
    monkeypatch.setattr(mnist_data, "CANONICAL_MD5", sums)
    served = _Server(tmp_path / "www")
    cache = tmp_path / "cache"
    seen: list[DownloadProgress] = []
    try:
        with pytest.raises(DownloadCancelled):
            download_mnist(cache, mirrors=[served.url], on_progress=seen.append, cancelled=lambda: len(seen) >= 2)
    finally:
        served.close()
    assert [n.name for n in seen] == ["train-images-idx3-ubyte.gz"] * 2 and seen[-1].done < (seen[-1].total or 0)
    assert missing_files(cache) == list(STEMS)
    assert not cache.exists() or [p.name for p in cache.iterdir()] == []


def test_a_damaged_cached_file_is_named_when_it_is_read(tmp_path: Path, served: _Server) -> None:
    cache = tmp_path / "cache"
    download_mnist(cache, mirrors=[served.url])
    damaged = cache / "t10k-images-idx3-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:-30])
    with pytest.raises(MnistError, match=r"t10k-images-idx3-ubyte\.gz: cannot read or unpack"):
        load_training_data(cache_dir=cache, mirrors=[served.url])


def test_a_folder_given_is_read_as_it_is_and_never_downloaded_into(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    write_mnist_folder(folder, train=48, test=12)
    with pytest.raises(MnistError, match="MD5"):  # not MNIST's files: the check says so
        load_training_data(data_dir=folder)
    data = load_training_data(data_dir=folder, verify=False)
    assert len(data.test_labels) == 12 and "IDX files in" in data.notes[0]
    with pytest.raises(MnistError, match="file not found"):
        load_training_data(data_dir=tmp_path / "empty", verify=False, mirrors=[_closed_port()])
