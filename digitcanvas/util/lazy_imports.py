"""Heavy modules imported on first use, so the window shows before they load. No Qt.

``scipy.ndimage`` takes about a third of the app's start-up to import (0.3-0.4 s on a
2-core machine) and is needed only when the first drawing is read. Modules use
``from .lazy_imports import ndimage`` and call it as usual; :func:`warm_up` imports it on
a background thread once the window is up, so the first stroke does not wait either.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

NDIMAGE = "scipy.ndimage"


class _OnFirstUse(ModuleType):
    """A stand-in for a module that imports it when one of its names is first used."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


if TYPE_CHECKING:
    from scipy import ndimage as ndimage  # exported: modules import it from here
else:
    ndimage = _OnFirstUse(NDIMAGE)


def warm_up() -> threading.Thread:
    """Import the deferred modules on a daemon thread (returned, started)."""
    thread = threading.Thread(target=importlib.import_module, args=(NDIMAGE,), name="digitcanvas-warm-up", daemon=True)
    thread.start()
    return thread
