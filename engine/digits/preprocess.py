"""One preprocessing path from any picture of a digit to the tensor an MNIST-style network sees.

Owns the public `preprocess_image` pipeline (used by the digit pad, the `predict` CLI and the
tests), its record types `Step` and `Preprocessed`, `load_image_file` and `ImageError`, and
turning any array into grayscale. Separating ink from paper (polarity, background, noise) is
`ink.py`; the geometric half of the recipe (crop, fit, centre of mass) is `framing.py`.

Must not import Qt, pyqtgraph or anything from gui/.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

import numpy as np
import torch
from PIL import Image, ImageOps

from engine.digits.framing import Framed, box_for_frame, frame_digit
from engine.digits.ink import clean_ink, ink_is_dark
from engine.image_files import ImageError, open_image

InkMode = Literal["auto", "light", "dark"]

MNIST_MEAN = (0.1307,)
MNIST_STD = (0.3081,)
MAX_WORKING_SIDE = 1024  # photos are shrunk to this first; the digit ends up 20 px anyway
CROP_THRESHOLD = 0.2  # fainter ink (JPEG ringing, a canvas' anti-aliasing) does not widen the crop
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as PIL's "L"


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
    """Read a PNG/JPEG/... file as a uint8 array (H, W), (H, W, 3) or (H, W, 4).

    Phone photos are turned upright by their EXIF orientation; 16-bit and float images are
    scaled to 0-255 by their own maximum (NaN and infinities count as 0). Pictures over
    engine.image_files.MAX_PIXELS and damaged files raise ImageError.
    """
    with open_image(path) as img:
        try:
            return _as_uint8(ImageOps.exif_transpose(img))
        except Exception as exc:  # a hostile EXIF block or mode: still one ImageError
            raise ImageError(f"Cannot read {path} as an image ({type(exc).__name__}: {exc}).") from exc


def _as_uint8(img: Image.Image) -> np.ndarray:
    if img.mode in ("L", "RGB", "RGBA"):
        return np.asarray(img, dtype=np.uint8)
    if img.mode in ("I", "F") or img.mode.startswith("I;"):
        values = np.nan_to_num(np.asarray(img, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        return np.rint(np.clip(values, 0, None) * (255.0 / max(float(values.max()), 1e-12))).astype(np.uint8)
    transparent = "A" in img.getbands() or "transparency" in img.info
    return np.asarray(img.convert("RGBA" if transparent else "RGB"), dtype=np.uint8)


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


def _normalized(centred: np.ndarray, channels: int, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    mean_t = torch.as_tensor(per_channel(mean, channels), dtype=torch.float32).view(1, channels, 1, 1)
    std_t = torch.as_tensor(per_channel(std, channels), dtype=torch.float32).view(1, channels, 1, 1)
    x = torch.from_numpy(centred).view(1, 1, *centred.shape).expand(1, channels, *centred.shape)
    return ((x - mean_t) / std_t).contiguous()  # (1, 1, H, W) -> (1, C, H, W)


def per_channel(values: Sequence[float], channels: int) -> list[float]:
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
    Steps: "input" (grayscale as given), "grayscale" (ink bright on 0, paper removed), "cropped",
    "fitted 20×20", "centred 28×28", "normalized" (channel 0 of the tensor); for other input
    sizes the box keeps MNIST's 20/28 proportion and the names say the sizes, e.g. "fitted
    23×23" and "centred 32×32". The digit is replicated to all C channels.
    """
    channels, height, width = _check_shape(input_shape)
    if ink not in ("auto", "light", "dark"):
        raise ValueError(f"ink must be 'auto', 'light' or 'dark', got {ink!r}.")
    gray = _shrink(to_grayscale(to_unit_float(image)), MAX_WORKING_SIDE)
    cleaned = _cleaned(gray, ink)
    box = box_for_frame((height, width))
    framed = None if cleaned is None else frame_digit(cleaned, (height, width), crop_threshold=CROP_THRESHOLD)
    shown = framed or _blank(box, (height, width))
    tensor = _normalized(shown.centred, channels, mean, std)
    steps = (
        Step("input", gray), Step("grayscale", np.zeros_like(gray) if cleaned is None else cleaned),
        Step("cropped", shown.cropped), Step(f"fitted {box[0]}×{box[1]}", shown.fitted),
        Step(f"centred {height}×{width}", shown.centred), Step("normalized", tensor[0, 0].numpy().copy()),
    )
    return Preprocessed(steps=steps, tensor=tensor, empty=framed is None)


def _cleaned(gray: np.ndarray, ink: InkMode) -> np.ndarray | None:
    dark = ink == "dark" or (ink == "auto" and ink_is_dark(gray))
    return clean_ink(1.0 - gray if dark else gray)


def ink_of(image: np.ndarray, ink: InkMode = "auto") -> np.ndarray | None:
    """The clean ink of a picture (bright on 0, float32) as `preprocess_image` finds it; None without ink."""
    return _cleaned(_shrink(to_grayscale(to_unit_float(image)), MAX_WORKING_SIDE), ink)


def frames_as_the_pad_sees(images: Sequence[np.ndarray], frame: tuple[int, int] = (28, 28)) -> np.ndarray:
    """Many pictures framed exactly as `preprocess_image` frames one: float32 (N, H, W) in [0, 1],
    all zero where a picture has no ink. For generated inputs and calibration (no steps kept)."""
    out = np.zeros((len(images), *frame), np.float32)
    for row, image in enumerate(images):
        cleaned = ink_of(image)
        framed = None if cleaned is None else frame_digit(cleaned, frame, crop_threshold=CROP_THRESHOLD)
        if framed is not None:
            out[row] = framed.centred
    return out


def _blank(box: tuple[int, int], frame: tuple[int, int]) -> Framed:
    """The framing stages of a picture without ink: all background."""
    return Framed(cropped=np.zeros(box, np.float32), fitted=np.zeros(box, np.float32),
                  centred=np.zeros(frame, np.float32))
