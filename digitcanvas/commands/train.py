"""``digitcanvas train``: train a recipe's network on MNIST and write it as an ONNX model.

The same recipes, engine and model file as Model ▸ Train a Network… (:mod:`digitcanvas.training`);
this module reads the options, shows the progress (a bar on a terminal, a line per epoch
otherwise) and picks the exit status. PyTorch (the ``train`` extra) is imported only once
the options are good and it is known to be installed.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from digitcanvas.collection.folder import load_collection
from digitcanvas.commands.input_option import add_input_argument
from digitcanvas.commands.predict import EXIT_OK, EXIT_USAGE
from digitcanvas.commands.terminal import shown
from digitcanvas.drawing.strokes import DrawingFileError
from digitcanvas.model.conventions import format_setting
from digitcanvas.model.info import META_TRAINING_COMMAND
from digitcanvas.training.dataset import TrainingData, load_training_data, with_drawings
from digitcanvas.training.engine_check import missing_engine
from digitcanvas.training.layers import LayerError, format_layers, parse_layers
from digitcanvas.training.mnist_data import (
    DownloadProgress,
    MnistError,
    MnistUnavailableError,
    default_cache_dir,
)
from digitcanvas.training.recipes import CUSTOM, DEFAULT_RECIPE, RECIPES, RECIPES_BY_KEY, Optimizer, Recipe, RecipeError
from digitcanvas.util.files import describe_os_error, write_atomic
from digitcanvas.util.text import duration

if TYPE_CHECKING:  # PyTorch is imported for real only once the options are good
    from digitcanvas.training.engine import EpochReport, StepReport

EXIT_NO_ENGINE = 3  # PyTorch is not installed: the message says how to install it
EXIT_INTERRUPTED = 130  # Ctrl+C: nothing written (128 + SIGINT, as shells report it)
BAR_WIDTH = 24
REDRAW_SECONDS = 0.1  # the bar is redrawn at most this often
COMMAND = "digitcanvas train"

TRAIN_HELP = "train a network on MNIST and write it as an ONNX model the app opens"
TRAIN_DESCRIPTION = (
    "Train a network on MNIST and write it as an ONNX model: a recipe (the origin notebooks' networks, "
    "or your own layers), MNIST downloaded once and cached, a progress bar, and a model with its input "
    'convention and "Not sure" threshold in its metadata. Needs PyTorch (the train extra).'
)
TRAIN_EPILOG = (
    "exit status: 0 trained and written, 2 bad arguments, data or output, "
    f"{EXIT_NO_ENGINE} PyTorch not installed, {EXIT_INTERRUPTED} interrupted (nothing written)"
)
LAYERS_HELP = (
    "the hidden layers, comma-separated: dense UNITS, conv FILTERS SIDE, maxpool SIDE, dropout RATE, "
    "batchnorm, relu, sigmoid, tanh (a dense layer of 10 outputs always ends the network)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    recipes = ", ".join(recipe.key for recipe in RECIPES)
    parser.add_argument(
        "--recipe",
        default=DEFAULT_RECIPE,
        metavar="NAME",
        help=f"start from this recipe: {recipes} (default: %(default)s)",
    )
    parser.add_argument("--list", action="store_true", help="list the recipes with their layers and settings, and stop")
    parser.add_argument("--layers", metavar="LAYERS", help=LAYERS_HELP)
    parser.add_argument(
        "--epochs", type=int, metavar="N", help="passes over the training images (default: the recipe's)"
    )
    parser.add_argument("--batch-size", type=int, metavar="N", help="images per step (default: the recipe's)")
    parser.add_argument(
        "--learning-rate", type=float, metavar="RATE", help="the optimiser's step size (default: the recipe's)"
    )
    parser.add_argument(
        "--optimizer", choices=[str(o) for o in Optimizer], help="the optimiser (default: the recipe's)"
    )
    add_input_argument(parser, subcommand=True, purpose="in training and ever after (default: the recipe's)")
    parser.add_argument(
        "--data",
        metavar="FOLDER",
        help="read the MNIST IDX files (gzip or raw) from FOLDER instead of the download cache "
        f"({default_cache_dir()})",
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="with --data: train on IDX files that are not MNIST's (no MD5 check)"
    )
    parser.add_argument("--collection", metavar="FOLDER", help="add the labelled drawings in FOLDER (a collection)")
    parser.add_argument("--out", metavar="FILE", help="the ONNX file to write (default: RECIPE.onnx here)")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="the random seed (repeatable runs)")
    parser.add_argument("--threads", type=int, metavar="N", help="CPU threads (default: one per core but one)")


def recipe_from(args: argparse.Namespace) -> Recipe:
    """The recipe the options ask for; raises :class:`RecipeError` naming what is wrong."""
    if args.recipe not in RECIPES_BY_KEY:
        raise RecipeError(f"no recipe {args.recipe!r}; the recipes are {', '.join(RECIPES_BY_KEY)}")
    recipe = RECIPES_BY_KEY[args.recipe]
    changes: dict[str, object] = {}
    if args.layers is not None:
        try:
            changes["layers"] = parse_layers(args.layers)
        except LayerError as e:
            raise RecipeError(str(e)) from e
    for name, value in (
        ("epochs", args.epochs),
        ("batch_size", args.batch_size),
        ("learning_rate", args.learning_rate),
    ):
        if value is not None:
            changes[name] = value
    if args.optimizer is not None:
        changes["optimizer"] = Optimizer(args.optimizer)
    if getattr(args, "input", None) is not None:
        changes["input"] = format_setting(args.input)
    recipe = recipe.changed(**changes)
    recipe.check()
    return recipe


def run(args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run ``train`` with parsed arguments; returns the exit status."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr

    def fail(message: str, status: int = EXIT_USAGE) -> int:
        return _fail(stderr, message, status)

    if args.list:
        print(recipe_list(), file=stdout)
        return EXIT_OK
    try:
        recipe = recipe_from(args)
    except RecipeError as e:
        return fail(str(e))
    if args.no_verify and args.data is None:
        return fail("--no-verify is for your own IDX files: give their folder with --data")
    if args.threads is not None and args.threads < 1:
        return fail("--threads must be at least 1")
    out = Path(args.out if args.out else f"{recipe.key}.onnx")
    if not out.parent.is_dir():
        return fail(f"{out}: the folder {out.parent} does not exist")
    if (message := missing_engine()) is not None:
        return fail(message, EXIT_NO_ENGINE)
    progress = _Progress(stderr)
    try:
        data = load_training_data(data_dir=args.data, verify=not args.no_verify, on_progress=progress.download)
        progress.end()
        if args.collection:
            data = with_drawings(data, load_collection(args.collection))
    except (MnistError, MnistUnavailableError, DrawingFileError) as e:
        progress.end()
        return fail(str(e))
    except KeyboardInterrupt:
        progress.end()
        return fail("interrupted; nothing written", EXIT_INTERRUPTED)
    return _train(recipe, data, out, args, progress=progress, stdout=stdout, stderr=stderr)


def _fail(stderr: TextIO, message: str, status: int = EXIT_USAGE) -> int:
    print(f"error: {shown(message)}", file=stderr)
    return status


def _train(
    recipe: Recipe,
    data: TrainingData,
    out: Path,
    args: argparse.Namespace,
    *,
    progress: _Progress,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    from digitcanvas.training.engine import DEFAULT_SEED, Trainer, estimate_epoch_seconds

    seed = DEFAULT_SEED if args.seed is None else args.seed

    plan = recipe.check()
    estimate = estimate_epoch_seconds(recipe, len(data.train_labels), len(data.val_labels), threads=args.threads)
    for note in data.notes:
        print(shown(note), file=stderr)
    print(
        f"{recipe.name}: {plan.parameters:,} parameters, {recipe.epochs} epochs of {len(data.train_labels):,} images, "
        f"about {duration(estimate)} per epoch here",
        file=stderr,
    )
    trainer = Trainer(recipe, data, seed=seed, threads=args.threads)
    try:
        trainer.run(on_step=progress.step, on_epoch=progress.epoch)
    except KeyboardInterrupt:
        progress.end()
        return _fail(stderr, "interrupted; nothing written", EXIT_INTERRUPTED)
    accuracy = trainer.evaluate_test()
    print(
        f"test accuracy {accuracy:.2%} on {len(data.test_labels):,} test images, {trainer.seconds:.0f} s of training",
        file=stderr,
    )
    command = training_command(recipe, seed=seed, data=args.data, verify=not args.no_verify, collection=args.collection)
    try:
        write_atomic(out, trainer.model_bytes(extra={META_TRAINING_COMMAND: command}))
    except OSError as e:
        return _fail(stderr, f"{out}: cannot write the model ({describe_os_error(e)})")
    print(shown(str(out)), file=stdout)
    print(f"wrote {shown(str(out))}; open it with: digitcanvas --model {shlex.quote(str(out))}", file=stderr)
    return EXIT_OK


def training_command(
    recipe: Recipe, *, seed: int, data: str | None = None, verify: bool = True, collection: str | None = None
) -> str:
    """The ``digitcanvas train`` command that trains ``recipe`` again (the model's
    ``digitcanvas.training_command``): every setting spelled out."""
    base = recipe.key.removeprefix(f"{CUSTOM}-")
    words = [*COMMAND.split(), "--recipe", base]
    original = RECIPES_BY_KEY.get(base)
    if original is None or recipe.layers != original.layers:
        words += ["--layers", format_layers(recipe.layers).replace("\n", ", ")]
    words += ["--epochs", str(recipe.epochs), "--batch-size", str(recipe.batch_size)]
    words += ["--learning-rate", f"{recipe.learning_rate:g}", "--optimizer", str(recipe.optimizer)]
    words += ["--input", recipe.input, "--seed", str(seed)]
    if data is not None:
        words += ["--data", data] + ([] if verify else ["--no-verify"])
    if collection is not None:
        words += ["--collection", collection]
    return " ".join(shlex.quote(word) for word in words)


def recipe_list() -> str:
    """Every recipe: its key, name, parameters, settings and layers."""
    lines = []
    for recipe in RECIPES:
        plan = recipe.check()
        lines.append(f"{recipe.key}: {recipe.name} ({plan.parameters:,} parameters)")
        lines.append(f"    {recipe.about}")
        lines.append(
            f"    {recipe.epochs} epochs, batch {recipe.batch_size}, {recipe.optimizer} at {recipe.learning_rate:g}, "
            f"input {recipe.input}"
        )
        lines.append("    layers: " + format_layers(recipe.layers).replace("\n", ", "))
    return "\n".join(lines)


class _Progress:
    """The download and the training on ``stream``: a bar redrawn in place on a terminal, a line
    per file and per epoch otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._drawn = 0.0  # when the bar was last drawn
        self._open = False  # a bar is on the current line
        self._announced: set[str] = set()

    def download(self, news: DownloadProgress) -> None:
        if not self._tty:
            if news.name not in self._announced:
                self._announced.add(news.name)
                print(f"downloading {news.name} ({news.index} of {news.count})", file=self._stream)
            return
        share = news.done / news.total if news.total else 0.0
        self._bar(
            f"downloading {news.name} ({news.index}/{news.count})",
            share,
            f"{news.done / 1e6:.1f} MB",
            news.done == news.total,
        )

    def step(self, report: StepReport) -> None:
        if not self._tty:
            return
        text = f"epoch {report.epoch} {report.step}/{report.steps}"
        tail = f"loss {report.loss:.4f}  acc {report.accuracy:.1%}  {duration(report.seconds_left)} left"
        self._bar(text, report.step / report.steps, tail, report.step == report.steps)

    def epoch(self, report: EpochReport) -> None:
        self.end()
        print(
            f"epoch {report.epoch}/{report.epochs}  loss {report.train_loss:.4f}  acc {report.train_accuracy:.2%}  "
            f"val loss {report.val_loss:.4f}  val acc {report.val_accuracy:.2%}  {report.seconds:.1f} s"
            + (f"  ({duration(report.seconds_left)} left)" if report.epoch < report.epochs else ""),
            file=self._stream,
        )

    def _bar(self, head: str, share: float, tail: str, last: bool) -> None:
        now = time.monotonic()
        if not last and now - self._drawn < REDRAW_SECONDS:
            return
        self._drawn = now
        filled = round(BAR_WIDTH * min(max(share, 0.0), 1.0))
        self._stream.write(f"\r{head} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {tail}\033[K")
        self._stream.flush()
        self._open = True

    def end(self) -> None:
        """Finish the bar's line (before a line of text)."""
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False
