"""Run an ONNX digit classifier: the bundled model or any model a user loads.

Accepted models (what people actually export from MNIST tutorials):

* one required float input, shaped (N, 1, 28, 28), (N, 28, 28, 1) (Keras / tf2onnx),
  (N, 28, 28) or (N, 784) (dense MLPs); N fixed to 1 or dynamic;
* an output of shape (N, 10): logits, log-probabilities or probabilities (detected per
  call; :meth:`Classifier.predict_proba` always returns probabilities summing to 1).

Input scaling defaults to pixels in [0, 1]. A model may declare another scaling in its
ONNX metadata (``metadata_props``); the value fed is ``(x * scale - mean) / std``:

* ``digitcanvas.input_scale``: multiply [0, 1] pixels by this first (255 for 0-255 models);
* ``digitcanvas.input_mean``, ``digitcanvas.input_std``: then normalise (MNIST: 0.1307, 0.3081);
* ``digitcanvas.input_invert``: "true" if the model wants black ink on white.

Informational keys written by ``scripts/train.py``: ``digitcanvas.name``,
``digitcanvas.version``, ``digitcanvas.test_accuracy``, ``digitcanvas.training_command``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .preprocessing import FIELD

NUM_CLASSES = 10
PIXELS = FIELD * FIELD
META_PREFIX = "digitcanvas."
META_SCALE = META_PREFIX + "input_scale"
META_MEAN = META_PREFIX + "input_mean"
META_STD = META_PREFIX + "input_std"
META_INVERT = META_PREFIX + "input_invert"
META_NAME = META_PREFIX + "name"
META_VERSION = META_PREFIX + "version"
BUNDLED_MODEL_NAME = "digitcanvas-cnn.onnx"
MAX_BATCH = 1000  # images per inference call: bounds memory on large evaluations
PROBABILITY_TOLERANCE = 1e-3  # outputs within this of summing to 1 are taken as probabilities
MAX_MODEL_BYTES = 512 * 1024 * 1024


class ModelLoadError(ValueError):
    """A model file cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class InputLayout:
    """How a (N, 28, 28) batch is reshaped for the model."""

    name: str  # "NCHW", "NHWC", "NHW" or "flat"
    shape_tail: tuple[int, ...]
    fixed_batch: int | None  # 1 when the model's first dimension is fixed to 1

    def reshape(self, batch: NDArray[np.float32]) -> NDArray[np.float32]:
        return batch.reshape((len(batch), *self.shape_tail))


@dataclass(frozen=True)
class Scaling:
    scale: float = 1.0
    mean: float = 0.0
    std: float = 1.0
    invert: bool = False

    def apply(self, batch: NDArray[np.float32]) -> NDArray[np.float32]:
        x = 1.0 - batch if self.invert else batch
        if self.scale == 1.0 and self.mean == 0.0 and self.std == 1.0:
            return x
        return ((x * self.scale - self.mean) / self.std).astype(np.float32)


def bundled_model_path() -> Path:
    """The model that ships inside the package (``assets/`` in the source tree)."""
    try:
        folder = resources.files("digitcanvas.assets")
        return Path(str(folder / BUNDLED_MODEL_NAME))
    except ModuleNotFoundError:
        # Running from a source checkout without installing: assets/ sits beside the package.
        return Path(__file__).resolve().parent.parent / "assets" / BUNDLED_MODEL_NAME


def _layout_for(shape: list[int | str | None], path: Path) -> InputLayout:
    dims = [d if isinstance(d, int) and d > 0 else None for d in shape]
    batch = dims[0] if dims else None
    if batch not in (None, 1):
        raise ModelLoadError(f"{path}: the input's batch dimension is fixed to {batch}; expected 1 or dynamic")
    tail = dims[1:]

    def fits(expected: tuple[int, ...]) -> bool:
        return len(tail) == len(expected) and all(d is None or d == e for d, e in zip(tail, expected, strict=True))

    if len(shape) == 4 and fits((1, FIELD, FIELD)) and tail[0] == 1:
        return InputLayout("NCHW", (1, FIELD, FIELD), batch)
    if len(shape) == 4 and fits((FIELD, FIELD, 1)) and tail[2] == 1:
        return InputLayout("NHWC", (FIELD, FIELD, 1), batch)
    if len(shape) == 4 and fits((1, FIELD, FIELD)):
        return InputLayout("NCHW", (1, FIELD, FIELD), batch)  # all dynamic: assume channels first
    if len(shape) == 3 and fits((FIELD, FIELD)):
        return InputLayout("NHW", (FIELD, FIELD), batch)
    if len(shape) == 2 and fits((PIXELS,)):
        return InputLayout("flat", (PIXELS,), batch)
    shown = "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"
    raise ModelLoadError(
        f"{path}: expects input of shape {shown}; DigitCanvas feeds 28×28 images as "
        "(N, 1, 28, 28), (N, 28, 28, 1), (N, 28, 28) or (N, 784)"
    )


def _scaling_from(meta: Mapping[str, str], path: Path) -> Scaling:
    try:
        scaling = Scaling(
            scale=float(meta.get(META_SCALE, 1.0)),
            mean=float(meta.get(META_MEAN, 0.0)),
            std=float(meta.get(META_STD, 1.0)),
            invert=meta.get(META_INVERT, "false").strip().lower() in ("1", "true", "yes"),
        )
    except ValueError as e:
        raise ModelLoadError(f"{path}: metadata scaling is not a number ({e})") from e
    if not np.isfinite([scaling.scale, scaling.mean, scaling.std]).all() or scaling.std == 0:
        raise ModelLoadError(f"{path}: metadata scaling is invalid (std must be a non-zero number)")
    return scaling


def _ort_reason(error: Exception) -> str:
    """onnxruntime's message without its status codes and the repeated path."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    text = re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ", "", text)
    text = re.sub(r"^Load model from .*? failed:", "", text)
    return text.strip() or type(error).__name__


def to_probabilities(outputs: NDArray[np.floating]) -> NDArray[np.float64]:
    """Probabilities from model outputs, row by row: kept if they already are
    probabilities (non-negative, summing to 1), else a softmax (logits or log-probs)."""
    values = np.asarray(outputs, dtype=np.float64)
    sums = values.sum(axis=1, keepdims=True)
    is_prob = (values.min(axis=1, keepdims=True) >= 0) & (np.abs(sums - 1) <= PROBABILITY_TOLERANCE)
    shifted = np.exp(values - values.max(axis=1, keepdims=True))
    softmax = shifted / shifted.sum(axis=1, keepdims=True)
    probs = np.where(is_prob, values / np.where(is_prob, sums, 1.0), softmax)
    return probs


class Classifier:
    """An onnxruntime session on the CPU provider, checked at load time.

    ``predict_proba`` takes float32 (N, 28, 28) in [0, 1] (white ink on black) and
    returns float64 (N, 10) probabilities.
    """

    def __init__(self, path: str | os.PathLike[str], *, threads: int = 1) -> None:
        self.path = Path(path)
        self._session = self._open(self.path, threads)
        inputs = self._session.get_inputs()
        if len(inputs) != 1:
            names = ", ".join(i.name for i in inputs)
            raise ModelLoadError(f"{self.path}: needs {len(inputs)} inputs ({names}); DigitCanvas provides one image")
        model_input = inputs[0]
        if model_input.type not in ("tensor(float)", "tensor(double)"):
            raise ModelLoadError(f"{self.path}: input type is {model_input.type}; expected float32 pixels")
        self._input_name = model_input.name
        self._input_dtype = np.float64 if model_input.type == "tensor(double)" else np.float32
        self.layout = _layout_for(list(model_input.shape), self.path)
        self._output_name = self._pick_output()
        meta = self._session.get_modelmeta()
        self.metadata: dict[str, str] = dict(meta.custom_metadata_map)
        self.scaling = _scaling_from(self.metadata, self.path)
        self.name = self.metadata.get(META_NAME) or meta.graph_name or self.path.stem
        if self.name in ("main_graph", "torch_jit", "tf2onnx", ""):
            self.name = self.path.stem
        self._check_first_run()

    @staticmethod
    def _open(path: Path, threads: int) -> Any:
        import onnxruntime as ort  # deferred: keeps `import digitcanvas` light

        if not path.exists():
            raise ModelLoadError(f"{path}: no such file")
        if not path.is_file():
            raise ModelLoadError(f"{path}: not a file")
        if path.stat().st_size > MAX_MODEL_BYTES:
            raise ModelLoadError(f"{path}: file is too large to be a digit classifier")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: our own message explains failures
        try:
            return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises several private exception types
            raise ModelLoadError(f"{path}: not a valid ONNX model, or truncated ({_ort_reason(e)})") from e

    def _pick_output(self) -> str:
        """The (N, 10) output; an output of undeclared shape is checked at the first run."""
        outputs = self._session.get_outputs()
        for output in outputs:
            shape = list(output.shape or [])
            if len(shape) == 2 and shape[-1] == NUM_CLASSES:
                return str(output.name)
        undeclared = [o for o in outputs if not o.shape or any(not isinstance(d, int) for d in o.shape)]
        if len(outputs) == 1 and undeclared:
            return str(outputs[0].name)
        shapes = ", ".join(f"{o.name} {list(o.shape or [])}" for o in outputs)
        raise ModelLoadError(f"{self.path}: no output of shape (N, 10) for the ten digits (outputs: {shapes})")

    def _check_first_run(self) -> None:
        probe = np.zeros((1, FIELD, FIELD), dtype=np.float32)
        try:
            raw = self._run(probe)
        except Exception as e:
            raise ModelLoadError(f"{self.path}: fails when run on a 28×28 image ({e})") from e
        if raw.shape != (1, NUM_CLASSES):
            raise ModelLoadError(f"{self.path}: output has shape {raw.shape} when run; expected (1, 10)")
        if not np.all(np.isfinite(raw)):
            raise ModelLoadError(f"{self.path}: output is not finite (NaN or infinity) on a blank image")

    def _run(self, batch: NDArray[np.float32]) -> NDArray[np.floating]:
        feed = self.layout.reshape(self.scaling.apply(batch)).astype(self._input_dtype, copy=False)
        step = 1 if self.layout.fixed_batch == 1 else MAX_BATCH
        parts: list[NDArray[np.floating]] = [
            self._session.run([self._output_name], {self._input_name: feed[i : i + step]})[0]
            for i in range(0, max(len(feed), 1), step)
        ]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def predict_proba(self, images: NDArray[np.float32]) -> NDArray[np.float64]:
        """Probabilities (N, 10) for float32 images (N, 28, 28) or one image (28, 28)."""
        batch = np.asarray(images, dtype=np.float32)
        if batch.shape == (FIELD, FIELD):
            batch = batch[None]
        if batch.ndim != 3 or batch.shape[1:] != (FIELD, FIELD):
            raise ValueError(f"expected images of shape (N, 28, 28), got {batch.shape}")
        return to_probabilities(self._run(batch))

    def describe(self) -> str:
        version = self.metadata.get(META_VERSION)
        return f"{self.name} {version}" if version else self.name


def load_classifier(path: str | os.PathLike[str] | None = None, *, threads: int = 1) -> Classifier:
    """The classifier at ``path``, or the bundled one when ``path`` is None."""
    return Classifier(bundled_model_path() if path is None else path, threads=threads)
