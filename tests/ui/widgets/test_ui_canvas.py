"""The drawing canvas on its own: strokes from real mouse events, signals, geometry, paint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from qt_helpers import draw_stroke, ellipse, line, release, to_widget

from digitcanvas.drawing.strokes import Drawing
from digitcanvas.ui import theme
from digitcanvas.ui.widgets.canvas import DOCUMENT_SIZE, DrawingCanvas
from digitcanvas.ui.widgets.ink import render_drawing


@pytest.fixture
def canvas(qtbot: QtBot) -> DrawingCanvas:
    widget = DrawingCanvas()
    qtbot.addWidget(widget)
    widget.resize(*DOCUMENT_SIZE)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_starts_empty(canvas: DrawingCanvas) -> None:
    assert canvas.is_empty() and canvas.stroke_count() == 0
    drawing = canvas.drawing()
    assert drawing.is_empty and (drawing.width, drawing.height) == (640, 400)


def test_moving_with_the_button_down_emits_progress_only(canvas: DrawingCanvas, qtbot: QtBot) -> None:
    with qtbot.waitSignal(canvas.stroke_progress, timeout=1000), qtbot.assertNotEmitted(canvas.strokes_changed):
        draw_stroke(canvas, line((100, 100), (300, 300), n=10), release=False)
    assert canvas.stroke_count() == 0  # still drawing


def test_press_move_release_records_the_stroke(canvas: DrawingCanvas, qtbot: QtBot) -> None:
    with qtbot.waitSignal(canvas.strokes_changed, timeout=1000):
        draw_stroke(canvas, line((100, 100), (300, 300), n=10))
    (stroke,) = canvas.drawing().strokes
    assert len(stroke) == 10
    np.testing.assert_allclose(stroke[0], [100, 100], atol=1)
    np.testing.assert_allclose(stroke[-1], [300, 300], atol=1)


def test_the_stroke_in_progress_is_only_in_the_live_drawing(canvas: DrawingCanvas) -> None:
    draw_stroke(canvas, line((50, 50), (50, 250)))
    draw_stroke(canvas, line((400, 50), (400, 250)), release=False)
    assert len(canvas.drawing().strokes) == 1
    live = canvas.drawing(include_current=True)
    assert len(live.strokes) == 2
    np.testing.assert_allclose(live.strokes[1][0], [400, 50], atol=1)


def test_letterboxed_when_the_widget_is_not_the_document_shape(canvas: DrawingCanvas, qtbot: QtBot) -> None:
    canvas.resize(1280, 1000)  # scale 2; 100 px bars above and below
    qtbot.wait(10)
    assert to_widget(canvas, 0, 0).toPoint() == QPoint(0, 100)
    draw_stroke(canvas, line((320, 200), (330, 210), n=5))
    np.testing.assert_allclose(canvas.drawing().strokes[0][0], [320, 200], atol=0.01)


def test_points_are_rounded_to_hundredths(canvas: DrawingCanvas) -> None:
    draw_stroke(canvas, [(10.123456, 20.98765), (300.004, 200.0)])
    np.testing.assert_allclose(canvas.drawing().strokes[0], [[10.12, 20.99], [300.0, 200.0]])


def test_a_stroke_that_leaves_the_paper_ends_at_its_edge_and_starts_again_where_it_comes_back(
    canvas: DrawingCanvas, qtbot: QtBot
) -> None:
    with qtbot.waitSignals([canvas.stroke_finished, canvas.stroke_finished], timeout=1000):
        draw_stroke(canvas, [(100, 200), (300, 200), (700, 200), (800, 100), (500, 100), (400, 100)])
    first, second = canvas.drawing().strokes
    np.testing.assert_allclose(first, [[100, 200], [300, 200], [640, 200]])  # not dragged along the edge
    np.testing.assert_allclose(second, [[640, 100], [500, 100], [400, 100]])


def test_a_stroke_started_off_the_paper_draws_only_on_it(canvas: DrawingCanvas, qtbot: QtBot) -> None:
    canvas.resize(1280, 1000)  # scale 2: the paper is 800 px tall, 100 px of window above and below
    qtbot.wait(10)
    draw_stroke(canvas, [(320, -40), (320, -10), (320, 100), (320, 300)])
    (stroke,) = canvas.drawing().strokes
    np.testing.assert_allclose(stroke, [[320, 0], [320, 100], [320, 300]])
    draw_stroke(canvas, [(50, -30), (600, -20)])  # never on the paper: nothing
    assert canvas.stroke_count() == 1


def test_undo_and_clear_emit_changes(canvas: DrawingCanvas, qtbot: QtBot) -> None:
    draw_stroke(canvas, line((100, 100), (200, 200)))
    draw_stroke(canvas, line((300, 100), (400, 200)))
    with qtbot.waitSignal(canvas.strokes_changed, timeout=1000):
        assert canvas.undo()
    assert canvas.stroke_count() == 1
    with qtbot.waitSignal(canvas.strokes_changed, timeout=1000):
        canvas.clear()
    assert canvas.is_empty()
    with qtbot.assertNotEmitted(canvas.strokes_changed):
        assert not canvas.undo()
        canvas.clear()


def test_set_drawing_scales_another_canvas_size_to_fit_centred(canvas: DrawingCanvas, qtbot: QtBot) -> None:
    square = Drawing((np.array([[0.0, 0.0], [200.0, 200.0]]),), 200, 200, pen_width=10)
    with qtbot.waitSignal(canvas.strokes_changed, timeout=1000):
        canvas.set_drawing(square)
    # 200×200 into 640×400: scale 2, centred horizontally (120 px each side).
    np.testing.assert_allclose(canvas.drawing().strokes[0], [[120, 0], [520, 400]])
    assert canvas.pen_width() == 20


def test_outlines_are_kept_until_the_strokes_change(canvas: DrawingCanvas) -> None:
    draw_stroke(canvas, line((100, 100), (100, 300)))
    canvas.set_outlines([(90.0, 90.0, 20.0, 220.0), (200.0, 90.0, 80.0, 220.0)])
    assert canvas.outlines() == [(90.0, 90.0, 20.0, 220.0), (200.0, 90.0, 80.0, 220.0)]
    draw_stroke(canvas, line((300, 100), (300, 300)))
    assert canvas.outlines() == []


def test_paints_ink_on_paper_and_nothing_else_around_it(canvas: DrawingCanvas, qtbot: QtBot) -> None:
    colours = theme.colours()
    canvas.set_pen_width(30)
    draw_stroke(canvas, line((100, 200), (500, 200)))
    image = canvas.grab().toImage()
    ratio = image.devicePixelRatio()
    assert image.pixelColor(QPoint(int(300 * ratio), int(200 * ratio))).name() == colours.ink
    assert image.pixelColor(QPoint(int(300 * ratio), int(300 * ratio))).name() == colours.paper
    canvas.resize(1280, 1000)  # letterboxed: the window's own colour, not a grey band
    qtbot.wait(10)
    assert canvas.grab().toImage().pixelColor(QPoint(640, 50)).name() == colours.window


def _pixels(canvas: DrawingCanvas) -> bytes:
    image = canvas.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return bytes(image.constBits())


def test_the_cached_painting_matches_a_full_repaint(canvas: DrawingCanvas) -> None:
    draw_stroke(canvas, ellipse(200, 200, 80, 120, n=300))
    draw_stroke(canvas, line((400, 60), (420, 340), n=200), release=False)  # in progress: baked in parts
    assert len(canvas.drawing(include_current=True).points()) > 400
    release(canvas, 420, 340)
    assert canvas.stroke_count() == 2
    cached = _pixels(canvas)
    canvas.refresh_colours()  # drops the cache: everything painted afresh
    assert _pixels(canvas) == cached


def test_render_drawing_is_the_drawing_at_its_own_size() -> None:
    drawing = Drawing((np.array([[100.0, 200.0], [500.0, 200.0]]),), 640, 400, pen_width=20)
    image = render_drawing(drawing)
    assert (image.width(), image.height()) == (640, 400) and image.isGrayscale()
    assert image.pixelColor(300, 200).value() == 255  # white ink
    assert image.pixelColor(300, 215).value() == 0  # black paper beside the 20 px stroke
    assert image.pixelColor(0, 0).value() == 0


def test_a_drawing_from_a_tiny_canvas_keeps_a_pen_the_app_can_save(qtbot: QtBot, tmp_path: Path) -> None:
    from digitcanvas.drawing.file import load_drawing, save_drawing

    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    tiny = Drawing.from_points([[[1, 1], [3, 9]]], width=10, height=10, pen_width=30)  # ×40: a 1,200 px pen
    canvas.set_drawing(tiny)
    assert canvas.pen_width() <= 48
    save_drawing(canvas.drawing(), tmp_path / "back.json")
    assert load_drawing(tmp_path / "back.json").pen_width == canvas.pen_width()


# --- an image on the canvas, and the pen of a drawing (issue #26) ------------------------------


def test_a_picture_is_fitted_to_the_paper_its_outlines_in_its_own_pixels(canvas: DrawingCanvas, qtbot: QtBot) -> None:
    picture = np.full((100, 200), 255, np.uint8)  # 2:1, on a 1.6:1 paper: fitted to the width
    with qtbot.assertNotEmitted(canvas.strokes_changed):
        canvas.show_picture(picture)
    assert canvas.has_picture() and canvas.is_empty()
    canvas.set_outlines([(10, 10, 20, 20)], in_picture=True)
    scale = DOCUMENT_SIZE[0] / 200  # 3.2
    top = (DOCUMENT_SIZE[1] - 100 * scale) / 2
    assert canvas.outlines() == [pytest.approx((10 * scale, top + 10 * scale, 20 * scale, 20 * scale))]
    middle = canvas.grab().toImage().pixelColor(canvas.width() // 2, canvas.height() // 2)
    assert middle.name() == "#ffffff"  # the picture is shown, not the dark paper
    draw_stroke(canvas, line((100, 100), (120, 300)))  # drawing takes the picture's place
    assert not canvas.has_picture() and canvas.stroke_count() == 1


def test_a_transparent_picture_shows_on_white() -> None:
    from digitcanvas.ui.widgets.canvas import picture_image

    rgba = np.zeros((4, 4, 4), np.uint8)  # black ink, all transparent: paper
    rgba[0, 0, 3] = 255  # one opaque black pixel
    image = picture_image(rgba)
    assert image.pixelColor(1, 1).name() == "#ffffff" and image.pixelColor(0, 0).name() == "#000000"


def test_a_drawing_keeps_its_pen_a_new_one_is_for_the_next(canvas: DrawingCanvas) -> None:
    draw_stroke(canvas, line((100, 100), (120, 300)))
    before = canvas.pen_width()
    assert not canvas.set_pen_width(before + 10)  # strokes on: kept for the next drawing
    assert canvas.pen_width() == before and canvas.next_pen_width() == before + 10
    assert canvas.drawing().pen_width == before  # what the network reads is what is drawn
    canvas.clear()
    assert canvas.pen_width() == before + 10
    assert canvas.set_pen_width(before)  # empty: now
