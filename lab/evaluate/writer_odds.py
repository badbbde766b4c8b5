"""How reachable is "the worst writer reads ≥ 97 %", given how many digits each writer has?

    python -m lab.evaluate.writer_odds --unipen ../shared/data/unipen-digits \
        --digilets ../shared/data/digilets-digits --part test --error-rate 0.0060

A writer with n digits reads at least ``--share`` (97 %) right only with at most
floor((1 - share) · n) errors: a writer of fewer than 34 digits must be read perfectly.
This reads no model. Per source it prints how many digits the writers have, how many of
them one error already puts under the share, and the chance that *every* writer reaches
the share if the model's errors fell evenly on all digits at ``--error-rate`` (each digit
wrong independently; real errors cluster on a few writers, which makes it lower). It also
prints the error rate at which that chance would be one half. The error rate to pass is
the one measured (``lab.evaluate.drawn``: 1 − accuracy), so the figure says what the
target asks of a model as good as that one.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binom

from lab.console import fail
from lab.evaluate.numbers import SOURCES

DEFAULT_SHARE = 0.97  # the worst-writer target
EVEN_CHANCE = 0.5  # the chance the "error rate for an even chance" is solved for
SEARCH_STEPS = 60  # bisection steps for that rate


@dataclass(frozen=True)
class Odds:
    writers: int
    digits: int
    median_digits: float
    fewest: int
    one_error_fails: int  # writers that a single error puts under the share
    chance: float  # every writer reaches the share, errors spread evenly at the given rate
    even_rate: float  # the error rate at which that chance is EVEN_CHANCE


def allowed_errors(sizes: NDArray[np.int64], share: float) -> NDArray[np.int64]:
    """Per writer, the most errors that still leave at least ``share`` of their digits right."""
    # The small epsilon keeps 0.97 · 100 = 97.00000000000001 from allowing only 2 errors.
    return np.floor((1.0 - share) * sizes + 1e-9).astype(np.int64)


def chance_all_reach(sizes: NDArray[np.int64], share: float, error_rate: float) -> float:
    """P(every writer has at most their allowed errors), each digit wrong with ``error_rate``."""
    return float(np.prod(binom.cdf(allowed_errors(sizes, share), sizes, error_rate)))


def even_rate(sizes: NDArray[np.int64], share: float) -> float:
    """The error rate at which every writer reaches ``share`` with chance EVEN_CHANCE."""
    low, high = 0.0, 1.0  # the chance falls as the rate rises
    for _ in range(SEARCH_STEPS):
        middle = (low + high) / 2
        if chance_all_reach(sizes, share, middle) >= EVEN_CHANCE:
            low = middle
        else:
            high = middle
    return low


def odds(sizes: Sequence[int], share: float, error_rate: float) -> Odds:
    """The figures for writers with these numbers of digits; ``sizes`` must not be empty."""
    n = np.asarray(sizes, dtype=np.int64)
    return Odds(
        writers=len(n),
        digits=int(n.sum()),
        median_digits=float(np.median(n)),
        fewest=int(n.min()),
        one_error_fails=int(np.count_nonzero(allowed_errors(n, share) == 0)),
        chance=chance_all_reach(n, share, error_rate),
        even_rate=even_rate(n, share),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.evaluate.writer_odds",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--unipen", help="UNIPEN digits folder or digits.jsonl.gz")
    parser.add_argument("--digilets", help="DigiLeTs digits folder or digits.jsonl.gz")
    parser.add_argument("--part", choices=["train", "val", "test"], default="test")
    parser.add_argument("--share", type=float, default=DEFAULT_SHARE, help="the share each writer must reach")
    parser.add_argument(
        "--error-rate", type=float, required=True, help="the model's error rate on single digits, e.g. 0.006"
    )
    args = parser.parse_args(argv)
    if not 0.0 < args.share <= 1.0:
        return fail("--share must be in (0, 1]")
    if not 0.0 <= args.error_rate <= 1.0:
        return fail("--error-rate must be in [0, 1]")
    paths = {key: path for key, path in (("unipen", args.unipen), ("digilets", args.digilets)) if path}
    if not paths:
        return fail("give --unipen, --digilets or both")
    print(
        f"# Every writer ≥ {args.share:.0%}? {args.part} writers, errors spread evenly at "
        f"{args.error_rate:.2%} per digit\n"
    )
    print(
        "| source | writers | digits | median per writer | fewest | one error puts under | "
        "chance every writer reaches it | error rate for an even chance |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key, path in paths.items():
        name, load, select = SOURCES[key]
        try:
            samples = select(load(path), args.part)
        except (OSError, ValueError) as e:
            return fail(str(e))
        sizes = list(Counter(s.writer_key for s in samples).values())
        if not sizes:
            return fail(f"no {name} digits of {args.part} writers in {path}")
        o = odds(sizes, args.share, args.error_rate)
        print(
            f"| {name} | {o.writers} | {o.digits} | {o.median_digits:g} | {o.fewest} | "
            f"{o.one_error_fails} of {o.writers} | {o.chance:.1%} | {o.even_rate:.2%} |"
        )
    if args.share < 1.0:
        needed = math.ceil(1 / (1.0 - args.share))
        print(f"\nA writer with fewer than {needed} digits is under {args.share:.0%} with a single error.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
