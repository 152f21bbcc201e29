"""A held-out family of non-digits written before the method it judges was changed (round 6 of
issue 16): a word in cursive handwriting, evaluation only, never fitted.

    cursive   three to seven joined letters in one pen stroke: loops (e, l), arches (n, m), cups
              (u, w) and flat joins, slanted like handwriting, wider than tall

Nothing else in engine.digits draws a connected line of repeated small letter-forms: letters and
symbols are single font glyphs, numbers are separate digits, marks are one arrow or wave.
Must not import Qt, torch or gui/.
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from engine.digits.figures import pen, placed

LETTER_FORMS = ("loop", "tall_loop", "arch", "cup", "join")
POINTS_PER_LETTER = 24


def _letter(form: str, rng: np.random.Generator) -> np.ndarray:
    """One letter-form as a path (n, 2) in units of the x-height, starting at (0, 0) on the baseline
    (y grows downwards) and ending on the baseline one letter-width further."""
    t = np.linspace(0.0, 1.0, POINTS_PER_LETTER)
    width = rng.uniform(0.7, 1.2)
    if form in ("loop", "tall_loop"):  # up, back over itself at the top, down: a prolate cycloid's loop
        height = rng.uniform(0.8, 1.1) * (2.2 if form == "tall_loop" else 1.0)
        angle = 2 * math.pi * t
        x = width * (t + rng.uniform(0.25, 0.4) * np.sin(angle))  # backwards near the top: a loop
        y = -height * (1 - np.cos(angle)) / 2
    elif form == "arch":  # n: over the top
        x, y = width * t, -rng.uniform(0.8, 1.1) * np.sin(math.pi * t)
    elif form == "cup":  # u: up to the x-height, down to the baseline, up and down again
        x, y = width * t, -rng.uniform(0.8, 1.1) * np.abs(np.sin(2 * math.pi * t))
    else:  # a flat join with a little wave
        x, y = width * t, -0.15 * np.sin(2 * math.pi * t)
    return np.stack([x, y], axis=1)


def _word(rng: np.random.Generator) -> np.ndarray:
    """A slanted path of 3 to 7 letter-forms, each starting where the last one ended."""
    parts, start = [], np.zeros(2)
    for _ in range(int(rng.integers(3, 8))):
        path = _letter(LETTER_FORMS[int(rng.integers(len(LETTER_FORMS)))], rng) + start
        parts.append(path)
        start = path[-1] * np.array([1.0, 0.0])  # back on the baseline
    points = np.concatenate(parts)
    slant = math.tan(math.radians(rng.uniform(5, 30)))
    points[:, 0] -= slant * points[:, 1]  # y is negative upwards: the tops lean right
    return points + rng.normal(0, 0.02, points.shape)


def cursive(rng: np.random.Generator, side: int) -> Image.Image:
    """A cursive word drawn with the pad's pen, filling the canvas's width, tilted by up to 15°."""
    points = _word(rng)
    low, high = points.min(0), points.max(0)
    scale = 0.8 * side / max(float((high - low).max()), 1e-6)
    offset = (side - (high - low) * scale) / 2
    path = (points - low) * scale + offset
    image = Image.new("L", (side, side), 0)
    width = max(1, round(pen(rng, side) * 0.8))
    draw = ImageDraw.Draw(image)
    draw.line([tuple(p) for p in path.tolist()], fill=255, width=width, joint="curve")
    for x, y in (path[0], path[-1]):  # round ends, as a pen leaves them
        draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return placed(image.rotate(float(rng.uniform(-15, 15)), fillcolor=0), rng, side, 0.3)
