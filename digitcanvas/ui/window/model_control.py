"""The window's model: which one it reads with at start-up, switching to another, showing it.

:class:`ModelControl` loads the model named on the command line (``--model``, fed as
``--input`` says), else the one used last, else the bundled one, and switches models when
the person opens one, drops one, goes back to the bundled one or changes Input Settings.
After a switch it shows the model (the title, the status bar's label, the model-input
line), warns once per model file that deserves a second look, and tells the tools, the
collection and the reading on the canvas. A model that cannot be used leaves the one in use
and says why in a box, with onnxruntime's own text behind "Show Details…". What the model
is and what it is called is :class:`~.models.ModelChoice`'s business.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from digitcanvas import APP_NAME
from digitcanvas.model.classifier import ModelLoadError
from digitcanvas.model.info import InputScaling
from digitcanvas.state.models import ModelChoice
from digitcanvas.ui import dialogs
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.window.actions import menu_path

if TYPE_CHECKING:  # the window builds this object; only its type is needed here
    from digitcanvas.ui.window.main_window import MainWindow

LOAD_FAILED = "Could not load the model"
WARNING_TITLE = "About the model you loaded"


class ModelControl:
    """The model as ``window`` uses it; :attr:`choice` is the model in use."""

    def __init__(self, window: MainWindow, settings: AppSettings) -> None:
        self.window = window
        self.settings = settings
        self.choice = ModelChoice(settings)

    def load_startup(self, path: str | os.PathLike[str] | None, *, scaling: InputScaling | None = None) -> None:
        """The model at ``path`` (the command line's), else the one used last, else the bundled
        one. ``scaling`` (``--input``) feeds the model at ``path``, or with no ``path`` the
        bundled one, for this session: neither the setting nor that model is remembered."""
        window = self.window
        if path is not None:
            error = self._switch(path, scaling=scaling)
            if error is not None:
                self.use_bundled()
                using = f"Using {self.choice.title()} (bundled) instead." if self.choice.classifier else ""
                text, details = f"{error}\n\n{using}".strip(), error.details
                dialogs.when_shown(window, lambda: window.show_error(LOAD_FAILED, text, details=details))
            return
        if scaling is not None:
            self.use_bundled(remember=False, scaling=scaling)
            return
        remembered = self.settings.model_path
        if remembered and Path(remembered).is_file() and self._switch(remembered, remember=False) is None:
            return
        self.settings.set_model_path(None)
        self.use_bundled()
        if remembered:
            window.notify(f"The model you used last ({remembered}) is gone; using the bundled model.")

    def load(
        self, path: str | os.PathLike[str] | None, *, remember: bool = True, scaling: InputScaling | None = None
    ) -> bool:
        """Load a model (None: the bundled one), fed with ``scaling`` if given (else its remembered
        setting, metadata or detection). On failure, say why and keep the old one."""
        error = self._switch(path, remember=remember, scaling=scaling)
        if error is not None:
            classifier = self.choice.classifier
            kept = f"\n\nStill using {self.choice.title()}." if classifier else ""  # named as in the title bar
            self.window.show_error(LOAD_FAILED, f"{error}{kept}", details=error.details)
        return error is None

    def use_bundled(self, *, remember: bool = True, scaling: InputScaling | None = None) -> None:
        """Read with the bundled model; if even that fails with no model loaded, show "no model"."""
        if not self.load(None, remember=remember, scaling=scaling) and self.choice.reader is None:
            self.show()

    def _switch(
        self, path: str | os.PathLike[str] | None, *, remember: bool = True, scaling: InputScaling | None = None
    ) -> ModelLoadError | None:
        """Read with the model at ``path`` (None: bundled) from now on; returns why it cannot be used."""
        if (error := self.choice.switch(path, remember=remember, scaling=scaling)) is not None:
            return error
        window = self.window
        self.show()
        window.status.show(f"Loaded {(path and Path(path).name) or 'the bundled model'}")
        if warning := self.choice.take_warning(menu_path(window.ui_actions.input_settings)):
            dialogs.when_shown(window, lambda: dialogs.show_error(window, WARNING_TITLE, warning))
        window.tools.model_changed()
        if not window.canvas.is_empty():
            window.classify(window.canvas.drawing())
        window.collection.model_changed(self.choice.reader)
        window.refresh_actions()
        return None

    def show(self) -> None:
        """The model's name in the title and the status bar, how it is fed under the controls."""
        window = self.window
        window.setWindowTitle(f"{APP_NAME} — {self.choice.title()}")
        window.status.set_model(*self.choice.label())
        window.model_note.show_model(self.choice)
