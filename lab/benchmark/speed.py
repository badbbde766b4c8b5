"""Speed figures for DigitCanvas, printed (not asserted):

* time from process start to the main window shown (a fresh interpreter each run);
* preprocessing, single-image inference and whole-reading latency, median and p99 over N runs;
* end-to-end submit latency in the real window (offscreen): preprocess, classify,
  update bars / preview / labels, and paint;
* ``digitcanvas predict`` throughput on thousands of drawing files.

    python -m lab.benchmark.speed [--runs 2000] [--files 5000] [--unipen ../shared/data/unipen-digits]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from digitcanvas.drawing.file import save_drawing
from digitcanvas.drawing.image_file import write_png
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.preprocessing import preprocess_drawing
from digitcanvas.reading.reader import Reader
from lab.data.unipen import load_samples, to_canvas

STARTUP_PROBE = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import digitcanvas.ui.app as app

def probe():
    QApplication.processEvents()
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.windowTitle().startswith("DigitCanvas")]
    print("shown" if shown else "not shown", flush=True)
    QApplication.quit()

original_exec = QApplication.exec
def exec_with_probe(self=None):
    QTimer.singleShot(0, probe)
    return original_exec()
QApplication.exec = exec_with_probe
sys.exit(app.run_app())
"""


def percentiles(samples: list[float]) -> str:
    ms = np.asarray(samples) * 1000
    return f"median {np.median(ms):.3f} ms, p99 {np.percentile(ms, 99):.3f} ms (n={len(ms)})"


def time_calls(fn: Callable[[], object], runs: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def sample_drawings(unipen: str | None, count: int) -> list[Drawing]:
    if unipen:
        samples = load_samples(unipen)
        rng = np.random.default_rng(0)
        return [to_canvas(samples[i]) for i in rng.choice(len(samples), size=count, replace=count > len(samples))]
    t = np.linspace(0, 1, 80)
    seven = [np.stack([130 + 160 * t, 90 + 0 * t], 1), np.stack([290 - 100 * t, 90 + 250 * t], 1)]
    return [Drawing(tuple(seven), 420, 420)] * count


def startup(runs: int) -> None:
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # fresh settings: the bundled model
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", STARTUP_PROBE], capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - t
        if "shown" not in result.stdout.split():
            print(f"  window did not show: {result.stdout} {result.stderr[-500:]}")
            return
        times.append(elapsed)
    platform = env.get("QT_QPA_PLATFORM", "xcb")
    print(
        f"process start → window shown ({platform}): median {statistics.median(times):.3f} s, "
        f"max {max(times):.3f} s over {runs} runs"
    )


def latency(drawings: list[Drawing], runs: int) -> None:
    classifier = load_classifier()
    drawing = drawings[0]
    print(
        f"preprocessing (one drawing, {sum(len(s) for s in drawing.strokes)} points): "
        f"{percentiles(time_calls(lambda: preprocess_drawing(drawing), runs))}"
    )
    cycle = iter(range(10**9))
    varied = lambda: preprocess_drawing(drawings[next(cycle) % len(drawings)])  # noqa: E731
    print(f"preprocessing (varied UNIPEN drawings): {percentiles(time_calls(varied, runs))}")
    image = preprocess_drawing(drawing)[None]
    print(f"inference (one image, 1 thread): {percentiles(time_calls(lambda: classifier.predict_proba(image), runs))}")
    print(f"DigitCanvas around one model call (CPU time, network stubbed out): {around_the_model(image):.1f} µs")
    reader = Reader(classifier)
    read = lambda: reader.read_drawing(drawing, number=False)  # noqa: E731
    print(f"reading one digit (Reader: preprocess, classify, verdict): {percentiles(time_calls(read, runs))}")
    as_window = lambda: reader.read_drawing(drawing)  # noqa: E731
    print(f"reading one digit as the window does (a number of one or more): {percentiles(time_calls(as_window, runs))}")


class _StoredOutput:
    """A session stand-in that answers every run with one stored output at once."""

    def __init__(self, session: Any, output: list[Any]) -> None:
        self._session, self._output = session, output

    def run(self, names: object, feeds: object, options: object = None) -> list[Any]:
        return self._output

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def around_the_model(image: np.ndarray, calls: int = 20_000, repeats: int = 7) -> float:
    """Microseconds of CPU time ``predict_proba`` spends around the network (checks, scaling,
    watchdog, probabilities): the session's run is replaced by a stored answer, so neither the
    network's time nor other processes' load enter the figure (best of ``repeats``)."""
    classifier = load_classifier()
    session = classifier._session
    output = session.run(None, {classifier._input_name: classifier.fed(image[0])})
    classifier._session = _StoredOutput(session, output)
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time_ns()
        for _ in range(calls):
            classifier.predict_proba(image)
        best = min(best, (time.process_time_ns() - start) / calls / 1000)
    return best


def submit_in_window(drawings: list[Drawing], runs: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from digitcanvas.ui.window.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    settings = QSettings(os.path.join(tempfile.mkdtemp(), "bench.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    window.resize(900, 560)
    window.show()
    app.processEvents()
    window.canvas.set_drawing(drawings[0])

    def submit() -> None:
        window.submit()
        window.repaint()  # paint the updated bars, preview and labels now
        app.processEvents()

    print(
        f"submit end to end in the window ({QGuiApplication.platformName()}): {percentiles(time_calls(submit, runs))}"
    )
    window.close()


def predict_throughput(drawings: list[Drawing], files: int, *, png: bool = False) -> None:
    kind = "616 × 392 PNG" if png else "drawing"
    with tempfile.TemporaryDirectory() as folder:
        for i in range(files):
            drawing = drawings[i % len(drawings)]
            if png:  # a photo-sized scan of the digit: dark ink on light paper
                image = 255 - (255 * preprocess_drawing(drawing)).astype(np.uint8)
                write_png(Path(folder) / f"{i:06d}.png", np.kron(image, np.ones((14, 22), dtype=np.uint8))[:400, :640])
            else:
                save_drawing(drawing, Path(folder) / f"{i:06d}.json")
        t = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "digitcanvas", "predict", "--json", "-v", folder],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - t
    lines = result.stdout.count("\n")
    print(f"digitcanvas predict on {files:,} {kind} files: {result.stderr.strip().splitlines()[-1]}")
    print(
        f"  whole command incl. interpreter start: {elapsed:.2f} s = {files / elapsed:,.0f} files/s ({lines} results)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.benchmark.speed", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2000, help="timed calls per latency figure (≥ 1000)")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=5000, help="drawing files for the predict throughput")
    parser.add_argument("--unipen", help="UNIPEN digits for realistic drawings (default: a synthetic 7)")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    drawings = sample_drawings(args.unipen, 500)
    startup(args.startup_runs)
    latency(drawings, args.runs)
    submit_in_window(drawings, args.runs)
    predict_throughput(drawings, args.files)
    predict_throughput(drawings, args.files // 2, png=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
