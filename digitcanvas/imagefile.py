"""Read image files (PNG, JPEG, BMP, ...) into numpy arrays, and write 8-bit PNGs. No Qt."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

MAX_IMAGE_PIXELS = 64_000_000  # refuse decompression bombs with a clear message


class ImageFileError(ValueError):
    """An image file cannot be read; the message names the file and the reason."""


def read_image(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """The pixels of an image file: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA, uint8."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise ImageFileError(f"{path}: image is too large ({image.width}×{image.height})")
                image.load()
                if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                    converted = image.convert("RGBA")
                elif image.mode in ("L", "1", "I", "I;16", "F"):
                    converted = image.convert("L")
                else:
                    converted = image.convert("RGB")
                return np.asarray(converted, dtype=np.uint8)
    except ImageFileError:
        raise
    except UnidentifiedImageError as e:
        raise ImageFileError(f"{path}: not an image file this program can read") from e
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageFileError(f"{path}: cannot read the image ({e})") from e


def write_png(path: str | os.PathLike[str], pixels: NDArray[np.uint8]) -> None:
    from PIL import Image

    Image.fromarray(np.ascontiguousarray(pixels)).save(Path(path), format="PNG")


def image28_to_uint8(image: NDArray[np.floating]) -> NDArray[np.uint8]:
    """A (28, 28) float image in [0, 1] as uint8 0-255."""
    return np.clip(np.asarray(image) * 255.0 + 0.5, 0, 255).astype(np.uint8)
