"""The app's remembered settings: typed values and defaults for missing or junk entries."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from digitcanvas.ui.settings import (
    KEY_COLLECTION,
    KEY_DIR,
    KEY_GEOMETRY,
    KEY_LIVE,
    KEY_MODEL,
    KEY_PEN,
    AppSettings,
    open_store,
    settings_path,
)


@pytest.fixture
def store(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_defaults(store: QSettings) -> None:
    settings = AppSettings(store)
    assert settings.model_path is None
    assert settings.pen_width(18.0) == 18.0
    assert settings.live is True
    assert settings.last_dir == Path.home()
    assert settings.collection_dir.name == "collection"


def test_values_survive_a_new_store(store: QSettings, tmp_path: Path) -> None:
    settings = AppSettings(store)
    settings.set_model_path(tmp_path / "m.onnx")
    settings.set_pen_width(31)
    settings.set_live(False)
    settings.remember_dir(str(tmp_path / "drawings" / "seven.json"))
    settings.set_collection_dir(tmp_path / "kept")
    settings.sync()
    again = AppSettings(QSettings(store.fileName(), QSettings.Format.IniFormat))
    assert again.model_path == str((tmp_path / "m.onnx").resolve())
    assert again.pen_width(18.0) == 31
    assert again.live is False
    assert again.last_dir == tmp_path / "drawings"
    assert again.collection_dir == tmp_path / "kept"
    again.set_model_path(None)
    assert again.model_path is None


@pytest.mark.parametrize("junk", ["wide", "nan", "inf", ""])
def test_a_junk_pen_width_gives_the_default(store: QSettings, junk: str) -> None:
    store.setValue(KEY_PEN, junk)
    assert AppSettings(store).pen_width(18.0) == 18.0


@pytest.mark.parametrize(("stored", "live"), [("false", False), ("0", False), ("true", True), ("1", True)])
def test_live_as_text(store: QSettings, stored: str, live: bool) -> None:
    store.setValue(KEY_LIVE, stored)
    assert AppSettings(store).live is live


def test_the_collection_lives_in_the_data_folder_once_named(
    store: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda location: str(tmp_path / "share"))
    expected = tmp_path / "share" / "DigitCanvas" / "collection"  # not …/DigitCanvas/DigitCanvas/collection
    assert AppSettings(store).collection_dir == expected


def test_a_collection_in_the_old_doubled_folder_is_still_found(
    store: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda location: str(tmp_path / "share"))
    legacy = tmp_path / "share" / "DigitCanvas" / "DigitCanvas" / "collection"
    legacy.mkdir(parents=True)
    assert AppSettings(store).collection_dir == legacy


def test_the_window_geometry_round_trips(store: QSettings) -> None:
    settings = AppSettings(store)
    assert settings.geometry is None
    settings.set_geometry(QByteArray(b"\x01\xd9\xd0\xcb geometry"))
    settings.sync()
    again = AppSettings(QSettings(store.fileName(), QSettings.Format.IniFormat))
    assert again.geometry == QByteArray(b"\x01\xd9\xd0\xcb geometry")
    store.setValue(KEY_GEOMETRY, "junk")
    assert AppSettings(store).geometry is None


# --- hostile settings (issue #27) -----------------------------------------------------------------


@pytest.mark.parametrize("stored", [["/a", "b"], 12, "relative/kept", "", "nul\0here"])
def test_a_collection_path_that_is_not_an_absolute_path_gives_the_default(
    store: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stored: object
) -> None:
    """A list or a number became a folder relative to wherever the app was started."""
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda location: str(tmp_path / "share"))
    store.setValue(KEY_COLLECTION, stored)
    assert AppSettings(store).collection_dir == tmp_path / "share" / "DigitCanvas" / "collection"


def test_a_path_beginning_with_a_tilde_is_in_the_home_folder(
    store: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "~/mycoll" made a literal ./~/mycoll in the working folder."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    store.setValue(KEY_COLLECTION, "~/mycoll")
    store.setValue(KEY_DIR, "~")
    store.setValue(KEY_MODEL, ["not", "a", "path"])
    settings = AppSettings(store)
    assert settings.collection_dir == tmp_path / "home" / "mycoll"
    assert settings.last_dir == tmp_path / "home"
    assert settings.model_path is None


def test_without_home_the_collection_is_in_the_users_home_folder_not_at_the_root(
    store: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HOME unset Qt says "//.local/share", and the collection went to //.local/…"""
    import pwd

    monkeypatch.delenv("HOME")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda location: "//.local/share")
    home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    assert AppSettings(store).collection_dir == home / ".local" / "share" / "DigitCanvas" / "collection"
    assert AppSettings(store).last_dir == home


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The settings file's place, in ``tmp_path``."""
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda location: str(tmp_path / "config"))
    path = settings_path()
    assert path == tmp_path / "config" / "DigitCanvas" / "DigitCanvas.conf"
    path.parent.mkdir(parents=True)
    return path


@pytest.mark.parametrize("kind", ["a named pipe", "a folder"])
def test_a_settings_file_that_is_no_file_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A named pipe as the settings file hung start-up (Qt blocks opening it)."""
    path = _config(tmp_path, monkeypatch)
    if kind == "a named pipe":
        os.mkfifo(path)
    else:
        path.mkdir()
    opened = open_store()
    assert opened.problem == f"{path} is {kind}, not a settings file: your settings are not remembered this time"
    AppSettings(opened.store).set_pen_width(25)
    assert AppSettings(opened.store).pen_width(18.0) == 25  # for this session
    assert opened.stand_in is not None and opened.stand_in.exists()
    opened.close()
    assert not opened.stand_in.exists()
    assert path.is_fifo() if kind == "a named pipe" else path.is_dir()


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="QSettings keeps a file on Linux and other Unixes")
def test_a_lock_left_by_another_computer_is_removed_and_this_ones_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh .conf.lock naming another host held every save for 32 s: QLockFile cannot
    ask another computer whether its process lives, so it waits for the lock to grow stale."""
    from PySide6.QtCore import QSysInfo

    path = _config(tmp_path, monkeypatch)
    lock = path.with_name(path.name + ".lock")
    lock.write_text("4242\nDigitCanvas\nanother-computer\n")
    opened = open_store()
    assert opened.problem is None and not lock.exists()
    AppSettings(opened.store).set_pen_width(25)
    opened.close()
    assert "width=25" in path.read_text()
    lock.write_text(f"4242\nDigitCanvas\n{QSysInfo.machineHostName()}\n")  # QLockFile checks this one itself
    open_store()
    assert lock.exists()


def test_the_app_starts_with_a_named_pipe_as_its_settings_file(tmp_path: Path) -> None:
    """Start-up hung: the window never showed."""
    import subprocess

    from test_ui_app import PROBE

    (tmp_path / "DigitCanvas").mkdir()
    os.mkfifo(tmp_path / "DigitCanvas" / "DigitCanvas.conf")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("shown: DigitCanvas")
    assert "DigitCanvas.conf is a named pipe, not a settings file" in result.stderr
    assert (tmp_path / "DigitCanvas" / "DigitCanvas.conf").is_fifo()
