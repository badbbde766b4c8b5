"""Fuzz and soak DigitCanvas's input doors and its collection; print the counts (issue #14).

Every input is counted once as **read** (a reading, all probabilities finite), **refused**
(one of the documented errors, its message naming the file), **crashed** (any other
exception, a NaN or infinity in an output, a traceback or an exit status outside 0-2),
**hung** (over the stated bound) or, for the collection soak, **lost** (a confirmed save
that is missing or holds another drawing).

Phases:

* ``drawings``: mutations of valid and hostile drawing files (byte flips, truncation,
  splices, deep nesting, huge numbers) and random JSON documents, read through
  :class:`~digitcanvas.reading.reader.Reader` as digits and as numbers;
* ``images``: random arrays of every pixel type saved as PNG, TIFF, JPEG, BMP or GIF, the
  hostile image corpus and byte mutations of both, read likewise;
* ``models``: the hostile model corpus, byte mutations of a valid model and random
  metadata, loaded with :class:`~digitcanvas.model.classifier.Classifier` and run on ink;
* ``predict``: ``digitcanvas predict --json`` (and ``--number``) in a subprocess over
  everything above, on a strict UTF-8 stdout, with a non-UTF-8 file name and a FIFO;
* ``archives``: collection files (hostile, past a collection's limits, mutated, random)
  imported into a collection: imported and all read back, or refused naming the file
  with nothing written (a partial import is **lost**);
* ``soak``: two processes keeping drawings in one collection while a third is killed
  mid-save again and again; then every confirmed save is checked;
* ``terminal``, ``inspect``, ``collections``, ``settings``: the commands' output on a
  terminal, ``inspect --out`` on costly models, imports that race or are cancelled and
  what an opening may delete, the window on hostile settings files (:mod:`lab.fuzz.edges`).

    python -m lab.fuzz [--count 400] [--seed 14] [--phases drawings,images,models,predict,archives,soak,...]

The cases come from :mod:`lab.fuzz.cases` (grown from the corpora of :mod:`lab.fuzz.hostile` and
:mod:`lab.fuzz.hostile_models`), the soak from :mod:`lab.fuzz.soak`; this module runs the phases
and counts. Needs the ``test`` extra (onnx builds the hostile models). Run from the
repository root.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from digitcanvas.collection.archive import ArchiveReadError, import_collection
from digitcanvas.collection.folder import STAGING_PREFIX
from digitcanvas.collection.state import Collection
from digitcanvas.drawing.strokes import DrawingFileError
from digitcanvas.model.classifier import MODEL_LOAD_SECONDS, Classifier, ModelLoadError, load_classifier
from digitcanvas.model.session import MODEL_RUN_SECONDS, ModelRunError
from digitcanvas.reading.batch import READ_ERRORS
from digitcanvas.reading.reader import Reader
from lab.fuzz.cases import MANIFEST, archive_cases, drawing_cases, image_cases, model_cases, write_cases
from lab.fuzz.edges import fuzz_collections, fuzz_inspect, fuzz_settings, fuzz_terminal
from lab.fuzz.hostile import drawing_text
from lab.fuzz.soak import soak
from lab.paths import REPO_ROOT

ROOT = REPO_ROOT

OUTCOMES = ("tried", "read", "refused cleanly", "crashed", "hung", "lost")  # each try has one outcome
READ_BOUND_S = 10.0  # one file read within the limits: far above what any takes
ARCHIVE_BOUND_S = 120.0  # one collection file within the limits imported (50,000 files written)
PREDICT_BOUND_S = 600.0  # the predict subprocess over the whole corpus
PHASES = (
    *("drawings", "images", "models", "predict", "archives", "soak"),
    *("terminal", "inspect", "collections", "settings"),  # lab.fuzz.edges
)


class Tally:
    """Counts per phase, and the first few crashes' descriptions."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.examples: list[str] = []
        self.peak = (0.0, "")  # the highest peak memory (MB) an input raised, and that input

    def note_peak(self, label: str, before: float, after: float) -> None:
        if after > before and after > self.peak[0]:
            self.peak = (after, label)

    def add(self, phase: str, outcome: str, detail: str = "") -> None:
        counts = self.counts.setdefault(phase, Counter())
        counts["tried"] += 1
        counts[outcome] += 1
        if outcome in ("crashed", "hung", "lost") and len(self.examples) < 20:
            self.examples.append(f"{phase}: {outcome}: {detail}")

    def table(self) -> str:
        rows = [f"| phase | {' | '.join(OUTCOMES)} |", "|---|" + "---:|" * len(OUTCOMES)]
        total: Counter[str] = Counter()
        for phase, counts in self.counts.items():
            total.update(counts)
            rows.append(f"| {phase} | " + " | ".join(f"{counts[o]:,}" for o in OUTCOMES) + " |")
        rows.append("| **all** | " + " | ".join(f"**{total[o]:,}**" for o in OUTCOMES) + " |")
        return "\n".join(rows)


def _peak_mb() -> float:
    """This process's peak resident memory in MB. Linux's VmHWM, which (unlike ru_maxrss)
    does not inherit the peak of the process that forked this one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _timed(phase: str, tally: Tally, label: str, action: Callable[[], str], bound: float = READ_BOUND_S) -> None:
    started = time.monotonic()
    before = _peak_mb()
    try:
        outcome = action()
    except Exception as e:  # the point of the fuzz: anything undocumented is a crash
        tally.add(phase, "crashed", f"{label}: {type(e).__name__}: {e}"[:300])
        return
    finally:
        tally.note_peak(label, before, _peak_mb())
    if time.monotonic() - started > bound:
        tally.add(phase, "hung", f"{label}: {time.monotonic() - started:.1f} s")
        return
    tally.add(phase, outcome, label)


def _read(reader: Reader, path: Path, *, number: bool) -> str:
    try:
        reading = reader.read_file(path, number=number)
    except READ_ERRORS as e:
        if str(path) not in str(e):
            raise AssertionError(f"the message does not name the file: {e}") from e
        return "refused cleanly"
    for digit in reading.digits:
        if not (np.isfinite(digit.probabilities).all() and abs(digit.probabilities.sum() - 1) < 1e-6):
            raise AssertionError(f"probabilities {digit.probabilities}")
    return "read"


def _load_and_run(path: Path) -> str:
    ink = np.zeros((2, 28, 28), np.float32)
    ink[:, 4:24, 12:16] = 1.0
    try:
        classifier = Classifier(path)
    except ModelLoadError as e:
        if str(path) not in str(e) or "ONNXRuntimeError" in str(e):
            raise AssertionError(f"unclear refusal: {e}") from e
        return "refused cleanly"
    try:
        probabilities = classifier.predict_proba(ink)
    except ModelRunError:
        return "refused cleanly"
    if not np.isfinite(probabilities).all():
        raise AssertionError(f"probabilities {probabilities}")
    return "read"


def _import(path: Path) -> str:
    """Import a collection file into a collection of one drawing: all of it, read back
    whole, or nothing ("lost": a part of it, or what cannot be read back)."""
    target = Path(tempfile.mkdtemp(prefix="import-", dir=path.parent))
    try:
        (target / "mine.json").write_text(drawing_text(label=3))
        collection = Collection.open(target)
        try:
            result = import_collection(path, collection)
        except (ArchiveReadError, DrawingFileError) as e:
            if str(path) not in str(e) and str(target) not in str(e):
                raise AssertionError(f"the message names neither file nor folder: {e}") from e
            left = [p.name for p in target.iterdir() if p.name != ".digitcanvas-import.lock"]
            return "refused cleanly" if left == ["mine.json"] else "lost"
        read_back = Collection.open(target)
        staging = list(target.glob(f"{STAGING_PREFIX}*"))
        whole = len(read_back.entries) == 1 + result.added and not read_back.problems and not staging
        return "read" if whole else "lost"
    finally:
        shutil.rmtree(target, ignore_errors=True)


def check_folder(phase: str, folder: Path) -> None:
    """The checking process: each case of the manifest, one JSON line of outcome per case,
    then the process's peak memory and the case that reached it."""
    warnings.simplefilter("error")  # a warning printed for an input (numpy's, Pillow's) counts as a crash
    tally = Tally()
    reader = Reader(load_classifier())
    for name, label, kind in json.loads((folder / MANIFEST).read_text()):
        path = folder / name
        if kind == "model":
            action: Callable[[], str] = functools.partial(_load_and_run, path)
            bound = MODEL_LOAD_SECONDS + 2 * MODEL_RUN_SECONDS
        elif kind == "archive":
            action, bound = functools.partial(_import, path), ARCHIVE_BOUND_S
        else:
            action, bound = functools.partial(_read, reader, path, number=kind == "number"), READ_BOUND_S
        _timed(phase, tally, f"{label} ({name})", action, bound)
        # The counts so far after each case: if the process dies, the parent knows where.
        print(json.dumps({"label": f"{label} ({name})", "counts": dict(tally.counts[phase])}), flush=True)
    print(json.dumps({"peak_mb": _peak_mb(), "peak_input": tally.peak[1], "examples": tally.examples}), flush=True)


def run_checks(phase: str, folder: Path, tally: Tally) -> float:
    """Run :func:`check_folder` in a child process; add its counts; returns its peak memory (MB)."""
    cases = len(json.loads((folder / MANIFEST).read_text()))
    limit = cases * (MODEL_LOAD_SECONDS + 2 * MODEL_RUN_SECONDS + 1) + (ARCHIVE_BOUND_S if phase == "archives" else 0)
    child = subprocess.Popen(
        [sys.executable, "-m", "lab.fuzz", "--check", phase, str(folder)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        out, _ = child.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        child.kill()
        out, _ = child.communicate()
    counts: dict[str, int] = {}
    last = ""
    peak = 0.0
    for line in out.splitlines():
        try:
            record = json.loads(line)
        except ValueError:  # a library wrote to stdout itself: text that would reach a user
            tally.examples.append(f"{phase}: printed by a library: {line[:300]}")
            continue
        if "counts" in record:
            counts, last = record["counts"], record["label"]
        else:
            peak = float(record["peak_mb"])
            tally.examples += record["examples"]
            if record["peak_input"]:
                tally.peak = max(tally.peak, (peak, record["peak_input"]))
    phase_counts = tally.counts.setdefault(phase, Counter())
    phase_counts.update(counts)
    if child.returncode != 0:  # died (a crash of the interpreter, memory) or hung: the next case did it
        missing = cases - counts.get("tried", 0)
        phase_counts.update({"tried": missing, "hung" if child.returncode == -signal.SIGKILL else "crashed": missing})
        tally.examples.append(f"{phase}: the checking process ended with {child.returncode} after {last}")
    return peak


PEAK_LINE = b"fuzz-peak-mb"
# `digitcanvas predict`, reporting its peak memory on stderr when it exits
PEAK_REPORTING_PREDICT = (
    "import atexit, runpy, sys\n"
    "def peak():\n"
    "    status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
    "    print('fuzz-peak-mb', int(status) / 1024, file=sys.stderr)\n"
    "atexit.register(peak)\n"
    "sys.argv = ['digitcanvas', *sys.argv[1:]]\n"
    "runpy.run_module('digitcanvas', run_name='__main__')\n"
)


SKIPPED_NOTE = re.compile(r"^note: skipped (\d+) files? in the folders", re.MULTILINE)


def fuzz_predict(folders: list[Path], work: Path, tally: Tally, peaks: dict[str, float]) -> None:
    corpus = work / "predict"
    corpus.mkdir()
    for folder in folders:
        for path in folder.glob("*.bin"):
            os.link(path, corpus / path.name)
    (corpus / os.fsdecode(b"caf\xe9.json")).write_text(drawing_text())
    os.mkfifo(corpus / "pipe.json")
    files = len(list(corpus.iterdir()))
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    for options in (["--json"], ["--json", "--number"]):
        label = f"predict {' '.join(options)} over {files:,} files"
        try:
            result = subprocess.run(
                [sys.executable, "-c", PEAK_REPORTING_PREDICT, "predict", *options, str(corpus)],
                cwd=ROOT,
                env=environment,
                capture_output=True,
                timeout=PREDICT_BOUND_S,
            )
        except subprocess.TimeoutExpired:
            tally.add("predict", "hung", label)
            continue
        peak = [line for line in result.stderr.splitlines() if line.startswith(PEAK_LINE)]
        if peak:
            peaks[label] = float(peak[-1].split()[-1])
            result.stderr = b"\n".join(line for line in result.stderr.splitlines() if not line.startswith(PEAK_LINE))
        problems = _predict_problems(result, files)
        tally.add("predict", "crashed" if problems else "read", f"{label}: {problems}")


def _predict_problems(result: subprocess.CompletedProcess[bytes], files: int) -> str:
    try:
        out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"output is not UTF-8 ({e})"
    if result.returncode not in (0, 1, 2) or "Traceback" in err:
        return f"exit {result.returncode}: {err[-500:]}"
    lines = out.splitlines()
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    # Files in a folder that begin like neither an image nor a drawing are skipped, and counted.
    skipped = sum(int(m.group(1)) for m in SKIPPED_NOTE.finditer(err))
    if len(lines) + len(errors) + skipped != files:
        return f"{len(lines)} results, {len(errors)} errors and {skipped} skipped for {files} files"
    for line in lines:
        try:
            json.loads(line, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        except ValueError as e:
            return f"not JSON: {line[:200]} ({e})"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=400, help="inputs per file phase (default 400)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    parser.add_argument("--check", nargs=2, metavar=("PHASE", "FOLDER"), help=argparse.SUPPRESS)  # the child
    args = parser.parse_args(argv)
    if args.check:
        check_folder(args.check[0], Path(args.check[1]))
        return 0
    phases = [p for p in args.phases.split(",") if p]
    unknown = set(phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    rng = np.random.default_rng(args.seed)
    tally = Tally()
    started = time.monotonic()
    peaks: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="digitcanvas-fuzz-") as name:
        work = Path(name)
        folders = []
        for phase, cases in (("drawings", drawing_cases), ("images", image_cases)):
            if phase in phases:
                folders.append(work / phase)
                write_cases(phase, cases(rng, args.count), folders[-1])
                peaks[phase] = run_checks(phase, folders[-1], tally)
        if "models" in phases:
            model_cases(rng, max(args.count // 4, 40), work / "models")
            peaks["models"] = run_checks("models", work / "models", tally)
        if "predict" in phases:
            fuzz_predict(folders, work, tally, peaks)
        if "archives" in phases:
            write_cases("archives", archive_cases(rng, max(args.count // 4, 40)), work / "archives", kind="archive")
            peaks["archives"] = run_checks("archives", work / "archives", tally)
        if "soak" in phases:
            soak(work, rng, tally.add)
        if "terminal" in phases:
            fuzz_terminal(work, tally.add)
        if "inspect" in phases:
            fuzz_inspect(work, tally.add, peaks)
        if "collections" in phases:
            fuzz_collections(work, tally.add, rng, peaks)
        if "settings" in phases:
            fuzz_settings(work, tally.add)
    print(tally.table())
    shown = ", ".join(f"{phase} {mb:.0f} MB" for phase, mb in peaks.items())
    print(
        f"\n{time.monotonic() - started:.0f} s (seed {args.seed}, {args.count} inputs per file phase); "
        f"peak memory of the checking processes: {shown}; of the fuzzer: {_peak_mb():.0f} MB"
    )
    if tally.peak[1]:
        print(f"the highest peak ({tally.peak[0]:.0f} MB) was reached on: {tally.peak[1]}")
    for example in tally.examples:
        print(example)
    bad = sum(tally.counts[p][o] for p in tally.counts for o in ("crashed", "hung", "lost"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
