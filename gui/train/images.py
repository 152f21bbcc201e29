"""Turning dataset tensors into pictures: sample grids and thumbnails as QImages.

Images arrive as uint8 (N, C, H, W) tensors in 0..255 (the engine's layout); nothing here
normalizes or trains. Must not import widgets.
"""
from __future__ import annotations

import numpy as np
import torch
from PySide6.QtGui import QImage

GAP = 2  # pixels between grid cells


def to_qimage(pixels: np.ndarray) -> QImage:
    """A QImage owning a copy of uint8 (H, W) grayscale or (H, W, 3) colour pixels."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        return QImage(pixels.data, w, h, w, QImage.Format_Grayscale8).copy()
    return QImage(pixels.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def sample_pixels(x: torch.Tensor, index: int) -> np.ndarray:
    """One image as (H, W) or (H, W, 3) uint8."""
    image = x[index].numpy()  # (C, H, W)
    if image.shape[0] == 1:
        return image[0]
    return np.transpose(image[:3], (1, 2, 0))  # (C, H, W) -> (H, W, C)


def per_class_indices(y: torch.Tensor, num_classes: int, per_class: int, max_classes: int = 10) -> list[list[int]]:
    """The first `per_class` sample indices of each of the first `max_classes` classes."""
    rows = []
    labels = y.numpy()
    for cls in range(min(num_classes, max_classes)):
        rows.append(np.flatnonzero(labels == cls)[:per_class].tolist())
    return rows


def sample_grid(x: torch.Tensor, y: torch.Tensor, num_classes: int, per_class: int = 8,
                background: int = 0) -> QImage:
    """One row per class, `per_class` samples each, with a gap between cells."""
    rows = per_class_indices(y, num_classes, per_class)
    c, h, w = (int(v) for v in x.shape[1:])
    channels = 1 if c == 1 else 3
    height = len(rows) * (h + GAP) - GAP
    width = per_class * (w + GAP) - GAP
    canvas = np.full((max(height, 1), max(width, 1), channels), background, dtype=np.uint8)
    for r, indices in enumerate(rows):
        for col, index in enumerate(indices):
            top, left = r * (h + GAP), col * (w + GAP)
            canvas[top:top + h, left:left + w] = sample_pixels(x, index).reshape(h, w, channels)
    return to_qimage(canvas[:, :, 0] if channels == 1 else canvas)
