"""Hostile models written byte by byte: what the ``onnx`` package will not (or not quickly) write.

Protobuf that onnxruntime reads but a naive walker does not (groups, wire types 3 and 4,
around a model; a tag carrying bits above 32; a graph in two parts, which protobuf
merges), and models too large to build through ``onnx`` quickly (100,000 nodes, 50,000
initializers, 10,000,000 strings or unknown fields). Issue #27; used by
:mod:`lab.fuzz.hostile_models`.
"""

from __future__ import annotations

from pathlib import Path

from digitcanvas.model.onnx_fields import DataType, GraphField, ModelField, NodeField, TensorField
from digitcanvas.model.proto import WIRE_LEN, WIRE_VARINT, fields, len_field, varint

EMPTY_GROUP = b"{|"  # field 15 (unknown to ModelProto), wire type 3 then 4: protobuf skips it
GROUP_WITH_FIELDS = b"{" + b"\x08\x01" + b"{|" + b"|"  # a group holding a varint and a group
GROUPS_TOO_DEEP = b"{" * 101 + b"|" * 101  # one level past protobuf's limit: onnxruntime refuses it
STRAY_GROUP_END = b"|"  # the end of a group never started: onnxruntime refuses it
# The graph's tag (field 7, wire type 2) written in 5 bytes with bit 32 set: protobuf keeps
# the low 32 bits (field 7); a walker that does not sees field 2^29 + 7 and skips the graph.
GRAPH_TAG_HIGH_BITS = bytes([0x80 | (ModelField.GRAPH << 3 | WIRE_LEN), 0x80, 0x80, 0x80, 0x10])
UNKNOWN_FIELD = varint(100 << 3 | WIRE_VARINT) + b"\x00"  # field 100 of ModelProto: unknown, skipped


def _tag(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def _varint_field(number: int, value: int) -> bytes:
    return _tag(number, WIRE_VARINT) + varint(value & ((1 << 64) - 1))


def with_bytes(path: Path, *, before: bytes = b"", after: bytes = b"") -> Path:
    """The model at ``path`` with ``before`` and ``after`` around its bytes."""
    path.write_bytes(before + path.read_bytes() + after)
    return path


def with_graph_tag(path: Path, tag: bytes) -> Path:
    """The model at ``path`` with its graph field's one-byte tag written as ``tag``."""
    data = path.read_bytes()
    out = bytearray()
    for f in fields(data):
        if f.number == ModelField.GRAPH and f.is_bytes:
            out += tag + data[f.start + 1 : f.end]
        else:
            out += data[f.start : f.end]
    path.write_bytes(bytes(out))
    return path


def with_graph_split(path: Path) -> Path:
    """The model at ``path`` with its graph written as two graph fields, its fields split
    between them: protobuf merges them back into one graph."""
    data = path.read_bytes()
    out = bytearray()
    for f in fields(data):
        if f.number == ModelField.GRAPH and f.is_bytes:
            parts = list(fields(data, f.value_start, f.end))
            half = len(parts) // 2
            for chunk in (parts[:half], parts[half:]):
                out += len_field(ModelField.GRAPH, b"".join(data[g.start : g.end] for g in chunk))
        else:
            out += data[f.start : f.end]
    path.write_bytes(bytes(out))
    return path


def with_graph_fields(path: Path, extra: bytes) -> Path:
    """The model at ``path`` with graph fields ``extra`` (serialised) added to its graph."""
    data = path.read_bytes()
    out = bytearray()
    for f in fields(data):
        if f.number == ModelField.GRAPH and f.is_bytes:
            out += len_field(ModelField.GRAPH, f.payload(data) + extra)
        else:
            out += data[f.start : f.end]
    path.write_bytes(bytes(out))
    return path


def relu_nodes(count: int) -> bytes:
    """``count`` Relu nodes reading ``y10``, each writing an output of its own (graph fields)."""
    op = len_field(NodeField.OP_TYPE, b"Relu") + len_field(NodeField.INPUT, b"y10")
    return b"".join(len_field(GraphField.NODE, op + len_field(NodeField.OUTPUT, b"r%d" % i)) for i in range(count))


def scalar_initializers(count: int) -> bytes:
    """``count`` float scalars ``w0``, ``w1``, ... (graph fields)."""
    head = _varint_field(TensorField.DATA_TYPE, DataType.FLOAT) + len_field(TensorField.RAW_DATA, b"\0\0\0\0")
    tensors = (head + len_field(TensorField.NAME, b"w%d" % i) for i in range(count))
    return b"".join(len_field(GraphField.INITIALIZER, tensor) for tensor in tensors)


def string_initializer(count: int) -> bytes:
    """One initializer of ``count`` one-byte strings, each a field of its own (a graph field)."""
    string_data = 6  # TensorProto.string_data
    tensor = (
        _varint_field(TensorField.DIMS, count)
        + _varint_field(TensorField.DATA_TYPE, DataType.STRING)
        + len_field(TensorField.NAME, b"strings")
        + len_field(string_data, b"a") * count
    )
    return len_field(GraphField.INITIALIZER, tensor)


def many_dims_initializer(count: int, dim: int) -> bytes:
    """One float initializer of ``count`` dimensions of ``dim`` (no data: the shape is the bomb)."""
    tensor = (
        _varint_field(TensorField.DIMS, dim) * count
        + _varint_field(TensorField.DATA_TYPE, DataType.FLOAT)
        + len_field(TensorField.NAME, b"dims")
    )
    return len_field(GraphField.INITIALIZER, tensor)
