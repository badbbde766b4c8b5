"""A trained network as an ordinary ONNX model, written from its layers. No Qt, no onnx, no PyTorch.

The networks DigitCanvas trains are plain stacks (:mod:`.layers`), and each layer is one
standard ONNX operator: ``Conv``, ``MaxPool``, ``BatchNormalization``, ``Relu``,
``Sigmoid``, ``Tanh``, ``Flatten`` and ``Gemm`` (dropout does nothing once trained). So the
model is written here, operator by operator, with the protobuf helpers the app already
has (:mod:`digitcanvas.model.proto`), in milliseconds and without the ``onnx`` or
``onnxscript`` packages that PyTorch's exporters need. Every value is named after its
layer (``conv1``, ``relu1``, ``dense1`` …), which is what the inside view shows.

The graph takes ``image`` (batch, 1, 28, 28) and gives ``logits`` (batch, 10), divided by
the calibration temperature, then ``embedding`` (batch, F): the features the output layer
reads, for adapting the model to one person's hand. The metadata is added by the one
metadata writer (:func:`digitcanvas.model.info.with_metadata`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas import APP_NAME, __version__
from digitcanvas.model.classifier import EMBEDDING_OUTPUT
from digitcanvas.model.info import with_metadata
from digitcanvas.model.onnx_fields import (
    AttributeField,
    AttributeType,
    DataType,
    GraphField,
    ModelField,
    NodeField,
    OperatorSetField,
    TensorField,
    TypeField,
    ValueInfoField,
)
from digitcanvas.model.proto import float_field, len_field, varint_field
from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.training.layers import INPUT_SHAPE, LayerKind, NetworkPlan

IR_VERSION = 8  # the IR of opset 17 (onnxruntime 1.17, the oldest the app supports, reads up to IR 9)
OPSET = 17
INPUT_NAME = "image"
OUTPUT_NAME = "logits"
BATCH_DIM = "batch"
GRAPH_NAME = "digitcanvas_trained"
BATCH_NORM_EPSILON = 1e-5  # PyTorch's default, which the engine trains with
OPS = {
    LayerKind.RELU: "Relu",
    LayerKind.SIGMOID: "Sigmoid",
    LayerKind.TANH: "Tanh",
}

Weights = Mapping[str, NDArray[np.floating]]  # one layer's arrays, named as PyTorch names them


class ExportError(ValueError):
    """The weights do not fit the network's plan (a programming error, named)."""


@dataclass
class _Graph:
    nodes: list[bytes]
    initializers: list[bytes]
    last: str = INPUT_NAME  # the value the next layer reads

    def add(self, op: str, name: str, inputs: Sequence[str], attributes: Sequence[bytes] = ()) -> str:
        node = b"".join(len_field(NodeField.INPUT, value.encode()) for value in inputs)
        node += len_field(NodeField.OUTPUT, name.encode()) + len_field(NodeField.NAME, name.encode())
        node += len_field(NodeField.OP_TYPE, op.encode()) + b"".join(
            len_field(NodeField.ATTRIBUTE, a) for a in attributes
        )
        self.nodes.append(node)
        self.last = name
        return name

    def tensor(self, name: str, array: NDArray[np.floating]) -> str:
        data = np.ascontiguousarray(array, dtype="<f4")
        proto = b"".join(varint_field(TensorField.DIMS, side) for side in data.shape)
        proto += varint_field(TensorField.DATA_TYPE, DataType.FLOAT)
        proto += len_field(TensorField.NAME, name.encode()) + len_field(TensorField.RAW_DATA, data.tobytes())
        self.initializers.append(proto)
        return name


def network_model(
    plan: NetworkPlan,
    weights: Sequence[Weights],
    *,
    temperature: float = 1.0,
    metadata: Mapping[str, str] | None = None,
) -> bytes:
    """The ONNX model bytes of the network ``plan`` with ``weights`` (one mapping per step
    of the plan: ``weight`` and ``bias`` for dense and conv layers, also ``running_mean``
    and ``running_var`` for batch normalisation, none for the others); the output layer's
    logits are divided by ``temperature``. Raises :class:`ExportError` on weights of the wrong shape."""
    if len(weights) != len(plan.steps):
        raise ExportError(f"{len(weights)} layers of weights for a network of {len(plan.steps)}")
    graph = _Graph([], [])
    counts: dict[str, int] = {}
    embedding = INPUT_NAME
    for index, (step, arrays) in enumerate(zip(plan.steps, weights, strict=True)):
        kind = step.layer.kind
        output = index == len(plan.steps) - 1
        if kind == LayerKind.DROPOUT:
            continue  # nothing to do once trained
        counts[kind] = counts.get(kind, 0) + 1
        name = OUTPUT_NAME if output else f"{kind}{counts[kind]}"
        if kind == LayerKind.DENSE:
            if step.flattens:  # the first dense layer (maps before it, or the image itself)
                graph.add("Flatten", "flatten", [graph.last])
            embedding = graph.last
            scale = 1.0 / temperature if output else 1.0
            w = _array(arrays, "weight", (step.output[0], _size(step.input)), name) * scale
            b = _array(arrays, "bias", (step.output[0],), name) * scale
            graph.add(
                "Gemm",
                name,
                [graph.last, graph.tensor(f"{name}.weight", w), graph.tensor(f"{name}.bias", b)],
                [_int_attribute("transB", 1)],
            )
        elif kind == LayerKind.CONV:
            side, channels = step.layer.kernel, step.input[0]
            w = _array(arrays, "weight", (step.layer.size, channels, side, side), name)
            b = _array(arrays, "bias", (step.layer.size,), name)
            pad = side // 2
            attributes = [_ints_attribute("kernel_shape", [side, side]), _ints_attribute("pads", [pad] * 4)]
            graph.add(
                "Conv",
                name,
                [graph.last, graph.tensor(f"{name}.weight", w), graph.tensor(f"{name}.bias", b)],
                attributes,
            )
        elif kind == LayerKind.MAX_POOL:
            side = step.layer.size
            attributes = [_ints_attribute("kernel_shape", [side, side]), _ints_attribute("strides", [side, side])]
            graph.add("MaxPool", name, [graph.last], attributes)
        elif kind == LayerKind.BATCH_NORM:
            channels = step.input[0]
            inputs = [graph.last] + [
                graph.tensor(f"{name}.{key}", _array(arrays, key, (channels,), name))
                for key in ("weight", "bias", "running_mean", "running_var")
            ]
            graph.add("BatchNormalization", name, inputs, [_float_attribute("epsilon", BATCH_NORM_EPSILON)])
        else:
            graph.add(OPS[kind], name, [graph.last])
    graph.add("Identity", EMBEDDING_OUTPUT, [embedding])
    return with_metadata(_model(graph, embedding_size=plan.steps[-1].input), dict(metadata or {}))


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape))


def _array(arrays: Weights, key: str, shape: tuple[int, ...], layer: str) -> NDArray[np.float32]:
    if key not in arrays:
        raise ExportError(f"{layer}: no {key}")
    array = np.asarray(arrays[key], dtype=np.float32)
    if array.shape != shape:
        raise ExportError(f"{layer}: {key} is {array.shape}, expected {shape}")
    return array


def _attribute(name: str, kind: AttributeType, value: bytes) -> bytes:
    return len_field(AttributeField.NAME, name.encode()) + value + varint_field(AttributeField.TYPE, kind)


def _int_attribute(name: str, value: int) -> bytes:
    return _attribute(name, AttributeType.INT, varint_field(AttributeField.INT, value))


def _ints_attribute(name: str, values: Sequence[int]) -> bytes:
    return _attribute(name, AttributeType.INTS, b"".join(varint_field(AttributeField.INTS, v) for v in values))


def _float_attribute(name: str, value: float) -> bytes:
    return _attribute(name, AttributeType.FLOAT, float_field(AttributeField.FLOAT, value))


def _value_info(name: str, dims: Sequence[int | str]) -> bytes:
    shape = b""
    for dim in dims:
        field = (
            len_field(TypeField.DIM_PARAM, dim.encode())
            if isinstance(dim, str)
            else varint_field(TypeField.DIM_VALUE, dim)
        )
        shape += len_field(TypeField.DIM, field)
    tensor = varint_field(TypeField.ELEM_TYPE, DataType.FLOAT) + len_field(TypeField.SHAPE, shape)
    return len_field(ValueInfoField.NAME, name.encode()) + len_field(
        ValueInfoField.TYPE, len_field(TypeField.TENSOR_TYPE, tensor)
    )


def _model(graph: _Graph, *, embedding_size: tuple[int, ...]) -> bytes:
    body = b"".join(len_field(GraphField.NODE, node) for node in graph.nodes)
    body += len_field(GraphField.NAME, GRAPH_NAME.encode())
    body += b"".join(len_field(GraphField.INITIALIZER, tensor) for tensor in graph.initializers)
    body += len_field(GraphField.INPUT, _value_info(INPUT_NAME, [BATCH_DIM, *INPUT_SHAPE]))
    body += len_field(GraphField.OUTPUT, _value_info(OUTPUT_NAME, [BATCH_DIM, NUM_CLASSES]))
    body += len_field(GraphField.OUTPUT, _value_info(EMBEDDING_OUTPUT, [BATCH_DIM, _size(embedding_size)]))
    opset = len_field(OperatorSetField.DOMAIN, b"") + varint_field(OperatorSetField.VERSION, OPSET)
    return (
        varint_field(ModelField.IR_VERSION, IR_VERSION)
        + len_field(ModelField.PRODUCER_NAME, APP_NAME.encode())
        + len_field(ModelField.PRODUCER_VERSION, __version__.encode())
        + len_field(ModelField.GRAPH, body)
        + len_field(ModelField.OPSET_IMPORT, opset)
    )
