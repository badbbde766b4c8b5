"""Check a model file before onnxruntime opens it, and say in words what is wrong. No Qt.

onnxruntime reports a missing external weights file, an unreadable file or a weights
path outside the model's folder in C++ text, and it allocates whatever a model declares;
these checks name the file and the reason first. What is bounded here, statically, by
walking the protobuf (see :mod:`digitcanvas.model.proto`) without the ``onnx`` package:

* the file's size (``MAX_MODEL_BYTES``);
* the bytes of every tensor the model declares, counted from its shape whether its data
  is in the file or in an external weights file: initializers, sparse initializers and
  ``Constant`` nodes, in the main graph, in functions and in every subgraph (``Loop``,
  ``If``, ``Scan`` bodies); plus the outputs of ``ConstantOfShape`` and ``Expand`` whose
  shape is a constant. Together at most ``MAX_MODEL_TENSOR_BYTES``;
* subgraph nesting (``MAX_GRAPH_NESTING``) and the number of nodes and tensors
  (``MAX_GRAPH_ENTRIES``), which bound onnxruntime's session creation.

Tensors computed at run time from the input (a ``ConstantOfShape`` of a computed shape, a
``Tile``) cannot be sized here; :mod:`digitcanvas.model.classifier` caps them with a bounded memory arena
and stops long runs with a watchdog.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from digitcanvas.model.onnx_fields import (
    DATA_LOCATION_EXTERNAL,
    EXTERNAL_LOCATION_KEY,
    UNPACKED_DATA_FIELDS,
    AttributeField,
    DataType,
    FunctionField,
    GraphField,
    ModelField,
    NodeField,
    SparseTensorField,
    TensorField,
)
from digitcanvas.model.proto import (
    WIRE_I32,
    WIRE_I64,
    WIRE_LEN,
    WIRE_VARINT,
    ProtoError,
    read_varint,
    string_entry,
)
from digitcanvas.util.files import (
    FileTooLargeError,
    NotRegularFileError,
    check_regular,
    describe_os_error,
    read_limited,
)

MAX_MODEL_BYTES = 200 * 1024 * 1024  # the file; no digit classifier comes near (the bundled one: 1.1 MB)
MAX_MODEL_TENSOR_BYTES = 256 * 1024 * 1024  # weights and constants the model declares, all together
MAX_GRAPH_NESTING = 16  # subgraphs within subgraphs; exporters write two or three
# Nodes and tensors in all graphs together: a ResNet-152 has about 1,500; far more only makes
# onnxruntime's session creation (which no run-time limit stops) slow.
MAX_GRAPH_ENTRIES = 200_000
SMALL_SHAPE_VALUES = 64  # a shape tensor holds a few numbers; longer int64 constants are not shapes

# bytes per element of TensorProto.DataType; 4-bit types round up; strings and unknown types count 8
_ELEMENT_BYTES = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2}
_DEFAULT_ELEMENT_BYTES = 8
_FLOAT_BYTES = 4  # ConstantOfShape's default value and Expand's usual input
_SIGN_BIT = 1 << 63


class ModelFileError(ValueError):
    """The model file (or its weights file) cannot be used; the message names it and why."""


@dataclass
class ModelOutline:
    """What the walk found: declared tensor bytes and the external files named."""

    tensor_bytes: int = 0
    external_locations: list[str] = field(default_factory=list)
    entries: int = 0  # nodes and tensors seen

    def add_entry(self) -> None:
        self.entries += 1
        if self.entries > MAX_GRAPH_ENTRIES:
            raise _TooDeep(f"it has over {MAX_GRAPH_ENTRIES:,} nodes and tensors; refused")


@dataclass(frozen=True)
class _Tensor:
    elements: int
    element_bytes: int
    location: str | None  # the external data file, or None
    int64_values: tuple[int, ...] | None  # a small int64 constant's values (a shape), else None

    @property
    def bytes(self) -> int:
        return self.elements * self.element_bytes


def check_model_file(path: Path) -> None:
    """Refuse, in words, what onnxruntime would refuse in C++ or what would cost too much:
    missing, unreadable, irregular or oversized files, weights and constants over the
    limits, and external weight files that are missing or outside the model's folder."""
    try:
        data = read_limited(path, MAX_MODEL_BYTES)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file") from None
    except NotRegularFileError as e:
        raise ModelFileError(f"{path}: {e.strerror}") from e
    except FileTooLargeError as e:
        raise ModelFileError(
            f"{path}: file is {e.size:,} bytes; models up to {MAX_MODEL_BYTES:,} bytes are accepted"
        ) from e
    except PermissionError as e:
        raise ModelFileError(f"{path}: permission denied (the file is not readable by you)") from e
    except OSError as e:
        raise ModelFileError(f"{path}: cannot read the model ({describe_os_error(e)})") from e
    try:
        outline = model_outline(data)
    except ProtoError:
        return  # not protobuf at all: onnxruntime's refusal says "not a valid ONNX model"
    except _TooDeep as e:  # nesting or size beyond the limits
        raise ModelFileError(f"{path}: {e}") from e
    if outline.tensor_bytes > MAX_MODEL_TENSOR_BYTES:
        raise ModelFileError(
            f"{path}: its weights and constants need {outline.tensor_bytes / 2**20:,.0f} MB; "
            f"DigitCanvas accepts models with at most {MAX_MODEL_TENSOR_BYTES // 2**20} MB"
        )
    _check_external_files(path, outline.external_locations)


def _check_external_files(path: Path, locations: list[str]) -> None:
    folder = path.resolve().parent
    for location in locations:
        if "\0" in location or not location:
            raise ModelFileError(f"{path}: names a weights file {location!r}, which is not a file name; refused")
        weights = (folder / location).resolve()
        if not weights.is_relative_to(folder):
            raise ModelFileError(f"{path}: its weights file {location!r} lies outside the model's folder; refused")
        try:
            check_regular(weights)
        except FileNotFoundError:
            raise ModelFileError(
                f"{path}: its weights are in a separate file, {location}, which is missing: "
                "keep it in the same folder as the model"
            ) from None
        except NotRegularFileError as e:
            raise ModelFileError(f"{path}: its weights file {location} is {e.strerror}; refused") from e
        except OSError as e:
            raise ModelFileError(f"{path}: cannot read its weights file {location} ({describe_os_error(e)})") from e
        if not os.access(weights, os.R_OK):
            raise ModelFileError(f"{path}: its weights file {location} is not readable (permission denied)")


# --- walking the protobuf ---------------------------------------------------------------------


class _TooDeep(ValueError):
    pass


@dataclass(frozen=True)
class _Field:
    number: int
    wire: int
    start: int  # the payload (LEN) or the value (others)
    end: int
    value: int = 0


def _fields(data: bytes, start: int, end: int) -> Iterator[_Field]:
    """The fields of the message in ``data[start:end]``, without copying it; raises ProtoError."""
    pos = start
    while pos < end:
        tag, pos = read_varint(data, pos)
        number, wire = tag >> 3, tag & 7
        value = 0
        if wire == WIRE_VARINT:
            value, after = read_varint(data, pos)
        elif wire == WIRE_I64:
            after = pos + 8
        elif wire == WIRE_I32:
            after = pos + 4
        elif wire == WIRE_LEN:
            length, pos = read_varint(data, pos)
            after = pos + length
        else:
            raise ProtoError(f"unsupported wire type {wire}")
        if after > end or number == 0:
            raise ProtoError("truncated field")
        yield _Field(number, wire, pos, after, value)
        pos = after


def _varints(data: bytes, f: _Field) -> list[int]:
    """A repeated integer field: one value, or a packed run of them."""
    if f.wire == WIRE_VARINT:
        return [f.value]
    values, pos = [], f.start
    while pos < f.end:
        value, pos = read_varint(data, pos)
        values.append(value)
    return values


def _signed(value: int) -> int:
    return value - (1 << 64) if value & _SIGN_BIT else value


def model_outline(data: bytes) -> ModelOutline:
    """Walk a serialized ModelProto: the bytes its tensors declare and the external files
    they name. Raises :class:`~digitcanvas.model.proto.ProtoError` for bytes that are not protobuf."""
    outline = ModelOutline()
    for f in _fields(data, 0, len(data)):
        if f.wire != WIRE_LEN:
            continue
        if f.number == ModelField.GRAPH:
            _walk_graph(data, f, outline, {}, depth=0)
        elif f.number == ModelField.FUNCTIONS:
            nodes = [g for g in _fields(data, f.start, f.end) if g.number == FunctionField.NODE and g.wire == WIRE_LEN]
            _walk_nodes(data, nodes, outline, {}, depth=0)
    return outline


def _walk_graph(data: bytes, graph: _Field, outline: ModelOutline, outer: dict[str, _Tensor], *, depth: int) -> None:
    if depth > MAX_GRAPH_NESTING:
        raise _TooDeep(f"its subgraphs nest over {MAX_GRAPH_NESTING} deep; refused")
    outline.add_entry()
    constants = dict(outer)
    nodes: list[_Field] = []
    for f in _fields(data, graph.start, graph.end):
        if f.wire != WIRE_LEN:
            continue
        if f.number == GraphField.NODE:
            nodes.append(f)
        elif f.number == GraphField.INITIALIZER:
            tensor = _tensor(data, f)
            _count(outline, tensor)
            name = _tensor_name(data, f)
            if name is not None:
                constants[name] = tensor
        elif f.number == GraphField.SPARSE_INITIALIZER:
            _count_sparse(data, f, outline)
    _walk_nodes(data, nodes, outline, constants, depth=depth)


def _walk_nodes(
    data: bytes, nodes: list[_Field], outline: ModelOutline, constants: dict[str, _Tensor], *, depth: int
) -> None:
    # Constants first (a node may use one defined later in the file), then what they shape.
    parsed = []
    for n in nodes:
        outline.add_entry()
        parsed.append(_node(data, n))
    for node in parsed:
        if node.op_type == "Constant":
            for attribute in node.tensors:
                tensor = _tensor(data, attribute)
                _count(outline, tensor)
                for name in node.outputs[:1]:
                    constants[name] = tensor
    for node in parsed:
        if node.op_type != "Constant":
            for attribute in node.tensors:
                _count(outline, _tensor(data, attribute))
        for sparse in node.sparse_tensors:
            _count_sparse(data, sparse, outline)
        shape_input = {"ConstantOfShape": 0, "Expand": 1}.get(node.op_type)
        if shape_input is not None and len(node.inputs) > shape_input:
            shape = constants.get(node.inputs[shape_input])
            if shape is not None and shape.int64_values is not None:
                elements = math.prod(max(v, 0) for v in shape.int64_values)
                value_bytes = _FLOAT_BYTES
                if node.op_type == "ConstantOfShape" and node.tensors:
                    value_bytes = _tensor(data, node.tensors[0]).element_bytes
                outline.tensor_bytes += elements * value_bytes
        for subgraph in node.graphs:
            _walk_graph(data, subgraph, outline, constants, depth=depth + 1)


@dataclass
class _Node:
    op_type: str = ""
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    tensors: list[_Field] = field(default_factory=list)  # TensorProto attributes (t, tensors)
    sparse_tensors: list[_Field] = field(default_factory=list)
    graphs: list[_Field] = field(default_factory=list)  # GraphProto attributes (g, graphs)


def _text(data: bytes, f: _Field) -> str:
    return data[f.start : f.end].decode("utf-8", errors="replace")


def _node(data: bytes, node: _Field) -> _Node:
    parsed = _Node()
    for f in _fields(data, node.start, node.end):
        if f.wire != WIRE_LEN:
            continue
        if f.number == NodeField.INPUT:
            parsed.inputs.append(_text(data, f))
        elif f.number == NodeField.OUTPUT:
            parsed.outputs.append(_text(data, f))
        elif f.number == NodeField.OP_TYPE:
            parsed.op_type = _text(data, f)
        elif f.number == NodeField.ATTRIBUTE:
            for a in _fields(data, f.start, f.end):
                if a.wire != WIRE_LEN:
                    continue
                if a.number in (AttributeField.T, AttributeField.TENSORS):
                    parsed.tensors.append(a)
                elif a.number in (AttributeField.G, AttributeField.GRAPHS):
                    parsed.graphs.append(a)
                elif a.number in (AttributeField.SPARSE_TENSOR, AttributeField.SPARSE_TENSORS):
                    parsed.sparse_tensors.append(a)
    return parsed


def _tensor_name(data: bytes, tensor: _Field) -> str | None:
    for f in _fields(data, tensor.start, tensor.end):
        if f.number == TensorField.NAME and f.wire == WIRE_LEN:
            return _text(data, f)
    return None


def _tensor(data: bytes, tensor: _Field) -> _Tensor:
    dims: list[int] = []
    data_type = 1
    external = False
    location: str | None = None
    raw: _Field | None = None
    int64_fields: list[_Field] = []
    for f in _fields(data, tensor.start, tensor.end):
        if f.number == TensorField.DIMS:
            dims.extend(_signed(v) for v in _varints(data, f))
        elif f.number == TensorField.DATA_TYPE and f.wire == WIRE_VARINT:
            data_type = f.value
        elif f.number == TensorField.RAW_DATA and f.wire == WIRE_LEN:
            raw = f
        elif f.number == TensorField.INT64_DATA:
            int64_fields.append(f)
            if f.wire != WIRE_LEN and len(int64_fields) > SMALL_SHAPE_VALUES:
                break  # written one by one: a long run of data, not a shape
        elif f.number == TensorField.DATA_LOCATION and f.wire == WIRE_VARINT:
            external = f.value == DATA_LOCATION_EXTERNAL
        elif f.number == TensorField.EXTERNAL_DATA and f.wire == WIRE_LEN:
            key, value = string_entry(data[f.start : f.end])
            if key == EXTERNAL_LOCATION_KEY:
                location = value
        elif f.number in UNPACKED_DATA_FIELDS and f.wire != WIRE_LEN:
            break  # data written one value at a time follows: the shape and type came first
    elements = math.prod(max(d, 0) for d in dims)
    values: tuple[int, ...] | None = None
    if data_type == DataType.INT64 and elements <= SMALL_SHAPE_VALUES and not external:
        if raw is not None and raw.end - raw.start == 8 * elements:
            chunk = data[raw.start : raw.end]
            values = tuple(int.from_bytes(chunk[i : i + 8], "little", signed=True) for i in range(0, len(chunk), 8))
        elif int64_fields:
            values = tuple(_signed(v) for f in int64_fields for v in _varints(data, f))
    element_bytes = _ELEMENT_BYTES.get(data_type, _DEFAULT_ELEMENT_BYTES)
    return _Tensor(elements, element_bytes, location if external else None, values)


def _count(outline: ModelOutline, tensor: _Tensor) -> None:
    outline.add_entry()
    outline.tensor_bytes += tensor.bytes
    if tensor.location is not None and tensor.location not in outline.external_locations:
        outline.external_locations.append(tensor.location)


def _count_sparse(data: bytes, sparse: _Field, outline: ModelOutline) -> None:
    """A sparse tensor costs its values and indices, and its dense size once onnxruntime
    expands it (as it does for initializers)."""
    dims: list[int] = []
    value_bytes = _FLOAT_BYTES
    for f in _fields(data, sparse.start, sparse.end):
        if f.number in (SparseTensorField.VALUES, SparseTensorField.INDICES) and f.wire == WIRE_LEN:
            tensor = _tensor(data, f)
            _count(outline, tensor)
            if f.number == SparseTensorField.VALUES:
                value_bytes = tensor.element_bytes
        elif f.number == SparseTensorField.DIMS:
            dims.extend(_signed(v) for v in _varints(data, f))
    outline.tensor_bytes += math.prod(max(d, 0) for d in dims) * value_bytes
