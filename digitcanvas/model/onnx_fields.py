"""The field numbers of ``onnx.proto`` that DigitCanvas reads and writes, in one place. No Qt, no onnx.

The app walks model files itself (:mod:`.proto`) to check them before onnxruntime opens
them (:mod:`.file_check`), to list their graph (:mod:`.graph`) and to write metadata
(:mod:`.info`), and writes the networks it trains (:mod:`digitcanvas.training.onnx_writer`),
so it names the few fields of each message it needs here, as ``onnx.proto`` numbers them.
"""

from __future__ import annotations

from enum import IntEnum


class ModelField(IntEnum):
    IR_VERSION = 1
    PRODUCER_NAME = 2
    PRODUCER_VERSION = 3
    GRAPH = 7
    OPSET_IMPORT = 8  # OperatorSetIdProto
    METADATA_PROPS = 14  # StringStringEntryProto
    FUNCTIONS = 25  # model-local FunctionProto


class FunctionField(IntEnum):
    """``FunctionProto``: a model-local function, which onnxruntime inlines at each call."""

    NAME = 1  # a node calls it with this op_type ...
    NODE = 7
    DOMAIN = 10  # ... in this domain ...
    ATTRIBUTE_PROTO = 11  # attributes' default values (AttributeProto), copied into each call
    OVERLOAD = 13  # ... and this overload


class OperatorSetField(IntEnum):
    DOMAIN = 1
    VERSION = 2


class GraphField(IntEnum):
    NODE = 1
    NAME = 2
    INITIALIZER = 5  # TensorProto
    INPUT = 11  # ValueInfoProto
    OUTPUT = 12
    SPARSE_INITIALIZER = 15  # SparseTensorProto


class NodeField(IntEnum):
    INPUT = 1
    OUTPUT = 2
    NAME = 3
    OP_TYPE = 4
    ATTRIBUTE = 5
    DOMAIN = 7
    OVERLOAD = 8


class AttributeField(IntEnum):
    NAME = 1
    FLOAT = 2  # f: a float
    INT = 3  # i: an int
    T = 5  # a tensor
    G = 6  # a graph
    INTS = 8
    TENSORS = 10
    GRAPHS = 11
    SPARSE_TENSOR = 22
    SPARSE_TENSORS = 23
    TYPE = 20  # AttributeType


class AttributeType(IntEnum):
    """``AttributeProto.AttributeType`` values the writer uses."""

    FLOAT = 1
    INT = 2
    INTS = 7


class TensorField(IntEnum):
    DIMS = 1
    DATA_TYPE = 2
    FLOAT_DATA = 4
    INT32_DATA = 5
    INT64_DATA = 7
    NAME = 8
    RAW_DATA = 9
    DOUBLE_DATA = 10
    UINT64_DATA = 11
    EXTERNAL_DATA = 13  # StringStringEntryProto: location, offset, length
    DATA_LOCATION = 14  # DataLocation: 1 = EXTERNAL


class SparseTensorField(IntEnum):
    VALUES = 1
    INDICES = 2
    DIMS = 3


class ValueInfoField(IntEnum):
    NAME = 1
    TYPE = 2  # TypeProto


class TypeField(IntEnum):
    """``TypeProto``, its ``Tensor``, ``TensorShapeProto`` and ``Dimension`` (each field 1 or 2)."""

    TENSOR_TYPE = 1  # TypeProto.tensor_type
    ELEM_TYPE = 1  # TypeProto.Tensor.elem_type
    SHAPE = 2  # TypeProto.Tensor.shape
    DIM = 1  # TensorShapeProto.dim
    DIM_VALUE = 1  # Dimension.dim_value
    DIM_PARAM = 2  # Dimension.dim_param


class EntryField(IntEnum):
    """``StringStringEntryProto``."""

    KEY = 1
    VALUE = 2


class DataType(IntEnum):
    """``TensorProto.DataType`` values the checks tell apart."""

    FLOAT = 1
    UINT8 = 2
    INT8 = 3
    UINT16 = 4
    INT16 = 5
    INT32 = 6
    INT64 = 7
    STRING = 8
    BOOL = 9
    FLOAT16 = 10
    DOUBLE = 11
    UINT32 = 12
    UINT64 = 13
    COMPLEX64 = 14
    COMPLEX128 = 15
    BFLOAT16 = 16


ONNX_DOMAIN_ALIASES = ("", "ai.onnx")  # two names of the standard operators' domain
DATA_LOCATION_EXTERNAL = 1
EXTERNAL_LOCATION_KEY = "location"  # the external_data entry naming the weights file
