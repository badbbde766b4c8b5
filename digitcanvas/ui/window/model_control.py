"""Which model the window reads with: at start-up, switching to another, the boxes about it.

:class:`ModelControl` loads the model named on the command line (``--model``, fed as
``--input`` says), else the one used last, else the bundled one, and switches models when
the person opens one, drops one, goes back to the bundled one or changes Input Settings.
After a switch the state's ``model_changed`` tells the window (the title, the status bar's
label, the model-input line), the tools and the collection; a model file that deserves a
second look gets a warning once. A model that cannot be used leaves the one in use and
says why in a box, with onnxruntime's own text behind "Show Details…".
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QWidget

from digitcanvas.model.classifier import Classifier, ModelLoadError
from digitcanvas.model.info import InputScaling
from digitcanvas.state.app_state import AppState
from digitcanvas.ui import dialogs
from digitcanvas.ui.settings import AppSettings

LOAD_FAILED = "Could not load the model"
WARNING_TITLE = "About the model you loaded"


class ModelControl:
    """Loads models into ``state``; ``parent`` holds the boxes; ``input_settings`` names the
    command that sets a model's input by hand (for the warning)."""

    def __init__(self, state: AppState, settings: AppSettings, parent: QWidget, *, input_settings: str) -> None:
        self._state = state
        self._settings = settings
        self._parent = parent
        self._input_settings = input_settings

    def load_startup(self, path: str | os.PathLike[str] | None, *, scaling: InputScaling | None = None) -> None:
        """The model at ``path`` (the command line's), else the one used last, else the bundled
        one. ``scaling`` (``--input``) feeds the model at ``path``, or with no ``path`` the
        bundled one, for this session: neither the setting nor that model is remembered."""
        models = self._state.models
        if path is not None:
            error = self._switch(path, scaling=scaling)
            if error is not None:
                self.use_bundled()
                using = f"Using {models.title()} (bundled) instead." if models.classifier else ""
                text, details = f"{error}\n\n{using}".strip(), error.details
                dialogs.when_shown(self._parent, lambda: self._state.fail(LOAD_FAILED, text, details))
            return
        if scaling is not None:
            self.use_bundled(remember=False, scaling=scaling)
            return
        remembered = self._settings.model_path
        if remembered and Path(remembered).is_file() and self._switch(remembered, remember=False) is None:
            return
        self._settings.set_model_path(None)
        self.use_bundled()
        if remembered:
            self._state.say(f"The model you used last ({remembered}) is gone; using the bundled model.", long=True)

    def load(
        self, path: str | os.PathLike[str] | None, *, remember: bool = True, scaling: InputScaling | None = None
    ) -> bool:
        """Load a model (None: the bundled one), fed with ``scaling`` if given (else its remembered
        setting, metadata or detection). On failure, say why and keep the old one."""
        error = self._switch(path, remember=remember, scaling=scaling)
        if error is not None:
            models = self._state.models
            kept = f"\n\nStill using {models.title()}." if models.classifier else ""  # named as in the title bar
            self._state.fail(LOAD_FAILED, f"{error}{kept}", error.details)
        return error is None

    def use_bundled(self, *, remember: bool = True, scaling: InputScaling | None = None) -> None:
        """Read with the bundled model; if even that fails with no model loaded, show "no model"."""
        if not self.load(None, remember=remember, scaling=scaling) and self._state.reader is None:
            self._state.model_changed.emit(None)

    def _switch(
        self, path: str | os.PathLike[str] | None, *, remember: bool = True, scaling: InputScaling | None = None
    ) -> ModelLoadError | None:
        """Read with the model at ``path`` (None: bundled) from now on; returns why it cannot be used."""
        if (error := self._state.models.switch(path, remember=remember, scaling=scaling)) is not None:
            return error
        self._switched((path and Path(path).name) or "the bundled model")
        return None

    def use_loaded(self, classifier: Classifier, *, remember: bool = True) -> None:
        """Read with ``classifier``, loaded already (off the window's thread: a network being trained)."""
        self._state.models.use(classifier, remember=remember)
        self._switched(classifier.path.name)

    def _switched(self, name: str) -> None:
        """Say that ``name`` is in use now (and what to know about it); read the drawing again."""
        state = self._state
        state.say(f"Loaded {name}")
        if warning := state.models.take_warning(self._input_settings):
            dialogs.when_shown(self._parent, lambda: dialogs.show_error(self._parent, WARNING_TITLE, warning))
        state.model_changed.emit(None)
        state.reread.emit(False)

    def open_dialog(self) -> None:
        """Model ▸ Open Model…"""
        if path := dialogs.ask_open_path(self._parent, self._settings, "Open Model", dialogs.MODEL_FILES):
            self.load(path)
