"""Model ▸ Input Settings…: choose how pixels are fed to the model, and see it work.

The dialog shows how the current model's input is read now (from its file, detected, or
the user's setting), offers every preset of :mod:`digitcanvas.model.conventions` and custom
values, and shows the reference-digit accuracy of the setting being edited as it
changes; one click goes back to the model's own setting (its file's, or the one detected
when it loads), which forgets a setting remembered for the file. It decides nothing itself:
:meth:`InputSettingsDialog.choice` says what the user chose and how to keep it;
:class:`InputSettingsTool` applies it and says in the status bar how the model is fed now.
The dialog opens at the size of all its contents where the screen has room; on a smaller
screen they scroll up and down (:func:`fitted_dialog_size`), OK and Cancel staying in view.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from digitcanvas.model.classifier import Classifier, InputSource
from digitcanvas.model.conventions import PRESETS, describe_scaling, format_setting, reference_digits
from digitcanvas.model.describe import describe_input
from digitcanvas.model.info import Fit, InputScaling, ModelWriteError, Normalization, write_metadata
from digitcanvas.model.session import ModelRunError
from digitcanvas.model.shapes import FIELD
from digitcanvas.state.app_state import AppState
from digitcanvas.ui import theme
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.window.geometry import SCROLL_BAR_ROOM, available_geometry, fitted_size
from digitcanvas.ui.window.layout import AreaScroll
from digitcanvas.ui.window.model_control import ModelControl
from digitcanvas.util.enums import StrEnum

CUSTOM = "custom"
REFRESH_MS = 120  # re-score the reference digits at most this often while values change
SPIN_RANGE = 1e6  # the metadata limit (digitcanvas.model.info.MAX_SCALING)
SPIN_DECIMALS = 4


class Keep(StrEnum):
    """How long the user's choice lasts."""

    SESSION = "session"  # until another model is loaded
    REMEMBER = "remember"  # remembered for this model file (settings)
    WRITE = "write"  # written into the model file's metadata


@dataclass(frozen=True)
class InputChoice:
    """The scaling chosen and how long it lasts; ``own``: the model's own setting (its file's,
    or detected as it loads), so nothing is remembered or written."""

    scaling: InputScaling
    keep: Keep
    own: bool = False


def own_scaling(classifier: Classifier) -> InputScaling | None:
    """The scaling the model gets without a setting of the person's: what its file says, or
    what was detected when it loaded; None when a setting is in use and the file says nothing
    (detection runs again when the model loads without it)."""
    if classifier.info.declares_input:
        return classifier.info.scaling
    if classifier.input_source != InputSource.CHOSEN:
        return classifier.scaling
    return None


def own_label(classifier: Classifier) -> str:
    """The button that goes back to the model's own setting, naming it where it is known."""
    own = own_scaling(classifier)
    if classifier.info.declares_input and own is not None:
        return f"Use the model file's setting ({describe_scaling(own)})"
    if own is not None:
        return f"Use the detected setting ({describe_scaling(own)})"
    return "Detect the setting again, as when the model loads"


BUNDLED_NOTE = "The bundled model's file is part of DigitCanvas: a change to it lasts for this session."


class InputSettingsDialog(QDialog):
    """Pick a preset or custom scaling for ``classifier``; live reference accuracy."""

    def __init__(self, classifier: Classifier, parent: QWidget | None = None, *, bundled: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Input Settings")
        self._classifier = classifier
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._score)

        self.current_label = QLabel(describe_input(classifier), wordWrap=True)
        self._own = own_scaling(classifier)
        self._file_says = classifier.info.declares_input  # the file's setting chosen again is the file's
        self._use_own = False  # "Use the model's own setting" clicked, the values untouched since
        self.own_button = theme.named(QPushButton(own_label(classifier)), "link")
        self.own_button.setToolTip("Forget your setting for this model: feed it as its file says, or as detected")
        self.own_button.clicked.connect(self.use_own)
        self.preset_box = QComboBox()
        for preset in PRESETS:
            self.preset_box.addItem(preset.label, preset.key)
        self.preset_box.addItem("Custom values", CUSTOM)
        self.scale_box = self._spin()
        self.mean_box = self._spin()
        self.std_box = self._spin()
        self.invert_box = QCheckBox("Black ink on white (inverted)")
        self.normalize_box = QCheckBox("Each column to unit L2 norm (tf.keras.utils.normalize)")
        self.fit_box = QComboBox()  # only for a model whose field is larger than 28×28 (LeNet-5's 32×32)
        side = classifier.layout.side
        self.fit_box.addItem(f"Pad the 28×28 digit to {side}×{side} (as LeNet-5 was trained)", Fit.PAD.value)
        self.fit_box.addItem(f"Resize the 28×28 digit to {side}×{side}", Fit.RESIZE.value)
        self.fit_box.setAccessibleName("Fit to the model's field")
        self.accuracy_label = QLabel()
        self.accuracy_label.setAccessibleName("Reference accuracy")

        self.session_button = QRadioButton("For this session only")
        self.remember_button = QRadioButton("Remember for this model file")
        self.write_button = QRadioButton("Write it into the model file (other metadata kept)")
        theme.bordered(
            self.invert_box, self.normalize_box, self.session_button, self.remember_button, self.write_button
        )
        self._keep = QButtonGroup(self)
        for button in (self.session_button, self.remember_button, self.write_button):
            self._keep.addButton(button)
        self.remember_button.setChecked(True)
        self.bundled_note = QLabel(BUNDLED_NOTE, wordWrap=True)  # why two choices are off, in view
        self.bundled_note.setVisible(bundled)
        if bundled:  # the app's own file: a change is for this session only
            self.session_button.setChecked(True)
            for button in (self.remember_button, self.write_button):
                button.setEnabled(False)
                button.setToolTip(BUNDLED_NOTE)

        form = QFormLayout()
        form.addRow("Convention", self.preset_box)
        form.addRow("Multiply [0, 1] pixels by", self.scale_box)
        form.addRow("then subtract", self.mean_box)
        form.addRow("then divide by", self.std_box)
        form.addRow("", self.invert_box)
        form.addRow("", self.normalize_box)
        if side != FIELD:
            form.addRow(f"Fit to {side}×{side}", self.fit_box)
        self.fit_box.setVisible(side != FIELD)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(QLabel(f"<b>{classifier.describe()}</b> ({classifier.path.name})"))
        layout.addWidget(self.current_label)
        layout.addWidget(self.own_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(form)
        layout.addWidget(self.accuracy_label)
        for button in (self.session_button, self.remember_button, self.write_button):
            layout.addWidget(button)
        layout.addWidget(self.bundled_note)
        layout.addStretch()
        # A small screen: the settings scroll, OK stays in view; else the dialog asks for all of them.
        scroll = AreaScroll(widgetResizable=True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(buttons)

        self._set_scaling(classifier.scaling)
        self.preset_box.currentIndexChanged.connect(self._on_preset)
        for box in (self.scale_box, self.mean_box, self.std_box):
            box.valueChanged.connect(self._on_values)
        for check in (self.invert_box, self.normalize_box):
            check.toggled.connect(self._on_values)
        self.fit_box.currentIndexChanged.connect(self._on_values)
        self._score()

    def _spin(self) -> QDoubleSpinBox:
        box = QDoubleSpinBox(decimals=SPIN_DECIMALS, minimum=-SPIN_RANGE, maximum=SPIN_RANGE)
        box.setKeyboardTracking(False)
        return box

    # --- state ----------------------------------------------------------------------

    def scaling(self) -> InputScaling:
        """The scaling the controls describe now."""
        return InputScaling(
            scale=self.scale_box.value(),
            mean=self.mean_box.value(),
            std=self.std_box.value(),
            invert=self.invert_box.isChecked(),
            normalize=Normalization.L2_COLUMNS if self.normalize_box.isChecked() else Normalization.NONE,
            fit=Fit(self.fit_box.currentData()),
        )

    def choice(self) -> InputChoice:
        keep = Keep.SESSION
        if self.remember_button.isChecked():
            keep = Keep.REMEMBER
        elif self.write_button.isChecked():
            keep = Keep.WRITE
        scaling = self.scaling()
        own = self._use_own or (self._file_says and scaling == self._own)  # pixels 0–1 again: the file's
        return InputChoice(scaling, keep, own=own)

    def use_own(self) -> None:
        """Go back to the model's own setting (the values show it where it is known)."""
        if self._own is not None:
            self._set_scaling(self._own)
        self._use_own = True
        self._refresh.start()

    def select_preset(self, key: str) -> None:
        index = self.preset_box.findData(key)
        if index < 0:
            raise KeyError(key)
        self.preset_box.setCurrentIndex(index)

    def _set_scaling(self, scaling: InputScaling) -> None:
        for box, value in ((self.scale_box, scaling.scale), (self.mean_box, scaling.mean), (self.std_box, scaling.std)):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        for check, on in (
            (self.invert_box, scaling.invert),
            (self.normalize_box, scaling.normalize != Normalization.NONE),
        ):
            check.blockSignals(True)
            check.setChecked(on)
            check.blockSignals(False)
        self.fit_box.blockSignals(True)
        self.fit_box.setCurrentIndex(self.fit_box.findData(scaling.fit.value))
        self.fit_box.blockSignals(False)
        self._sync_preset(scaling)

    def _sync_preset(self, scaling: InputScaling) -> None:
        keys = [p.key for p in PRESETS if replace(p.scaling, fit=scaling.fit) == scaling]  # the fit is its own choice
        index = self.preset_box.findData(keys[0] if keys else CUSTOM)
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentIndex(index)
        self.preset_box.blockSignals(False)

    # --- reactions --------------------------------------------------------------------

    def _on_preset(self) -> None:
        key = self.preset_box.currentData()
        if key != CUSTOM:
            preset = next(p.scaling for p in PRESETS if p.key == key)
            self._set_scaling(replace(preset, fit=Fit(self.fit_box.currentData())))
        self._use_own = False
        self._refresh.start()

    def _on_values(self) -> None:
        self._sync_preset(self.scaling())
        self._use_own = False
        self._refresh.start()

    def _score(self) -> None:
        scaling = self.scaling()
        if abs(scaling.std) < 1e-6:
            self.accuracy_label.setText("Divide by: must not be 0.")
            return
        try:
            accuracy = self._classifier.reference_accuracy(scaling)
        except ModelRunError as e:
            self.accuracy_label.setText(f"The model fails with this setting: {e}")
            return
        self.accuracy_label.setText(
            f"With {describe_scaling(scaling, self._classifier.layout.side)}: <b>{accuracy:.0%}</b> of "
            f"{len(reference_digits().labels)} reference digits read right"
        )
        self.accuracy_label.setTextFormat(Qt.TextFormat.RichText)


def fitted_dialog_size(dialog: QWidget, available: QRect) -> QSize:
    """All of ``dialog``'s content where ``available`` has room; on a screen too low for it, the
    height there is and a scroll bar's width more, so that only the height scrolls."""
    hint = dialog.sizeHint()
    size = fitted_size(hint, dialog.minimumSizeHint(), available)
    if size.height() < hint.height():
        widened = fitted_size(hint + QSize(SCROLL_BAR_ROOM, 0), dialog.minimumSizeHint(), available)
        size.setWidth(widened.width())
    return size


class InputSettingsTool:
    """Model ▸ Input Settings… for the model in use: the dialog, and its choice applied."""

    def __init__(self, state: AppState, models: ModelControl, settings: AppSettings, parent: QWidget) -> None:
        self._state = state
        self._models = models
        self._settings = settings
        self._parent = parent

    def open_dialog(self) -> InputSettingsDialog | None:
        """Open the dialog on the model in use (None: no model)."""
        classifier = self._state.models.classifier
        if classifier is None:
            return None
        dialog = InputSettingsDialog(classifier, self._parent, bundled=self._state.models.bundled)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # each opening makes a new one
        dialog.accepted.connect(lambda: self.apply(dialog.choice()))
        dialog.resize(fitted_dialog_size(dialog, available_geometry(self._parent)))
        dialog.open()
        return dialog

    def apply(self, choice: InputChoice) -> bool:
        """Use ``choice``; remember it for the file or write it into the file (the model's own:
        forget what was remembered); say how the model is fed now."""
        models = self._state.models
        classifier = models.classifier
        if classifier is None:
            return False
        path = None if models.bundled else classifier.path
        if choice.own:
            if path is not None:
                self._settings.set_input_setting(path, None)
            return self._loaded(self._models.load(path, scaling=None))
        if choice.keep is Keep.WRITE and path is not None:
            try:
                write_metadata(path, choice.scaling.to_metadata())
            except ModelWriteError as e:
                self._state.fail("Could not write into the model file", str(e))
                return False
            self._settings.set_input_setting(path, None)  # the file says it now
        elif choice.keep is Keep.REMEMBER and path is not None:
            self._settings.set_input_setting(path, format_setting(choice.scaling))
        scaling = None if choice.keep is Keep.WRITE else choice.scaling
        return self._loaded(self._models.load(path, scaling=scaling))

    def _loaded(self, done: bool) -> bool:
        """After the model is loaded again: say how it is fed now (not "Loaded the bundled model")."""
        classifier = self._state.models.classifier
        if done and classifier is not None:
            self._state.say(describe_input(classifier))
        return done
