"""Look inside a digit model: its layers in order, and what each computes for one drawing. No Qt.

:class:`Inspector` works for any model :class:`~digitcanvas.model.classifier.Classifier` accepts.
It makes, once per model, a copy of the model whose intermediate tensors are graph
outputs (:func:`digitcanvas.model.graph.with_outputs`, no ``onnx`` package needed) and
runs it beside the classifier's own session, fed exactly as the classifier feeds.

Every node computed from the input (and giving a float tensor) is a layer. One image's
activation is shown in one of two forms, whatever the model's layout:

* ``maps``: (C, H, W) float32 — convolution outputs, pooled maps, also from NHWC models
  (channels-last tensors are transposed; layouts are followed through ``Transpose``);
* ``vector``: (K,) float32 — dense layers, the logits, and (C, 1, 1) pooled features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.explain.layer_names import LayerFacts, layer_explanation, layer_numbers, layer_title, plural
from digitcanvas.explain.pictures import as_float32
from digitcanvas.model.classifier import Classifier
from digitcanvas.model.graph import Graph, GraphReadError, Node, read_graph, with_outputs
from digitcanvas.model.info import OutputKind
from digitcanvas.model.outputs import usable_probabilities
from digitcanvas.model.session import ModelRunError, ModelTimeoutError, SessionRefusedError, open_session, run_session
from digitcanvas.model.shapes import FIELD
from digitcanvas.util.enums import StrEnum


class LayerKind(StrEnum):
    """How a layer's output for one image is shown."""

    MAPS = "maps"  # (C, H, W) feature maps
    VECTOR = "vector"  # one value per unit


# Operators whose outputs are channels-first by the ONNX standard (N, C, H, W).
CHANNELS_FIRST_OPS = frozenset(
    {
        "Conv", "ConvTranspose", "ConvInteger", "QLinearConv", "MaxPool", "AveragePool", "LpPool",
        "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization", "InstanceNormalization", "LRN",
    }
)  # fmt: skip
CONV_OPS = frozenset({"Conv", "ConvInteger", "QLinearConv"})
INDEX_DATA_TYPES = frozenset({6, 7, 8, 9})  # int32, int64, string, bool: shapes, axes and indices, not weights
LAYOUT_CHW, LAYOUT_HWC = "CHW", "HWC"


class InsideError(ValueError):
    """A model cannot be looked inside (its graph is unreadable, or its copy with
    intermediate outputs does not load); the message names the file and the reason."""


@dataclass(frozen=True)
class Layer:
    """One node of the model as the inside view lists it."""

    index: int  # position among the layers, 0 first
    name: str  # the node's name, else its output's
    op: str  # the ONNX operator ("Conv", "Relu", "Gemm", …)
    tensor: str  # the output shown
    shape: tuple[int, ...]  # one image's activation as shown: (C, H, W) or (K,)
    raw_shape: tuple[int, ...]  # one image's tensor as the model holds it, e.g. (H, W, C)
    parameters: int  # weights and biases it reads (shared weights count at each use)
    kind: LayerKind
    title: str = ""  # what it is, for a learner: "Conv 1 · 32 filters 3×3", "ReLU" (layer_names)
    explanation: str = ""  # what its operation does, one sentence

    def describe(self) -> str:
        """One line: "Conv 1 · 32 filters 3×3 · 32×28×28 · 832 parameters"."""
        shape = "×".join(str(d) for d in self.shape) or "1"
        return f"{self.title or self.name} · {shape} · {plural(self.parameters, 'parameter')}"


@dataclass(frozen=True)
class Activations:
    """What every layer computes for one 28×28 input, and the output it ends in."""

    image: NDArray[np.float32]  # (28, 28) in [0, 1]: the network input
    values: tuple[NDArray[np.float32], ...]  # one per layer, in order: (C, H, W) or (K,)
    scores: NDArray[np.float64]  # (10,): the model's output as it gives it (logits, or probabilities)
    scores_kind: OutputKind  # what ``scores`` are
    probabilities: NDArray[np.float64]  # (10,), sums to 1

    @property
    def digit(self) -> int:
        """The top digit."""
        return int(np.argmax(self.probabilities))


class Inspector:
    """The layers of ``classifier``'s model and their activations for one image.

    Construction opens the copy with intermediate outputs and runs it once on a blank
    image (to learn every layer's shape); raises :class:`InsideError`. ``activations``
    is safe to call from a worker thread (onnxruntime sessions run concurrently).
    """

    def __init__(self, classifier: Classifier, *, threads: int = 1) -> None:
        self.classifier = classifier
        path = classifier.path
        try:
            model = path.read_bytes()
            self.graph = read_graph(model)
        except (OSError, GraphReadError) as e:
            raise InsideError(f"{path}: cannot read the model's graph ({e})") from e
        live = self.graph.reachable()
        self._candidates = [node for node in self.graph.nodes if node.outputs and node.outputs[0] in live]
        if not self._candidates:
            raise InsideError(f"{path}: no layer of the model is computed from its input (its output ignores it)")
        self._sizes = _parameter_sizes(self.graph, live)
        self._filter_tensor = self._first_conv_weight()
        exposed = [node.outputs[0] for node in self._candidates]
        self._session = _open(with_outputs(model, [*exposed, self._filter_tensor or ""]), classifier, threads)
        model_input = self._session.get_inputs()[0]
        self._input_name = model_input.name
        layout = classifier.layout
        self._fed = (layout.batch or 1) if layout.batched else None  # rows per run: one image, padded
        try:
            probe = self._run_named([*exposed, *([self._filter_tensor] if self._filter_tensor else [])], _blank())
        except ModelRunError as e:
            raise InsideError(f"{path}: its intermediate layers cannot be shown ({e})") from e
        self.layers = self._describe_layers(probe)
        self._names = [layer.tensor for layer in self.layers]
        weights = probe.get(self._filter_tensor) if self._filter_tensor else None
        self.filters = _filters(weights)

    # --- public ---------------------------------------------------------------------------

    @property
    def parameters(self) -> int:
        """All the model's weights (each counted once)."""
        return sum(self._sizes.get(name, 0) for name in self.graph.weights)

    def activations(self, image: NDArray[np.floating]) -> Activations:
        """Every layer's activation for one (28, 28) image in [0, 1]; raises ``ModelRunError``."""
        pixels = np.asarray(image, dtype=np.float32).reshape(FIELD, FIELD)
        picture = np.clip(np.nan_to_num(pixels, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)  # as predict_proba
        found = self._run_named(self._names, picture)
        values = tuple(_as_shown(found[layer.tensor], layer, self._fed) for layer in self.layers)
        scores = self.classifier.raw_outputs(picture[None])
        probabilities = usable_probabilities(scores, self.classifier.output_kind)[0]
        return Activations(picture, values, scores[0], self.classifier.output_kind, probabilities)

    # --- internals ------------------------------------------------------------------------

    def _first_conv_weight(self) -> str | None:
        """The weight tensor of the first layer, when that layer is a convolution."""
        for node in self._candidates:
            if sum(self._sizes.get(name, 0) for name in set(node.inputs)) > 1:  # scalars normalise, they don't learn
                if node.op in CONV_OPS:
                    return node.inputs[3 if node.op == "QLinearConv" else 1]
                return None
        return None

    def _run_named(self, names: list[str], picture: NDArray[np.float32]) -> dict[str, Any]:
        """The named tensors for one image, fed as the classifier feeds it; bounded in time
        and memory as the classifier's own runs are."""
        if not names:  # onnxruntime runs every output for an empty list of names
            return {}
        try:
            outputs = run_session(self._session, names, {self._input_name: self.classifier.fed(picture)})
        except ModelTimeoutError:
            raise
        except ModelRunError as e:
            raise ModelRunError(f"{e} while its layers were read") from e
        return dict(zip(names, outputs, strict=True))

    def _describe_layers(self, probe: dict[str, Any]) -> tuple[Layer, ...]:
        layouts: dict[str, str] = {self._input_name: _input_layout(self.classifier.layout.name)}
        shown: list[tuple[Node, str, tuple[int, ...], tuple[int, ...], int]] = []
        for node in self._candidates:
            tensor = node.outputs[0]
            value = probe.get(tensor)
            if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
                continue  # shapes, indices, sequences: bookkeeping, not a layer
            raw = _per_image(value, self._fed)
            layout = _layout_of(node, raw.shape, layouts)
            layouts[tensor] = layout
            parameters = sum(self._sizes.get(i, 0) for i in dict.fromkeys(node.inputs))
            shown.append((node, tensor, _shown_shape(raw.shape, layout), tuple(raw.shape), parameters))
        if not shown:
            raise InsideError(f"{self.classifier.path}: no layer of the model gives a float tensor to show")
        numbers = layer_numbers([node.op for node, *_ in shown])
        layers: list[Layer] = []
        for (node, tensor, shape, raw_shape, parameters), number in zip(shown, numbers, strict=True):
            kind = LayerKind.MAPS if len(shape) == 3 else LayerKind.VECTOR
            facts = LayerFacts(node.op, shape, self._kernel(node), parameters)
            layers.append(
                Layer(
                    len(layers), node.name or tensor, node.op, tensor, shape, raw_shape, parameters, kind,
                    layer_title(facts, number), layer_explanation(facts),
                )
            )  # fmt: skip
        return tuple(layers)

    def _kernel(self, node: Node) -> tuple[int, ...]:
        """A convolution's or a pool's window (kH, kW): its ``kernel_shape``, else its weight's last two sides."""
        if kernel := node.ints.get("kernel_shape"):
            return tuple(kernel)
        if node.op in CONV_OPS and len(node.inputs) > 1:
            weight = self.graph.weights.get(node.inputs[3 if node.op == "QLinearConv" else 1])
            if weight is not None and len(weight.dims) == 4:
                return weight.dims[2:]
        return ()


def _blank() -> NDArray[np.float32]:
    return np.zeros((FIELD, FIELD), dtype=np.float32)


def _open(model: bytes, classifier: Classifier, threads: int) -> Any:
    # A model loaded from bytes finds its external weights only when told where they are.
    try:
        return open_session(model, threads, external_folder=classifier.path.resolve().parent)
    except SessionRefusedError as e:
        raise InsideError(
            f"{classifier.path}: its intermediate layers cannot be shown (onnxruntime refuses the copy "
            "that exposes them)"
        ) from e


def _parameter_sizes(graph: Graph, live: set[str]) -> dict[str, int]:
    """Element counts of the constant tensors a layer may read as weights: initializers,
    ``Constant`` values and what constant-only nodes (``DequantizeLinear``) make of them."""
    sizes = {w.name: w.size for w in graph.weights.values() if w.data_type not in INDEX_DATA_TYPES}
    for node in graph.nodes:
        if node.outputs and node.outputs[0] not in live and node.value is None:
            size = max((sizes.get(i, 0) for i in node.inputs), default=0)
            sizes.update({o: size for o in node.outputs if o and size})
    return sizes


def _per_image(value: NDArray[Any], fed: int | None) -> NDArray[Any]:
    """The first image's part of a layer's output, for a batch of ``fed`` rows (one image,
    maybe padded; None: the model takes one image without a batch dimension)."""
    if fed is not None and value.ndim >= 1 and value.shape[0] == fed:
        return np.asarray(value[0])
    while value.ndim > 1 and value.shape[0] == 1:
        value = np.asarray(value[0])
    return value


def _input_layout(name: str) -> str:
    return LAYOUT_HWC if name == "NHWC" else LAYOUT_CHW


def _layout_of(node: Node, shape: tuple[int, ...], layouts: dict[str, str]) -> str:
    """Whether a (per-image) rank-3 output is channels-first or channels-last."""
    if len(shape) != 3:
        return ""
    if node.op in CHANNELS_FIRST_OPS:
        return LAYOUT_CHW
    source = next((layouts[i] for i in node.inputs if layouts.get(i)), "")
    perm = node.ints.get("perm")
    if node.op == "Transpose" and source and perm and len(perm) in (3, 4):
        per_image = [p - 1 for p in perm[1:]] if len(perm) == 4 else list(perm)
        moved = "".join(source[p] for p in per_image if 0 <= p < 3)
        return moved if moved in (LAYOUT_CHW, LAYOUT_HWC) else ""
    if source:
        return source
    # Unknown (after a Reshape): square maps have H == W; the odd one out is C.
    return LAYOUT_HWC if shape[0] == shape[1] != shape[2] else LAYOUT_CHW


def _shown_shape(shape: tuple[int, ...], layout: str) -> tuple[int, ...]:
    if len(shape) <= 1:
        return (max(int(np.prod(shape)), 1),)
    if len(shape) == 3 and layout == LAYOUT_HWC:
        shape = (shape[2], shape[0], shape[1])
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) > 3:
        shape = (int(np.prod(shape[:-2])), shape[-2], shape[-1])
    if shape[1] * shape[2] == 1 or shape[1] == 1 or shape[2] == 1:
        return (int(np.prod(shape)),)  # (C, 1, 1) features and (1, K) rows are vectors
    return tuple(int(d) for d in shape)


def _as_shown(value: NDArray[Any], layer: Layer, fed: int | None) -> NDArray[np.float32]:
    raw = _per_image(np.asarray(value), fed)
    if len(layer.raw_shape) == 3 and layer.shape == (layer.raw_shape[2], *layer.raw_shape[:2]):
        raw = np.transpose(raw, (2, 0, 1))
    return np.ascontiguousarray(as_float32(raw)).reshape(layer.shape)


def _filters(weights: NDArray[Any] | None) -> NDArray[np.float32] | None:
    """First-layer kernels (out·in, kH, kW) from a (out, in, kH, kW) convolution weight."""
    if not isinstance(weights, np.ndarray) or weights.ndim != 4 or weights.dtype.kind not in "fiu":
        return None
    return np.ascontiguousarray(as_float32(weights.reshape(-1, *weights.shape[2:])))
