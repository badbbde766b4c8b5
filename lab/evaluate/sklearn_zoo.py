"""Build scikit-learn MNIST classifiers the way its tutorials do and export them with skl2onnx, for the model zoo.

    pip install scikit-learn skl2onnx onnxruntime   # a separate environment: no dependency of this project
    python -m lab.evaluate.sklearn_zoo --data ../shared/data/mnist --out runs/zoo/models

Flat (N, 784) float inputs, as ``fetch_openml("mnist_784")`` gives them: raw 0-255
pixels (logistic regression, a StandardScaler pipeline), pixels / 255 (the MLP of
scikit-learn's "Visualization of MLP weights on MNIST" example, an RBF SVC on a few
thousand images) and inverted ink. Exported **without DigitCanvas metadata** by
``skl2onnx.convert_sklearn`` with ``initial_types=[("input", FloatTensorType([None, 784]))]``:
with its defaults (a label output and a ZipMap: a sequence of {digit: probability}),
with ``options={"zipmap": False}`` (a label and an (N, 10) probability tensor), and the
SVC with ``probability=False``, whose second output holds one-vs-rest decision scores,
not probabilities. Each is scored by ``predict`` on all 10,000 MNIST test images in its
own convention and added to the manifest (see :mod:`lab.evaluate.zoo_common`); ``python
-m lab.evaluate.zoo_check`` adds onnxruntime's view. Needs scikit-learn, skl2onnx, numpy; of DigitCanvas
only its MNIST reader (:mod:`digitcanvas.training.mnist_data`, numpy only: ``PYTHONPATH=`` the repository).

``--variant B`` builds the second zoo's recipes instead (:data:`RECIPES_B`): wider MLPs
trained for more epochs (ReLU and tanh, one behind a StandardScaler), an SVC on more
images and one with ``probability=True``, a random forest, on seeded random subsets
(``--seed``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.training.mnist_data import MnistError, MnistSplit
from lab.evaluate.zoo_common import (
    SEED,
    Entry,
    parser,
    prepare,
    record,
    start_build,
    subset_note,
    training_rows,
    version,
)

THREADS = 2  # BLAS threads: the machine's two cores, shared


@dataclass(frozen=True)
class Recipe:
    """One exported file: which estimator, on which pixels, exported how."""

    name: str
    make: Callable[[int], Any]  # the seed → a fresh estimator
    convention: str  # a key of zoo_common.CONVENTIONS
    images: int  # training images (zoo_common.training_rows)
    zipmap: bool = True  # skl2onnx's default
    opset: int | None = None  # None: skl2onnx's default
    output_kind: str = "zipmap"
    scored_by: str = "predict"  # or "predict_proba": its argmax, what the ONNX probabilities give
    notes: str = ""


def _logistic(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=100)


def _scaled_logistic(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=100))


def _mlp(seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    # scikit-learn's "Visualization of MLP weights on MNIST" example, verbatim but quiet.
    return MLPClassifier(
        hidden_layer_sizes=(40,), max_iter=8, alpha=1e-4, solver="sgd", random_state=1, learning_rate_init=0.2
    )


def _adam_mlp(seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(100,), max_iter=5, random_state=1)  # adam, scikit-learn's defaults


def _svc(seed: int) -> Any:
    from sklearn.svm import SVC

    return SVC(probability=False, random_state=seed)  # RBF, gamma="scale", decision_function_shape="ovr"


def _wide_mlp(seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(256,), max_iter=15, random_state=seed)  # adam


def _tanh_mlp(seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=(128, 64), activation="tanh", max_iter=12, random_state=seed)


def _scaled_mlp(seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(100,), max_iter=10, random_state=seed))


def _probability_svc(seed: int) -> Any:
    from sklearn.svm import SVC

    return SVC(probability=True, random_state=seed)  # Platt scaling fitted by an internal 5-fold cross-validation


def _forest(seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=50, n_jobs=THREADS, random_state=seed)


RECIPES = (
    Recipe("sklearn-logreg-0to255-zipmap", _logistic, "0-255", 30_000,
           notes="LogisticRegression(max_iter=100) on raw fetch_openml-style pixels; skl2onnx defaults"),
    Recipe("sklearn-logreg-unit-nozipmap-op13", _logistic, "unit", 30_000, zipmap=False, opset=13,
           output_kind="label+probabilities", notes="X / 255; options={'zipmap': False}, target_opset=13"),
    Recipe("sklearn-pipeline-scaler-logreg-0to255-zipmap", _scaled_logistic, "0-255", 30_000,
           notes="make_pipeline(StandardScaler(), LogisticRegression()): the scaler is inside the graph"),
    Recipe("sklearn-mlp-unit-zipmap", _mlp, "unit", 60_000,
           notes="scikit-learn example 'Visualization of MLP weights on MNIST': X / 255, (40,), sgd, 8 epochs"),
    Recipe("sklearn-mlp-unitinv-nozipmap", _adam_mlp, "unit-inverted", 30_000, zipmap=False,
           output_kind="label+probabilities",
           notes="(255 - X) / 255, adam (the example's sgd at lr 0.2 does not learn inverted ink); no ZipMap"),
    Recipe("sklearn-svc-unit-scores-nozipmap", _svc, "unit", 3_000, zipmap=False, output_kind="svc-decision-scores",
           notes="SVC(probability=False) on 3,000 images; second output: one-vs-rest decision scores"),
    Recipe("sklearn-svc-0to255-scores-defaults", _svc, "0-255", 3_000, output_kind="svc-decision-scores",
           notes="SVC(probability=False) on raw pixels, skl2onnx defaults: no ZipMap is added without probabilities, "
           "so the outputs are the same as with zipmap=False"),
)  # fmt: skip

# The second zoo (--variant B); names leave the convention out.
RECIPES_B = (
    Recipe("sklearn-mlp256-zipmap", _wide_mlp, "unit", 60_000,
           notes="X / 255; MLPClassifier((256,), max_iter=15), adam; skl2onnx defaults"),
    Recipe("sklearn-mlp256-nozipmap-op13", _wide_mlp, "unit", 60_000, zipmap=False, opset=13,
           output_kind="label+probabilities", notes="the same classifier; options={'zipmap': False}, target_opset=13"),
    Recipe("sklearn-mlp-tanh-nozipmap-op15", _tanh_mlp, "symmetric", 60_000, zipmap=False, opset=15,
           output_kind="label+probabilities", notes="(X / 255 - 0.5) / 0.5; MLPClassifier((128, 64), tanh)"),
    Recipe("sklearn-pipeline-scaler-mlp-zipmap", _scaled_mlp, "0-255-inverted", 60_000,
           notes="255 - X into make_pipeline(StandardScaler(), MLPClassifier((100,))): the scaler is in the graph"),
    Recipe("sklearn-logreg-nozipmap-op12", _logistic, "mnist", 15_000, zipmap=False, opset=12,
           output_kind="label+probabilities", notes="(X / 255 - 0.1307) / 0.3081; LogisticRegression(max_iter=100)"),
    Recipe("sklearn-svc-scores-nozipmap", _svc, "unit", 10_000, zipmap=False, output_kind="svc-decision-scores",
           notes="SVC(probability=False) on 10,000 images; second output: one-vs-rest decision scores"),
    Recipe("sklearn-svc-probability-zipmap", _probability_svc, "mnist-inverted", 5_000,
           scored_by="predict_proba", notes="SVC(probability=True) on 5,000 images; skl2onnx defaults (ZipMap); "
           "own accuracy is that of predict_proba's argmax (predict votes one-vs-one and may differ)"),
    Recipe("sklearn-randomforest-zipmap", _forest, "0-255", 30_000,
           notes="RandomForestClassifier(n_estimators=50) on raw 0-255 pixels; skl2onnx defaults"),
)  # fmt: skip
VARIANT_RECIPES = {"A": RECIPES, "B": RECIPES_B, "C": ()}  # C: 32 x 32 models only, none here


def _arrays(recipe: Recipe, images: NDArray[np.uint8]) -> NDArray[np.float32]:
    return prepare(images, recipe.convention).reshape(len(images), -1)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser("python -m lab.evaluate.sklearn_zoo", __doc__ or "").parse_args(argv)
    try:
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import FloatTensorType
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("error: python -m lab.evaluate.sklearn_zoo needs scikit-learn and skl2onnx: pip install skl2onnx")
        return 2
    try:
        train_split, test, wanted, out, manifest = start_build(args)
    except MnistError as e:
        print(f"error: {e}")
        return 2
    trained: dict[tuple[str, str, int], tuple[Any, dict[str, object], float]] = {}
    seed, variant = args.seed, args.variant
    started = time.perf_counter()
    with threadpool_limits(THREADS), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: tutorials stop early too
        for recipe in VARIANT_RECIPES[variant]:
            if wanted is not None and recipe.name not in wanted:
                continue
            key = (recipe.make.__name__, recipe.convention, recipe.images)
            if key not in trained:
                model, training = _train(recipe, train_split, seed=seed, variant=variant)
                trained[key] = (model, training, _own_accuracy(recipe, model, test))
            model, training, own = trained[key]
            options = None if recipe.zipmap else {id(model): {"zipmap": False}}
            onnx_model = convert_sklearn(
                model,
                initial_types=[("input", FloatTensorType([None, 784]))],
                target_opset=recipe.opset,
                options=options,
            )
            path = out / f"{recipe.name}.onnx"
            path.write_bytes(onnx_model.SerializeToString())
            record(
                manifest,
                Entry(
                    file=path.name,
                    framework=f"scikit-learn {version('scikit-learn')}",
                    exporter=f"skl2onnx.convert_sklearn {version('skl2onnx')}",
                    opset=recipe.opset,
                    input_shape=["N", 784],
                    input_dtype="float32",
                    layout="flat",
                    output_kind=recipe.output_kind,
                    convention=recipe.convention,
                    own_accuracy=own,
                    training=training,
                    notes=recipe.notes,
                ),
            )
            print(f"{path.name}: scikit-learn {own:.2%} on {len(test.labels)} test images", flush=True)
    print(f"scikit-learn zoo: {time.perf_counter() - started:.0f} s")
    return 0


def _train(recipe: Recipe, data: MnistSplit, *, seed: int = SEED, variant: str = "A") -> tuple[Any, dict[str, object]]:
    model = recipe.make(seed)
    rows = training_rows(recipe.images, len(data.labels), seed=seed, variant=variant)
    begun = time.perf_counter()
    model.fit(_arrays(recipe, data.images[rows]), data.labels[rows])
    training: dict[str, object] = {
        "estimator": repr(model),
        "images": recipe.images,
        "seed": seed,
        "seconds": round(time.perf_counter() - begun, 1),
    }
    if variant != "A":
        training["subset"] = subset_note(recipe.images, len(data.labels), seed=seed, variant=variant)
    return model, training


def _own_accuracy(recipe: Recipe, model: Any, test: MnistSplit) -> float:
    """scikit-learn's accuracy on all test images, in the recipe's convention, scored as the recipe says."""
    x = _arrays(recipe, test.images)
    if recipe.scored_by == "predict_proba":
        predicted = model.classes_[model.predict_proba(x).argmax(axis=1)]
    else:
        predicted = model.predict(x)
    return float((predicted == test.labels).mean())


if __name__ == "__main__":
    raise SystemExit(main())
