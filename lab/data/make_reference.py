"""Make the reference digits that input detection runs a model on (shipped in the wheel).

    python -m lab.data.make_reference

The digits are the project's own synthetic handwriting (:mod:`lab.data.synthetic_digits`):
drawn by a program in many hands and rendered through the app's preprocessing, so they
reach a model as a drawing on the canvas does, in MNIST's format. No data from elsewhere:
the file is the project's own work, under its licence. Easy and hard hands alternate, so
that a model fed in a convention it was not trained with shows it in the digits it misses.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Sequence

import numpy as np

from digitcanvas.model.conventions import REFERENCE_FILE
from digitcanvas.util.files import write_atomic
from lab.data.synthetic_digits import synthetic_digits
from lab.paths import REPO_ROOT

DEFAULT_OUT = REPO_ROOT / "digitcanvas" / "assets" / REFERENCE_FILE
PER_DIGIT = 50  # 500 digits: a convention that reads a few points fewer of them shows
DIFFICULTIES = (0.25, 0.5, 0.75, 1.0)  # each digit's hands in turn, from neat to hurried
SEED = 20261207


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.data.make_reference", description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=PER_DIGIT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    images, labels = synthetic_digits(args.per_digit, seed=args.seed, difficulties=DIFFICULTIES)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, images=images, labels=labels, difficulty=np.resize(np.repeat(DIFFICULTIES, 10), len(labels))
    )
    write_atomic(args.out, buffer.getvalue())
    print(f"wrote {len(labels)} synthetic reference digits to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
