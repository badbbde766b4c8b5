"""The compute-limit benchmark's multiply-add count (issue #26 item 15), on a model built here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")


def test_multiply_adds_count_each_convolution_and_the_dense_layer(tmp_path: Path) -> None:
    from onnx import TensorProto, helper, numpy_helper

    from lab.benchmark.compute_limit import multiply_adds

    weights = [
        numpy_helper.from_array(np.zeros((8, 1, 5, 5), np.float32), "w1"),  # 28x28x8 outputs of 25 each
        numpy_helper.from_array(np.zeros((16, 8, 3, 3), np.float32), "w2"),  # 14x14x16 of 72 each (stride 2)
        numpy_helper.from_array(np.zeros((16, 10), np.float32), "w3"),  # 16 -> 10
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["a"], pads=[2, 2, 2, 2]),
        helper.make_node("Conv", ["a", "w2"], ["b"], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["b"], ["c"]),
        helper.make_node("Flatten", ["c"], ["d"]),
        helper.make_node("MatMul", ["d", "w3"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        weights,
    )
    path = tmp_path / "tiny.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    assert multiply_adds(path) == 28 * 28 * 8 * 25 + 14 * 14 * 16 * 72 + 16 * 10
