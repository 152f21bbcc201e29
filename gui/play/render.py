"""Pictures for Play, from a PlayFrame's numpy arrays: the decision regions (each class's colour,
stronger where the network is surer), the data points over them, and each hidden unit's output
over the plane in the theme's activation convention, the same as the Draw view's feature maps:
orange above zero, blue below, the page's neutral at zero (gui.theme.activation; TF Playground
draws the signs the other way round). Colours come from the current theme.

Plain numpy -> QImage conversions, no widgets; cheap enough for 30 frames a second.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap

from .. import theme
from ..theme.activation import activation_colors, class_rgb, rgb


def to_qimage(rgb: np.ndarray) -> QImage:
    """(H, W, 3) uint8 -> a QImage that owns a copy of the pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def regions_rgb(classes: np.ndarray, confidence: np.ndarray, num_classes: int) -> np.ndarray:
    """(R, R) classes and their probabilities -> (R, R, 3): faint (near the page's neutral) where
    unsure, saturated where sure."""
    t = theme.current()
    floor = 1.0 / max(num_classes, 2)
    strength = np.clip((confidence - floor) / (1.0 - floor), 0.0, 1.0)[..., None] * 0.65 + 0.1
    palette = class_rgb(t)
    mixed = rgb(t.zero) * (1 - strength) + palette[classes % len(palette)] * strength
    return mixed[::-1].astype(np.uint8)  # row 0 is the lowest y: flip so y grows upwards on screen


def unit_rgb(values: np.ndarray) -> np.ndarray:
    """(R, R) unit outputs -> (R, R, 3) on the diverging scale around 0, per unit's own largest value."""
    scale = float(np.abs(values).max()) or 1.0
    return activation_colors(theme.current(), values, scale)[::-1]


def points_layer(points: np.ndarray, labels: np.ndarray, extent: tuple[float, float, float, float],
                 side: int) -> QPixmap:
    """The data points as dots on a transparent square `side` px wide (drawn once per data set)."""
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.transparent)
    x0, x1, y0, y1 = extent
    xs = (points[:, 0] - x0) / max(x1 - x0, 1e-9) * side
    ys = (1.0 - (points[:, 1] - y0) / max(y1 - y0, 1e-9)) * side
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    t = theme.current()
    painter.setPen(QPen(t.color("data_ink"), 1.0))
    for label in np.unique(labels):
        painter.setBrush(QColor(t.classes[int(label) % len(t.classes)]))
        for x, y in zip(xs[labels == label], ys[labels == label]):
            painter.drawEllipse(QPointF(float(x), float(y)), 3.2, 3.2)
    painter.end()
    return pixmap


def boundary_pixmap(rgb: np.ndarray, dots: QPixmap | None, side: int) -> QPixmap:
    """The regions scaled to `side` px (smoothly) with the points on top."""
    pixmap = QPixmap.fromImage(to_qimage(rgb).scaled(side, side, Qt.IgnoreAspectRatio, Qt.SmoothTransformation))
    if dots is not None:
        painter = QPainter(pixmap)
        painter.drawPixmap(0, 0, dots)
        painter.end()
    return pixmap
