"""A model in words, for the window and the command line: how it is fed, and why. No Qt."""

from __future__ import annotations

from digitcanvas.model.classifier import Classifier, InputSource
from digitcanvas.model.conventions import describe_scaling


def input_description(classifier: Classifier) -> str:
    """ "pixels 0–255 (detected; 98 % on reference digits)": how the model is fed, and why."""
    label = describe_scaling(classifier.scaling, classifier.layout.side)
    detection = classifier.detection
    if classifier.input_source == InputSource.DETECTED and detection is not None:
        return f"{label} (detected; {detection.accuracy:.0%} on reference digits)"
    if classifier.input_source == InputSource.FALLBACK and detection is not None:
        return (
            f"{label} (no convention fits: best {detection.accuracy:.0%} on reference digits; "
            "the model may expect an input DigitCanvas does not know)"
        )
    source = "from the model file" if classifier.input_source == InputSource.METADATA else "your setting"
    return f"{label} ({source})"


def doubt_description(classifier: Classifier) -> str:
    """ "Not sure under 62 % confidence (fitted on the reference digits)" and the like."""
    source = "fitted on the reference digits" if classifier.doubt_fitted else "from the model file"
    if not classifier.doubt_fitted and not classifier.info.declares_doubt:
        source = "DigitCanvas's default"
    return f"Not sure under {classifier.doubt_threshold:.0%} confidence ({source})"


def describe_input(classifier: Classifier) -> str:
    """ "Input: pixels 0–255 (detected; 98 % on reference digits)" and the like."""
    return f"Input: {input_description(classifier)}"
