"""One preprocessing path from any picture of a digit to the tensor an MNIST-style network sees.

Owns the public `preprocess_image` pipeline (used by the digit pad, the `predict` CLI and the
tests), its record types `Step` and `Preprocessed`, `load_image_file` and `ImageError`, and
the photometric half of the recipe: grayscale, ink polarity, background clean-up for photos,
contrast and noise floor. The geometric half (crop, fit, centre of mass) is `framing.py`.

Must not import Qt, pyqtgraph or anything from gui/.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from engine.digits.framing import box_for_frame, frame_digit, rank_filter

InkMode = Literal["auto", "light", "dark"]

MNIST_MEAN = (0.1307,)
MNIST_STD = (0.3081,)
MAX_WORKING_SIDE = 1024  # photos are shrunk to this first; the digit ends up 20 px anyway
BACKGROUND_GRID = 32  # cells along the longer side of the background estimate
BACKGROUND_WINDOW = 7  # cells; a stroke must be narrower than about half this to survive
MIN_CONTRAST = 0.12  # ink fainter than this above the background counts as no ink
NOISE_FLOOR = 0.15  # after contrast stretch, values below this are paper texture, not ink
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as PIL's "L"


class ImageError(ValueError):
    """An image file or array that cannot be used; the message is fit to show a user."""


@dataclass(frozen=True)
class Step:
    """One stage of preprocessing, kept for thumbnails: a float32 2-D image."""

    name: str
    image: np.ndarray


@dataclass(frozen=True)
class Preprocessed:
    """The steps shown to the user and the exact tensor the network receives.

    tensor: (1, C, H, W) float32, normalized. empty: no ink was found; tensor is then all
    background and callers should ask the user to draw a digit.
    """

    steps: tuple[Step, ...]
    tensor: torch.Tensor
    empty: bool


def load_image_file(path: str | Path) -> np.ndarray:
    """Read a PNG/JPEG/... file as a uint8 array (H, W), (H, W, 3) or (H, W, 4)."""
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode if img.mode in ("L", "RGB", "RGBA") else _nearest_mode(img)
            return np.asarray(img.convert(mode), dtype=np.uint8)
    except FileNotFoundError as exc:
        raise ImageError(f"Image file not found: {path}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"Cannot read {path} as an image ({exc}).") from exc


def _nearest_mode(img: Image.Image) -> str:
    """Palette and exotic modes become RGBA if they carry transparency, else RGB or L."""
    if img.mode in ("1", "I", "I;16", "F") or img.mode.startswith("I;"):
        return "L"
    return "RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB"


def to_unit_float(image: np.ndarray) -> np.ndarray:
    """Any numeric image as float32 in [0, 1]; integers by their range, floats above 1 by 255."""
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] not in (1, 3, 4) or arr.ndim not in (2, 3) or arr.size == 0:
        raise ImageError(f"Expected an image of shape (H, W), (H, W, 3) or (H, W, 4), got {arr.shape}.")
    if arr.dtype == np.bool_:
        return arr.astype(np.float32)
    if not np.issubdtype(arr.dtype, np.number):
        raise ImageError(f"Expected a numeric image, got dtype {arr.dtype}.")
    out = arr.astype(np.float32)
    if np.issubdtype(arr.dtype, np.integer):
        peak = float(out.max())
        return out / (255.0 if peak <= 255 else float(np.iinfo(arr.dtype).max))
    out = np.nan_to_num(out, nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(out / 255.0 if float(out.max()) > 1.0 else out, 0.0, 1.0)


def to_grayscale(arr: np.ndarray) -> np.ndarray:
    """(H, W[, C]) float in [0, 1] -> (H, W) luminance; transparency over a contrasting backdrop."""
    if arr.ndim == 2:
        return arr
    if arr.shape[2] == 1:
        return arr[..., 0]
    gray = arr[..., :3] @ _LUMA
    if arr.shape[2] == 3 or float(arr[..., 3].min()) >= 0.99:
        return gray
    alpha = arr[..., 3]
    weight = float(alpha.sum())
    if weight <= 0.0:
        return np.zeros_like(gray)
    # Paint on a transparent canvas: put it on whichever backdrop it stands out from.
    backdrop = 1.0 if float((gray * alpha).sum()) / weight < 0.5 else 0.0
    return gray * alpha + backdrop * (1.0 - alpha)


def _shrink(gray: np.ndarray, max_side: int) -> np.ndarray:
    h, w = gray.shape
    if max(h, w) <= max_side:
        return gray
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.BOX), dtype=np.float32)


def _border(gray: np.ndarray) -> np.ndarray:
    return np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])


def ink_is_dark(gray: np.ndarray) -> bool:
    """Guess the ink's polarity from how pixels depart from the border's (background) median."""
    background = float(np.median(_border(gray)))
    dev = gray - background
    for low, high in ((0.5, 99.5), (0.0, 100.0)):  # robust first; extremes for a tiny dot
        dark, bright = np.percentile(dev, [low, high])
        if max(-dark, bright) >= MIN_CONTRAST:
            return -float(dark) > float(bright)
    return background > 0.5


def _background(ink: np.ndarray) -> np.ndarray:
    """Smooth estimate of the (dark) background under bright ink: local minimum of cell means."""
    h, w = ink.shape
    scale = min(1.0, BACKGROUND_GRID / max(h, w), 0.5)
    grid = (max(1, round(w * scale)), max(1, round(h * scale)))
    cells = np.asarray(Image.fromarray(ink).resize(grid, Image.Resampling.BOX))
    cells = rank_filter(cells, BACKGROUND_WINDOW, np.minimum)
    return np.asarray(Image.fromarray(cells).resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)


def clean_ink(ink: np.ndarray) -> np.ndarray | None:
    """Subtract the background, stretch so solid ink is 1, zero the paper; None if no ink."""
    ink = np.clip(ink - _background(ink), 0.0, 1.0)
    top = float(ink.max())
    if top < MIN_CONTRAST:
        return None
    peak = float(np.median(ink[ink >= 0.5 * top]))
    ink = np.minimum(ink * (1.0 / peak), 1.0)
    ink[ink < NOISE_FLOOR] = 0.0
    return ink


def _normalized(centred: np.ndarray, channels: int, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    mean_t = torch.as_tensor(_per_channel(mean, channels), dtype=torch.float32).view(1, channels, 1, 1)
    std_t = torch.as_tensor(_per_channel(std, channels), dtype=torch.float32).view(1, channels, 1, 1)
    x = torch.from_numpy(centred).view(1, 1, *centred.shape).expand(1, channels, *centred.shape)
    return ((x - mean_t) / std_t).contiguous()  # (1, 1, H, W) -> (1, C, H, W)


def _per_channel(values: Sequence[float], channels: int) -> list[float]:
    values = [float(v) for v in values]
    if len(values) == 1:
        return values * channels
    if len(values) != channels:
        raise ValueError(f"Need 1 or {channels} mean/std values, got {len(values)}.")
    return values


def _check_shape(input_shape: Sequence[int]) -> tuple[int, int, int]:
    if len(input_shape) != 3 or min(int(s) for s in input_shape) < 1:
        raise ValueError(f"input_shape must be (C, H, W) with positive sizes, got {tuple(input_shape)}.")
    return int(input_shape[0]), int(input_shape[1]), int(input_shape[2])


def preprocess_image(
    image: np.ndarray,
    input_shape: Sequence[int] = (1, 28, 28),
    mean: Sequence[float] = MNIST_MEAN,
    std: Sequence[float] = MNIST_STD,
    ink: InkMode = "auto",
) -> Preprocessed:
    """Make the network input for a digit picture, the way MNIST itself was made.

    `image` is (H, W), (H, W, 3) or (H, W, 4), uint8 or float. `ink` is "light" (bright ink
    on a dark background), "dark" (dark ink on light) or "auto" (decided from the border).
    Steps: input, grayscale (ink bright on 0), cropped, fitted H'×W', centred H×W, normalized;
    for a 28×28 input the fit box is 20×20. Grayscale digits are replicated to C channels.
    """
    channels, height, width = _check_shape(input_shape)
    if ink not in ("auto", "light", "dark"):
        raise ValueError(f"ink must be 'auto', 'light' or 'dark', got {ink!r}.")
    gray = _shrink(to_grayscale(to_unit_float(image)), MAX_WORKING_SIDE)
    dark = ink == "dark" or (ink == "auto" and ink_is_dark(gray))
    cleaned = clean_ink(1.0 - gray if dark else gray)
    framed = frame_digit(cleaned, (height, width)) if cleaned is not None else None
    box = box_for_frame((height, width))
    if framed is None:
        cropped, fitted = np.zeros(box, np.float32), np.zeros(box, np.float32)
        centred = np.zeros((height, width), np.float32)
        cleaned = np.zeros_like(gray) if cleaned is None else cleaned
    else:
        cropped, fitted, centred = framed.cropped, framed.fitted, framed.centred
    tensor = _normalized(centred, channels, mean, std)
    steps = (
        Step("input", gray), Step("grayscale", cleaned), Step("cropped", cropped),
        Step(f"fitted {box[0]}×{box[1]}", fitted), Step(f"centred {height}×{width}", centred),
        Step("normalized", tensor[0, 0].numpy()),
    )
    return Preprocessed(steps=steps, tensor=tensor, empty=framed is None)
