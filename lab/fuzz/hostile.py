"""Hostile drawing files, image files, image arrays and collection files: small corpora
for the tests and ``lab.fuzz``.

Each builder returns named cases; the tests assert that every case gives a reading or one
of the documented errors, never another exception, a hang or NaN, and the fuzzer mutates
them. The names say what each case attacks, so a failure names it. :func:`large_drawings`
and :func:`large_archives` are too large to mutate (megabytes, written once). The hostile
models are in :mod:`lab.fuzz.hostile_models`.
"""

from __future__ import annotations

import io
import json

import numpy as np

FORMAT_HEADER = '"format": "digitcanvas-drawing", "version": 1'
CANVAS = '"canvas": {"width": 640, "height": 400}'
SEVEN = [[[100, 100], [300, 100], [180, 350]]]  # a 7 in one stroke


def drawing_text(strokes: object = SEVEN, **extra: object) -> str:
    """A drawing document with ``strokes`` (any JSON) and extra top-level keys, as text."""
    document: dict[str, object] = {
        "format": "digitcanvas-drawing",
        "version": 1,
        "canvas": {"width": 640, "height": 400},
        "strokes": strokes,
    }
    document.update(extra)
    return json.dumps(document)


def _raw(strokes: str, head: str = CANVAS, tail: str = "") -> str:
    return "{" + FORMAT_HEADER + ", " + head + ', "strokes": ' + strokes + tail + "}"


def hostile_drawings() -> dict[str, bytes]:
    """Drawing files (bytes) that once crashed, hung or misled a reader, and their cousins."""
    valid = drawing_text()
    text: dict[str, str] = {
        "nested 1,000 deep": _raw("[" * 1000 + "]" * 1000),
        "nested 100,000 deep": _raw("[" * 100_000 + "]" * 100_000),
        "objects nested deep in an unknown key": _raw("[]", tail=', "x": ' + '{"a": ' * 500 + "1" + "}" * 500),
        "a 400-digit coordinate": _raw("[[[" + "9" * 400 + ", 1]]]"),
        "a 5,000-digit coordinate": _raw("[[[" + "9" * 5000 + ", 1]]]"),
        "a 5,000-digit number in an unknown key": _raw("[]", tail=', "x": ' + "7" * 5000),
        "a coordinate of 1e308": _raw("[[[1e308, 1e308], [-1e308, 5]]]"),
        "a coordinate of 1e400": _raw("[[[1e400, 1]]]"),
        "NaN": _raw("[[[NaN, 1]]]"),
        "Infinity": _raw("[[[Infinity, 1]]]"),
        "canvas 0.5 wide": _raw("[[[0.1, 0.2]]]", head='"canvas": {"width": 0.5, "height": 400}'),
        "canvas 0 wide": _raw("[[[1, 2]]]", head='"canvas": {"width": 0, "height": 400}'),
        "canvas 1 by 1": _raw("[[[0.5, 0.5], [0.9, 0.1]]]", head='"canvas": {"width": 1, "height": 1}'),
        "canvas a million wide": _raw("[[[1, 2]]]", head='"canvas": {"width": 1000000, "height": 400}'),
        "canvas true wide": _raw("[[[1, 2]]]", head='"canvas": {"width": true, "height": 400}'),
        "pen 0": drawing_text(pen_width=0),
        "pen 5,000": drawing_text(pen_width=5000),
        "pen a string": drawing_text(pen_width="wide"),
        "label 12": drawing_text(label=12),
        "label true": drawing_text(label=True),
        "version 2": valid.replace('"version": 1', '"version": 2'),
        "version a string": valid.replace('"version": 1', '"version": "1"'),
        "version a 40-digit integer": valid.replace('"version": 1', '"version": ' + "9" * 40),
        "no format": '{"version": 1, ' + CANVAS + ', "strokes": []}',
        "a top-level list": "[" + valid + "]",
        "a bare number": "12345",
        "empty": "",
        "only whitespace": " \n\t" * 1000,
        "100 KB of whitespace, then a drawing": " " * 100_000 + valid,
        "truncated": valid[: len(valid) // 2],
        "booleans as coordinates": drawing_text([[[True, False]]]),
        "strings as coordinates": drawing_text([[["1", "2"]]]),
        "a point of one number": drawing_text([[[1]]]),
        "points with pressure": drawing_text([[[1, 2, 0.5], [30, 40, 0.7]]]),
        "an empty stroke": drawing_text([[]]),
        "no strokes": drawing_text([]),
        "strokes an object": drawing_text({"a": 1}),
        "1,001 strokes": drawing_text([[[i, i]] for i in range(1001)]),
        "20,001 points": drawing_text([[[i % 640, i % 400] for i in range(20_001)]]),
        "brackets in strings": drawing_text(note="[[[[" * 100 + '"{{{{' * 100),
        "a lone surrogate escape": drawing_text(note="\ud800"),
        "control characters": valid.replace('"strokes"', '"str\\u0000okes"'),
        "duplicate keys": valid[:-1] + ', "strokes": 4}',
        "1,000 one-point strokes": drawing_text([[[i % 600, i // 600 + 5]] for i in range(1000)]),
        "a stroke of 20,000 points across the canvas": drawing_text(
            [[[(i * 37) % 640, (i * 91) % 400] for i in range(20_000)]]
        ),
    }
    cases = {name: value.encode("utf-8", "surrogatepass") for name, value in text.items()}
    cases["UTF-16 with a BOM"] = valid.encode("utf-16")
    cases["UTF-16 big-endian without a BOM"] = valid.encode("utf-16-be")
    cases["UTF-32 little-endian"] = valid.encode("utf-32-le")
    cases["UTF-8 with a BOM"] = valid.encode("utf-8-sig")
    cases["not UTF-8"] = valid.encode("utf-8").replace(b"digitcanvas-drawing", b"digitcanvas-\xff\xfe")
    cases["a brace, then binary"] = b"{" + bytes(range(256)) * 4
    cases["a brace, then NUL bytes"] = b"{" + b"\0" * 4096
    return cases


# --- images -------------------------------------------------------------------------------


def _one(size: int = 200, *, paper: float = 255, ink: float = 0, dtype: type = np.uint8) -> np.ndarray:
    """A "1": a vertical bar of ``ink`` on ``paper``."""
    image: np.ndarray = np.full((size, size), paper, dtype=dtype)
    image[size // 5 : -size // 5, size // 2 - size // 30 : size // 2 + size // 30] = ink
    return image


def _save(array: np.ndarray, fmt: str, **options: object) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels and holds almost none (a bomb's shape)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


# EXIF whose orientation (0x0112) is the text "up" (type 2, ASCII) instead of a number.
TEXT_ORIENTATION = (
    b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x02\x00\x00\x00\x04up\x00\x00\x00\x00\x00\x00"
)


def _exif(orientation: int) -> bytes:
    """EXIF holding ``orientation`` (0x0112: how a viewer turns the stored pixels)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


ONE_STEP_ABOVE_1 = float(np.nextafter(np.float32(1), np.float32(2)))  # the smallest float32 contrast
# Images that must still be read as a "1" (their ink survives the conversion to 8 bits).
INKED_IMAGES = (
    "16-bit grey ink on grey paper",
    "float TIFF in [0, 1]",
    "32-bit integer TIFF",
    "tall thin strip",
    "a float TIFF from -3e38 to 3e38",
    "a float TIFF one step wide",
)


def hostile_images() -> dict[str, bytes]:
    """Image files (bytes): deep pixel types, damaged files, bombs, odd shapes and modes."""
    from PIL import Image

    cases: dict[str, bytes] = {
        "16-bit grey ink on grey paper": _save(_one(paper=31_000, ink=30_000, dtype=np.uint16), "PNG"),
        "float TIFF in [0, 1]": _save(_one(paper=0.0, ink=1.0, dtype=np.float32), "TIFF"),
        "32-bit integer TIFF": _save(_one(paper=-5, ink=70_000, dtype=np.int32), "TIFF"),
        "tall thin strip": _save(_one(4000)[:, 1800:2200].copy(), "PNG"),
        "a float TIFF with NaN": _save(np.where(_one(dtype=np.float32) > 0, np.nan, 0).astype(np.float32), "TIFF"),
        "a float TIFF with infinity": _save(np.full((50, 50), np.inf, np.float32), "TIFF"),
        "a float TIFF of 4e37": _save(_one(paper=4e37, ink=-4e37, dtype=np.float32), "TIFF"),
        "a float TIFF from -3e38 to 3e38": _save(_one(paper=-3e38, ink=3e38, dtype=np.float32), "TIFF"),
        "a float TIFF one step wide": _save(_one(paper=1.0, ink=ONE_STEP_ABOVE_1, dtype=np.float32), "TIFF"),
        "one flat colour": _save(np.full((64, 64), 128, np.uint8), "PNG"),
        "one pixel": _save(np.zeros((1, 1), np.uint8), "PNG"),
        "a PNG claiming 100,000 × 100,000 pixels": _png_header(100_000, 100_000),
        "a PNG claiming 8,000 × 8,000 pixels": _png_header(8_000, 8_000),
        "a PNG claiming 1 × 50,000,000 pixels": _png_header(1, 50_000_000),
        "truncated PNG": _save(_one(), "PNG")[:200],
        "truncated JPEG": _save(_one(), "JPEG")[:300],
        "PNG signature only": b"\x89PNG\r\n\x1a\n",
        "random bytes": np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "fully transparent RGBA": _save(np.zeros((40, 40, 4), np.uint8), "PNG"),
        "grey with alpha": _save(np.stack([_one(), _one()], axis=-1), "PNG"),
        "1-bit": _save(_one() > 128, "PNG"),
        "CMYK JPEG": b"",
        "palette GIF with transparency": b"",
        "a 4,000 × 4,000 JPEG": _save(_one(4000), "JPEG"),
        "EPS (a PostScript program)": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n0 0 moveto stroke\n",
        "a JPEG turned by its EXIF orientation": _save(np.rot90(_one()).copy(), "JPEG", exif=_exif(6)),
        "an EXIF orientation of 99": _save(_one(), "PNG", exif=_exif(99)),
        "an EXIF orientation that is text": _save(_one(), "PNG", exif=TEXT_ORIENTATION),
        "damaged EXIF": _save(_one(), "PNG", exif=b"Exif\x00\x00MM\x00*\xff\xff\xff\xff"),
    }
    buffer = io.BytesIO()
    Image.fromarray(_one()).convert("CMYK").save(buffer, format="JPEG")
    cases["CMYK JPEG"] = buffer.getvalue()
    buffer = io.BytesIO()
    Image.fromarray(_one()).convert("P").save(buffer, format="GIF", transparency=255)
    cases["palette GIF with transparency"] = buffer.getvalue()
    return cases


def hostile_arrays() -> dict[str, np.ndarray]:
    """Image arrays handed to ``Reader.read_image`` (the library's entry point for pixels)."""
    one = _one(60, paper=0.0, ink=1.0, dtype=np.float64)
    return {
        "float with NaN": np.where(one > 0, np.nan, 0.0),
        "float with infinity": np.where(one > 0, np.inf, 0.0),
        "float around 4e37": one * 4e37,
        "float of -1e308": one * -1e308,
        "empty": np.zeros((0, 0), np.float32),
        "four-dimensional": np.zeros((2, 2, 2, 2), np.uint8),
        "complex": np.zeros((10, 10), np.complex64),
        "object": np.full((5, 5), None, dtype=object),
        "bool": one > 0,
        "two channels": np.zeros((10, 10, 2), np.uint8),
    }


# --- too large to mutate -----------------------------------------------------------------------


def large_drawings() -> dict[str, bytes]:
    """Drawing files of megabytes: leading whitespace (sniffed in quadratic time once) and
    whitespace past the drawing file limit (refused as "empty" once, after 23 s)."""
    from digitcanvas.drawing.strokes import MAX_DRAWING_FILE_BYTES

    valid = drawing_text().encode()
    return {
        "4 MB of newlines, then a drawing": b"\n" * (4 * 2**20) + valid,
        "4 MB of newlines only": b"\n" * (4 * 2**20),
        "spaces past the drawing file limit, then {}": b" " * (MAX_DRAWING_FILE_BYTES + 2**20) + b"{}",
    }


ARCHIVE_HEADER = '{"format": "digitcanvas-collection", "version": 1, "drawings": '


def _archive(drawings: str) -> bytes:
    return (ARCHIVE_HEADER + drawings + "}").encode()


def hostile_archives() -> dict[str, bytes]:
    """Collection files (``.dccollection``) that are damaged, nested, mistyped or repeat themselves."""
    one = drawing_text(label=1)
    return {
        "valid: one drawing": _archive(f"[{one}]"),
        "the same drawing 500 times": _archive("[" + ", ".join([one] * 500) + "]"),
        "500 different drawings": _archive(
            "["
            + ", ".join(drawing_text([[[i % 600, i // 600 + 5], [300, 300]]], label=i % 10) for i in range(500))
            + "]"
        ),
        "nested 100,000 deep": _archive("[" * 100_000 + "]" * 100_000),
        "a million empty arrays": _archive("[" + "[]," * 1_000_000 + "[]]"),
        "drawings a number": _archive("12"),
        "drawings of numbers": _archive("[1, 2, 3]"),
        "unlabelled drawings": _archive(f"[{drawing_text()}]"),
        "NaN in a drawing": _archive(f"[{one.replace('100', 'NaN', 1)}]"),
        "a 5,000-digit number": _archive(f"[{one.replace('100', '9' * 5000, 1)}]"),
        "version 2": _archive(f"[{one}]").replace(b'"version": 1', b'"version": 2'),
        "UTF-16": _archive(f"[{one}]").decode().encode("utf-16"),
        "not JSON": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "empty": b"",
        "truncated": _archive(f"[{one}, {one}]")[:-30],
    }


def large_archives() -> dict[str, bytes]:
    """Collection files past a collection's limits: too many drawings, too many points
    together (parsed within memory, then refused with nothing imported)."""
    from digitcanvas.collection.folder import MAX_COLLECTION_FILES, MAX_COLLECTION_POINTS
    from digitcanvas.drawing.strokes import MAX_POINTS

    tiny = drawing_text([[[1, 2]]], label=3)
    heavy = json.dumps([[i % 600, (i * 7) % 400] for i in range(MAX_POINTS)])
    heavy_drawing = drawing_text([], label=4).replace('"strokes": []', f'"strokes": [{heavy}]')
    over = MAX_COLLECTION_POINTS // MAX_POINTS + 1
    return {
        f"{MAX_COLLECTION_FILES + 1:,} drawings": _archive("[" + ", ".join([tiny] * (MAX_COLLECTION_FILES + 1)) + "]"),
        f"{over} drawings of {MAX_POINTS:,} points": _archive("[" + ", ".join([heavy_drawing] * over) + "]"),
    }
