"""Pictures for Play, from a PlayFrame's numpy arrays: the decision regions (each class's colour,
stronger where the network is surer), the data points over them, and each hidden unit's output
over the plane (orange negative, white zero, blue positive, as TF Playground draws them).

Plain numpy -> QImage conversions, no widgets; cheap enough for 30 frames a second.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap

CLASS_RGB = np.array([(59, 130, 246), (249, 115, 22), (16, 185, 129), (239, 68, 68), (139, 92, 246),
                      (202, 138, 4), (236, 72, 153), (100, 116, 139), (132, 204, 22), (6, 182, 212)], dtype=np.float32)
_WHITE = np.array([255.0, 255.0, 255.0], dtype=np.float32)
_NEG = np.array([245.0, 147.0, 34.0], dtype=np.float32)
_POS = np.array([8.0, 119.0, 189.0], dtype=np.float32)


def to_qimage(rgb: np.ndarray) -> QImage:
    """(H, W, 3) uint8 -> a QImage that owns a copy of the pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def regions_rgb(classes: np.ndarray, confidence: np.ndarray, num_classes: int) -> np.ndarray:
    """(R, R) classes and their probabilities -> (R, R, 3): pale where unsure, saturated where sure."""
    floor = 1.0 / max(num_classes, 2)
    strength = np.clip((confidence - floor) / (1.0 - floor), 0.0, 1.0)[..., None] * 0.65 + 0.1
    colours = CLASS_RGB[classes % len(CLASS_RGB)]
    rgb = _WHITE * (1 - strength) + colours * strength
    return rgb[::-1].astype(np.uint8)  # row 0 is the lowest y: flip so y grows upwards on screen


def unit_rgb(values: np.ndarray) -> np.ndarray:
    """(R, R) unit outputs -> (R, R, 3) on a diverging scale around 0, per unit's own largest value."""
    scale = float(np.abs(values).max()) or 1.0
    t = np.clip(values / scale, -1.0, 1.0)[..., None]
    rgb = np.where(t >= 0, _WHITE * (1 - t) + _POS * t, _WHITE * (1 + t) + _NEG * (-t))
    return rgb[::-1].astype(np.uint8)


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
    painter.setPen(QPen(QColor(255, 255, 255), 1.0))
    for label in np.unique(labels):
        rgb = CLASS_RGB[int(label) % len(CLASS_RGB)]
        painter.setBrush(QColor(int(rgb[0]), int(rgb[1]), int(rgb[2])))
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
