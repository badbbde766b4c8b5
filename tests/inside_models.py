"""Tiny ONNX models whose insides are known, for the inside view's tests.

Every model declares its input scaling and output kind in its metadata, so loading runs
no detection on the reference digits, and each is built with the onnx helper API.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from digitcanvas.model.info import META_OUTPUT, META_SCALE, write_metadata
from digitcanvas.model.shapes import FIELD
from lab.fuzz.linear_model import OPSET

HALF = FIELD // 2
SEED = 11
CONV_CHANNELS = 4
KERNEL = 3


def _save(path: Path, nodes: list, inputs: list, initializers: list, *, kind: str = "logits") -> Path:
    """Save the graph (output ``logits``, (N, 10)) with metadata naming its scaling and ``kind``."""
    graph = helper.make_graph(
        nodes, "inside", inputs, [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], initializers
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    write_metadata(path, {META_SCALE: "1", META_OUTPUT: kind})
    return path


def _tensor(array: np.ndarray, name: str) -> onnx.TensorProto:
    return numpy_helper.from_array(array, name)


def conv_weights() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(W (4, 1, 3, 3), b (4,), dense (784·4, 10), dense bias (10,)), float32."""
    rng = np.random.default_rng(SEED)
    return (
        rng.normal(size=(CONV_CHANNELS, 1, KERNEL, KERNEL)).astype(np.float32),
        rng.normal(size=CONV_CHANNELS).astype(np.float32),
        (rng.normal(size=(FIELD * FIELD * CONV_CHANNELS, 10)) * 0.05).astype(np.float32),
        rng.normal(size=10).astype(np.float32),
    )


def make_left_half_model(path: Path, weights: np.ndarray | None = None) -> Path:
    """x (N, 1, 28, 28) → Slice: columns 0-13 only → flatten → MatMul (392, 10) + b.

    The right half never reaches the output, so its saliency must be exactly zero.
    """
    w = weights if weights is not None else np.random.default_rng(SEED).normal(size=(FIELD * HALF, 10))
    nodes = [
        helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["left"], name="left_half"),
        helper.make_node("Reshape", ["left", "flat_shape"], ["flat"], name="flatten"),
        helper.make_node("MatMul", ["flat", "W"], ["mm"], name="dense"),
        helper.make_node("Add", ["mm", "B"], ["logits"], name="bias"),
    ]
    initializers = [
        _tensor(np.array([0], np.int64), "starts"),
        _tensor(np.array([HALF], np.int64), "ends"),
        _tensor(np.array([3], np.int64), "axes"),
        _tensor(np.array([-1, FIELD * HALF], np.int64), "flat_shape"),
        _tensor(np.asarray(w, np.float32), "W"),
        _tensor(np.zeros(10, np.float32), "B"),
    ]
    return _save(
        path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, FIELD, FIELD])], initializers
    )


def make_pixel_weights_model(path: Path, weights: np.ndarray) -> Path:
    """x (N, 1, 28, 28) → flatten → MatMul with ``weights`` (784, 10): logits linear in the pixels."""
    nodes = [
        helper.make_node("Reshape", ["x", "flat_shape"], ["flat"], name="flatten"),
        helper.make_node("MatMul", ["flat", "W"], ["logits"], name="dense"),
    ]
    initializers = [
        _tensor(np.array([-1, FIELD * FIELD], np.int64), "flat_shape"),
        _tensor(np.asarray(weights, np.float32), "W"),
    ]
    return _save(
        path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, FIELD, FIELD])], initializers
    )


def make_conv_model(path: Path) -> Path:
    """PyTorch-style NCHW: Conv 3×3 (pad 1) → Relu → the flatten shape computed by
    Shape / Gather / Unsqueeze / Concat (bookkeeping, not layers) → Reshape → Gemm whose
    bias is a ``Constant`` node (as older exporters write it) → logits."""
    w, b, dense, dense_bias = conv_weights()
    nodes = [
        helper.make_node("Conv", ["x", "W", "b"], ["conv"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"], name="relu1"),
        helper.make_node("Shape", ["relu"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], name="batch", axis=0),
        helper.make_node("Unsqueeze", ["batch", "zero"], ["batch1"], name="unsqueeze"),
        helper.make_node("Concat", ["batch1", "minus_one"], ["flat_shape"], name="concat", axis=0),
        helper.make_node("Reshape", ["relu", "flat_shape"], ["flat"], name="flatten"),
        helper.make_node("Constant", [], ["fc_bias"], name="fc_bias", value=_tensor(dense_bias, "fc_bias_value")),
        helper.make_node("Gemm", ["flat", "fc_W", "fc_bias"], ["logits"], name="fc"),
    ]
    initializers = [
        _tensor(w, "W"),
        _tensor(b, "b"),
        _tensor(np.array(0, np.int64), "zero"),
        _tensor(np.array([-1], np.int64), "minus_one"),
        _tensor(dense, "fc_W"),
    ]
    return _save(
        path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, FIELD, FIELD])], initializers
    )


def make_keras_model(path: Path) -> Path:
    """Keras-style NHWC as tf2onnx writes it: x (N, 28, 28, 1) → Transpose to NCHW → Conv
    → Relu → Transpose back to NHWC → Reshape → MatMul → Add → Softmax (probabilities)."""
    w, b, dense, dense_bias = conv_weights()
    nodes = [
        helper.make_node("Transpose", ["x"], ["x_nchw"], name="to_nchw", perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["x_nchw", "W", "b"], ["conv"], name="conv2d", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv"], ["relu"], name="conv2d/Relu"),
        helper.make_node("Transpose", ["relu"], ["relu_nhwc"], name="to_nhwc", perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["relu_nhwc", "flat_shape"], ["flat"], name="flatten"),
        helper.make_node("MatMul", ["flat", "dense_W"], ["mm"], name="dense/MatMul"),
        helper.make_node("Add", ["mm", "dense_b"], ["z"], name="dense/BiasAdd"),
        helper.make_node("Softmax", ["z"], ["logits"], name="dense/Softmax", axis=1),
    ]
    # The dense weights read NHWC order (h, w, c): permute the NCHW-ordered rows to match.
    nhwc_rows = np.arange(FIELD * FIELD * CONV_CHANNELS).reshape(CONV_CHANNELS, FIELD, FIELD).transpose(1, 2, 0).ravel()
    initializers = [
        _tensor(w, "W"),
        _tensor(b, "b"),
        _tensor(np.array([-1, FIELD * FIELD * CONV_CHANNELS], np.int64), "flat_shape"),
        _tensor(dense[nhwc_rows], "dense_W"),
        _tensor(dense_bias, "dense_b"),
    ]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", FIELD, FIELD, 1])]
    return _save(path, nodes, inputs, initializers, kind="probabilities")


def numpy_conv(image: np.ndarray) -> np.ndarray:
    """The conv models' first layer computed here, in numpy: (4, 28, 28) float64 for one
    (28, 28) image (cross-correlation, zero padding of 1, as ONNX Conv defines it)."""
    w, b, _, _ = conv_weights()
    padded = np.pad(np.asarray(image, np.float64), 1)
    out = np.zeros((CONV_CHANNELS, FIELD, FIELD))
    for c in range(CONV_CHANNELS):
        for dy in range(KERNEL):
            for dx in range(KERNEL):
                out[c] += w[c, 0, dy, dx] * padded[dy : dy + FIELD, dx : dx + FIELD]
        out[c] += b[c]
    return out
