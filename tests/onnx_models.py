"""Build tiny ONNX models with the onnx helper API, in every layout people export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
RNG_SEED = 7
LAYOUT_SHAPES = {
    "NCHW": [1, 28, 28],
    "NHWC": [28, 28, 1],
    "NHW": [28, 28],
    "flat": [784],
}


def linear_weights() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(RNG_SEED)
    return rng.normal(size=(784, 10)).astype(np.float32), rng.normal(size=10).astype(np.float32)


def make_linear_model(
    path: Path,
    *,
    layout: str = "NCHW",
    batch: int | str = "N",
    output: str = "logits",
    metadata: dict[str, str] | None = None,
    weights: tuple[np.ndarray, np.ndarray] | None = None,
    input_type: int = TensorProto.FLOAT,
    classes: int = 10,
) -> Path:
    """x → flatten → x·W + b → (softmax | log-softmax | identity)."""
    w, b = weights if weights is not None else linear_weights()
    w, b = w[:, :classes], b[:classes]
    nodes = []
    x_name = "x"
    if input_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT))
        x_name = "xf"
    nodes += [
        helper.make_node("Reshape", [x_name, "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "W"], ["mm"]),
        helper.make_node("Add", ["mm", "B"], ["logits"] if output == "logits" else ["z"]),
    ]
    if output == "probabilities":
        nodes.append(helper.make_node("Softmax", ["z"], ["logits"], axis=1))
    elif output == "log_probabilities":
        nodes.append(helper.make_node("LogSoftmax", ["z"], ["logits"], axis=1))
    initializers = [
        numpy_helper.from_array(np.array([-1, 784], dtype=np.int64), "flat_shape"),
        numpy_helper.from_array(w, "W"),
        numpy_helper.from_array(b, "B"),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", input_type, [batch, *LAYOUT_SHAPES[layout]])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, classes])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def reference_probabilities(images: np.ndarray, *, scale: float = 1, mean: float = 0, std: float = 1) -> np.ndarray:
    w, b = linear_weights()
    x = (images.reshape(len(images), 784).astype(np.float64) * scale - mean) / std
    z = x @ w + b
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def make_two_input_model(path: Path) -> Path:
    graph = helper.make_graph(
        [helper.make_node("Add", ["a", "b"], ["y"])],
        "two_inputs",
        [
            helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 10]),
            helper.make_tensor_value_info("b", TensorProto.FLOAT, ["N", 10]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def make_failing_model(path: Path) -> Path:
    """Declares (N, 1, 28, 28) → (N, 10) but gathers pixel 1000 of 784 when run."""
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["x"], ["flat"]), helper.make_node("Gather", ["flat", "idx"], ["y"], axis=1)],
        "fails_at_run",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(np.full(10, 1000, dtype=np.int64), "idx")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path
