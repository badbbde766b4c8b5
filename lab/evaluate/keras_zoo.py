"""Build Keras MNIST models the way Keras and TensorFlow tutorials do, for the model zoo.

    pip install tensorflow tf2onnx tf-keras onnxruntime   # a separate environment: no dependency of this project
    python -m lab.evaluate.keras_zoo --data ../shared/data/mnist --out runs/zoo/models             # Keras 3
    python -m lab.evaluate.keras_zoo --data ../shared/data/mnist --out runs/zoo/models --tf-keras  # tf.keras 2

Three export styles, each **without DigitCanvas metadata**:

* **Keras 3** ``model.export(path, format="onnx")`` (TensorFlow backend; Keras runs tf2onnx
  inside), at the exporter's default opset or one asked for;
* **tf.keras (Keras 3) → SavedModel → tf2onnx**: ``model.export(folder)`` and
  ``python -m tf2onnx.convert --saved-model folder --output model.onnx --opset N``, the
  route tf2onnx documents for TensorFlow 2 (its ``from_keras`` fails on Keras 3 models);
* **tf.keras 2 + tf2onnx.convert.from_keras** (``--tf-keras``: the ``tf-keras`` package
  with ``TF_USE_LEGACY_KERAS=1``, as older tutorials and their readers still run them),
  with an ``input_signature`` that may fix the batch, opsets 9 to 18.

The recipes follow the tutorials users copy: TensorFlow's beginner quickstart (dense,
dropout, logits, pixels / 255), the ``tf.keras.utils.normalize(x, axis=1)`` tutorial
(softmax, and the sigmoid head of the project's seed model), Keras's "Simple MNIST
convnet" (NHWC, softmax), a ``Rescaling(1/255)`` layer inside the model (fed 0-255), GAN
style (x - 127.5) / 127.5, LeNet-5 on MNIST padded by 2 px, and inverted ink. Each is
trained seeded on a share of the MNIST training images, scored by Keras on all 10,000
test images in its own convention, and added to the manifest (see
:mod:`lab.evaluate.zoo_common`); ``python -m lab.evaluate.zoo_check`` adds
onnxruntime's view. This script needs TensorFlow, Keras, tf2onnx and numpy; of DigitCanvas only its
MNIST reader (:mod:`digitcanvas.training.mnist_data`, numpy only: run with ``PYTHONPATH=`` the repository).

``--variant B`` builds the second zoo's recipes instead (:data:`RECIPES_B`): batch norm,
a global-average-pool head, 5 × 5 convolutions, wider dense nets with dropout, ELU and
swish, LeNet-5 on MNIST resized to 32 × 32, trained longer on seeded random subsets
(``--seed``).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.training.mnist_data import MnistError, MnistSplit
from lab.evaluate.zoo_common import (
    LENET_PAD,
    LENET_SIDE,
    MNIST_SIDE,
    RESIZED,
    SEED,
    Entry,
    accuracy,
    parser,
    prepare,
    prepare_uint8,
    record,
    start_build,
    subset_note,
    training_rows,
    version,
)

THREADS = 2  # TensorFlow's intra-op threads: the machine's two cores, shared
BATCH = 128  # Keras tutorials' batch size
KERAS3_ONNX, SAVEDMODEL_TF2ONNX, TF_KERAS2 = "keras3-onnx", "savedmodel-tf2onnx", "tf-keras2-from_keras"


@dataclass(frozen=True)
class Recipe:
    """One exported file: which Keras model, trained how, exported how."""

    name: str
    style: str  # KERAS3_ONNX, SAVEDMODEL_TF2ONNX or TF_KERAS2
    net: str  # a net build() knows: "dense", "dense2" (two hidden layers), "quickstart", "rescaling", "convnet", ...
    convention: str  # a key of zoo_common.CONVENTIONS
    head: str  # "logits", "softmax", "sigmoid"
    images: int = 60_000  # training images
    epochs: int = 2
    opset: int | None = None  # None: the exporter's default
    batch: int | None = None  # a batch fixed by the input signature (tf2onnx.convert.from_keras)
    size: str = ""  # LeNet-5: "pad" (2 px to 32 × 32) or "resize" (bilinear to 32 × 32)
    notes: str = ""

    @property
    def nhwc(self) -> bool:
        return self.net in CONV_NETS

    @property
    def side(self) -> int:
        """Pixels per side of the model's input."""
        return LENET_SIDE if self.size else MNIST_SIDE


RECIPES = (
    Recipe("keras3-quickstart-unit-logits", KERAS3_ONNX, "quickstart", "unit", "logits",
           notes="TensorFlow 2 quickstart for beginners: Flatten, Dense 128 relu, Dropout 0.2, Dense 10"),
    Recipe("keras3-convnet-unit-softmax-nhwc", KERAS3_ONNX, "convnet", "unit", "softmax", images=12_000,
           notes="Keras example 'Simple MNIST convnet' (NHWC input)"),
    Recipe("keras3-dense-kerasnorm-softmax-op17", KERAS3_ONNX, "dense2", "keras-normalize", "softmax", opset=17,
           notes="x = tf.keras.utils.normalize(x, axis=1); two Dense 128 relu"),
    Recipe("keras3-rescaling-0to255-softmax", KERAS3_ONNX, "rescaling", "0-255", "softmax",
           notes="Rescaling(1/255) as the first layer: fed raw 0-255 pixels"),
    Recipe("keras3-dense-unit-sigmoid", KERAS3_ONNX, "dense", "unit", "sigmoid",
           notes="ten sigmoid units, binary cross-entropy on one-hot targets"),
    Recipe("keras3-dense-symmetric-softmax-op13", KERAS3_ONNX, "dense", "symmetric", "softmax", opset=13,
           notes="(x - 127.5) / 127.5 as GAN tutorials scale MNIST"),
    Recipe("keras3-lenet5-pad2-unit-softmax", KERAS3_ONNX, "lenet5", "unit", "softmax", images=12_000, size="pad",
           notes="np.pad(x, ((0, 0), (2, 2), (2, 2))) / 255; LeNet-5 with tanh and average pooling, NHWC 32 x 32"),
    Recipe("keras3-dense-kerasnorminv-softmax", KERAS3_ONNX, "dense2", "keras-normalize-inverted", "softmax",
           notes="tf.keras.utils.normalize(255 - x, axis=1): black ink on white"),
    Recipe("tfkeras-savedmodel-tf2onnx-mnistinv-logits-op13", SAVEDMODEL_TF2ONNX, "quickstart", "mnist-inverted",
           "logits", opset=13, notes="model.export(folder); python -m tf2onnx.convert --saved-model folder --opset 13"),
    Recipe("tfkeras-savedmodel-tf2onnx-unitinv-convnet-op18", SAVEDMODEL_TF2ONNX, "convnet", "unit-inverted",
           "softmax", images=12_000, opset=18, notes="(255 - x) / 255, Simple MNIST convnet; tf2onnx --opset 18"),
    Recipe("tfkeras2-fromkeras-unit-softmax-op9", TF_KERAS2, "dense", "unit", "softmax", opset=9),
    Recipe("tfkeras2-fromkeras-kerasnorm-sigmoid-op13", TF_KERAS2, "dense2", "keras-normalize", "sigmoid", opset=13,
           notes="as the project's seed model: tf.keras.utils.normalize(x, axis=1), sigmoid outputs"),
    Recipe("tfkeras2-fromkeras-mnist-convnet-batch1-op15", TF_KERAS2, "convnet", "mnist", "softmax", images=12_000,
           opset=15, batch=1, notes="input_signature (1, 28, 28, 1): batch fixed to 1"),
    Recipe("tfkeras2-fromkeras-0to255inv-convnet-logits-op18", TF_KERAS2, "convnet", "0-255-inverted", "logits",
           images=12_000, opset=18, notes="255 - x, unscaled (a dense net trained so reads about 80 %)"),
)  # fmt: skip

# The second zoo (--variant B): other networks, trained longer; names leave the convention out.
B_DENSE = 60_000  # all training images for dense nets (epochs per recipe)
B_CONV, B_CONV_EPOCHS = 40_000, 2
RECIPES_B = (
    Recipe("keras3-cnnbn-softmax-nhwc", KERAS3_ONNX, "cnn-bn", "unit", "softmax", B_CONV, B_CONV_EPOCHS,
           notes="Conv2D 16 and 32 each with BatchNormalization, ReLU, MaxPooling2D; Dropout 0.3; NHWC input"),
    Recipe("keras3-mlp256-softmax-op15", KERAS3_ONNX, "mlp256", "mnist", "softmax", B_DENSE, 5, opset=15,
           notes="(x / 255 - 0.1307) / 0.3081; Dense 256 relu, Dropout 0.2, Dense 128 relu"),
    Recipe("keras3-rescaling-swish-logits", KERAS3_ONNX, "rescaling-swish", "0-255-inverted", "logits", B_DENSE, 5,
           notes="fed 255 - x; Rescaling(1/255) as the first layer, Dense 256 swish, Dropout 0.2 (gelu: tf2onnx "
           "cannot convert its Erfc)"),
    Recipe("keras3-mlp512-logits-op16", KERAS3_ONNX, "mlp512", "keras-normalize", "logits", B_DENSE, 4, opset=16,
           notes="tf.keras.utils.normalize(x, axis=1); Dense 512 relu, Dropout 0.2 (Keras's mnist_mlp, one layer)"),
    Recipe("keras3-lenet5-resize32-softmax", KERAS3_ONNX, "lenet5", "unit", "softmax", B_CONV, B_CONV_EPOCHS,
           size="resize", notes="MNIST resized bilinearly to 32 x 32, / 255; LeNet-5 with tanh and average pooling"),
    Recipe("keras3-gapcnn-softmax-op18", KERAS3_ONNX, "gap-cnn", "mnist-inverted", "softmax", B_CONV, B_CONV_EPOCHS,
           opset=18, notes="Conv2D 16, 32, 64 relu with max pooling and GlobalAveragePooling2D"),
    Recipe("keras3-elu-sigmoid-op14", KERAS3_ONNX, "elu", "unit", "sigmoid", B_DENSE, 5, opset=14,
           notes="Dense 128 elu, Dense 64 elu; ten sigmoid units, binary cross-entropy on one-hot targets"),
    Recipe("tfkeras-savedmodel-tf2onnx-cnnbn-logits-op12", SAVEDMODEL_TF2ONNX, "cnn-bn", "0-255", "logits", B_CONV,
           B_CONV_EPOCHS, opset=12, notes="raw 0-255 pixels into Conv2D + BatchNormalization; tf2onnx --opset 12"),
    Recipe("tfkeras-savedmodel-tf2onnx-mlp256-softmax-op16", SAVEDMODEL_TF2ONNX, "mlp256", "symmetric-inverted",
           "softmax", B_DENSE, 5, opset=16, notes="model.export(folder); python -m tf2onnx.convert --opset 16"),
    Recipe("tfkeras-savedmodel-tf2onnx-mlp512-logits-op10", SAVEDMODEL_TF2ONNX, "mlp512", "keras-normalize-inverted",
           "logits", B_DENSE, 4, opset=10, notes="tf.keras.utils.normalize(255 - x, axis=1); tf2onnx --opset 10"),
    Recipe("tfkeras2-fromkeras-mlp512-softmax-op11", TF_KERAS2, "mlp512", "unit", "softmax", B_DENSE, 4, opset=11,
           notes="Dense 512 relu, Dropout 0.2, softmax"),
    Recipe("tfkeras2-fromkeras-cnn5-logits-batch1-op14", TF_KERAS2, "cnn5", "mnist", "logits", B_CONV, B_CONV_EPOCHS,
           opset=14, batch=1, notes="Conv2D 32 5x5, Conv2D 32 3x3, Dense 64; input_signature (1, 28, 28, 1)"),
    Recipe("tfkeras2-fromkeras-mlp256-sigmoid-op12", TF_KERAS2, "mlp256", "keras-normalize", "sigmoid", B_DENSE, 5,
           opset=12, notes="tf.keras.utils.normalize(x, axis=1), sigmoid outputs, binary cross-entropy"),
    Recipe("tfkeras2-fromkeras-gapcnn-softmax-batch8-op17", TF_KERAS2, "gap-cnn", "unit-inverted", "softmax", B_CONV,
           B_CONV_EPOCHS, opset=17, batch=8, notes="(255 - x) / 255; input_signature (8, 28, 28, 1)"),
    Recipe("tfkeras2-fromkeras-elu-softmax-op13", TF_KERAS2, "elu", "0-255", "softmax", B_DENSE, 3, opset=13,
           notes="raw 0-255 pixels into Dense 128 elu, Dense 64 elu"),
)  # fmt: skip
# The third zoo (--variant C): 32 x 32 models only (see model_zoo.RECIPES_C).
RECIPES_C = (
    Recipe("keras3-lenet5-resize32-g-softmax", KERAS3_ONNX, "lenet5", "mnist", "softmax", B_CONV, B_CONV_EPOCHS,
           size="resize", notes="MNIST resized bilinearly to 32 x 32, (x / 255 - 0.1307) / 0.3081"),
    Recipe("keras3-lenet5-pad2-h-logits-op16", KERAS3_ONNX, "lenet5", "symmetric", "logits", B_CONV, B_CONV_EPOCHS,
           opset=16, size="pad", notes="np.pad(x, 2 px), (x - 127.5) / 127.5"),
)  # fmt: skip
VARIANT_RECIPES = {"A": RECIPES, "B": RECIPES_B, "C": RECIPES_C}
CONV_NETS = ("convnet", "lenet5", "cnn-bn", "gap-cnn", "cnn5")  # NHWC input (N, side, side, 1)


def build(keras: Any, recipe: Recipe) -> Any:
    """The compiled Keras model of a recipe."""
    layers = keras.layers
    activation = None if recipe.head == "logits" else recipe.head
    stack: list[Any]
    if recipe.net == "convnet":
        stack = [keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                 layers.Dropout(0.5)]  # fmt: skip
    elif recipe.net == "lenet5":
        stack = [keras.Input((32, 32, 1)), layers.Conv2D(6, 5, activation="tanh"), layers.AveragePooling2D(2),
                 layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2), layers.Flatten(),
                 layers.Dense(120, activation="tanh"), layers.Dense(84, activation="tanh")]  # fmt: skip
    elif recipe.net in B_NETS:
        stack = B_NETS[recipe.net](keras)
    else:
        stack = [keras.Input((28, 28))]
        if recipe.net == "rescaling":
            stack.append(layers.Rescaling(1.0 / 255))
        stack += [layers.Flatten(), layers.Dense(128, activation="relu")]
        if recipe.net == "dense2":
            stack.append(layers.Dense(128, activation="relu"))
        if recipe.net == "quickstart":
            stack.append(layers.Dropout(0.2))
    model = keras.Sequential([*stack, layers.Dense(10, activation=activation)])
    loss: Any = "sparse_categorical_crossentropy"
    if recipe.head == "logits":
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    elif recipe.head == "sigmoid":
        loss = "binary_crossentropy"  # ten independent units, as the sigmoid tutorials train them
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


# The second zoo's networks: the keras module → the layers before the head.
def _cnn_bn(keras: Any) -> list[Any]:
    layers = keras.layers
    stack = [keras.Input((28, 28, 1))]
    for filters in (16, 32):
        stack += [layers.Conv2D(filters, 3, padding="same"), layers.BatchNormalization(), layers.Activation("relu"),
                  layers.MaxPooling2D(2)]  # fmt: skip
    return [*stack, layers.Flatten(), layers.Dropout(0.3)]


def _gap_cnn(keras: Any) -> list[Any]:
    layers = keras.layers
    return [keras.Input((28, 28, 1)), layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"), layers.GlobalAveragePooling2D()]  # fmt: skip


def _cnn5(keras: Any) -> list[Any]:
    layers = keras.layers
    return [keras.Input((28, 28, 1)), layers.Conv2D(32, 5, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
            layers.Dense(64, activation="relu")]  # fmt: skip


def _mlp256(keras: Any) -> list[Any]:
    layers = keras.layers
    return [keras.Input((28, 28)), layers.Flatten(), layers.Dense(256, activation="relu"), layers.Dropout(0.2),
            layers.Dense(128, activation="relu")]  # fmt: skip


def _mlp512(keras: Any) -> list[Any]:
    layers = keras.layers
    return [keras.Input((28, 28)), layers.Flatten(), layers.Dense(512, activation="relu"), layers.Dropout(0.2)]


def _rescaling_swish(keras: Any) -> list[Any]:
    layers = keras.layers
    return [keras.Input((28, 28)), layers.Rescaling(1.0 / 255), layers.Flatten(),
            layers.Dense(256, activation="swish"), layers.Dropout(0.2)]  # fmt: skip


def _elu(keras: Any) -> list[Any]:
    layers = keras.layers
    return [keras.Input((28, 28)), layers.Flatten(), layers.Dense(128, activation="elu"),
            layers.Dense(64, activation="elu")]  # fmt: skip


B_NETS: dict[str, Callable[[Any], list[Any]]] = {
    "cnn-bn": _cnn_bn,
    "gap-cnn": _gap_cnn,
    "cnn5": _cnn5,
    "mlp256": _mlp256,
    "mlp512": _mlp512,
    "rescaling-swish": _rescaling_swish,
    "elu": _elu,
}
RESCALING_NETS = ("rescaling", "rescaling-swish")  # scale inside the model: fed 0-255 pixels


def inputs(keras: Any, recipe: Recipe, images: NDArray[np.uint8]) -> NDArray[np.float32]:
    """What the tutorial feeds its model: keras.utils.normalize for keras-normalize, else the numpy scaling."""
    if recipe.convention.startswith("keras-normalize"):
        raw = 255 - images if recipe.convention.endswith("-inverted") else images
        x = np.asarray(keras.utils.normalize(raw.astype("float32"), axis=1), dtype=np.float32)
    elif recipe.net in RESCALING_NETS:
        x = prepare_uint8(images, recipe.convention).astype(np.float32)  # the model scales inside; fed 0-255
    elif recipe.size == "resize":
        x = prepare(images, recipe.convention, resize=LENET_SIDE)
    else:
        x = prepare(images, recipe.convention, pad=LENET_PAD if recipe.size == "pad" else 0)
    return x[..., None] if recipe.nhwc else x


def train(
    keras: Any, recipe: Recipe, data: MnistSplit, *, seed: int = SEED, variant: str = "A"
) -> tuple[Any, dict[str, object]]:
    keras.utils.set_random_seed(seed)
    model = build(keras, recipe)
    rows = training_rows(recipe.images, len(data.labels), seed=seed, variant=variant)
    x = inputs(keras, recipe, data.images[rows])
    targets: NDArray[Any] = data.labels[rows]
    if recipe.head == "sigmoid":
        targets = np.eye(10, dtype="float32")[targets]
    started = time.perf_counter()
    model.fit(x, targets, epochs=recipe.epochs, batch_size=BATCH, verbose=0)
    training: dict[str, object] = {
        "net": recipe.net,
        "images": recipe.images,
        "epochs": recipe.epochs,
        "seed": seed,
        "optimizer": "adam (Keras defaults)",
        "batch": BATCH,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if variant != "A":
        training["subset"] = subset_note(recipe.images, len(data.labels), seed=seed, variant=variant)
    return model, training


def export(tf: Any, keras: Any, recipe: Recipe, model: Any, path: Path) -> str:
    """Write the recipe's ONNX file; the exporter as the manifest names it."""
    path.unlink(missing_ok=True)
    tf2onnx_version = f"tf2onnx {version('tf2onnx')}"
    if recipe.style == KERAS3_ONNX:
        model.export(str(path), format="onnx", opset_version=recipe.opset, verbose=False)
        return f"keras.Model.export(format='onnx') {keras.__version__} ({tf2onnx_version})"
    if recipe.style == SAVEDMODEL_TF2ONNX:
        folder = Path(tempfile.mkdtemp(prefix="savedmodel-"))
        try:
            model.export(str(folder / "saved"), verbose=False)
            command = [sys.executable, "-m", "tf2onnx.convert", "--saved-model", str(folder / "saved")]
            command += ["--output", str(path), "--opset", str(recipe.opset)]
            subprocess.run(command, check=True, capture_output=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return f"keras.Model.export (SavedModel) {keras.__version__} + python -m tf2onnx.convert ({tf2onnx_version})"
    import tf2onnx

    shape = (recipe.batch, recipe.side, recipe.side, *((1,) if recipe.nhwc else ()))
    spec = (tf.TensorSpec(shape, tf.float32, name="input"),)
    tf2onnx.convert.from_keras(model, input_signature=spec, opset=recipe.opset, output_path=str(path))
    return f"tf2onnx.convert.from_keras {tf2onnx.__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    cli = parser("python -m lab.evaluate.keras_zoo", __doc__ or "")
    cli.add_argument("--tf-keras", action="store_true", help="build the tf.keras 2 (tf-keras) recipes instead")
    args = cli.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.tf_keras:
        os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tf.keras is then the tf-keras package (Keras 2)
    try:
        import tensorflow as tf

        keras: Any = tf.keras if args.tf_keras else importlib.import_module("keras")
    except ImportError:
        print("error: lab.evaluate.keras_zoo needs TensorFlow, Keras and tf2onnx: pip install tensorflow tf2onnx")
        return 2
    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    try:
        train_split, test, wanted, out, manifest = start_build(args)
    except MnistError as e:
        print(f"error: {e}")
        return 2
    styles = (TF_KERAS2,) if args.tf_keras else (KERAS3_ONNX, SAVEDMODEL_TF2ONNX)
    if args.tf_keras:
        framework = f"tf.keras = tf-keras {version('tf-keras')} (TensorFlow {tf.__version__})"
    else:
        framework = f"Keras {keras.__version__} (TensorFlow {tf.__version__} backend)"
    started = time.perf_counter()
    for recipe in VARIANT_RECIPES[args.variant]:
        if recipe.style not in styles or (wanted is not None and recipe.name not in wanted):
            continue
        model, training = train(keras, recipe, train_split, seed=args.seed, variant=args.variant)
        scores = model.predict(inputs(keras, recipe, test.images), batch_size=1000, verbose=0)
        own = accuracy(scores, test.labels)
        path = out / f"{recipe.name}.onnx"
        exporter = export(tf, keras, recipe, model, path)
        shape: list[int | str | None] = [recipe.batch or "N", recipe.side, recipe.side]
        if recipe.nhwc:
            shape.append(1)
        record(
            manifest,
            Entry(
                file=path.name,
                framework=framework,
                exporter=exporter,
                opset=recipe.opset,
                input_shape=shape,
                input_dtype="float32",
                layout="NHWC" if recipe.nhwc else "NHW",
                output_kind=recipe.head,
                convention=recipe.convention,
                own_accuracy=own,
                training=training,
                pad=LENET_PAD if recipe.size == "pad" else None,
                resize=RESIZED if recipe.size == "resize" else None,
                notes=recipe.notes,
            ),
        )
        print(f"{path.name}: Keras {own:.2%} on {len(test.labels)} test images", flush=True)
    print(f"Keras zoo ({'tf.keras 2' if args.tf_keras else 'Keras 3'}): {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
