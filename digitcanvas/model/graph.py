"""An ONNX model's top-level graph as plain data, and a copy with more outputs. No Qt, no onnx.

The inside view needs the order of a model's nodes, what feeds them, the shapes of its
weights, and a copy of the model whose intermediate tensors are graph outputs. All of
that is a few fields of ``onnx.proto`` (walked with :mod:`digitcanvas.model.proto`), so the app
reads it without the ``onnx`` package (31 MB installed, with protobuf), which stays a
training and test extra:

* ``GraphProto``: ``node`` = 1, ``initializer`` = 5, ``input`` = 11, ``output`` = 12;
* ``NodeProto``: ``input`` = 1, ``output`` = 2, ``name`` = 3, ``op_type`` = 4,
  ``attribute`` = 5, ``domain`` = 7;
* ``AttributeProto``: ``name`` = 1, ``t`` = 5 (a tensor), ``ints`` = 8;
* ``TensorProto``: ``dims`` = 1, ``data_type`` = 2, ``name`` = 8;
* ``ValueInfoProto``: ``name`` = 1. An output added with a name only is typed by
  onnxruntime's own inference, so the copy needs no shapes.

Nodes in subgraphs (``If``, ``Loop``) are not walked: they count as one node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import prod

from digitcanvas.model.onnx_fields import (
    AttributeField,
    GraphField,
    ModelField,
    NodeField,
    TensorField,
    ValueInfoField,
)
from digitcanvas.model.proto import (
    WIRE_LEN,
    WIRE_VARINT,
    FieldBudget,
    ProtoError,
    fields,
    len_field,
    read_varint,
)

INT64_SIGN = 1 << 63  # varints carry int64 as two's complement in 64 bits
UINT64_RANGE = 1 << 64


class GraphReadError(ValueError):
    """The model's bytes do not hold a readable ONNX graph."""


@dataclass(frozen=True)
class Weight:
    """A constant tensor: an initializer or the value of a ``Constant`` node."""

    name: str
    dims: tuple[int, ...]
    data_type: int  # TensorProto.DataType

    @property
    def size(self) -> int:
        return prod(self.dims)


@dataclass(frozen=True)
class Node:
    """One node of the graph: its operator, what it reads and what it writes."""

    name: str
    op: str
    domain: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    ints: dict[str, tuple[int, ...]] = field(default_factory=dict)  # list-of-int attributes (``perm``)
    value: Weight | None = None  # the tensor of a ``Constant`` node


@dataclass(frozen=True)
class Graph:
    """The top-level graph: nodes in the file's (topological) order, weights by name."""

    nodes: tuple[Node, ...]
    weights: dict[str, Weight]
    inputs: tuple[str, ...]  # graph inputs that are not initializers
    outputs: tuple[str, ...]

    def reachable(self) -> set[str]:
        """Tensors computed from the graph's inputs (the rest are constants)."""
        live = set(self.inputs)
        for node in self.nodes:
            if any(name in live for name in node.inputs):
                live.update(name for name in node.outputs if name)
        return live


def _text(payload: bytes) -> str:
    return payload.decode("utf-8", errors="replace")


def _signed(value: int) -> int:
    value %= UINT64_RANGE
    return value - UINT64_RANGE if value >= INT64_SIGN else value


def _ints(data: bytes, number: int, budget: FieldBudget | None = None) -> tuple[int, ...]:
    """A repeated int64 field, packed or not (each value counted in ``budget``)."""
    budget = FieldBudget() if budget is None else budget
    values: list[int] = []
    for f in fields(data, budget=budget):
        if f.number != number:
            continue
        if f.wire == WIRE_VARINT:
            values.append(_signed(f.varint))
        elif f.wire == WIRE_LEN:
            payload, pos = f.payload(data), 0
            while pos < len(payload):
                budget.spend()
                value, pos = read_varint(payload, pos)
                values.append(_signed(value))
    return tuple(values)


def _weight(tensor: bytes, budget: FieldBudget, name: str = "") -> Weight:
    data_type = 0
    for f in fields(tensor, budget=budget):
        if f.number == TensorField.DATA_TYPE and f.wire == WIRE_VARINT:
            data_type = f.varint
        elif f.number == TensorField.NAME and f.is_bytes and not name:
            name = _text(f.payload(tensor))
    return Weight(name, _ints(tensor, TensorField.DIMS, budget), data_type)


def _node(data: bytes, budget: FieldBudget) -> Node:
    name = op = domain = ""
    inputs: list[str] = []
    outputs: list[str] = []
    ints: dict[str, tuple[int, ...]] = {}
    value: Weight | None = None
    for f in fields(data, budget=budget):
        if not f.is_bytes:
            continue
        payload = f.payload(data)
        if f.number == NodeField.INPUT:
            inputs.append(_text(payload))
        elif f.number == NodeField.OUTPUT:
            outputs.append(_text(payload))
        elif f.number == NodeField.NAME:
            name = _text(payload)
        elif f.number == NodeField.OP_TYPE:
            op = _text(payload)
        elif f.number == NodeField.DOMAIN:
            domain = _text(payload)
        elif f.number == NodeField.ATTRIBUTE:
            attribute = ""
            tensor: bytes | None = None
            for a in fields(payload, budget=budget):
                if a.number == AttributeField.NAME and a.is_bytes:
                    attribute = _text(a.payload(payload))
                elif a.number == AttributeField.T and a.is_bytes:
                    tensor = a.payload(payload)
            listed = _ints(payload, AttributeField.INTS, budget)
            if listed:
                ints[attribute] = listed
            if tensor is not None and attribute == "value":
                value = _weight(tensor, budget, outputs[0] if outputs else "")
    if value is not None and outputs and value.name != outputs[0]:
        value = Weight(outputs[0], value.dims, value.data_type)
    return Node(name, op, domain, tuple(inputs), tuple(outputs), ints, value)


def _graph_field(model: bytes, budget: FieldBudget) -> tuple[int, int, bytes]:
    for f in fields(model, budget=budget):
        if f.number == ModelField.GRAPH and f.is_bytes:
            return f.start, f.end, f.payload(model)
    raise GraphReadError("the file holds no graph")


def read_graph(model: bytes) -> Graph:
    """The top-level graph of a serialised ``ModelProto``; raises :class:`GraphReadError`.

    The whole read visits at most :data:`~digitcanvas.model.proto.MAX_PROTO_FIELDS` fields."""
    budget = FieldBudget()
    try:
        _, _, graph = _graph_field(model, budget)
        nodes: list[Node] = []
        weights: dict[str, Weight] = {}
        inputs: list[str] = []
        outputs: list[str] = []
        for f in fields(graph, budget=budget):
            if not f.is_bytes:
                continue
            payload = f.payload(graph)
            if f.number == GraphField.NODE:
                nodes.append(_node(payload, budget))
            elif f.number == GraphField.INITIALIZER:
                weight = _weight(payload, budget)
                weights[weight.name] = weight
            elif f.number in (GraphField.INPUT, GraphField.OUTPUT):
                names = [
                    _text(v.payload(payload))
                    for v in fields(payload, budget=budget)
                    if v.number == ValueInfoField.NAME and v.is_bytes
                ]
                (inputs if f.number == GraphField.INPUT else outputs).extend(names[:1])
    except ProtoError as e:
        raise GraphReadError(f"not a readable ONNX model ({e})") from e
    for node in nodes:
        if node.value is not None:
            weights[node.value.name] = node.value
    return Graph(tuple(nodes), weights, tuple(i for i in inputs if i not in weights), tuple(outputs))


def with_outputs(model: bytes, names: Iterable[str]) -> bytes:
    """A copy of a serialised model whose graph also outputs the tensors ``names``
    (untyped: onnxruntime infers their types); names already outputs are skipped."""
    start, end, graph = _graph_field(model, FieldBudget())
    existing = set(read_graph(model).outputs)
    added = b"".join(
        len_field(GraphField.OUTPUT, len_field(ValueInfoField.NAME, name.encode("utf-8")))
        for name in dict.fromkeys(names)
        if name and name not in existing
    )
    return model[:start] + len_field(ModelField.GRAPH, graph + added) + model[end:]
