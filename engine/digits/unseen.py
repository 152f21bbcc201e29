"""Three more held-out families of non-digits, written before the score that is judged on them
(engine.training.calibration) was tuned: they are evaluation only, never fitted.

    numbers   two or three digits side by side: a number, not a digit
    speckle   a sprinkle of pen-tip specks over part of the pad
    marks     arrows, check marks, crosses and wavy lines, drawn with the pad's pen

Must not import Qt, torch or gui/.
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from engine.digits.figures import Draw, pen, placed


def numbers(rng: np.random.Generator, side: int, digit: Draw) -> Image.Image:
    """Two or three digits in a row, each as tall as the row, a little apart, on a square."""
    count = int(rng.integers(2, 4))
    height = side // 2
    width = round(height * rng.uniform(0.6, 0.8))
    gap = round(height * rng.uniform(0.05, 0.25))
    row = Image.new("L", (count * width + (count - 1) * gap, height), 0)
    for k in range(count):
        one = digit(rng, height).crop(((height - width) // 2, 0, (height - width) // 2 + width, height))
        row.paste(one, (k * (width + gap), 0))
    scale = side / row.width
    row = row.resize((side, max(1, round(height * scale))), Image.Resampling.BILINEAR)
    square = Image.new("L", (side, side), 0)
    square.paste(row, (0, (side - row.height) // 2))
    return placed(square, rng, side, 0.4)


def speckle(rng: np.random.Generator, side: int) -> Image.Image:
    """10 to 80 specks, each a pen tip or smaller, scattered over a box of a third of the pad or more."""
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(10, 81))):
        x, y = rng.uniform(0.05, 0.95, 2) * side
        r = side * rng.uniform(0.004, 0.025)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return placed(image, rng, side, 0.35)


def marks(rng: np.random.Generator, side: int) -> Image.Image:
    """An arrow (either way), a check mark, a cross or a wavy line, tilted by up to 30°: turned further,
    a wavy line or a check mark becomes a shaky 1 or a 7."""
    image = Image.new("L", (side, side), 0)
    draw, width, s = ImageDraw.Draw(image), pen(rng, side), side
    kind = int(rng.integers(4))
    if kind == 0:  # arrow: a shaft and two barbs
        draw.line([(0.1 * s, 0.5 * s), (0.9 * s, 0.5 * s)], fill=255, width=width)
        for dy in (-0.2, 0.2):
            draw.line([(0.9 * s, 0.5 * s), (0.68 * s, (0.5 + dy) * s)], fill=255, width=width)
    elif kind == 1:  # check mark
        draw.line([(0.1 * s, 0.55 * s), (0.38 * s, 0.85 * s), (0.9 * s, 0.15 * s)], fill=255, width=width,
                  joint="curve")
    elif kind == 2:  # cross
        draw.line([(0.15 * s, 0.15 * s), (0.85 * s, 0.85 * s)], fill=255, width=width)
        draw.line([(0.85 * s, 0.15 * s), (0.15 * s, 0.85 * s)], fill=255, width=width)
    else:  # a wavy line of two to four waves
        t = np.linspace(0.0, 1.0, 80)
        waves, height = rng.uniform(2, 4), rng.uniform(0.05, 0.15)
        points = [(float((0.05 + 0.9 * a) * s), float((0.5 + height * math.sin(2 * math.pi * waves * a)) * s))
                  for a in t]
        draw.line(points, fill=255, width=width, joint="curve")
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return placed(image.rotate(float(rng.uniform(-30, 30)), fillcolor=0), rng, side, 0.3)
