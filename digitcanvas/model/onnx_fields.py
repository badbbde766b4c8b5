"""The field numbers of ``onnx.proto`` that DigitCanvas reads and writes, in one place. No Qt, no onnx.

The app walks model files itself (:mod:`.proto`) to check them before onnxruntime opens
them (:mod:`.file_check`), to list their graph (:mod:`.graph`) and to write metadata
(:mod:`.info`), so it names the few fields of each message it needs here, as ``onnx.proto``
numbers them.
"""

from __future__ import annotations

from enum import IntEnum


class ModelField(IntEnum):
    GRAPH = 7
    METADATA_PROPS = 14  # StringStringEntryProto
    FUNCTIONS = 25  # model-local FunctionProto


class FunctionField(IntEnum):
    """``FunctionProto``: a model-local function, which onnxruntime inlines at each call."""

    NAME = 1  # a node calls it with this op_type ...
    NODE = 7
    DOMAIN = 10  # ... in this domain ...
    ATTRIBUTE_PROTO = 11  # attributes' default values (AttributeProto), copied into each call
    OVERLOAD = 13  # ... and this overload


class GraphField(IntEnum):
    NODE = 1
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
    T = 5  # a tensor
    G = 6  # a graph
    INTS = 8
    TENSORS = 10
    GRAPHS = 11
    SPARSE_TENSOR = 22
    SPARSE_TENSORS = 23


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
