"""Preprocessing for photo-like inputs (CIFAR-10, Fashion-MNIST, image folders).

Digits are framed the MNIST way (engine.digits); everything else is resized whole to the
network's input, like the training images were, and normalized with the training
statistics. Returns the same `Preprocessed` record so views show its steps alike.
Must not import Qt.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from PIL import Image

from .digits.preprocess import Preprocessed, Step, per_channel, to_grayscale, to_unit_float


def preprocess_photo(image: np.ndarray, input_shape: Sequence[int], mean: Sequence[float],
                     std: Sequence[float]) -> Preprocessed:
    """Resize the whole image to C×H×W (grayscale if C is 1) and normalize per channel."""
    channels, height, width = (int(d) for d in input_shape)
    unit = to_unit_float(image)  # (H, W[, C]) in [0, 1]
    rgb = _as_channels(unit, channels)  # (H, W, C)
    resized = np.stack([_resize(rgb[..., c], height, width) for c in range(channels)], axis=0)  # (C, H, W)
    m = torch.tensor(per_channel(mean, channels)).view(channels, 1, 1)
    s = torch.tensor(per_channel(std, channels)).view(channels, 1, 1)
    tensor = ((torch.from_numpy(resized) - m) / s).unsqueeze(0).float()  # (C, H, W) -> (1, C, H, W)
    gray_in = to_grayscale(unit) if unit.ndim == 3 else unit
    steps = (Step("input", gray_in.astype(np.float32)),
             Step(f"resized {height}×{width}", resized.mean(axis=0)),
             Step("normalized", tensor[0].mean(dim=0).numpy()))
    return Preprocessed(steps=steps, tensor=tensor, empty=False)


def _as_channels(unit: np.ndarray, channels: int) -> np.ndarray:
    if channels == 1:
        return (to_grayscale(unit) if unit.ndim == 3 else unit)[..., None]
    if unit.ndim == 2:
        return np.repeat(unit[..., None], channels, axis=2)
    return unit[..., :channels] if unit.shape[2] >= channels else np.repeat(unit[..., :1], channels, axis=2)


def _resize(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    img = Image.fromarray(plane.astype(np.float32))
    return np.asarray(img.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32)

