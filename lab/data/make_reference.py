"""Make the reference digits that input detection runs a model on (shipped in the wheel).

    python -m lab.data.make_reference --data ../shared/data/mnist

Takes the first ``--per-digit`` images of each digit from the MNIST *test* set (never
training images, so no model we train has seen them) and writes them as uint8 to
``digitcanvas/assets/reference-digits.npz``. MNIST is licensed CC BY-SA 3.0 (LeCun,
Cortes, Burges); the README and the model card say so.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Sequence

import numpy as np

from digitcanvas.model.conventions import REFERENCE_FILE
from digitcanvas.training.mnist_data import MnistError, load_split
from digitcanvas.util.files import write_atomic
from lab.paths import REPO_ROOT

DEFAULT_OUT = REPO_ROOT / "digitcanvas" / "assets" / REFERENCE_FILE
PER_DIGIT = 30  # 300 digits: enough to tell conventions apart (they differ by tens of points)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    parser.add_argument("--per-digit", type=int, default=PER_DIGIT)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    try:
        test = load_split(args.data, "test")
    except MnistError as e:
        print(f"error: {e}")
        return 2
    chosen = np.concatenate([np.flatnonzero(test.labels == d)[: args.per_digit] for d in range(10)])
    chosen.sort()
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=test.images[chosen], labels=test.labels[chosen].astype(np.uint8))
    write_atomic(args.out, buffer.getvalue())
    print(f"wrote {len(chosen)} MNIST test digits to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
