"""Input files told by content: a JSON drawing or an image, and the files a command line names. No Qt.

:func:`load_source` opens one file (only a regular file, within the drawing file limit) and
judges it by its first bytes: a :class:`~digitcanvas.drawing.strokes.Drawing` for a JSON
drawing file, else the image's pixels. :func:`gather_files` lists what a command line names.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from digitcanvas.drawing.file import drawing_read_error, is_blank, looks_like_drawing, parse_drawing, read_drawing_rest
from digitcanvas.drawing.image_file import read_image
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


def gather_files(inputs: Iterable[str], *, recursive: bool) -> tuple[list[Path], list[str]]:
    """Files named or found in the named folders (sorted), and problems with the names.

    Hidden files are skipped in folders; a FIFO, device or socket is never opened, it is
    reported as "not a regular file".
    """
    files: list[Path] = []
    problems: list[str] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            found = path.rglob("*") if recursive else path.iterdir()
            for item in sorted(p for p in found if not p.name.startswith(".")):
                _add_file(item, files, problems, in_folder=True)
        else:
            _add_file(path, files, problems, in_folder=False)
    return files, problems


def _add_file(path: Path, files: list[Path], problems: list[str], *, in_folder: bool) -> None:
    try:
        check_regular(path)
    except NotRegularFileError as e:
        if not (in_folder and path.is_dir()):
            problems.append(f"{path}: {e.strerror}")
        return
    except FileNotFoundError:
        problems.append(f"{path}: " + ("a link to a missing file" if in_folder else "no such file or folder"))
        return
    except OSError as e:
        problems.append(f"{path}: cannot read the file ({describe_os_error(e)})")
        return
    files.append(path)
