"""Just enough protobuf to read an ONNX file's outline, edit its metadata and write a trained network. No Qt, no onnx.

The app must not depend on the ``onnx`` package (an extra), yet it writes settings into
a user's model (:func:`digitcanvas.model.info.write_metadata`), lists its graph and checks
it before onnxruntime opens it. The fields it reads are named in :mod:`.onnx_fields`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from digitcanvas.model.onnx_fields import EntryField

WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32 = 0, 1, 2, 5
MAX_VARINT_SHIFT = 63


class ProtoError(ValueError):
    """The bytes are not a well-formed protobuf message."""


@dataclass(frozen=True)
class Field:
    number: int
    wire: int
    start: int  # where the field's tag begins
    value_start: int  # where its payload (or varint) begins
    end: int
    varint: int = 0  # the value, for WIRE_VARINT fields

    @property
    def is_bytes(self) -> bool:
        return self.wire == WIRE_LEN

    def payload(self, data: bytes) -> bytes:
        return data[self.value_start : self.end]


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > MAX_VARINT_SHIFT:
            raise ProtoError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def fields(data: bytes) -> Iterator[Field]:
    """The top-level fields of a message, in order; raises :class:`ProtoError`."""
    pos = 0
    while pos < len(data):
        start = pos
        tag, pos = read_varint(data, pos)
        number, wire = tag >> 3, tag & 7
        value = 0
        if wire == WIRE_VARINT:
            value_start = pos
            value, pos = read_varint(data, pos)
        elif wire == WIRE_I64:
            value_start, pos = pos, pos + 8
        elif wire == WIRE_I32:
            value_start, pos = pos, pos + 4
        elif wire == WIRE_LEN:
            length, value_start = read_varint(data, pos)
            pos = value_start + length
        else:
            raise ProtoError(f"unsupported wire type {wire}")
        if pos > len(data) or number == 0:
            raise ProtoError("truncated field")
        yield Field(number, wire, start, value_start, pos, value)


def varint_field(number: int, value: int) -> bytes:
    """A varint field (an int or an enum; ``value`` at least 0)."""
    return varint(number << 3 | WIRE_VARINT) + varint(value)


def float_field(number: int, value: float) -> bytes:
    """A 32-bit float field."""
    return varint(number << 3 | WIRE_I32) + struct.pack("<f", value)


def len_field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (a string, bytes or a sub-message)."""
    return varint(number << 3 | WIRE_LEN) + varint(len(payload)) + payload


def string_entry(entry: bytes) -> tuple[str | None, str | None]:
    """(key, value) of a ``StringStringEntryProto``."""
    key = value = None
    for f in fields(entry):
        if f.is_bytes and f.number in (EntryField.KEY, EntryField.VALUE):
            text = f.payload(entry).decode("utf-8", errors="replace")
            key, value = (text, value) if f.number == EntryField.KEY else (key, text)
    return key, value
