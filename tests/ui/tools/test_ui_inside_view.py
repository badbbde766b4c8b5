"""The inside view on its own: layers listed, activations and saliency shown off the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from inside_models import FIELD, HALF, make_conv_model, make_left_half_model
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from digitcanvas.model.classifier import Classifier, load_classifier
from digitcanvas.model.info import META_SCALE
from digitcanvas.ui.background import LatestJobRunner
from digitcanvas.ui.tools.inside_view import NO_FILTERS, InsideView
from lab.fuzz.linear_model import make_linear_model

WAIT_MS = 10_000  # worker threads on a busy two-core machine


def _ink(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((FIELD, FIELD), np.float32)
    image[5:23, 5:23] = (rng.random((18, 18)) < 0.3) * rng.uniform(0.4, 1.0, (18, 18))
    return image


@pytest.fixture
def view(qtbot: QtBot) -> InsideView:
    widget = InsideView()
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def conv(tmp_path: Path) -> Classifier:
    return Classifier(make_conv_model(tmp_path / "conv.onnx"))


def _open(qtbot: QtBot, view: InsideView, classifier: Classifier) -> None:
    with qtbot.waitSignal(view.model_ready, timeout=WAIT_MS):
        view.set_classifier(classifier)


def test_layers_listed_and_filters_shown(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    inspector = view.inspector()
    assert inspector is not None
    assert view.layer_list.topLevelItemCount() == len(inspector.layers) == len(view.layer_pictures)
    items = [view.layer_list.topLevelItem(i) for i in range(4)]
    assert [item.text(2) for item in items if item is not None] == ["Conv", "Relu", "Reshape", "Gemm"]
    assert view.filters.picture() is not None and view.filters_caption.text() == "4 kernels"


def test_activations_and_saliency_of_the_top_digit(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    image = _ink(1)
    with qtbot.waitSignals([view.activations_shown, view.saliency_shown], timeout=WAIT_MS):
        view.show_drawing_input(image)
    activations, saliency = view.activations(), view.saliency()
    assert activations is not None and saliency is not None
    np.testing.assert_allclose(activations.probabilities, conv.predict_proba(image)[0], rtol=1e-6)
    shown = view.bars.probabilities()
    assert shown is not None
    np.testing.assert_allclose(shown, activations.probabilities)
    assert all(p.picture() is not None for p in view.layer_pictures)
    assert saliency.digit == activations.digit and view.overlay.picture() is not None
    assert f"Why {saliency.digit}?" in view.question.text()


def test_clicking_a_digit_explains_it_and_and_not_contrasts(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    with qtbot.waitSignal(view.saliency_shown, timeout=WAIT_MS):
        view.show_drawing_input(_ink(2))
    first = view.saliency()
    assert first is not None
    other = (first.digit + 1) % 10
    with (
        qtbot.waitSignal(view.digit_chosen, check_params_cb=lambda d: d == other),
        qtbot.waitSignal(view.saliency_shown, check_params_cb=lambda s: s.digit == other, timeout=WAIT_MS),
    ):
        qtbot.mouseClick(view.bars, Qt.MouseButton.LeftButton, pos=view.bars.row_rect(other).center().toPoint())
    assert view.bars.sure_digit() == other
    versus = (other + 3) % 10
    with qtbot.waitSignal(view.saliency_shown, timeout=WAIT_MS) as blocker:
        view.versus_box.setCurrentIndex(versus + 1)
    assert (blocker.args[0].digit, blocker.args[0].versus) == (other, versus)
    assert f"and not {versus}" in view.question.text()


def test_contrasting_the_top_digit_with_itself_shows_no_map(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    with qtbot.waitSignal(view.saliency_shown, timeout=WAIT_MS) as blocker:
        view.show_drawing_input(_ink(6))
    top = blocker.args[0].digit
    with qtbot.assertNotEmitted(view.failed), qtbot.assertNotEmitted(view.saliency_shown, wait=500):
        view.choose_versus(top)
    assert view.saliency() is None and view.overlay.picture() is None
    assert "choose another" in view.question.text()


def test_left_half_model_shows_nothing_on_the_right(qtbot: QtBot, view: InsideView, tmp_path: Path) -> None:
    _open(qtbot, view, Classifier(make_left_half_model(tmp_path / "left.onnx")))
    assert view.filters.picture() is None and view.filters_caption.text() == NO_FILTERS
    with qtbot.waitSignal(view.saliency_shown, timeout=WAIT_MS) as blocker:
        view.show_drawing_input(_ink(3))
    assert not blocker.args[0].map[:, HALF:].any()


def test_only_the_latest_input_is_shown(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    images = [_ink(seed) for seed in range(10, 16)]
    for image in images:
        view.show_drawing_input(image)
    # activations and saliency run on two workers: either may arrive first
    qtbot.waitUntil(lambda: view.activations() is not None and view.saliency() is not None, timeout=WAIT_MS)
    activations = view.activations()
    assert activations is not None
    np.testing.assert_array_equal(activations.image, images[-1])
    qtbot.wait(200)  # nothing older arrives later
    assert view.activations() is activations


def test_a_hidden_view_waits_until_shown(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    view.hide()
    with qtbot.assertNotEmitted(view.activations_shown, wait=300):
        view.show_drawing_input(_ink(4))
    with qtbot.waitSignal(view.activations_shown, timeout=WAIT_MS):
        view.show()


def test_clearing_the_input_and_the_model(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    with qtbot.waitSignal(view.saliency_shown, timeout=WAIT_MS):
        view.show_drawing_input(_ink(5))
    view.show_drawing_input(None)
    assert view.activations() is None and view.overlay.picture() is None and view.bars.probabilities() is None
    view.set_classifier(None)
    assert view.layer_list.topLevelItemCount() == 0 and view.inspector() is None


def test_a_model_that_cannot_be_read_reports_why(qtbot: QtBot, view: InsideView, tmp_path: Path) -> None:
    path = make_linear_model(tmp_path / "gone.onnx", metadata={META_SCALE: "1"})
    classifier = Classifier(path)
    path.write_bytes(b"\xff")
    with qtbot.waitSignal(view.failed, timeout=WAIT_MS) as blocker:
        view.set_classifier(classifier)
    assert "gone.onnx" in blocker.args[0] and view.inspector() is None


def test_the_runner_runs_the_first_and_the_latest_job_only(qtbot: QtBot, view: InsideView) -> None:
    runner = LatestJobRunner(view)
    release = threading.Event()
    ran: list[int] = []

    def job(n: int) -> int:
        if n == 0:
            release.wait(5)
        ran.append(n)
        return n * 10

    finished: list[tuple[int, int]] = []
    runner.finished.connect(lambda key, result: finished.append((key, result)))

    def make(n: int) -> Callable[[], int]:
        return lambda: job(n)

    for n in range(5):
        runner.submit(n, make(n))
    release.set()
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=WAIT_MS)
    qtbot.wait(100)
    assert ran == [0, 4] and finished == [(0, 0), (4, 40)]
    runner.shutdown()


def test_escape_closes_the_view(qtbot: QtBot, view: InsideView) -> None:
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.isVisible()


def test_a_narrow_window_keeps_the_bars_and_their_percentages_whole(qtbot: QtBot, view: InsideView) -> None:
    view.set_classifier(load_classifier())  # the bundled model: 40 first-layer filters, a wide strip
    qtbot.waitUntil(lambda: view.inspector() is not None, timeout=WAIT_MS)
    view.resize(660, 700)
    qtbot.wait(50)
    side = view.side_scroll
    assert side.horizontalScrollBar().maximum() == 0  # nothing of the column hidden sideways
    assert side.viewport().width() >= view.bars.sizeHint().width()
