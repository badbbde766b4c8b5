"""Small corpora of hostile drawings, images and models, built in the tests (and by ``lab.fuzz``).

Each builder returns named cases; the tests assert that every case gives a reading or one
of the documented errors, never another exception, a hang or NaN. The names say what each
case attacks, so a failure names it.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from digitcanvas.model_info import META_OUTPUT, META_SCALE, META_STD, write_metadata

OPSET = 17
FORMAT_HEADER = '"format": "digitcanvas-drawing", "version": 1'
CANVAS = '"canvas": {"width": 640, "height": 400}'
SEVEN = [[[100, 100], [300, 100], [180, 350]]]  # a 7 in one stroke


def drawing_text(strokes: object = SEVEN, **extra: object) -> str:
    """A drawing document with ``strokes`` (any JSON) and extra top-level keys, as text."""
    document: dict[str, object] = {
        "format": "digitcanvas-drawing",
        "version": 1,
        "canvas": {"width": 640, "height": 400},
        "strokes": strokes,
    }
    document.update(extra)
    return json.dumps(document)


def _raw(strokes: str, head: str = CANVAS, tail: str = "") -> str:
    return "{" + FORMAT_HEADER + ", " + head + ', "strokes": ' + strokes + tail + "}"


def hostile_drawings() -> dict[str, bytes]:
    """Drawing files (bytes) that once crashed, hung or misled a reader, and their cousins."""
    valid = drawing_text()
    text: dict[str, str] = {
        "nested 1,000 deep": _raw("[" * 1000 + "]" * 1000),
        "nested 100,000 deep": _raw("[" * 100_000 + "]" * 100_000),
        "objects nested deep in an unknown key": _raw("[]", tail=', "x": ' + '{"a": ' * 500 + "1" + "}" * 500),
        "a 400-digit coordinate": _raw("[[[" + "9" * 400 + ", 1]]]"),
        "a 5,000-digit coordinate": _raw("[[[" + "9" * 5000 + ", 1]]]"),
        "a 5,000-digit number in an unknown key": _raw("[]", tail=', "x": ' + "7" * 5000),
        "a coordinate of 1e308": _raw("[[[1e308, 1e308], [-1e308, 5]]]"),
        "a coordinate of 1e400": _raw("[[[1e400, 1]]]"),
        "NaN": _raw("[[[NaN, 1]]]"),
        "Infinity": _raw("[[[Infinity, 1]]]"),
        "canvas 0.5 wide": _raw("[[[0.1, 0.2]]]", head='"canvas": {"width": 0.5, "height": 400}'),
        "canvas 0 wide": _raw("[[[1, 2]]]", head='"canvas": {"width": 0, "height": 400}'),
        "canvas 1 by 1": _raw("[[[0.5, 0.5], [0.9, 0.1]]]", head='"canvas": {"width": 1, "height": 1}'),
        "canvas a million wide": _raw("[[[1, 2]]]", head='"canvas": {"width": 1000000, "height": 400}'),
        "canvas true wide": _raw("[[[1, 2]]]", head='"canvas": {"width": true, "height": 400}'),
        "pen 0": drawing_text(pen_width=0),
        "pen 5,000": drawing_text(pen_width=5000),
        "pen a string": drawing_text(pen_width="wide"),
        "label 12": drawing_text(label=12),
        "label true": drawing_text(label=True),
        "version 2": valid.replace('"version": 1', '"version": 2'),
        "version a string": valid.replace('"version": 1', '"version": "1"'),
        "version a 40-digit integer": valid.replace('"version": 1', '"version": ' + "9" * 40),
        "no format": '{"version": 1, ' + CANVAS + ', "strokes": []}',
        "a top-level list": "[" + valid + "]",
        "a bare number": "12345",
        "empty": "",
        "only whitespace": " \n\t" * 1000,
        "100 KB of whitespace, then a drawing": " " * 100_000 + valid,
        "truncated": valid[: len(valid) // 2],
        "booleans as coordinates": drawing_text([[[True, False]]]),
        "strings as coordinates": drawing_text([[["1", "2"]]]),
        "a point of one number": drawing_text([[[1]]]),
        "points with pressure": drawing_text([[[1, 2, 0.5], [30, 40, 0.7]]]),
        "an empty stroke": drawing_text([[]]),
        "no strokes": drawing_text([]),
        "strokes an object": drawing_text({"a": 1}),
        "1,001 strokes": drawing_text([[[i, i]] for i in range(1001)]),
        "20,001 points": drawing_text([[[i % 640, i % 400] for i in range(20_001)]]),
        "brackets in strings": drawing_text(note="[[[[" * 100 + '"{{{{' * 100),
        "a lone surrogate escape": drawing_text(note="\ud800"),
        "control characters": valid.replace('"strokes"', '"str\\u0000okes"'),
        "duplicate keys": valid[:-1] + ', "strokes": 4}',
    }
    cases = {name: value.encode("utf-8", "surrogatepass") for name, value in text.items()}
    cases["UTF-16 with a BOM"] = valid.encode("utf-16")
    cases["UTF-16 big-endian without a BOM"] = valid.encode("utf-16-be")
    cases["UTF-32 little-endian"] = valid.encode("utf-32-le")
    cases["UTF-8 with a BOM"] = valid.encode("utf-8-sig")
    cases["not UTF-8"] = valid.encode("utf-8").replace(b"digitcanvas-drawing", b"digitcanvas-\xff\xfe")
    cases["a brace, then binary"] = b"{" + bytes(range(256)) * 4
    cases["a brace, then NUL bytes"] = b"{" + b"\0" * 4096
    return cases


def poison_collection(folder: Path) -> list[str]:
    """Bad files named like drawings in ``folder`` (every hostile drawing, a named pipe, a
    link to a device, a dangling link); returns their names."""
    names = []
    for i, data in enumerate(hostile_drawings().values()):
        name = f"bad-{i:02d}.json"
        (folder / name).write_bytes(data)
        names.append(name)
    os.mkfifo(folder / "pipe.json")
    (folder / "device.json").symlink_to("/dev/zero")
    (folder / "gone.json").symlink_to(folder / "nowhere")
    return [*names, "pipe.json", "device.json", "gone.json"]


def huge_collection(folder: Path, count: int, *, label: int = 7) -> list[Path]:
    """``count`` kept 7s in ``folder`` (made if missing), all hard links of one file: 30,000
    names cost one file's disk and a fraction of a second. Returns their paths, sorted."""
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / f"{label}-00000.json"
    first.write_text(drawing_text(label=label))
    paths = [first]
    for i in range(1, count):
        paths.append(folder / f"{label}-{i:05d}.json")
        os.link(first, paths[-1])
    return paths


# --- images -------------------------------------------------------------------------------


def _one(size: int = 200, *, paper: float = 255, ink: float = 0, dtype: type = np.uint8) -> np.ndarray:
    """A "1": a vertical bar of ``ink`` on ``paper``."""
    image: np.ndarray = np.full((size, size), paper, dtype=dtype)
    image[size // 5 : -size // 5, size // 2 - size // 30 : size // 2 + size // 30] = ink
    return image


def _save(array: np.ndarray, fmt: str, **options: object) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels and holds almost none (a bomb's shape)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


ONE_STEP_ABOVE_1 = float(np.nextafter(np.float32(1), np.float32(2)))  # the smallest float32 contrast
# Images that must still be read as a "1" (their ink survives the conversion to 8 bits).
INKED_IMAGES = (
    "16-bit grey ink on grey paper",
    "float TIFF in [0, 1]",
    "32-bit integer TIFF",
    "tall thin strip",
    "a float TIFF from -3e38 to 3e38",
    "a float TIFF one step wide",
)


def hostile_images() -> dict[str, bytes]:
    """Image files (bytes): deep pixel types, damaged files, bombs, odd shapes and modes."""
    from PIL import Image

    cases: dict[str, bytes] = {
        "16-bit grey ink on grey paper": _save(_one(paper=31_000, ink=30_000, dtype=np.uint16), "PNG"),
        "float TIFF in [0, 1]": _save(_one(paper=0.0, ink=1.0, dtype=np.float32), "TIFF"),
        "32-bit integer TIFF": _save(_one(paper=-5, ink=70_000, dtype=np.int32), "TIFF"),
        "tall thin strip": _save(_one(4000)[:, 1800:2200].copy(), "PNG"),
        "a float TIFF with NaN": _save(np.where(_one(dtype=np.float32) > 0, np.nan, 0).astype(np.float32), "TIFF"),
        "a float TIFF with infinity": _save(np.full((50, 50), np.inf, np.float32), "TIFF"),
        "a float TIFF of 4e37": _save(_one(paper=4e37, ink=-4e37, dtype=np.float32), "TIFF"),
        "a float TIFF from -3e38 to 3e38": _save(_one(paper=-3e38, ink=3e38, dtype=np.float32), "TIFF"),
        "a float TIFF one step wide": _save(_one(paper=1.0, ink=ONE_STEP_ABOVE_1, dtype=np.float32), "TIFF"),
        "one flat colour": _save(np.full((64, 64), 128, np.uint8), "PNG"),
        "one pixel": _save(np.zeros((1, 1), np.uint8), "PNG"),
        "a PNG claiming 100,000 × 100,000 pixels": _png_header(100_000, 100_000),
        "a PNG claiming 8,000 × 8,000 pixels": _png_header(8_000, 8_000),
        "a PNG claiming 1 × 50,000,000 pixels": _png_header(1, 50_000_000),
        "truncated PNG": _save(_one(), "PNG")[:200],
        "truncated JPEG": _save(_one(), "JPEG")[:300],
        "PNG signature only": b"\x89PNG\r\n\x1a\n",
        "random bytes": np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "fully transparent RGBA": _save(np.zeros((40, 40, 4), np.uint8), "PNG"),
        "grey with alpha": _save(np.stack([_one(), _one()], axis=-1), "PNG"),
        "1-bit": _save(_one() > 128, "PNG"),
        "CMYK JPEG": b"",
        "palette GIF with transparency": b"",
        "a 4,000 × 4,000 JPEG": _save(_one(4000), "JPEG"),
    }
    buffer = io.BytesIO()
    Image.fromarray(_one()).convert("CMYK").save(buffer, format="JPEG")
    cases["CMYK JPEG"] = buffer.getvalue()
    buffer = io.BytesIO()
    Image.fromarray(_one()).convert("P").save(buffer, format="GIF", transparency=255)
    cases["palette GIF with transparency"] = buffer.getvalue()
    return cases


def hostile_arrays() -> dict[str, np.ndarray]:
    """Image arrays handed to ``Reader.read_image`` (the library's entry point for pixels)."""
    one = _one(60, paper=0.0, ink=1.0, dtype=np.float64)
    return {
        "float with NaN": np.where(one > 0, np.nan, 0.0),
        "float with infinity": np.where(one > 0, np.inf, 0.0),
        "float around 4e37": one * 4e37,
        "float of -1e308": one * -1e308,
        "empty": np.zeros((0, 0), np.float32),
        "four-dimensional": np.zeros((2, 2, 2, 2), np.uint8),
        "complex": np.zeros((10, 10), np.complex64),
        "object": np.full((5, 5), None, dtype=object),
        "bool": one > 0,
        "two channels": np.zeros((10, 10, 2), np.uint8),
    }


# --- models ---------------------------------------------------------------------------------

_X = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])


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
        return _model(path, nodes, initializers, metadata={META_SCALE: "1", META_OUTPUT: "logits"})

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
        return _model(path, nodes, initializers, metadata={META_SCALE: "1", META_OUTPUT: "logits"})

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
