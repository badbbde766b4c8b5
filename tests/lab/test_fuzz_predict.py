"""The fuzzer's check of one ``predict`` run: every file read, refused or skipped, once."""

from __future__ import annotations

import subprocess

from lab.fuzz.run import _predict_problems


def _run(out: str, err: str, code: int = 1) -> subprocess.CompletedProcess[bytes]:
    return subprocess.CompletedProcess(["predict"], code, out.encode(), err.encode())


def test_files_skipped_in_a_folder_count_as_handled() -> None:
    out = '{"file": "a.png"}\n{"file": "b.json"}\n'
    err = "error: c.png: not an image\nnote: skipped 2 files in the folders that are neither images nor drawings\n"
    assert _predict_problems(_run(out, err), files=5) == ""


def test_a_file_neither_read_refused_nor_skipped_is_a_problem() -> None:
    out = '{"file": "a.png"}\n'
    err = "note: skipped 1 file in the folders that are neither images nor drawings\n"
    assert _predict_problems(_run(out, err), files=3) == "1 results, 0 errors and 1 skipped for 3 files"


def test_a_traceback_is_a_problem() -> None:
    assert _predict_problems(_run("", "Traceback (most recent call last):\n", code=1), files=0).startswith("exit 1")
