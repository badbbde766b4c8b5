"""Pictures for slides: a layer's picture enlarged, titled and with its colour scale. No Qt.

``digitcanvas inspect --out`` writes one PNG per picture. A picture at one pixel per value
(:mod:`.pictures`) is 10 × 1 px for the probabilities and a few hundred px for a layer of
maps: each is enlarged by a whole factor until it is at least :data:`MIN_WIDTH` px wide
(square cells, sharp edges), titled above ("Layer 1 · Conv 1 · 32 filters 3×3") and, where
its colours stand for values, given the scale they follow below ("0 … 2.41", or "-1.3 … 0 …
1.3"). The probabilities are drawn as ten labelled bars with their percentages. Text is
drawn with Pillow's own font, so no font needs to be installed.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digitcanvas.explain.pictures import MAX_PICTURE_PIXELS, colourise
from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.reading.doubt import format_percent

MIN_WIDTH = 480  # px: a picture is enlarged to at least this wide (a slide's half column)
MAX_FACTOR = 48  # a 10-value strip becomes 480 × 48 px, each value a 48 px square
MAX_WIDTH = 1600  # px: wider pictures are not enlarged further
MARGIN = 16  # px around the picture and the text
TITLE_PX = 20  # font size of the title
TEXT_PX = 15  # of the labels, the scale and the subtitle
LINE_GAP = 6  # px between lines of text
SCALE_BAR = 14  # px: the height of the colour scale's gradient
BAR_CHART = (480, 300)  # px: the probabilities' chart, width × height of its plot
BACKGROUND = (20, 22, 26)  # the dark of the canvas and the maps' zero
TEXT = (236, 238, 242)
MUTED = (150, 158, 172)
BAR = (124, 135, 152)
BAR_TOP = (91, 141, 255)
LABEL_LIMIT = 32  # a strip of up to this many values gets each value's index under it


@lru_cache(maxsize=4)
def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def enlarge_factor(width: int) -> int:
    """The whole factor that makes a picture ``width`` px wide at least :data:`MIN_WIDTH`
    (within :data:`MAX_FACTOR` and :data:`MAX_WIDTH`); at least 1."""
    wanted = math.ceil(MIN_WIDTH / max(width, 1))
    return max(1, min(wanted, MAX_FACTOR, MAX_WIDTH // max(width, 1)))


def _text_height(size: int) -> int:
    return int(size * 1.3)


def scale_picture(width: int, *, signed: bool) -> NDArray[np.uint8]:
    """The colour scale a picture follows, as a gradient (SCALE_BAR, width, 3): the diverging
    map from -peak to +peak (``signed``), else the sequential one from 0 to the peak."""
    t = np.linspace(-1.0 if signed else 0.0, 1.0, max(width, 2))
    return np.repeat(colourise(t, peak=1.0, signed=signed)[None], SCALE_BAR, axis=0)


def _wrapped(text: str, size: int, width: int) -> list[str]:
    """``text`` in lines at most ``width`` px long in the font of ``size`` px (words kept whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and _font(size).getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


# Pillow's built-in font has no glyph for these: the nearest ASCII stands in.
ASCII_STAND_INS = str.maketrans({"×": "x", "−": "-", "—": "-", "–": "-", "…": "..."})


MAX_TEXT_CHARS = 300  # of a title or subtitle drawn (a model may name its layers at any length)


def _drawable(text: str) -> str:
    text = text.translate(ASCII_STAND_INS)
    return text if len(text) <= MAX_TEXT_CHARS else text[: MAX_TEXT_CHARS - 3] + "..."


def _number(value: float) -> str:
    return f"{value:.3g}"


class TooLargeError(ValueError):
    """A picture that, titled, would be over the pixels it may hold even at one pixel per value."""


def slide(
    picture: NDArray[np.uint8],
    title: str,
    *,
    subtitle: str = "",
    values: NDArray[np.floating] | None = None,
    index_labels: bool = False,
    most_pixels: int = MAX_PICTURE_PIXELS,
) -> NDArray[np.uint8]:
    """``picture`` (H, W, 3) enlarged, with ``title`` (and ``subtitle``) above and, for
    ``values`` (what its colours stand for), the colour scale below; ``index_labels``: a
    one-row strip gets each value's index under it. Returns RGB (H', W', 3) uint8 of at
    most ``most_pixels`` pixels, enlarged less where :func:`enlarge_factor` would pass them;
    raises :class:`TooLargeError` where even one pixel per value would."""
    from PIL import Image, ImageDraw

    title, subtitle = _drawable(title), _drawable(subtitle)
    lines = [(title, TITLE_PX, TEXT)]
    labels = index_labels and picture.shape[0] == 1 and picture.shape[1] <= LABEL_LIMIT
    below = (_text_height(TEXT_PX) + LINE_GAP if labels else 0) + (
        SCALE_BAR + _text_height(TEXT_PX) + 2 * LINE_GAP if values is not None else 0
    )
    factor = enlarge_factor(picture.shape[1])
    while True:
        width = picture.shape[1] * factor
        room = max(width, MIN_WIDTH)
        lines = lines[:1] + [(line, TEXT_PX, MUTED) for line in _wrapped(subtitle, TEXT_PX, room)]
        top = MARGIN + sum(_text_height(size) + LINE_GAP for _, size, _ in lines)
        text_width = max(int(_font(size).getlength(text)) for text, size, _ in lines)
        size = (max(width, text_width, MIN_WIDTH) + 2 * MARGIN, top + picture.shape[0] * factor + below + MARGIN)
        if size[0] * size[1] <= most_pixels:
            break
        if factor == 1:
            raise TooLargeError(f"{size[0]:,} × {size[1]:,} px is over {most_pixels:,} pixels")
        factor -= 1
    big = np.repeat(np.repeat(np.asarray(picture, dtype=np.uint8), factor, axis=0), factor, axis=1)
    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for text, font_size, colour in lines:
        draw.text((MARGIN, y), text, fill=colour, font=_font(font_size))
        y += _text_height(font_size) + LINE_GAP
    image.paste(Image.fromarray(big), (MARGIN, top))
    y = top + big.shape[0] + LINE_GAP
    if labels:
        for i in range(picture.shape[1]):
            centre = MARGIN + i * factor + factor / 2
            draw.text((centre, y), str(i), fill=MUTED, font=_font(TEXT_PX), anchor="ma")
        y += _text_height(TEXT_PX)
    if values is not None:
        _draw_scale(image, draw, values, (MARGIN, y), width)
    return np.asarray(image, dtype=np.uint8)


def _draw_scale(image: Any, draw: Any, values: NDArray[np.floating], at: tuple[int, int], width: int) -> None:
    """The colour scale under a picture: the gradient, then its end values (and 0 in the middle)."""
    from PIL import Image

    array = np.nan_to_num(np.asarray(values, dtype=np.float64))
    peak = float(np.abs(array).max()) if array.size else 0.0
    signed = bool(array.size) and float(array.min()) < 0
    left, y = at
    image.paste(Image.fromarray(scale_picture(width, signed=signed)), (left, y))
    y += SCALE_BAR + LINE_GAP // 2
    font = _font(TEXT_PX)
    low = _number(-peak) if signed else "0"
    draw.text((left, y), low, fill=MUTED, font=font, anchor="la")
    draw.text((left + width, y), _number(peak), fill=MUTED, font=font, anchor="ra")
    if signed:
        draw.text((left + width / 2, y), "0", fill=MUTED, font=font, anchor="ma")


def probabilities_chart(probabilities: NDArray[np.floating], title: str = "Probabilities") -> NDArray[np.uint8]:
    """Ten labelled bars, 0 to 9, each with its percentage above; the top digit's in the accent colour."""
    from PIL import Image, ImageDraw

    probs = np.nan_to_num(np.asarray(probabilities, dtype=np.float64).reshape(-1))[:NUM_CLASSES]
    plot_width, plot_height = BAR_CHART
    title_height = _text_height(TITLE_PX) + LINE_GAP
    label = _text_height(TEXT_PX) + LINE_GAP
    width, height = plot_width + 2 * MARGIN, MARGIN + title_height + label + plot_height + label + MARGIN
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, MARGIN), _drawable(title), fill=TEXT, font=_font(TITLE_PX))
    base = MARGIN + title_height + label + plot_height  # the bars stand on this line
    slot = plot_width / NUM_CLASSES
    top = int(np.argmax(probs)) if probs.size else -1
    for digit, p in enumerate(probs):
        left = MARGIN + digit * slot + slot * 0.15
        bar_height = max(round(plot_height * float(np.clip(p, 0.0, 1.0))), 1)
        colour = BAR_TOP if digit == top else BAR
        draw.rectangle((left, base - bar_height, left + slot * 0.7, base), fill=colour)
        centre = MARGIN + digit * slot + slot / 2
        draw.text(
            (centre, base - bar_height - LINE_GAP), format_percent(float(p)), fill=MUTED, font=_font(12), anchor="md"
        )
        draw.text((centre, base + LINE_GAP), str(digit), fill=TEXT, font=_font(TEXT_PX), anchor="ma")
    return np.asarray(image, dtype=np.uint8)
