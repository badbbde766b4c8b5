"""Where the window opens: where it was last time, else a size that suits the screen.

A saved place that no longer fits (another screen, another scale) is shrunk to fit and
centred. A new window gets its preferred size, or 90 % of the screen where that is
smaller, so it opens whole on a 1366 × 768 laptop and on 1920 × 1080 at 150 %.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

SCREEN_SHARE = 0.9  # of the available screen a new window may take
FRAME_ALLOWANCE = QSize(16, 40)  # the window manager's title bar and borders, roughly


def _available(window: QWidget) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def fitted_size(preferred: QSize, minimum: QSize, available: QRect) -> QSize:
    """``preferred``, at most :data:`SCREEN_SHARE` of ``available`` (frame included), at least ``minimum``."""
    width = min(preferred.width(), int(available.width() * SCREEN_SHARE) - FRAME_ALLOWANCE.width())
    height = min(preferred.height(), int(available.height() * SCREEN_SHARE) - FRAME_ALLOWANCE.height())
    return QSize(max(width, minimum.width()), max(height, minimum.height()))


def place_on_screen(window: QWidget, saved: QByteArray | None) -> None:
    """Restore ``saved`` (``QWidget.saveGeometry``) when it fits the screen; else size and centre the window."""
    available = _available(window)
    if saved is not None and window.restoreGeometry(saved):
        frame = window.frameGeometry()
        if available.contains(frame) or window.isMaximized():
            return
    size = fitted_size(window.sizeHint(), window.minimumSizeHint(), available)
    window.resize(size)
    frame = window.frameGeometry()
    extra = frame.size() - window.size() if frame.size().width() > size.width() else FRAME_ALLOWANCE
    left = available.left() + max(0, (available.width() - size.width() - extra.width()) // 2)
    top = available.top() + max(0, (available.height() - size.height() - extra.height()) // 2)
    window.move(left, top)
