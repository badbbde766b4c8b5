"""The app's remembered settings: typed values and defaults for missing or junk entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from digitcanvas.ui.settings import KEY_GEOMETRY, KEY_LIVE, KEY_PEN, AppSettings


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
