"""Non-digit scribbles drawn the way a user draws on the pad, for measuring how honest a digit
classifier is about inputs unlike anything it learned (bench/ood.py, tests).

Kinds: "dash" (a short, mostly horizontal line: a minus sign is not a digit), "circle" (a round
ring, wider than any 0 is written), "strokes" (a random zig-zag scrawl), "blob" (a filled shape).
Canvases are uint8 (280, 280), white ink on black, pen 12-30 px wide like the pad's.
Must not import Qt, pyqtgraph, torch or gui/.
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

CANVAS = 280
KINDS = ("dash", "circle", "strokes", "blob")


def _pen(rng: np.random.Generator, side: int) -> float:
    return float(rng.uniform(12, 30)) * side / CANVAS


def _polyline(draw: ImageDraw.ImageDraw, points: np.ndarray, width: float) -> None:
    draw.line([tuple(p) for p in points.tolist()], fill=255, width=round(width))
    r = width / 2
    for x, y in points.tolist():  # round caps and joins, as a pen leaves them
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


def _dash(draw: ImageDraw.ImageDraw, rng: np.random.Generator, side: int) -> None:
    length = rng.uniform(0.25, 0.7) * side
    angle = math.radians(rng.uniform(-25, 25))  # steeper lines start to look like a 1 or a 7
    cx, cy = rng.uniform(0.3, 0.7, 2) * side
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    steps = np.linspace(-1, 1, 12)[:, None]
    wobble = rng.normal(0, 1.5, (12, 2))
    _polyline(draw, np.hstack([cx + steps * dx, cy + steps * dy]) + wobble, _pen(rng, side))


def _circle(draw: ImageDraw.ImageDraw, rng: np.random.Generator, side: int) -> None:
    radius = rng.uniform(0.2, 0.4) * side
    squash = rng.uniform(0.9, 1.1)  # round: a handwritten 0 is about 0.6-0.8 as wide as tall
    cx, cy = side / 2 + rng.uniform(-0.1, 0.1, 2) * side
    t = np.linspace(0, 2 * math.pi, 48) + rng.uniform(0, 2 * math.pi)
    points = np.stack([cx + radius * squash * np.cos(t), cy + radius * np.sin(t)], axis=1)
    _polyline(draw, points + rng.normal(0, 1.5, points.shape), _pen(rng, side))


def _strokes(draw: ImageDraw.ImageDraw, rng: np.random.Generator, side: int) -> None:
    n = int(rng.integers(5, 10))
    points = rng.uniform(0.15, 0.85, (n, 2)) * side
    _polyline(draw, points, _pen(rng, side))


def _blob(draw: ImageDraw.ImageDraw, rng: np.random.Generator, side: int) -> None:
    cx, cy = rng.uniform(0.35, 0.65, 2) * side
    n = int(rng.integers(7, 12))
    t = np.sort(rng.uniform(0, 2 * math.pi, n))
    r = rng.uniform(0.12, 0.3, n) * side
    draw.polygon([(float(cx + a * math.cos(b)), float(cy + a * math.sin(b))) for a, b in zip(r, t)], fill=255)


_DRAW = {"dash": _dash, "circle": _circle, "strokes": _strokes, "blob": _blob}


def make_scribble(kind: str, rng: np.random.Generator, side: int = CANVAS) -> np.ndarray:
    """One scribble of `kind` on a blank canvas: uint8 (side, side), ink 255 on 0. A smaller `side`
    draws the same scribble scaled down (cheaper to preprocess, e.g. for calibration)."""
    image = Image.new("L", (side, side), 0)
    _DRAW[kind](ImageDraw.Draw(image), rng, side)
    return np.asarray(image, dtype=np.uint8)


def make_scribbles(n: int, seed: int = 0, side: int = CANVAS) -> tuple[list[np.ndarray], list[str]]:
    """n scribbles, the kinds taking turns; the same seed gives the same scribbles."""
    rng = np.random.default_rng(seed)
    kinds = [KINDS[i % len(KINDS)] for i in range(n)]
    return [make_scribble(kind, rng, side) for kind in kinds], kinds
