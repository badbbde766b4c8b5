"""The inside view: a model's layers, what each computes for the current drawing, and why
the model reads the digit it reads.

Layers are listed by what they are ("Conv 1 · 32 filters 3×3", "ReLU"; the graph's own
names in their tooltips), each with a sentence on what it does, and a legend says what the
colours mean. "Why" explains the digit the window reads, drawing after drawing; a digit
clicked is explained for this drawing, or for every drawing while "Keep explaining" pins it.

The work is the core's (:class:`digitcanvas.explain.inspector.Inspector`, :func:`digitcanvas.explain.saliency.explain`,
:mod:`digitcanvas.explain.pictures`), done on two worker threads so the canvas never waits:
one opens models and computes activations (a few ms), the other saliency maps, both asked
for when an input comes. Where cores are few the map runs on one thread (see
:data:`SALIENCY_THREADS_MIN_CORES`), which leaves a core to the activations and then the GUI
thread showing them (a map on two threads beside them made them late, 55 ms, not 30, so it
used to wait for them). Each keeps only the latest request; a saliency map
whose input changed stops between rounds; a hidden view computes nothing.
Results come back as signals on the GUI thread, which only shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from digitcanvas.explain.inspector import Activations, InsideError, Inspector, Layer, LayerKind
from digitcanvas.explain.layer_names import plural
from digitcanvas.explain.pictures import (
    filters_picture,
    heat_strip,
    legend_strip,
    saliency_overlay,
    tile_maps,
    vector_picture,
)
from digitcanvas.explain.saliency import Saliency, SaliencyStopped, explain
from digitcanvas.model.classifier import Classifier, ModelLoadError
from digitcanvas.model.session import ModelRunError
from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.ui import theme
from digitcanvas.ui.background import LatestJobRunner
from digitcanvas.ui.widgets.bars import ConfidenceBars
from digitcanvas.ui.widgets.picture import PICTURE_SCALE, PictureView
from digitcanvas.util.cores import usable_cores
from digitcanvas.util.enums import StrEnum
from digitcanvas.util.text import unbreakable

OVERLAY_SCALE = 8  # 28 px × 8 = 224 px: the saliency overlay
STRIP_SCALE = 12  # px per value of the logits strip
LIST_WIDTH, MAPS_WIDTH, SIDE_WIDTH = 320, 520, 340  # px: the three columns' first widths, where there is room
MIN_LIST_WIDTH = 120  # px: the layer list at its narrowest (its columns then scroll)
MIN_MAPS_WIDTH = 200  # px: the activations never get narrower than this (a few tiles side by side)
PREFERRED_HEIGHT = 820  # px: the window opens this tall where the screen allows (else 90 % of it)
KNOWN_ERRORS = (ModelRunError, InsideError, ValueError)
LAYER_COLUMNS = ("#", "Layer", "Output", "Parameters")
NO_FILTERS = "The first layer is not a convolution."
LEGEND_WIDTH, LEGEND_HEIGHT = 160, 10  # px: each colour scale in the legend
SIGNED_LEGEND = "Blue: below 0 · dark: 0 · red: above 0 (convolutions, scores, filters)"
POSITIVE_LEGEND = "Dark: 0 · yellow: the layer's largest (after ReLU and pooling, never below 0)"
PIN_TEXT = "Keep this digit for new drawings"


@dataclass(frozen=True)
class _Shown:
    """Activations and their pictures, made on the worker thread."""

    activations: Activations
    pictures: tuple[NDArray[np.uint8], ...]  # one per layer
    logits: NDArray[np.uint8]


def _activation_pictures(inspector: Inspector, image: NDArray[np.float32]) -> _Shown:
    activations = inspector.activations(image)
    pictures = tuple(
        tile_maps(v) if layer.kind == LayerKind.MAPS else vector_picture(v)
        for layer, v in zip(inspector.layers, activations.values, strict=True)
    )
    return _Shown(activations, pictures, heat_strip(activations.scores))


SALIENCY_THREADS = 2  # a saliency map runs ~100 images in batches of ~25: two threads where cores are many
# Below this many cores saliency runs on one thread, with the window's own model: on a loaded
# 2-core machine the two-thread copy was slower than one thread (issue #26: 94-109 ms against
# 80-86; python -m lab.benchmark.inside), its threads waiting for cores the GUI thread and the
# activations' worker use.
SALIENCY_THREADS_MIN_CORES = 4


def _saliency_model(classifier: Classifier) -> Classifier | None:
    """The model again, run with SALIENCY_THREADS threads and the same input scaling, where
    there are cores to spare (None: saliency uses ``classifier`` itself, one thread, also
    when it does not open twice)."""
    if usable_cores() < SALIENCY_THREADS_MIN_CORES:
        return None
    try:
        return Classifier(classifier.path, threads=SALIENCY_THREADS, scaling=classifier.scaling)
    except (ModelLoadError, OSError):
        return None


class _Job(StrEnum):
    """What a background job of the view computes."""

    MODEL = "model"  # the layers, on opening a model
    ACTIVATIONS = "activations"
    SALIENCY = "saliency"


@dataclass(frozen=True)
class _JobKey:
    """Which job a result belongs to: a result for an older model, input or question is dropped."""

    job: _Job
    model: int  # the model's generation
    input: int = 0  # the input's generation
    digit: int | None = None  # the digit explained (None: the top one)
    versus: int | None = None


class InsideView(QWidget):
    """Layers, activations, saliency and first-layer filters of one model, for one input.

    ``set_classifier(classifier)`` picks the model; ``show_drawing_input(image28)`` the
    (28, 28) network input in [0, 1] (None: nothing drawn). Clicking a digit's bar explains
    that digit; "and not" contrasts it with another.

    Signals:
        model_ready(Inspector): the model's layers are listed.
        activations_shown(Activations): the activations for the latest input are on screen.
        saliency_shown(Saliency): the saliency map for the latest input and digit is on screen.
        digit_chosen(int): a digit to explain was chosen (-1: the top digit again).
        failed(str): a model could not be opened or run; the message says why.
    """

    model_ready = Signal(object)
    activations_shown = Signal(object)
    saliency_shown = Signal(object)
    digit_chosen = Signal(int)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._classifier: Classifier | None = None
        self._saliency_classifier: Classifier | None = None  # the same model, run on both cores
        self._inspector: Inspector | None = None
        self._image: NDArray[np.float32] | None = None
        self._activations: Activations | None = None
        self._saliency: Saliency | None = None
        self._digit: int | None = None  # None: explain the top digit
        self._window_probabilities: NDArray[np.float64] | None = None  # the window's, for the bars
        self._read_as: int | None = None  # the digit the window reads: the top digit
        self._versus: int | None = None
        self._model_generation = self._input_generation = 0
        self._layers_runner = LatestJobRunner(self, name="inside-layers")
        self._saliency_runner = LatestJobRunner(self, name="inside-saliency")
        self._layers_runner.finished.connect(self._on_layers_job)
        self._saliency_runner.finished.connect(self._on_saliency_job)
        self._build()
        QShortcut(QKeySequence.StandardKey.Cancel, self).activated.connect(self.close)  # Esc, like a dialog

    # --- construction -------------------------------------------------------------------

    def _build(self) -> None:
        self.title = theme.named(QLabel("No model"), "caption")
        splitter = self._splitter = QSplitter()
        for widget in (*self._build_layers(), self._build_side()):
            splitter.addWidget(widget)
            splitter.setCollapsible(splitter.count() - 1, False)
        splitter.setSizes([LIST_WIDTH, MAPS_WIDTH, SIDE_WIDTH])
        for index, stretch in enumerate((0, 1, 0)):  # the activations take what the window gains
            splitter.setStretchFactor(index, stretch)
        layout = self._layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(splitter, 1)  # the title stays one line tall
        self._show_question()

    def _build_layers(self) -> tuple[QTreeWidget, QScrollArea]:
        """The layer list and, beside it, each layer's pictures (filled when a model opens)."""
        self.layer_list = QTreeWidget()
        self.layer_list.setHeaderLabels(list(LAYER_COLUMNS))
        self.layer_list.setRootIsDecorated(False)
        # Columns follow their contents whenever the font or the style changes (a dark desktop's).
        # The layer's name takes the width left, cut with "…" where it is short: the numbers stay whole.
        header = self.layer_list.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LAYER_COLUMNS.index("Layer"), QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.layer_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.layer_list.itemClicked.connect(self._on_layer_clicked)
        self.layer_list.setMinimumWidth(MIN_LIST_WIDTH)
        self._rows = QWidget()
        self._rows_layout = QVBoxLayout(self._rows)
        self.layers_scroll = QScrollArea(widgetResizable=True)
        self.layers_scroll.setWidget(self._rows)
        # Pictures shrink to the column (a smaller whole factor): it never scrolls sideways.
        self.layers_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.layers_scroll.setMinimumWidth(MIN_MAPS_WIDTH)
        self.layers_scroll.viewport().installEventFilter(self)
        self.layer_pictures: list[PictureView] = []
        self.layer_captions: list[QLabel] = []
        self.legend = self._build_legend()
        return self.layer_list, self.layers_scroll

    def _build_legend(self) -> QWidget:
        """What the colours of the activations mean: the two colour scales, each in words."""
        legend = QWidget(self._rows)
        legend.hide()  # until a model's layers are listed
        grid = QVBoxLayout(legend)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(theme.heading("COLOURS"))
        for signed, words in ((True, SIGNED_LEGEND), (False, POSITIVE_LEGEND)):
            strip = PictureView(scale=1, max_width=LEGEND_WIDTH)
            strip.set_picture(legend_strip(LEGEND_WIDTH, signed=signed).repeat(LEGEND_HEIGHT, axis=0))
            caption = theme.named(QLabel(words), "caption")
            caption.setWordWrap(True)
            grid.addWidget(strip)
            grid.addWidget(caption)
        return legend

    def _build_side(self) -> QScrollArea:
        """The side column: why this digit, the probabilities, the output scores, the filters."""
        self.overlay = PictureView(scale=OVERLAY_SCALE)
        self.bars = ConfidenceBars()
        self.bars.setToolTip("Click a digit to see which ink pushed the reading toward it.")
        self.bars.digit_clicked.connect(self.choose_digit)
        self.question = theme.named(QLabel(), "caption")
        self.versus_box = QComboBox()
        self.versus_box.addItems(["—", *(str(d) for d in range(NUM_CLASSES))])
        self.versus_box.currentIndexChanged.connect(lambda i: self.choose_versus(None if i <= 0 else i - 1))
        self.top_button = theme.named(QPushButton("Top digit"), "link")
        self.top_button.setToolTip("Explain the digit the window reads, drawing after drawing")
        self.top_button.clicked.connect(lambda: self.choose_digit(None))
        self.pin_box = QCheckBox(PIN_TEXT)
        theme.bordered(self.pin_box)
        self.pin_box.setToolTip("Off: each new drawing is explained as the digit the window reads")
        self.pin_box.setEnabled(False)  # nothing to keep until a digit is chosen
        self.pin_box.toggled.connect(lambda _: self._show_question())
        side_width = OVERLAY_SCALE * 28  # the side column's pictures are at most as wide as the overlay
        self.logits = PictureView(scale=STRIP_SCALE, max_width=side_width)
        self.logits_caption = theme.named(QLabel(), "caption")
        self.filters = PictureView(scale=PICTURE_SCALE * 2, max_width=side_width)
        self.filters_caption = theme.named(QLabel(NO_FILTERS), "caption")

        versus_row = QHBoxLayout()
        versus_row.addWidget(QLabel("and not"))
        versus_row.addWidget(self.versus_box)
        versus_row.addWidget(self.top_button)
        versus_row.addStretch()
        side = QWidget()
        column = QVBoxLayout(side)
        column.addWidget(theme.heading("WHY THIS DIGIT"))
        column.addWidget(self.overlay)
        column.addWidget(self.question)
        column.addLayout(versus_row)
        column.addWidget(self.pin_box)
        for heading, widgets in (
            ("PROBABILITIES", [self.bars]),
            ("OUTPUT SCORES", [self.logits, self.logits_caption]),
            ("FIRST-LAYER FILTERS", [self.filters, self.filters_caption]),
        ):
            column.addWidget(theme.heading(heading))
            for widget in widgets:
                column.addWidget(widget)
        column.addStretch()
        for caption in (self.question, self.logits_caption, self.filters_caption):
            caption.setWordWrap(True)  # the column is as wide as the user makes it
        # The side column scrolls too: the window never grows past the screen when a model's
        # pictures arrive (a 1366 × 768 laptop shows it whole).
        self.side_scroll = QScrollArea(widgetResizable=True)
        self.side_scroll.setWidget(side)
        # Never narrower than its pictures and the bars with their percentages: a narrow window
        # squeezes the other columns instead of hiding the percentages behind a scroll bar. The
        # three columns at their least fit 1366 × 768 at 200 % (683 px).
        margins = column.contentsMargins()
        needed = max(side_width, self.bars.minimumSizeHint().width()) + margins.left() + margins.right()
        scroll_bar = self.side_scroll.verticalScrollBar().sizeHint().width()
        self.side_scroll.setMinimumWidth(needed + scroll_bar + 2 * self.side_scroll.frameWidth())
        return self.side_scroll

    def sizeHint(self) -> QSize:
        return QSize(LIST_WIDTH + MAPS_WIDTH + SIDE_WIDTH, PREFERRED_HEIGHT)

    def minimumSizeHint(self) -> QSize:
        columns = MIN_LIST_WIDTH + MIN_MAPS_WIDTH + self.side_scroll.minimumWidth() + 2 * self._splitter.handleWidth()
        margins = self._layout.contentsMargins()
        return QSize(columns + margins.left() + margins.right(), super().minimumSizeHint().height())

    # --- public API ---------------------------------------------------------------------

    def set_classifier(self, classifier: Classifier | None) -> None:
        """Look inside ``classifier``'s model (None: no model); its layers open off the GUI thread."""
        self._model_generation += 1
        self._classifier, self._inspector, self._saliency_classifier = classifier, None, None
        self._activations = self._saliency = None
        self._set_layers(())
        self.title.setText("Opening the model…" if classifier is not None else "No model")
        if classifier is not None:
            key = _JobKey(_Job.MODEL, self._model_generation)
            self._layers_runner.submit(key, lambda: (Inspector(classifier), _saliency_model(classifier)))

    def show_drawing_input(
        self,
        image: NDArray[np.floating] | None,
        *,
        read_as: int | None = None,
        probabilities: NDArray[np.floating] | None = None,
    ) -> None:
        """The network input to look at: (28, 28) in [0, 1], or None to clear; ``read_as``: the
        digit the window reads in it (what "why" explains; None: the model's own top digit);
        ``probabilities``: the window's for it (the bars show them; None: the model's own).

        Another input than the one shown is explained as the window reads it, unless a digit
        is pinned ("Keep explaining"): a digit clicked counts for its drawing only."""
        pixels = None if image is None else np.array(image, dtype=np.float32).reshape(28, 28)
        same = pixels is not None and self._image is not None and np.array_equal(pixels, self._image)
        if not same and not self.pin_box.isChecked() and (self._digit is not None or self._versus is not None):
            self._digit = None
            self.choose_versus(None)  # follows the reading again
            self.pin_box.setEnabled(False)
        self._window_probabilities = None if probabilities is None else np.asarray(probabilities, np.float64)
        if same and read_as == self._read_as:
            self._show_bars()
            return  # the same input (a digit of the number selected again): nothing new to compute
        self._input_generation += 1
        self._read_as = read_as
        self._image = pixels
        if self._image is None:
            self._activations = self._saliency = None
            self._clear_pictures()
            return
        self._request_activations()
        self._request_saliency()

    def choose_digit(self, digit: int | None) -> None:
        """Explain ``digit`` (None: whichever digit the window reads) for this drawing, or for
        every drawing while "Keep explaining" is on."""
        self._digit = digit
        self.pin_box.setEnabled(digit is not None)
        if digit is None:
            self.pin_box.setChecked(False)
        if digit is not None and digit == self._versus:
            self.versus_box.setCurrentIndex(0)
        self.digit_chosen.emit(-1 if digit is None else digit)
        self._show_question()
        self._show_bars()
        self._request_saliency()

    def choose_versus(self, digit: int | None) -> None:
        """Contrast the digit explained with ``digit`` ("why 7 and not 1"); None: no contrast."""
        self._versus = digit
        self.versus_box.blockSignals(True)
        self.versus_box.setCurrentIndex(0 if digit is None else digit + 1)
        self.versus_box.blockSignals(False)
        self._show_question()
        self._request_saliency()

    def pinned(self) -> bool:
        """True while a chosen digit is explained for every new drawing too."""
        return self.pin_box.isChecked() and self._digit is not None

    def inspector(self) -> Inspector | None:
        return self._inspector

    def activations(self) -> Activations | None:
        """The activations on screen, or None."""
        return self._activations

    def saliency(self) -> Saliency | None:
        """The saliency map on screen, or None."""
        return self._saliency

    def shutdown(self) -> None:
        """Wait for the worker threads to finish (when the window closes)."""
        self._model_generation += 1
        self._layers_runner.shutdown()
        self._saliency_runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._request_activations()  # inputs that came while hidden were kept, not computed
        self._request_saliency()

    # --- requests -----------------------------------------------------------------------

    def _request_activations(self) -> None:
        inspector, image = self._inspector, self._image
        if inspector is not None and image is not None and self.isVisible():
            key = _JobKey(_Job.ACTIVATIONS, self._model_generation, self._input_generation)
            self._layers_runner.submit(key, lambda: _activation_pictures(inspector, image))

    def _saliency_key(self) -> _JobKey:
        return _JobKey(_Job.SALIENCY, self._model_generation, self._input_generation, self._digit, self._versus)

    def _request_saliency(self) -> None:
        classifier, image = self._saliency_classifier or self._classifier, self._image
        if classifier is None or image is None or self._inspector is None or not self.isVisible():
            return
        key, chosen, versus, read_as = self._saliency_key(), self._digit, self._versus, self._read_as

        def job() -> tuple[Saliency, NDArray[np.uint8]] | None:
            # The top digit is the one the window shows (adapted to the person's hand, if it is).
            top = read_as if read_as is not None else int(np.argmax(classifier.predict_proba(image)[0]))
            digit = chosen if chosen is not None else top
            if digit == versus:
                return None  # "why 3 and not 3": nothing to explain
            saliency = explain(classifier, image, digit, versus=versus, stop=lambda: key != self._saliency_key())
            return saliency, saliency_overlay(image, saliency.map)

        self._saliency_runner.submit(key, job)

    # --- results (GUI thread) ---------------------------------------------------------------

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, KNOWN_ERRORS):
            raise error
        self.failed.emit(str(error))

    @Slot(object, object)
    def _on_layers_job(self, key: _JobKey, result: Any) -> None:
        if key.model != self._model_generation or (key.job is _Job.ACTIVATIONS and key.input != self._input_generation):
            return  # a newer model or input was asked for meanwhile
        if isinstance(result, BaseException):
            if key.job is _Job.MODEL:
                self.title.setText("Cannot look inside this model.")
            self._failed(result)
        elif key.job is _Job.MODEL:
            inspector, self._saliency_classifier = result
            self._model_opened(inspector)
        else:
            self._show_activations(result)

    @Slot(object, object)
    def _on_saliency_job(self, key: _JobKey, result: Any) -> None:
        if key != self._saliency_key() or isinstance(result, SaliencyStopped):
            return
        if isinstance(result, BaseException):
            self._failed(result)
            return
        self._saliency, overlay = (None, None) if result is None else result
        self.overlay.set_picture(overlay)
        self._show_question()
        if self._saliency is not None:
            self.saliency_shown.emit(self._saliency)

    def _model_opened(self, inspector: Inspector) -> None:
        self._inspector = inspector
        name, count = inspector.classifier.name, len(inspector.layers)
        self.title.setText(f"{name}: {plural(count, 'layer')}, {plural(inspector.parameters, 'parameter')}")
        self._set_layers(inspector.layers)
        filters = inspector.filters
        self.filters.set_picture(None if filters is None else filters_picture(filters))
        self.filters_caption.setText(NO_FILTERS if filters is None else f"{len(filters)} kernels")
        self.model_ready.emit(inspector)
        self._request_activations()
        self._request_saliency()

    def _show_activations(self, shown: _Shown) -> None:
        self._activations = shown.activations
        for view, picture in zip(self.layer_pictures, shown.pictures, strict=True):
            view.set_picture(picture)
        self._show_bars()
        self.logits.set_picture(shown.logits)
        values = "  ".join(unbreakable(f"{d}: {v:+.2f}") for d, v in enumerate(shown.activations.scores))
        self.logits_caption.setText(f"{shown.activations.scores_kind}: {values}")
        self._show_question()
        self.activations_shown.emit(shown.activations)

    # --- display ------------------------------------------------------------------------

    def _set_layers(self, layers: tuple[Any, ...]) -> None:
        self.layer_list.clear()
        while (item := self._rows_layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None and widget is not self.legend:
                widget.deleteLater()
        self.layer_pictures, self.layer_captions = [], []
        self._rows_layout.addWidget(self.legend)
        self.legend.setVisible(bool(layers))
        for layer in layers:
            shape = "×".join(str(d) for d in layer.shape)
            row = QTreeWidgetItem([str(layer.index + 1), layer.title or layer.name, shape, f"{layer.parameters:,}"])
            for column in range(len(LAYER_COLUMNS)):
                row.setToolTip(column, _layer_tip(layer))
            self.layer_list.addTopLevelItem(row)
            caption = theme.named(
                QLabel(f"<b>{layer.index + 1}. {layer.describe()}</b><br>{layer.explanation}"), "caption"
            )
            caption.setWordWrap(True)
            caption.setToolTip(_layer_tip(layer))
            self._rows_layout.addWidget(caption)
            view = PictureView()
            view.set_max_width(self._picture_width())
            self._rows_layout.addWidget(view)
            self.layer_captions.append(caption)
            self.layer_pictures.append(view)
        self._rows_layout.addStretch()
        if not layers:
            self.filters.set_picture(None)
            self._clear_pictures()

    def _clear_pictures(self) -> None:
        for view in [*self.layer_pictures, self.overlay, self.logits]:
            view.set_picture(None)
        self.bars.set_probabilities(None)
        self.logits_caption.setText("")
        self._show_question()

    def _show_bars(self) -> None:
        """The probabilities, with the digit explained drawn as the chosen one."""
        if self._activations is None:
            self.bars.set_probabilities(None)
            return
        probabilities = self._window_probabilities
        if probabilities is None or probabilities.shape != self._activations.probabilities.shape:
            probabilities = self._activations.probabilities  # the model's own (no window reading)
        explained = self._explained_digit()
        self.bars.set_probabilities(probabilities, sure_digit=explained)

    def _explained_digit(self) -> int | None:
        """The digit "why" explains: the one chosen, else the one the window reads, else the model's top."""
        if self._digit is not None:
            return self._digit
        if self._read_as is not None:
            return self._read_as
        return self._activations.digit if self._activations is not None else None

    def _show_question(self) -> None:
        digit = self._explained_digit() if self._activations is not None or self._digit is not None else None
        if digit is None:
            self.question.setText("Draw a digit to see which ink the model relies on.")
            return
        if digit == self._versus:
            self.question.setText(f"The digit explained is {digit}: choose another one to contrast it with.")
            return
        contrast = f" and not {self._versus}" if self._versus is not None else ""
        pinned = f" (kept for new drawings: {digit} is explained whatever they read)" if self.pinned() else ""
        self.question.setText(f"Why {digit}{contrast}? Red ink pushed toward {digit}, blue ink away.{pinned}")

    def _on_layer_clicked(self, item: QTreeWidgetItem) -> None:
        """Scroll the activations down (never sideways) to the layer's caption."""
        index = self.layer_list.indexOfTopLevelItem(item)
        if 0 <= index < len(self.layer_captions):
            self.layers_scroll.verticalScrollBar().setValue(self.layer_captions[index].y())
            self.layers_scroll.horizontalScrollBar().setValue(0)

    def _picture_width(self) -> int:
        """The width the activations' pictures may take: the column's, without its margins."""
        margins = self._rows_layout.contentsMargins()
        return max(self.layers_scroll.viewport().width() - margins.left() - margins.right(), PICTURE_SCALE)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.layers_scroll.viewport() and event.type() == QEvent.Type.Resize:
            width = self._picture_width()
            for view in self.layer_pictures:
                view.set_max_width(width)
        return False


def _layer_tip(layer: Layer) -> str:
    """A layer's tooltip: what it does, and its name and operator in the model file."""
    return f"{layer.explanation}.\nIn the model file: {layer.name} ({layer.op})"
