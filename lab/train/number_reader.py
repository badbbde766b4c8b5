"""Train the number reader (a CTC network over a whole number's strip) and export it to ONNX.

    python -m lab.train.number_reader --mnist ../shared/data/mnist --unipen ../shared/data/unipen-digits \\
        --digilets ../shared/data/digilets-digits --pen-numbers ../shared/data/unipen-numbers \\
        --out digitcanvas/assets/number-reader.onnx

Synthetic numbers (:mod:`lab.data.synthetic_numbers`) are made from the training writers'
pen digits (UNIPEN and DigiLeTs; UNIPEN writers who also wrote a real number of
``--pen-numbers`` are left out, so those numbers stay unseen) and MNIST's training images,
half of them drawn as pen strokes and half as scans, all through the app's own strip
functions. Validation: synthetic numbers of the validation writers and MNIST's test
images, and, with ``--pen-numbers``, the real pen numbers of its validation writers,
read from the app's canvas (measured only: they are not trained on). The epoch with the
best validation count rate is exported. ORAND scans are never used here.

Reproducible on CPU: the data and the initial weights come from ``--seed``, PyTorch runs
deterministically on ``--threads`` threads (the same command on the same machine gives
the same file; ``python -m lab.train.same_model`` compares two).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import shlex
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError as e:  # pragma: no cover - the message is the point
    raise SystemExit('python -m lab.train.number_reader needs PyTorch: pip install -e ".[train]"') from e

from digitcanvas import __version__
from digitcanvas.model.info import META_NAME, META_TRAINING_COMMAND, META_VERSION, ModelWriteError
from digitcanvas.reading.numbers.number_reader import decode
from digitcanvas.reading.numbers.strip import FRAME, STRIP_HEIGHT, strokes_strip
from digitcanvas.training.mnist_data import MnistError, load_split
from lab.console import fail, log
from lab.data import digilets, synthetic_numbers, unipen, unipen_numbers
from lab.data.unipen import PenSample
from lab.paths import REPO_ROOT
from lab.train.number_net import NumberNet, export_onnx

MODEL_NAME = "DigitCanvas number reader"
NUMBER_READER_OUT = REPO_ROOT / "digitcanvas" / "assets" / "number-reader.onnx"
BATCH = 64
LEARNING_RATE = 3e-3
WEIGHT_DECAY = 1e-4
VAL_SYNTHETIC = 2000  # synthetic validation numbers
STRETCH = (0.85, 1.2)  # a training batch's width times this (augmentation)
SHIFT = 2  # px up or down
THICKER = 0.2  # share of batches drawn with a thicker pen

Example = tuple[NDArray[np.uint8], str]


def unseen_writers(samples: list[PenSample], numbers: list[unipen_numbers.PenNumber]) -> list[PenSample]:
    """UNIPEN digits without the writers who wrote one of the real numbers (their ids name the
    writer after the source: "unipen_apd_Irene_Castro" is "Irene_Castro")."""
    names = {n.writer.split("_", 2)[2] for n in numbers if n.writer.count("_") >= 2}
    return [s for s in samples if s.writer not in names]


CHUNK = 2000  # numbers made from one seed: the data do not depend on --jobs
_SOURCES: synthetic_numbers.Sources | None = None  # the worker processes' sources (inherited by fork)


def _chunk(task: tuple[int, int, int]) -> list[Example]:
    seed, index, count = task
    assert _SOURCES is not None
    rng = np.random.default_rng([seed, index])
    return [synthetic_numbers.sample(_SOURCES, rng) for _ in range(count)]


def generate(sources: synthetic_numbers.Sources, count: int, seed: int, what: str, jobs: int = 1) -> list[Example]:
    """``count`` synthetic numbers in chunks of :data:`CHUNK`, chunk ``i`` made from ``[seed, i]``:
    the same numbers on any number of ``jobs`` (processes)."""
    global _SOURCES
    _SOURCES = sources
    tasks = [(seed, i, min(CHUNK, count - start)) for i, start in enumerate(range(0, count, CHUNK))]
    examples: list[Example] = []
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if jobs > 1:
            pool = stack.enter_context(multiprocessing.get_context("fork").Pool(jobs))
            chunks: Iterable[list[Example]] = pool.imap(_chunk, tasks)
        else:
            chunks = map(_chunk, tasks)
        for chunk in chunks:
            examples += chunk
            if len(examples) % (5 * CHUNK) == 0 or len(examples) == count:
                log(f"{what}: {len(examples)}/{count} numbers made ({time.perf_counter() - started:.0f} s)")
    _SOURCES = None
    return examples


def batches(examples: list[Example], rng: np.random.Generator | None) -> list[list[int]]:
    """Indices in batches of similar width (less padding); shuffled when ``rng`` is given."""
    order = np.argsort([e[0].shape[1] for e in examples], kind="stable")
    groups = [order[i : i + BATCH].tolist() for i in range(0, len(order), BATCH)]
    if rng is not None:
        rng.shuffle(groups)
    return groups


def tensors(examples: list[Example], group: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The group's strips padded with paper to one width, the labels (digit + 1) concatenated, their lengths."""
    width = max(examples[i][0].shape[1] for i in group)
    strips = np.zeros((len(group), 1, STRIP_HEIGHT, width), dtype=np.float32)
    for row, i in enumerate(group):
        pixels = examples[i][0]
        strips[row, 0, :, : pixels.shape[1]] = pixels / 255.0
    labels = [int(c) + 1 for i in group for c in examples[i][1]]
    lengths = [len(examples[i][1]) for i in group]
    return torch.from_numpy(strips), torch.tensor(labels), torch.tensor(lengths)


def augment(strips: torch.Tensor, lengths: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """The batch a little wider or narrower (:data:`STRETCH`, kept wide enough for CTC), each strip
    shifted up or down by up to :data:`SHIFT` px, and now and then a thicker pen
    (:data:`THICKER`): the fixed synthetic numbers seen anew each epoch."""
    n, _, height, width = strips.shape
    frames = round(width * rng.uniform(*STRETCH) / FRAME)
    frames = max(frames, 2 * int(lengths.max()) + 1)
    if frames * FRAME != width:
        strips = F.interpolate(strips, size=(height, frames * FRAME), mode="bilinear", align_corners=False)
    shifts = rng.integers(-SHIFT, SHIFT + 1, size=n)
    strips = torch.stack([torch.roll(strip, int(dy), dims=1) for strip, dy in zip(strips, shifts, strict=True)])
    if rng.random() < THICKER:
        strips = F.max_pool2d(strips, 3, stride=1, padding=1)
    return strips


def score(net: NumberNet, examples: list[Example]) -> tuple[float, float]:
    """Exact rate and digit-count rate of the greedy reading."""
    net.eval()
    exact = count = 0
    with torch.no_grad():
        for group in batches(examples, None):
            strips, _, _ = tensors(examples, group)
            out = net(strips).numpy()
            for row, i in enumerate(group):
                read = decode(out[row], examples[i][0].shape[1])
                exact += read == examples[i][1]
                count += len(read) == len(examples[i][1])
    return exact / max(len(examples), 1), count / max(len(examples), 1)


def train(
    net: NumberNet,
    data: list[Example],
    validation: dict[str, list[Example]],
    epochs: int,
    seed: int,
    augmented: bool = True,
) -> dict[str, tuple[float, float]]:
    """Train with CTC; keep the weights of the epoch with the best summed count rate."""
    rng = np.random.default_rng(seed)
    optimiser = torch.optim.AdamW(net.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    steps = epochs * math.ceil(len(data) / BATCH)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=LEARNING_RATE, total_steps=steps)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    best: tuple[float, dict[str, torch.Tensor], dict[str, tuple[float, float]]] | None = None
    for epoch in range(1, epochs + 1):
        net.train()
        started, total, seen = time.perf_counter(), 0.0, 0
        for group in batches(data, rng):
            strips, labels, lengths = tensors(data, group)
            if augmented:
                strips = augment(strips, lengths, rng)
            out = net(strips)  # (N, T, 11)
            frames = torch.full((len(group),), out.shape[1], dtype=torch.long)
            loss = ctc(out.transpose(0, 1), labels, frames, lengths)
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(group)
            seen += len(group)
        scores = {name: score(net, part) for name, part in validation.items()}
        shown = "; ".join(f"{name} exact {e:.1%} count {c:.1%}" for name, (e, c) in scores.items())
        log(f"epoch {epoch}/{epochs}: loss {total / seen:.4f} ({time.perf_counter() - started:.0f} s); {shown}")
        merit = sum(c for _, c in scores.values())
        if best is None or merit > best[0]:
            best = (merit, {k: v.clone() for k, v in net.state_dict().items()}, scores)
    assert best is not None
    net.load_state_dict(best[1])
    return best[2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.train.number_reader",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--mnist", required=True, help="MNIST folder (IDX files)")
    parser.add_argument("--unipen", required=True, help="UNIPEN digits folder or digits.jsonl.gz")
    parser.add_argument("--digilets", required=True, help="DigiLeTs digits folder or digits.jsonl.gz")
    parser.add_argument("--pen-numbers", help="UNIPEN numbers: their writers are left out; val writers measured")
    parser.add_argument("--count", type=int, default=60000, help="synthetic training numbers")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--width", type=int, default=16, help="channels of the first layer")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads (fixed: results depend on it)")
    parser.add_argument("--no-augment", action="store_true", help="train on the numbers exactly as made")
    parser.add_argument("--jobs", type=int, default=1, help="processes making the numbers (the same data on any)")
    parser.add_argument("--out", type=Path, default=NUMBER_READER_OUT)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    try:
        digits = unipen.load_samples(args.unipen)
        pen_digits = digilets.load_digits(args.digilets)
        numbers = unipen_numbers.load_numbers(args.pen_numbers) if args.pen_numbers else []
        mnist_train, mnist_test = load_split(args.mnist, "train"), load_split(args.mnist, "test")
    except (OSError, ValueError, MnistError) as e:
        return fail(str(e))
    digits = unseen_writers(digits, numbers)
    parts = {
        part: synthetic_numbers.Sources.build(
            unipen.select(digits, part) + digilets.select(pen_digits, part),
            *((mnist_train.images, mnist_train.labels) if part == "train" else (mnist_test.images, mnist_test.labels)),
        )
        for part in ("train", "val")
    }
    data = generate(parts["train"], args.count, args.seed, "training", args.jobs)
    validation = {"synthetic": generate(parts["val"], VAL_SYNTHETIC, args.seed + 1, "validation", args.jobs)}
    if numbers:
        real = unipen_numbers.select(numbers, "val")
        validation["pen numbers"] = [
            (synthetic_numbers.as_bytes(strokes_strip(unipen_numbers.to_canvas(n).strokes)), n.label) for n in real
        ]
    net = NumberNet(width=args.width)
    log(f"{sum(p.numel() for p in net.parameters()):,} parameters; {len(data):,} training numbers")
    scores = train(net, data, validation, args.epochs, args.seed, augmented=not args.no_augment)
    command = " ".join(["python -m lab.train.number_reader", *map(shlex.quote, sys.argv[1:] if argv is None else argv)])
    try:
        path = export_onnx(
            net, args.out, {META_NAME: MODEL_NAME, META_VERSION: __version__, META_TRAINING_COMMAND: command}
        )
    except ModelWriteError as e:
        return fail(str(e))
    for name, (exact, count) in scores.items():
        print(f"{name}: greedy exact {exact:.2%}, digit count {count:.2%}")
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
