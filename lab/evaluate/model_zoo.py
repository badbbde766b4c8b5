"""Build PyTorch MNIST models the way tutorials make and export them, for the model zoo.

    python -m lab.evaluate.model_zoo --data ../shared/data/mnist --out runs/zoo/models \
        [--manifest runs/zoo/manifest.json] [--only NAME,NAME]

Trains small PyTorch networks (an MLP, a two-layer CNN, the classic LeNet-5 on 32 × 32
inputs) on MNIST training images, seeded, in every pixel convention tutorials use
(``unit`` 0-1, ``0-255``, ``mnist`` mean/std, ``symmetric`` (x - 0.5) / 0.5,
``keras-normalize`` and each of them inverted: black ink on white) with logits,
log-softmax, softmax and sigmoid heads, and exports each **without DigitCanvas
metadata** in the styles people use: ``torch.onnx.export`` classic (``dynamo=False``,
opsets 9 to 20) and ``dynamo=True`` (its default opset, 20 and 23; one with external weights);
dynamic or fixed batches (1, 32, 64), no batch dimension, NHWC, flat (N, 784) input,
float16, uint8 input, int8 by onnxruntime's dynamic and static (QDQ) quantization;
LeNet-5 on MNIST padded by 2 px (the classic recipe) and on MNIST resized to 32 × 32.

``--variant B`` builds the second zoo's recipes instead (:data:`RECIPES_B`): other
networks (two hidden layers with dropout, GELU, LeCun's 300-100 tanh MLP, batch norm,
a third convolution, ELU with average pooling and a global-average-pool head, LeNet-5
with ReLU and max pooling), trained longer on seeded random subsets (``--seed``).

Each file gets an entry in the manifest (see :mod:`lab.evaluate.zoo_common`) with the
convention it was trained with and its accuracy in PyTorch on all 10,000 MNIST test
images; then ``python -m lab.evaluate.zoo_check`` adds onnxruntime's view of it.
Needs the ``lab`` extra (PyTorch, onnx, onnxscript) and onnxruntime.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
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

from digitcanvas.training.mnist_data import MnistError, MnistSplit
from lab.console import fail, log
from lab.evaluate.zoo_common import (
    LENET_PAD,
    LENET_SIDE,
    RESIZED,
    SEED,
    Entry,
    accuracy,
    parser,
    prepare,
    record,
    start_build,
    subset_note,
    training_rows,
    version,
)

BATCH = 64  # training batch, as the PyTorch MNIST example uses
# Short training keeps the zoo quick on two cores; the models still read 90-99 % of MNIST.
MLP_IMAGES, MLP_EPOCHS = 60_000, 2
CNN_IMAGES, CNN_EPOCHS = 12_000, 2
CALIBRATION_IMAGES = 256  # training images onnxruntime's static quantization calibrates on
EVAL_BATCH = 1000  # test images per forward pass when scoring in PyTorch


class Mlp(nn.Module):
    """784-128-10, as the "MNIST with PyTorch" tutorials write it; any input that flattens to 784."""

    def __init__(self, head: str) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _head(self.body(x), self.head)


class Cnn(nn.Module):
    """Two 3 × 3 convolutions with max-pooling and two dense layers, on (N, 1, 28, 28)."""

    def __init__(self, head: str) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10),
        )  # fmt: skip
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _head(self.body(x), self.head)


class LeNet5(nn.Module):
    """LeNet-5 as the tutorials rebuild it: 5 × 5 convolutions (6, 16), average pooling, tanh,
    dense 120-84-10, on (N, 1, 32, 32)."""

    def __init__(self, head: str) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
        )  # fmt: skip
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _head(self.body(x), self.head)


class _Stack(nn.Module):
    """The second zoo's networks: a sequence of layers (:meth:`layers`) and a head."""

    def __init__(self, head: str) -> None:
        super().__init__()
        self.body = nn.Sequential(*self.layers())
        self.head = head

    def layers(self) -> list[nn.Module]:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _head(self.body(x), self.head)


class Mlp2(_Stack):
    """784-256-128-10 with ReLU and dropout 0.2 after the first layer."""

    def layers(self) -> list[nn.Module]:
        return [nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 128), nn.ReLU(),
                nn.Linear(128, 10)]  # fmt: skip


class MlpGelu(_Stack):
    """784-512-10 with GELU and dropout 0.1."""

    def layers(self) -> list[nn.Module]:
        return [nn.Flatten(), nn.Linear(784, 512), nn.GELU(), nn.Dropout(0.1), nn.Linear(512, 10)]


class MlpTanh(_Stack):
    """784-300-100-10 with tanh, the MLP of LeCun et al. 1998."""

    def layers(self) -> list[nn.Module]:
        return [nn.Flatten(), nn.Linear(784, 300), nn.Tanh(), nn.Linear(300, 100), nn.Tanh(), nn.Linear(100, 10)]


class CnnBn(_Stack):
    """Two 3 × 3 convolutions (16, 32) each with batch norm, ReLU and max-pooling; dropout 0.25, dense 128, 10."""

    def layers(self) -> list[nn.Module]:
        return [
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
        ]  # fmt: skip


class Cnn3(_Stack):
    """Three 3 × 3 convolutions (16, 32, 32) with ReLU, max-pooling after the first two; dropout 0.25, dense 10."""

    def layers(self) -> list[nn.Module]:
        return [
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 7 * 7, 10),
        ]  # fmt: skip


class CnnGap(_Stack):
    """Three 3 × 3 convolutions (16, 32, 64) with batch norm, ELU and average pooling, a global-average-pool
    head, dense 10 (without batch norm it reads under 90 % after two epochs)."""

    def layers(self) -> list[nn.Module]:
        return [
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ELU(), nn.AvgPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ELU(), nn.AvgPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ELU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
        ]  # fmt: skip


class LeNetRelu(_Stack):
    """LeNet-5 as "modern" tutorials rewrite it: ReLU and max-pooling, on (N, 1, 32, 32)."""

    def layers(self) -> list[nn.Module]:
        return [
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
        ]  # fmt: skip


NETS: dict[str, Callable[[str], nn.Module]] = {
    "mlp": Mlp,
    "cnn": Cnn,
    "lenet5": LeNet5,
    "mlp2": Mlp2,
    "mlp-gelu": MlpGelu,
    "mlp-tanh": MlpTanh,
    "cnn-bn": CnnBn,
    "cnn3": Cnn3,
    "cnn-gap": CnnGap,
    "lenet-relu": LeNetRelu,
}
HEAD_KINDS = {"logits": "logits", "log_softmax": "log-softmax", "softmax": "softmax", "sigmoid": "sigmoid"}


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
    """One exported file: which network, trained how, exported how."""

    name: str
    net: str  # a key of NETS
    convention: str  # a key of zoo_common.CONVENTIONS
    head: str = "logits"  # a key of HEAD_KINDS
    exporter: str = "classic"  # "classic" (dynamo=False) or "dynamo"
    opset: int | None = 17  # None: the exporter's default
    layout: str = "NCHW"  # NCHW, NHWC, NHW, flat, HW (no batch), CHW (no batch)
    batch: int | None = None  # None: a free batch dimension; else fixed
    dtype: str = "float32"  # float32, float16, uint8
    quantize: str = ""  # "", "dynamic", "static": onnxruntime.quantization to int8
    external_data: bool = False  # weights in a .data file beside the model
    size: str = ""  # "", "pad" (2 px to 32 × 32), "resize" (bilinear to 32 × 32)
    images: int | None = None  # training images; None: MLP_IMAGES or CNN_IMAGES
    epochs: int | None = None  # None: MLP_EPOCHS or CNN_EPOCHS
    notes: str = ""

    @property
    def trained(self) -> tuple[str, str, str, str, int, int]:
        """Recipes that share this key share one trained network."""
        return self.net, self.convention, self.head, self.size, *self.schedule

    @property
    def schedule(self) -> tuple[int, int]:
        """(training images, epochs)."""
        count, epochs = (MLP_IMAGES, MLP_EPOCHS) if self.net == "mlp" else (CNN_IMAGES, CNN_EPOCHS)
        return self.images or count, self.epochs or epochs


RECIPES = (
    # MLPs: the "PyTorch MNIST MLP" tutorials, x.view(-1, 784) or nn.Flatten.
    Recipe("torch-mlp-unit-logits-classic-op17", "mlp", "unit", layout="flat"),
    Recipe("torch-mlp-unit-logits-classic-op9", "mlp", "unit", opset=9, layout="flat"),
    Recipe("torch-mlp-unit-logits-batch1-op13", "mlp", "unit", opset=13, batch=1,
           notes="dummy input torch.randn(1, 1, 28, 28) and no dynamic_axes, as most tutorials export"),
    Recipe("torch-mlp-0to255-logits-nhw-op13", "mlp", "0-255", opset=13, layout="NHW"),
    Recipe("torch-mlp-0to255-logits-uint8-input", "mlp", "0-255", layout="NHW", dtype="uint8",
           notes="uint8 input cast to float inside the graph"),
    Recipe("torch-mlp-kerasnorm-softmax-op17", "mlp", "keras-normalize", "softmax", layout="NHW"),
    Recipe("torch-mlp-kerasnorminv-logits-op11", "mlp", "keras-normalize-inverted", opset=11, layout="NHW"),
    Recipe("torch-mlp-mnist-logsoftmax-nobatch-hw", "mlp", "mnist", "log_softmax", layout="HW",
           notes="input (28, 28), output (10,): no batch dimension"),
    Recipe("torch-mlp-unit-sigmoid-dynamo", "mlp", "unit", "sigmoid", exporter="dynamo", opset=None, layout="flat",
           notes="ten sigmoid units trained with binary cross-entropy on one-hot targets"),
    Recipe("torch-mlp-unitinv-logits-int8-dynamic", "mlp", "unit-inverted", opset=13, layout="flat",
           quantize="dynamic", notes="onnxruntime.quantization.quantize_dynamic, weights QInt8"),
    Recipe("torch-mlp-symmetricinv-softmax-dynamo-op23", "mlp", "symmetric-inverted", "softmax",
           exporter="dynamo", opset=23),
    # CNNs: PyTorch's examples/mnist recipe (Normalize((0.1307,), (0.3081,)), log_softmax + nll_loss) and variants.
    Recipe("torch-cnn-mnist-logsoftmax-classic-op17", "cnn", "mnist", "log_softmax"),
    Recipe("torch-cnn-mnist-logsoftmax-dynamo", "cnn", "mnist", "log_softmax", exporter="dynamo", opset=None),
    Recipe("torch-cnn-mnist-logsoftmax-dynamo-batch1-op20", "cnn", "mnist", "log_softmax", exporter="dynamo",
           opset=20, batch=1),
    Recipe("torch-cnn-mnist-logsoftmax-float16", "cnn", "mnist", "log_softmax", dtype="float16",
           notes="model.half(): float16 weights, input and output"),
    Recipe("torch-cnn-symmetric-logits-dynamo-external", "cnn", "symmetric", exporter="dynamo", opset=20,
           external_data=True, notes="weights in a .data file beside the model"),
    Recipe("torch-cnn-unitinv-logits-nhwc-batch64", "cnn", "unit-inverted", opset=13, layout="NHWC", batch=64,
           notes="NHWC input permuted inside the graph; batch fixed to 64"),
    Recipe("torch-cnn-mnistinv-softmax-op9", "cnn", "mnist-inverted", "softmax", opset=9),
    Recipe("torch-cnn-unit-softmax-int8-static", "cnn", "unit", "softmax", opset=13, quantize="static",
           notes=f"onnxruntime.quantization.quantize_static, QDQ, calibrated on {CALIBRATION_IMAGES} training images"),
    Recipe("torch-cnn-unit-softmax-int8-dynamic", "cnn", "unit", "softmax", opset=13, quantize="dynamic",
           notes="onnxruntime.quantization.quantize_dynamic, weights QInt8 (ConvInteger, MatMulInteger)"),
    Recipe("torch-cnn-symmetricinv-logits-nobatch-chw", "cnn", "symmetric-inverted", layout="CHW",
           notes="input (1, 28, 28), output (10,): no batch dimension"),
    Recipe("torch-cnn-0to255-logits-batch32-op11", "cnn", "0-255", opset=11, batch=32),
    Recipe("torch-cnn-0to255inv-logits-op20", "cnn", "0-255-inverted", opset=20, layout="NHW",
           notes="255 - x, unscaled (an MLP trained so at lr 1e-3 stays at chance)"),
    Recipe("torch-cnn-0to255inv-logits-uint8-input", "cnn", "0-255-inverted", layout="NHW", dtype="uint8",
           notes="the same network with a uint8 input cast to float inside the graph"),
    Recipe("torch-cnn-kerasnorm-logits-dynamo-op23", "cnn", "keras-normalize", exporter="dynamo", opset=23,
           layout="NHW", notes="(N, 28, 28) input, unsqueezed to one channel inside the graph"),
    Recipe("torch-cnn-unit-sigmoid-classic-op20", "cnn", "unit", "sigmoid", opset=20),
    # LeNet-5: MNIST padded by 2 px to 32 × 32 (transforms.Pad(2)), and transforms.Resize((32, 32)).
    Recipe("torch-lenet5-pad2-mnist-logits-classic-op17", "lenet5", "mnist", size="pad"),
    Recipe("torch-lenet5-pad2-mnist-logits-dynamo", "lenet5", "mnist", exporter="dynamo", opset=None, size="pad"),
    Recipe("torch-lenet5-resize32-unit-logits-op13", "lenet5", "unit", opset=13, size="resize"),
)  # fmt: skip

# The second zoo (--variant B): other networks, trained longer; names leave the convention out.
B_MLP, B_MLP_EPOCHS = 60_000, 5  # all training images, five epochs
B_CNN, B_CNN_EPOCHS = 40_000, 2
B_LENET, B_LENET_EPOCHS = 60_000, 2
B_GAP = 60_000  # the global-average-pool head learns slower than a dense one
RECIPES_B = (
    Recipe("torch-mlp2-logits-classic-op10", "mlp2", "unit", opset=10, layout="flat",
           images=B_MLP, epochs=B_MLP_EPOCHS),
    Recipe("torch-mlp2-logits-batch1-op12", "mlp2", "unit", opset=12, batch=1, images=B_MLP, epochs=B_MLP_EPOCHS,
           notes="dummy input torch.randn(1, 1, 28, 28), no dynamic_axes"),
    Recipe("torch-mlp2-logits-int8-dynamic", "mlp2", "unit", opset=13, layout="flat", quantize="dynamic",
           images=B_MLP, epochs=B_MLP_EPOCHS, notes="onnxruntime.quantization.quantize_dynamic, weights QInt8"),
    Recipe("torch-mlp2-logits-dynamo-op18", "mlp2", "unit", exporter="dynamo", opset=18, layout="NHW",
           images=B_MLP, epochs=B_MLP_EPOCHS),
    Recipe("torch-mlpgelu-logsoftmax-nobatch-hw-op16", "mlp-gelu", "mnist", "log_softmax", opset=16, layout="HW",
           images=B_MLP, epochs=4, notes="input (28, 28), output (10,): no batch dimension"),
    Recipe("torch-mlpgelu-logsoftmax-dynamo", "mlp-gelu", "mnist", "log_softmax", exporter="dynamo", opset=None,
           images=B_MLP, epochs=4),
    Recipe("torch-mlptanh-softmax-dynamo-op22", "mlp-tanh", "symmetric-inverted", "softmax", exporter="dynamo",
           opset=22, layout="flat", images=B_MLP, epochs=B_MLP_EPOCHS),
    Recipe("torch-mlptanh-softmax-classic-op16", "mlp-tanh", "symmetric-inverted", "softmax", opset=16,
           images=B_MLP, epochs=B_MLP_EPOCHS),
    Recipe("torch-mlp2-sigmoid-classic-op15", "mlp2", "keras-normalize", "sigmoid", opset=15, layout="NHW",
           images=B_MLP, epochs=B_MLP_EPOCHS, notes="ten sigmoid units, binary cross-entropy on one-hot targets"),
    Recipe("torch-mlp2-sigmoid-dynamo-op21", "mlp2", "keras-normalize", "sigmoid", exporter="dynamo", opset=21,
           layout="NHW", images=B_MLP, epochs=B_MLP_EPOCHS),
    Recipe("torch-cnnbn-logits-uint8-input", "cnn-bn", "0-255", layout="NHW", dtype="uint8", images=B_CNN,
           epochs=B_CNN_EPOCHS, notes="raw pixels, batch norm after each convolution; uint8 input cast inside"),
    Recipe("torch-cnnbn-logits-batch16-op11", "cnn-bn", "0-255", opset=11, batch=16, images=B_CNN,
           epochs=B_CNN_EPOCHS),
    Recipe("torch-cnnbn-logits-dynamo-external-op20", "cnn-bn", "0-255", exporter="dynamo", opset=20,
           external_data=True, images=B_CNN, epochs=B_CNN_EPOCHS, notes="weights in a .data file beside the model"),
    Recipe("torch-cnnbn-logits-uint8-nhwc-op18", "cnn-bn", "0-255-inverted", opset=18, layout="NHWC", dtype="uint8",
           images=B_CNN, epochs=B_CNN_EPOCHS, notes="uint8 NHWC input, cast and permuted inside the graph"),
    Recipe("torch-cnnbn-logits-nhw-op19", "cnn-bn", "0-255-inverted", exporter="dynamo", opset=19, layout="NHW",
           images=B_CNN, epochs=B_CNN_EPOCHS),
    Recipe("torch-cnn3-logsoftmax-classic-op17", "cnn3", "mnist", "log_softmax", images=B_CNN, epochs=B_CNN_EPOCHS,
           notes="PyTorch examples/mnist style: Normalize((0.1307,), (0.3081,)), log_softmax + nll_loss"),
    Recipe("torch-cnn3-logsoftmax-float16", "cnn3", "mnist", "log_softmax", dtype="float16", images=B_CNN,
           epochs=B_CNN_EPOCHS, notes="model.half(): float16 weights, input and output"),
    Recipe("torch-cnn3-logsoftmax-dynamo-batch1-op19", "cnn3", "mnist", "log_softmax", exporter="dynamo", opset=19,
           batch=1, images=B_CNN, epochs=B_CNN_EPOCHS),
    Recipe("torch-cnngap-softmax-int8-static", "cnn-gap", "unit", "softmax", opset=13, quantize="static",
           images=B_GAP, epochs=B_CNN_EPOCHS,
           notes=f"onnxruntime.quantization.quantize_static, QDQ, calibrated on {CALIBRATION_IMAGES} training images"),
    Recipe("torch-cnngap-softmax-int8-dynamic", "cnn-gap", "unit", "softmax", opset=13, quantize="dynamic",
           images=B_GAP, epochs=B_CNN_EPOCHS, notes="onnxruntime.quantization.quantize_dynamic, weights QInt8"),
    Recipe("torch-cnngap-softmax-nhwc-batch64-op13", "cnn-gap", "unit", "softmax", opset=13, layout="NHWC",
           batch=64, images=B_GAP, epochs=B_CNN_EPOCHS),
    Recipe("torch-cnn3-sigmoid-classic-op20", "cnn3", "unit-inverted", "sigmoid", opset=20, images=B_CNN,
           epochs=B_CNN_EPOCHS, notes="ten sigmoid units, binary cross-entropy on one-hot targets"),
    Recipe("torch-cnn3-sigmoid-nobatch-chw", "cnn3", "unit-inverted", "sigmoid", layout="CHW", images=B_CNN,
           epochs=B_CNN_EPOCHS, notes="input (1, 28, 28), output (10,): no batch dimension"),
    Recipe("torch-cnnbn-logits-dynamo-op23", "cnn-bn", "keras-normalize-inverted", exporter="dynamo", opset=23,
           layout="NHW", images=B_CNN, epochs=B_CNN_EPOCHS,
           notes="(N, 28, 28) input, unsqueezed to one channel inside the graph"),
    Recipe("torch-lenetrelu-pad2-logits-classic-op9", "lenet-relu", "symmetric", opset=9, size="pad",
           images=B_LENET, epochs=B_LENET_EPOCHS),
    Recipe("torch-lenetrelu-pad2-logits-dynamo", "lenet-relu", "symmetric", exporter="dynamo", opset=None,
           size="pad", images=B_LENET, epochs=B_LENET_EPOCHS),
    Recipe("torch-lenet5-resize32-logits-op14", "lenet5", "mnist-inverted", opset=14, size="resize",
           images=B_LENET, epochs=B_LENET_EPOCHS),
)  # fmt: skip
# The third zoo (--variant C): 32 x 32 models only, held out for the rule that tells padded digits
# from resized ones (chosen on the first two zoos).
RECIPES_C = (
    Recipe("torch-lenet5-resize32-a-logits-op13", "lenet5", "unit", opset=13, size="resize", images=B_LENET,
           epochs=B_LENET_EPOCHS),
    Recipe("torch-lenet5-pad2-b-logits-op17", "lenet5", "unit-inverted", size="pad", images=B_LENET,
           epochs=B_LENET_EPOCHS),
    Recipe("torch-lenetrelu-resize32-c-logits-dynamo", "lenet-relu", "mnist", exporter="dynamo", opset=None,
           size="resize", images=B_LENET, epochs=B_LENET_EPOCHS),
    Recipe("torch-lenetrelu-pad2-d-logits-op11", "lenet-relu", "0-255", opset=11, size="pad", images=B_LENET,
           epochs=B_LENET_EPOCHS),
    Recipe("torch-lenet5-resize32-e-softmax-op15", "lenet5", "symmetric", "softmax", opset=15, size="resize",
           images=B_LENET, epochs=B_LENET_EPOCHS),
    Recipe("torch-lenetrelu-pad2-f-logsoftmax-op17", "lenet-relu", "mnist-inverted", "log_softmax", size="pad",
           images=B_LENET, epochs=B_LENET_EPOCHS),
)  # fmt: skip
VARIANT_RECIPES = {"A": RECIPES, "B": RECIPES_B, "C": RECIPES_C}


def _pixels(recipe: Recipe, images: NDArray[np.uint8]) -> NDArray[np.float32]:
    """The arrays the network is trained and scored on: (N, side, side) in its convention."""
    pad = LENET_PAD if recipe.size == "pad" else 0
    resize = LENET_SIDE if recipe.size == "resize" else 0
    return prepare(images, recipe.convention, pad=pad, resize=resize)


def _as_nchw(x: NDArray[np.float32]) -> torch.Tensor:
    return torch.from_numpy(x).unsqueeze(1)


def train(
    recipe: Recipe, data: MnistSplit, *, seed: int = SEED, variant: str = "A"
) -> tuple[nn.Module, dict[str, object]]:
    """A network trained (Adam, lr 1e-3, batch 64, seeded) as the recipe's convention and head say."""
    torch.manual_seed(seed)
    net = NETS[recipe.net](recipe.head)
    count, epochs = recipe.schedule
    rows = training_rows(count, len(data.labels), seed=seed, variant=variant)
    x = _as_nchw(_pixels(recipe, data.images[rows]))
    y = torch.from_numpy(data.labels[rows].astype(np.int64))
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    started = time.perf_counter()
    net.train()
    for _ in range(epochs):
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
    training: dict[str, object] = {
        "images": count,
        "epochs": epochs,
        "seed": seed,
        "optimizer": "Adam lr 1e-3",
        "batch": BATCH,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if variant != "A":
        training["subset"] = subset_note(count, len(data.labels), seed=seed, variant=variant)
    return net.eval(), training


def own_accuracy(recipe: Recipe, net: nn.Module, test: MnistSplit) -> float:
    """The network's accuracy in PyTorch on all test images, in its convention (float16: as half)."""
    x = _as_nchw(_pixels(recipe, test.images))
    if recipe.dtype == "float16":
        net, x = _half_copy(net), x.half()
    with torch.no_grad():
        scores = torch.cat([net(x[s : s + EVAL_BATCH]).float() for s in range(0, len(x), EVAL_BATCH)])
    return accuracy(scores.numpy(), test.labels)


def _half_copy(net: nn.Module) -> nn.Module:
    half = type(net)(str(getattr(net, "head", "logits")))
    half.load_state_dict(net.state_dict())
    return half.half().eval()


class _Edge(nn.Module):
    """Reshapes and casts at the model's input the way an export style needs."""

    def __init__(self, net: nn.Module, layout: str, dtype: str) -> None:
        super().__init__()
        self.net, self.layout, self.dtype = net, layout, dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.dtype == "uint8":
            x = x.float()
        if self.layout == "NHWC":
            x = x.permute(0, 3, 1, 2)
        elif self.layout == "NHW":
            x = x.unsqueeze(1)
        elif self.layout == "flat":
            x = x.reshape(-1, 1, 28, 28)
        elif self.layout in ("HW", "CHW"):
            return self.net(x.reshape(1, 1, 28, 28)).reshape(10)
        return self.net(x)


def _example_shape(recipe: Recipe) -> tuple[int, ...]:
    side = LENET_SIDE if recipe.size else 28
    batch = recipe.batch or 1
    return {
        "NCHW": (batch, 1, side, side),
        "NHWC": (batch, side, side, 1),
        "NHW": (batch, side, side),
        "flat": (batch, side * side),
        "HW": (side, side),
        "CHW": (1, side, side),
    }[recipe.layout]


def _input_shape(recipe: Recipe) -> list[int | str | None]:
    shape: list[int | str | None] = list(_example_shape(recipe))
    if recipe.batch is None and recipe.layout not in ("HW", "CHW"):
        shape[0] = "N"
    return shape


def export(recipe: Recipe, net: nn.Module, path: Path, calibration: NDArray[np.float32]) -> str:
    """Write the recipe's ONNX file; the exporter as the manifest names it."""
    edge = _Edge(_half_copy(net) if recipe.dtype == "float16" else net, recipe.layout, recipe.dtype).eval()
    dtype = {"float32": torch.float32, "float16": torch.float16, "uint8": torch.uint8}[recipe.dtype]
    example = torch.zeros(_example_shape(recipe), dtype=dtype)
    free_batch = recipe.batch is None and recipe.layout not in ("HW", "CHW")
    target = path.with_suffix(".fp32.onnx") if recipe.quantize else path
    for stale in (path, path.with_suffix(".onnx.data"), target):
        stale.unlink(missing_ok=True)
    if recipe.exporter == "dynamo":
        shapes = {"x": {0: torch.export.Dim("N", min=1, max=4096)}} if free_batch else None
        torch.onnx.export(edge, (example,), str(target), dynamo=True, input_names=["x"], output_names=["y"],
                          opset_version=recipe.opset, dynamic_shapes=shapes,
                          external_data=recipe.external_data, verbose=False)  # fmt: skip
        exporter = f"torch.onnx.export(dynamo=True) {torch.__version__}, onnxscript {version('onnxscript')}"
    else:
        axes = {"x": {0: "N"}, "y": {0: "N"}} if free_batch else None
        torch.onnx.export(edge, (example,), str(target), dynamo=False, input_names=["x"], output_names=["y"],
                          opset_version=recipe.opset, dynamic_axes=axes)  # fmt: skip
        exporter = f"torch.onnx.export(dynamo=False) {torch.__version__}"
    if recipe.quantize:
        exporter += f" + onnxruntime.quantization.quantize_{recipe.quantize} {version('onnxruntime')}"
        _quantize(recipe, target, path, calibration)
        target.unlink()
    return exporter


def _quantize(recipe: Recipe, source: Path, path: Path, calibration: NDArray[np.float32]) -> None:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    if recipe.quantize == "dynamic":
        quantize_dynamic(str(source), str(path), weight_type=QuantType.QInt8)
        return

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches: Iterator[dict[str, NDArray[np.float32]]] = (
                {"x": calibration[s : s + 32].reshape((-1, *_example_shape(recipe)[1:]))}
                for s in range(0, len(calibration), 32)
            )

        def get_next(self) -> dict[str, NDArray[np.float32]] | None:
            return next(self.batches, None)

    quantize_static(str(source), str(path), Reader(), quant_format=QuantFormat.QDQ, weight_type=QuantType.QInt8)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser("python -m lab.evaluate.model_zoo", __doc__ or "").parse_args(argv)
    torch.set_num_threads(1)
    try:
        train_split, test, wanted, out, manifest = start_build(args)
    except MnistError as e:
        return fail(str(e))
    nets: dict[tuple[str, str, str, str, int, int], tuple[nn.Module, dict[str, object], float]] = {}
    started = time.perf_counter()
    for recipe in VARIANT_RECIPES[args.variant]:
        if wanted is not None and recipe.name not in wanted:
            continue
        if recipe.trained not in nets:
            log(f"training {recipe.net} on {recipe.convention} ({recipe.head} {recipe.size})")
            net, training = train(recipe, train_split, seed=args.seed, variant=args.variant)
            nets[recipe.trained] = (net, training, own_accuracy(recipe, net, test))
        net, training, own = nets[recipe.trained]
        if recipe.dtype == "float16":
            own = own_accuracy(recipe, net, test)
        path = out / f"{recipe.name}.onnx"
        calibration = _pixels(recipe, train_split.images[-CALIBRATION_IMAGES:])
        exporter = export(recipe, net, path, calibration)
        notes = recipe.notes
        if recipe.quantize:
            notes += "; own accuracy is the float32 network's in PyTorch"
        record(
            manifest,
            Entry(
                file=path.name,
                framework=f"PyTorch {torch.__version__}",
                exporter=exporter,
                opset=recipe.opset,
                input_shape=_input_shape(recipe),
                input_dtype=recipe.dtype,
                layout=recipe.layout,
                output_kind=HEAD_KINDS[recipe.head],
                convention=recipe.convention,
                own_accuracy=own,
                training={"net": recipe.net, **training},
                pad=LENET_PAD if recipe.size == "pad" else None,
                resize=RESIZED if recipe.size == "resize" else None,
                notes=notes.strip("; "),
            ),
        )
        log(f"{path.name}: PyTorch {own:.2%} on {len(test.labels)} test images")
    log(f"PyTorch zoo: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
