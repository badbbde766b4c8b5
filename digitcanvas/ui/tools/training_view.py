"""The Train a Network window: the recipe on the left; the curves, the progress and the buttons on the right.

:class:`TrainingView` shows what :class:`~.training.TrainingTool` tells it (a download's
progress, each step and epoch, messages) and emits what the person asks for: Start,
Stop, Resume, Use Now and Save Model…. Which buttons act depends on the :class:`Phase`.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from digitcanvas.ui import theme
from digitcanvas.ui.widgets.recipe_editor import RecipeEditor
from digitcanvas.ui.widgets.training_curves import TrainingCurves
from digitcanvas.ui.window.layout import AreaScroll
from digitcanvas.util.enums import StrEnum

PROGRESS_STEPS = 1000  # the progress bar's resolution
EDITOR_WIDTH = 330
NOT_STARTED = "Not started"  # the progress bar's text before the first run


class Phase(StrEnum):
    IDLE = "idle"  # nothing trained yet (or the last run failed)
    PREPARING = "preparing"  # downloading or reading the data, starting the engine
    TRAINING = "training"
    PAUSED = "paused"
    FINISHED = "finished"


class TrainingView(QWidget):
    """The window; ``follow`` (on by default) makes each epoch's network the model in use."""

    start_clicked = Signal()
    stop_clicked = Signal()
    resume_clicked = Signal()
    use_now_clicked = Signal()
    save_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.editor = RecipeEditor()
        self.editor.setFixedWidth(EDITOR_WIDTH)
        # The recipe scrolls on a low screen (1366 × 768 at 150 %) rather than being squeezed,
        # its parts over each other, or the window growing off the screen.
        self.editor_scroll = AreaScroll(widgetResizable=True)
        self.editor_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.editor_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.editor_scroll.setWidget(self.editor)
        bar = self.editor_scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.editor_scroll.setFixedWidth(EDITOR_WIDTH + bar)  # room for the scroll bar where it shows
        self.curves = TrainingCurves()
        # Before a run the bar says so, disabled: an empty white box reads as a text field.
        self.progress = QProgressBar(maximum=PROGRESS_STEPS, value=0, format=NOT_STARTED)
        self.progress.setEnabled(False)
        self.status = theme.named(QLabel(), "caption")  # one line: changing it relays out nothing else
        self.message = QLabel(wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start_button = theme.named(QPushButton("&Start"), "primary")
        self.stop_button = QPushButton("S&top")
        self.resume_button = QPushButton("&Resume")
        self.use_now_button = QPushButton("&Use Now")
        self.use_now_button.setToolTip("Make the network as it is now the model in use, and go on training")
        self.save_button = QPushButton("Sa&ve Model…")
        self.follow = QCheckBox("Use the network as it learns (after every epoch)")
        theme.bordered(self.follow)
        self.follow.setChecked(True)
        self._build()
        for button, signal in (
            (self.start_button, self.start_clicked),
            (self.stop_button, self.stop_clicked),
            (self.resume_button, self.resume_clicked),
            (self.use_now_button, self.use_now_clicked),
            (self.save_button, self.save_clicked),
        ):
            button.clicked.connect(signal.emit)
        self.set_phase(Phase.IDLE, has_model=False)
        # Esc closes the window as its title bar's close does (training goes on), like every tool window.
        QShortcut(QKeySequence.StandardKey.Cancel, self).activated.connect(self.close)

    def _build(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.resume_button, self.use_now_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        right = QVBoxLayout()
        right.addWidget(theme.heading("WATCH IT LEARN"))
        right.addWidget(self.curves, 1)
        for widget in (self.progress, self.status, self.follow):
            right.addWidget(widget)
        right.addLayout(buttons)
        right.addWidget(self.message)
        body = QWidget()
        layout = QHBoxLayout(body)
        layout.addWidget(self.editor_scroll)
        layout.addLayout(right, 1)
        # Narrower than its parts' least (1366 × 768 at 200 %): the whole window scrolls, as the main one does.
        self.body_scroll = AreaScroll(widgetResizable=True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.body_scroll)

    def minimumSizeHint(self) -> QSize:
        """The least size at which nothing scrolls sideways (a window is opened at least this big,
        where the screen has it); the window itself may get smaller, and then scrolls."""
        body = self.body_scroll.widget()
        return body.minimumSizeHint() if body is not None else super().minimumSizeHint()

    def set_phase(self, phase: Phase, *, has_model: bool) -> None:
        """Enable what can act in ``phase``; ``has_model``: this training has written a model to save."""
        self.phase = phase
        busy = phase in (Phase.PREPARING, Phase.TRAINING)
        self.start_button.setText("&Start Over" if phase in (Phase.PAUSED, Phase.FINISHED) else "&Start")
        self.start_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.resume_button.setEnabled(phase == Phase.PAUSED)
        self.use_now_button.setEnabled(phase == Phase.TRAINING)
        self.save_button.setEnabled(has_model and phase in (Phase.PAUSED, Phase.FINISHED))
        self.editor.set_editable(not busy and phase != Phase.PAUSED)

    def set_start_allowed(self, allowed: bool) -> None:
        """Start needs a recipe that can be trained and the engine installed."""
        if self.phase not in (Phase.PREPARING, Phase.TRAINING):
            self.start_button.setEnabled(allowed)

    def show_progress(self, done: float, text: str) -> None:
        """``done`` of the whole run (0-1) on the bar, ``text`` under it."""
        self.progress.setEnabled(True)
        self.progress.setTextVisible(False)  # the line under it says how far
        self.progress.setValue(round(PROGRESS_STEPS * min(max(done, 0.0), 1.0)))
        self.status.setText(text)

    def show_message(self, text: str, *, problem: bool = False) -> None:
        """A line under the buttons; a ``problem`` in amber."""
        theme.named(self.message, "note_warning" if problem else "caption")
        theme.restyle(self.message)
        self.message.setText(text)
