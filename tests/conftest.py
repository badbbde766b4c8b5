"""Shared fixtures. Qt runs offscreen; no test needs the MNIST or UNIPEN files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

from lab.fuzz.linear_model import make_linear_model

if TYPE_CHECKING:  # the window fixtures import the UI when a test asks for them, not for every test
    from PySide6.QtCore import QSettings
    from pytestqt.qtbot import QtBot

    from digitcanvas.ui.window.main_window import MainWindow


@pytest.fixture
def linear_model(tmp_path: Path) -> Path:
    """A valid tiny (N, 1, 28, 28) → 10 logits model."""
    path = tmp_path / "linear.onnx"
    make_linear_model(path, layout="NCHW")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    """The window's settings for this test only, its collection in ``tmp_path / "collection"``."""
    from window_helpers import isolated_settings

    return isolated_settings(tmp_path)


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings) -> MainWindow:
    """The main window on the bundled model, shown and active (shortcuts reach it)."""
    from window_helpers import shown

    from digitcanvas.ui.window.main_window import MainWindow

    return shown(qtbot, MainWindow(settings=settings))


from hypothesis import settings as _hypothesis_settings  # noqa: E402

# In CI the property tests replay a fixed set of examples, so a red build is reproducible.
_hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")
