"""What the app remembers between sessions, typed, over a :class:`QSettings` store.

The model last used, the pen width, whether live classification is on, the last folder
of a file dialog, the collection folder, the window's place on the screen and the theme. Values read
back are checked: a setting that is missing or not what it should be gives the default
instead.
"""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from digitcanvas import APP_NAME
from digitcanvas.ui.theme import Scheme

KEY_MODEL = "model/path"
KEY_PEN = "pen/width"
KEY_LIVE = "live"
KEY_DIR = "dirs/last"
KEY_COLLECTION = "collection/path"
KEY_GEOMETRY = "window/geometry"
KEY_INPUTS = "inputs"  # group: remembered input settings, one per model file
KEY_ADAPT = "adapt"  # Model ▸ Adapt to My Handwriting
KEY_THEME = "view/theme"  # View ▸ Theme: a Scheme's value
COLLECTION_FOLDER = "collection"
FALSE_VALUES = (False, "false", "0", 0)  # how a QSettings backend may store False


class AppSettings:
    """Typed access to the app's settings in ``store``."""

    def __init__(self, store: QSettings) -> None:
        self.store = store

    @property
    def model_path(self) -> str | None:
        """The model the person loaded last (None: the bundled one)."""
        value = self.store.value(KEY_MODEL)
        return str(value) if value else None

    def set_model_path(self, path: str | os.PathLike[str] | None) -> None:
        if path is None:
            self.store.remove(KEY_MODEL)
        else:
            self.store.setValue(KEY_MODEL, str(Path(path).resolve()))

    def pen_width(self, default: float) -> float:
        return _to_float(self.store.value(KEY_PEN), default)

    def set_pen_width(self, width: int) -> None:
        self.store.setValue(KEY_PEN, width)

    @property
    def live(self) -> bool:
        return self.store.value(KEY_LIVE, True) not in FALSE_VALUES

    def set_live(self, on: bool) -> None:
        self.store.setValue(KEY_LIVE, on)

    @property
    def last_dir(self) -> Path:
        """The folder a file dialog opens in: where the last file was opened or saved."""
        return Path(str(self.store.value(KEY_DIR, str(Path.home()))))

    def remember_dir(self, path: str) -> None:
        self.store.setValue(KEY_DIR, str(Path(path).parent))

    @property
    def collection_dir(self) -> Path:
        """The collection folder: the one chosen, else ``DigitCanvas/collection`` in the user's data folder.

        Versions up to 0.1 kept it in ``DigitCanvas/DigitCanvas/collection`` (organisation and
        application folder); a collection found there is still used.
        """
        stored = self.store.value(KEY_COLLECTION)
        if stored:
            return Path(str(stored))
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
        data = Path(base) / APP_NAME if base else Path.home() / ".digitcanvas"
        legacy = data / APP_NAME / COLLECTION_FOLDER
        current = data / COLLECTION_FOLDER
        return legacy if legacy.is_dir() and not current.exists() else current

    def set_collection_dir(self, path: str | os.PathLike[str]) -> None:
        self.store.setValue(KEY_COLLECTION, str(Path(path)))

    @property
    def geometry(self) -> QByteArray | None:
        """The window's saved geometry (``QWidget.saveGeometry``), None when there is none."""
        value = self.store.value(KEY_GEOMETRY)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, geometry: QByteArray) -> None:
        self.store.setValue(KEY_GEOMETRY, geometry)

    @property
    def adapt(self) -> bool:
        return self.store.value(KEY_ADAPT, True) not in FALSE_VALUES

    def set_adapt(self, on: bool) -> None:
        self.store.setValue(KEY_ADAPT, on)

    @property
    def theme(self) -> Scheme:
        """View ▸ Theme: light, dark or the system's scheme (the default, also for an unknown value)."""
        value = str(self.store.value(KEY_THEME, Scheme.SYSTEM.value))
        return Scheme(value) if value in {s.value for s in Scheme} else Scheme.SYSTEM

    def set_theme(self, scheme: Scheme) -> None:
        self.store.setValue(KEY_THEME, scheme.value)

    def input_setting(self, model: str | os.PathLike[str]) -> str | None:
        """The input setting remembered for the model file at ``model`` (see conventions.parse_setting)."""
        value = self.store.value(_input_key(model))
        return str(value) if value else None

    def set_input_setting(self, model: str | os.PathLike[str], setting: str | None) -> None:
        if setting is None:
            self.store.remove(_input_key(model))
        else:
            self.store.setValue(_input_key(model), setting)

    def sync(self) -> None:
        self.store.sync()


def _input_key(model: str | os.PathLike[str]) -> str:
    # A hash of the resolved path: paths hold slashes, which QSettings reads as groups.
    digest = hashlib.sha1(str(Path(model).resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return f"{KEY_INPUTS}/{digest}"


def _to_float(value: object, default: float) -> float:
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return result if math.isfinite(result) else default
