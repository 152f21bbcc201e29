"""The overview and minimap draw one shape per quarter pixel of the view (gui.builder.plan_arrays): the
lines are clipped to what is painted, and the picture is the one all the shapes would make."""
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QTransform

from gui.builder.plan_arrays import clip_segments, device_lines, device_rects, first_of_each


def test_clipping_keeps_the_part_inside_and_drops_what_misses():
    segments = np.array([[-10, 5, 30, 5], [5, -10, 5, 30], [50, 50, 60, 60], [2, 2, 8, 8], [-5, -5, -1, 30]], float)
    clipped = clip_segments(segments, QRectF(0, 0, 20, 20))
    assert clipped.tolist() == [[0, 5, 20, 5], [5, 0, 5, 20], [2, 2, 8, 8]]


def test_first_of_each_row():
    assert first_of_each(np.array([[1, 2], [3, 4], [1, 2], [0, 0], [3, 4]])).tolist() == [0, 1, 3]


def test_a_fan_of_40000_edges_is_drawn_as_a_few_hundred_lines_and_looks_the_same():
    rng = np.random.default_rng(1)
    targets = np.column_stack((np.sort(rng.uniform(0, 4_000_000, 20_000)), np.full(20_000, 300.0)))
    segments = np.column_stack((np.full((20_000, 2), (2_000_000.0, 0.0)), targets))
    transform = QTransform.fromScale(0.002, 0.5).translate(-1_900_000, 10)
    box = QRectF(0, 0, 400, 200)
    lines = device_lines(segments, transform, box)
    assert len(lines) < 2000

    def draw(shapes, world):
        image = QImage(400, 200, QImage.Format_RGB32)
        image.fill(Qt.white)
        painter = QPainter(image)
        painter.setWorldTransform(world)
        painter.setPen(QPen(QColor("black"), 0))
        painter.drawLines(shapes)
        painter.end()
        return image

    from PySide6.QtCore import QLineF
    every = draw([QLineF(QPointF(*s[:2]), QPointF(*s[2:])) for s in segments.tolist()], transform)
    ours = draw(lines, QTransform())
    differ = sum(every.pixel(x, y) != ours.pixel(x, y) for x in range(400) for y in range(200))
    inked = sum(every.pixel(x, y) != QColor("white").rgb() for x in range(400) for y in range(200))
    assert inked > 5000 and differ < inked / 100  # a pixel where a clipped end rounds the other way


def test_cards_outside_the_view_are_left_out_and_those_on_one_pixel_drawn_once():
    corners = np.array([[0, 0], [0.1, 0], [1000, 0], [-1000, 0], [50, 50]], float)
    rects = device_rects(corners, (180, 80), QTransform.fromScale(0.01, 0.01), QRectF(0, 0, 100, 100))
    assert [(r.x(), r.y()) for r in rects] == [(0, 0), (10, 0), (0.5, 0.5)]
