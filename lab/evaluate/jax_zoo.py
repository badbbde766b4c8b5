"""Build JAX / Flax MNIST models the way Flax's tutorial does and export them with jax2onnx, for the model zoo.

    pip install jax flax optax jax2onnx onnxruntime   # a separate environment: no dependency of this project
    python -m lab.evaluate.jax_zoo --data ../shared/data/mnist --out runs/zoo/models

Flax NNX modules trained with optax (seeded, a share of the MNIST training images): the
CNN of Flax's "MNIST tutorial" (two 3 × 3 convolutions with average pooling, NHWC input,
pixels / 255, logits), smaller here, and a dense net in other conventions (x - 0.5) / 0.5
with a softmax head, inverted MNIST mean/std with a log-softmax head, on flat (N, 784)
input. Exported **without DigitCanvas metadata** by ``jax2onnx.to_onnx`` with a free
batch ``("B", ...)`` or a fixed one, at its default opset (23) or one asked for, one with
``inputs_as_nchw`` (an NCHW input transposed inside the graph). Each is scored in JAX on
all 10,000 MNIST test images in its own convention and added to the manifest (see
:mod:`lab.evaluate.zoo_common`); ``python -m lab.evaluate.zoo_check`` adds onnxruntime's
view. Needs JAX, Flax, optax, jax2onnx and numpy; of DigitCanvas only its MNIST reader
(:mod:`digitcanvas.training.mnist_data`, numpy only: run with ``PYTHONPATH=`` the repository).

``--variant B`` builds the second zoo's recipes instead (:data:`RECIPES_B`): a CNN of
three convolutions with GELU and max pooling, dense nets with ELU (two hidden layers
and one), trained longer on seeded random subsets (``--seed``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.training.mnist_data import MnistError, MnistSplit
from lab.evaluate.zoo_common import (
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

BATCH = 64  # training batch
LEARNING_RATE = 1e-3  # optax.adam, unless a recipe says otherwise
EVAL_BATCH = 1000  # test images per forward pass when scoring in JAX


@dataclass(frozen=True)
class Recipe:
    """One exported file: which Flax module, trained how, exported how."""

    name: str
    net: str  # "cnn", "cnn3" (NHWC 28 × 28 × 1) or "mlp", "mlp2", "mlp-elu" (flat 784)
    convention: str  # a key of zoo_common.CONVENTIONS
    head: str  # "logits", "softmax", "log_softmax": what the exported function returns
    images: int
    epochs: int
    opset: int | None = None  # None: jax2onnx's default
    batch: int | None = None  # None: a free batch dimension "B"
    nchw: bool = False  # exported with inputs_as_nchw: the ONNX input is (B, 1, 28, 28)
    learning_rate: float = LEARNING_RATE
    notes: str = ""


RECIPES = (
    Recipe("jax-flax-cnn-unit-logits", "cnn", "unit", "logits", 12_000, 2,
           notes="Flax NNX 'MNIST tutorial' CNN (narrower): NHWC, pixels / 255, jax2onnx defaults"),
    Recipe("jax-flax-cnn-unit-logits-nchw-op18", "cnn", "unit", "logits", 12_000, 2, opset=18, nchw=True,
           notes="the same network exported with inputs_as_nchw=[0]: an NCHW input transposed inside"),
    Recipe("jax-flax-mlp-symmetric-softmax", "mlp", "symmetric", "softmax", 60_000, 1,
           notes="(x - 0.5) / 0.5; exported function: jax.nn.softmax(model(x))"),
    Recipe("jax-flax-mlp-mnistinv-logsoftmax-batch1-op17", "mlp", "mnist-inverted", "log_softmax", 60_000, 1,
           opset=17, batch=1, learning_rate=3e-4,
           notes="(1 - x - 0.1307) / 0.3081 (at lr 1e-3 it reads 89 %); jax.nn.log_softmax; batch fixed to 1"),
)  # fmt: skip

# The second zoo (--variant B); names leave the convention out.
RECIPES_B = (
    Recipe("jax-flax-cnn3-logits", "cnn3", "mnist", "logits", 40_000, 2,
           notes="three 3x3 convolutions (16, 32, 32) with GELU and max pooling, NHWC; jax2onnx defaults"),
    Recipe("jax-flax-cnn3-logits-nchw-op21", "cnn3", "mnist", "logits", 40_000, 2, opset=21, nchw=True,
           notes="the same network exported with inputs_as_nchw=[0]: an NCHW input transposed inside"),
    Recipe("jax-flax-mlp2-softmax-op19", "mlp2", "unit-inverted", "softmax", 60_000, 5, opset=19,
           notes="784-512-256-10 with ELU; exported function: jax.nn.softmax(model(x))"),
    Recipe("jax-flax-mlp-logsoftmax-batch1-op17", "mlp-elu", "symmetric", "log_softmax", 60_000, 5, opset=17,
           batch=1, notes="784-256-10 with ELU; jax.nn.log_softmax; batch fixed to 1"),
    Recipe("jax-flax-mlp-logits-op20", "mlp-elu", "0-255", "logits", 60_000, 3, opset=20, learning_rate=1e-4,
           notes="raw 0-255 pixels, optax.adam(1e-4); 784-256-10 with ELU"),
)  # fmt: skip
VARIANT_RECIPES = {"A": RECIPES, "B": RECIPES_B, "C": ()}  # C: 32 x 32 models only, none here
CONV_NETS = ("cnn", "cnn3")  # NHWC input (N, 28, 28, 1)


def _modules(nnx: Any) -> dict[str, Any]:
    """The Flax module classes (defined here, after Flax is imported)."""
    from functools import partial

    class Cnn(nnx.Module):
        def __init__(self, *, rngs: Any) -> None:
            self.conv1 = nnx.Conv(1, 16, kernel_size=(3, 3), rngs=rngs)
            self.conv2 = nnx.Conv(16, 32, kernel_size=(3, 3), rngs=rngs)
            self.avg_pool = partial(nnx.avg_pool, window_shape=(2, 2), strides=(2, 2))
            self.linear1 = nnx.Linear(7 * 7 * 32, 128, rngs=rngs)
            self.linear2 = nnx.Linear(128, 10, rngs=rngs)

        def __call__(self, x: Any) -> Any:
            x = self.avg_pool(nnx.relu(self.conv1(x)))
            x = self.avg_pool(nnx.relu(self.conv2(x)))
            x = x.reshape(x.shape[0], -1)
            return self.linear2(nnx.relu(self.linear1(x)))

    class Mlp(nnx.Module):
        def __init__(self, *, rngs: Any) -> None:
            self.linear1 = nnx.Linear(784, 128, rngs=rngs)
            self.linear2 = nnx.Linear(128, 10, rngs=rngs)

        def __call__(self, x: Any) -> Any:
            return self.linear2(nnx.relu(self.linear1(x)))

    class Cnn3(nnx.Module):
        def __init__(self, *, rngs: Any) -> None:
            self.conv1 = nnx.Conv(1, 16, kernel_size=(3, 3), rngs=rngs)
            self.conv2 = nnx.Conv(16, 32, kernel_size=(3, 3), rngs=rngs)
            self.conv3 = nnx.Conv(32, 32, kernel_size=(3, 3), rngs=rngs)
            self.max_pool = partial(nnx.max_pool, window_shape=(2, 2), strides=(2, 2))
            self.linear = nnx.Linear(3 * 3 * 32, 10, rngs=rngs)

        def __call__(self, x: Any) -> Any:
            x = self.max_pool(nnx.gelu(self.conv1(x)))  # 14 × 14
            x = self.max_pool(nnx.gelu(self.conv2(x)))  # 7 × 7
            x = self.max_pool(nnx.gelu(self.conv3(x)))  # 3 × 3
            return self.linear(x.reshape(x.shape[0], -1))

    class Mlp2(nnx.Module):
        def __init__(self, *, rngs: Any) -> None:
            self.linear1 = nnx.Linear(784, 512, rngs=rngs)
            self.linear2 = nnx.Linear(512, 256, rngs=rngs)
            self.linear3 = nnx.Linear(256, 10, rngs=rngs)

        def __call__(self, x: Any) -> Any:
            return self.linear3(nnx.elu(self.linear2(nnx.elu(self.linear1(x)))))

    class MlpElu(nnx.Module):
        def __init__(self, *, rngs: Any) -> None:
            self.linear1 = nnx.Linear(784, 256, rngs=rngs)
            self.linear2 = nnx.Linear(256, 10, rngs=rngs)

        def __call__(self, x: Any) -> Any:
            return self.linear2(nnx.elu(self.linear1(x)))

    return {"cnn": Cnn, "mlp": Mlp, "cnn3": Cnn3, "mlp2": Mlp2, "mlp-elu": MlpElu}


def _inputs(recipe: Recipe, images: NDArray[np.uint8]) -> NDArray[np.float32]:
    x = prepare(images, recipe.convention)
    return x[..., None] if recipe.net in CONV_NETS else x.reshape(len(x), -1)


def train(recipe: Recipe, data: MnistSplit, *, seed: int = SEED, variant: str = "A") -> tuple[Any, dict[str, object]]:
    import jax
    import optax
    from flax import nnx

    model = _modules(nnx)[recipe.net](rngs=nnx.Rngs(seed))
    optimizer = nnx.Optimizer(model, optax.adam(recipe.learning_rate), wrt=nnx.Param)

    @nnx.jit
    def step(model: Any, optimizer: Any, x: Any, y: Any) -> Any:
        def loss_fn(model: Any) -> Any:
            return optax.softmax_cross_entropy_with_integer_labels(model(x), y).mean()

        loss, grads = nnx.value_and_grad(loss_fn)(model)
        optimizer.update(model, grads)
        return loss

    rows = training_rows(recipe.images, len(data.labels), seed=seed, variant=variant)
    x = _inputs(recipe, data.images[rows])
    y = data.labels[rows].astype(np.int32)
    order_rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for _ in range(recipe.epochs):
        order = order_rng.permutation(len(x))
        for start in range(0, len(x) - BATCH + 1, BATCH):  # whole batches: one compiled shape
            batch = order[start : start + BATCH]
            step(model, optimizer, jax.numpy.asarray(x[batch]), jax.numpy.asarray(y[batch]))
    training: dict[str, object] = {
        "net": recipe.net,
        "images": recipe.images,
        "epochs": recipe.epochs,
        "seed": seed,
        "optimizer": f"optax.adam({recipe.learning_rate})",
        "batch": BATCH,
        "seconds": round(time.perf_counter() - started, 1),
    }
    if variant != "A":
        training["subset"] = subset_note(recipe.images, len(data.labels), seed=seed, variant=variant)
    return model, training


def _function(recipe: Recipe, model: Any) -> Any:
    import jax

    if recipe.head == "softmax":
        return lambda x: jax.nn.softmax(model(x))
    if recipe.head == "log_softmax":
        return lambda x: jax.nn.log_softmax(model(x))
    return model


def main(argv: Sequence[str] | None = None) -> int:
    args = parser("python -m lab.evaluate.jax_zoo", __doc__ or "").parse_args(argv)
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")  # one thread: the cores are shared
    try:
        import jax
        from jax2onnx import to_onnx
    except ImportError:
        print("error: python -m lab.evaluate.jax_zoo needs JAX, Flax, optax, jax2onnx: pip install flax optax jax2onnx")
        return 2
    try:
        train_split, test, wanted, out, manifest = start_build(args)
    except MnistError as e:
        print(f"error: {e}")
        return 2
    trained: dict[tuple[str, str, int, int, float], tuple[Any, dict[str, object], float]] = {}
    started = time.perf_counter()
    for recipe in VARIANT_RECIPES[args.variant]:
        if wanted is not None and recipe.name not in wanted:
            continue
        key = (recipe.net, recipe.convention, recipe.images, recipe.epochs, recipe.learning_rate)
        if key not in trained:
            model, training = train(recipe, train_split, seed=args.seed, variant=args.variant)
            x = _inputs(recipe, test.images)
            scores = np.concatenate([np.asarray(model(x[s : s + EVAL_BATCH])) for s in range(0, len(x), EVAL_BATCH)])
            trained[key] = (model, training, accuracy(scores, test.labels))
        model, training, own = trained[key]
        conv = recipe.net in CONV_NETS
        side: list[int | str | None] = [1, 28, 28] if recipe.nchw else ([28, 28, 1] if conv else [784])
        batch: int | str = recipe.batch or "B"
        path = out / f"{recipe.name}.onnx"
        path.unlink(missing_ok=True)
        options: dict[str, Any] = {"opset": recipe.opset} if recipe.opset else {}
        if recipe.nchw:
            options["inputs_as_nchw"] = [0]
        shape = (batch, 28, 28, 1) if conv else (batch, 784)  # what the JAX function takes
        to_onnx(_function(recipe, model), [shape], return_mode="file", output_path=str(path), **options)
        record(
            manifest,
            Entry(
                file=path.name,
                framework=f"JAX {jax.__version__}, Flax {version('flax')} (nnx), optax {version('optax')}",
                exporter=f"jax2onnx.to_onnx {version('jax2onnx')}",
                opset=recipe.opset,
                input_shape=[batch, *side],
                input_dtype="float32",
                layout="NCHW" if recipe.nchw else ("NHWC" if conv else "flat"),
                output_kind={"log_softmax": "log-softmax"}.get(recipe.head, recipe.head),
                convention=recipe.convention,
                own_accuracy=own,
                training=training,
                notes=recipe.notes,
            ),
        )
        print(f"{path.name}: JAX {own:.2%} on {len(test.labels)} test images", flush=True)
    print(f"JAX zoo: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
