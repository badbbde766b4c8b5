"""View ▸ Theme: the colours of the system's scheme, or light or dark whatever it says.

:class:`ThemeControl` keeps the choice in the settings and applies it to the whole app:
:mod:`digitcanvas.ui.theme`'s colours, its style sheet on every window (the inside view,
Compare and the dialogs too) and, for a chosen scheme, a palette to match, so Qt's own
widgets follow. With System it follows the desktop as it changes; it tells the window when
the colours changed (``changed``), for the widgets that cache what they painted.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from digitcanvas.ui import theme
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.theme import Scheme

PALETTE_EVENTS = (QEvent.Type.ApplicationPaletteChange, QEvent.Type.PaletteChange)


class ThemeControl(QObject):
    """The theme ``settings`` keep, applied to the app; ``actions``: View ▸ Theme's items by
    scheme; ``window``: the main window, whose palette changes it watches.

    Signals:
        changed(): the colours changed (widgets that cache their painting repaint).
    """

    changed = Signal()

    def __init__(self, settings: AppSettings, window: QWidget, actions: dict[Scheme, QAction]) -> None:
        super().__init__(window)
        self._settings = settings
        self._actions = actions
        self._system_palette: QPalette | None = None  # the desktop's, while a chosen scheme's is set
        self._applying = False  # setting the palette sends palette events: they are ours
        group = QActionGroup(self)
        for scheme, action in actions.items():
            group.addAction(action)
            action.triggered.connect(lambda _=False, chosen=scheme: self.choose(chosen))
        window.installEventFilter(self)
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _: self.apply())
        self.apply()

    @property
    def scheme(self) -> Scheme:
        return self._settings.theme

    def choose(self, scheme: Scheme) -> None:
        """Use ``scheme`` from now on (and next time)."""
        self._settings.set_theme(scheme)
        self.apply()

    def apply(self) -> None:
        """Colour the app as the settings say: the system's scheme, or the one chosen."""
        if self._applying:
            return
        self._applying = True
        try:
            before = theme.colours()
            app = QApplication.instance()
            if self.scheme is Scheme.SYSTEM:
                if self._system_palette is not None:  # back from a chosen scheme: the desktop's palette again
                    QApplication.setPalette(self._system_palette)
                    self._system_palette = None
                theme.follow_system()
            else:
                if self._system_palette is None:
                    self._system_palette = QApplication.palette()
                theme.use(theme.DARK if self.scheme is Scheme.DARK else theme.LIGHT)
                QApplication.setPalette(theme.palette(theme.colours()))
            self._actions[self.scheme].setChecked(True)
            if isinstance(app, QApplication) and (theme.colours() is not before or not app.styleSheet()):
                app.setStyleSheet(theme.style_sheet())
                self.changed.emit()
        finally:
            self._applying = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in PALETTE_EVENTS and self.scheme is Scheme.SYSTEM:
            self.apply()  # the desktop changed its scheme
        return False
