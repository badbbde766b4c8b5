"""Load every model of the zoo in onnxruntime: record its signature and its accuracy there.

    python -m lab.evaluate.zoo_check --data ../shared/data/mnist --manifest runs/zoo/manifest.json \
        [--models runs/zoo/models] [--only NAME,NAME]

For each entry of the manifest the builders wrote (see :mod:`lab.evaluate.zoo_common`)
it opens the file in onnxruntime (CPU, one thread) and records, under ``onnxruntime`` in
the entry: its inputs and outputs (name, shape, type), opsets, producer, graph name, size
on disk, and its accuracy on all 10,000 MNIST test images fed as its framework was fed:
the raw arrays in the convention it was trained with (padded or resized to 32 × 32
where the entry says so), reshaped to its input, in its input type, in batches its input
allows (one image at a time without a batch dimension; a fixed batch filled up with blank
images). The accuracy is that of the first score output (probabilities, logits,
decision scores, ZipMap) and, where there is one, of the label output. It prints a
table: the framework's accuracy next to onnxruntime's. No DigitCanvas code is used.
Needs numpy, onnx and onnxruntime only.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.training.mnist_data import MnistError, load_split
from lab.console import fail, log
from lab.evaluate.zoo_common import (
    LENET_SIDE,
    ZooError,
    prepare,
    prepare_uint8,
    read_manifest,
    update,
    version,
)

DYNAMIC_BATCH = 1000  # images per run when the batch dimension is free
AGREE_POINTS = 0.1  # framework and onnxruntime accuracies this close (points) "agree" for float32 models
INPUT_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64}


def _feed(entry: dict[str, Any], images: NDArray[np.uint8], input_type: str) -> NDArray[Any]:
    """The test images as the model's framework was fed them: (N, side, side)."""
    if input_type == "tensor(uint8)":
        return prepare_uint8(images, entry["convention"])
    if input_type not in INPUT_TYPES:
        raise ZooError(f"{entry['file']}: input type {input_type} is not one the zoo feeds")
    resize = LENET_SIDE if entry.get("resize") else 0
    x = prepare(images, entry["convention"], pad=entry.get("pad") or 0, resize=resize)
    return x.astype(INPUT_TYPES[input_type])


def _batches(shape: Sequence[Any], per_image: int) -> tuple[tuple[int, ...], int | None]:
    """(the shape of one image within the input, images per run: None for a free batch, 0 for no batch dimension)."""
    dims = [d if isinstance(d, int) and d > 0 else 0 for d in shape]
    if all(dims) and int(np.prod(dims)) == per_image:
        return tuple(dims), 0  # no batch dimension: one image is the whole input
    rest = dims[1:]
    if not all(rest) or int(np.prod(rest)) != per_image:
        raise ZooError(f"input shape {list(shape)} does not hold {per_image} pixels per image")
    return tuple(rest), dims[0] or None


def _scores(outputs: list[Any], kinds: list[str], count: int) -> tuple[NDArray[Any] | None, NDArray[Any] | None]:
    """(scores (count, 10), labels (count,)) from one run's outputs; either may be missing."""
    scores = labels = None
    for value, kind in zip(outputs, kinds, strict=True):
        if kind.startswith("seq(map") and scores is None:  # ZipMap: a list of {class: probability}
            scores = np.array([[row[k] for k in sorted(row)] for row in value], dtype=np.float64)
        elif kind in ("tensor(int64)", "tensor(int32)") and labels is None:
            labels = np.asarray(value).reshape(count)
        elif kind in INPUT_TYPES and scores is None:
            scores = np.asarray(value, dtype=np.float64).reshape(count, -1)
    return scores, labels


def check(entry: dict[str, Any], path: Path, images: NDArray[np.uint8], labels: NDArray[np.uint8]) -> dict[str, Any]:
    """onnxruntime's view of one model file: signature, facts of the file, accuracy."""
    import onnx
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    proto = onnx.load(str(path), load_external_data=False)
    data_file = path.with_name(path.name + ".data")
    result: dict[str, Any] = {
        "version": ort.__version__,
        "loads": True,
        "inputs": [{"name": i.name, "shape": i.shape, "type": i.type} for i in session.get_inputs()],
        "outputs": [{"name": o.name, "shape": o.shape, "type": o.type} for o in session.get_outputs()],
        "opsets": {(o.domain or "ai.onnx"): o.version for o in proto.opset_import},
        "ir_version": proto.ir_version,
        "producer": f"{proto.producer_name} {proto.producer_version}".strip(),
        "graph_name": proto.graph.name,
        "metadata_keys": [p.key for p in proto.metadata_props],
        "bytes": path.stat().st_size + (data_file.stat().st_size if data_file.exists() else 0),
        "external_data": data_file.exists(),
    }
    first = session.get_inputs()[0]
    x = _feed(entry, images, first.type)
    image_shape, per_run = _batches(first.shape, int(np.prod(x.shape[1:])))
    names = [o.name for o in session.get_outputs()]
    kinds = [o.type for o in session.get_outputs()]
    all_scores, all_labels = [], []
    started = time.perf_counter()
    step = per_run or (DYNAMIC_BATCH if per_run is None else 1)
    for start in range(0, len(x), step):
        chunk = x[start : start + step]
        real = len(chunk)
        if per_run and real < per_run:  # a fixed batch: fill it up with blank images
            chunk = np.concatenate([chunk, np.zeros((per_run - real, *chunk.shape[1:]), chunk.dtype)])
        feed = chunk.reshape(image_shape) if per_run == 0 else chunk.reshape((len(chunk), *image_shape))
        outputs = session.run(names, {first.name: feed})
        scores, run_labels = _scores(outputs, kinds, len(chunk))
        if scores is not None:
            all_scores.append(scores[:real])
        if run_labels is not None:
            all_labels.append(run_labels[:real])
    result["seconds"] = round(time.perf_counter() - started, 2)
    if all_scores:
        result["accuracy"] = float((np.concatenate(all_scores).argmax(axis=1) == labels).mean())
    if all_labels:
        result["label_accuracy"] = float((np.concatenate(all_labels) == labels).mean())
    if "accuracy" not in result and "label_accuracy" in result:
        result["accuracy"] = result["label_accuracy"]
    result["points_from_own"] = round((result["accuracy"] - float(entry["own_accuracy"])) * 100, 2)
    float32 = entry.get("input_dtype") != "float16" and "quantiz" not in str(entry.get("exporter"))
    result["agrees"] = abs(result["points_from_own"]) <= AGREE_POINTS if float32 else None
    return result


def main(argv: Sequence[str] | None = None) -> int:
    cli = argparse.ArgumentParser(
        prog="python -m lab.evaluate.zoo_check",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    cli.add_argument("--manifest", default="runs/zoo/manifest.json", help="the manifest the builders wrote")
    cli.add_argument("--models", help="folder of the model files (default: models beside the manifest)")
    cli.add_argument("--only", help="comma-separated file names")
    args = cli.parse_args(argv)
    manifest = Path(args.manifest)
    models = Path(args.models) if args.models else manifest.parent / "models"
    try:
        data = read_manifest(manifest)
        test = load_split(args.data, "test")
    except (ZooError, MnistError) as e:
        return fail(str(e))
    wanted = set(args.only.split(",")) if args.only else None
    rows = []
    for entry in data["models"]:
        if wanted is not None and entry["file"] not in wanted:
            continue
        try:
            entry["onnxruntime"] = check(entry, models / entry["file"], test.images, test.labels)
        except Exception as e:  # any failure of a third-party file is a finding to record
            error = f"{type(e).__name__}: {e}"
            entry["onnxruntime"] = {"version": version("onnxruntime"), "loads": False, "error": error}
            log(f"{entry['file']}: {error}")
        rows.append(entry)
        ort_accuracy = entry["onnxruntime"].get("accuracy", float("nan"))
        log(f"{entry['file']}: own {entry['own_accuracy']:.2%}, onnxruntime {ort_accuracy:.2%}")
    views = {entry["file"]: entry["onnxruntime"] for entry in rows}

    def change(latest: dict[str, Any]) -> None:  # the builders may have added models meanwhile
        for entry in latest["models"]:
            if entry["file"] in views:
                entry["onnxruntime"] = views[entry["file"]]
        latest["checked_with"] = {name: version(name) for name in ("onnxruntime", "onnx", "numpy")}

    update(manifest, change)
    print("| file | framework | convention | input | output | own | onnxruntime | points |")
    print("|---|---|---|---|---|---:|---:|---:|")
    for entry in rows:
        view = entry["onnxruntime"]
        signature = ", ".join(f"{i['shape']} {i['type']}" for i in view.get("inputs", []))
        ort_accuracy, points = view.get("accuracy", float("nan")), view.get("points_from_own", "")
        print(
            f"| {entry['file']} | {entry['framework']} | {entry['convention']} | {signature} | {entry['output_kind']} "
            f"| {entry['own_accuracy']:.2%} | {ort_accuracy:.2%} | {points} |"
        )
    failed = [e["file"] for e in rows if not e["onnxruntime"].get("loads")]
    disagree = [e["file"] for e in rows if e["onnxruntime"].get("agrees") is False]
    log(f"{len(rows)} models checked; not loaded: {failed or 'none'}; float32 models off by > {AGREE_POINTS} points: "
        f"{disagree or 'none'}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
