"""A tiny valid ONNX digit model: one linear layer, in any input layout people export.

``lab.fuzz`` mutates its bytes; the tests use it as a stand-in for a real export
(``tests/onnx_models.py`` builds the other kinds on the same weights). Needs ``onnx``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from digitcanvas.model.info import write_metadata

OPSET = 17  # the ONNX opset of every model the lab and the tests build
RNG_SEED = 7  # of the linear weights: every build is the same model
LAYOUT_SHAPES = {
    "NCHW": [1, 28, 28],
    "NHWC": [28, 28, 1],
    "NHW": [28, 28],
    "flat": [784],
}


def linear_weights() -> tuple[np.ndarray, np.ndarray]:
    """The linear model's weights (784, 10) and biases (10,), float32, the same on every call."""
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
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    if metadata:
        write_metadata(path, metadata)  # the app's own (and only) metadata writer
    return path
