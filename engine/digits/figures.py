"""What every family of drawn non-digits shares: the pen's width and placing a figure on the pad.

Must not import Qt, torch or gui/.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from PIL import Image

from engine.digits.scribbles import CANVAS

__all__ = ["CANVAS", "Draw", "pen", "placed"]

Draw = Callable[[np.random.Generator, int], Image.Image]  # (rng, side) -> "L" image, ink bright


def pen(rng: np.random.Generator, side: int) -> int:
    """A pen width like the pad's brush, 12-30 px on the 280 px canvas, scaled to `side`."""
    return max(1, round(float(rng.uniform(12, 30)) * side / CANVAS))


def placed(figure: Image.Image, rng: np.random.Generator, side: int, low: float = 0.1) -> Image.Image:
    """`figure` (square, drawn at full size) shrunk into a box of a random share of the canvas, anywhere."""
    size = max(2, round(side * math.exp(rng.uniform(math.log(low), 0.0))))
    small = figure.resize((size, size), Image.Resampling.BOX) if size < figure.width else figure
    canvas = Image.new("L", (side, side), 0)
    left, top = (int(v) for v in rng.integers(0, side - small.width + 1, 2))
    canvas.paste(small, (left, top))
    return canvas
