"""The protobuf walker reads what onnxruntime's protobuf reads, refuses what it refuses, and
stops at its field budget (issue #27)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from google.protobuf.message import DecodeError
from hypothesis import given, settings
from hypothesis import strategies as st

from digitcanvas.model.classifier import Classifier
from digitcanvas.model.info import write_metadata
from digitcanvas.model.onnx_fields import ModelField
from digitcanvas.model.proto import (
    MAX_GROUP_NESTING,
    MAX_PROTO_FIELDS,
    WIRE_LEN,
    WIRE_START_GROUP,
    WIRE_VARINT,
    FieldBudget,
    ProtoError,
    ProtoLimitError,
    fields,
    read_varint,
    varint,
)
from lab.fuzz import proto_bombs
from lab.fuzz.linear_model import make_linear_model

_UNKNOWN_NUMBERS = (15, 100, 101, 2**29 - 1)  # not fields of ModelProto: protobuf only checks their wire format
_VARINTS = (0, 1, 300, 2**63, 2**64 - 1)


def _field(number: int, wire: int, choice: int) -> bytes:
    tag = varint(number << 3 | wire)
    if wire == WIRE_VARINT:
        return tag + varint(_VARINTS[choice % len(_VARINTS)])
    if wire == WIRE_LEN:
        return tag + varint(choice % 4) + b"a" * (choice % 4)
    return tag + b"\0" * {1: 8, 5: 4}.get(wire, 0)  # groups (3, 4) have no payload; 6 and 7 do not exist


_fields = st.lists(
    st.builds(_field, st.sampled_from(_UNKNOWN_NUMBERS), st.integers(0, 7), st.integers(0, 20)), max_size=12
)


@settings(max_examples=500, deadline=None)
@given(pieces=_fields, cut=st.integers(0, 200))
def test_the_walker_accepts_exactly_what_protobuf_accepts(pieces: list[bytes], cut: int) -> None:
    """Random unknown fields of every wire type (groups nested, unclosed, closed by another
    number; wire types 6 and 7; truncation) parsed by python's protobuf and by the walker.
    (Python's upb parser refuses tags above 32 bits and field 0 in groups, like onnxruntime's
    C++ one for the second but not the first; those are tested on their own below.)"""
    data = b"".join(pieces)
    data = data[: len(data) - cut % (len(data) + 1)]
    try:
        onnx.ModelProto.FromString(data)
        protobuf_reads = True
    except DecodeError:
        protobuf_reads = False
    try:
        list(fields(data))
        walker_reads = True
    except ProtoError:
        walker_reads = False
    assert walker_reads == protobuf_reads


def test_a_group_is_one_field_spanning_its_bytes() -> None:
    data = proto_bombs.GROUP_WITH_FIELDS + varint(1 << 3 | WIRE_VARINT) + b"\x07"
    group, after = fields(data)
    assert (group.wire, group.start, group.end) == (WIRE_START_GROUP, 0, len(proto_bombs.GROUP_WITH_FIELDS))
    assert (after.number, after.varint) == (1, 7)


def test_groups_nest_as_deep_as_protobuf_lets_them() -> None:
    """onnxruntime loads a model behind 100 nested groups and refuses one behind 101 (measured)."""
    deep = b"{" * MAX_GROUP_NESTING + b"|" * MAX_GROUP_NESTING
    assert len(list(fields(deep))) == 1
    with pytest.raises(ProtoError, match=f"nested over {MAX_GROUP_NESTING} deep"):
        list(fields(b"{" + deep + b"|"))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"|", "an end of group that matches no open group"),
        (b"{\x84\x01", "an end of group that matches no open group"),  # field 15 opened, 16 closed
        (b"{", "never ends"),
        (b"{\x02\x00|", "numbered 0"),  # field 0 inside a group: onnxruntime refuses it too (measured)
        (b"\x7e", "wire type 6"),
        (b"\x0a\x05abc", "runs past the end"),
        (b"\x08" + b"\xff" * 10 + b"\x01", "longer than 10 bytes"),
    ],
)
def test_what_protobuf_refuses_is_refused_naming_the_problem(data: bytes, reason: str) -> None:
    with pytest.raises(ProtoError, match=reason):
        list(fields(data))


def test_a_tag_keeps_its_low_32_bits_as_onnxruntime_reads_it() -> None:
    """onnxruntime loads a model whose graph tag carries bit 32 (measured): it is the graph."""
    (graph,) = fields(proto_bombs.GRAPH_TAG_HIGH_BITS + b"\x00")
    assert (graph.number, graph.wire) == (ModelField.GRAPH, WIRE_LEN)
    with pytest.raises(ProtoError, match="longer than 5 bytes"):
        list(fields(b"\xba\x80\x80\x80\x80\x00\x00"))  # six bytes: refused by onnxruntime too


def test_a_varint_keeps_its_low_64_bits() -> None:
    assert read_varint(b"\xff" * 9 + b"\x7f", 0) == (2**64 - 1, 10)


def test_a_walk_stops_at_its_budget_naming_it() -> None:
    data = proto_bombs.UNKNOWN_FIELD * 11
    assert len(list(fields(data, budget=FieldBudget(11)))) == 11
    with pytest.raises(ProtoLimitError, match="over 10 protobuf fields"):
        list(fields(data, budget=FieldBudget(10)))


def test_one_budget_counts_the_fields_of_every_message_walked() -> None:
    budget = FieldBudget(5)
    list(fields(proto_bombs.UNKNOWN_FIELD * 3, budget=budget))
    with pytest.raises(ProtoLimitError):
        list(fields(proto_bombs.UNKNOWN_FIELD * 3, budget=budget))


def test_metadata_is_written_into_a_model_behind_a_group_keeping_it(tmp_path: Path) -> None:
    path = proto_bombs.with_bytes(make_linear_model(tmp_path / "m.onnx"), before=proto_bombs.EMPTY_GROUP)
    write_metadata(path, {"digitcanvas.name": "grouped"})
    data = path.read_bytes()
    assert data.startswith(proto_bombs.EMPTY_GROUP)
    assert {p.key: p.value for p in onnx.ModelProto.FromString(data).metadata_props} == {"digitcanvas.name": "grouped"}


def test_a_run_of_one_fixed_width_field_is_one_field_of_the_walk() -> None:
    # An unpacked repeated float (field 7 of AttributeProto, as scikit-learn's SVMs store
    # their support vectors) may hold millions of values: the walk skips the run at once.
    floats = (varint(7 << 3 | 5) + b"\0\0\x80?") * 2_000_000
    data = varint(1 << 3 | WIRE_LEN) + varint(1) + b"a" + floats + varint(20 << 3 | WIRE_VARINT) + b"\x05"
    walked = list(fields(data, budget=FieldBudget(3)))
    assert [(f.number, f.wire) for f in walked] == [(1, WIRE_LEN), (7, 5), (20, WIRE_VARINT)]
    assert walked[1].end == walked[2].start and walked[2].varint == 5
    with pytest.raises(ProtoError, match="runs past the end"):
        list(fields(floats[:-1]))


def test_a_model_with_millions_of_unpacked_floats_loads(tmp_path: Path) -> None:
    model = onnx.load(make_linear_model(tmp_path / "m.onnx"))
    kept = onnx.helper.make_node("Constant", [], ["unused"], value_floats=[0.5] * (MAX_PROTO_FIELDS + 100_000))
    model.graph.node.append(kept)
    path = tmp_path / "svm-like.onnx"
    onnx.save(model, path)
    assert Classifier(path).predict_proba(np.zeros((28, 28), dtype=np.float32)).shape == (1, 10)
