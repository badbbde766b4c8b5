"""Check a model file before onnxruntime opens it, and say in words what is wrong. No Qt.

onnxruntime reports a missing external weights file, an unreadable file or a weights
path outside the model's folder in C++ text; these checks name the file and the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

from .fileio import describe_os_error
from .onnx_proto import ProtoError, external_data_locations

MAX_MODEL_BYTES = 512 * 1024 * 1024  # no digit classifier comes near; refuse runaway files early


class ModelFileError(ValueError):
    """The model file (or its weights file) cannot be used; the message names it and why."""


def check_model_file(path: Path) -> None:
    """Refuse, in words, what onnxruntime would refuse in C++: missing, unreadable or
    oversized files and external weight files that are missing or outside the model's folder."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file") from None
    except OSError as e:
        raise ModelFileError(f"{path}: cannot read the model ({describe_os_error(e)})") from e
    if not path.is_file():
        raise ModelFileError(f"{path}: not a regular file")
    if size > MAX_MODEL_BYTES:
        raise ModelFileError(f"{path}: file is {size:,} bytes; models up to {MAX_MODEL_BYTES:,} bytes are accepted")
    try:
        data = path.read_bytes()
    except PermissionError as e:
        raise ModelFileError(f"{path}: permission denied (the file is not readable by you)") from e
    except OSError as e:
        raise ModelFileError(f"{path}: cannot read the model ({describe_os_error(e)})") from e
    try:
        locations = external_data_locations(data)
    except ProtoError:
        return  # not protobuf at all: onnxruntime's refusal below says "not a valid ONNX model"
    folder = path.resolve().parent
    for location in locations:
        weights = (folder / location).resolve()
        if not weights.is_relative_to(folder):
            raise ModelFileError(f"{path}: its weights file {location!r} lies outside the model's folder; refused")
        if not weights.is_file():
            raise ModelFileError(
                f"{path}: its weights are in a separate file, {location}, which is missing: "
                "keep it in the same folder as the model"
            )
        if not os.access(weights, os.R_OK):
            raise ModelFileError(f"{path}: its weights file {location} is not readable (permission denied)")
