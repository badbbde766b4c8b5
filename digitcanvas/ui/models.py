"""Which model the window reads with: loading one, the bundled fallback, and its names.

:class:`ModelChoice` holds the :class:`~digitcanvas.reader.Reader` of the model in use
and remembers it in the settings; the window shows what it says (the title, the status
bar's label) and reports its errors.
"""

from __future__ import annotations

import os

from ..conventions import parse_setting
from ..inference import Classifier, ModelLoadError, load_classifier
from ..model_info import InputScaling
from ..reader import Reader
from .settings import AppSettings


def short_version(version: str | None) -> str:
    """A model version without its local part: "0.1.0+seed20261121" → "0.1.0"."""
    return (version or "").split("+", 1)[0]


class ModelChoice:
    """The model in use (None before one loads) and whether it is the bundled one."""

    def __init__(self, settings: AppSettings) -> None:
        self._settings = settings
        self.reader: Reader | None = None
        self.bundled = False

    @property
    def classifier(self) -> Classifier | None:
        return self.reader.classifier if self.reader is not None else None

    def switch(
        self, path: str | os.PathLike[str] | None, *, remember: bool = True, scaling: InputScaling | None = None
    ) -> str | None:
        """Use the model at ``path`` (None: the bundled one) fed with ``scaling`` (None: the setting
        remembered for that file, else its metadata or detection); returns why it cannot be used."""
        if scaling is None and path is not None and (remembered := self._settings.input_setting(path)):
            try:
                scaling = parse_setting(remembered)
            except ValueError:
                self._settings.set_input_setting(path, None)  # a setting this version cannot read
        try:
            classifier = load_classifier(path, scaling=scaling)
        except ModelLoadError as e:
            return str(e)
        self.reader = Reader(classifier)
        self.bundled = path is None
        if remember:
            self._settings.set_model_path(path)
        return None

    def title(self) -> str:
        """ "DigitCanvas CNN 0.1.0": the model's name and version, without a build suffix."""
        if self.classifier is None:
            return "no model"
        info = self.classifier.info
        return f"{info.name} {short_version(info.version)}".strip()

    def input_note(self) -> str:
        """How the model's input is read ("Input: pixels 0–255 (detected; 98 % …)"), and a word
        when its scores are independent sigmoid units that DigitCanvas normalises."""
        classifier = self.classifier
        if classifier is None:
            return ""
        note = classifier.describe_input()
        if classifier.scores_normalised:
            note += " · the model's scores were normalised to sum to 1"
        return note

    def label(self) -> tuple[str, str]:
        """The status bar's model label and its tooltip (the full version and the file)."""
        classifier = self.classifier
        if classifier is None:
            return "No model: the bundled one is missing", ""
        where = "bundled" if self.bundled else classifier.path.name
        return f"Model: {self.title()} ({where})", f"{classifier.describe()}\n{classifier.path}"
