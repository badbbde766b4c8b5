"""Train the bundled DigitCanvas CNN on MNIST (+ UNIPEN and DigiLeTs pen digits) and export it to ONNX.

Reproducible on a 2-core CPU: fixed seed, PyTorch CPU (``pip install -e ".[lab]"``).

    python -m lab.train --data ../shared/data/mnist --unipen ../shared/data/unipen-digits \
        --digilets ../shared/data/digilets-digits --letters ../shared/data/digilets-letters \
        --outliers 8000 --out digitcanvas/assets/digitcanvas-cnn.onnx

Choices are made on held-out validation data only: 5,000 of a seeded shuffle of the
60,000 MNIST training images, and the UNIPEN and DigiLeTs validation writers. The
10,000 MNIST test images give the final figure, written into the model card.
The network and augmentation are in :mod:`lab.train.network`, the data in :mod:`lab.train.data`.
The exported graph has two outputs: ``logits`` (N, 10), calibrated, which the app reads,
and ``embedding`` (N, 4 × width), the penultimate features, for adapting to one hand.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError as e:  # pragma: no cover - the message is the point
    raise SystemExit('python -m lab.train needs PyTorch: pip install -e ".[lab]"  (torch==2.13.0, CPU build)') from e

from digitcanvas import __version__
from digitcanvas.model.classifier import Classifier
from digitcanvas.model.info import (
    META_DOUBT,
    META_MEAN,
    META_NAME,
    META_OUTPUT,
    META_SCALE,
    META_STD,
    META_TEMPERATURE,
    META_TEST_ACCURACY,
    META_TRAINING_COMMAND,
    META_VERSION,
    ModelWriteError,
)
from digitcanvas.reading.reader import Reader
from digitcanvas.training.calibration import fit_temperature, softmax
from digitcanvas.training.mnist_data import MnistError
from digitcanvas.util.files import describe_os_error, write_atomic
from lab.console import fail, log
from lab.evaluate.metrics import expected_calibration_error, probabilities
from lab.paths import BUNDLED_MODEL_OUT
from lab.train.data import DIGILETS_RENDERINGS, UNIPEN_RENDERINGS, DataSets, Images, Labels, load_data
from lab.train.doubt_threshold import FIT_CONFIDENCE, MAX_FLAG_RATE, fit_threshold
from lab.train.export import cpu_name, export_onnx, exported_outputs
from lab.train.network import DigitNet, augment

MODEL_NAME = "DigitCanvas CNN"
COMMAND = "python -m lab.train"


# --- training ---------------------------------------------------------------------------


def progress(epoch: int, epochs: int, done: int, total: int, loss: float, started: float, overall: float) -> None:
    if not sys.stderr.isatty():
        return
    width = 30
    filled = int(width * done / total)
    left = (time.perf_counter() - started) / max(overall, 1e-9) * (1 - overall)
    sys.stderr.write(
        f"\repoch {epoch}/{epochs} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
        f"loss {loss:.4f}  time left {left / 60:4.1f} min "
    )
    sys.stderr.flush()


@torch.no_grad()
def predict_logits(net: nn.Module, x: Images, batch: int = 1000) -> NDArray[np.float32]:
    net.eval()
    outs = [net(torch.from_numpy(x[i : i + batch]).unsqueeze(1)) for i in range(0, len(x), batch)]
    return torch.cat(outs).numpy() if outs else np.zeros((0, 10), np.float32)


def _accuracy(net: nn.Module, x: Images, y: Labels) -> float:
    return float((predict_logits(net, x).argmax(1) == y).mean()) if len(y) else float("nan")


def train(args: argparse.Namespace, data: DataSets) -> tuple[DigitNet, list[dict[str, float]]]:
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    net = DigitNet(width=args.width)

    def ema_step(averaged: torch.Tensor, current: torch.Tensor, n: torch.Tensor | int) -> torch.Tensor:
        decay = min(args.ema, (1 + float(n)) / (10 + float(n)))  # warm-up: short runs still average
        return averaged * decay + current * (1 - decay)

    ema = torch.optim.swa_utils.AveragedModel(net, avg_fn=ema_step, use_buffers=True)
    x_all = torch.from_numpy(np.concatenate([data.train_x, data.outlier_x])).unsqueeze(1)
    y_all = torch.from_numpy(np.concatenate([data.train_y, np.full(len(data.outlier_x), -1, np.int64)]))
    epoch_size = min(args.epoch_size or len(y_all), len(y_all))
    steps_per_epoch = math.ceil(epoch_size / args.batch_size)
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.2
    )
    history: list[dict[str, float]] = []
    started, started_cpu = time.perf_counter(), time.process_time()
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(y_all), generator=generator)[:epoch_size]
        running, seen = 0.0, 0
        for step in range(steps_per_epoch):
            idx = order[step * args.batch_size : (step + 1) * args.batch_size]
            xb = augment(x_all[idx], generator)
            yb = y_all[idx]
            logits = net(xb)
            digit = yb >= 0
            loss = F.cross_entropy(logits[digit], yb[digit], label_smoothing=args.label_smoothing)
            if not bool(digit.all()):
                # Outlier exposure: cross-entropy to the uniform distribution over the ten digits.
                flat = -F.log_softmax(logits[~digit], dim=1).mean(dim=1).mean()
                loss = loss + args.outlier_weight * flat * (~digit).float().mean() / digit.float().mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            ema.update_parameters(net)
            running += float(loss.detach()) * len(idx)
            seen += len(idx)
            overall = ((epoch - 1) * steps_per_epoch + step + 1) / (args.epochs * steps_per_epoch)
            if step % 20 == 0 or step == steps_per_epoch - 1:
                progress(epoch, args.epochs, step + 1, steps_per_epoch, running / seen, started, overall)
        val_acc = _accuracy(ema.module, data.val_x, data.val_y)
        sources = np.asarray(data.drawn_val_sources)
        per_source = {
            name: _accuracy(ema.module, data.drawn_val_x[sources == name], data.drawn_val_y[sources == name])
            for name in sorted(set(data.drawn_val_sources))
        }
        elapsed, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        left = elapsed / epoch * (args.epochs - epoch)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        log(
            f"epoch {epoch}/{args.epochs}  loss {running / seen:.4f}  val acc {val_acc:.4%}  "
            + "".join(f"{name} val acc {acc:.4%}  " for name, acc in per_source.items())
            + f"epoch {(elapsed - sum(h['seconds'] for h in history)) / 60:.1f} min "
            f"({(cpu - sum(h['cpu_seconds'] for h in history)) / 60:.1f} CPU min)  "
            f"elapsed {elapsed / 60:.1f} min  time left {left / 60:.1f} min"
        )
        history.append(
            {
                "epoch": epoch,
                "loss": running / seen,
                "val_acc": val_acc,
                **{f"{name}_val_acc": acc for name, acc in per_source.items()},
                "seconds": elapsed - sum(h["seconds"] for h in history),
                "cpu_seconds": cpu - sum(h["cpu_seconds"] for h in history),
            }
        )
    averaged = ema.module
    assert isinstance(averaged, DigitNet)
    return averaged, history


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lab.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", required=True, help="folder with the MNIST IDX files (gzip or raw)")
    parser.add_argument("--unipen", help="UNIPEN digits folder or .jsonl.gz; its training writers join the data")
    parser.add_argument(
        "--unipen-renderings", type=int, default=UNIPEN_RENDERINGS, help="renderings of each UNIPEN training digit"
    )
    parser.add_argument("--digilets", help="DigiLeTs digits folder or .jsonl.gz; its training writers join the data")
    parser.add_argument(
        "--digilets-renderings", type=int, default=DIGILETS_RENDERINGS, help="renderings of each DigiLeTs digit"
    )
    parser.add_argument("--letters", help="DigiLeTs letters: training writers' letters as outliers (needs --digilets)")
    parser.add_argument(
        "--collection", action="append", help="a personal collection folder of labelled drawings (repeatable)"
    )
    parser.add_argument("--collection-weight", type=int, default=5, help="times each collection drawing is repeated")
    parser.add_argument("--out", default=str(BUNDLED_MODEL_OUT), help="ONNX file to write")
    parser.add_argument("--card", help="model card JSON facts to write (default: OUT with .train.json)")
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument(
        "--epoch-size", type=int, default=0, help="images per epoch, a fresh random subset each time (0: all)"
    )
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--width", type=int, default=32, help="channels of the first convolution")
    parser.add_argument("--ema", type=float, default=0.999, help="decay of the weight moving average")
    parser.add_argument("--label-smoothing", type=float, default=0.05)
    parser.add_argument(
        "--outliers", type=int, default=0, help="generated non-digits for outlier exposure (e.g. 12000)"
    )
    parser.add_argument("--outlier-weight", type=float, default=0.5, help="weight of the outlier-exposure loss")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, default=0, help="train on only this many MNIST images (smoke runs)")
    parser.add_argument("--no-verify", action="store_true", help="skip the MD5 check (test data only)")
    args = parser.parse_args(argv)
    if args.letters and not args.digilets:
        parser.error("--letters needs --digilets (the letters' writers are split with the digits')")
    return args


@dataclass(frozen=True)
class Calibration:
    """The softmax temperature and "Not sure" threshold fitted on validation data."""

    temperature: float
    ece_before: float  # expected calibration error on validation images, before and after
    ece_after: float
    threshold: float | None  # None without validation drawings


def calibrate(net: DigitNet, data: DataSets) -> Calibration:
    """Fit the temperature on the validation images and drawings, then the doubt threshold on
    the validation writers' drawings; logs what each does."""
    val_logits = predict_logits(net, np.concatenate([data.val_x, data.drawn_val_x]))
    val_labels = np.concatenate([data.val_y, data.drawn_val_y])
    temperature = fit_temperature(val_logits, val_labels)
    ece_before = expected_calibration_error(softmax(val_logits), val_labels)
    ece_after = expected_calibration_error(softmax(val_logits / temperature), val_labels)
    log(f"temperature {temperature:.3f}: validation ECE {ece_before:.4f} -> {ece_after:.4f}")

    drawn_val_probs = softmax(predict_logits(net, data.drawn_val_x) / temperature)
    threshold = (
        fit_threshold(drawn_val_probs.max(axis=1), data.drawn_val_writers, new_writers=data.test_writers or None)
        if len(drawn_val_probs)
        else None
    )
    if threshold is not None:
        flagged_outliers = (
            float((softmax(predict_logits(net, data.val_outlier_x) / temperature).max(axis=1) < threshold).mean())
            if len(data.val_outlier_x)
            else float("nan")
        )
        log(
            f"doubt threshold {threshold:.3f}: flags {(drawn_val_probs.max(axis=1) < threshold).mean():.2%} of "
            f"validation drawings ({MAX_FLAG_RATE:.0%} of unseen writers' at most, {FIT_CONFIDENCE:.0%} sure), "
            f"{flagged_outliers:.1%} of validation non-digits"
        )
    return Calibration(temperature, ece_before, ece_after, threshold)


def model_metadata(args: argparse.Namespace, calibration: Calibration, test_acc: float, command: str) -> dict[str, str]:
    """The ``digitcanvas.*`` metadata the exported file carries."""
    metadata = {
        META_NAME: MODEL_NAME,
        META_VERSION: f"{__version__}+seed{args.seed}",
        META_SCALE: "1",
        META_MEAN: "0",
        META_STD: "1",
        META_TEST_ACCURACY: f"{test_acc:.4f}",
        META_TEMPERATURE: f"{calibration.temperature:.4f}",
        META_TRAINING_COMMAND: command,
        META_OUTPUT: "logits",
    }
    if calibration.threshold is not None:
        metadata[META_DOUBT] = f"{calibration.threshold:.4f}"
    return metadata


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        data = load_data(args, rng)
    except (MnistError, OSError, ValueError) as e:
        return fail(str(e))
    log(f"training on {len(data.train_y):,} images for {args.epochs} epochs ({args.threads} threads)")
    net, history = train(args, data)
    calibration = calibrate(net, data)

    torch_test = softmax(predict_logits(net, data.test_x) / calibration.temperature)
    test_acc = float((torch_test.argmax(1) == data.test_y).mean())
    command = " ".join([COMMAND, *(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))])
    out = Path(args.out)
    try:
        export_onnx(net, calibration.temperature, out, model_metadata(args, calibration, test_acc, command))
        outputs = exported_outputs(out)
    except ModelWriteError as e:
        return fail(str(e))
    classifier = Classifier(out, threads=args.threads)
    ort_test = probabilities(Reader(classifier).read_images28(data.test_x))
    max_diff = float(np.abs(ort_test - torch_test).max())
    ort_acc = float((ort_test.argmax(1) == data.test_y).mean())
    test_ece = expected_calibration_error(ort_test, data.test_y)
    elapsed = time.perf_counter() - started
    params = sum(p.numel() for p in net.parameters())
    facts = {
        "command": command,
        "seed": args.seed,
        "epochs": args.epochs,
        "parameters": params,
        "file_bytes": out.stat().st_size,
        "train_seconds": round(elapsed, 1),
        # CPU time of all threads: wall time on a machine to itself is about this / threads
        # (a shared machine stretches the wall time, not this).
        "train_cpu_seconds": round(time.process_time() - started_cpu, 1),
        "cpu": cpu_name(),
        "threads": args.threads,
        "torch": torch.__version__,
        "data": data.notes,
        "temperature": calibration.temperature,
        "doubt_threshold": calibration.threshold,
        "validation_ece_before": calibration.ece_before,
        "validation_ece_after": calibration.ece_after,
        "mnist_test_accuracy": ort_acc,
        "mnist_test_ece": test_ece,
        "onnx_vs_torch_max_abs_diff": max_diff,
        "outputs": outputs,
        "history": history,
    }
    card = Path(args.card) if args.card else out.with_suffix(".train.json")
    try:
        write_atomic(card, (json.dumps(facts, indent=2) + "\n").encode())
    except OSError as e:
        return fail(f"{card}: cannot write the training facts ({describe_os_error(e)})")
    log(
        f"MNIST test accuracy {ort_acc:.4%} (onnxruntime), ECE {test_ece:.4f}; "
        f"onnxruntime vs PyTorch max abs difference {max_diff:.2e}"
    )
    log(
        f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB, {params:,} parameters) and {card} in {elapsed / 60:.1f} min"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
