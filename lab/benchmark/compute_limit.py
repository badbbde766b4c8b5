"""How close a network runs to this CPU's compute limit (issue #26 item 15), printed, not asserted.

    python -m lab.benchmark.compute_limit [--model PATH ...] [--runs N]

The *compute limit* of a network is the time its multiply-adds would take at the best rate
onnxruntime reaches on this CPU, on one thread, for convolutions: the rate is measured
here on single 3 × 3 convolutions whose channels are multiples of 16 (32, 64, 128 and
48, 96, 192) on 28 × 28 and 14 × 14 maps, one image at a time, as the app reads. The
figure printed is the network's own time for one image (one thread) over its limit:
1.0 would be every layer at the best rate; layout conversions between layers, small
layers and channel counts the kernels handle badly push it up.

Times are the fastest of ``--runs`` rounds of 200 runs each (the least disturbed by other
load), the convolutions and the networks taking turns round by round; run it on an
otherwise idle machine, and compare networks in one run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper, shape_inference

from digitcanvas.model.classifier import bundled_model_path

CALLS = 200  # runs per round
PEAK_CHANNELS = (32, 64, 128, 48, 96, 192)
PEAK_SIDES = (28, 14)


def _session(model: bytes) -> Any:
    """A plain one-thread onnxruntime session, onnxruntime's own defaults otherwise: the rate of
    its kernels, not the app's session options (``digitcanvas.model.session.open_session``
    turns constant folding off and bounds memory, which moves these figures)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _fastest(cases: dict[str, tuple[Any, dict[str, np.ndarray]]], runs: int) -> dict[str, float]:
    """Seconds for one run of each case (a session and its feeds): the fastest of ``runs``
    rounds of CALLS runs. The cases take turns round by round, so that the convolutions that
    set the best rate and the networks measured against it see the same state of the machine
    (its clock, its other load): measured one after the other, the ratio moved by a fifth
    between runs here."""
    for session, feeds in cases.values():
        for _ in range(20):
            session.run(None, feeds)
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(runs):
        for name, (session, feeds) in cases.items():
            start = time.perf_counter()
            for _ in range(CALLS):
                session.run(None, feeds)
            best[name] = min(best[name], (time.perf_counter() - start) / CALLS)
    return best


def _conv_model(channels: int, side: int) -> bytes:
    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.normal(0, 0.05, (channels, channels, 3, 3)).astype(np.float32), "w")
    bias = numpy_helper.from_array(np.zeros(channels, np.float32), "b")
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1])
    graph = helper.make_graph(
        [node],
        "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, side, side])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, channels, side, side])],
        [weight, bias],
    )
    return bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())


def peak_cases() -> dict[str, tuple[Any, dict[str, np.ndarray], int]]:
    """Single 3 × 3 convolutions whose channels the kernels like: by name, each one's session,
    feeds and multiply-adds."""
    cases = {}
    for channels in PEAK_CHANNELS:
        for side in PEAK_SIDES:
            x = np.random.default_rng(1).random((1, channels, side, side), dtype=np.float32)
            session = _session(_conv_model(channels, side))
            cases[f"{channels} channels, {side}x{side}"] = (session, {"x": x}, channels * channels * 9 * side * side)
    return cases


def multiply_adds(path: Path) -> int:
    """Multiply-adds of one image through the model's Conv, Gemm and MatMul nodes."""
    model = onnx.load(str(path))
    for value in model.graph.input:
        dims = value.type.tensor_type.shape.dim
        if dims and not dims[0].dim_value:
            dims[0].dim_value = 1  # one image
    inferred = shape_inference.infer_shapes(model)
    shapes: dict[str, list[int]] = {}
    for value in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]:
        shapes[value.name] = [d.dim_value for d in value.type.tensor_type.shape.dim]
    for init in inferred.graph.initializer:
        shapes[init.name] = list(init.dims)
    total = 0
    for node in inferred.graph.node:
        if node.op_type == "Conv":
            out, weight = shapes[node.output[0]], shapes[node.input[1]]
            total += int(np.prod(out)) * int(np.prod(weight[1:]))
        elif node.op_type in ("Gemm", "MatMul"):
            a, out = shapes[node.input[0]], shapes[node.output[0]]
            total += int(np.prod(out)) * a[-1]
    return total


def network_case(path: Path) -> tuple[Any, dict[str, np.ndarray]]:
    """The network's session and one image's feeds (a digit-like blot of ink on a blank field)."""
    session = _session(path.read_bytes())
    model_input = session.get_inputs()[0]
    shape = [1 if not isinstance(d, int) else d for d in model_input.shape]
    x = np.zeros(shape, np.float32)
    x.reshape(-1)[: x.size // 3] = 1.0  # some ink
    return session, {model_input.name: x}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, action="append", help="ONNX model (default: the bundled one)")
    parser.add_argument("--runs", type=int, default=15, help="rounds of 200 runs; the fastest counts")
    args = parser.parse_args(argv)
    paths = args.model or [bundled_model_path()]
    peaks = peak_cases()
    cases = {name: (session, feeds) for name, (session, feeds, _) in peaks.items()}
    cases.update({str(path): network_case(path) for path in paths})
    best = _fastest(cases, args.runs)
    rate, which = max((macs / best[name], name) for name, (_, _, macs) in peaks.items())
    print(f"onnxruntime {ort.__version__}; best one-thread convolution rate: {rate / 1e9:.2f} GMAC/s ({which})")
    for path in paths:
        macs = multiply_adds(path)
        seconds = best[str(path)]
        limit = macs / rate
        print(
            f"{path}: {macs / 1e6:.2f} M multiply-adds; one image {seconds * 1e3:.3f} ms, "
            f"compute limit {limit * 1e3:.3f} ms: {seconds / limit:.2f}x its limit"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
