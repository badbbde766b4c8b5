"""Where windows open: on the screen, whole, and the tools beside the main window.

The main window opens where it was last time, else at a size that suits the screen. A
saved place that no longer fits (another screen, another scale) is shrunk to fit and
centred. A new window gets its preferred size, or 90 % of the screen where that is
smaller (but 640 × 480 where the screen has it), so it opens whole on a 1366 × 768 laptop,
at 150 % too; at 200 % on 1366 × 768 (683 × 384 px) its parts scroll (see
:func:`.layout.scrolling`).

The inside view and Compare open beside the main window where the screen has room
(:func:`place_beside`), so one can draw and watch; the main window gives up width for them
down to :data:`SMALLEST_WINDOW`. Every other window and dialog is kept on the screen
when it is shown (:func:`keep_on_screen`): shrunk to fit, moved inside it.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLayout, QWidget

SCREEN_SHARE = 0.9  # of the available screen a new window may take
FRAME_ALLOWANCE = QSize(16, 40)  # the window manager's title bar and borders, roughly
SMALLEST_WINDOW = QSize(640, 480)  # the main window's least comfortable size: everything fits unscrolled
SIDE_GAP = 0  # px between the main window's frame and a tool's beside it
SCROLL_BAR_ROOM = 20  # px: a vertical scroll bar's width, and some
KEPT_ON_SCREEN = (Qt.WindowType.Window, Qt.WindowType.Dialog)  # not menus, tooltips or pop-ups


def available_geometry(window: QWidget) -> QRect:
    """The screen's area for windows (without panels and docks) where ``window`` is."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


_available = available_geometry


def frame_extra(window: QWidget) -> QSize:
    """What the frame adds to ``window``'s size: measured once it is shown, else :data:`FRAME_ALLOWANCE`."""
    extra = window.frameGeometry().size() - window.size()
    return extra if window.isVisible() and extra.width() > 0 else FRAME_ALLOWANCE


def fitted_size(preferred: QSize, minimum: QSize, available: QRect) -> QSize:
    """``preferred``, at most :data:`SCREEN_SHARE` of ``available`` (frame included), at least ``minimum``."""
    width = min(preferred.width(), int(available.width() * SCREEN_SHARE) - FRAME_ALLOWANCE.width())
    height = min(preferred.height(), int(available.height() * SCREEN_SHARE) - FRAME_ALLOWANCE.height())
    return QSize(max(width, minimum.width()), max(height, minimum.height()))


def fresh_hints(window: QWidget) -> None:
    """Make ``window``'s size hints the ones it will have once shown: its style sheet's padding
    and fonts applied, and its layouts measured again. Before a window is first shown, a text
    set in it (a label's longer summary) leaves its layouts' cached sizes as they were."""
    window.ensurePolished()
    for part in window.findChildren(QWidget):
        part.updateGeometry()  # the size its layout item keeps for it
    for layout in window.findChildren(QLayout):
        layout.invalidate()
    if (own := window.layout()) is not None:
        own.invalidate()


def place_on_screen(window: QWidget, saved: QByteArray | None) -> None:
    """Restore ``saved`` (``QWidget.saveGeometry``) when it fits the screen; else size and centre the window."""
    available = _available(window)
    fresh_hints(window)
    if saved is not None and window.restoreGeometry(saved):
        frame = window.frameGeometry()
        if available.contains(frame) or window.isMaximized():
            return
    # At least the size where nothing scrolls (SMALLEST_WINDOW), where the screen has it; a screen
    # too low for it scrolls up and down, and gets the scroll bar's width besides, not a sideways scroll.
    room = available.size() - FRAME_ALLOWANCE
    scrolls = room.height() < SMALLEST_WINDOW.height()
    least = window.minimumSizeHint().expandedTo(SMALLEST_WINDOW + QSize(SCROLL_BAR_ROOM if scrolls else 0, 0))
    least = least.boundedTo(room)
    size = fitted_size(window.sizeHint(), least, available)
    window.resize(size)
    frame = window.frameGeometry()
    extra = frame.size() - window.size() if frame.size().width() > size.width() else FRAME_ALLOWANCE
    left = available.left() + max(0, (available.width() - size.width() - extra.width()) // 2)
    top = available.top() + max(0, (available.height() - size.height() - extra.height()) // 2)
    window.move(left, top)


def fit_on_screen(window: QWidget, available: QRect | None = None) -> None:
    """Shrink ``window`` to ``available`` (default: its screen's), frame included, where it is
    larger, and move it so that all of it is on the screen, its title bar first."""
    area = available if available is not None else _available(window)
    extra = frame_extra(window)
    width = min(window.width(), area.width() - extra.width())
    height = min(window.height(), area.height() - extra.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(max(width, 1), max(height, 1))
    outer = window.size() + extra
    left = min(max(window.x(), area.left()), area.right() + 1 - outer.width())
    top = min(max(window.y(), area.top()), area.bottom() + 1 - outer.height())
    window.move(max(left, area.left()), max(top, area.top()))  # the title bar stays on screen


def place_beside(tool: QWidget, main: QWidget, available: QRect | None = None) -> None:
    """Open ``tool`` beside ``main`` where the screen has room for it (its preferred width,
    at least its least), right of it or else left; where neither side has room, move ``main``
    to the screen's left edge and narrow it for the tool, to half the screen or if need be
    to :data:`SMALLEST_WINDOW`'s width; where even that is too little, put the tool at the side with more room, over as
    little of ``main`` as can be."""
    area = available if available is not None else _available(main)
    extra, main_extra = frame_extra(tool), frame_extra(main)
    smallest = tool.minimumSizeHint().expandedTo(tool.minimumSize())
    preferred = tool.sizeHint() if tool.sizeHint().isValid() else tool.size()
    size = fitted_size(preferred, smallest, area)
    least = smallest.width() + extra.width()
    frame = QRect(main.pos(), main.size() + main_extra)
    right = area.right() + 1 - (frame.right() + 1) - SIDE_GAP
    left = frame.left() - area.left() - SIDE_GAP
    height = min(size.height(), area.height() - extra.height())
    top = min(max(frame.top(), area.top()), area.bottom() + 1 - (height + extra.height()))
    if max(right, left) >= least:
        width = min(size.width(), max(right, left) - extra.width())
        x = frame.right() + 1 + SIDE_GAP if right >= least else frame.left() - SIDE_GAP - width - extra.width()
        tool.resize(width, height)
        tool.move(x, top)
        return
    movable = not (main.isMaximized() or main.isFullScreen())
    # The main window keeps half the screen where the tool still fits beside it, else its least.
    for keep in (max(min(main.width(), area.width() // 2), SMALLEST_WINDOW.width()), SMALLEST_WINDOW.width()):
        room = area.width() - keep - main_extra.width()
        if movable and room >= least:  # room for both once the main window is narrower
            width = min(size.width(), room - extra.width())
            main.resize(area.width() - width - extra.width() - main_extra.width(), main.height())
            main.move(area.left(), main.y())
            tool.resize(width, height)
            tool.move(area.left() + main.width() + main_extra.width(), top)
            return
    tool.resize(size.width(), height)
    x = area.right() + 1 - (size.width() + extra.width()) if right >= left else area.left()
    tool.move(x, top)


class _OnScreen(QObject):
    """Keeps each window and dialog on the screen when it is shown (see :func:`keep_on_screen`)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Show
            and isinstance(watched, QWidget)
            and watched.isWindow()
            and watched.windowType() in KEPT_ON_SCREEN
        ):
            window = watched
            # Once shown: a dialog centres itself over its parent in its own showEvent, after this.
            QTimer.singleShot(0, window, lambda: fit_on_screen(window))
        return False


def keep_on_screen(app: QCoreApplication) -> QObject:
    """Keep every window and dialog of ``app`` on its screen when shown (message boxes, file
    dialogs and the collection browser too): a window larger than the screen is shrunk to
    it, one off it moved onto it. Returns the filter (``app.removeEventFilter`` undoes it)."""
    keeper = _OnScreen(app)
    app.installEventFilter(keeper)
    return keeper
