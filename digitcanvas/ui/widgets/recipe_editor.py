"""The recipe of a network to train: pick one of the origin notebooks' networks, or change it.

A recipe list, the layers as text (one per line, as :mod:`digitcanvas.training.layers`
reads them), the epochs, batch size, learning rate, optimiser and input convention, and
whether the person's collection joins the data. Under them, the network's parameter count
and the time per epoch measured on this computer. Every change is checked at once: a
recipe that cannot be trained says why in amber and :meth:`RecipeEditor.recipe` is None.
The editor emits ``changed``; it trains nothing itself.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from digitcanvas.model.conventions import PRESETS
from digitcanvas.training.layers import SYNTAX, LayerError, format_layers, parse_layers
from digitcanvas.training.recipes import (
    BATCH_SIZE_RANGE,
    DEFAULT_RECIPE,
    LEARNING_RATE_RANGE,
    MAX_EPOCHS,
    RECIPES,
    RECIPES_BY_KEY,
    Optimizer,
    Recipe,
    RecipeError,
)
from digitcanvas.ui import theme

OPTIMIZER_LABELS = {
    Optimizer.SGD: "SGD",
    Optimizer.MOMENTUM: "SGD with momentum",
    Optimizer.ADAM: "Adam",
    Optimizer.RMSPROP: "RMSprop",
}
LEARNING_RATE_DECIMALS = 5  # 0.00001 is the smallest step the box shows
LAYER_HELP = (
    "One layer per line: "
    + " · ".join(SYNTAX.values())
    + ". A dense layer of 10 outputs, one per digit, ends every network."
)
LAYERS_LINES = 8  # the layer box's height, in lines


class RecipeEditor(QWidget):
    """A recipe, edited: ``changed`` follows every edit; :meth:`recipe` is what would be trained."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = RECIPES_BY_KEY[DEFAULT_RECIPE]
        self._filling = False
        self._collection_count = 0
        self.recipes = QComboBox()
        for recipe in RECIPES:
            self.recipes.addItem(recipe.name, recipe.key)
        self.about = QLabel(wordWrap=True)
        self.layers = QPlainTextEdit()
        self.layers.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.layers.setFixedHeight(self.layers.fontMetrics().lineSpacing() * LAYERS_LINES + 12)
        self.layers.setAccessibleName("Layers, one per line")
        self.epochs = QSpinBox(minimum=1, maximum=MAX_EPOCHS)
        self.batch_size = QSpinBox(minimum=BATCH_SIZE_RANGE[0], maximum=BATCH_SIZE_RANGE[1])
        self.learning_rate = QDoubleSpinBox(decimals=LEARNING_RATE_DECIMALS, singleStep=0.0005)
        self.learning_rate.setRange(10**-LEARNING_RATE_DECIMALS, LEARNING_RATE_RANGE[1])
        self.optimizer = QComboBox()
        for optimizer, label in OPTIMIZER_LABELS.items():
            self.optimizer.addItem(label, str(optimizer))
        self.input = QComboBox()
        for preset in PRESETS:
            self.input.addItem(preset.label, preset.key)
        self.collection = QCheckBox("Add my collection")
        theme.bordered(self.collection)
        self.problem = theme.named(QLabel(wordWrap=True), "note_warning")
        self.summary = theme.named(QLabel(wordWrap=True), "caption")
        self._build()
        self.set_recipe(self._base)
        self.recipes.currentIndexChanged.connect(lambda _: self.set_recipe(RECIPES_BY_KEY[self.recipes.currentData()]))
        self.layers.textChanged.connect(self._edited)
        for box in (self.epochs, self.batch_size):
            box.valueChanged.connect(self._edited)
        self.learning_rate.valueChanged.connect(self._edited)
        for combo in (self.optimizer, self.input):
            combo.currentIndexChanged.connect(self._edited)
        self.collection.toggled.connect(self._edited)

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Optimiser", self.optimizer)
        form.addRow("Input", self.input)
        help_label = theme.named(QLabel(LAYER_HELP, wordWrap=True), "folder")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (
            theme.heading("RECIPE"),
            self.recipes,
            self.about,
            theme.heading("LAYERS"),
            self.layers,
            help_label,
        ):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.collection)
        layout.addWidget(self.problem)
        layout.addWidget(self.summary)
        layout.addStretch(1)

    def set_recipe(self, recipe: Recipe) -> None:
        """Show ``recipe`` in every field (its network as layer lines)."""
        self._filling = True
        self._base = RECIPES_BY_KEY.get(recipe.key, recipe)
        self.recipes.setCurrentIndex(max(0, self.recipes.findData(self._base.key)))
        self.about.setText(self._base.about)
        self.layers.setPlainText(format_layers(recipe.layers))
        self.epochs.setValue(recipe.epochs)
        self.batch_size.setValue(recipe.batch_size)
        self.learning_rate.setValue(recipe.learning_rate)
        self.optimizer.setCurrentIndex(self.optimizer.findData(str(recipe.optimizer)))
        index = self.input.findData(recipe.input)
        if index < 0:  # an input setting that is no preset (from a model's metadata)
            self.input.addItem(recipe.input, recipe.input)
            index = self.input.count() - 1
        self.input.setCurrentIndex(index)
        self._filling = False
        self._edited()

    def recipe(self) -> Recipe | None:
        """The recipe as edited, or None when it cannot be trained (:attr:`problem` says why)."""
        try:
            layers = parse_layers(self.layers.toPlainText())
            recipe = self._base.changed(
                layers=layers,
                epochs=self.epochs.value(),
                batch_size=self.batch_size.value(),
                learning_rate=self.learning_rate.value(),
                optimizer=Optimizer(self.optimizer.currentData()),
                input=str(self.input.currentData()),
            )
            recipe.check()
        except (LayerError, RecipeError) as e:
            self.problem.setText(str(e))
            return None
        self.problem.setText("")
        return recipe

    def set_collection_size(self, count: int) -> None:
        """How many labelled drawings the collection holds (none: the box is off and disabled)."""
        self._collection_count = count
        self.collection.setText(f"Add my collection ({count} drawing{'s' if count != 1 else ''})")
        self.collection.setEnabled(count > 0)
        if count == 0:
            self.collection.setChecked(False)

    def set_summary(self, text: str) -> None:
        """The line under the fields: the parameter count and the time per epoch."""
        self.summary.setText(text)

    def set_editable(self, editable: bool) -> None:
        """While a network trains, its recipe stays as it was started."""
        for widget in (
            self.recipes,
            self.layers,
            self.epochs,
            self.batch_size,
            self.learning_rate,
            self.optimizer,
            self.input,
        ):
            widget.setEnabled(editable)
        self.collection.setEnabled(editable and self._collection_count > 0)

    def _edited(self) -> None:
        if not self._filling:
            self.recipe()  # shows the problem, if any
            self.changed.emit()
