#!/usr/bin/env python3
"""Train the bundled DigitCanvas CNN on MNIST (+ UNIPEN pen digits) and export it to ONNX.

Reproducible on a 2-core CPU: fixed seed, PyTorch CPU (``pip install -e ".[train]"``).

    python scripts/train.py --data ../shared/data/mnist \
        --unipen ../shared/data/unipen-digits --out assets/digitcanvas-cnn.onnx

Choices are made on held-out validation data only: the last 5,000 of a seeded
shuffle of the 60,000 MNIST training images, and the UNIPEN validation writers. The
10,000 MNIST test images give the final figure, written into the model card.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:  # pragma: no cover - the message is the point
    sys.exit('train.py needs PyTorch: pip install -e ".[train]"  (torch==2.13.0, CPU build)')

from digitcanvas import __version__, nondigits  # noqa: E402
from digitcanvas.collection import load_collection  # noqa: E402
from digitcanvas.doubt import FIT_CONFIDENCE, MAX_FLAG_RATE, META_DOUBT, fit_threshold  # noqa: E402
from digitcanvas.inference import (  # noqa: E402
    META_MEAN,
    META_NAME,
    META_PREFIX,
    META_SCALE,
    META_STD,
    META_VERSION,
    Classifier,
)
from digitcanvas.metrics import expected_calibration_error  # noqa: E402
from digitcanvas.mnist import MnistError, load_split  # noqa: E402
from digitcanvas.preprocessing import (  # noqa: E402
    MNIST_PEN_WIDTH,
    PreprocessOptions,
    preprocess_drawing,
)
from digitcanvas.unipen import PenSample, load_samples, to_canvas, writer_split  # noqa: E402

VALIDATION_SIZE = 5_000  # MNIST training images held out for every choice we make
UNIPEN_RENDERINGS = 2  # each UNIPEN training sample is rendered this many ways
PEN_WIDTH_JITTER = (0.7, 1.35)  # × the app's MNIST pen width, for stroke-thickness variety
DRAW_SIZE_RANGE = (0.25, 0.85)  # fraction of the canvas height people use for a digit
MODEL_NAME = "DigitCanvas CNN"
OUTLIER_KINDS = ("scribble", "dot", "line", "letter", "overlap")  # equal shares of the outlier set
OUTLIER_SEED_OFFSET = 1  # training outliers; evaluate_doubt.py uses other seeds and held-out letters


# --- model ------------------------------------------------------------------------------


def conv_block(c_in: int, c_out: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class DigitNet(nn.Module):
    """28×28 → 10 logits. ~0.2 M parameters, ~15 M multiply-adds per image."""

    def __init__(self, width: int = 32, dropout: float = 0.3) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            conv_block(1, w, 5),  # 28×28
            nn.MaxPool2d(2),  # 14×14
            conv_block(w, 2 * w),
            conv_block(2 * w, 2 * w),
            nn.MaxPool2d(2),  # 7×7
            conv_block(2 * w, 4 * w),
            conv_block(4 * w, 4 * w),
        )
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(4 * w, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Calibrated(nn.Module):
    """The exported graph: logits divided by the temperature fitted on validation data."""

    def __init__(self, net: nn.Module, temperature: float) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("inv_t", torch.tensor(1.0 / temperature))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x) * self.inv_t


# --- augmentation -----------------------------------------------------------------------


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random affine (rotation, scale, aspect, slant, shift), a smooth elastic wobble,
    and thickness changes. x: (B, 1, 28, 28) in [0, 1]."""
    b = x.shape[0]

    def uniform(lo: float, hi: float, n: int = b) -> torch.Tensor:
        return torch.rand(n, generator=generator) * (hi - lo) + lo

    angle = uniform(-12, 12) * math.pi / 180
    scale = uniform(0.85, 1.12)
    aspect = uniform(0.88, 1.12)
    shear = uniform(-0.3, 0.3)
    tx, ty = uniform(-0.12, 0.12), uniform(-0.12, 0.12)  # of the half field: ±1.7 px
    cos, sin = torch.cos(angle), torch.sin(angle)
    sx, sy = 1 / (scale * aspect), aspect / scale
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = cos * sx
    theta[:, 0, 1] = -sin * sx + shear
    theta[:, 1, 0] = sin * sy
    theta[:, 1, 1] = cos * sy
    theta[:, 0, 2], theta[:, 1, 2] = tx, ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    wobble = torch.randn(b, 2, 4, 4, generator=generator) * 0.03
    grid = grid + F.interpolate(wobble, size=(28, 28), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    pick = torch.rand(b, generator=generator)
    grown = F.max_pool2d(F.pad(x, (0, 1, 0, 1)), 2, stride=1)
    shrunk = -F.max_pool2d(F.pad(-x, (0, 1, 0, 1)), 2, stride=1)
    x = torch.where((pick < 0.15).view(b, 1, 1, 1), grown, x)
    x = torch.where((pick > 0.88).view(b, 1, 1, 1), shrunk, x)
    return x


# --- data -------------------------------------------------------------------------------


@dataclass
class DataSets:
    train_x: np.ndarray  # float32 (N, 28, 28)
    train_y: np.ndarray  # int64 (N,)
    val_x: np.ndarray
    val_y: np.ndarray
    drawn_val_x: np.ndarray
    drawn_val_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    drawn_val_writers: list[str] = field(default_factory=list)  # who wrote each validation drawing
    test_writers: int = 0  # how many writers the test split holds (the set the doubt threshold must suit)
    outlier_x: np.ndarray = field(default_factory=lambda: np.zeros((0, 28, 28), np.float32))
    val_outlier_x: np.ndarray = field(default_factory=lambda: np.zeros((0, 28, 28), np.float32))
    notes: list[str] = field(default_factory=list)


def render_pen_samples(samples: list, rng: np.random.Generator, *, renderings: int) -> tuple[np.ndarray, np.ndarray]:
    """Render pen samples through the app's own canvas placement and preprocessing."""
    images, labels = [], []
    for sample in samples:
        for r in range(renderings):
            if r == 0:
                fraction, width = 0.6, MNIST_PEN_WIDTH
            else:
                fraction = rng.uniform(*DRAW_SIZE_RANGE)
                width = MNIST_PEN_WIDTH * rng.uniform(*PEN_WIDTH_JITTER)
            drawing = to_canvas(sample, height_fraction=fraction)
            images.append(preprocess_drawing(drawing, PreprocessOptions(mnist_pen_width=width)))
            labels.append(sample.label)
    return np.asarray(images, dtype=np.float32).reshape(-1, 28, 28), np.asarray(labels, dtype=np.int64)


def load_data(args: argparse.Namespace, rng: np.random.Generator) -> DataSets:
    train = load_split(args.data, "train", verify=not args.no_verify)
    test = load_split(args.data, "test", verify=not args.no_verify)
    order = rng.permutation(len(train.labels))
    n_val = min(VALIDATION_SIZE, len(order) // 10) if args.limit else VALIDATION_SIZE
    val_idx, train_idx = order[:n_val], order[n_val:]
    if args.limit:
        train_idx = train_idx[: args.limit]
    x = train.images.astype(np.float32) / 255.0
    data = DataSets(
        train_x=x[train_idx],
        train_y=train.labels[train_idx].astype(np.int64),
        val_x=x[val_idx],
        val_y=train.labels[val_idx].astype(np.int64),
        drawn_val_x=np.zeros((0, 28, 28), np.float32),
        drawn_val_y=np.zeros(0, np.int64),
        test_x=test.images.astype(np.float32) / 255.0,
        test_y=test.labels.astype(np.int64),
    )
    data.notes.append(f"MNIST: {len(train_idx):,} training images, {len(val_idx):,} held out for validation")
    if args.unipen:
        samples = load_samples(args.unipen)
        split = writer_split(samples)
        pen_train = [s for s in samples if split[s.writer_key] == "train"]
        pen_val = [s for s in samples if split[s.writer_key] == "val"]
        if args.limit:
            pen_train, pen_val = pen_train[: args.limit // 4], pen_val[: args.limit // 4]
        started = time.perf_counter()
        px, py = render_pen_samples(pen_train, rng, renderings=UNIPEN_RENDERINGS)
        vx, vy = render_pen_samples(pen_val, rng, renderings=1)
        log(f"rendered {len(px) + len(vx):,} UNIPEN drawings in {time.perf_counter() - started:.0f} s")
        data.train_x = np.concatenate([data.train_x, px])
        data.train_y = np.concatenate([data.train_y, py])
        data.drawn_val_x, data.drawn_val_y = vx, vy
        data.drawn_val_writers = [str(s.writer_key) for s in pen_val]
        data.test_writers = len({key for key, part in split.items() if part == "test"})
        writers = len({s.writer_key for s in pen_train})
        data.notes.append(
            f"UNIPEN: {len(pen_train):,} pen digits of {writers} training writers, each rendered "
            f"{UNIPEN_RENDERINGS}× through the app's preprocessing; "
            f"{len(pen_val):,} validation-writer digits for checks"
        )
    if args.outliers:
        make_outliers(args, data, pen_train if args.unipen else [], pen_val if args.unipen else [])
    for folder in args.collection or []:
        drawings = load_collection(folder)
        cx = np.asarray([preprocess_drawing(d) for d in drawings], dtype=np.float32).reshape(-1, 28, 28)
        cy = np.asarray([d.label for d in drawings], dtype=np.int64)
        data.train_x = np.concatenate([data.train_x, np.repeat(cx, args.collection_weight, axis=0)])
        data.train_y = np.concatenate([data.train_y, np.repeat(cy, args.collection_weight)])
        data.notes.append(
            f"Personal collection {folder}: {len(cy)} labelled drawings, repeated {args.collection_weight}×"
        )
    return data


def make_outliers(
    args: argparse.Namespace, data: DataSets, pen_train: list[PenSample], pen_val: list[PenSample]
) -> None:
    """Non-digits for outlier exposure (training letters only; writers of the matching part)."""
    started = time.perf_counter()
    sets = []
    for count, seed, samples in (
        (args.outliers, args.seed + OUTLIER_SEED_OFFSET, pen_train),
        (max(args.outliers // 10, 50), args.seed + OUTLIER_SEED_OFFSET + 1, pen_val),
    ):
        rng = np.random.default_rng(seed)
        kinds = [k for k in OUTLIER_KINDS if k != "overlap" or len(samples) > 10]
        drawings = []
        for kind in kinds:
            drawings += nondigits.generate(kind, count // len(kinds), rng, samples=samples)
        sets.append(np.asarray([preprocess_drawing(d) for d in drawings], dtype=np.float32).reshape(-1, 28, 28))
    data.outlier_x, data.val_outlier_x = sets
    log(
        f"generated {len(data.outlier_x) + len(data.val_outlier_x):,} non-digits "
        f"in {time.perf_counter() - started:.0f} s"
    )
    data.notes.append(
        f"Outlier exposure: {len(data.outlier_x):,} generated non-digits ({', '.join(OUTLIER_KINDS)}; letters "
        f"{' '.join(nondigits.TRAIN_LETTERS)}) trained towards a flat output, weight {args.outlier_weight}"
    )


# --- training ---------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
def predict_logits(net: nn.Module, x: np.ndarray, batch: int = 1000) -> np.ndarray:
    net.eval()
    outs = [net(torch.from_numpy(x[i : i + batch]).unsqueeze(1)) for i in range(0, len(x), batch)]
    return torch.cat(outs).numpy() if outs else np.zeros((0, 10), np.float32)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises validation negative log-likelihood."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        z = logits / math.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(labels)), labels].mean())

    result = minimize_scalar(nll, bounds=(-2.0, 2.0), method="bounded")
    return float(math.exp(result.x))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def train(args: argparse.Namespace, data: DataSets) -> tuple[nn.Module, list[dict]]:
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    net = DigitNet(width=args.width)

    def ema_step(averaged: torch.Tensor, current: torch.Tensor, n: torch.Tensor | int) -> torch.Tensor:
        decay = min(args.ema, (1 + float(n)) / (10 + float(n)))  # warm-up: short runs still average
        return averaged * decay + current * (1 - decay)

    ema = torch.optim.swa_utils.AveragedModel(net, avg_fn=ema_step, use_buffers=True)
    x_all = torch.from_numpy(np.concatenate([data.train_x, data.outlier_x])).unsqueeze(1)
    y_all = torch.from_numpy(np.concatenate([data.train_y, np.full(len(data.outlier_x), -1, np.int64)]))
    steps_per_epoch = math.ceil(len(y_all) / args.batch_size)
    optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.2
    )
    history: list[dict] = []
    started = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        net.train()
        order = torch.randperm(len(y_all), generator=generator)
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
        val_acc = float((predict_logits(ema.module, data.val_x).argmax(1) == data.val_y).mean())
        drawn_acc = (
            float((predict_logits(ema.module, data.drawn_val_x).argmax(1) == data.drawn_val_y).mean())
            if len(data.drawn_val_y)
            else float("nan")
        )
        elapsed = time.perf_counter() - started
        left = elapsed / epoch * (args.epochs - epoch)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        log(
            f"epoch {epoch}/{args.epochs}  loss {running / seen:.4f}  val acc {val_acc:.4%}  "
            f"drawn val acc {drawn_acc:.4%}  elapsed {elapsed / 60:.1f} min  time left {left / 60:.1f} min"
        )
        history.append({"epoch": epoch, "loss": running / seen, "val_acc": val_acc, "drawn_val_acc": drawn_acc})
    return ema.module, history


# --- export -----------------------------------------------------------------------------


def export_onnx(net: nn.Module, temperature: float, path: Path, metadata: dict[str, str]) -> None:
    import onnx

    wrapped = Calibrated(net, temperature).eval()
    example = torch.zeros(2, 1, 28, 28)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".export.onnx")
    batch = torch.export.Dim("batch", min=1, max=65536)
    program = torch.onnx.export(
        wrapped,
        (example,),
        dynamo=True,
        input_names=["image"],
        output_names=["logits"],
        dynamic_shapes=({0: batch},),
        external_data=False,
        optimize=True,
    )
    assert program is not None
    program.save(str(tmp))
    model = onnx.load(str(tmp))
    model.graph.name = "digitcanvas_cnn"
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    tmp.unlink(missing_ok=True)
    for extra in path.parent.glob(tmp.name + ".data"):
        extra.unlink()


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="folder with the MNIST IDX files (gzip or raw)")
    parser.add_argument("--unipen", help="UNIPEN digits folder or .jsonl.gz; its training writers join the data")
    parser.add_argument(
        "--collection", action="append", help="a personal collection folder of labelled drawings (repeatable)"
    )
    parser.add_argument("--collection-weight", type=int, default=5, help="times each collection drawing is repeated")
    parser.add_argument("--out", default=str(ROOT / "assets" / "digitcanvas-cnn.onnx"), help="ONNX file to write")
    parser.add_argument("--card", help="model card JSON facts to write (default: OUT with .train.json)")
    parser.add_argument("--epochs", type=int, default=16)
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

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    try:
        data = load_data(args, rng)
    except (MnistError, OSError, ValueError) as e:
        log(f"error: {e}")
        return 2
    log(f"training on {len(data.train_y):,} images for {args.epochs} epochs ({args.threads} threads)")
    net, history = train(args, data)

    val_logits = predict_logits(net, np.concatenate([data.val_x, data.drawn_val_x]))
    val_labels = np.concatenate([data.val_y, data.drawn_val_y])
    temperature = fit_temperature(val_logits, val_labels)
    val_ece_before = expected_calibration_error(softmax(val_logits), val_labels)
    val_ece_after = expected_calibration_error(softmax(val_logits / temperature), val_labels)
    log(f"temperature {temperature:.3f}: validation ECE {val_ece_before:.4f} -> {val_ece_after:.4f}")

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

    torch_test = softmax(predict_logits(net, data.test_x) / temperature)
    test_acc = float((torch_test.argmax(1) == data.test_y).mean())
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, ROOT), *(argv or sys.argv[1:])])
    out = Path(args.out)
    metadata = {
        META_NAME: MODEL_NAME,
        META_VERSION: f"{__version__}+seed{args.seed}",
        META_SCALE: "1",
        META_MEAN: "0",
        META_STD: "1",
        META_PREFIX + "test_accuracy": f"{test_acc:.4f}",
        META_PREFIX + "temperature": f"{temperature:.4f}",
        META_PREFIX + "training_command": command,
        META_PREFIX + "output": "logits",
    }
    if threshold is not None:
        metadata[META_DOUBT] = f"{threshold:.4f}"
    export_onnx(net, temperature, out, metadata)
    classifier = Classifier(out, threads=args.threads)
    ort_test = classifier.predict_proba(data.test_x)
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
        "cpu": cpu_name(),
        "threads": args.threads,
        "torch": torch.__version__,
        "data": data.notes,
        "temperature": temperature,
        "doubt_threshold": threshold,
        "validation_ece_before": val_ece_before,
        "validation_ece_after": val_ece_after,
        "mnist_test_accuracy": ort_acc,
        "mnist_test_ece": test_ece,
        "onnx_vs_torch_max_abs_diff": max_diff,
        "history": history,
    }
    card = Path(args.card) if args.card else out.with_suffix(".train.json")
    card.write_text(json.dumps(facts, indent=2) + "\n")
    log(
        f"MNIST test accuracy {ort_acc:.4%} (onnxruntime), ECE {test_ece:.4f}; "
        f"onnxruntime vs PyTorch max abs difference {max_diff:.2e}"
    )
    log(
        f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB, {params:,} parameters) and {card} in {elapsed / 60:.1f} min"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
