"""Just enough protobuf to read an ONNX file's outline, edit its metadata and write a trained network. No Qt, no onnx.

The app must not depend on the ``onnx`` package (an extra), yet it writes settings into
a user's model (:func:`digitcanvas.model.info.write_metadata`), lists its graph and checks
it before onnxruntime opens it. The fields it reads are named in :mod:`.onnx_fields`.

:func:`fields` reads the wire format as onnxruntime's protobuf does, so that what the
checks see is what onnxruntime loads: every wire type it skips is skipped here too
(groups, wire types 3 and 4, nested up to protobuf's own depth), a tag keeps only its low
32 bits and a varint its low 64 bits, as protobuf reads them; whatever protobuf would
refuse raises :class:`ProtoError` naming the problem and the byte. Each walk visits at
most :data:`MAX_PROTO_FIELDS` fields (a :class:`FieldBudget`; a run of one fixed-width field
repeated counts as one, and is skipped in C), so no file makes it slow.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import NamedTuple

from digitcanvas.model.onnx_fields import EntryField

WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_START_GROUP, WIRE_END_GROUP, WIRE_I32 = 0, 1, 2, 3, 4, 5
FIXED_BYTES = {WIRE_I64: 8, WIRE_I32: 4}
TAG_BYTES = 5  # a tag is a 32-bit varint: protobuf reads at most 5 bytes and drops the bits above 32
VARINT_BYTES = 10  # a 64-bit varint: at most 10 bytes, the bits above 64 dropped
TAG_MASK = (1 << 32) - 1
VARINT_MASK = (1 << 64) - 1
# Groups within groups: protobuf's default recursion limit; onnxruntime loads a file that
# begins with 100 nested empty groups and refuses one with 101 (measured, onnxruntime 1.32).
MAX_GROUP_NESTING = 100
# Fields one walk visits, all messages together (packed values read count one each). The
# bundled model has 567; file_check.MAX_GRAPH_ENTRIES allows 5,000 nodes and tensors, of
# some 25 fields each: 125,000. A walk takes 1 to 3 µs a field on a loaded 2-core machine
# (1,000,000 unknown fields walked in 1.1 s), so this bounds a check to about a second: a
# file of 10,000,000 unknown fields is refused in 1.0 s, where it loaded after 25 s (issue #27).
MAX_PROTO_FIELDS = 500_000
# A run of one fixed-width field repeated (an unpacked repeated float) is skipped in chunks of
# its tag bytes: a first look at 16 fields (most runs are short), then 8 times more, up to 65,536.
RUN_PROBE = 16
MAX_RUN_PROBE = 65_536


class ProtoError(ValueError):
    """The bytes are not a protobuf message that onnxruntime would read."""


class ProtoLimitError(ProtoError):
    """The message has more fields than :data:`MAX_PROTO_FIELDS`."""


class FieldBudget:
    """How many more fields a walk may visit; shared by every :func:`fields` call of one walk."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: int = MAX_PROTO_FIELDS) -> None:
        self.limit = limit
        self.left = limit

    def spend(self, count: int = 1) -> None:
        """Count ``count`` more fields; raises :class:`ProtoLimitError` past the limit."""
        self.left -= count
        if self.left < 0:
            raise ProtoLimitError(f"it has over {self.limit:,} protobuf fields")


class Field(NamedTuple):
    number: int
    wire: int
    start: int  # where the field's tag begins
    value_start: int  # where its payload (or varint) begins
    end: int  # just past the field (a group: past its end tag; a fixed-width field: past its run, see _run_end)
    varint: int = 0  # the value, for WIRE_VARINT fields

    @property
    def is_bytes(self) -> bool:
        return self.wire == WIRE_LEN

    def payload(self, data: bytes) -> bytes:
        return data[self.value_start : self.end]


_new_field = tuple.__new__  # a Field without NamedTuple's Python-level __new__: the walk's hot path


def read_varint(data: bytes, pos: int, end: int | None = None) -> tuple[int, int]:
    """The varint at ``pos`` (its low 64 bits, as protobuf keeps them) and the position after it."""
    end = len(data) if end is None else end
    result = shift = 0
    for _ in range(VARINT_BYTES):
        if pos >= end:
            raise ProtoError(f"a number cut off at byte {pos}")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result & VARINT_MASK, pos
        shift += 7
    raise ProtoError(f"a number longer than {VARINT_BYTES} bytes at byte {pos - VARINT_BYTES}")


def _read_tag(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """A field's tag (field number << 3 | wire type), its low 32 bits, and the position after it."""
    start, result, shift = pos, 0, 0
    for _ in range(TAG_BYTES):
        if pos >= end:
            break
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result & TAG_MASK, pos
        shift += 7
    raise ProtoError(f"a field tag cut off or longer than {TAG_BYTES} bytes at byte {start}")


def fields(
    data: bytes, start: int = 0, end: int | None = None, *, budget: FieldBudget | None = None
) -> Iterator[Field]:
    """The fields of the message in ``data[start:end]`` (default: all of ``data``), in order,
    without copying it; a group (which no ONNX field is) comes as one field of wire type
    :data:`WIRE_START_GROUP` spanning it. Raises :class:`ProtoError` where protobuf would
    refuse the bytes, and :class:`ProtoLimitError` once ``budget`` (default: a fresh one of
    :data:`MAX_PROTO_FIELDS`) is spent."""
    end = len(data) if end is None else end
    budget = FieldBudget() if budget is None else budget
    left = budget.left  # kept in a local (the walk's hot loop) and handed back around each yield
    open_groups: list[int] = []  # field numbers of the groups the walk is inside, innermost last
    group_start = pos = start
    while pos < end:
        left -= 1
        if left < 0:
            budget.left = 0
            budget.spend()
        tag_start = pos
        tag = data[pos]
        pos += 1
        if tag >= 0x80:  # two bytes (field numbers 16 to 2047) inline, longer tags in _read_tag
            if pos < end and data[pos] < 0x80:
                tag = (tag & 0x7F) | data[pos] << 7
                pos += 1
            else:
                tag, pos = _read_tag(data, tag_start, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise ProtoError(f"a field numbered 0 at byte {tag_start}")
        value = 0
        value_start = pos
        if wire in (WIRE_VARINT, WIRE_LEN):
            if pos >= end:
                raise ProtoError(f"field {number} at byte {tag_start} is cut off")
            value = data[pos]
            pos += 1
            if value >= 0x80:
                value, pos = read_varint(data, pos - 1, end)
            if wire == WIRE_LEN:
                value_start, pos, value = pos, pos + value, 0
        elif wire in FIXED_BYTES:
            pos += FIXED_BYTES[wire]
            if pos < end and pos - tag_start == FIXED_BYTES[wire] + 1:  # one-byte tag: the field may repeat
                pos = _run_end(data, pos, end, data[tag_start], FIXED_BYTES[wire] + 1)
        elif wire == WIRE_START_GROUP:
            if not open_groups:
                group_start = tag_start
            open_groups.append(number)
            if len(open_groups) > MAX_GROUP_NESTING:
                raise ProtoError(f"groups nested over {MAX_GROUP_NESTING} deep at byte {tag_start}")
            continue
        elif wire == WIRE_END_GROUP:
            if not open_groups or open_groups.pop() != number:
                raise ProtoError(f"an end of group that matches no open group, at byte {tag_start}")
            if open_groups:
                continue
            tag_start = value_start = group_start
            wire = WIRE_START_GROUP
        else:
            raise ProtoError(f"field {number} at byte {tag_start} has wire type {wire}, which protobuf does not have")
        if pos > end:
            raise ProtoError(f"field {number} at byte {tag_start} runs past the end of its message")
        if not open_groups:
            budget.left = left
            yield _new_field(Field, (number, wire, tag_start, value_start, pos, value))
            left = budget.left
    budget.left = left
    if open_groups:
        raise ProtoError(f"a group started at byte {group_start} never ends")


def _run_end(data: bytes, pos: int, end: int, tag: int, step: int) -> int:
    """Past the run of fields that repeat the one-byte ``tag`` every ``step`` bytes from
    ``pos`` (``pos`` itself when none does). A repeated float that is not packed, as
    scikit-learn's SVMs store millions of support-vector values, is skipped in C a chunk at
    a time rather than walked field by field: the run counts as one field of the walk."""
    probe = RUN_PROBE
    marker = bytes((tag,))
    while True:
        fit = (end - pos) // step  # whole fields left before the end of the message
        count = min(probe, fit)
        chunk = data[pos : pos + count * step : step]
        same = count - len(chunk.lstrip(marker))
        pos += same * step
        if same < count or count == fit:
            return pos
        probe = min(probe * 8, MAX_RUN_PROBE)


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


def varint_field(number: int, value: int) -> bytes:
    """A varint field (an int or an enum; ``value`` at least 0)."""
    return varint(number << 3 | WIRE_VARINT) + varint(value)


def float_field(number: int, value: float) -> bytes:
    """A 32-bit float field."""
    return varint(number << 3 | WIRE_I32) + struct.pack("<f", value)


def len_field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (a string, bytes or a sub-message)."""
    return varint(number << 3 | WIRE_LEN) + varint(len(payload)) + payload


def string_entry(entry: bytes, *, budget: FieldBudget | None = None) -> tuple[str | None, str | None]:
    """(key, value) of a ``StringStringEntryProto``."""
    key = value = None
    for f in fields(entry, budget=budget):
        if f.is_bytes and f.number in (EntryField.KEY, EntryField.VALUE):
            text = f.payload(entry).decode("utf-8", errors="replace")
            key, value = (text, value) if f.number == EntryField.KEY else (key, text)
    return key, value
