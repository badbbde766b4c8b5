"""The model in use: loading one, the bundled fallback, and its names. No Qt.

:class:`ModelChoice` holds the :class:`~digitcanvas.reading.reader.Reader` of the model in use
and remembers it in the preferences, feeding a model file as Input Settings remembered for it
(:func:`remembered_scaling`, which comparing with a second model uses too). The window
shows what it says (the title, the status bar's label, the model-input line, a warning
once per model file that deserves one).
"""

from __future__ import annotations

import os
from pathlib import Path

from digitcanvas.model.classifier import Classifier, InputSource, ModelLoadError, load_classifier
from digitcanvas.model.conventions import describe_scaling, parse_setting, reference_digits
from digitcanvas.model.describe import input_description
from digitcanvas.model.info import InputScaling
from digitcanvas.reading.reader import Reader
from digitcanvas.state.preferences import Preferences


def short_version(version: str | None) -> str:
    """A model version without its local part: "0.1.0+seed20261121" → "0.1.0"."""
    return (version or "").split("+", 1)[0]


def remembered_scaling(settings: Preferences, path: str | os.PathLike[str]) -> InputScaling | None:
    """The input setting remembered for the model file at ``path`` (Input Settings' "Remember"),
    None when there is none; one this version cannot read is forgotten."""
    if remembered := settings.input_setting(path):
        try:
            return parse_setting(remembered)
        except ValueError:
            settings.set_input_setting(path, None)
    return None


class ModelChoice:
    """The model in use (None before one loads) and whether it is the bundled one."""

    def __init__(self, settings: Preferences) -> None:
        self._settings = settings
        self.reader: Reader | None = None
        self.bundled = False
        self._warned: set[Path] = set()  # model files warned about in this session

    @property
    def classifier(self) -> Classifier | None:
        return self.reader.classifier if self.reader is not None else None

    def switch(
        self, path: str | os.PathLike[str] | None, *, remember: bool = True, scaling: InputScaling | None = None
    ) -> ModelLoadError | None:
        """Use the model at ``path`` (None: the bundled one) fed with ``scaling`` (None: the setting
        remembered for that file, else its metadata or detection); returns why it cannot be used
        (its ``details``: onnxruntime's own text, for an error box's details)."""
        if scaling is None and path is not None:
            scaling = remembered_scaling(self._settings, path)
        try:
            classifier = load_classifier(path, scaling=scaling)
        except ModelLoadError as e:
            return e
        self.use(classifier, bundled=path is None, remember=remember)
        return None

    def use(self, classifier: Classifier, *, bundled: bool = False, remember: bool = True) -> None:
        """Use ``classifier``, loaded already (a model being trained is loaded off the window's thread)."""
        self.reader = Reader(classifier)
        self.bundled = bundled
        if remember:
            self._settings.set_model_path(None if bundled else classifier.path)

    def title(self) -> str:
        """ "DigitCanvas CNN 0.1.0": the model's name and version, without a build suffix."""
        if self.classifier is None:
            return "no model"
        info = self.classifier.info
        return f"{info.name} {short_version(info.version)}".strip()

    def input_note(self) -> str:
        """How the model's input is read ("pixels 0–255 (detected; 98 % on reference digits)"),
        and a word when its scores are independent sigmoid units that DigitCanvas normalises."""
        classifier = self.classifier
        if classifier is None:
            return ""
        note = input_description(classifier)
        if classifier.scores_normalised:
            note += " · its scores are normalised to sum to 1"
        return note

    def needs_a_look(self) -> bool:
        """True when no input convention fitted the model, or its scores had to be normalised."""
        return self.classifier is not None and self.classifier.needs_a_look

    def take_warning(self, input_settings: str) -> str | None:
        """What to tell the person about the model just loaded, once per model file and session
        (None: nothing, or already told); ``input_settings`` names the command that helps."""
        classifier = self.classifier
        if classifier is None or not self.needs_a_look() or classifier.path.resolve() in self._warned:
            return None
        self._warned.add(classifier.path.resolve())
        name, parts = classifier.path.name, []
        if classifier.input_source == InputSource.FALLBACK and (detection := classifier.detection) is not None:
            parts.append(
                f"No input convention DigitCanvas knows works well with {name}: tried on "
                f"{len(reference_digits().labels)} reference digits, the best ({detection.preset.label}) reads "
                f"{detection.accuracy:.0%} of them right. DigitCanvas feeds it "
                f"{describe_scaling(classifier.scaling)} for now, but the model may expect its pixels in a way "
                f"DigitCanvas does not know, so its readings may be wrong. {input_settings} sets the input by hand."
            )
        if classifier.scores_normalised:
            parts.append(
                f"{name}'s ten scores are not probabilities (they do not sum to 1: independent sigmoid "
                "outputs). DigitCanvas divides them by their sum, so the percentages shown are shares of "
                "the scores, not probabilities the model gave."
            )
        return "\n\n".join(parts)

    def label(self) -> tuple[str, str]:
        """The status bar's model label and its tooltip (the full version and the file)."""
        classifier = self.classifier
        if classifier is None:
            return "No model: the bundled one is missing", ""
        where = "bundled" if self.bundled else classifier.path.name
        return f"Model: {self.title()} ({where})", f"{classifier.describe()}\n{classifier.path}"
