"""Input files told by content: a JSON drawing or an image, and the files a command line names. No Qt.

:func:`load_source` opens one file (only a regular file, within the drawing file limit) and
judges it by its first bytes: a :class:`~digitcanvas.drawing.strokes.Drawing` for a JSON
drawing file, else the image's pixels. :func:`gather_files` lists what a command line names:
every file named, and in a folder the files that begin like an image or a drawing (a
folder's notes, models and collections are skipped, and counted).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.file import drawing_read_error, is_blank, looks_like_drawing, parse_drawing, read_drawing_rest
from digitcanvas.drawing.image_file import SIGNATURE_BYTES, image_signature, read_image
from digitcanvas.drawing.strokes import Drawing, DrawingReadError, EmptyInputError
from digitcanvas.util.files import NotRegularFileError, check_regular, describe_os_error, open_regular

HEAD_BYTES = 64  # enough of a file to tell a JSON drawing from an image


def load_source(path: Path) -> Drawing | NDArray[np.uint8]:
    """A file's content: a :class:`Drawing` for a JSON drawing file, else the image's pixels.

    Judged by content, reading only a regular file (a FIFO or a device is refused before it
    is opened): a file that begins with JSON, or with whitespace, is a drawing file, read
    whole within ``MAX_DRAWING_FILE_BYTES`` (a larger one is refused by its size, unread);
    any other is an image. Raises one of :data:`READ_ERRORS`, naming the file.
    """
    try:
        handle = open_regular(path)
    except OSError as e:
        raise drawing_read_error(path, e) from e
    with handle:
        try:
            head = handle.read(HEAD_BYTES)
        except OSError as e:
            raise drawing_read_error(path, e) from e
        if head and not is_blank(head) and not looks_like_drawing(head):
            return read_image(path, handle=handle)
        # JSON may begin with any run of whitespace: the whole file tells, once, in linear time.
        data = read_drawing_rest(handle, path, head)
    if is_blank(data):
        raise DrawingReadError(f"{path}: the file is empty" + (" but for whitespace" if data else ""))
    drawing = parse_drawing(data, source=path)
    if drawing.is_empty:
        raise EmptyInputError(f"{path}: the drawing is empty")
    return drawing


class Gathered(NamedTuple):
    """What a command line names: the files to read, problems with the names, and how many
    files in the folders were skipped as neither images nor drawings."""

    files: list[Path]
    problems: list[str]
    skipped: int = 0


def gather_files(inputs: Iterable[str], *, recursive: bool) -> Gathered:
    """Files named or found in the named folders (sorted), and problems with the names.

    Hidden files are skipped in folders, and so are files that begin neither like an image
    nor like a drawing (:func:`readable_kind`; counted in ``skipped``): a file named on its own
    is always read. A FIFO, device or socket is never opened, it is reported as "not a
    regular file".
    """
    files: list[Path] = []
    problems: list[str] = []
    skipped = 0
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = path.rglob("*") if recursive else path.iterdir()
            for item in sorted(p for p in found if not p.name.startswith(".")):
                if _add_file(item, files, problems, in_folder=True) and not readable_kind(files[-1]):
                    files.pop()
                    skipped += 1
        else:
            _add_file(path, files, problems, in_folder=False)
    return Gathered(files, problems, skipped)


def readable_kind(path: Path) -> bool:
    """True when the file's first bytes look like an image or a drawing file (or cannot be
    read, which reading it will report), judged as :func:`load_source` judges."""
    try:
        with open_regular(path) as handle:
            head = handle.read(max(HEAD_BYTES, SIGNATURE_BYTES))
    except OSError:
        return True
    return not head or is_blank(head) or looks_like_drawing(head) or image_signature(head) is not None


def _add_file(path: Path, files: list[Path], problems: list[str], *, in_folder: bool) -> bool:
    try:
        check_regular(path)
    except NotRegularFileError as e:
        if not (in_folder and path.is_dir()):
            problems.append(f"{path}: {e.strerror}")
        return False
    except FileNotFoundError:
        problems.append(f"{path}: " + ("a link to a missing file" if in_folder else "no such file or folder"))
        return False
    except OSError as e:
        problems.append(f"{path}: cannot read the file ({describe_os_error(e)})")
        return False
    files.append(path)
    return True
