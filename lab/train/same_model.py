"""Is a retrained model the same network as another? Weights, graph and metadata compared.

    python -m lab.train.same_model digitcanvas/assets/digitcanvas-cnn.onnx runs/retrain/model.onnx

Training is seeded (data order, augmentation, initialisation), so running the model
card's command again on the same CPU should give the bundled file back. This says
whether it did: every initializer's values (bit for bit, else the largest difference),
the graph without its metadata (byte for byte), and each metadata entry that differs
(``digitcanvas.training_command`` differs whenever the ``--out`` path does). Exit status
0 when the weights and the graph are identical, 1 when they are not, 2 for a file that
cannot be read.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lab.console import fail

SHOWN_VALUE = 80  # characters of a differing metadata value printed


@dataclass(frozen=True)
class Comparison:
    initializers: int  # in the first file
    missing: list[str]  # initializer names only one of the files has
    different: dict[str, float]  # name → largest absolute difference (inf: shapes differ)
    graph_identical: bool  # the models serialised without metadata are byte-identical
    metadata: dict[str, tuple[str | None, str | None]]  # key → (first, second), where they differ

    @property
    def same_network(self) -> bool:
        return not self.missing and not self.different and self.graph_identical


def compare(first: Path, second: Path) -> Comparison:
    """Compare two ONNX files; raises ``OSError`` or onnx's errors for files it cannot parse."""
    import onnx
    from onnx import numpy_helper

    a, b = onnx.load(str(first)), onnx.load(str(second))
    weights_a = {i.name: numpy_helper.to_array(i) for i in a.graph.initializer}
    weights_b = {i.name: numpy_helper.to_array(i) for i in b.graph.initializer}
    different: dict[str, float] = {}
    for name in sorted(weights_a.keys() & weights_b.keys()):
        x, y = weights_a[name], weights_b[name]
        if x.shape != y.shape:
            different[name] = float("inf")
        elif not np.array_equal(x, y):
            different[name] = float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))))
    meta_a = {p.key: p.value for p in a.metadata_props}
    meta_b = {p.key: p.value for p in b.metadata_props}
    metadata = {
        key: (meta_a.get(key), meta_b.get(key))
        for key in sorted(meta_a.keys() | meta_b.keys())
        if meta_a.get(key) != meta_b.get(key)
    }
    a.ClearField("metadata_props")
    b.ClearField("metadata_props")
    return Comparison(
        initializers=len(weights_a),
        missing=sorted(weights_a.keys() ^ weights_b.keys()),
        different=different,
        graph_identical=a.SerializeToString() == b.SerializeToString(),
        metadata=metadata,
    )


def _shown(value: str | None, other: str | None) -> str:
    """``value``, from a little before where it parts from ``other``, at most SHOWN_VALUE long."""
    if value is None:
        return "(absent)"
    other = other or ""
    start = next((i for i, (x, y) in enumerate(zip(value, other, strict=False)) if x != y), min(len(value), len(other)))
    start = max(0, start - SHOWN_VALUE // 4)
    shown = value[start : start + SHOWN_VALUE]
    return ("…" if start else "") + shown + ("…" if start + SHOWN_VALUE < len(value) else "")


def report(c: Comparison) -> list[str]:
    lines = [
        f"initializers: {c.initializers - len(c.different)} of {c.initializers} bit-identical"
        + (f", {len(c.missing)} in only one file ({', '.join(c.missing)})" if c.missing else ""),
    ]
    lines += [f"  {name}: largest difference {diff:.3g}" for name, diff in c.different.items()]
    lines.append(f"graph without metadata: {'byte-identical' if c.graph_identical else 'different'}")
    lines.append(f"metadata entries that differ: {len(c.metadata)}")
    for key, (x, y) in c.metadata.items():
        lines += [f"  {key}:", f"    first:  {_shown(x, y)}", f"    second: {_shown(y, x)}"]
    lines.append("same network" if c.same_network else "different networks")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.train.same_model", description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    try:
        comparison = compare(args.first, args.second)
    except Exception as e:  # onnx raises several kinds for files it cannot parse
        return fail(f"cannot compare {args.first} with {args.second}: {e}")
    print("\n".join(report(comparison)))
    return 0 if comparison.same_network else 1


if __name__ == "__main__":
    raise SystemExit(main())
