"""Data augmentation on the training device, a whole batch at a time, each sample drawn its own way.

Owns turning a parsed spec (engine.training.augment_spec) into one batched operation: the
geometric terms (flip, rotation, translation, random resized crop) become one affine
matrix per sample and a single `grid_sample`; colour jitter is three per-sample blends
(brightness, contrast, saturation). torchvision's v2 transforms on a batched tensor draw one
set of parameters for the whole batch, so the per-sample draws are done here. Applied to
training batches only (engine.training.loop), before normalization, on raw pixel values.
Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from engine.training.augment_spec import AugmentError, parse

GEOMETRIC = ("flip", "rotate", "translate", "crop")


class Augmenter:
    """Callable (B, C, H, W) raw pixels -> augmented (B, C, H, W) float, values kept in [0, top]."""

    def __init__(self, spec: str, top: float) -> None:
        self.amounts = parse(spec)
        self.top = top  # 255 for uint8 images, 1 for images stored as floats in [0, 1]
        self.geometric = any(name in self.amounts for name in GEOMETRIC)

    def __bool__(self) -> bool:
        return bool(self.amounts)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        x = x.float()
        if self.geometric:
            x = self._warp(x, generator)
        if "jitter" in self.amounts:
            x = self._jitter(x, generator)
        return x

    def _uniform(self, n: int, low: float, high: float, generator: torch.Generator, device) -> torch.Tensor:
        return torch.rand(n, generator=generator, device=generator.device).to(device) * (high - low) + low

    def _warp(self, x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        n, dev, a = x.shape[0], x.device, self.amounts
        sx = torch.ones(n, device=dev)
        sy = torch.ones(n, device=dev)
        tx = torch.zeros(n, device=dev)
        ty = torch.zeros(n, device=dev)
        if "crop" in a:  # area share s in [crop, 1], aspect ratio r in [3/4, 4/3] (torchvision's default)
            s = self._uniform(n, a["crop"], 1.0, g, dev)
            r = torch.exp(self._uniform(n, math.log(3 / 4), math.log(4 / 3), g, dev))
            sx, sy = torch.sqrt(s * r).clamp(max=1.0), torch.sqrt(s / r).clamp(max=1.0)
            tx = self._uniform(n, -1.0, 1.0, g, dev) * (1 - sx)  # the window stays inside the picture
            ty = self._uniform(n, -1.0, 1.0, g, dev) * (1 - sy)
        if "translate" in a:  # a share of the width is twice that in grid units ([-1, 1] spans the width)
            tx = tx + self._uniform(n, -2 * a["translate"], 2 * a["translate"], g, dev)
            ty = ty + self._uniform(n, -2 * a["translate"], 2 * a["translate"], g, dev)
        if "flip" in a:
            flip = self._uniform(n, 0.0, 1.0, g, dev) < a["flip"]
            sx = torch.where(flip, -sx, sx)
        angle = (self._uniform(n, -a["rotate"], a["rotate"], g, dev) * (math.pi / 180) if "rotate" in a
                 else torch.zeros(n, device=dev))
        cos, sin = torch.cos(angle), torch.sin(angle)
        theta = torch.stack([torch.stack([cos * sx, -sin * sy, tx], 1),
                             torch.stack([sin * sx, cos * sy, ty], 1)], 1)  # (B, 2, 3): output -> input coords
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    def _jitter(self, x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        n, dev, amount = x.shape[0], x.device, self.amounts["jitter"]
        view = (n, 1, 1, 1)
        bright = self._uniform(n, 1 - amount, 1 + amount, g, dev).view(view)
        x = x * bright
        contrast = self._uniform(n, 1 - amount, 1 + amount, g, dev).view(view)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = (x - mean) * contrast + mean
        if x.shape[1] == 3:  # saturation: blend with the grey picture (ITU-R 601 luma)
            weights = torch.tensor([0.299, 0.587, 0.114], device=dev).view(1, 3, 1, 1)
            grey = (x * weights).sum(1, keepdim=True)
            sat = self._uniform(n, 1 - amount, 1 + amount, g, dev).view(view)
            x = (x - grey) * sat + grey
        return x.clamp(0.0, self.top)


def make_augmenter(spec: str, x_train: torch.Tensor) -> Augmenter | None:
    """The augmenter for a run's training data, or None when the spec is empty.

    Raises AugmentError when the data are not pictures (points, token ids, sequences)."""
    augmenter = Augmenter(spec, 255.0 if x_train.dtype == torch.uint8 else 1.0)
    if not augmenter:
        return None
    if x_train.dim() != 4 or not x_train.dtype.is_floating_point and x_train.dtype != torch.uint8:
        raise AugmentError("augmentation works on image datasets (pictures of C×H×W); this dataset holds "
                           f"samples of shape {tuple(x_train.shape[1:])}: train it without --augment")
    return augmenter
