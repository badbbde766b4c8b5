"""The fuzzer's other edges (issue #27): the terminal, ``inspect``, collections and the settings file.

Each phase runs DigitCanvas as a user would, in processes of its own with a time bound,
and records one outcome per case (see :mod:`lab.fuzz.run`):

* ``terminal``: ``predict`` and ``inspect`` on file names and a model name holding escape
  sequences and newlines, into a pipe closed after one byte (``| head``), into a full disk
  (``/dev/full``), with ``--model ''`` and with a model naming 1,000 inputs. Nothing may
  reach the terminal raw, no traceback, every line of stderr one message, statuses 0-2;
* ``inspect``: ``inspect --out`` on models whose layers are huge, constant, or beyond
  float32, numpy's warnings made errors; pictures within the limits, peak memory watched;
* ``collections``: two processes importing one file into one folder (each drawing once),
  an import cancelled midway (nothing left), a user's hidden ``.tmp`` files (never
  deleted), a killed import's staging folder (removed), and a collection past the stroke
  limit (read within the bound). The collection files themselves are the ``archives``
  phase's cases, imported by the checking process of :mod:`lab.fuzz.run`;
* ``settings``: the window started offscreen with a named pipe, a folder, or a lock of
  another computer as its settings file, junk paths in it, and no ``HOME``: it must show
  within :data:`WINDOW_BOUND_S`, leave the file as it was and keep the collection in an
  absolute folder.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from digitcanvas.collection.archive import export_collection, import_archive
from digitcanvas.collection.folder import STAGING_PREFIX, ScanCancelled
from digitcanvas.collection.state import Collection
from digitcanvas.commands.terminal import MAX_MESSAGE_CHARS
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.explain.pictures import MAX_PICTURE_PIXELS, MAX_PICTURES_PIXELS
from digitcanvas.util.files import STALE_TEMP_SECONDS
from lab.fuzz.hostile import drawing_text
from lab.paths import REPO_ROOT

Record = Callable[[str, str, str], None]  # (phase, outcome, detail), as Tally.add takes them

COMMAND_BOUND_S = 120.0  # one command on a few files, a model loaded once
WINDOW_BOUND_S = 30.0  # the window shown offscreen, from a fresh interpreter (a stale lock cost 32 s)
MEMORY_BOUND_MB = 1024.0  # the target for every input within the documented limits
CONTROLS = "\x1b]0;pwned\x07\x1b[2J\r\x9b\u202e"  # retitle the terminal, clear it, return, CSI, reorder
ALLOWED_STDERR = ("error: ", "warning: ", "details: ")

# `python -m digitcanvas …`, printing its peak memory (VmHWM) on stderr as it exits
PEAK_REPORTING = (
    "import atexit, runpy, sys\n"
    "def peak():\n"
    "    with open('/proc/self/status') as status:\n"
    "        print('fuzz-peak-mb', int(status.read().split('VmHWM:')[1].split()[0]) / 1024, file=sys.stderr)\n"
    "atexit.register(peak)\n"
    "sys.argv = ['digitcanvas', *sys.argv[1:]]\n"
    "runpy.run_module('digitcanvas', run_name='__main__')\n"
)


def _digitcanvas(
    *args: str, stdout: int | object = subprocess.PIPE, warnings_as_errors: bool = False
) -> tuple[int, str, str, float]:
    """Run ``digitcanvas ARGS``: its status, stdout, stderr (without the peak line) and peak MB."""
    flags = ["-W", "error"] if warnings_as_errors else []
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    result = subprocess.run(
        [sys.executable, *flags, "-c", PEAK_REPORTING, *args],
        cwd=REPO_ROOT,
        env=environment,
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        timeout=COMMAND_BOUND_S,
    )
    err = result.stderr.decode("utf-8", "backslashreplace")
    peak = [line for line in err.splitlines() if line.startswith("fuzz-peak-mb")]
    err = "\n".join(line for line in err.splitlines() if not line.startswith("fuzz-peak-mb"))
    out = result.stdout.decode("utf-8", "backslashreplace") if isinstance(result.stdout, bytes) else ""
    return result.returncode, out, err, float(peak[-1].split()[-1]) if peak else 0.0


def _case(record: Record, phase: str, label: str, check: Callable[[], str]) -> None:
    """One case: ``check()`` returns "" when all is well, else what went wrong."""
    started = time.monotonic()
    try:
        problem = check()
    except subprocess.TimeoutExpired:
        record(phase, "hung", f"{label}: over {COMMAND_BOUND_S:g} s")
        return
    except Exception as e:  # the point of the fuzz: anything undocumented is a crash
        record(phase, "crashed", f"{label}: {type(e).__name__}: {e}"[:300])
        return
    outcome = "crashed" if problem else "read"
    if problem.startswith("lost"):
        outcome = "lost"
    elif problem.startswith("hung"):
        outcome = "hung"
    record(phase, outcome, f"{label}: {problem} ({time.monotonic() - started:.1f} s)" if problem else label)


def _raw_controls(text: str) -> list[str]:
    return sorted({repr(c) for c in text if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c == "\u202e"})


def _terminal_problems(status: int, out: str, err: str, *, statuses: tuple[int, ...] = (0, 1, 2)) -> str:
    if status not in statuses:
        return f"exit {status}: {err[-300:]}"
    if "Traceback" in err:
        return f"a traceback: {err[-300:]}"
    raw = _raw_controls(out + err)
    if raw:
        return f"control characters reached the terminal: {raw}"
    stray = [line for line in err.splitlines() if line and not line.startswith(ALLOWED_STDERR)]
    forged = [line for line in err.splitlines() if line.startswith("error: everything")]
    if forged:
        return f"a forged line: {forged[0][:100]}"
    long = [line for line in err.splitlines() if len(line) > MAX_MESSAGE_CHARS + len("details: ")]
    if long:
        return f"a message of {len(long[0]):,} characters"
    return f"stray lines on stderr: {stray[:2]}" if stray and status != 0 else ""


# --- terminal ---------------------------------------------------------------------------------


def fuzz_terminal(work: Path, record: Record) -> None:
    from digitcanvas.model.info import META_NAME, META_OUTPUT, META_SCALE
    from lab.fuzz.linear_model import make_linear_model

    folder = work / "terminal"
    folder.mkdir()
    drawing = drawing_text()
    (folder / f"a{CONTROLS}.json").write_text(drawing)
    (folder / "b\nerror: everything is fine.json").write_text("{broken")
    (folder / f"c{CONTROLS}.png").write_bytes(b"\x89PNG\r\n\x1a\n damaged")
    named = make_linear_model(
        work / "named.onnx",
        metadata={META_NAME: f"Mine{CONTROLS}\nerror: everything", META_SCALE: "1", META_OUTPUT: "logits"},
    )
    one = folder / f"a{CONTROLS}.json"
    cases: list[tuple[str, list[str]]] = [
        ("predict, names with escapes", ["predict", str(folder)]),
        ("predict --number, names with escapes", ["predict", "--number", str(folder)]),
        ("predict -v, a model named with escapes", ["predict", "-v", "--model", str(named), str(one)]),
        ("inspect, a model named with escapes", ["inspect", "--model", str(named), str(one)]),
        ("inspect, a file named with escapes", ["inspect", str(folder / "b\nerror: everything is fine.json")]),
    ]
    for label, args in cases:

        def check(args: list[str] = args) -> str:
            status, out, err, _ = _digitcanvas(*args)
            return _terminal_problems(status, out, err)

        _case(record, "terminal", label, check)
    for command in ("predict", "inspect"):

        def empty_model(command: str = command) -> str:
            status, _, err, _ = _digitcanvas(command, "--model", "", str(one))
            said = "argument --model: an empty path names no model file"
            return "" if status == 2 and said in err and "Traceback" not in err else f"exit {status}: {err[-300:]}"

        _case(record, "terminal", f"{command} --model ''", empty_model)
    _case(record, "terminal", "a model naming 1,000 inputs", lambda: _many_inputs(work, one))
    many = work / "many"
    many.mkdir()
    (many / "0000.json").write_text(drawing)
    for i in range(1, 400):
        os.link(many / "0000.json", many / f"{i:04d}.json")
    for command, target in (("predict", many), ("inspect", one)):
        _case(record, "terminal", f"{command} | head -c 1", functools.partial(_closed_pipe, command, target))
        if Path("/dev/full").exists():
            _case(record, "terminal", f"{command} > /dev/full", functools.partial(_full_disk, command, target))


def _many_inputs(work: Path, drawing: Path) -> str:
    import onnx
    from onnx import TensorProto, helper

    inputs = [
        helper.make_tensor_value_info(f"input_{i:04d}_" + "x" * 40, TensorProto.FLOAT, [1, 10]) for i in range(1000)
    ]
    graph = helper.make_graph(
        [helper.make_node("Sum", [i.name for i in inputs], ["y"])],
        "many_inputs",
        inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(work / "many_inputs.onnx"))
    status, out, err, _ = _digitcanvas("predict", "--model", str(work / "many_inputs.onnx"), str(drawing))
    return _terminal_problems(status, out, err, statuses=(2,))


def _closed_pipe(command: str, target: Path) -> str:
    args = [sys.executable, "-m", "digitcanvas", command, *(["--json"] if command == "inspect" else []), str(target)]
    with subprocess.Popen(args, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.read(1)
        child.stdout.close()
        err = child.stderr.read().decode("utf-8", "backslashreplace")
        status = child.wait(timeout=COMMAND_BOUND_S)
    return _terminal_problems(status, "", err, statuses=(0, 1)) or ("" if not err else f"said: {err[:200]}")


def _full_disk(command: str, target: Path) -> str:
    with open("/dev/full", "wb") as full:
        status, _, err, _ = _digitcanvas(command, str(target), stdout=full)
    if status != 1 or err.strip() != "error: cannot write the output (no space left on device)":
        return f"exit {status}: {err[-300:]}"
    return ""


# --- inspect ----------------------------------------------------------------------------------


def fuzz_inspect(work: Path, record: Record, peaks: dict[str, float]) -> None:
    folder = work / "inspect"
    folder.mkdir()
    drawing = folder / "seven.json"
    drawing.write_text(drawing_text())
    for label, path in inspect_models(folder).items():

        def check(path: Path = path, label: str = label) -> str:
            out = folder / f"out-{path.stem}"
            status, stdout, err, peak = _digitcanvas(
                "inspect", "--model", str(path), "--out", str(out), str(drawing), warnings_as_errors=True
            )
            peaks[f"inspect --out, {label}"] = peak
            problem = _terminal_problems(status, stdout, err, statuses=(0, 2))
            if problem:
                return problem
            if peak > MEMORY_BOUND_MB:
                return f"peak memory {peak:.0f} MB"
            return _pictures_problem(out)

        _case(record, "inspect", label, check)


def _pictures_problem(out: Path) -> str:
    from PIL import Image

    if not out.exists():
        return ""
    total = 0
    for picture in out.iterdir():
        with Image.open(picture) as image:
            pixels = image.size[0] * image.size[1]
        if pixels > MAX_PICTURE_PIXELS:
            return f"{picture.name} holds {pixels:,} pixels"
        total += pixels
    return f"the pictures hold {total:,} pixels" if total > MAX_PICTURES_PIXELS else ""


def inspect_models(folder: Path) -> dict[str, Path]:
    """Models that cost ``inspect`` gigabytes, tracebacks or numpy warnings (issue #27)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from digitcanvas.model.info import META_OUTPUT, META_SCALE, write_metadata

    weights = numpy_helper.from_array(np.random.default_rng(27).normal(size=(784, 10)).astype(np.float32), "W")

    def save(name: str, nodes: list[onnx.NodeProto], initializers: list[onnx.TensorProto]) -> Path:
        graph = helper.make_graph(
            nodes,
            name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
            initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        path = folder / f"{name}.onnx"
        onnx.save(model, str(path))
        write_metadata(path, {META_SCALE: "1", META_OUTPUT: "logits"})
        return path

    def wide(copies: list[int]) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
        nodes = [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("MatMul", ["f", "W"], ["y0"])]
        initializers = [weights]
        for i, copy in enumerate(copies):
            nodes += [
                helper.make_node("Tile", ["f", f"r{i}"], [f"wide{i}"]),
                helper.make_node("ReduceMean", [f"wide{i}"], [f"m{i}"], axes=[1], keepdims=1),
                helper.make_node("Add", [f"y{i}", f"m{i}"], ["y" if i == len(copies) - 1 else f"y{i + 1}"]),
            ]
            initializers.append(numpy_helper.from_array(np.array([1, copy], np.int64), f"r{i}"))
        return nodes, initializers

    constant = numpy_helper.from_array(np.arange(10, dtype=np.float32).reshape(1, 10), "c")
    shape_only = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Slice", ["s", "z", "o"], ["n"]),
        helper.make_node("Concat", ["n", "ten"], ["to"], axis=0),
        helper.make_node("Expand", ["c", "to"], ["y"]),
    ]
    numbers = [numpy_helper.from_array(np.array([v], np.int64), k) for k, v in (("z", 0), ("o", 1), ("ten", 10))]
    huge = [
        helper.make_node("Flatten", ["x"], ["f"]),
        helper.make_node("Cast", ["f"], ["d"], to=TensorProto.DOUBLE),
        helper.make_node("Mul", ["d", "big"], ["huge_layer"]),
        helper.make_node("MatMul", ["f", "W"], ["y"]),
    ]
    return {
        "a flat layer of 16M values": save("flat16m", *wide([20_400])),
        "20 flat layers of 1M values": save("many1m", *wide([1_300] * 20)),
        "an output that ignores the input": save("constant", [helper.make_node("Identity", ["c"], ["y"])], [constant]),
        "an output from the input's shape only": save("shape_only", shape_only, [constant, *numbers]),
        "a float64 layer of 1e300": save("huge", huge, [weights, numpy_helper.from_array(np.array(1e300), "big")]),
    }


# --- collections ------------------------------------------------------------------------------

IMPORTER = """
import sys, time
from pathlib import Path
from digitcanvas.collection.archive import import_collection
from digitcanvas.collection.state import Collection
collection = Collection.open(sys.argv[1])
collection.entries
while not Path(sys.argv[3]).exists():
    time.sleep(0.01)
result = import_collection(sys.argv[2], collection)
print(result.added, flush=True)
"""


def fuzz_collections(work: Path, record: Record, rng: np.random.Generator, peaks: dict[str, float]) -> None:
    folder = work / "collections"
    folder.mkdir()
    drawings = [
        Drawing.from_points([[[float(i % 600), 10.0 + i // 600], [300.0, 300.0]]], width=640, height=400, label=i % 10)
        for i in range(int(rng.integers(200, 400)))
    ]
    archive = export_collection(drawings, folder / "class.dccollection")
    _case(
        record,
        "collections",
        "two processes importing one file",
        lambda: _two_importers(folder, archive, len(drawings)),
    )
    _case(record, "collections", "an import cancelled midway", lambda: _cancelled_import(folder, archive, rng))
    _case(record, "collections", "a user's hidden .tmp files at the opening", lambda: _users_temporaries(folder))
    _case(record, "collections", "a killed import's staging folder", lambda: _killed_staging(folder))
    _case(record, "collections", "1,000 files of 1,000 one-point strokes", lambda: _dots(folder, peaks))


def _two_importers(folder: Path, archive: Path, count: int) -> str:
    target, go = folder / "shared", folder / "go"
    target.mkdir()
    command = [sys.executable, "-c", textwrap.dedent(IMPORTER), str(target), str(archive), str(go)]
    workers = [subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    time.sleep(1.0)
    go.touch()
    added = [int(worker.communicate(timeout=COMMAND_BOUND_S)[0] or -1) for worker in workers]
    files = len(list(target.glob("*.json")))
    if files != count or sorted(added) != [0, count]:
        return f"lost: {files} files for {count} drawings (the imports added {added})"
    return ""


def _cancelled_import(folder: Path, archive: Path, rng: np.random.Generator) -> str:
    target = folder / "cancelled"
    collection = Collection.open(target)
    stop_at = int(rng.integers(1, 400))
    seen: list[int] = [0]
    try:
        result = import_archive(
            archive,
            target,
            collection.entries,
            report=lambda _activity, done, _total: seen.append(done),
            cancelled=lambda: seen[-1] >= stop_at,
        )
    except ScanCancelled:
        result = None
    left = len(list(target.glob("*.json"))) + len(list(target.glob(f"{STAGING_PREFIX}*")))
    expected = 0 if result is None else result.added
    return f"lost: {left} files left for {expected} drawings imported" if left != expected else ""


def _users_temporaries(folder: Path) -> str:
    target = folder / "hidden"
    target.mkdir()
    names = [".thesis-draft.tmp", ".notes.abcdefgh.tmp", ".a.json.x1.tmp", ".digitcanvas-x.tmp"]
    past = time.time() - 10 * STALE_TEMP_SECONDS
    for name in names:
        (target / name).write_text("the user's")
        os.utime(target / name, (past, past))
    Collection.open(target)
    gone = [name for name in names if not (target / name).exists()]
    return f"lost: {gone} deleted at the opening" if gone else ""


def _killed_staging(folder: Path) -> str:
    target = folder / "killed"
    staging = target / f"{STAGING_PREFIX}k1ll3d_x"
    staging.mkdir(parents=True)
    (staging / "000000.json").write_text(drawing_text(label=1))
    entries = Collection.open(target).entries
    if entries or staging.exists():
        return f"{len(entries)} entries, the staging folder {'left' if staging.exists() else 'gone'}"
    return ""


DOTS_CHECK = r"""
import json, sys, time
started = time.perf_counter()
from digitcanvas.collection.folder import scan_collection
scan = scan_collection(sys.argv[1])
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"s": time.perf_counter() - started, "entries": len(scan.entries), "problems": len(scan.problems),
                  "peak_mb": peak}))
"""


def _dots(folder: Path, peaks: dict[str, float]) -> str:
    target = folder / "dots"
    target.mkdir()
    document = json.loads(drawing_text(label=1))
    document["strokes"] = [[[i % 600, i // 600 + 5]] for i in range(1000)]
    (target / "1-0.json").write_text(json.dumps(document))
    for i in range(1, 1000):
        os.link(target / "1-0.json", target / f"1-{i}.json")
    result = subprocess.run(
        [sys.executable, "-c", DOTS_CHECK, str(target)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_BOUND_S,
    )
    if result.returncode:
        return f"exit {result.returncode}: {result.stderr[-300:]}"
    figures = json.loads(result.stdout)
    peaks["a collection of 1,000 files of 1,000 dots"] = figures["peak_mb"]
    if figures["peak_mb"] > MEMORY_BOUND_MB:
        return f"peak memory {figures['peak_mb']:.0f} MB"
    if figures["entries"] + figures["problems"] != 1000:
        return f"{figures['entries']} read and {figures['problems']} problems for 1,000 files"
    return ""


# --- settings ---------------------------------------------------------------------------------

PROBE = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import digitcanvas.ui.app as app

def quit_when_shown():
    windows = [w for w in QApplication.topLevelWidgets() if w.isVisible() and hasattr(w, "ui_actions")]
    if not windows:
        QTimer.singleShot(20, quit_when_shown)
        return
    print("shown:", windows[0].collection.folder, flush=True)
    windows[0].ui_actions.quit.trigger()

original_exec = QApplication.exec
def exec_with_probe(self=None):
    QTimer.singleShot(0, quit_when_shown)
    return original_exec()
QApplication.exec = exec_with_probe
app.run_app()
"""


def fuzz_settings(work: Path, record: Record) -> None:
    """The window started on hostile settings files (offscreen; skipped where Qt cannot start)."""
    from digitcanvas.ui.settings import KEY_COLLECTION

    def fifo(conf: Path) -> None:
        os.mkfifo(conf)

    def lock(conf: Path) -> None:
        conf.with_name(conf.name + ".lock").write_text("4242\nDigitCanvas\nanother-computer\n")

    def lock_fifo(conf: Path) -> None:
        os.mkfifo(conf.with_name(conf.name + ".lock"))

    def junk(value: str) -> Callable[[Path], None]:
        group, key = KEY_COLLECTION.split("/")

        def write(conf: Path) -> None:
            conf.write_text(f"[{group}]\n{key}={value}\n")

        return write

    cases: dict[str, tuple[Callable[[Path], None], dict[str, str]]] = {
        "a named pipe as the settings file": (fifo, {}),
        "a folder as the settings file": (lambda conf: conf.mkdir(), {}),
        "a fresh lock of another computer": (lock, {}),
        "a named pipe as the lock": (lock_fifo, {}),
        "the collection at ~/mycoll": (junk("~/mycoll"), {}),
        "the collection a list": (junk("a, b"), {}),
        "the collection a relative folder": (junk("relative/kept"), {}),
        "no HOME": (lambda conf: None, {"HOME": ""}),
    }
    for label, (make, environment) in cases.items():
        _case(record, "settings", label, functools.partial(_window_starts, work, make, environment))


def _window_starts(work: Path, make: Callable[[Path], None], environment: dict[str, str]) -> str:
    home = Path(tempfile.mkdtemp(dir=work, prefix="settings-"))
    config, cwd = home / "config", home / "cwd"
    conf = config / "DigitCanvas" / "DigitCanvas.conf"
    conf.parent.mkdir(parents=True)
    cwd.mkdir()
    make(conf)
    before = conf.stat().st_mode if conf.exists() or conf.is_symlink() else None
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(home / "data"),
    }
    env["PYTHONPATH"] = str(REPO_ROOT)
    for name, value in environment.items():
        if value:
            env[name] = value
        else:
            env.pop(name, None)
            env.pop("XDG_DATA_HOME", None)  # Qt then falls back on HOME
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=WINDOW_BOUND_S * 3
        )
    except subprocess.TimeoutExpired:
        return "hung: the window never showed"
    took = time.monotonic() - started
    shown = [line for line in result.stdout.splitlines() if line.startswith("shown: ")]
    if result.returncode != 0 or not shown or "Traceback" in result.stderr:
        return f"exit {result.returncode}: {result.stderr[-300:]}"
    if took > WINDOW_BOUND_S:
        return f"hung: the window showed after {took:.0f} s"
    folder = shown[0].removeprefix("shown: ")
    if not Path(folder).is_absolute() or folder.startswith("//") or list(cwd.iterdir()):
        return f"the collection is at {folder!r}; the working folder holds {[p.name for p in cwd.iterdir()]}"
    if before is not None and (not conf.exists() or conf.stat().st_mode != before):
        return "lost: the settings file was replaced"
    return ""
