"""What the app remembers between sessions, typed, over a :class:`QSettings` store.

The model last used, the pen width, whether live classification is on, the last folder
of a file dialog, the collection folder, the window's place on the screen and the theme. Values read
back are checked: a setting that is missing or not what it should be gives the default
instead; a path must be text naming an absolute path (``~`` is the home folder), never a
folder relative to wherever the app was started.

:func:`open_store` opens the settings file the app uses, checked before Qt touches it: Qt
would block forever on a named pipe, and replace a device with a regular file when it
saves; a lock left by a QSettings on another computer (a shared home folder) would hold
every save for 30 s.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths, QSysInfo

from digitcanvas import APP_NAME
from digitcanvas.ui.theme import Scheme
from digitcanvas.util.files import describe_os_error, kind_of, read_limited

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
SETTINGS_FILE = f"{APP_NAME}/{APP_NAME}.conf"  # below the user's configuration folder, as QSettings names it
LOCK_SUFFIX = ".lock"  # QSettings's QLockFile beside the file, held only while it saves
MAX_LOCK_BYTES = 4096  # a QLockFile holds a process id, an application and a host name


class AppSettings:
    """Typed access to the app's settings in ``store``."""

    def __init__(self, store: QSettings) -> None:
        self.store = store

    @property
    def model_path(self) -> str | None:
        """The model the person loaded last (None: the bundled one)."""
        path = _absolute(self.store.value(KEY_MODEL))
        return None if path is None else str(path)

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
        return _absolute(self.store.value(KEY_DIR)) or _home()

    def remember_dir(self, path: str) -> None:
        self.store.setValue(KEY_DIR, str(Path(path).parent))

    @property
    def collection_dir(self) -> Path:
        """The collection folder: the one chosen, else ``DigitCanvas/collection`` in the user's data folder.

        Versions up to 0.1 kept it in ``DigitCanvas/DigitCanvas/collection`` (organisation and
        application folder); a collection found there is still used.
        """
        stored = _absolute(self.store.value(KEY_COLLECTION))
        if stored is not None:
            return stored
        data = user_folder(QStandardPaths.StandardLocation.GenericDataLocation, ".local", "share") / APP_NAME
        legacy = data / APP_NAME / COLLECTION_FOLDER
        current = data / COLLECTION_FOLDER
        return legacy if legacy.is_dir() and not current.exists() else current

    def set_collection_dir(self, path: str | os.PathLike[str]) -> None:
        self.store.setValue(KEY_COLLECTION, str(Path(path).expanduser().absolute()))

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
        return value if isinstance(value, str) and value else None

    def set_input_setting(self, model: str | os.PathLike[str], setting: str | None) -> None:
        if setting is None:
            self.store.remove(_input_key(model))
        else:
            self.store.setValue(_input_key(model), setting)

    def sync(self) -> None:
        self.store.sync()


def _home() -> Path:
    """The user's home folder: ``$HOME``, else (unset or not absolute) the password database's."""
    home = os.environ.get("HOME", "")
    if os.path.isabs(home) or sys.platform == "win32":
        return Path.home()
    import pwd

    return Path(pwd.getpwuid(os.getuid()).pw_dir)


def user_folder(location: QStandardPaths.StandardLocation, *under_home: str) -> Path:
    """Qt's folder for ``location``; where Qt has none it can use (``$HOME`` unset: Qt says
    ``//.local/share``) the home folder's ``under_home`` (XDG's default) instead."""
    base = QStandardPaths.writableLocation(location)
    home = os.environ.get("HOME", "")
    if base and os.path.isabs(base) and (os.path.isabs(home) or sys.platform == "win32"):
        return Path(base)
    return _home().joinpath(*under_home)


def _absolute(value: object) -> Path | None:
    """A stored path: text naming an absolute path once ``~`` is expanded, else None (a
    list, a number, or a path relative to wherever the app happens to be started)."""
    if not isinstance(value, str) or not value or "\0" in value:
        return None
    own_home = value == "~" or value.startswith("~/")
    path = _home() / value[2:] if own_home else Path(os.path.expanduser(value))  # "~user/…": the password database's
    return path if path.is_absolute() else None


@dataclass(frozen=True)
class OpenedStore:
    """The settings the app runs with: its own file, or (``problem`` says why) a stand-in
    in ``stand_in`` that is forgotten when the app ends (:meth:`close`)."""

    store: QSettings
    problem: str | None = None
    stand_in: Path | None = None

    def close(self) -> None:
        """Save what can be saved; remove the stand-in."""
        self.store.sync()
        if self.stand_in is not None:
            shutil.rmtree(self.stand_in, ignore_errors=True)


def settings_path() -> Path:
    """The file QSettings uses for the app's own settings on Linux and other Unixes."""
    return user_folder(QStandardPaths.StandardLocation.GenericConfigLocation, ".config") / SETTINGS_FILE


def open_store() -> OpenedStore:
    """The app's settings, from its file when that is a regular file (or not there yet).

    Anything else there (a named pipe, a device, a folder) is left alone and the app runs
    with a stand-in that starts empty. A lock of the file left by another computer is
    removed (this one's QLockFile checks itself). Windows and macOS keep settings in the
    registry and in property lists: Qt's own store there.
    """
    if sys.platform in ("win32", "darwin"):
        return OpenedStore(QSettings())
    path = settings_path()
    problem = _unusable(path) or _unusable(path.with_name(path.name + LOCK_SUFFIX))
    if problem is not None:
        stand_in = Path(tempfile.mkdtemp(prefix="digitcanvas-settings-"))
        store = QSettings(str(stand_in / path.name), QSettings.Format.IniFormat)
        return OpenedStore(store, f"{problem}: your settings are not remembered this time", stand_in)
    _remove_foreign_lock(path.with_name(path.name + LOCK_SUFFIX))
    return OpenedStore(QSettings(str(path), QSettings.Format.IniFormat))


def _unusable(path: Path) -> str | None:
    """Why the settings file (or its lock) at ``path`` cannot be used; None when it can."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        return f"{path}: cannot be read ({describe_os_error(e)})"
    what = kind_of(mode)
    return None if what == "a file" else f"{path} is {what}, not a settings file"


def _remove_foreign_lock(lock: Path) -> None:
    """Remove a QSettings lock that names another host: its process cannot be checked from
    here, so QLockFile would wait 30 s for it to grow stale. QSettings holds its lock only
    for the moment of a save, and saves atomically, so at worst one save of the other
    computer's is lost."""
    try:
        lines = read_limited(lock, MAX_LOCK_BYTES).decode("utf-8", "replace").splitlines()
    except OSError:
        return  # none, or one that QLockFile deals with
    host = lines[2].strip() if len(lines) > 2 else ""
    if host and host != QSysInfo.machineHostName():
        lock.unlink(missing_ok=True)


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
