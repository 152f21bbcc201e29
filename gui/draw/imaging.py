"""Numpy arrays to QImages for the Draw view: grayscale steps, diverging activation maps (in the
theme's colours), and the pad's canvas back to numpy.

Pure conversions: no widgets, no network logic, no torch. Every QImage returned owns its
pixels (a copy), so the numpy buffer may be dropped right after.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from .. import theme
from ..theme.activation import activation_colors


def array_from_gray_image(image: QImage) -> np.ndarray:
    """A Format_Grayscale8 QImage as a (H, W) uint8 array (rows may be padded in the QImage)."""
    image = image.convertToFormat(QImage.Format_Grayscale8)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * stride)
    return buffer.reshape(h, stride)[:, :w].copy()


def gray_image(values: np.ndarray, lo: float | None = None, hi: float | None = None) -> QImage:
    """(H, W) floats -> 8-bit gray, `lo` black and `hi` white (the array's own range by default)."""
    values = np.asarray(values, dtype=np.float32)
    lo = float(values.min()) if lo is None else lo
    hi = float(values.max()) if hi is None else hi
    span = hi - lo if hi > lo else 1.0
    pixels = np.clip((values - lo) * (255.0 / span), 0, 255).astype(np.uint8)
    return _wrap(np.ascontiguousarray(pixels), QImage.Format_Grayscale8)


def rgb_image(values: np.ndarray) -> QImage:
    """(H, W, 3) uint8 or floats in 0..1 -> RGB888 (dataset photos)."""
    values = np.asarray(values)
    if values.dtype != np.uint8:
        values = np.clip(values * 255.0, 0, 255).astype(np.uint8)
    return _wrap(np.ascontiguousarray(values), QImage.Format_RGB888)


def picture_image(values: np.ndarray) -> QImage:
    """Any uint8 picture a user or a dataset gives: (H, W), (H, W, 1), (H, W, 3) or (H, W, 4)."""
    values = np.asarray(values)
    if values.ndim == 3 and values.shape[2] == 1:
        values = values[..., 0]
    if values.ndim == 2:
        return gray_image(values, 0.0, 255.0 if values.dtype == np.uint8 else 1.0)
    if values.shape[2] == 4:
        return _wrap(np.ascontiguousarray(values.astype(np.uint8)), QImage.Format_RGBA8888)
    return rgb_image(values)


def diverging_colors(values: np.ndarray, scale: float) -> np.ndarray:
    """Floats -> (..., 3) uint8 colours, ±`scale` at full colour: the theme's activation
    convention (orange above zero, blue below, the page's neutral at zero; gui.theme.activation)."""
    return activation_colors(theme.current(), values, scale)


def diverging_image(values: np.ndarray, scale: float) -> QImage:
    """(H, W) floats -> RGB888 with the diverging colour map at ±`scale`."""
    return _wrap(np.ascontiguousarray(diverging_colors(values, scale)), QImage.Format_RGB888)


def _wrap(pixels: np.ndarray, fmt: QImage.Format) -> QImage:
    h, w = pixels.shape[:2]
    return QImage(pixels.data, w, h, pixels.strides[0], fmt).copy()
