"""Build MNIST models the way Keras tutorials do, export them to ONNX, and note how each
scores in Keras itself.

    pip install tensorflow          # in a separate environment: Keras 3 and TensorFlow
    python -m lab.evaluate.keras_zoo --data ../shared/data/mnist --out runs/keras-zoo
    # then, in DigitCanvas's own environment, for each convention it prints:
    python -m lab.evaluate.any_model runs/keras-zoo/NAME.onnx --data ../shared/data/mnist --input PRESET

The recipes follow the tutorials users copy: TensorFlow's beginner quickstart (a dense
net with dropout and a logits head, pixels / 255), the ``tf.keras.utils.normalize(x,
axis=1)`` tutorial, a dense net fed 0-255 pixels, a sigmoid head, and Keras's "Simple
MNIST convnet" example (NHWC input). Each is trained on all MNIST training images, scored
by Keras on the first ``--count`` test images (its own accuracy, in the convention it was
trained with), and exported with ``model.export(path, format="onnx")`` **without
DigitCanvas metadata**. ``own.json`` in ``--out`` holds those accuracies and conventions.

This script needs only TensorFlow/Keras and numpy (not DigitCanvas), so it runs in an
environment of its own; TensorFlow is no dependency of this project.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.training.mnist_data import MnistError, load_split

SEED = 2026


@dataclass(frozen=True)
class Recipe:
    name: str
    preset: str  # the DigitCanvas preset that names the convention it was trained with
    build: Callable[[Any], Any]  # keras module -> compiled model
    prepare: Callable[[Any, NDArray[np.uint8]], NDArray[np.floating]]  # keras, uint8 images -> inputs
    epochs: int


def _unit(keras: Any, x: NDArray[np.uint8]) -> NDArray[np.floating]:
    return x.astype("float32") / 255.0


def _dense(keras: Any, head: str = "softmax", *, dropout: float = 0.0, hidden: Sequence[int] = (128,)) -> Any:
    layers = [keras.Input((28, 28)), keras.layers.Flatten()]
    for width in hidden:
        layers.append(keras.layers.Dense(width, activation="relu"))
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(10, activation=None if head == "logits" else head))
    model = keras.Sequential(layers)
    loss: Any = keras.losses.SparseCategoricalCrossentropy(from_logits=head == "logits")
    if head == "sigmoid":
        loss = "binary_crossentropy"  # ten independent units, as the sigmoid tutorials train them
    model.compile(optimizer="adam", loss=loss)
    return model


def _convnet(keras: Any) -> Any:
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


RECIPES = (
    Recipe("keras-quickstart-logits", "unit", lambda k: _dense(k, "logits", dropout=0.2), _unit, 5),
    Recipe(
        "keras-dense-normalize",
        "keras-normalize",
        lambda k: _dense(k, hidden=(128, 128)),
        lambda k, x: k.utils.normalize(x.astype("float32"), axis=1),
        3,
    ),
    Recipe("keras-dense-0to255", "0-255", lambda k: _dense(k), lambda k, x: x.astype("float32"), 3),
    Recipe("keras-dense-sigmoid", "unit", lambda k: _dense(k, "sigmoid"), _unit, 3),
    Recipe("keras-convnet-nhwc", "unit", _convnet, lambda k, x: _unit(k, x)[..., None], 3),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate.keras_zoo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--out", default="runs/keras-zoo", help="folder for the exported models and own.json")
    parser.add_argument("--count", type=int, default=2000, help="MNIST test images Keras scores each model on")
    parser.add_argument("--only", help="comma-separated recipe names")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import keras
    except ImportError:
        print("error: python -m lab.evaluate.keras_zoo needs Keras 3 and TensorFlow: pip install tensorflow")
        return 2
    try:
        train, test = load_split(args.data, "train"), load_split(args.data, "test")
    except MnistError as e:
        print(f"error: {e}")
        return 2
    wanted = set(args.only.split(",")) if args.only else None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    own_file = out / "own.json"
    own: dict[str, dict[str, object]] = json.loads(own_file.read_text()) if own_file.exists() else {}
    images, labels = test.images[: args.count], test.labels[: args.count]
    for recipe in RECIPES:
        if wanted is not None and recipe.name not in wanted:
            continue
        keras.utils.set_random_seed(SEED)
        model = recipe.build(keras)
        targets = train.labels
        if recipe.name.endswith("sigmoid"):
            targets = np.eye(10, dtype="float32")[train.labels]
        model.fit(recipe.prepare(keras, train.images), targets, epochs=recipe.epochs, batch_size=128, verbose=0)
        scores = model.predict(recipe.prepare(keras, images), verbose=0)
        accuracy = float((np.argmax(scores, axis=1) == labels).mean())
        path = out / f"{recipe.name}.onnx"
        model.export(str(path), format="onnx", verbose=False)
        own[recipe.name] = {"own": accuracy, "input": recipe.preset, "epochs": recipe.epochs}
        own_file.write_text(json.dumps(own, indent=1))
        print(f"{recipe.name}: Keras {accuracy:.2%} on {len(labels)} test images; exported to {path}", flush=True)
    for preset in sorted({str(v["input"]) for v in own.values()}):
        names = " ".join(str(out / f"{n}.onnx") for n, v in own.items() if v["input"] == preset)
        print(f"python -m lab.evaluate.any_model {names} --data {args.data} --input {preset}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
