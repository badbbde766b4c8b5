"""The app's state, without Qt: what the window shows and what the person changed.

:class:`AppState` holds the model in use (:class:`~.models.ModelChoice`), the reading shown
and the drawing it was made of, the undo :class:`~.history.History`, the collection
(:class:`~digitcanvas.collection.keeper.Keeper`) and the adaptation
(:class:`~digitcanvas.collection.hand.Adapter`). What is read is a drawing (the canvas's) or
an image opened in the window (:class:`ImageInput`, read as a number may be: its digits
outlined). It emits an :class:`~.events.Event` when
one of them changes, and says what the person should know through events too (:attr:`said`,
:attr:`failed`), so nothing here needs a widget. The window's helpers change the state; the
window and its panels listen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.collection.hand import Adapter
from digitcanvas.collection.keeper import Keeper
from digitcanvas.drawing.strokes import Drawing, DrawingFileError, EmptyInputError
from digitcanvas.model.session import ModelRunError
from digitcanvas.reading.preprocessing import ImageFormatError
from digitcanvas.reading.reader import DigitReading, Reader, Reading
from digitcanvas.state.events import Event
from digitcanvas.state.history import History
from digitcanvas.state.models import ModelChoice
from digitcanvas.state.preferences import Preferences

NOTHING_TO_UNDO = "Nothing to undo"
UNDO_FAILED = "Could not undo"
DRAW_FIRST = "Draw a digit first."


@dataclass(frozen=True, eq=False)
class ImageInput:
    """An image read in the window (opened or dropped): its pixels and its file's name."""

    pixels: NDArray[np.uint8]  # (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA, as read_image gives them
    name: str


@dataclass(frozen=True)
class Shown:
    """What the result panel shows: a ``reading`` of ``drawing`` (or of ``image``), or none and
    why (``message``; None: the panel's own hint to draw). ``stale``: the drawing has changed
    since (Live off), so the reading is shown faded, or with none yet, the hint to press Enter.
    A reading of an image has its digits' boxes in the image's pixels."""

    reading: Reading | None
    drawing: Drawing | None = None
    message: str | None = None
    stale: bool = False
    image: ImageInput | None = None


@dataclass(frozen=True)
class Notice:
    """A line for the status bar; ``long``: one worth reading twice as long."""

    text: str
    long: bool = False


@dataclass(frozen=True)
class Problem:
    """What went wrong, for a message box: its ``title``, the ``message`` and ``details``
    (a library's own text, behind "Show Details…")."""

    title: str
    message: str
    details: str = ""


class AppState:
    """The model in use, the reading shown, the undo history, the collection and the adaptation."""

    def __init__(self, preferences: Preferences) -> None:
        self.preferences = preferences
        self.models = ModelChoice(preferences)
        self.keeper = Keeper(preferences.collection_dir)
        self.adapter = Adapter(lambda: preferences.adapt)
        self.reading: Reading | None = None
        self.reading_drawing: Drawing | None = None  # what ``reading`` was made of
        self.image: ImageInput | None = None  # the image read, shown instead of a drawing
        self.selected: int | None = None  # the digit of ``reading`` whose bars are shown
        self.no_model_hint = "No model is loaded: open one"  # the window names its menu command here

        self.reading_shown: Event[Shown] = Event()
        self.digit_selected: Event[int] = Event()
        self.model_changed: Event[None] = Event()
        self.collection_changed: Event[None] = Event()  # kept drawings added, relabelled, removed
        self.history_changed: Event[None] = Event()
        self.reread: Event[bool] = Event()  # readings would differ now: read the canvas again (True: if current)
        self.said: Event[Notice] = Event()
        self.failed: Event[Problem] = Event()
        self.history = History(lambda: self.history_changed.emit(None))

    @property
    def reader(self) -> Reader | None:
        """The reader of the model in use (None before one loads)."""
        return self.models.reader

    @property
    def prediction(self) -> DigitReading | None:
        """The digit the bars explain: the only one, or the number's selected one."""
        if self.reading is None or self.selected is None:
            return None
        return self.reading.digits[self.selected]

    # --- readings -------------------------------------------------------------------------

    def read(self, drawing: Drawing) -> None:
        """Read ``drawing`` with the model in use and show the reading (or why there is none)."""
        reader = self.models.reader
        self.image = None
        if reader is None:
            self.show_idle(self.no_model_hint)
            return
        try:
            reading = reader.read_drawing(drawing)
        except EmptyInputError:
            self.show_idle()
            return
        except ModelRunError as e:  # a user's model may fail at run time on some inputs
            self.show_idle(f"The model failed on this drawing: {e}")
            self.say(f"{reader.classifier.path.name} failed: {e}")
            return
        self.reading, self.reading_drawing, self.selected = reading, drawing, reading.least_sure_index
        self.reading_shown.emit(Shown(reading, drawing))

    def read_image(self, image: ImageInput) -> bool:
        """Read ``image`` as a drawing is read (a number split into its digits, each outlined)
        and show the reading; or say why it cannot be read, and show none. True: it was read."""
        reader = self.models.reader
        if reader is None:
            self.show_idle(self.no_model_hint)
            return False
        try:
            reading = reader.read_image(image.pixels, number=True)
        except EmptyInputError:
            problem = f"No ink stands out from the paper in {image.name}."
        except ImageFormatError as e:
            problem = f"{image.name} cannot be read: {e}"
        except ModelRunError as e:
            problem = f"The model failed on {image.name}: {e}"
        else:
            self.reading, self.reading_drawing, self.selected = reading, None, reading.least_sure_index
            self.image = image
            self.reading_shown.emit(Shown(reading, None, image=image))
            return True
        self.show_idle(problem)
        self.image = image  # still on the canvas: Enter tries again, Clear takes it away
        self.say(problem)
        return False

    def read_now(self, drawing: Drawing) -> None:
        """Read what is shown now (Enter): the image opened, else ``drawing`` (the canvas's)."""
        if self.image is not None:
            self.read_image(self.image)
        elif drawing.is_empty:
            self.show_idle(DRAW_FIRST)
        else:
            self.read(drawing)

    def read_again(self, drawing: Drawing, *, only_if_current: bool) -> None:
        """Readings would differ now (another model, the adaptation refitted): read the image
        shown again, else ``drawing`` (the canvas's; ``only_if_current``: only when the reading
        shown is of it)."""
        if self.image is not None:
            self.read_image(self.image)
        elif not drawing.is_empty and (not only_if_current or self.reading_is_current(drawing)):
            self.read(drawing)

    def show_idle(self, message: str | None = None) -> None:
        """No reading: ``message`` says why (None: the hint to draw)."""
        self.reading, self.reading_drawing, self.selected, self.image = None, None, None, None
        self.reading_shown.emit(Shown(None, None, message))

    def canvas_changed(self, drawing: Drawing, *, live: bool) -> None:
        """The drawing on the canvas is now ``drawing``: read it (``live``), or show that the
        reading shown is of another drawing, or again of this one (an undo went back to it).
        A drawing takes the place of an image shown."""
        self.image = None
        if drawing.is_empty:
            self.show_idle()
        elif live:
            self.read(drawing)
        elif self.reading is not None and self.reading_is_current(drawing):
            self.reading_shown.emit(Shown(self.reading, self.reading_drawing))
        else:
            self.reading_shown.emit(Shown(self.reading, self.reading_drawing, stale=True))

    def reading_is_current(self, drawing: Drawing) -> bool:
        """True when the reading shown is of ``drawing`` (the one on the canvas now)."""
        return self.reading is not None and self.reading_drawing == drawing

    def select_digit(self, index: int) -> None:
        """Show the bars of digit ``index`` of the number read (left to right, from 0)."""
        if self.reading is not None and 0 <= index < len(self.reading.digits) and index != self.selected:
            self.selected = index
            self.digit_selected.emit(index)

    # --- changes --------------------------------------------------------------------------

    def undo(self) -> None:
        """Undo the newest change (Ctrl+Z) and say what it was."""
        if not self.history.can_undo():
            self.say(NOTHING_TO_UNDO)
            return
        try:
            message = self.history.undo()
        except (DrawingFileError, KeyError) as e:
            self.fail(UNDO_FAILED, str(e))
            message = None
        self.collection_changed.emit(None)  # a keep or a relabel may have been undone
        if message:
            self.say(message)

    # --- words for the person -----------------------------------------------------------------

    def say(self, text: str, *, long: bool = False) -> None:
        """A line for the status bar (``long``: shown twice as long)."""
        self.said.emit(Notice(text, long))

    def fail(self, title: str, message: str, details: str = "") -> None:
        """Something the person asked for could not be done: say so in a box."""
        self.failed.emit(Problem(title, message, details))
