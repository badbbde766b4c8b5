"""Tune the costs of the number reader's choice (:class:`digitcanvas.reading.numbers.segmentation.Costs`).

    python -m lab.evaluate.tune_numbers --unipen ... --digilets ... --part val \\
        [--pen ../shared/data/unipen-numbers] [--scans ../shared/data/orand-car-a]

reads the numbers of :mod:`lab.evaluate.numbers` once (with as many run-on numbers again,
each with a stroke run on into the next digit) and single digits, keeps every candidate
run's confidence, and searches the costs for the best exact rate by coordinate descent,
single digits weighing most (they must stay one digit). ``--pen`` and ``--scans`` add the
real numbers of :mod:`lab.evaluate.real_numbers` (their ``--part`` only: tune on val) to the
drawings' and the images' search, all of them one cell weighing REAL_WEIGHT. The bundled
costs came from such a run on validation writers.
"""

from __future__ import annotations

import os
import pickle
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from digitcanvas.drawing.strokes import CANVAS_SIZE, EmptyInputError
from digitcanvas.reading.numbers.atoms import Atom, Boundary
from digitcanvas.reading.numbers.segmentation import (
    DRAWING_COSTS,
    FIRST_COSTS,
    IMAGE_COSTS,
    Costs,
    Plan,
    best_split,
    classify_runs,
    plan_drawing,
    plan_image,
)
from digitcanvas.reading.reader import Reader
from lab.console import fail, log
from lab.data import orand, unipen_numbers
from lab.data.unipen import PenSample, to_canvas
from lab.evaluate.numbers import (
    TARGET_LAYOUTS,
    TOUCHING,
    WRITINGS,
    Composed,
    Key,
    _by_writer,
    arguments,
    as_image,
    compose,
    load_parts,
    numbers,
    pick_digits,
    random_slant,
)

TUNE_FACTORS = (0.0, 0.25, 0.5, 0.7, 1.4, 2.0, 4.0)  # each cost in turn is tried at these multiples
TUNE_SWEEPS = 3  # rounds over all costs (it stops early when a round changes nothing)
TUNE_WEIGHTS = {"single": 60.0, **dict.fromkeys(TARGET_LAYOUTS, 3.0)}  # others 1: singles must stay whole
ALL_JOINED = "run-on, every number joined"  # tuning only: run-on numbers that have a join, so the search sees many
MARK_COSTS = frozenset({"mark_size", "flat_height", "mark_skip"})  # the costs of leaving marks out
REAL = "real"  # the layout of real numbers (their key: (0, REAL, source)): one cell per source
REAL_WEIGHT = 12.0  # a real source's cell weighs as much as all the composed cells of a length
MAX_JOIN_TRIES = 20  # numbers composed per one wanted with a join (a writer's digits may never join)


@dataclass(frozen=True)
class Planned:
    """One number's atoms with every run read once, so that other costs can choose again."""

    key: Key  # singles: (1, "single", "single"); the layout says whether it was read as an image
    image: bool
    truth: str
    atoms: list[Atom]
    boundaries: list[Boundary]
    height: float
    confidence: dict[tuple[int, int], float]
    digits: dict[tuple[int, int], int]

    def number(self, costs: Costs) -> str:
        runs = best_split(self.atoms, self.boundaries, self.height, self.confidence, costs)
        return "".join(str(self.digits[run]) for run in runs)


def joined_numbers(
    samples: list[PenSample], lengths: Sequence[int], count: int, rng: np.random.Generator
) -> Iterator[tuple[Key, Composed]]:
    """Up to ``count`` touching run-on numbers per length and writing, each with at least one
    stroke run on into the next digit (in the report's run-on column most have none)."""
    by_writer = _by_writer(samples)
    for n in lengths:
        for writing in WRITINGS:
            found = 0
            for _ in range(MAX_JOIN_TRIES * count):
                if found == count:
                    break
                digits = pick_digits(by_writer, samples, n, rng)
                slant = random_slant(rng) if writing == "slanted" else 0.0
                composed = compose(digits, rng, TOUCHING, CANVAS_SIZE, slant=slant, joined=True)
                if composed.joins:
                    found += 1
                    yield (n, writing, ALL_JOINED), composed


def plan_numbers(
    reader: Reader, samples: list[PenSample], lengths: Sequence[int], count: int, singles: int, rng: np.random.Generator
) -> list[Planned]:
    """The report's numbers, run-on numbers that all have a join, and single digits, planned
    and classified as the reader would."""
    planned = []
    drawn = [(key, layout.image, c.drawing, c.number) for key, layout, c in numbers(samples, lengths, count, rng)]
    drawn += [(key, False, c.drawing, c.number) for key, c in joined_numbers(samples, lengths, count, rng)]
    for i in rng.choice(len(samples), size=min(singles, len(samples)), replace=False):
        single = to_canvas(samples[i], canvas=CANVAS_SIZE)
        drawn += [((1, "single", "single"), image, single, str(samples[i].label)) for image in (False, True)]
    for key, image, drawing, truth in drawn:
        plan = plan_image(as_image(drawing)) if image else plan_drawing(drawing, reader.options)
        planned.append(_planned(reader, key, plan, truth))
    return planned


def exact_rates(planned: Sequence[Planned], costs: Costs) -> dict[Key, float]:
    right: dict[Key, list[bool]] = defaultdict(list)
    for p in planned:
        right[(*p.key[:2], p.key[2] + (", image" if p.image and p.key[0] == 1 else ""))].append(
            p.number(costs) == p.truth
        )
    return {key: float(np.mean(r)) for key, r in right.items()}


def _planned(reader: Reader, key: Key, plan: Plan, truth: str) -> Planned:
    read = classify_runs(plan, reader.classifier)
    atoms = [Atom((), a.extent) for a in plan.atoms]  # only what the choice looks at: the extents
    confidence = {run: float(p.max()) for run, (p, _) in read.items()}
    digits = {run: int(p.argmax()) for run, (p, _) in read.items()}
    return Planned(key, not plan.strokes, truth, atoms, plan.boundaries, plan.height, confidence, digits)


def plan_real(reader: Reader, pen: str | None, scans: str | None, part: str) -> list[Planned]:
    """The real pen numbers and scans of ``part`` (:mod:`lab.evaluate.real_numbers`), planned
    and classified as the reader would; a scan without ink that stands out is left out."""
    planned = []
    if pen:
        for number in unipen_numbers.select(unipen_numbers.load_numbers(pen), part):
            plan = plan_drawing(unipen_numbers.to_canvas(number), reader.options)
            planned.append(_planned(reader, (0, REAL, "pen"), plan, number.label))
    if scans:
        for scan in orand.select(orand.load_scans(scans), part):
            try:
                plan = plan_image(scan.pixels())
            except EmptyInputError:
                continue
            planned.append(_planned(reader, (0, REAL, "scans"), plan, scan.label))
    log(f"real numbers planned: {len(planned)}")
    return planned


def tune(planned: Sequence[Planned], starts: Sequence[Costs], *, fixed: frozenset[str] = frozenset()) -> Costs:
    """Coordinate search over the costs (but those named in ``fixed``) for the weighted exact
    rate of ``planned``, from each of ``starts`` in turn; the best found."""

    def score(costs: Costs) -> float:
        rates = exact_rates(planned, costs)
        return sum(_weight(key) * rate for key, rate in rates.items())

    results = [_descend(start, score, fixed) for start in dict.fromkeys(starts)]
    return max(results, key=score)


def _weight(key: Key) -> float:
    return REAL_WEIGHT if key[1] == REAL else TUNE_WEIGHTS.get(key[2].removesuffix(", image"), 1.0)


def _descend(start: Costs, score: Callable[[Costs], float], fixed: frozenset[str] = frozenset()) -> Costs:
    best, best_score = start, score(start)
    for _ in range(TUNE_SWEEPS):
        changed = False
        for field in fields(Costs):
            if field.name in fixed:
                continue
            value = getattr(best, field.name)
            for factor in TUNE_FACTORS:
                trial = replace(best, **{field.name: value * factor if value else factor / 2})
                trial_score = score(trial)
                if trial_score > best_score + 1e-9:
                    best, best_score, changed = trial, trial_score, True
        if not changed:
            break
    return best


def tune_report(sources: dict[str, list[Planned]]) -> list[str]:
    everything = [p for planned in sources.values() for p in planned]
    lines = ["## Costs tuned on these numbers", ""]
    for image, bundled in ((False, DRAWING_COSTS), (True, IMAGE_COSTS)):
        mine = [p for p in everything if p.image == image]
        # Drawings keep every stroke in a digit: their marks stay off (a dash drawn is the user's to erase).
        tuned = tune(mine, [bundled, DRAWING_COSTS, FIRST_COSTS], fixed=frozenset() if image else MARK_COSTS)
        lines += [f"{'Images' if image else 'Drawings'}:", "", "```python", repr(tuned), "```", ""]
        lines += ["| source | digits | writing | layout | exact, bundled costs | exact, tuned |"]
        lines += ["|---|---:|---|---|---:|---:|"]
        for name, planned in sources.items():
            own = [p for p in planned if p.image == image]
            before, after = exact_rates(own, bundled), exact_rates(own, tuned)
            for key in sorted(before):
                lines.append(f"| {name} | {key[0]} | {key[1]} | {key[2]} | {before[key]:.1%} | {after[key]:.1%} |")
        lines.append("")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = arguments("python -m lab.evaluate.tune_numbers", __doc__)
    parser.add_argument("--pen", help="UNIPEN real numbers folder (--part writers): drawings")
    parser.add_argument("--scans", help="ORAND-CAR folder (--part images): images")
    parser.add_argument(
        "--cache", help="keep the planned numbers in this file (pickle), or tune on the ones kept there already"
    )
    args = parser.parse_args(argv)
    lengths = [int(v) for v in args.lengths.split(",")]
    loaded = load_parts(args)
    if isinstance(loaded, str):
        return fail(loaded)
    reader, parts = loaded
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, "rb") as handle:
            print("\n".join(tune_report(pickle.load(handle))))  # a file this command wrote
        return 0
    planned = {
        name: plan_numbers(reader, part, lengths, args.count, args.singles, np.random.default_rng(args.seed))
        for name, part in parts.items()
    }
    if args.pen or args.scans:
        try:
            planned["real"] = plan_real(reader, args.pen, args.scans, args.part)
        except (OSError, ValueError) as e:
            return fail(str(e))
    if args.cache:
        with open(args.cache, "wb") as handle:
            pickle.dump(planned, handle)
    print("\n".join(tune_report(planned)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
