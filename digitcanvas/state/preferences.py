"""What the app remembers between sessions, as the Qt-free state sees it.

:class:`Preferences` is the interface: the window's :class:`~digitcanvas.ui.settings.AppSettings`
implements it over ``QSettings``; :class:`MemoryPreferences` keeps the values in memory (for
the state's own tests, and anything that runs without Qt).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class Preferences(Protocol):
    """The remembered choices the state reads and changes."""

    @property
    def model_path(self) -> str | None:
        """The model the person loaded last (None: the bundled one)."""

    def set_model_path(self, path: str | os.PathLike[str] | None) -> None: ...

    @property
    def adapt(self) -> bool:
        """Model ▸ Adapt to My Handwriting."""

    def set_adapt(self, on: bool) -> None: ...

    @property
    def collection_dir(self) -> Path:
        """The collection folder."""

    def set_collection_dir(self, path: str | os.PathLike[str]) -> None: ...

    def input_setting(self, model: str | os.PathLike[str]) -> str | None:
        """The input setting remembered for the model file at ``model`` (None: none)."""

    def set_input_setting(self, model: str | os.PathLike[str], setting: str | None) -> None: ...


@dataclass
class MemoryPreferences:
    """:class:`Preferences` held in memory, forgotten when the process ends."""

    collection: Path
    model: str | None = None
    adapting: bool = True
    inputs: dict[str, str] = field(default_factory=dict)

    @property
    def model_path(self) -> str | None:
        return self.model

    def set_model_path(self, path: str | os.PathLike[str] | None) -> None:
        self.model = None if path is None else str(Path(path).resolve())

    @property
    def adapt(self) -> bool:
        return self.adapting

    def set_adapt(self, on: bool) -> None:
        self.adapting = on

    @property
    def collection_dir(self) -> Path:
        return self.collection

    def set_collection_dir(self, path: str | os.PathLike[str]) -> None:
        self.collection = Path(path)

    def input_setting(self, model: str | os.PathLike[str]) -> str | None:
        return self.inputs.get(str(Path(model).resolve()))

    def set_input_setting(self, model: str | os.PathLike[str], setting: str | None) -> None:
        key = str(Path(model).resolve())
        if setting is None:
            self.inputs.pop(key, None)
        else:
            self.inputs[key] = setting
