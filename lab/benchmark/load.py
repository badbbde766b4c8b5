"""How long loading a model takes when DigitCanvas must detect its input convention.

    python -m lab.benchmark.load [MODEL.onnx ...] [--runs 7]

Without arguments it builds a 3.2 MB MLP (784-1024-10) and a 4.8 MB CNN shaped like
pytorch/examples' MNIST net (two 3×3 convolutions of 32 and 64 channels, 9216-128-10),
float32, random weights and no metadata: every load runs detection on the reference
digits, and with random weights every convention ties, so detection runs the most presets
it ever runs (the worst case). It also times the bundled model (whose metadata declares
its input, so it skips detection). Prints the median wall time of
``Classifier(path)`` (session, checks, detection, output kind) per model. Target: under
0.5 s for a model of a few MB.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from digitcanvas.model.classifier import Classifier, bundled_model_path

HIDDEN = 1024
SEED = 5


def make_mlp(path: Path) -> Path:
    from onnx import helper, numpy_helper

    rng = np.random.default_rng(SEED)
    weights = [
        numpy_helper.from_array(rng.normal(0, 0.05, (784, HIDDEN)).astype(np.float32), "W1"),
        numpy_helper.from_array(np.zeros(HIDDEN, np.float32), "B1"),
        numpy_helper.from_array(rng.normal(0, 0.05, (HIDDEN, 10)).astype(np.float32), "W2"),
        numpy_helper.from_array(np.zeros(10, np.float32), "B2"),
        numpy_helper.from_array(np.array([-1, 784], np.int64), "flat"),
    ]
    nodes = [
        helper.make_node("Reshape", ["x", "flat"], ["f"]),
        helper.make_node("Gemm", ["f", "W1", "B1"], ["h0"]),
        helper.make_node("Relu", ["h0"], ["h"]),
        helper.make_node("Gemm", ["h", "W2", "B2"], ["y"]),
    ]
    return _save(path, "mlp", nodes, weights)


def make_cnn(path: Path) -> Path:
    import onnx
    from onnx import helper, numpy_helper

    rng = np.random.default_rng(SEED)

    def weight(name: str, *shape: int) -> onnx.TensorProto:
        fan_in = int(np.prod(shape[1:]))
        return numpy_helper.from_array(rng.normal(0, 1 / np.sqrt(fan_in), shape).astype(np.float32), name)

    weights = [
        weight("C1", 32, 1, 3, 3),
        weight("C2", 64, 32, 3, 3),
        weight("W1", 128, 9216),
        weight("W2", 10, 128),
        numpy_helper.from_array(np.zeros(128, np.float32), "B1"),
        numpy_helper.from_array(np.zeros(10, np.float32), "B2"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "C1"], ["c1"]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "C2"], ["c2"]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "W1", "B1"], ["h0"], transB=1),
        helper.make_node("Relu", ["h0"], ["h"]),
        helper.make_node("Gemm", ["h", "W2", "B2"], ["z"], transB=1),
        helper.make_node("LogSoftmax", ["z"], ["y"], axis=1),
    ]
    return _save(path, "cnn", nodes, weights)


def _save(path: Path, name: str, nodes: list[Any], weights: list[Any]) -> Path:
    """A graph from image ``x`` (N, 1, 28, 28) to scores ``y`` (N, 10), saved at ``path``."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def time_load(path: Path, runs: int) -> tuple[float, str]:
    times = []
    classifier = None
    for _ in range(runs):
        started = time.perf_counter()
        classifier = Classifier(path)
        times.append(time.perf_counter() - started)
    assert classifier is not None
    return statistics.median(times), classifier.input_source


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.benchmark.load", description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", metavar="MODEL")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        models = [Path(m) for m in args.models] or [
            make_mlp(Path(tmp) / "mlp-3mb.onnx"),
            make_cnn(Path(tmp) / "cnn-5mb.onnx"),
            bundled_model_path(),
        ]
        Classifier(models[0])  # warm up onnxruntime's import and the reference digits
        for model in models:
            median, source = time_load(model, args.runs)
            size = model.stat().st_size / 1e6
            print(f"{model.name}: {size:.1f} MB, input {source}: load {median * 1000:.0f} ms (median of {args.runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
