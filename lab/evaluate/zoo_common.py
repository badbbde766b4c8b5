"""What every model-zoo builder shares: MNIST pixel conventions in numpy, 32 × 32 inputs, the manifest.

The builders (:mod:`lab.evaluate.model_zoo` for PyTorch, :mod:`lab.evaluate.keras_zoo`
for Keras 3 and tf.keras, :mod:`lab.evaluate.sklearn_zoo`, :mod:`lab.evaluate.jax_zoo`)
run in different environments (TensorFlow, JAX and scikit-learn are no dependencies of
this project), so this module needs numpy only: no DigitCanvas, no framework.

Each builder trains a few small models the way tutorials do, exports them to ONNX
**without DigitCanvas metadata** and adds one entry per file to a JSON manifest, keyed
by file name (a rebuilt model replaces its entry). :mod:`lab.evaluate.zoo_check` then
loads each file in onnxruntime, records its signature and its accuracy there.

Conventions carry the keys of ``digitcanvas.model.conventions.PRESETS``: ``unit``,
``0-255``, ``mnist``, ``symmetric``, ``keras-normalize`` and each with ``-inverted``
(black ink on white), applied as ``InputScaling.apply`` does: invert [0, 1] pixels first,
then scale, then (keras-normalize) each image column to unit L2 norm. A 32 × 32 model
(LeNet-5) sees the 28 × 28 image padded by 2 px of background (``pad``) or resized
bilinearly (``resize``) before the convention.

Every builder takes ``--seed`` (default :data:`SEED`) and ``--variant``: ``A`` (the
default) builds the first zoo exactly as it was built, each network trained on the first
images of MNIST's training set in file order; ``B`` builds a second, independent zoo
(other architectures, longer training) whose networks draw their training images as a
seeded random subset (:func:`training_rows`) of all 60,000. ``C`` builds a third, of 32 × 32
models only (LeNet-5s, padded and resized, in several conventions), drawn the same way: held
out for the rule that tells padded from resized, which was chosen on the first two.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from digitcanvas.training.mnist_data import MnistSplit, load_split

SEED = 2026
VARIANTS = ("A", "B", "C")  # A: the first (development) zoo; B: the second, held-out one; C: 32 × 32 models only
MNIST_SIDE = 28  # pixels
LENET_SIDE = 32  # pixels: LeNet-5's input, MNIST padded by 2 px on each side
LENET_PAD = (LENET_SIDE - MNIST_SIDE) // 2  # px of background on each side
RESIZED = "bilinear 28->32, half-pixel centres (zoo_common.resize_bilinear)"  # the manifest's words for "resize"
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # of MNIST training pixels in [0, 1], as torchvision's tutorials use
BASE_CONVENTIONS = ("unit", "0-255", "mnist", "symmetric", "keras-normalize")
CONVENTIONS = tuple(k for base in BASE_CONVENTIONS for k in (base, f"{base}-inverted"))
INTEGER_CONVENTIONS = ("0-255", "0-255-inverted")  # the ones a uint8 input can carry
# What a model's outputs are, as the manifest names them.
OUTPUT_KINDS = (
    "logits",
    "log-softmax",
    "softmax",
    "sigmoid",
    "zipmap",  # skl2onnx's default: a label tensor and a sequence of {class: probability} maps
    "label+probabilities",  # skl2onnx with zipmap=False: a label tensor and an (N, 10) probability tensor
    "svc-decision-scores",  # skl2onnx SVC, probability=False: a label and (N, 10) one-vs-rest decision scores
)


class ZooError(ValueError):
    """A convention, size or manifest the zoo does not know; the message names it."""


def to_unit(images: NDArray[np.uint8], *, pad: int = 0, resize: int = 0) -> NDArray[np.float32]:
    """uint8 (N, 28, 28), 0 = background → float32 in [0, 1], padded by ``pad`` px of
    background or resized bilinearly to ``resize`` × ``resize``."""
    x = images.astype(np.float32) / 255.0
    if pad:
        x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    if resize:
        x = resize_bilinear(x, resize)
    return x


def resize_bilinear(x: NDArray[np.float32], side: int) -> NDArray[np.float32]:
    """(N, H, W) → (N, side, side), bilinear with half-pixel centres (``torch.nn.functional.interpolate(...,
    mode="bilinear", align_corners=False)``, ``tf.image.resize``, PIL's BILINEAR when enlarging)."""

    def weights(size_in: int) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float32]]:
        centres = (np.arange(side, dtype=np.float64) + 0.5) * size_in / side - 0.5
        centres = np.clip(centres, 0, size_in - 1)
        low = np.floor(centres).astype(np.intp)
        high = np.minimum(low + 1, size_in - 1)
        return low, high, (centres - low).astype(np.float32)

    r0, r1, rw = weights(x.shape[1])
    c0, c1, cw = weights(x.shape[2])
    rows = x[:, r0, :] * (1 - rw)[None, :, None] + x[:, r1, :] * rw[None, :, None]
    return np.asarray(rows[:, :, c0] * (1 - cw) + rows[:, :, c1] * cw, dtype=np.float32)


def apply_convention(x: NDArray[np.float32], key: str) -> NDArray[np.float32]:
    """[0, 1] pixels (N, H, W), white ink on black → what a model trained in convention ``key`` was fed."""
    if key not in CONVENTIONS:
        raise ZooError(f"unknown convention {key!r}; known: {', '.join(CONVENTIONS)}")
    base = key.removesuffix("-inverted")
    if key.endswith("-inverted"):
        x = 1.0 - x
    if base == "0-255":
        x = x * 255.0
    elif base == "mnist":
        x = (x - MNIST_MEAN) / MNIST_STD
    elif base == "symmetric":
        x = (x - 0.5) / 0.5
    elif base == "keras-normalize":
        # tf.keras.utils.normalize(x, axis=1) on (N, H, W): each column of each image to unit L2 norm.
        norms = np.sqrt(np.square(x, dtype=np.float64).sum(axis=1, keepdims=True))
        return np.asarray(x / np.where(norms == 0, 1.0, norms), dtype=np.float32)
    return np.asarray(x, dtype=np.float32)


def prepare(images: NDArray[np.uint8], key: str, *, pad: int = 0, resize: int = 0) -> NDArray[np.float32]:
    """uint8 MNIST images → float32 (N, side, side) in convention ``key``."""
    return apply_convention(to_unit(images, pad=pad, resize=resize), key)


def prepare_uint8(images: NDArray[np.uint8], key: str) -> NDArray[np.uint8]:
    """uint8 MNIST images → uint8 in an integer convention (0-255, or 255 - x when inverted)."""
    if key not in INTEGER_CONVENTIONS:
        raise ZooError(f"a uint8 input carries only {' or '.join(INTEGER_CONVENTIONS)}, not {key!r}")
    return (255 - images) if key.endswith("-inverted") else images.copy()


def version(package: str) -> str:
    """The installed version of a distribution, or "not installed"."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass
class Entry:
    """One model file of the zoo, as the manifest records it."""

    file: str  # name inside the models folder
    framework: str  # "PyTorch 2.13.0", "Keras 3.12.0 (TensorFlow 2.20.0)", ...
    exporter: str  # "torch.onnx.export(dynamo=False) 2.13.0", "tf2onnx 1.16.1", ...
    opset: int | None  # what was asked of the exporter; None: its default (zoo_check records the file's)
    input_shape: list[int | str | None]  # as exported; str or None: a free dimension
    input_dtype: str  # float32, float16, uint8
    layout: str  # NCHW, NHWC, NHW, HW (no batch), CHW (no batch), flat (N, 784)
    output_kind: str  # one of OUTPUT_KINDS
    convention: str  # one of CONVENTIONS: how its training pixels were scaled
    own_accuracy: float  # in its own framework, all 10,000 MNIST test images, raw arrays, its own convention
    training: dict[str, Any]  # images, epochs, seed, seconds, recipe notes
    pad: int | None = None  # px of background added on each side (LeNet-5: 2)
    resize: str | None = None  # how 28 × 28 became the input size, when resized
    notes: str = ""
    built_with: dict[str, str] = field(default_factory=dict)  # python, numpy, onnx, ... versions

    def __post_init__(self) -> None:
        if self.convention not in CONVENTIONS:
            raise ZooError(f"{self.file}: unknown convention {self.convention!r}")
        if self.output_kind not in OUTPUT_KINDS:
            raise ZooError(f"{self.file}: unknown output kind {self.output_kind!r}")


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest at ``path``, or an empty one."""
    if not path.exists():
        return {"models": []}
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ZooError(f"{path}: cannot read the manifest ({e})") from e
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ZooError(f"{path}: not a zoo manifest (no list 'models')")
    return data


def write_manifest(path: Path, data: dict[str, Any]) -> None:
    """Write the manifest, its models sorted by file name (written whole, then renamed)."""
    data["models"] = sorted(data["models"], key=lambda m: str(m["file"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(partial, path)


def update(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Read the manifest, apply ``change`` to it and write it back, under a lock: builders in
    other environments (and the check) may write at the same time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = read_manifest(path)
        change(data)
        write_manifest(path, data)


def record(path: Path, entry: Entry) -> None:
    """Add ``entry`` to the manifest at ``path``, replacing an entry for the same file."""
    entry.built_with = {"python": platform.python_version(), "numpy": np.__version__, "onnx": version("onnx")}

    def change(data: dict[str, Any]) -> None:
        data["models"] = [m for m in data["models"] if m.get("file") != entry.file] + [asdict(entry)]

    update(path, change)


def parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """The command line every builder shares."""
    result = argparse.ArgumentParser(prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    result.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    result.add_argument("--out", default="runs/zoo/models", help="folder for the exported models")
    result.add_argument("--manifest", help="the JSON manifest to add to (default: manifest.json beside --out)")
    result.add_argument("--only", help="comma-separated model names (file names without .onnx)")
    result.add_argument("--seed", type=int, default=SEED, help=f"random seed of training (default {SEED})")
    result.add_argument(
        "--variant",
        choices=VARIANTS,
        default=VARIANTS[0],
        help="A: the first zoo's recipes (default); B: the second zoo's (other networks, longer training, "
        "random training subsets); C: the third's (32 x 32 models only)",
    )
    return result


def training_rows(count: int, total: int, *, seed: int, variant: str) -> NDArray[np.intp]:
    """Which of the ``total`` training images a network trains on: the first ``count`` (variant A)
    or ``count`` drawn at random without replacement, seeded (variants B and C)."""
    if not 0 < count <= total:
        raise ZooError(f"cannot train on {count} of {total} images")
    if variant == "A":
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).permutation(total)[:count])


def subset_note(count: int, total: int, *, seed: int, variant: str) -> str:
    """How :func:`training_rows` chose the images, for the manifest."""
    if variant == "A":
        return f"the first {count} of {total}"
    return f"{count} of {total} drawn at random (numpy default_rng({seed}))"


def manifest_path(args: argparse.Namespace) -> Path:
    return Path(args.manifest) if args.manifest else Path(args.out).parent / "manifest.json"


class Build(NamedTuple):
    """What every builder starts from: MNIST, the models asked for (None: all), where they go."""

    train: MnistSplit
    test: MnistSplit
    wanted: set[str] | None
    out: Path
    manifest: Path


def start_build(args: argparse.Namespace) -> Build:
    """MNIST read and the models folder made, for the parsed :func:`parser` arguments;
    raises ``MnistError``."""
    train, test = load_split(args.data, "train"), load_split(args.data, "test")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return Build(train, test, set(args.only.split(",")) if args.only else None, out, manifest_path(args))


def accuracy(scores: NDArray[Any], labels: NDArray[np.uint8]) -> float:
    """Share of rows whose highest score is at the label."""
    return float((np.asarray(scores).reshape(len(labels), -1).argmax(axis=1) == labels).mean())
