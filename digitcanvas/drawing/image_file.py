"""Read image files (PNG, JPEG, BMP, TIFF, ...) into 8-bit numpy arrays, and write 8-bit PNGs. No Qt.

Reading is bounded where the file enters: images over ``MAX_IMAGE_PIXELS`` are refused
before they are decoded, and larger sides than ``MAX_WORKING_SIDE`` are reduced right after
decoding (JPEGs while decoding), so every later step works on at most a few megapixels.
16-bit and floating-point images are scaled by the range their pixels actually use, so
grey ink on grey paper, or a float image in [0, 1], keeps its ink. A photo is turned the
way its EXIF orientation says, as a viewer shows it (a phone stores the sensor's pixels
and a tag saying how to turn them). EPS files are refused: they are PostScript programs,
which Pillow draws by running Ghostscript on them.
"""

from __future__ import annotations

import math
import os
import struct
import warnings
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.util.files import NotRegularFileError, describe_os_error, open_regular

MAX_IMAGE_PIXELS = 40_000_000  # width × height of an image file (a 40-megapixel photo); bombs are refused
# Longer sides are reduced to at most this right after decoding: a digit is read at 20 px
# and a number's digits stay hundreds of px tall, while 8-bit work stays a few MB.
MAX_WORKING_SIDE = 2_048
UINT8_MAX = 255
_HIGH_DEPTH_MODES = ("I", "F", "I;16", "I;16B", "I;16L", "I;16N")  # scaled by their own range
_GREY_MODES = ("L", "1")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
PROGRAM_FORMATS = ("EPS",)  # Pillow's formats drawn by running another program (Ghostscript)
EXIF_ORIENTATION = 0x0112  # the EXIF tag: how to turn the stored pixels to show them upright


class ImageFileError(ValueError):
    """An image file cannot be read; the message names the file and the reason."""


# How the common image formats begin (the first bytes of the file), for a kind word only:
# reading goes by Pillow's own detection.
IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    *((f"P{n}".encode(), "PNM") for n in range(1, 7)),  # netpbm: PBM, PGM, PPM, plain or raw
)
SIGNATURE_BYTES = 16  # enough for every signature above and WebP's


def image_kind(path: str | os.PathLike[str]) -> str | None:
    """ "PNG", "JPEG", ... when the file at ``path`` begins like an image; None when it does
    not, or cannot be read (only a regular file's first SIGNATURE_BYTES are)."""
    try:
        with open_regular(Path(path)) as handle:
            head = handle.read(SIGNATURE_BYTES)
    except OSError:  # NotRegularFileError too
        return None
    return image_signature(head)


def image_signature(head: bytes) -> str | None:
    """ "PNG", "JPEG", ... when a file's first :data:`SIGNATURE_BYTES` begin like an image."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return next((kind for signature, kind in IMAGE_SIGNATURES if head.startswith(signature)), None)


def read_image(path: str | os.PathLike[str], *, handle: IO[bytes] | None = None) -> NDArray[np.uint8]:
    """The pixels of an image file: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA, uint8.

    ``handle``: the file already open (the reader sniffs it first); else only a regular
    file is opened. At most ``MAX_WORKING_SIDE`` px on the longer side (larger images are
    box-reduced by a whole factor). Raises :class:`ImageFileError` naming the file.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with warnings.catch_warnings():
            # Pillow warns about damaged files ("Tag data larger than file") on stderr: the
            # reading or the refusal below says what matters; a bomb's warning is a refusal.
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if handle is None:
                with open_regular(path) as opened:
                    return _decode(Image.open(opened), path)
            return _decode(Image.open(handle), path)
    except ImageFileError:
        raise
    except UnidentifiedImageError as e:
        raise ImageFileError(f"{path}: not an image file this program can read") from e
    except NotRegularFileError as e:
        raise ImageFileError(f"{path}: {e.strerror}") from e
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageFileError(f"{path}: the image is too large; at most {MAX_IMAGE_PIXELS:,} pixels are read") from e
    except OSError as e:
        raise ImageFileError(f"{path}: cannot read the image ({describe_os_error(e)})") from e
    except (SyntaxError, ValueError, TypeError, IndexError, MemoryError, EOFError) as e:
        # Pillow's plugins raise these for damaged files.
        raise ImageFileError(f"{path}: cannot read the image (damaged or unsupported: {type(e).__name__})") from e


def _decode(image: Any, path: Path) -> NDArray[np.uint8]:
    with image:
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ImageFileError(
                f"{path}: the image is {width:,}×{height:,} = {width * height:,} pixels; "
                f"at most {MAX_IMAGE_PIXELS:,} are read"
            )
        if width == 0 or height == 0:
            raise ImageFileError(f"{path}: the image has no pixels")
        if image.format in PROGRAM_FORMATS:
            raise ImageFileError(
                f"{path}: {image.format} images are not read: they are programs, drawn by running "
                "Ghostscript; export it as PNG"
            )
        turn = _orientation(image)
        factor = _factor(width, height)
        if factor > 1 and image.format == "JPEG":
            # The decoder scales by 1/2, 1/4 or 1/8 itself: less time and memory than decoding it all.
            image.draft(image.mode, (math.ceil(width / factor), math.ceil(height / factor)))
        image.load()
        if image.mode in _HIGH_DEPTH_MODES:
            converted = _from_range(np.asarray(image), path)
        elif image.mode in _ALPHA_MODES or (image.mode == "P" and "transparency" in image.info):
            converted = image.convert("RGBA")
        elif image.mode in _GREY_MODES:
            converted = image.convert("L")
        else:
            converted = image.convert("RGB")
        factor = _factor(*converted.size)
        if factor > 1:
            converted = converted.reduce(factor)  # box average, in C
        if turn is not None:  # after the reduction: the same turn, on fewer pixels
            converted = converted.transpose(turn)
        return np.asarray(converted, dtype=np.uint8)


def _orientation(image: Any) -> Any:
    """The turn (a ``PIL.Image.Transpose``) that shows ``image`` upright as its EXIF
    orientation tag says; None for none, an unknown value or unreadable EXIF. The table is
    ``PIL.ImageOps.exif_transpose``'s, applied here to the reduced image."""
    from PIL import Image

    try:
        value = image.getexif().get(EXIF_ORIENTATION)
    except (OSError, ValueError, TypeError, KeyError, IndexError, SyntaxError, struct.error):
        return None  # damaged EXIF: the pixels as stored
    return {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }.get(value if isinstance(value, int) else 0)


def _factor(width: int, height: int) -> int:
    return max(1, math.ceil(max(width, height) / MAX_WORKING_SIDE))


def _from_range(values: NDArray[Any], path: Path) -> Any:
    """A 16-bit, 32-bit or float grey image as an 8-bit Pillow image, scaled so that the
    darkest pixel is 0 and the lightest 255 (Pillow's own conversion clips it instead).

    Scaled in float64 (float32 overflows on ranges like ±3e38), a band of rows at a time.
    """
    from PIL import Image

    if values.dtype.kind == "f" and not np.isfinite(values).all():
        raise ImageFileError(f"{path}: the image has pixels that are not numbers (NaN or infinity)")
    low, high = float(values.min()), float(values.max())
    span = high - low
    out = np.zeros(values.shape, dtype=np.uint8)  # one flat colour: no ink, as the reader says later
    if span > 0:
        rows = max(1, _RANGE_BAND_PIXELS // max(1, values.shape[1]))
        for top in range(0, values.shape[0], rows):
            band = (values[top : top + rows].astype(np.float64) - low) * (UINT8_MAX / span)
            out[top : top + rows] = np.clip(band + 0.5, 0, UINT8_MAX).astype(np.uint8)
    return Image.fromarray(out)


_RANGE_BAND_PIXELS = 1 << 20  # pixels scaled at a time in float64 (8 MB)


def write_png(path: str | os.PathLike[str], pixels: NDArray[np.uint8]) -> None:
    from PIL import Image

    Image.fromarray(np.ascontiguousarray(pixels)).save(Path(path), format="PNG")


def image28_to_uint8(image: NDArray[np.floating]) -> NDArray[np.uint8]:
    """A (28, 28) float image in [0, 1] as uint8 0-255."""
    return np.clip(np.asarray(image) * 255.0 + 0.5, 0, 255).astype(np.uint8)
