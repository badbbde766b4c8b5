"""Check a model file before onnxruntime opens it, and say in words what is wrong. No Qt.

onnxruntime reports a missing external weights file, an unreadable file or a weights
path outside the model's folder in C++ text, and it allocates whatever a model declares;
these checks name the file and the reason first. The file is walked as onnxruntime's
protobuf reads it (:mod:`digitcanvas.model.proto`: what it skips is skipped, what it would
refuse is refused here, in words), without the ``onnx`` package, and what it declares
is bounded statically:

* the file's size (``MAX_MODEL_BYTES``) and the protobuf fields walked
  (:data:`~digitcanvas.model.proto.MAX_PROTO_FIELDS`);
* the bytes of every tensor the model declares, counted from its shape whether its data
  is in the file or in an external weights file: initializers, sparse initializers and
  ``Constant`` nodes, in the main graph, in functions and in every subgraph (``Loop``,
  ``If``, ``Scan`` bodies); plus the outputs of ``ConstantOfShape`` and ``Expand`` whose
  shape is a constant. Together at most ``MAX_MODEL_TENSOR_BYTES``; at most
  ``MAX_STRING_ELEMENTS`` strings; at most ``MAX_TENSOR_RANK`` dimensions a tensor;
* subgraph nesting (``MAX_GRAPH_NESTING``) and the number of nodes and tensors
  (``MAX_GRAPH_ENTRIES``), which bound onnxruntime's session creation. onnxruntime inlines
  a model-local function at every call, so each call counts the function's nodes and
  tensors (calls within functions multiply); a function that calls itself is refused.

Counts saturate at :data:`SATURATED` (no huge Python integers, whatever the dims). Tensors
computed from constants (a ``ConstantOfShape`` of a ``Concat`` of constants) are not sized
here: sessions are created without constant folding (:mod:`digitcanvas.model.session`), so
they are computed when the model runs, within the bounded memory arena. Tensors computed
from the input (a ``Tile``) are bounded there too, and a watchdog stops long runs.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from digitcanvas.model.onnx_fields import (
    DATA_LOCATION_EXTERNAL,
    EXTERNAL_LOCATION_KEY,
    ONNX_DOMAIN_ALIASES,
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
    MAX_PROTO_FIELDS,
    WIRE_LEN,
    WIRE_VARINT,
    Field,
    FieldBudget,
    ProtoError,
    ProtoLimitError,
    fields,
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
# Nodes and tensors in all graphs together, each call of a model-local function counted as
# what onnxruntime inlines for it. A digit CNN has about 30, a ResNet-152 about 1,500.
# Session creation grows faster than linearly with them (issue #27: 50,000 initializers
# took 15 s, 199,000 took 119 s). session.open_session, onnxruntime 1.32, a loaded 2-core
# machine, 3 fresh processes each: 5,000 entries took 0.55-0.68 s (Relu nodes), 0.56-0.91 s
# (2,500 Add nodes, 2,500 initializers), 0.41-0.66 s (initializers); 10,000 took 1.13-1.27,
# 1.04-1.47 and 0.74-0.91 s. So 5,000 keeps session creation under about a second.
MAX_GRAPH_ENTRIES = 5_000
# String elements in all tensors together: a digit model's strings are its ten labels.
# onnxruntime keeps each as a std::string (32 bytes and more) and parses them one by one:
# opening a tensor of 100,000 one-byte strings took 0.14-0.39 s, 1,000,000 0.5 s and
# 111 MB, 10,000,000 over 50 s and 593 MB (issue #27); each string is also a protobuf
# field, which the walk's budget (proto.MAX_PROTO_FIELDS) counts.
MAX_STRING_ELEMENTS = 100_000
# Dimensions of one tensor: numpy, which holds every tensor the app reads, takes at most 64
# (numpy 2); ONNX exports use up to 6. It bounds the dims walked per tensor, too.
MAX_TENSOR_RANK = 64
SMALL_SHAPE_VALUES = 64  # a shape tensor holds a few numbers; longer int64 constants are not shapes
SATURATED = 1 << 63  # element, byte and entry counts stop here: above every limit, and no huge integers

# bytes per element of TensorProto.DataType; 4-bit types round up; strings and unknown types count 8
_ELEMENT_BYTES = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2}
_DEFAULT_ELEMENT_BYTES = 8
_FLOAT_BYTES = 4  # ConstantOfShape's default value and Expand's usual input
_SIGN_BIT = 1 << 63
_SHOWN_NAME = 60  # characters of a name from the file shown in a message


class ModelFileError(ValueError):
    """The model file (or its weights file) cannot be used; the message names it and why."""


@dataclass
class ModelOutline:
    """What the walk found: declared tensor bytes and string elements, nodes and tensors
    (function calls counted as inlined), and the external files named."""

    tensor_bytes: int = 0
    external_locations: list[str] = field(default_factory=list)
    entries: int = 0
    strings: int = 0


def check_model_file(path: Path) -> None:
    """Refuse, in words, what onnxruntime would refuse in C++ or what would cost too much:
    missing, unreadable, irregular or oversized files, bytes that are not the protobuf
    onnxruntime reads, weights and constants over the limits, and external weight files
    that are missing or outside the model's folder."""
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
    except ProtoLimitError as e:
        raise ModelFileError(f"{path}: {e}; DigitCanvas reads models of at most {MAX_PROTO_FIELDS:,}") from e
    except ProtoError as e:
        raise ModelFileError(f"{path}: not a valid ONNX model ({e}); refused") from e
    except _Refusal as e:  # nesting or size beyond the limits
        raise ModelFileError(f"{path}: {e}") from e
    if outline.tensor_bytes > MAX_MODEL_TENSOR_BYTES:
        raise ModelFileError(
            f"{path}: its weights and constants need {_megabytes(outline.tensor_bytes)}; "
            f"DigitCanvas accepts models with at most {MAX_MODEL_TENSOR_BYTES // 2**20} MB"
        )
    if outline.strings > MAX_STRING_ELEMENTS:
        raise ModelFileError(
            f"{path}: its tensors hold {_count(outline.strings)} strings; "
            f"DigitCanvas accepts models with at most {MAX_STRING_ELEMENTS:,}"
        )
    _check_external_files(path, outline.external_locations)


def _megabytes(size: int) -> str:
    return f"over {SATURATED // 2**20:,} MB" if size >= SATURATED else f"{size / 2**20:,.0f} MB"


def _count(number: int) -> str:
    return f"over {SATURATED:,}" if number >= SATURATED else f"{number:,}"


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


# --- counting, saturated ----------------------------------------------------------------------


def _product(values: Iterable[int]) -> int:
    """The number of elements of dims ``values``: 0 if one is 0 or negative, else their
    product, at most :data:`SATURATED`."""
    total = 1
    for value in values:
        if value <= 0:
            return 0
        total = min(total * value, SATURATED)
    return total


def _sum(a: int, b: int) -> int:
    return min(a + b, SATURATED)


@dataclass
class _Cost:
    """What a graph or a function body costs onnxruntime: nodes and tensors, tensor bytes, strings."""

    entries: int = 0
    tensor_bytes: int = 0
    strings: int = 0

    def add(self, other: _Cost, times: int = 1) -> None:
        self.entries = _sum(self.entries, min(other.entries * times, SATURATED))
        self.tensor_bytes = _sum(self.tensor_bytes, min(other.tensor_bytes * times, SATURATED))
        self.strings = _sum(self.strings, min(other.strings * times, SATURATED))


_Key = tuple[str, str, str]  # (domain, name, overload): how a node calls a model-local function


@dataclass
class _Body:
    """A graph or a function body as walked: its own cost, and the operators it calls (how often)."""

    cost: _Cost = field(default_factory=_Cost)
    calls: Counter[_Key] = field(default_factory=Counter)


class _Refusal(ValueError):
    """A limit the model is beyond; the message says which."""


def _shown(name: str) -> str:
    return repr(name[:_SHOWN_NAME] + ("…" if len(name) > _SHOWN_NAME else ""))


# --- walking the protobuf ---------------------------------------------------------------------

_Ranges = tuple[tuple[int, int], ...]  # one message's bytes: protobuf merges a singular field written twice


@dataclass(frozen=True)
class _Tensor:
    elements: int
    element_bytes: int
    data_type: int
    name: str | None
    location: str | None  # the external data file, or None
    int64_values: tuple[int, ...] | None  # a small int64 constant's values (a shape), else None

    @property
    def bytes(self) -> int:
        return min(self.elements * self.element_bytes, SATURATED)


@dataclass
class _Node:
    op_type: str = ""
    domain: str = ""
    overload: str = ""
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    tensors: list[_Ranges] = field(default_factory=list)  # TensorProto attributes (t, tensors)
    sparse_tensors: list[_Ranges] = field(default_factory=list)
    graphs: list[_Ranges] = field(default_factory=list)  # GraphProto attributes (g, graphs)

    @property
    def key(self) -> _Key:
        return _domain(self.domain), self.op_type, self.overload


def _domain(name: str) -> str:
    return "" if name in ONNX_DOMAIN_ALIASES else name


def _span(f: Field) -> _Ranges:
    return ((f.value_start, f.end),)


def model_outline(data: bytes) -> ModelOutline:
    """Walk a serialized ModelProto: the bytes and strings its tensors declare, its nodes and
    tensors as onnxruntime inlines them, and the external files they name. Raises
    :class:`~digitcanvas.model.proto.ProtoError` for bytes protobuf would not read."""
    return _Walk(data).model()


class _Walk:
    """One walk of a model file, within one :class:`~digitcanvas.model.proto.FieldBudget`."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.budget = FieldBudget()
        self.external_locations: list[str] = []
        self.entries_seen = 0  # every graph and body once: refused early, before calls multiply them

    def fields(self, ranges: _Ranges) -> Iterator[Field]:
        for start, end in ranges:
            yield from fields(self.data, start, end, budget=self.budget)

    def text(self, f: Field) -> str:
        return self.data[f.value_start : f.end].decode("utf-8", errors="replace")

    def model(self) -> ModelOutline:
        graphs: list[tuple[int, int]] = []
        functions: list[Field] = []
        for f in self.fields(((0, len(self.data)),)):
            if f.wire == WIRE_LEN and f.number == ModelField.GRAPH:
                graphs.append((f.value_start, f.end))
            elif f.wire == WIRE_LEN and f.number == ModelField.FUNCTIONS:
                functions.append(f)
        main = _Body()
        if graphs:
            self.graph(tuple(graphs), main, {}, depth=0)
        bodies: dict[_Key, _Body] = {}
        for f in functions:
            key, body = self.function(f)
            known = bodies.setdefault(key, _Body())
            known.cost.add(body.cost)
            known.calls.update(body.calls)
        total = main.cost
        called = set(main.calls).union(*(body.calls for body in bodies.values()))
        for key, body in bodies.items():
            if key not in called:
                total.add(body.cost)  # read, though never inlined
        _inline(total, main.calls, _inlined(bodies))
        if total.entries > MAX_GRAPH_ENTRIES:
            raise _Refusal(
                f"it has {_count(total.entries)} nodes and tensors, counting each call of a function it defines "
                f"as the nodes onnxruntime puts in its place; DigitCanvas accepts at most {MAX_GRAPH_ENTRIES:,}"
            )
        return ModelOutline(total.tensor_bytes, self.external_locations, total.entries, total.strings)

    def entry(self, body: _Body) -> None:
        body.cost.entries += 1
        self.entries_seen += 1
        if self.entries_seen > MAX_GRAPH_ENTRIES:
            limit = f"{MAX_GRAPH_ENTRIES:,}"
            raise _Refusal(f"it has over {limit} nodes and tensors; DigitCanvas accepts at most {limit}")

    def function(self, function: Field) -> tuple[_Key, _Body]:
        name = domain = overload = ""
        nodes: list[Field] = []
        node = _Node()  # the default attribute values, copied into every call
        for f in self.fields(_span(function)):
            if f.wire != WIRE_LEN:
                continue
            if f.number == FunctionField.NAME:
                name = self.text(f)
            elif f.number == FunctionField.DOMAIN:
                domain = self.text(f)
            elif f.number == FunctionField.OVERLOAD:
                overload = self.text(f)
            elif f.number == FunctionField.NODE:
                nodes.append(f)
            elif f.number == FunctionField.ATTRIBUTE_PROTO:
                self.attribute(f, node)
        body = _Body()
        self.node_values(node, body, {}, depth=0)
        self.nodes(nodes, body, {}, depth=0)
        return (_domain(domain), name, overload), body

    def graph(self, ranges: _Ranges, body: _Body, outer: dict[str, _Tensor], *, depth: int) -> None:
        if depth > MAX_GRAPH_NESTING:
            raise _Refusal(f"its subgraphs nest over {MAX_GRAPH_NESTING} deep; refused")
        self.entry(body)
        constants = dict(outer)
        nodes: list[Field] = []
        for f in self.fields(ranges):
            if f.wire != WIRE_LEN:
                continue
            if f.number == GraphField.NODE:
                nodes.append(f)
            elif f.number == GraphField.INITIALIZER:
                tensor = self.tensor(_span(f))
                self.count(body, tensor)
                if tensor.name is not None:
                    constants[tensor.name] = tensor
            elif f.number == GraphField.SPARSE_INITIALIZER:
                self.sparse(_span(f), body)
        self.nodes(nodes, body, constants, depth=depth)

    def nodes(self, nodes: list[Field], body: _Body, constants: dict[str, _Tensor], *, depth: int) -> None:
        # Constants first (a node may use one defined later in the file), then what they shape.
        parsed = []
        for n in nodes:
            self.entry(body)
            parsed.append(self.node(n))
        for node in parsed:
            if node.op_type == "Constant":
                for ranges in node.tensors:
                    tensor = self.tensor(ranges)
                    self.count(body, tensor)
                    for name in node.outputs[:1]:
                        constants[name] = tensor
        for node in parsed:
            body.calls[node.key] += 1
            self.node_values(node, body, constants, depth=depth, tensors=node.op_type != "Constant")
            self.computed_constant(node, body, constants)

    def node_values(
        self, node: _Node, body: _Body, constants: dict[str, _Tensor], *, depth: int, tensors: bool = True
    ) -> None:
        """Count a node's tensor (unless counted already) and sparse tensor attributes; walk its subgraphs."""
        for ranges in node.tensors if tensors else ():
            self.count(body, self.tensor(ranges))
        for ranges in node.sparse_tensors:
            self.sparse(ranges, body)
        for ranges in node.graphs:
            self.graph(ranges, body, constants, depth=depth + 1)

    def computed_constant(self, node: _Node, body: _Body, constants: dict[str, _Tensor]) -> None:
        """A ``ConstantOfShape`` or ``Expand`` of a constant shape: its output's bytes."""
        shape_input = {"ConstantOfShape": 0, "Expand": 1}.get(node.op_type)
        if shape_input is None or len(node.inputs) <= shape_input:
            return
        shape = constants.get(node.inputs[shape_input])
        if shape is None or shape.int64_values is None:
            return
        value_bytes = _FLOAT_BYTES
        if node.op_type == "ConstantOfShape" and node.tensors:
            value_bytes = self.tensor(node.tensors[0]).element_bytes
        elements = _product(shape.int64_values)
        body.cost.tensor_bytes = _sum(body.cost.tensor_bytes, min(elements * value_bytes, SATURATED))

    def node(self, node: Field) -> _Node:
        parsed = _Node()
        for f in self.fields(_span(node)):
            if f.wire != WIRE_LEN:
                continue
            if f.number == NodeField.INPUT:
                parsed.inputs.append(self.text(f))
            elif f.number == NodeField.OUTPUT:
                parsed.outputs.append(self.text(f))
            elif f.number == NodeField.OP_TYPE:
                parsed.op_type = self.text(f)
            elif f.number == NodeField.DOMAIN:
                parsed.domain = self.text(f)
            elif f.number == NodeField.OVERLOAD:
                parsed.overload = self.text(f)
            elif f.number == NodeField.ATTRIBUTE:
                self.attribute(f, parsed)
        return parsed

    def attribute(self, attribute: Field, node: _Node) -> None:
        """Collect an AttributeProto's tensors, sparse tensors and graphs into ``node``; a
        singular one written twice is one message, merged, as protobuf reads it."""
        singular: dict[int, list[tuple[int, int]]] = {}
        for a in self.fields(_span(attribute)):
            if a.wire != WIRE_LEN:
                continue
            if a.number in (AttributeField.T, AttributeField.G, AttributeField.SPARSE_TENSOR):
                singular.setdefault(a.number, []).append((a.value_start, a.end))
            elif a.number == AttributeField.TENSORS:
                node.tensors.append(_span(a))
            elif a.number == AttributeField.GRAPHS:
                node.graphs.append(_span(a))
            elif a.number == AttributeField.SPARSE_TENSORS:
                node.sparse_tensors.append(_span(a))
        kinds: dict[int, list[_Ranges]] = {AttributeField.T: node.tensors, AttributeField.G: node.graphs}
        for number, ranges in singular.items():
            kinds.get(number, node.sparse_tensors).append(tuple(ranges))

    def varints(self, f: Field) -> Iterator[int]:
        """A repeated int64 field, signed: one value, or a packed run read one by one (each
        counted in the walk's budget, so the caller may stop early)."""
        if f.wire == WIRE_VARINT:
            yield _signed(f.varint)
        elif f.wire == WIRE_LEN:
            pos = f.value_start
            while pos < f.end:
                self.budget.spend()
                value, pos = read_varint(self.data, pos, f.end)
                yield _signed(value)

    def tensor(self, ranges: _Ranges) -> _Tensor:
        dims: list[int] = []
        data_type: int = DataType.FLOAT
        external = False
        name: str | None = None
        location: str | None = None
        raw: Field | None = None
        int64s: list[int] = []
        for f in self.fields(ranges):
            if f.number == TensorField.DIMS:
                for dim in self.varints(f):
                    dims.append(dim)
                    _check_rank(dims)
            elif f.number == TensorField.DATA_TYPE and f.wire == WIRE_VARINT:
                data_type = f.varint
            elif f.number == TensorField.NAME and f.wire == WIRE_LEN:
                name = self.text(f)
            elif f.number == TensorField.RAW_DATA and f.wire == WIRE_LEN:
                raw = f
            elif f.number == TensorField.INT64_DATA:
                for item in self.varints(f):
                    int64s.append(item)
                    if len(int64s) > SMALL_SHAPE_VALUES:
                        break  # a long run of data, not a shape: the rest of the run is not read
            elif f.number == TensorField.DATA_LOCATION and f.wire == WIRE_VARINT:
                external = f.varint == DATA_LOCATION_EXTERNAL
            elif f.number == TensorField.EXTERNAL_DATA and f.wire == WIRE_LEN:
                entry_key, entry_value = string_entry(f.payload(self.data), budget=self.budget)
                if entry_key == EXTERNAL_LOCATION_KEY:
                    location = entry_value
        elements = _product(dims)
        values: tuple[int, ...] | None = None
        if data_type == DataType.INT64 and elements <= SMALL_SHAPE_VALUES and not external:
            if raw is not None and raw.end - raw.value_start == 8 * elements:
                chunk = raw.payload(self.data)
                values = tuple(int.from_bytes(chunk[i : i + 8], "little", signed=True) for i in range(0, len(chunk), 8))
            elif int64s and len(int64s) <= SMALL_SHAPE_VALUES:
                values = tuple(int64s)
        element_bytes = _ELEMENT_BYTES.get(data_type, _DEFAULT_ELEMENT_BYTES)
        return _Tensor(elements, element_bytes, data_type, name, location if external else None, values)

    def count(self, body: _Body, tensor: _Tensor) -> None:
        self.entry(body)
        body.cost.tensor_bytes = _sum(body.cost.tensor_bytes, tensor.bytes)
        if tensor.data_type == DataType.STRING:
            body.cost.strings = _sum(body.cost.strings, tensor.elements)
        if tensor.location is not None and tensor.location not in self.external_locations:
            self.external_locations.append(tensor.location)

    def sparse(self, ranges: _Ranges, body: _Body) -> None:
        """A sparse tensor costs its values and indices, and its dense size once onnxruntime
        expands it (as it does for initializers)."""
        dims: list[int] = []
        parts: dict[int, list[tuple[int, int]]] = {}
        for f in self.fields(ranges):
            if f.number in (SparseTensorField.VALUES, SparseTensorField.INDICES) and f.wire == WIRE_LEN:
                parts.setdefault(f.number, []).append((f.value_start, f.end))
            elif f.number == SparseTensorField.DIMS:
                for dim in self.varints(f):
                    dims.append(dim)
                    _check_rank(dims)
        value_bytes = _FLOAT_BYTES
        for number, spans in parts.items():
            tensor = self.tensor(tuple(spans))
            self.count(body, tensor)
            if number == SparseTensorField.VALUES:
                value_bytes = tensor.element_bytes
        body.cost.tensor_bytes = _sum(body.cost.tensor_bytes, min(_product(dims) * value_bytes, SATURATED))


def _check_rank(dims: list[int]) -> None:
    if len(dims) > MAX_TENSOR_RANK:
        raise _Refusal(f"a tensor has over {MAX_TENSOR_RANK} dimensions; DigitCanvas accepts at most {MAX_TENSOR_RANK}")


def _signed(value: int) -> int:
    return value - (1 << 64) if value & _SIGN_BIT else value


def _inlined(bodies: dict[_Key, _Body]) -> dict[_Key, _Cost]:
    """What one call of each model-local function costs once onnxruntime has inlined it:
    its body, and every call in it replaced by what that call costs. Iterative (a chain of
    functions may be long); refuses a function that calls itself, directly or not."""
    totals: dict[_Key, _Cost] = {}
    for root in bodies:
        if root in totals:
            continue
        path, on_path = [root], {root}
        pending = [iter(bodies[root].calls)]
        while path:
            callee = next((c for c in pending[-1] if c in bodies and c not in totals), None)
            if callee is not None:
                if callee in on_path:
                    raise _Refusal(f"its function {_shown(callee[1])} calls itself; refused")
                path.append(callee)
                on_path.add(callee)
                pending.append(iter(bodies[callee].calls))
                continue
            key = path.pop()
            on_path.discard(key)
            pending.pop()
            total = _Cost()
            total.add(bodies[key].cost)
            _inline(total, bodies[key].calls, totals)
            totals[key] = total
    return totals


def _inline(cost: _Cost, calls: Counter[_Key], inlined: dict[_Key, _Cost]) -> None:
    """Add to ``cost`` what its calls of functions cost inlined: each call node (counted
    already) stands for the inlined function's nodes and tensors."""
    for key, times in calls.items():
        if key in inlined:
            cost.add(inlined[key], times)
            cost.entries -= times
