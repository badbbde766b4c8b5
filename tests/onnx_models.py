"""Build tiny ONNX models with the onnx helper API, in every layout people export.

The linear model itself (:func:`lab.fuzz.linear_model.make_linear_model`) is the lab's, which
the fuzzer shares; the models here reuse its weights.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from digitcanvas.model.info import META_DOUBT, META_OUTPUT, META_SCALE, write_metadata
from lab.fuzz.linear_model import LAYOUT_SHAPES, OPSET, RNG_SEED, linear_weights


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


def make_ink_failing_model(path: Path) -> Path:
    """Loads fine (a blank probe runs; its metadata names its input, so no detection runs on
    ink) but fails on any ink: it gathers pixel 5000 × max(x)."""
    nodes = [
        helper.make_node("Flatten", ["x"], ["flat"]),
        helper.make_node("ReduceMax", ["flat"], ["peak"], keepdims=0),
        helper.make_node("Mul", ["peak", "far"], ["scaled"]),
        helper.make_node("Cast", ["scaled"], ["offset"], to=TensorProto.INT64),
        helper.make_node("Add", ["offset", "digits"], ["idx"]),
        helper.make_node("Gather", ["flat", "idx"], ["y"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "fails_on_ink",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        [
            numpy_helper.from_array(np.array(5000.0, dtype=np.float32), "far"),
            numpy_helper.from_array(np.arange(10, dtype=np.int64), "digits"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.save(model, str(path))
    write_metadata(path, {META_SCALE: "1", META_OUTPUT: "logits"})
    return path


def make_slow_on_ink_model(path: Path) -> Path:
    """Loads fine (no iteration on a blank image; its metadata names its input, its output
    and its doubt threshold, so nothing is fitted on inked digits at load) but loops 10^15
    times on any ink: only the run-time limit stops it."""
    body = helper.make_graph(
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
    nodes = [
        helper.make_node("Flatten", ["x"], ["flat"]),
        helper.make_node("Slice", ["flat", "start", "end", "axis"], ["scores"]),
        helper.make_node("ReduceMax", ["flat"], ["peak"], keepdims=0),
        helper.make_node("Mul", ["peak", "many"], ["trips_f"]),
        helper.make_node("Cast", ["trips_f"], ["trips"], to=TensorProto.INT64),
        helper.make_node("Loop", ["trips", "go", "scores"], ["y"], body=body),
    ]
    graph = helper.make_graph(
        nodes,
        "slow_on_ink",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        [
            numpy_helper.from_array(np.array([0], np.int64), "start"),
            numpy_helper.from_array(np.array([10], np.int64), "end"),
            numpy_helper.from_array(np.array([1], np.int64), "axis"),
            numpy_helper.from_array(np.array(1e15, np.float32), "many"),
            numpy_helper.from_array(np.array(True), "go"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.save(model, str(path))
    write_metadata(path, {META_SCALE: "1", META_OUTPUT: "logits", META_DOUBT: "0.5"})
    return path


def make_single_image_model(path: Path) -> Path:
    """Declares a dynamic batch but reshapes to (1, 784) inside, so it fails on two images."""
    w, b = linear_weights()
    graph = helper.make_graph(
        [
            helper.make_node("Reshape", ["x", "one"], ["flat"]),
            helper.make_node("MatMul", ["flat", "W"], ["mm"]),
            helper.make_node("Add", ["mm", "B"], ["logits"]),
        ],
        "batch_of_one_inside",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        [
            numpy_helper.from_array(np.array([1, 784], dtype=np.int64), "one"),
            numpy_helper.from_array(w, "W"),
            numpy_helper.from_array(b, "B"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


# --- models that read digits under one input convention only ------------------------------
#
# To test detection, a model must read the reference digits well under its own convention
# and badly under every other. A small tanh MLP trained (in numpy, on the shipped reference
# digits) in [0, 1] pixels reads them all; each model first undoes its convention's scaling,
# and a gate flattens its output unless the input looks like that convention: for affine
# conventions, the image's min and max must be the convention's values of 0 and 1; for
# tf.keras.utils.normalize, every inked column must have unit L2 norm.

MLP_HIDDEN = 32
MLP_STEPS = 200
MLP_RATE = 0.5
GATE_TOLERANCE = 0.02  # of the convention's range


@functools.cache
def _mlp(domain: str) -> tuple[np.ndarray, ...]:
    """(mu, sd, W1, b1, W2, b2) of a tanh MLP fitted to the reference digits under preset
    ``domain``, on pixels standardised by ``mu`` and ``sd`` (so gradient descent converges as
    fast under every domain, and the fixture reads its digits with room to spare on any CPU)."""
    from digitcanvas.model.conventions import PRESETS_BY_KEY, reference_digits

    ref = reference_digits()
    raw = PRESETS_BY_KEY[domain].scaling.apply(ref.images).reshape(-1, 784).astype(np.float64)
    mu, sd = raw.mean(axis=0), raw.std(axis=0) + 1e-3
    x = (raw - mu) / sd
    target = np.eye(10)[ref.labels]
    rng = np.random.default_rng(RNG_SEED)
    w1, b1 = rng.normal(0, 0.05, (784, MLP_HIDDEN)), np.zeros(MLP_HIDDEN)
    w2, b2 = rng.normal(0, 0.1, (MLP_HIDDEN, 10)), np.zeros(10)
    for _ in range(MLP_STEPS):
        h = np.tanh(x @ w1 + b1)
        z = h @ w2 + b2
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = (p - target) / len(x)
        gh = g @ w2.T * (1 - h * h)
        w2 -= MLP_RATE * h.T @ g
        b2 -= MLP_RATE * g.sum(axis=0)
        w1 -= MLP_RATE * x.T @ gh
        b1 -= MLP_RATE * gh.sum(axis=0)
    return tuple(a.astype(np.float32) for a in (mu, sd, w1, b1, w2, b2))


def make_convention_model(
    path: Path, preset: str, *, layout: str = "NCHW", input_type: int = TensorProto.FLOAT
) -> Path:
    """A model that reads digits only when fed in preset ``preset`` (see above)."""
    from digitcanvas.model.conventions import PRESETS_BY_KEY
    from digitcanvas.model.info import Normalization

    scaling = PRESETS_BY_KEY[preset].scaling
    keras = scaling.normalize == Normalization.L2_COLUMNS
    init: list[tuple[str, np.ndarray]] = [("flat_shape", np.array([-1, 784], dtype=np.int64))]
    nodes = []
    x = "x"
    if input_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT))
        x = "xf"
    nodes.append(helper.make_node("Reshape", [x, "flat_shape"], ["flat"]))
    if keras:
        domain = preset  # the MLP is fitted on normalised pixels, inverted or not
        init += [("img_shape", np.array([-1, 28, 28], dtype=np.int64)), ("eps", np.array(1e-6, np.float32))]
        nodes += [
            helper.make_node("Reshape", ["flat", "img_shape"], ["img"]),
            helper.make_node("Mul", ["img", "img"], ["sq"]),
            helper.make_node("ReduceSum", ["sq", "axis1"], ["colsq"], keepdims=0),
            helper.make_node("Greater", ["colsq", "eps"], ["inked_b"]),
            helper.make_node("Cast", ["inked_b"], ["inked"], to=TensorProto.FLOAT),
            helper.make_node("Sub", ["colsq", "inked"], ["off"]),
            helper.make_node("Abs", ["off"], ["absoff"]),
            helper.make_node("ReduceSum", ["absoff", "axis1"], ["distance"], keepdims=1),
        ]
        init.append(("axis1", np.array([1], dtype=np.int64)))
        pixels = "flat"
        tolerance = GATE_TOLERANCE * 28
    else:
        domain = "unit"
        lo = float(scaling.apply(np.zeros((1, 1, 1), np.float32)).min())
        hi = float(scaling.apply(np.ones((1, 1, 1), np.float32)).max())
        low, high = min(lo, hi), max(lo, hi)
        init += [
            ("low", np.array(low, np.float32)),
            ("high", np.array(high, np.float32)),
            ("std", np.array(scaling.std, np.float32)),
            ("mean", np.array(scaling.mean, np.float32)),
            ("scale", np.array(scaling.scale, np.float32)),
            ("one", np.array(1.0, np.float32)),
            ("axis1", np.array([1], dtype=np.int64)),
        ]
        nodes += [
            helper.make_node("ReduceMin", ["flat"], ["mn"], axes=[1], keepdims=1),
            helper.make_node("ReduceMax", ["flat"], ["mx"], axes=[1], keepdims=1),
            helper.make_node("Sub", ["mn", "low"], ["dlo"]),
            helper.make_node("Sub", ["mx", "high"], ["dhi"]),
            helper.make_node("Abs", ["dlo"], ["alo"]),
            helper.make_node("Abs", ["dhi"], ["ahi"]),
            helper.make_node("Add", ["alo", "ahi"], ["distance"]),
            helper.make_node("Mul", ["flat", "std"], ["a"]),
            helper.make_node("Add", ["a", "mean"], ["b"]),
            helper.make_node("Div", ["b", "scale"], ["unit"]),
        ]
        if scaling.invert:
            nodes.append(helper.make_node("Sub", ["one", "unit"], ["pixels"]))
            pixels = "pixels"
        else:
            pixels = "unit"
        tolerance = GATE_TOLERANCE * (high - low)
    mu, sd, w1, b1, w2, b2 = _mlp(domain)
    init += [
        ("MU", mu),
        ("SD", sd),
        ("W1", w1),
        ("B1", b1),
        ("W2", w2),
        ("B2", b2),
        ("k", np.array(-1.0 / tolerance**2, np.float32)),
    ]
    nodes += [
        helper.make_node("Sub", [pixels, "MU"], ["centred"]),
        helper.make_node("Div", ["centred", "SD"], ["standard"]),
        helper.make_node("MatMul", ["standard", "W1"], ["h0"]),
        helper.make_node("Add", ["h0", "B1"], ["h1"]),
        helper.make_node("Tanh", ["h1"], ["h"]),
        helper.make_node("MatMul", ["h", "W2"], ["z0"]),
        helper.make_node("Add", ["z0", "B2"], ["z"]),
        helper.make_node("Mul", ["distance", "distance"], ["d2"]),
        helper.make_node("Mul", ["d2", "k"], ["e"]),
        helper.make_node("Exp", ["e"], ["gate"]),
        helper.make_node("Mul", ["z", "gate"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        f"reads_{preset}",
        [helper.make_tensor_value_info("x", input_type, ["N", *LAYOUT_SHAPES[layout]])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(value, name) for name, value in init],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def make_exported_model(
    path: Path,
    *,
    head: str = "logits",
    input_shape: list[int | str] | None = None,
    input_type: int = TensorProto.FLOAT,
    external_data: bool = False,
) -> Path:
    """The linear digit model of :func:`lab.fuzz.linear_model.make_linear_model` as exporters really write it.

    ``head``: "logits", "softmax", "quantised" (softmax rows × 0.988, as int8 models give),
    "sigmoid", "n1x10" ((N, 1, 10) logits), "flat10" ((10,) logits; one image per run),
    "zipmap" (skl2onnx: a label output and a ZipMap of probabilities), "label+probabilities"
    (skl2onnx with ``zipmap=False``: a label output and a probability tensor), "labels" (a
    label output only), "float16" (half-precision input and output).
    """
    w, b = linear_weights()
    shape = input_shape or ["N", 1, 28, 28]
    if head == "float16":
        input_type = TensorProto.FLOAT16
    nodes = [helper.make_node("Cast", ["x"], ["xf"], to=TensorProto.FLOAT)]
    nodes += [
        helper.make_node("Reshape", ["xf", "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["flat", "W"], ["mm"]),
        helper.make_node("Add", ["mm", "B"], ["z"]),
    ]
    init = [
        numpy_helper.from_array(np.array([-1, 784], dtype=np.int64), "flat_shape"),
        numpy_helper.from_array(w, "W"),
        numpy_helper.from_array(b, "B"),
    ]
    batch = shape[0] if len(shape) in (2, 4) or (len(shape) == 3 and shape[1:] == [28, 28]) else 1
    out_type, out_shape = TensorProto.FLOAT, [batch, 10]
    outputs = None
    opsets = [helper.make_opsetid("", OPSET)]
    if head == "logits":
        nodes.append(helper.make_node("Identity", ["z"], ["y"]))
    elif head in ("softmax", "quantised", "zipmap", "labels", "label+probabilities"):
        nodes.append(helper.make_node("Softmax", ["z"], ["p"], axis=1))
        if head == "quantised":
            init.append(numpy_helper.from_array(np.array(0.988, np.float32), "q"))
            nodes.append(helper.make_node("Mul", ["p", "q"], ["y"]))
        elif head == "softmax":
            nodes.append(helper.make_node("Identity", ["p"], ["y"]))
        else:
            nodes.append(helper.make_node("ArgMax", ["p"], ["label"], axis=1, keepdims=0))
            label = helper.make_tensor_value_info("label", TensorProto.INT64, [batch])
            outputs = [label]
            if head == "label+probabilities":
                nodes.append(helper.make_node("Identity", ["p"], ["y"]))
                outputs.append(helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 10]))
            if head == "zipmap":
                nodes.append(
                    helper.make_node("ZipMap", ["p"], ["y"], domain="ai.onnx.ml", classlabels_int64s=list(range(10)))
                )
                zipmap_type = helper.make_sequence_type_proto(
                    helper.make_map_type_proto(TensorProto.INT64, helper.make_tensor_type_proto(TensorProto.FLOAT, []))
                )
                outputs.append(helper.make_value_info("y", zipmap_type))
                opsets.append(helper.make_opsetid("ai.onnx.ml", 1))
    elif head == "sigmoid":
        nodes.append(helper.make_node("Sigmoid", ["z"], ["y"]))
    elif head == "n1x10":
        init.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "axis"))
        nodes.append(helper.make_node("Unsqueeze", ["z", "axis"], ["y"]))
        out_shape = [batch, 1, 10]
    elif head == "flat10":
        init.append(numpy_helper.from_array(np.array([10], dtype=np.int64), "ten"))
        nodes.append(helper.make_node("Reshape", ["z", "ten"], ["y"]))
        out_shape = [10]
    elif head == "float16":
        nodes.append(helper.make_node("Cast", ["z"], ["y"], to=TensorProto.FLOAT16))
        out_type = TensorProto.FLOAT16
    else:
        raise ValueError(head)
    if outputs is None:
        outputs = [helper.make_tensor_value_info("y", out_type, out_shape)]
    graph = helper.make_graph(
        nodes, f"export_{head}", [helper.make_tensor_value_info("x", input_type, shape)], outputs, init
    )
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 8
    onnx.checker.check_model(model)
    if external_data:
        onnx.save(model, str(path), save_as_external_data=True, location=path.name + ".data", size_threshold=1024)
    else:
        onnx.save(model, str(path))
    return path


def make_embedding_model(path: Path, *, features: int = 16) -> Path:
    """Flat pixels → a ``features``-wide ReLU layer (the ``embedding`` output) → 10 logits."""
    rng = np.random.default_rng(RNG_SEED)
    w1 = rng.normal(0, 0.1, (784, features)).astype(np.float32)
    w2 = rng.normal(0, 0.5, (features, 10)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Reshape", ["x", "flat_shape"], ["flat"]),
            helper.make_node("MatMul", ["flat", "W1"], ["h"]),
            helper.make_node("Relu", ["h"], ["embedding"]),
            helper.make_node("MatMul", ["embedding", "W2"], ["logits"]),
        ],
        "with_embedding",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10]),
            helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", features]),
        ],
        [
            numpy_helper.from_array(np.array([-1, 784], dtype=np.int64), "flat_shape"),
            numpy_helper.from_array(w1, "W1"),
            numpy_helper.from_array(w2, "W2"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def make_lenet_like_model(path: Path, fit: str) -> Path:
    """A 32×32-input model (as LeNet-5's) that reads digits only when they are fitted to 32×32
    as ``fit`` says ("pad": it crops the 28×28 middle; "resize": it scales back to 28×28), then
    like :func:`make_convention_model` on pixels 0-1."""
    inner = onnx.load(str(make_convention_model(path, "unit")))
    graph = inner.graph
    for node in graph.node:
        node.input[:] = ["x28" if name == "x" else name for name in node.input]
    if fit == "pad":
        starts, ends, axes = (np.array(v, dtype=np.int64) for v in ([2, 2], [30, 30], [2, 3]))
        graph.initializer.extend(
            [
                numpy_helper.from_array(starts, "crop_starts"),
                numpy_helper.from_array(ends, "crop_ends"),
                numpy_helper.from_array(axes, "crop_axes"),
            ]
        )
        first = helper.make_node("Slice", ["x", "crop_starts", "crop_ends", "crop_axes"], ["x28"])
    else:
        graph.initializer.append(numpy_helper.from_array(np.array([1, 1, 28, 28], dtype=np.int64), "size28"))
        first = helper.make_node("Resize", ["x", "", "", "size28"], ["x28"], mode="linear")
    graph.node.insert(0, first)
    del graph.input[:]
    graph.input.append(helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 32, 32]))
    onnx.checker.check_model(inner)
    onnx.save(inner, str(path))
    return path
