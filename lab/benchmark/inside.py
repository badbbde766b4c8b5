"""The inside view's live budget, printed (not asserted), for drawn digits and the bundled model:

* core: :meth:`Inspector.activations` alone, and with every layer's picture made
  (what the view's worker does), and :func:`digitcanvas.explain.saliency.explain` of the top digit;
* the widget (offscreen Qt): from ``show_drawing_input`` to the activations painted on
  screen (``activations_shown``, then a synchronous repaint), and to the saliency overlay
  painted (``saliency_shown``). The issue's budget: 30 ms and 100 ms. The view is timed
  twice, input by input in turn: with saliency on a two-thread copy of the model (as on
  4 cores or more) and as it runs on this machine's cores. For the version before issue #26
  item 19 (the map on two threads, after the activations), run this in its checkout too.

Wall times move with other load on the machine; the CPU times (of the thread doing the
work) do not, and on two idle cores the wall time is about the worker's CPU time plus the
GUI thread's.

Each input waits for the previous one to be shown, so the figures are latencies, not
throughput; run it on an otherwise idle machine (the medians move with other load).

    python -m lab.benchmark.inside --unipen ../shared/data/unipen-digits [--runs 60]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.explain.inspector import Inspector, LayerKind
from digitcanvas.explain.pictures import tile_maps, vector_picture
from digitcanvas.explain.saliency import explain
from digitcanvas.model.classifier import load_classifier
from digitcanvas.reading.reader import Reader
from digitcanvas.util.cores import usable_cores
from lab.benchmark.speed import percentiles
from lab.console import log
from lab.data.unipen import load_samples, select, to_canvas

ACTIVATIONS_BUDGET_MS = 30
SALIENCY_BUDGET_MS = 100
DEFAULT_RUNS = 60
WAIT_S = 10.0  # give up on a signal after this long
SEED = 30


def _timed(fn: Callable[[NDArray[np.float32]], object], images: NDArray[np.float32]) -> tuple[list[float], list[float]]:
    """(wall times, CPU times of this thread) of ``fn`` on each image."""
    fn(images[0])  # warm-up: the first run allocates
    wall, cpu = [], []
    for image in images:
        start, start_cpu = time.perf_counter(), time.thread_time()
        fn(image)
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - start_cpu)
    return wall, cpu


def _report(label: str, wall: list[float], cpu: list[float], budget: str = "", *, whose: str = "") -> None:
    print(f"{label:<28} wall {percentiles(wall)}; {whose}CPU median {np.median(cpu) * 1000:.1f} ms{budget}")


def core_figures(inspector: Inspector, images: NDArray[np.float32]) -> None:
    def pictures(image: NDArray[np.float32]) -> None:
        activations = inspector.activations(image)
        for layer, values in zip(inspector.layers, activations.values, strict=True):
            if layer.kind == LayerKind.MAPS:
                tile_maps(values)
            else:
                vector_picture(values)

    _report("core  activations", *_timed(inspector.activations, images))
    _report("core  activations + pictures", *_timed(pictures, images))
    _report("core  saliency (top digit)", *_timed(lambda image: explain(inspector.classifier, image), images))


def widget_figures(
    inspector: Inspector, images: NDArray[np.float32], configurations: dict[str, int]
) -> dict[str, dict[str, tuple[list[float], list[float]]]]:
    """For each configuration (a name: the cores the view is told it has, which decide how
    saliency runs), wall times from an input to its activations, and to its saliency map,
    painted, with the GUI thread's CPU time for showing them (putting the pictures up and
    painting). The configurations take turns input by input, so load hits them alike."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from digitcanvas.ui.tools import inside_view
    from digitcanvas.ui.tools.inside_view import InsideView

    if QApplication.instance() is None:
        QApplication([])
    loop = QEventLoop()
    arrived: dict[str, float] = {}
    gui_cpu = {"activations": 0.0, "saliency": 0.0}
    timer = QTimer(singleShot=True)
    timer.timeout.connect(loop.quit)

    def wait(key: str) -> None:
        timer.start(int(WAIT_S * 1000))
        while key not in arrived and timer.isActive():
            loop.exec()  # sleeps until a signal arrives: the GUI thread spends no CPU waiting
        timer.stop()
        if key not in arrived:
            raise TimeoutError(f"no {key} within {WAIT_S:g} s")

    def make_view(cores: int) -> InsideView:
        view = InsideView()
        view.resize(1400, 900)
        view.show()

        def arrive(key: str) -> None:
            start = time.thread_time()
            if key == "activations":
                view.repaint()  # paint now, as the next frame would
            elif key == "saliency":
                view.overlay.repaint()
            gui_cpu[key] = gui_cpu.get(key, 0.0) + time.thread_time() - start
            arrived[key] = time.perf_counter()
            loop.quit()

        original = view._show_activations

        def timed(*args: Any) -> None:
            start = time.thread_time()
            original(*args)
            gui_cpu["activations"] += time.thread_time() - start

        setattr(view, "_show_activations", timed)  # noqa: B010 (mypy refuses assigning to a method)
        view.model_ready.connect(lambda _: arrive("model"))
        view.activations_shown.connect(lambda _: arrive("activations"))
        view.saliency_shown.connect(lambda _: arrive("saliency"))
        real_cores = inside_view.usable_cores
        inside_view.usable_cores = lambda: cores
        try:
            arrived.clear()
            view.set_classifier(inspector.classifier)
            wait("model")  # the saliency model is chosen while the model opens
        finally:
            inside_view.usable_cores = real_cores
        return view

    views = {name: make_view(cores) for name, cores in configurations.items()}
    figures: dict[str, dict[str, tuple[list[float], list[float]]]] = {
        name: {"activations": ([], []), "saliency": ([], [])} for name in views
    }
    for n, image in enumerate(images):
        for name, view in views.items():
            arrived.clear()
            gui_cpu.update(activations=0.0, saliency=0.0)
            start = time.perf_counter()
            view.show_drawing_input(image)
            wait("activations")
            wait("saliency")
            if n:  # the first one warms up
                for key, (wall, cpu) in figures[name].items():
                    wall.append(arrived[key] - start)
                    cpu.append(gui_cpu[key])
    for view in views.values():
        view.close()
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.benchmark.inside", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unipen", required=True, help="UNIPEN digits folder")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="drawn digits to time")
    args = parser.parse_args(argv)
    classifier = load_classifier()  # one inference thread, as the window loads it
    samples = select(load_samples(args.unipen), "val")
    chosen = np.random.default_rng(SEED).choice(len(samples), size=min(args.runs, len(samples)), replace=False)
    readings = Reader(classifier).read_drawings([to_canvas(samples[i]) for i in chosen])
    images = np.stack([r.digits[0].image for r in readings])
    inspector = Inspector(classifier)
    log(f"{len(images)} drawn digits, {len(inspector.layers)} layers, {os.cpu_count()} CPUs")
    core_figures(inspector, images)
    # Before issue #26: saliency on a two-thread copy of the model on any machine; now one
    # thread, the window's own model, below SALIENCY_THREADS_MIN_CORES (as on this 2-core one).
    configurations = {"two-thread copy": 64, f"as on {usable_cores()} cores": usable_cores()}
    figures = widget_figures(inspector, images, configurations)
    budgets = {"activations": ACTIVATIONS_BUDGET_MS, "saliency": SALIENCY_BUDGET_MS}
    for configuration, shown in figures.items():
        for name, budget in budgets.items():
            wall, cpu = shown[name]
            _report(f"view  {name} on screen", wall, cpu, f" (budget {budget} ms)", whose="GUI thread ")
        print(f"      ({configuration})")
    print(f"load average over the last minute: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
