"""The inside view on its own: layers listed, activations and saliency shown off the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from inside_models import FIELD, HALF, make_conv_model, make_left_half_model
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from digitcanvas.model.classifier import Classifier, load_classifier
from digitcanvas.model.info import META_SCALE
from digitcanvas.ui.background import LatestJobRunner
from digitcanvas.ui.tools import inside_view
from digitcanvas.ui.tools.inside_view import MIN_MAPS_WIDTH, NO_FILTERS, SIGNED_LEGEND, InsideView
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
    titles = [item.text(1) for item in items if item is not None]
    assert titles == ["Conv 1 · 4 filters 3×3", "ReLU", "Reshape", "Dense 1 · 10 outputs"]  # not "conv1", "Conv"
    first = items[0]
    assert first is not None and "conv1 (Conv)" in first.toolTip(1)  # the graph's own name, for whoever wants it
    assert view.filters.picture() is not None and view.filters_caption.text() == "4 kernels"
    assert view.title.text().endswith(f": 4 layers, {inspector.parameters:,} parameters")


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
    # At least the bars' least width, where each percentage still has its whole column (the three
    # columns at their least fit 683 px: 1366 × 768 at 200 %, issue #26).
    assert side.viewport().width() >= view.bars.minimumSizeHint().width()


# --- a learner's view (issue #26, items 2, 3 and 12) ------------------------------------------


def test_a_one_layer_model_says_1_layer_and_explains_its_operations(
    qtbot: QtBot, view: InsideView, tmp_path: Path
) -> None:
    make_linear_model(tmp_path / "linear.onnx", layout="NCHW")
    _open(qtbot, view, Classifier(tmp_path / "linear.onnx"))
    inspector = view.inspector()
    assert inspector is not None
    count = len(inspector.layers)
    assert view.title.text().count(f"{count} layer{'s' * (count != 1)},") == 1 and "1 layers" not in view.title.text()
    captions = [caption.text() for caption in view.layer_captions]
    assert len(captions) == count and all(
        layer.explanation in text for layer, text in zip(inspector.layers, captions, strict=True)
    )
    assert view.legend.isVisibleTo(view) and SIGNED_LEGEND in " ".join(
        label.text() for label in view.legend.findChildren(QLabel)
    )


def test_the_activations_fit_their_column_and_a_layer_click_scrolls_down_only(
    qtbot: QtBot, view: InsideView, conv: Classifier
) -> None:
    view.resize(860, 600)  # 1366 × 768 at 150 %: a narrow window
    _open(qtbot, view, conv)
    with qtbot.waitSignal(view.activations_shown, timeout=WAIT_MS):
        view.show_drawing_input(_ink(4))
    qtbot.wait(50)
    scroll = view.layers_scroll
    assert scroll.width() >= MIN_MAPS_WIDTH  # not one clipped column of 70 px
    for picture in view.layer_pictures:  # pictures shrink to the column: nothing hides sideways
        assert picture.sizeHint().width() <= scroll.viewport().width()
    last = view.layer_list.topLevelItem(len(view.layer_pictures) - 1)
    assert last is not None
    view._on_layer_clicked(last)
    assert scroll.horizontalScrollBar().value() == 0
    header = view.layer_list.header()
    for column in range(header.count()):  # every heading whole, whatever the font ("Paramet")
        assert header.sectionSize(column) >= header.sectionSizeHint(column)


def test_why_follows_the_reading_unless_a_digit_is_kept(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    with qtbot.waitSignal(view.saliency_shown, timeout=WAIT_MS):
        view.show_drawing_input(_ink(20), read_as=3)
    with qtbot.waitSignal(view.saliency_shown, check_params_cb=lambda s: s.digit == 2, timeout=WAIT_MS):
        view.choose_digit(2)
    assert view.question.text().startswith("Why 2?") and not view.pinned()
    # A new drawing, read as 5: "why" follows the reading, it does not keep asking about 2.
    with qtbot.waitSignal(view.saliency_shown, check_params_cb=lambda s: s.digit == 5, timeout=WAIT_MS):
        view.show_drawing_input(_ink(21), read_as=5)
    assert view.question.text().startswith("Why 5?") and view.bars.sure_digit() == 5
    with qtbot.waitSignal(view.saliency_shown, check_params_cb=lambda s: s.digit == 2, timeout=WAIT_MS):
        view.choose_digit(2)
    view.pin_box.setChecked(True)  # kept: new drawings are explained as 2 too, and the view says so
    assert view.pinned() and "kept for new drawings" in view.question.text()
    with qtbot.waitSignal(view.saliency_shown, check_params_cb=lambda s: s.digit == 2, timeout=WAIT_MS):
        view.show_drawing_input(_ink(22), read_as=7)
    assert view.question.text().startswith("Why 2?")
    view.choose_digit(None)  # "Top digit": follow the reading again
    assert not view.pinned() and not view.pin_box.isChecked()


def test_the_bars_show_the_windows_percentages(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    window_reading = np.full(10, 0.001)
    window_reading[4] = 0.991  # the window's reading, adapted to the person's hand: not the model's own
    with qtbot.waitSignal(view.activations_shown, timeout=WAIT_MS):
        view.show_drawing_input(_ink(23), read_as=4, probabilities=window_reading)
    shown = view.bars.probabilities()
    assert shown is not None and np.allclose(shown, window_reading) and view.bars.sure_digit() == 4


def test_the_output_scores_keep_each_digit_with_its_value(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    _open(qtbot, view, conv)
    with qtbot.waitSignal(view.activations_shown, timeout=WAIT_MS):
        view.show_drawing_input(_ink(24))
    text = view.logits_caption.text()
    assert " 6: " not in text and "6:\u00a0" in text  # "6:" never ends a line apart from its value


@pytest.mark.parametrize(("cores", "own_model"), [(2, True), (8, False)])
def test_saliency_runs_the_windows_model_on_one_thread_where_cores_are_few(
    qtbot: QtBot, view: InsideView, conv: Classifier, monkeypatch: pytest.MonkeyPatch, cores: int, own_model: bool
) -> None:
    # Issue #26 item 19: on a loaded 2-core machine a two-thread copy of the model was slower.
    monkeypatch.setattr(inside_view, "usable_cores", lambda: cores)
    threads: list[str] = []
    predict = conv.predict_proba

    def spy(images: np.ndarray) -> np.ndarray:
        threads.append(threading.current_thread().name)
        return predict(images)

    monkeypatch.setattr(conv, "predict_proba", spy)
    _open(qtbot, view, conv)
    with qtbot.waitSignal(view.saliency_shown, timeout=WAIT_MS):
        view.show_drawing_input(_ink(3))
    assert any(name.startswith("inside-saliency") for name in threads) == own_model


def test_the_map_does_not_wait_for_the_activations(
    qtbot: QtBot, view: InsideView, conv: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue #26 item 19: on screen, the map's time was the activations' plus its own.
    _open(qtbot, view, conv)
    release = threading.Event()
    pictures = inside_view._activation_pictures

    def held(*args: object) -> object:
        release.wait(WAIT_MS / 1000)
        return pictures(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(inside_view, "_activation_pictures", held)
    try:
        with qtbot.waitSignal(view.saliency_shown, timeout=WAIT_MS):
            view.show_drawing_input(_ink(4))
        assert view.activations() is None  # still being computed
    finally:
        release.set()
    qtbot.waitUntil(lambda: view.activations() is not None, timeout=WAIT_MS)


def test_a_narrow_layer_list_cuts_the_names_not_the_numbers(qtbot: QtBot, view: InsideView, conv: Classifier) -> None:
    """At 150 % and 200 % the Parameters column ran off the list ("Paramet", "115,36")."""
    _open(qtbot, view, conv)
    tree, name = view.layer_list, inside_view.LAYER_COLUMNS.index("Layer")
    header = tree.header()
    needs = [max(header.sectionSizeHint(c), tree.sizeHintForColumn(c)) for c in range(header.count())]
    tree.setFixedWidth(sum(needs) - needs[name] // 2 + 2 * tree.frameWidth())  # too narrow for every column whole
    QApplication.processEvents()
    last = header.count() - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= tree.viewport().width()
    for column in range(header.count()):
        if column != name:
            assert header.sectionSize(column) >= needs[column]  # the numbers and their headings whole
    assert header.sectionSize(name) < needs[name] and not tree.horizontalScrollBar().isVisible()
