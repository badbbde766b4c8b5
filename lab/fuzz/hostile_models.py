"""Hostile ONNX models: a small corpus for the tests and ``lab.fuzz``.

Model files that once crashed, hung or cost gigabytes (NaN and infinite scores, Loops
that never end, tensors computed past the memory limit, external data pointing anywhere,
names that are not UTF-8, protobuf that hides a model from the check, function calls
that multiply, ...). :data:`BUILDERS` names each case by what it attacks and says how to
write it; :func:`hostile_models` writes them all into a folder; :data:`FAILS_ON_INK` lists
those that load but must never give a reading on ink.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from digitcanvas.model.info import META_DOUBT, META_OUTPUT, META_SCALE, META_STD, write_metadata
from lab.fuzz import proto_bombs as bombs
from lab.fuzz.linear_model import OPSET, make_linear_model

_X = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])
_LOCAL = "local.functions"  # the domain of the model-local functions built here

Builder = Callable[[Path], Path]  # writes one case at the path given; returns the path to load

# Models whose trouble starts on ink: their metadata names their input, output and "Not sure"
# threshold, so loading runs them only on a blank image and the run-time limits are what stop them.
ON_INK_ONLY = {META_SCALE: "1", META_OUTPUT: "logits", META_DOUBT: "0.8"}
KINDS = ("logits", "probabilities", "scores")
NEEDS_954_MB = (250_000_000,)  # a ConstantOfShape of this constant shape: 954 MB of floats (issue #27)
FOLDED_SHAPE = (16_000, 10_000)  # 640 MB of floats, made by a Concat: over the 512 MB run arena


def _model(
    path: Path,
    nodes: list[onnx.NodeProto],
    initializers: list[onnx.TensorProto] | None = None,
    *,
    outputs: list[onnx.ValueInfoProto] | None = None,
    metadata: dict[str, str] | None = None,
    functions: list[onnx.FunctionProto] | None = None,
    opsets: dict[str, int] | None = None,
) -> Path:
    graph = helper.make_graph(
        nodes,
        path.stem,
        [_X],
        outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        initializers or [],
    )
    imports = [helper.make_opsetid(domain, version) for domain, version in {"": OPSET, **(opsets or {})}.items()]
    model = helper.make_model(graph, opset_imports=imports, functions=functions or [])
    model.ir_version = 8
    onnx.save(model, str(path))
    if metadata:
        write_metadata(path, metadata)
    return path


def _ink_scores(tail: list[onnx.NodeProto]) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    """``s`` = (N, 10) scores growing with the brightest pixel: 0 on a blank image, then ``tail``."""
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"]),
        helper.make_node("ReduceMax", ["f"], ["m"], axes=[1], keepdims=1),
        helper.make_node("Mul", ["m", "ramp"], ["s"]),
        *tail,
    ]
    initializers = [
        numpy_helper.from_array(np.linspace(0.5, 1.0, 10, dtype=np.float32).reshape(1, 10), "ramp"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
    ]
    return nodes, initializers


def _first_ten() -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    """``y10`` = the first ten pixels of each image, (N, 10)."""
    nodes = [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Slice", ["f", "s", "e", "a"], ["y10"])]
    initializers = [
        numpy_helper.from_array(np.array([0], np.int64), "s"),
        numpy_helper.from_array(np.array([10], np.int64), "e"),
        numpy_helper.from_array(np.array([1], np.int64), "a"),
    ]
    return nodes, initializers


def _identity() -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    nodes, initializers = _first_ten()
    nodes.append(helper.make_node("Identity", ["y10"], ["y"]))
    return nodes, initializers


def _plain(path: Path) -> Path:
    """A model that loads: its scores are the first ten pixels."""
    return _model(path, *_identity())


NAN = [helper.make_node("Neg", ["s"], ["n"]), helper.make_node("Sqrt", ["n"], ["y"])]  # sqrt(-ink): NaN
MINUS_INF = [  # log(1 - ink) everywhere: -inf on full ink, so no finite logit is left
    helper.make_node("Sub", ["one", "m"], ["d"]),
    helper.make_node("Log", ["d"], ["l"]),
    helper.make_node("Mul", ["l", "ramp"], ["y"]),
]
PLUS_INF = [*MINUS_INF[:2], helper.make_node("Neg", ["l"], ["nl"]), helper.make_node("Mul", ["nl", "ramp"], ["y"])]
INK_TAILS = {"NaN": NAN, "-inf": MINUS_INF, "+inf": PLUS_INF}

# Models that load (their blank-image probe is fine) but must never give a reading on ink.
FAILS_ON_INK = (
    *(f"{what} on ink ({kind})" for what in INK_TAILS for kind in KINDS),
    "a ConstantOfShape computed from the ink",
    "a Loop that never ends on ink",
)


# --- first round (issue #14) ----------------------------------------------------------------------


def _bad_on_ink(tail: list[onnx.NodeProto], kind: str, path: Path) -> Path:
    nodes, initializers = _ink_scores(tail)
    return _model(path, nodes, initializers, metadata={META_SCALE: "1", META_OUTPUT: kind})


def _typed_output(element: int, shape: list[int | str] | None, path: Path) -> Path:
    nodes, initializers = _first_ten()
    nodes.append(helper.make_node("Cast", ["y10"], ["y"], to=element))
    return _model(path, nodes, initializers, outputs=[helper.make_tensor_value_info("y", element, shape)])


def _passthrough_loop_body() -> onnx.GraphProto:
    """A Loop body that passes its condition and value through: it runs as long as it is told."""
    return helper.make_graph(
        [helper.make_node("Identity", ["c_in"], ["c_out"]), helper.make_node("Identity", ["v_in"], ["v_out"])],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("c_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_in", TensorProto.FLOAT, None),
        ],
        [
            helper.make_tensor_value_info("c_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_out", TensorProto.FLOAT, None),
        ],
    )


def _endless_loop(path: Path) -> Path:
    nodes, initializers = _first_ten()
    nodes.append(helper.make_node("Loop", ["trips", "go", "y10"], ["y"], body=_passthrough_loop_body()))
    initializers += [
        numpy_helper.from_array(np.array(10**15, np.int64), "trips"),
        numpy_helper.from_array(np.array(True), "go"),
    ]
    return _model(path, nodes, initializers)


def _endless_loop_on_ink(path: Path) -> Path:
    # No iteration on a blank image (it loads), 10^15 on ink: only the run-time limit stops it.
    nodes, initializers = _ink_scores([])
    nodes += [
        helper.make_node("ReduceMax", ["f"], ["peak"], keepdims=0),
        helper.make_node("Mul", ["peak", "many"], ["trips_f"]),
        helper.make_node("Cast", ["trips_f"], ["trips"], to=TensorProto.INT64),
        helper.make_node("Loop", ["trips", "go", "s"], ["y"], body=_passthrough_loop_body()),
    ]
    initializers += [
        numpy_helper.from_array(np.array(1e15, np.float32), "many"),
        numpy_helper.from_array(np.array(True), "go"),
    ]
    return _model(path, nodes, initializers, metadata=ON_INK_ONLY)


def _zero() -> onnx.TensorProto:
    return numpy_helper.from_array(np.zeros(1, np.float32))


def _constant_of_shape(shape: tuple[int, ...], path: Path) -> Path:
    """A ConstantOfShape of a constant ``shape``, summed into the scores."""
    nodes, initializers = _first_ten()
    nodes += [
        helper.make_node("ConstantOfShape", ["shape"], ["big"], value=_zero()),
        helper.make_node("ReduceSum", ["big"], ["total"], keepdims=0),
        helper.make_node("Add", ["y10", "total"], ["y"]),
    ]
    initializers.append(numpy_helper.from_array(np.array(shape, np.int64), "shape"))
    return _model(path, nodes, initializers)


def _computed_shape(path: Path) -> Path:
    # The shape is computed from the input (1 + 10^9 × ink), so no static check can size it:
    # the bounded arena refuses it when it runs on ink.
    nodes, initializers = _ink_scores([])
    nodes += [
        helper.make_node("ReduceMax", ["f"], ["peak"], keepdims=0),
        helper.make_node("Mul", ["peak", "billion"], ["count_f"]),
        helper.make_node("Add", ["count_f", "one"], ["count_1"]),
        helper.make_node("Cast", ["count_1"], ["count"], to=TensorProto.INT64),
        helper.make_node("Reshape", ["count", "one_dim"], ["shape"]),
        helper.make_node("ConstantOfShape", ["shape"], ["big"], value=_zero()),
        helper.make_node("ReduceSum", ["big"], ["total"], keepdims=0),
        helper.make_node("Add", ["s", "total"], ["y"]),
    ]
    initializers += [
        numpy_helper.from_array(np.array(1e9, np.float32), "billion"),
        numpy_helper.from_array(np.array([1], np.int64), "one_dim"),
    ]
    return _model(path, nodes, initializers, metadata=ON_INK_ONLY)


def _external_tensor(name: str, dims: list[int], location: str) -> onnx.TensorProto:
    tensor = TensorProto()
    tensor.name, tensor.data_type = name, TensorProto.FLOAT
    tensor.dims.extend(dims)
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", location
    return tensor


def _external_weights(dims: list[int], data_bytes: int, path: Path) -> Path:
    """An initializer of ``dims`` floats in a file beside the model, which holds ``data_bytes``
    bytes (zeros, sparse: no disk is used)."""
    nodes, initializers = _first_ten()
    nodes += [
        helper.make_node("ReduceSum", ["w"], ["total"], keepdims=0),
        helper.make_node("Add", ["y10", "total"], ["y"]),
    ]
    weights = path.with_suffix(".bin")
    initializers.append(_external_tensor("w", dims, weights.name))
    with weights.open("wb") as file:
        file.truncate(data_bytes)
    return _model(path, nodes, initializers)


def _external_at(location: str, path: Path) -> Path:
    nodes, initializers = _first_ten()
    nodes.append(helper.make_node("Add", ["y10", "w"], ["y"]))
    initializers.append(_external_tensor("w", [10], location))
    if location == "fifo.bin" and not (path.parent / location).exists():
        os.mkfifo(path.parent / location)
    return _model(path, nodes, initializers)


_MARK = "MARK-TO-BE-REPLACED"  # replaced in the file by as many bytes that are not UTF-8


def _not_utf8(path: Path) -> Path:
    data = path.read_bytes()
    assert _MARK.encode() in data
    path.write_bytes(data.replace(_MARK.encode(), b"\xff\xfe" * (len(_MARK) // 2) + b"\x98"))
    return path


def _metadata_not_utf8(path: Path) -> Path:
    return _not_utf8(_model(path, *_identity(), metadata={"note": _MARK}))


def _graph_name_not_utf8(path: Path) -> Path:
    model = _model(path, *_identity())
    proto = onnx.load(str(model))
    proto.graph.name = _MARK
    onnx.save(proto, str(model))
    return _not_utf8(model)


def _operator_not_utf8(path: Path) -> Path:
    return _write(_model(path, *_identity()).read_bytes().replace(b"Identity", b"Id\x98ntity"), path)


def _input_std(value: str, path: Path) -> Path:
    return _model(path, *_identity(), metadata={META_STD: value})


def _nine_classes(path: Path) -> Path:
    nodes, initializers = _first_ten()
    initializers[1] = numpy_helper.from_array(np.array([9], np.int64), "e")
    nodes.append(helper.make_node("Identity", ["y10"], ["y"]))
    return _model(path, nodes, initializers, outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 9])])


def _nested_ifs(path: Path, depth: int = 20) -> Path:
    out = helper.make_tensor_value_info("v", TensorProto.FLOAT, [1])
    one = helper.make_node("Constant", [], ["v"], value=numpy_helper.from_array(np.ones(1, np.float32)))
    branch = helper.make_graph([one], "leaf", [], [out])
    leaf = branch
    for level in range(depth):  # each level nests the last in its then-branch (not both: 2^depth)
        node = helper.make_node("If", ["cond"], ["v"], then_branch=branch, else_branch=leaf)
        branch = helper.make_graph([node], f"level{level}", [], [out])
    nodes, initializers = _first_ten()
    nodes += [helper.make_node("If", ["cond"], ["v"], then_branch=branch, else_branch=leaf)]
    nodes += [helper.make_node("Add", ["y10", "v"], ["y"])]
    initializers.append(numpy_helper.from_array(np.array(True), "cond"))
    return _model(path, nodes, initializers)


def _write(data: bytes, path: Path) -> Path:
    path.write_bytes(data)
    return path


def _random_bytes(path: Path) -> Path:
    return _write(np.random.default_rng(1).integers(0, 256, 2048, np.uint8).tobytes(), path)


def _truncated(path: Path) -> Path:
    return _write(_model(path, *_identity()).read_bytes()[:-40], path)


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _mkfifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# --- second round (issue #27) ---------------------------------------------------------------------


def _around(before: bytes, after: bytes, build: Builder, path: Path) -> Path:
    """The case ``build`` writes, with ``before`` and ``after`` around its bytes."""
    return bombs.with_bytes(build(path), before=before, after=after)


def _edited(edit: Callable[[Path], Path], build: Builder, path: Path) -> Path:
    return edit(build(path))


def _extra_graph_fields(extra: Callable[[], bytes], path: Path) -> Path:
    """A model reading the first ten pixels, with the fields ``extra()`` writes added to its graph."""
    return bombs.with_graph_fields(_plain(path), extra())


def _folded_constant(path: Path) -> Path:
    """A ConstantOfShape whose shape is a Concat of constants: constant folding at session
    creation would compute it (640 MB) outside every bound."""
    nodes, initializers = _first_ten()
    nodes += [
        helper.make_node("Concat", ["rows", "columns"], ["shape"], axis=0),
        helper.make_node("ConstantOfShape", ["shape"], ["big"], value=numpy_helper.from_array(np.ones(1, np.float32))),
        helper.make_node("ReduceSum", ["big"], ["total"], keepdims=0),
        helper.make_node("Add", ["y10", "total"], ["y"]),
    ]
    rows, columns = FOLDED_SHAPE
    initializers += [
        numpy_helper.from_array(np.array([rows], np.int64), "rows"),
        numpy_helper.from_array(np.array([columns], np.int64), "columns"),
    ]
    return _model(path, nodes, initializers)


def _function(name: str, nodes: list[onnx.NodeProto]) -> onnx.FunctionProto:
    return helper.make_function(
        _LOCAL, name, ["i"], ["o"], nodes, [helper.make_opsetid("", OPSET), helper.make_opsetid(_LOCAL, 1)]
    )


def _call(name: str, inputs: list[str], outputs: list[str]) -> onnx.NodeProto:
    return helper.make_node(name, inputs, outputs, domain=_LOCAL)


def doubling_functions(levels: int, path: Path) -> Path:
    """Functions f0 (one Relu) ... f<levels>, each calling the one below twice: the graph's one
    call of the top one is 2^levels Relu nodes once onnxruntime has inlined it."""
    functions = [_function("f0", [helper.make_node("Relu", ["i"], ["o"])])]
    for level in range(1, levels + 1):
        below = f"f{level - 1}"
        functions.append(_function(f"f{level}", [_call(below, ["i"], ["t"]), _call(below, ["t"], ["o"])]))
    nodes, initializers = _first_ten()
    nodes.append(_call(f"f{levels}", ["y10"], ["y"]))
    return _model(path, nodes, initializers, functions=functions, opsets={_LOCAL: 1})


def _recursive_function(path: Path) -> Path:
    """A function that calls itself (through a second one)."""
    functions = [_function("ping", [_call("pong", ["i"], ["o"])]), _function("pong", [_call("ping", ["i"], ["o"])])]
    nodes, initializers = _first_ten()
    nodes.append(_call("ping", ["y10"], ["y"]))
    return _model(path, nodes, initializers, functions=functions, opsets={_LOCAL: 1})


def _fixed_batch(batch: int, path: Path) -> Path:
    return make_linear_model(path, batch=batch)


def _zipmap(labels: list[int] | list[str], path: Path) -> Path:
    """skl2onnx's output: a ZipMap of probabilities, here mapping ``labels`` (not the digits)."""
    nodes, initializers = _first_ten()
    strings = isinstance(labels[0], str)
    key_type = TensorProto.STRING if strings else TensorProto.INT64
    attribute = "classlabels_strings" if strings else "classlabels_int64s"
    nodes += [
        helper.make_node("Softmax", ["y10"], ["p"], axis=1),
        helper.make_node("ZipMap", ["p"], ["y"], domain="ai.onnx.ml"),
    ]
    nodes[-1].attribute.append(helper.make_attribute(attribute, labels))
    maps = helper.make_sequence_type_proto(
        helper.make_map_type_proto(key_type, helper.make_tensor_type_proto(TensorProto.FLOAT, []))
    )
    return _model(path, nodes, initializers, outputs=[helper.make_value_info("y", maps)], opsets={"ai.onnx.ml": 1})


# --- the corpus -----------------------------------------------------------------------------------

_EXTERNAL_LOCATIONS = {
    "external data at /etc/passwd": "/etc/passwd",
    "external data up ../..": "../../x.bin",
    "external data at /dev/zero": "/dev/zero",
    "external data that is a FIFO": "fifo.bin",
    "external data that is missing": "missing.bin",
}
_NEEDS_954_MB: Builder = partial(_constant_of_shape, NEEDS_954_MB)
_ONE_GB_OF_WEIGHTS: Builder = partial(_external_weights, [2**28], 2**30)  # 2^28 floats, in a sparse 1 GiB file

BUILDERS: dict[str, Builder] = {
    **{
        f"{what} on ink ({kind})": partial(_bad_on_ink, tail, kind)
        for what, tail in INK_TAILS.items()
        for kind in KINDS
    },
    "a string output": partial(_typed_output, TensorProto.STRING, ["N", 10]),
    "a string output of no declared shape": partial(_typed_output, TensorProto.STRING, None),
    "a boolean output": partial(_typed_output, TensorProto.BOOL, ["N", 10]),
    "a boolean output of no declared shape": partial(_typed_output, TensorProto.BOOL, None),
    "a Loop of 10^15 iterations": _endless_loop,
    "a Loop that never ends on ink": _endless_loop_on_ink,
    "a 40,000 × 40,000 ConstantOfShape": partial(_constant_of_shape, (40_000, 40_000)),
    "a ConstantOfShape computed from the ink": _computed_shape,
    "an initializer declaring 10^10 floats": partial(_external_weights, [100_000, 100_000], 40),
    **{name: partial(_external_at, location) for name, location in _EXTERNAL_LOCATIONS.items()},
    "metadata that is not UTF-8": _metadata_not_utf8,
    "a graph name that is not UTF-8": _graph_name_not_utf8,
    "an operator name that is not UTF-8": _operator_not_utf8,
    "input_std of 1e-45": partial(_input_std, "1e-45"),
    "input_std of NaN": partial(_input_std, "nan"),
    "nine classes": _nine_classes,
    "empty file": partial(_write, b""),
    "random bytes": _random_bytes,
    "truncated": _truncated,
    "a folder": _mkdir,
    "a FIFO": _mkfifo,
    "subgraphs nested 20 deep": _nested_ifs,
    # 1. protobuf that onnxruntime reads and a naive check does not
    "an empty group before a model needing 954 MB": partial(_around, bombs.EMPTY_GROUP, b"", _NEEDS_954_MB),
    "an empty group after a model needing 954 MB": partial(_around, b"", bombs.EMPTY_GROUP, _NEEDS_954_MB),
    "nested groups before a model needing 954 MB": partial(_around, bombs.GROUP_WITH_FIELDS, b"", _NEEDS_954_MB),
    "an empty group before 1 GB of external weights": partial(_around, bombs.EMPTY_GROUP, b"", _ONE_GB_OF_WEIGHTS),
    "an empty group before 100,000 nodes": partial(
        _around, bombs.EMPTY_GROUP, b"", partial(_extra_graph_fields, partial(bombs.relu_nodes, 100_000))
    ),
    "a graph behind a tag with bit 32 set": partial(
        _edited, partial(bombs.with_graph_tag, tag=bombs.GRAPH_TAG_HIGH_BITS), _NEEDS_954_MB
    ),
    "a graph written in two parts": partial(_edited, bombs.with_graph_split, _NEEDS_954_MB),
    "groups nested 101 deep": partial(_around, bombs.GROUPS_TOO_DEEP, b"", _plain),
    "the end of a group never started": partial(_around, bombs.STRAY_GROUP_END, b"", _NEEDS_954_MB),
    # 2. constant folding at session creation
    "a ConstantOfShape of a Concat of constants": _folded_constant,
    # 3. model-local functions, inlined at each call
    "functions nested 30 deep, each calling the next twice": partial(doubling_functions, 30),
    "a function that calls itself": _recursive_function,
    # 4. and 5. dims and fields in numbers no walk should follow
    "an initializer of 17 dims of 2^62": partial(_extra_graph_fields, partial(bombs.many_dims_initializer, 17, 2**62)),
    "an initializer of 100,000 dims": partial(_extra_graph_fields, partial(bombs.many_dims_initializer, 100_000, 2)),
    "10,000,000 unknown fields": partial(_around, b"", bombs.UNKNOWN_FIELD * 10_000_000, _plain),
    "a fixed batch of 10^12": partial(_fixed_batch, 10**12),
    "a fixed batch of 2^62": partial(_fixed_batch, 2**62),
    # 6. and 7. session creation and padding within the old limits
    "50,000 initializers": partial(_extra_graph_fields, partial(bombs.scalar_initializers, 50_000)),
    "a tensor of 10,000,000 one-byte strings": partial(_extra_graph_fields, partial(bombs.string_initializer, 10**7)),
    "a tensor of 200,000 strings": partial(_extra_graph_fields, partial(bombs.string_initializer, 200_000)),
    "a fixed batch of 10^6": partial(_fixed_batch, 10**6),
    # 11. probabilities for other labels than the digits
    "a ZipMap of the labels 10 to 19": partial(_zipmap, list(range(10, 20))),
    "a ZipMap of the labels a to j": partial(_zipmap, list("abcdefghij")),
}


def hostile_models(folder: Path) -> dict[str, Path]:
    """Model files (paths in ``folder``) that once crashed, hung or cost gigabytes, by case name."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: build(folder / f"{index:03d}.onnx") for index, (name, build) in enumerate(BUILDERS.items())}
