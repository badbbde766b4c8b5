"""Run an ONNX digit classifier: the bundled model or any MNIST model a user exports. No Qt.

What people export, and what this module does with it:

* **Input**: one tensor holding a 28×28 image in any common layout, (N, 1, 28, 28),
  (N, 28, 28, 1), (N, 28, 28) or (N, 784), with the batch dynamic, fixed (smaller batches
  are padded) or absent ((28, 28), (784,), …: one image per run); float32, float16 or
  float64 (cast), or integers taking 0-255 pixels (uint8, int32, int64).
* **Output**: a float tensor of ten scores per image, shaped (N, 10), (N, 1, 10), (1, 10)
  or (10,); or, for scikit-learn converted with skl2onnx, a ZipMap (a sequence of
  {digit: probability} maps) beside a label output, which is ignored. The scores are
  logits, probabilities (kept, renormalised if quantisation left them a little off) or
  independent sigmoid scores (normalised, and :attr:`Classifier.scores_normalised` says so).
* **Input scaling**: declared in the metadata (:mod:`digitcanvas.model.info`), chosen by the user,
  or else detected on the reference digits (:mod:`.conventions`).

What the file says about itself is parsed once into :class:`~digitcanvas.model.info.ModelInfo`.
Sessions are opened and run within DigitCanvas's time and memory bounds by :mod:`.session`.
"""

from __future__ import annotations

import os
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model import conventions
from digitcanvas.model.file_check import ModelFileError, check_model_file
from digitcanvas.model.info import InputScaling, ModelInfo, ModelInfoError, OutputKind
from digitcanvas.model.layout import MAX_BATCH, InputLayoutError, fit_field, layout_for
from digitcanvas.model.outputs import (
    FLOAT_TYPES,
    INTEGER_TYPES,
    OutputError,
    output_kind,
    pick_output,
    usable_probabilities,
    zipmap_rows,
)
from digitcanvas.model.session import ModelRunError, ModelTimeoutError, SessionRefusedError, open_session, run_session
from digitcanvas.model.shapes import FIELD, NUM_CLASSES
from digitcanvas.util.enums import StrEnum

BUNDLED_MODEL_NAME = "digitcanvas-cnn.onnx"
PIXEL_MAX = 255  # integer inputs take 0-255 pixels
# The time bound on loading a model (each run after loading: session.MODEL_RUN_SECONDS).
MODEL_LOAD_SECONDS = 10.0  # every run at load time together: the blank probe, detection, output kind
EMBEDDING_OUTPUT = "embedding"  # the penultimate features, for adapting to one user's hand


class InputSource(StrEnum):
    """Where the input convention in use comes from."""

    METADATA = "metadata"  # the model file says
    DETECTED = "detected"  # measured on the reference digits
    CHOSEN = "chosen"  # the person's setting
    FALLBACK = "default"  # detection found nothing convincing


class ModelLoadError(ValueError):
    """A model file cannot be used; the message names the file and the reason.

    ``details`` keeps onnxruntime's own text (for ``-v`` and a dialog's details), which
    the message itself never shows.
    """

    def __init__(self, message: str, *, details: str = "") -> None:
        super().__init__(message)
        self.details = details


def bundled_model_path() -> Path:
    """The model that ships inside the package (``digitcanvas/assets/``)."""
    return Path(str(resources.files("digitcanvas") / "assets" / BUNDLED_MODEL_NAME))


# --- input ------------------------------------------------------------------------------


class Classifier:
    """An onnxruntime session on the CPU provider, checked and adapted at load time.

    ``predict_proba`` takes float32 (N, 28, 28) in [0, 1] (white ink on black) and
    returns float64 (N, 10) probabilities. ``scaling`` overrides the model's input
    scaling (the user's choice); without it the metadata decides, else detection.
    """

    def __init__(self, path: str | os.PathLike[str], *, threads: int = 1, scaling: InputScaling | None = None) -> None:
        self.path = Path(path)
        self._one_at_a_time = False
        self._session = self._open(self.path, threads)
        inputs, outputs, metadata = self._signature()
        self._take_input(inputs)
        try:
            self._output = pick_output(outputs)
            self.embedding_output = _embedding_output(outputs)
        except OutputError as e:
            raise ModelLoadError(f"{self.path}: {e}") from e
        try:
            self.info = ModelInfo.from_metadata(metadata, fallback_name=self.path.stem)
        except ModelInfoError as e:
            raise ModelLoadError(f"{self.path}: {e}") from e
        self.detection: conventions.Detection | None = None
        self._run_at_load(scaling)

    def _signature(self) -> tuple[list[Any], list[Any], dict[str, str]]:
        """The session's inputs, outputs and metadata, read once (and every name decoded)."""
        try:  # onnxruntime decodes names and metadata as UTF-8 when they are read
            inputs = self._session.get_inputs()
            outputs = list(self._session.get_outputs())
            for value in (*inputs, *outputs):
                _ = (value.name, value.type, value.shape)
            meta = self._session.get_modelmeta()
            _ = meta.graph_name  # not shown (the file's name is), but it must decode too
            return inputs, outputs, dict(meta.custom_metadata_map or {})
        except UnicodeDecodeError as e:
            raise ModelLoadError(f"{self.path}: its names or metadata are not UTF-8 text", details=str(e)) from e

    def _take_input(self, inputs: list[Any]) -> None:
        """How images are fed: the one input's name, type and layout."""
        if len(inputs) != 1:
            names = ", ".join(i.name for i in inputs)
            raise ModelLoadError(f"{self.path}: needs {len(inputs)} inputs ({names}); DigitCanvas provides one image")
        model_input = inputs[0]
        if model_input.type in FLOAT_TYPES:
            self._input_dtype = FLOAT_TYPES[model_input.type]
        elif model_input.type in INTEGER_TYPES:
            self._input_dtype = INTEGER_TYPES[model_input.type]
        else:
            raise ModelLoadError(f"{self.path}: input type is {model_input.type}; expected pixels as numbers")
        self.integer_input = model_input.type in INTEGER_TYPES
        # integer inputs take 0-255 pixels, within what the type holds (int8: up to 127)
        self._pixel_max = min(PIXEL_MAX, int(np.iinfo(np.dtype(self._input_dtype)).max)) if self.integer_input else 0
        self._input_name = model_input.name
        try:
            self.layout = layout_for(list(model_input.shape or []))
        except InputLayoutError as e:
            raise ModelLoadError(f"{self.path}: {e}") from e

    def _run_at_load(self, scaling: InputScaling | None) -> None:
        """The runs a model gets when it loads, together within :data:`MODEL_LOAD_SECONDS`: a
        blank image, the input convention's detection, what its outputs are."""
        self._load_deadline: float | None = time.monotonic() + MODEL_LOAD_SECONDS
        try:
            self._check_first_run()
            self.scaling, self.input_source = self._choose_scaling(scaling)
            self.output_kind = self.info.output or self._detect_output_kind()
            self.doubt_threshold, self.doubt_fitted = self._doubt_threshold()
        except ModelTimeoutError as e:
            raise ModelLoadError(
                f"{self.path}: did not finish its runs at load time within {MODEL_LOAD_SECONDS:g} s "
                "(DigitCanvas's limit); refused",
                details=str(e),
            ) from e
        except ModelRunError as e:
            raise ModelLoadError(f"{self.path}: fails when run at load time ({e})", details=str(e)) from e
        self._load_deadline = None

    @staticmethod
    def _open(path: Path, threads: int) -> Any:
        try:
            check_model_file(path)
        except ModelFileError as e:
            raise ModelLoadError(str(e)) from e
        try:
            return open_session(str(path), threads)
        except SessionRefusedError as e:
            raise ModelLoadError(
                f"{path}: not a valid ONNX model, or truncated, or it uses operators onnxruntime cannot run",
                details=e.details,
            ) from e

    def _check_first_run(self) -> None:
        probe = np.zeros((1, FIELD, FIELD), dtype=np.float32)
        try:
            raw = self._run(probe, self.info.scaling)
        except ModelTimeoutError:
            raise
        except ModelRunError as e:
            raise ModelLoadError(f"{self.path}: fails when run on a blank 28×28 image ({e})", details=str(e)) from e
        if not np.all(np.isfinite(raw)):
            raise ModelLoadError(f"{self.path}: output is not finite (NaN or infinity) on a blank image")

    def _choose_scaling(self, chosen: InputScaling | None) -> tuple[InputScaling, InputSource]:
        if chosen is not None:
            return chosen, InputSource.CHOSEN
        if self.info.declares_input:
            return self.info.scaling, InputSource.METADATA
        candidates = conventions.INTEGER_PRESETS if self.integer_input else None
        try:
            self.detection = conventions.detect(self.raw_outputs, candidates=candidates, side=self.layout.side)
        except ModelTimeoutError:
            raise
        except ModelRunError as e:
            raise ModelLoadError(f"{self.path}: fails on the reference digits ({e})", details=str(e)) from e
        if self.detection.poor:
            fallback = conventions.PRESETS_BY_KEY[candidates[0] if candidates else "unit"]
            return fallback.scaling, InputSource.FALLBACK
        return self.detection.scaling, InputSource.DETECTED

    def _detect_output_kind(self) -> OutputKind:
        detection = self.detection
        if detection is not None and detection.outputs is not None and detection.scaling == self.scaling:
            raw = detection.outputs  # detection has run the model on the reference digits already
        else:
            reference = conventions.reference_digits()
            raw = self.raw_outputs(reference.images[conventions.screen_digits(reference.labels)], self.scaling)
        return output_kind(np.vstack([raw, self._run(np.zeros((1, FIELD, FIELD), np.float32), self.scaling)]))

    def _doubt_threshold(self) -> tuple[float, bool]:
        """The model's "Not sure" threshold: its metadata's, else fitted on the reference
        digits (:func:`~.conventions.fitted_doubt_threshold`); and whether it was fitted. A
        model that fails on some reference digit keeps the default: those readings fail anyway."""
        if self.info.declares_doubt:
            return self.info.doubt_threshold, False
        reference = conventions.reference_digits()
        detection = self.detection
        try:
            if detection is not None and detection.outputs is not None and detection.scaling == self.scaling:
                raw = detection.outputs
            else:
                raw = self.raw_outputs(reference.images, self.scaling)
            probabilities = usable_probabilities(raw, self.output_kind)
        except ModelTimeoutError:
            raise
        except ModelRunError:
            return self.info.doubt_threshold, False
        labels = reference.labels[: len(probabilities)]  # detection may have read only the first half
        return conventions.fitted_doubt_threshold(probabilities, labels, self.info.doubt_threshold), True

    # --- running ------------------------------------------------------------------------

    def _feed(self, batch: NDArray[np.float32], scaling: InputScaling) -> NDArray[np.generic]:
        """(N, 28, 28) images in [0, 1] as the model takes them: fitted to its field (LeNet-5's
        32×32), scaled, rounded for an integer input, shaped and typed."""
        values = scaling.apply(fit_field(batch, self.layout.side, scaling.fit))
        if self.integer_input:
            values = np.clip(np.rint(values), 0, self._pixel_max)
        return values.reshape((len(batch), *self.layout.shape_tail)).astype(self._input_dtype, copy=False)

    def _run(self, batch: NDArray[np.float32], scaling: InputScaling) -> NDArray[np.float64]:
        """Raw outputs (N, 10), float64, for images (N, 28, 28); raises :class:`ModelRunError`.

        Some exports declare a dynamic batch yet fail on more than one image (a reshape to
        a fixed 1 inside): the first such failure switches the model to one image per run.
        """
        feed = self._feed(batch, scaling)
        try:
            return self._run_fed(feed)
        except ModelTimeoutError:
            raise
        except ModelRunError:
            if self._one_at_a_time or len(feed) == 1 or not self.layout.batched or self.layout.batch is not None:
                raise
            rows = self._run_fed(feed[:1], step=1)  # fails again if the model fails on images at all
            self._one_at_a_time = True
            return np.concatenate([rows, self._run_fed(feed[1:])])

    def _run_fed(self, feed: NDArray[np.generic], step: int | None = None) -> NDArray[np.float64]:
        step = step or (1 if self._one_at_a_time else self.layout.step())
        parts: list[NDArray[np.float64]] = []
        for start in range(0, len(feed), step):
            chunk = feed[start : start + step]
            count = len(chunk)
            if self.layout.batch is not None and count < self.layout.batch:
                # A batch fixed when the model was exported (often a training batch): pad it.
                padding = np.zeros((self.layout.batch - count, *chunk.shape[1:]), dtype=chunk.dtype)
                chunk = np.concatenate([chunk, padding])
            if not self.layout.batched:
                chunk = chunk[0]
            out = self._run_once(chunk)
            parts.append(self._rows(out, count, len(chunk) if self.layout.batched else 1))
        return np.concatenate(parts) if parts else np.zeros((0, NUM_CLASSES))

    def _run_once(self, chunk: NDArray[np.generic], *, output: str | None = None) -> Any:
        """One session run of ``output`` (default: the scores), stopped by the watchdog past
        its time limit; raises :class:`ModelRunError` (:class:`ModelTimeoutError`)."""
        if self._load_deadline is None:
            return run_session(self._session, [output or self._output.name], {self._input_name: chunk})[0]
        limit = max(self._load_deadline - time.monotonic(), 0.0)
        late = f"the model did not finish its load-time runs within {MODEL_LOAD_SECONDS:g} s"
        return run_session(self._session, [output or self._output.name], {self._input_name: chunk}, limit, late)[0]

    def fed(self, image: NDArray[np.float32]) -> NDArray[np.generic]:
        """One (28, 28) image as one run of the model takes it: scaled, typed, shaped, padded
        to a batch fixed at export, without the batch axis for models that have none."""
        feed = self._feed(image[None], self.scaling)
        if self.layout.batch is not None and self.layout.batch > 1:
            feed = np.concatenate([feed, np.zeros((self.layout.batch - 1, *feed.shape[1:]), dtype=feed.dtype)])
        return feed if self.layout.batched else feed[0]

    def _rows(self, out: Any, count: int, fed: int) -> NDArray[np.float64]:
        if self._output.zipmap:
            try:
                rows = zipmap_rows(list(out))
            except (TypeError, ValueError, OverflowError) as e:
                raise ModelRunError("the model's output maps are not {digit: probability}") from e
            if len(rows) != fed:
                raise ModelRunError(f"the model returned {len(rows)} maps for {fed} images")
        else:
            array = np.asarray(out)
            if array.dtype.kind not in "fiu":
                raise ModelRunError(f"the model's output is of type {array.dtype}, not numbers")
            if array.size != fed * NUM_CLASSES:
                raise ModelRunError(f"the model returned shape {array.shape}; expected {NUM_CLASSES} scores per image")
            rows = array.reshape(fed, NUM_CLASSES).astype(np.float64)
        return rows[:count]

    def raw_outputs(self, images: NDArray[np.float32], scaling: InputScaling | None = None) -> NDArray[np.float64]:
        """The model's raw scores (N, 10) for images (N, 28, 28) under ``scaling``
        (default: the scaling in use)."""
        return self._run(np.asarray(images, dtype=np.float32), scaling or self.scaling)

    def predict_proba(self, images: NDArray[np.float32]) -> NDArray[np.float64]:
        """Probabilities (N, 10) for float32 images (N, 28, 28) or one image (28, 28).

        Raises :class:`ModelRunError` when the model fails or its output is not finite.
        """
        batch = np.asarray(images, dtype=np.float32)
        if batch.shape == (FIELD, FIELD):
            batch = batch[None]
        if batch.ndim != 3 or batch.shape[1:] != (FIELD, FIELD):
            raise ValueError(f"expected images of shape (N, 28, 28), got {batch.shape}")
        # Pixels are [0, 1] by contract; NaN, infinities or 4e37 would overflow the model's scaling.
        # Clipping takes infinities to 1 and 0; NaN survives it, and one NaN makes the sum NaN.
        pixels = np.minimum(np.maximum(batch, 0.0), 1.0)  # np.clip's checks cost more than the two
        if np.isnan(pixels.sum()):
            pixels = np.nan_to_num(pixels, nan=0.0)
        raw = self._run(pixels, self.scaling)
        return usable_probabilities(raw, self.output_kind)

    def embeddings(self, images: NDArray[np.float32]) -> NDArray[np.float64] | None:
        """The model's penultimate features (N, D) for images (N, 28, 28), from its
        ``embedding`` output; None when the model has none (or runs one image at a time).

        Raises :class:`ModelRunError` when the model fails.
        """
        if self.embedding_output is None or not self.layout.batched or self.layout.batch is not None:
            return None
        feed = self._feed(np.asarray(images, dtype=np.float32).reshape(-1, FIELD, FIELD), self.scaling)
        parts = []
        for start in range(0, len(feed), MAX_BATCH):
            out = self._run_once(feed[start : start + MAX_BATCH], output=self.embedding_output)
            parts.append(np.asarray(out, dtype=np.float64).reshape(len(out), -1))
        features = np.concatenate(parts) if parts else np.zeros((0, 0))
        if not np.isfinite(features).all():
            raise ModelRunError("the model's embedding is not a number (NaN or infinity) for this input")
        return features

    def proba_and_embeddings(self, images: NDArray[np.float32]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Probabilities (N, 10) and penultimate features (N, D) of images (N, 28, 28) in
        [0, 1], both from one run of the model per chunk (a collection's summary needs both).

        Raises :class:`ModelRunError` when the model fails or gives what it should not; and
        ``ValueError`` for a model without an ``embedding`` output that runs batches (see
        :meth:`embeddings`), or with ZipMap scores.
        """
        if self.embedding_output is None or not self.layout.batched or self.layout.batch is not None:
            raise ValueError("the model has no embedding output to run with its scores")
        if self._output.zipmap:
            raise ValueError("the model's scores are ZipMap maps")
        batch = np.clip(np.nan_to_num(np.asarray(images, dtype=np.float32).reshape(-1, FIELD, FIELD)), 0.0, 1.0)
        feed = self._feed(batch, self.scaling)
        names = [self._output.name, self.embedding_output]
        probabilities, features = [], []
        for start in range(0, len(feed), MAX_BATCH):
            chunk = feed[start : start + MAX_BATCH]
            scores, embedded = run_session(self._session, names, {self._input_name: chunk})
            probabilities.append(usable_probabilities(self._rows(scores, len(chunk), len(chunk)), self.output_kind))
            rows = np.asarray(embedded, dtype=np.float64)
            if rows.ndim < 1 or len(rows) != len(chunk):
                raise ModelRunError(f"the model's embedding output gives {len(rows)} rows for {len(chunk)} images")
            features.append(rows.reshape(len(chunk), -1))
        if not features:
            return np.zeros((0, NUM_CLASSES)), np.zeros((0, 0))
        found = np.concatenate(features)
        if not np.isfinite(found).all():
            raise ModelRunError("the model's embedding is not a number (NaN or infinity) for this input")
        return np.concatenate(probabilities), found

    def reference_accuracy(self, scaling: InputScaling | None = None) -> float:
        """Share of the reference digits read right under ``scaling`` (default: the one in use)."""
        return conventions.reference_accuracy(self.raw_outputs, scaling or self.scaling)

    # --- facts --------------------------------------------------------------------------

    @property
    def scores_normalised(self) -> bool:
        """True when the model gives independent (sigmoid) scores that DigitCanvas normalises."""
        return self.output_kind == OutputKind.SCORES

    @property
    def needs_a_look(self) -> bool:
        """True when no input convention fitted the model (it is fed a fallback) or its scores
        had to be normalised: what the window and ``predict`` warn about."""
        return self.input_source == InputSource.FALLBACK or self.scores_normalised

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def metadata(self) -> dict[str, str]:
        return dict(self.info.metadata)

    def describe(self) -> str:
        return self.info.describe()


def _embedding_output(outputs: list[Any]) -> str | None:
    """The output named ``embedding`` (the penultimate features), if the model has one."""
    for output in outputs:
        shape = list(output.shape or [])
        if output.name == EMBEDDING_OUTPUT and output.type in FLOAT_TYPES and len(shape) == 2:
            return str(output.name)
    return None


def load_classifier(
    path: str | os.PathLike[str] | None = None, *, threads: int = 1, scaling: InputScaling | None = None
) -> Classifier:
    """The classifier at ``path``, or the bundled one when ``path`` is None."""
    return Classifier(bundled_model_path() if path is None else path, threads=threads, scaling=scaling)
