"""Hostile ONNX models: a small corpus for the tests and ``lab.fuzz``.

Model files that once crashed, hung or cost gigabytes (NaN and infinite scores, Loops
that never end, tensors computed past the memory limit, external data pointing anywhere,
names that are not UTF-8, ...). :func:`hostile_models` writes them into a folder and
names each case by what it attacks; :data:`FAILS_ON_INK` lists those that load but must
never give a reading on ink.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from digitcanvas.model.info import META_DOUBT, META_OUTPUT, META_SCALE, META_STD, write_metadata
from lab.fuzz.linear_model import OPSET

_X = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])


# Models whose trouble starts on ink: their metadata names their input, output and "Not sure"
# threshold, so loading runs them only on a blank image and the run-time limits are what stop them.
ON_INK_ONLY = {META_SCALE: "1", META_OUTPUT: "logits", META_DOUBT: "0.8"}


def _model(
    path: Path,
    nodes: list[onnx.NodeProto],
    initializers: list[onnx.TensorProto] | None = None,
    *,
    outputs: list[onnx.ValueInfoProto] | None = None,
    metadata: dict[str, str] | None = None,
) -> Path:
    graph = helper.make_graph(
        nodes,
        path.stem,
        [_X],
        outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        initializers or [],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
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
    nodes = [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Slice", ["f", "s", "e", "a"], ["y10"])]
    initializers = [
        numpy_helper.from_array(np.array([0], np.int64), "s"),
        numpy_helper.from_array(np.array([10], np.int64), "e"),
        numpy_helper.from_array(np.array([1], np.int64), "a"),
    ]
    return nodes, initializers


NAN = [helper.make_node("Neg", ["s"], ["n"]), helper.make_node("Sqrt", ["n"], ["y"])]  # sqrt(-ink): NaN
MINUS_INF = [  # log(1 - ink) everywhere: -inf on full ink, so no finite logit is left
    helper.make_node("Sub", ["one", "m"], ["d"]),
    helper.make_node("Log", ["d"], ["l"]),
    helper.make_node("Mul", ["l", "ramp"], ["y"]),
]
PLUS_INF = [*MINUS_INF[:2], helper.make_node("Neg", ["l"], ["nl"]), helper.make_node("Mul", ["nl", "ramp"], ["y"])]
KINDS = {"logits": "logits", "probabilities": "probabilities", "scores": "scores"}

# Models that load (their blank-image probe is fine) but must never give a reading on ink.
FAILS_ON_INK = (
    *(f"{what} on ink ({kind})" for what in ("NaN", "-inf", "+inf") for kind in KINDS),
    "a ConstantOfShape computed from the ink",
    "a Loop that never ends on ink",
)


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


def hostile_models(folder: Path) -> dict[str, Path]:
    """Model files (paths in ``folder``) that once crashed, hung or cost gigabytes."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Path] = {}

    def add(name: str, build: Callable[[Path], Path]) -> None:
        cases[name] = build(folder / f"{len(cases):02d}.onnx")

    for what, tail in (("NaN", NAN), ("-inf", MINUS_INF), ("+inf", PLUS_INF)):
        for kind in KINDS:

            def ink(path: Path, tail: list[onnx.NodeProto] = tail, kind: str = kind) -> Path:
                nodes, initializers = _ink_scores(tail)
                return _model(path, nodes, initializers, metadata={META_SCALE: "1", META_OUTPUT: kind})

            add(f"{what} on ink ({kind})", ink)

    for name, element in (("a string output", TensorProto.STRING), ("a boolean output", TensorProto.BOOL)):

        def typed(path: Path, element: int = element) -> Path:
            nodes, initializers = _first_ten()
            nodes.append(helper.make_node("Cast", ["y10"], ["y"], to=element))
            return _model(path, nodes, initializers, outputs=[helper.make_tensor_value_info("y", element, ["N", 10])])

        add(name, typed)

        def untyped_shape(path: Path, element: int = element) -> Path:
            nodes, initializers = _first_ten()
            nodes.append(helper.make_node("Cast", ["y10"], ["y"], to=element))
            return _model(path, nodes, initializers, outputs=[helper.make_tensor_value_info("y", element, None)])

        add(name + " of no declared shape", untyped_shape)

    def loop(path: Path) -> Path:
        body = _passthrough_loop_body()
        nodes, initializers = _first_ten()
        nodes.append(helper.make_node("Loop", ["trips", "go", "y10"], ["y"], body=body))
        initializers += [
            numpy_helper.from_array(np.array(10**15, np.int64), "trips"),
            numpy_helper.from_array(np.array(True), "go"),
        ]
        return _model(path, nodes, initializers)

    add("a Loop of 10^15 iterations", loop)

    def loop_on_ink(path: Path) -> Path:
        # No iteration on a blank image (it loads), 10^15 on ink: only the run-time limit stops it.
        body = _passthrough_loop_body()
        nodes, initializers = _ink_scores([])
        nodes += [
            helper.make_node("ReduceMax", ["f"], ["peak"], keepdims=0),
            helper.make_node("Mul", ["peak", "many"], ["trips_f"]),
            helper.make_node("Cast", ["trips_f"], ["trips"], to=TensorProto.INT64),
            helper.make_node("Loop", ["trips", "go", "s"], ["y"], body=body),
        ]
        initializers += [
            numpy_helper.from_array(np.array(1e15, np.float32), "many"),
            numpy_helper.from_array(np.array(True), "go"),
        ]
        return _model(path, nodes, initializers, metadata=ON_INK_ONLY)

    add("a Loop that never ends on ink", loop_on_ink)

    def constant_of_shape(path: Path, shape: tuple[int, ...] = (40_000, 40_000)) -> Path:
        nodes, initializers = _first_ten()
        nodes += [
            helper.make_node("ConstantOfShape", ["shape"], ["big"], value=_zero()),
            helper.make_node("ReduceSum", ["big"], ["total"], keepdims=0),
            helper.make_node("Add", ["y10", "total"], ["y"]),
        ]
        initializers.append(numpy_helper.from_array(np.array(shape, np.int64), "shape"))
        return _model(path, nodes, initializers)

    add("a 40,000 × 40,000 ConstantOfShape", constant_of_shape)

    def computed_shape(path: Path) -> Path:
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

    add("a ConstantOfShape computed from the ink", computed_shape)

    def declared_huge(path: Path) -> Path:
        # An external initializer declaring 10^10 floats (its data file holds 40 bytes).
        nodes, initializers = _first_ten()
        nodes.append(helper.make_node("Identity", ["y10"], ["y"]))
        big = _external_tensor("w", [100_000, 100_000], "w.bin")
        (path.parent / "w.bin").write_bytes(b"\0" * 40)
        initializers.append(big)
        return _model(path, nodes, initializers)

    add("an initializer declaring 10^10 floats", declared_huge)

    for name, location in (
        ("external data at /etc/passwd", "/etc/passwd"),
        ("external data up ../..", "../../x.bin"),
        ("external data at /dev/zero", "/dev/zero"),
        ("external data that is a FIFO", "fifo.bin"),
        ("external data that is missing", "missing.bin"),
    ):

        def external(path: Path, location: str = location) -> Path:
            nodes, initializers = _first_ten()
            nodes.append(helper.make_node("Add", ["y10", "w"], ["y"]))
            initializers.append(_external_tensor("w", [10], location))
            if location == "fifo.bin" and not (path.parent / location).exists():
                os.mkfifo(path.parent / location)
            return _model(path, nodes, initializers)

        add(name, external)

    add("metadata that is not UTF-8", lambda p: _not_utf8(_model(p, *_identity(), metadata={"note": _MARK})))
    add("a graph name that is not UTF-8", lambda p: _not_utf8(_named_graph(p)))
    add(
        "an operator name that is not UTF-8",
        lambda p: _write(p, _bytes_of(_model(p, *_identity())).replace(b"Identity", b"Id\x98ntity")),
    )
    add("input_std of 1e-45", lambda p: _model(p, *_identity(), metadata={META_STD: "1e-45"}))
    add("input_std of NaN", lambda p: _model(p, *_identity(), metadata={META_STD: "nan"}))
    add("nine classes", lambda p: _nine_classes(p))
    add("empty file", lambda p: _write(p, b""))
    add("random bytes", lambda p: _write(p, np.random.default_rng(1).integers(0, 256, 2048, np.uint8).tobytes()))
    add("truncated", lambda p: _write(p, _bytes_of(_model(p, *_identity()))[:-40]))
    add("a folder", lambda p: _mkdir(p))
    add("a FIFO", lambda p: _mkfifo(p))
    add("subgraphs nested 20 deep", _nested_ifs)
    return cases


def _external_tensor(name: str, dims: list[int], location: str) -> onnx.TensorProto:
    tensor = TensorProto()
    tensor.name, tensor.data_type = name, TensorProto.FLOAT
    tensor.dims.extend(dims)
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", location
    return tensor


_MARK = "MARK-TO-BE-REPLACED"  # replaced in the file by as many bytes that are not UTF-8


def _not_utf8(path: Path) -> Path:
    data = path.read_bytes()
    assert _MARK.encode() in data
    path.write_bytes(data.replace(_MARK.encode(), b"\xff\xfe" * (len(_MARK) // 2) + b"\x98"))
    return path


def _named_graph(path: Path) -> Path:
    nodes, initializers = _identity()
    model = _model(path, nodes, initializers)
    proto = onnx.load(str(model))
    proto.graph.name = _MARK
    onnx.save(proto, str(model))
    return model


def _zero() -> onnx.TensorProto:
    return numpy_helper.from_array(np.zeros(1, np.float32))


def _identity() -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    nodes, initializers = _first_ten()
    nodes.append(helper.make_node("Identity", ["y10"], ["y"]))
    return nodes, initializers


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


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _bytes_of(path: Path) -> bytes:
    return path.read_bytes()


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _mkfifo(path: Path) -> Path:
    os.mkfifo(path)
    return path
