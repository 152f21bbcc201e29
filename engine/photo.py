"""Preprocessing for photo-like inputs (CIFAR-10, Fashion-MNIST, image folders, pretrained
ImageNet networks): the picture the way the network's training images were made.

Digits are framed the MNIST way (engine.digits); everything else is read like a training
folder's images (engine.image_files.as_network_mode: upright, converted to "L" or "RGB"),
resized whole to the network's input with the same bilinear filter (or, for weights whose
recorded recipe says so, shorter side to `resize_size` then a centre crop, as torchvision's
ImageNet weights were evaluated), and normalized with the recorded statistics. Returns the
same `Preprocessed` record so views show its steps alike; colour steps are (H, W, 3).

`load_photo` keeps memory bounded: engine.image_files refuses pictures over MAX_PIXELS
before decoding, JPEGs decode at a reduced scale, and the picture is shrunk to
MAX_PHOTO_SIDE before any float copy is made. Must not import Qt.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image

from .digits.preprocess import Preprocessed, Step, per_channel, to_unit_float
from .image_files import ImageError, as_network_mode, open_image

MAX_PHOTO_SIDE = 1024  # px: far above any network input here; a 12-megapixel photo is shrunk first


def load_photo(path: str | Path, channels: int = 3) -> np.ndarray:
    """A picture file as the network's kind of image: uint8 (H, W) for 1 channel, (H, W, 3) for
    3, upright, at most MAX_PHOTO_SIDE px a side. ImageError for anything unreadable or too large."""
    mode = "L" if channels == 1 else "RGB"
    with open_image(path, mode) as image:
        picture = as_network_mode(image, mode)
        try:
            picture.thumbnail((MAX_PHOTO_SIDE, MAX_PHOTO_SIDE), Image.Resampling.BILINEAR)
        except Exception as exc:
            raise ImageError(f"Cannot read {path} as an image ({type(exc).__name__}: {exc}).") from exc
        return np.asarray(picture, dtype=np.uint8)


def preprocess_photo(image: np.ndarray, input_shape: Sequence[int], mean: Sequence[float],
                     std: Sequence[float], resize_size: int | None = None) -> Preprocessed:
    """Resize the image to C×H×W (grayscale if C is 1) and normalize per channel.

    `resize_size`: shorter side to this many pixels, then the centre H×W (torchvision's recipe);
    None: the whole picture squeezed to H×W, as engine.data.folder reads training images."""
    channels, height, width = (int(d) for d in input_shape)
    picture = _as_picture(image, channels)
    framed = _frame(picture, height, width, resize_size)
    resized = np.asarray(framed, dtype=np.float32).reshape(height, width, channels) / 255.0  # (H, W, C)
    m = torch.tensor(per_channel(mean, channels)).view(channels, 1, 1)
    s = torch.tensor(per_channel(std, channels)).view(channels, 1, 1)
    chw = torch.from_numpy(np.ascontiguousarray(resized.transpose(2, 0, 1)))  # (H, W, C) -> (C, H, W)
    tensor = ((chw - m) / s).unsqueeze(0).float()  # (C, H, W) -> (1, C, H, W)
    how = f"resized {height}×{width}" if resize_size is None else f"{resize_size} px, centre {height}×{width}"
    steps = (Step("input", _shown(np.asarray(picture, dtype=np.float32) / 255.0)),
             Step(how, _shown(resized)),
             Step("normalized", _shown(tensor[0].permute(1, 2, 0).numpy())))  # (C, H, W) -> (H, W, C)
    return Preprocessed(steps=steps, tensor=tensor, empty=False)


def _shown(values: np.ndarray) -> np.ndarray:
    """A step's picture: (H, W) for one channel, (H, W, 3) for colour."""
    values = np.ascontiguousarray(values, dtype=np.float32)
    return values[..., 0] if values.ndim == 3 and values.shape[2] == 1 else values


def _as_picture(image: np.ndarray, channels: int) -> Image.Image:
    """Any numeric image array as a uint8 PIL picture in the network's mode ("L" or "RGB")."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim == 3 and arr.shape[2] not in (1, 3):
        unit = to_unit_float(arr)  # (H, W[, C]) in [0, 1]; checks the shape
        unit = unit[..., :3] if unit.ndim == 3 and unit.shape[2] == 4 else unit
        arr = np.rint(unit * 255.0).astype(np.uint8)
    elif arr.ndim not in (2, 3) or arr.size == 0:
        to_unit_float(arr)  # raises ImageError with the shape
    arr = arr[..., 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr
    return Image.fromarray(np.ascontiguousarray(arr)).convert("L" if channels == 1 else "RGB")  # PIL's, as training


def _frame(picture: Image.Image, height: int, width: int, resize_size: int | None) -> Image.Image:
    if resize_size is None:
        return picture.resize((width, height), Image.Resampling.BILINEAR)
    w, h = picture.size
    scale = resize_size / min(w, h)
    big = picture.resize((max(width, round(w * scale)), max(height, round(h * scale))), Image.Resampling.BILINEAR)
    left, top = (big.width - width) // 2, (big.height - height) // 2
    return big.crop((left, top, left + width, top + height))


__all__ = ["ImageError", "MAX_PHOTO_SIDE", "load_photo", "preprocess_photo"]
