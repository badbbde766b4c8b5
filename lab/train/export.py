"""Export the trained network to ONNX for the app: two outputs, our metadata only.

``logits`` (N, 10), divided by the calibration temperature, comes first: the app picks
the first float output with ten scores per image (:func:`digitcanvas.model.outputs.pick_output`).
``embedding`` (N, 4 × width), the penultimate features, comes second, for adapting the
model to one user's hand. PyTorch is needed (``pip install -e ".[lab]"``).
"""

from __future__ import annotations

import platform
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from digitcanvas.model.info import ModelWriteError, write_metadata
from digitcanvas.model.shapes import NUM_CLASSES
from lab.train.network import Calibrated, DigitNet

GRAPH_NAME = "digitcanvas_cnn"
OUTPUT_NAMES = ("logits", "embedding")  # the app picks the first (ten scores per image)


# --- export -----------------------------------------------------------------------------


def export_onnx(net: DigitNet, temperature: float, path: Path, metadata: Mapping[str, str]) -> Path:
    """Export the calibrated network to ``path`` with exactly ``metadata`` as its metadata
    (:func:`export_graph`)."""
    batch = torch.export.Dim("batch", min=1, max=65536)
    return export_graph(
        Calibrated(net, temperature).eval(),
        torch.zeros(2, 1, 28, 28),
        GRAPH_NAME,
        path,
        metadata,
        input_names=["image"],
        output_names=list(OUTPUT_NAMES),
        dynamic_shapes=({0: batch},),
    )


def export_graph(
    module: torch.nn.Module,
    example: torch.Tensor,
    graph_name: str,
    path: Path,
    metadata: Mapping[str, str],
    *,
    input_names: list[str],
    output_names: list[str],
    dynamic_shapes: tuple[dict[int, Any], ...],
) -> Path:
    """Export ``module`` (in eval mode) to ``path``, its graph named ``graph_name``, with
    exactly ``metadata`` as its metadata (the bundled model's and the number reader's way).

    The graph is exported and checked in a temporary folder; the final file is written
    atomically by :func:`digitcanvas.model.info.write_metadata`, which raises
    :class:`~digitcanvas.model.info.ModelWriteError` naming the file if it cannot be.
    """
    import onnx

    program = torch.onnx.export(
        module,
        (example,),
        dynamo=True,
        input_names=input_names,
        output_names=output_names,
        dynamic_shapes=dynamic_shapes,
        external_data=False,
        optimize=True,
    )
    assert program is not None
    with tempfile.TemporaryDirectory(prefix="digitcanvas-export-") as folder:
        exported = Path(folder) / "model.onnx"
        program.save(str(exported))
        model = onnx.load(str(exported))
        model.graph.name = graph_name
        onnx.checker.check_model(model)
        onnx.save(model, str(exported))
        # The exporter's own metadata keys (if any) go; ours are the only ones kept.
        stale: dict[str, str | None] = {entry.key: None for entry in model.metadata_props}
        return write_metadata(exported, {**stale, **metadata}, out=path)


def exported_outputs(path: Path) -> dict[str, list[int | str]]:
    """The exported graph's outputs and their shapes, as onnxruntime sees them (checked:
    ``logits`` first with ten scores, then ``embedding``)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    shapes = {o.name: list(o.shape) for o in session.get_outputs()}
    names = tuple(shapes)
    if names != OUTPUT_NAMES or shapes["logits"][-1] != NUM_CLASSES or shapes["embedding"][-1] == NUM_CLASSES:
        raise ModelWriteError(f"{path}: exported outputs {shapes}; expected {' and '.join(OUTPUT_NAMES)}")
    return shapes


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
