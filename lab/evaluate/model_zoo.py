"""Build MNIST models the way people export them, and check each in DigitCanvas.

    python -m lab.evaluate.model_zoo --data ../shared/data/mnist --out runs/zoo [--count 2000]

Trains small PyTorch (and, when installed, scikit-learn) models on MNIST training images
in the conventions and export styles tutorials use (0-1, 0-255, MNIST mean/std,
(x - 0.5) / 0.5, tf.keras.utils.normalize, inverted ink; logits, log-softmax, softmax,
sigmoid; fixed batches, no batch dimension, float16, int8, uint8 input, external
weights, ZipMap), exports each to ONNX **without DigitCanvas metadata**, and prints a
table: the model's own accuracy on the first ``--count`` MNIST test images (its
framework, on the raw arrays), and DigitCanvas's through ``digitcanvas predict`` on the
same images saved as PNG files (see :mod:`lab.evaluate.any_model`).

Needs the ``train`` extra; scikit-learn models need ``pip install scikit-learn skl2onnx``.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError as e:  # pragma: no cover - the message is the point
    raise SystemExit('python -m lab.evaluate.model_zoo needs PyTorch: pip install -e ".[lab]"') from e

from digitcanvas.training.mnist_data import MnistError, load_split
from lab.console import fail, log
from lab.evaluate.any_model import check, write_pngs

SEED = 2026
TRAIN_IMAGES = 60_000  # all of MNIST training, as tutorials do
EPOCHS = 2
BATCH = 64  # also the batch some exports fix
OPSET = 17


def convention(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """What a tutorial does to [0, 1] pixels (N, 28, 28) before the network."""
    return {
        "unit": lambda x: x,
        "0-255": lambda x: x * 255,
        "mnist": lambda x: (x - 0.1307) / 0.3081,
        "symmetric": lambda x: (x - 0.5) / 0.5,
        "keras-normalize": lambda x: x / x.norm(dim=1, keepdim=True).clamp_min(1e-12),
        "unit-inverted": lambda x: 1 - x,
    }[name]


class Mlp(nn.Module):
    def __init__(self, head: str = "logits") -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _head(self.body(x), self.head)


class Cnn(nn.Module):
    def __init__(self, head: str = "logits") -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10),
        )  # fmt: skip
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _head(self.body(x.reshape(-1, 1, 28, 28)), self.head)


def _head(z: torch.Tensor, head: str) -> torch.Tensor:
    if head == "softmax":
        return F.softmax(z, dim=1)
    if head == "log_softmax":
        return F.log_softmax(z, dim=1)
    if head == "sigmoid":
        return torch.sigmoid(z)
    return z


@dataclass(frozen=True)
class Recipe:
    name: str
    net: str  # "mlp" or "cnn"
    convention: str
    head: str = "logits"
    export: str = "plain"  # plain, nhwc-batch64, float16, int8, uint8, dynamo, no-batch, batch32-n1x10


RECIPES = (
    Recipe("mlp-0to1-logits", "mlp", "unit"),
    Recipe("mlp-0to255-logits", "mlp", "0-255"),
    Recipe("cnn-mnist-meanstd", "cnn", "mnist"),
    Recipe("cnn-normalize05-logsoftmax", "cnn", "symmetric", "log_softmax"),
    Recipe("mlp-keras-normalize-softmax", "mlp", "keras-normalize", "softmax"),
    Recipe("cnn-inverted-nhwc-batch64", "cnn", "unit-inverted", export="nhwc-batch64"),
    Recipe("mlp-sigmoid", "mlp", "unit", "sigmoid"),
    Recipe("cnn-float16", "cnn", "mnist", export="float16"),
    Recipe("cnn-int8-softmax", "cnn", "unit", "softmax", export="int8"),
    Recipe("mlp-uint8-input", "mlp", "0-255", export="uint8"),
    Recipe("cnn-dynamo-external-data", "cnn", "symmetric", export="dynamo"),
    Recipe("mlp-no-batch-dim", "mlp", "unit", export="no-batch"),
    Recipe("cnn-batch32-n1x10", "cnn", "mnist", export="batch32-n1x10"),
)


def train(recipe: Recipe, images: NDArray[np.uint8], labels: NDArray[np.uint8]) -> nn.Module:
    torch.manual_seed(SEED)
    net: nn.Module = Mlp(recipe.head) if recipe.net == "mlp" else Cnn(recipe.head)
    prepare = convention(recipe.convention)
    x = prepare(torch.from_numpy(images[:TRAIN_IMAGES].astype(np.float32) / 255))
    y = torch.from_numpy(labels[:TRAIN_IMAGES].astype(np.int64))
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(SEED)
    net.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), BATCH):
            batch = order[start : start + BATCH]
            out = net(x[batch])
            if recipe.head == "sigmoid":
                loss = F.binary_cross_entropy(out, F.one_hot(y[batch], 10).float())
            elif recipe.head == "softmax":
                loss = F.nll_loss(torch.log(out.clamp_min(1e-9)), y[batch])
            elif recipe.head == "log_softmax":
                loss = F.nll_loss(out, y[batch])
            else:
                loss = F.cross_entropy(out, y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return net.eval()


def framework_accuracy(recipe: Recipe, net: nn.Module, images: NDArray[np.uint8], labels: NDArray[np.uint8]) -> float:
    with torch.no_grad():
        x = convention(recipe.convention)(torch.from_numpy(images.astype(np.float32) / 255))
        return float((net(x).argmax(dim=1).numpy() == labels).mean())


class _Wrapped(nn.Module):
    """Reshapes at the model's edge the way an export style needs."""

    def __init__(self, net: nn.Module, style: str) -> None:
        super().__init__()
        self.net, self.style = net, style

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.style == "nhwc-batch64":
            return self.net(x.permute(0, 3, 1, 2))
        if self.style == "uint8":
            return self.net(x.float())
        if self.style == "no-batch":
            return self.net(x.reshape(1, 28, 28)).reshape(10)
        if self.style == "batch32-n1x10":
            return self.net(x).reshape(-1, 1, 10)
        return self.net(x)


def export(recipe: Recipe, net: nn.Module, path: Path) -> Path:
    style = recipe.export
    wrapped = _Wrapped(net, style).eval()
    shapes = {
        "nhwc-batch64": (BATCH, 28, 28, 1),
        "no-batch": (28, 28),
        "batch32-n1x10": (32, 1, 28, 28),
    }
    example = torch.zeros(shapes.get(style, (1, 1, 28, 28) if recipe.net == "cnn" else (1, 784)))
    dynamic = None if style in shapes else {"x": {0: "N"}, "y": {0: "N"}}
    if style == "uint8":
        example = example.to(torch.uint8)
    if style == "float16":
        wrapped, example = wrapped.half(), example.half()
    if style == "dynamo":
        program = torch.onnx.export(wrapped, (example,), dynamo=True, input_names=["x"], output_names=["y"],
                                    dynamic_shapes={"x": {0: torch.export.Dim("N")}})  # fmt: skip
        assert program is not None
        program.save(str(path), external_data=True)
        return path
    target = path.with_suffix(".fp32.onnx") if style == "int8" else path
    torch.onnx.export(wrapped, (example,), str(target), input_names=["x"], output_names=["y"], opset_version=OPSET,
                      dynamic_axes=dynamic, dynamo=False)  # fmt: skip
    if style == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(target), str(path), weight_type=QuantType.QInt8)
        target.unlink()
    return path


def sklearn_models(
    train: tuple[NDArray[np.uint8], NDArray[np.uint8]], test: tuple[NDArray[np.uint8], NDArray[np.uint8]], folder: Path
) -> list[tuple[Path, float]]:
    """Logistic regression (on 0-255 floats) and an MLP (on 0-1), exported with skl2onnx's
    defaults (a label output and a ZipMap); with each one's own accuracy on ``test``."""
    try:
        from skl2onnx import to_onnx
        from sklearn.linear_model import LogisticRegression
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        log("scikit-learn / skl2onnx not installed: skipping their models")
        return []
    x = train[0][:TRAIN_IMAGES].reshape(-1, 784).astype(np.float32)
    y = train[1][:TRAIN_IMAGES]
    x_test = test[0].reshape(-1, 784).astype(np.float32)
    made = []
    for name, model, scale in (
        ("sklearn-logistic-zipmap", LogisticRegression(max_iter=200), 1.0),
        ("sklearn-mlp-zipmap", MLPClassifier(hidden_layer_sizes=(128,), max_iter=20, random_state=SEED), 255.0),
    ):
        log(f"training {name}")
        model.fit(x / scale, y)
        path = folder / f"{name}.onnx"
        onnx_model = to_onnx(model, x[:1] / scale, target_opset={"": OPSET, "ai.onnx.ml": 3})
        path.write_bytes(onnx_model.SerializeToString())
        made.append((path, float((model.predict(x_test / scale) == test[1]).mean())))
    return made


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.evaluate.model_zoo", description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--out", default="runs/zoo", help="folder for the exported models")
    parser.add_argument("--count", type=int, default=2000, help="MNIST test images to compare on")
    parser.add_argument("--only", help="comma-separated recipe names")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    try:
        train_split, test = load_split(args.data, "train"), load_split(args.data, "test")
    except MnistError as e:
        return fail(str(e))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    images, labels = test.images[: args.count], test.labels[: args.count]
    wanted = set(args.only.split(",")) if args.only else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_pngs(images, folder)
        for recipe in RECIPES:
            if wanted and recipe.name not in wanted:
                continue
            log(f"training {recipe.name}")
            net = train(recipe, train_split.images, train_split.labels)
            own = framework_accuracy(recipe, net, images, labels)
            path = export(recipe, net, out / f"{recipe.name}.onnx")
            rows.append((recipe.name, own, check(path, images, labels, folder, None)))
        if not wanted or any(w.startswith("sklearn") for w in wanted):
            for path, own in sklearn_models((train_split.images, train_split.labels), (images, labels), out):
                rows.append((path.stem, own, check(path, images, labels, folder, None)))
    print("| model | DigitCanvas reads the input as | own framework, raw arrays | `predict` on PNGs | gap (points) |")
    print("|---|---|---:|---:|---:|")
    for name, own, result in rows:
        gap = (own - result.predict_accuracy) * 100
        print(f"| {name} | {result.input} | {own:.2%} | {result.predict_accuracy:.2%} | {gap:+.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
