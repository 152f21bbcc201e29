"""Families of non-digits, for teaching a digit classifier to say "unsure" and for judging whether it does.

Each family draws pad-like canvases: uint8 (side, side), white ink on black (textures are
grayscale pictures). FITTED families are what outlier exposure (engine.training.outliers) and the
calibration's rejection head learn from; the HELD_OUT ones are never used for fitting, only by
bench/ood.py and the tests to measure the flag on kinds of input nobody tuned it for.

    fitted    scribbles   dashes, rings, zig-zag scrawls, filled blobs (engine.digits.scribbles)
              shapes      polygons, stars, rectangles: outlines or filled
              textures    natural-image-like pictures: 1/f noise, gratings, shaded gradients
              overlaps    two or three digits drawn over each other
              jumbles     halves of two digits joined, or a digit's quarters shuffled
              strokes     two to five lines, arcs, rings and dots anywhere
              marred      a digit with strokes across it or a band of it wiped away
    held out  dots        one filled dot or disc, from a pen tip to most of the pad
              letters     letters that do not look like digits, from the system's fonts
              stray       an almost empty pad: one short tick or speck somewhere
              hatching    parallel lines, grids and checkerboards
              doodles     smileys, houses, hearts, spirals, suns
              symbols     + × ÷ = % & @ # ? * < > ~ and the like, from the system's fonts
              numbers, speckle, marks: engine.digits.unseen (written before the score was tuned)
              cursive     a word in joined handwriting: engine.digits.cursive (written before round 6)

Every family draws its figure into a box of random size (a tenth of the canvas to all of it)
at a random place, so size alone never tells a digit. `nondigit_frames` turns canvases into the
framed 28×28 (or other) fields a network sees. Must not import Qt, torch or gui/.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from engine.digits.cursive import cursive
from engine.digits.figures import CANVAS, Draw
from engine.digits.figures import pen as _pen
from engine.digits.figures import placed as _placed
from engine.digits.scribbles import KINDS, make_scribble
from engine.digits.synth import make_digit
from engine.digits.unseen import marks, numbers, speckle

# Letters and symbols that are written like a digit are left out: O and D are a 0, I and l a 1,
# Z a 2, S a 5, G and b a 6, B and g an 8, q a 9; |, / and ( are a 1.
LETTERS = "ACEFHKLMNPRTUVWXYacdefhkmnprtuvwxy"
SYMBOLS = "+×÷=%&@#?*<>~^[]$€±§¶√∞≠"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")
NOT_TEXT_FONTS = ("dingbat", "d050000l", "symbol", "emoji", "z003")  # pictures or script, not letters


@dataclass(frozen=True)
class Family:
    name: str
    fitted: bool  # learned from (outlier exposure, the calibration head); False: evaluation only
    about: str
    draw: Draw  # (rng, side) -> "L" image, ink bright


def _scribbles(rng: np.random.Generator, side: int) -> Image.Image:
    kind = KINDS[int(rng.integers(len(KINDS)))]
    return _placed(Image.fromarray(make_scribble(kind, rng, side)), rng, side, 0.25)


def _shapes(rng: np.random.Generator, side: int) -> Image.Image:
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    corners = int(rng.integers(3, 7))
    star = rng.random() < 0.3
    points_around = corners * (2 if star else 1)
    t = rng.uniform(0, 2 * math.pi) + np.arange(points_around) * 2 * math.pi / points_around
    radius = side * 0.42 * np.where(np.arange(t.size) % 2 == 1, 0.45, 1.0) if star else side * 0.42
    aspect = rng.uniform(0.6, 1.0) if corners == 4 else 1.0
    points = [(side / 2 + float(r) * math.cos(a) * aspect, side / 2 + float(r) * math.sin(a))
              for r, a in zip(np.broadcast_to(radius, t.shape), t)]
    if rng.random() < 0.4:
        draw.polygon(points, fill=255)
    else:
        draw.line(points + points[:1], fill=255, width=_pen(rng, side), joint="curve")
    return _placed(image, rng, side)


def _smooth_noise(rng: np.random.Generator, side: int) -> np.ndarray:
    """1/f-like noise in [0, 1]: octaves of upscaled random grids, the coarse ones strongest."""
    total = np.zeros((side, side), np.float32)
    for octave in range(2, 7):
        cells = 2 ** octave
        grid = Image.fromarray(rng.random((cells, cells)).astype(np.float32))
        total += np.asarray(grid.resize((side, side), Image.Resampling.BICUBIC), np.float32) / octave
    return (total - total.min()) / max(float(np.ptp(total)), 1e-6)


def _textures(rng: np.random.Generator, side: int) -> Image.Image:
    kind = int(rng.integers(3))
    if kind == 0:
        values = _smooth_noise(rng, side)
    else:
        yy, xx = np.mgrid[0:side, 0:side].astype(np.float32) / side
        angle = rng.uniform(0, math.pi)
        along = xx * math.cos(angle) + yy * math.sin(angle)
        values = (0.5 + 0.5 * np.sin(2 * math.pi * rng.uniform(2, 12) * along) if kind == 1
                  else along / max(float(along.max()), 1e-6))
        values = 0.6 * values + 0.4 * _smooth_noise(rng, side)
    contrast = rng.uniform(0.4, 1.0)
    values = np.clip(0.5 + (values - 0.5) * contrast * 2, 0, 1)
    return Image.fromarray(np.rint(values * 255).astype(np.uint8))


def _digit_canvas(rng: np.random.Generator, side: int) -> Image.Image:
    digit = Image.fromarray(np.rint(make_digit(int(rng.integers(10)), rng) * 255).astype(np.uint8))
    return digit.resize((side, side), Image.Resampling.BILINEAR)


def _overlaps(rng: np.random.Generator, side: int, digit: Draw = _digit_canvas) -> Image.Image:
    """Two or three digits over each other, each shifted by a fifth to two fifths of its size."""
    inner = round(side * 0.6)
    canvas = np.zeros((side, side), np.uint8)
    start = rng.integers(0, side - inner + 1, 2)
    for k in range(int(rng.integers(2, 4))):
        one = np.asarray(digit(rng, inner))
        angle, shift = rng.uniform(0, 2 * math.pi), inner * rng.uniform(0.2, 0.4) * (k > 0)
        where = np.clip(start + shift * np.array([math.cos(angle), math.sin(angle)]), 0, side - inner)
        left, top = (int(v) for v in where)
        np.maximum(canvas[top:top + inner, left:left + inner], one, out=canvas[top:top + inner, left:left + inner])
    return Image.fromarray(canvas)


def _jumbles(rng: np.random.Generator, side: int, digit: Draw = _digit_canvas) -> Image.Image:
    """Pieces of two digits made into one figure: the top of one on the bottom of another, a left
    half on a right half, or one digit's quarters shuffled."""
    a, b = np.asarray(digit(rng, side)), np.asarray(digit(rng, side))
    cut = int(side * rng.uniform(0.35, 0.65))
    kind = int(rng.integers(3))
    if kind == 0:
        out = np.vstack([a[:cut], b[cut:]])
    elif kind == 1:
        out = np.hstack([a[:, :cut], b[:, cut:]])
    else:
        half = side // 2
        tiles = [a[:half, :half], a[:half, half:2 * half], a[half:2 * half, :half], a[half:2 * half, half:2 * half]]
        order = rng.permutation(4)
        while (order == np.arange(4)).all():
            order = rng.permutation(4)
        out = np.block([[tiles[order[0]], tiles[order[1]]], [tiles[order[2]], tiles[order[3]]]])
    return _placed(Image.fromarray(np.ascontiguousarray(out, dtype=np.uint8)), rng, side, 0.3)


def _marred(rng: np.random.Generator, side: int, digit: Draw = _digit_canvas) -> Image.Image:
    """A digit with one or two pen strokes across it, or with a band of it wiped away."""
    image = digit(rng, side).copy()
    draw = ImageDraw.Draw(image)
    ink = image.getbbox() or (0, 0, side, side)
    if rng.random() < 0.6:
        pen = _pen(rng, side)
        w, h = ink[2] - ink[0], ink[3] - ink[1]
        for _ in range(int(rng.integers(1, 3))):  # from one side of the digit's box to the other
            x0, x1 = ink[0] + w * rng.uniform(0, 0.3), ink[2] - w * rng.uniform(0, 0.3)
            y0, y1 = ink[1] + h * rng.uniform(0, 0.3), ink[3] - h * rng.uniform(0, 0.3)
            if rng.random() < 0.5:
                draw.line([(x0, y0), (x1, y1)] if rng.random() < 0.5 else [(x0, y1), (x1, y0)], fill=255, width=pen)
            else:
                start = float(rng.uniform(0, 360))
                draw.arc((x0, y0, x1 + pen, y1 + pen), start, start + float(rng.uniform(120, 300)), fill=255, width=pen)
    else:
        across = rng.random() < 0.6  # a band across the digit, else down it
        low, high = (ink[1], ink[3]) if across else (ink[0], ink[2])
        width = (high - low) * rng.uniform(0.35, 0.5)
        start = rng.uniform(low, high - width)
        box = (ink[0], start, ink[2], start + width) if across else (start, ink[1], start + width, ink[3])
        draw.rectangle(box, fill=0)
    return _placed(image, rng, side, 0.3)


def _strokes(rng: np.random.Generator, side: int) -> Image.Image:
    """Two to five pen primitives anywhere: straight lines, arcs, small rings, dots."""
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    pen = _pen(rng, side)
    for _ in range(int(rng.integers(2, 6))):
        kind = int(rng.integers(4))
        (x0, x1), (y0, y1) = np.sort(rng.uniform(0.05, 0.95, (2, 2)) * side, axis=1)
        if kind == 0:
            draw.line([(x0, y0), (x1, y1)] if rng.random() < 0.5 else [(x0, y1), (x1, y0)], fill=255, width=pen)
        elif kind == 1:
            start = float(rng.uniform(0, 360))
            draw.arc((x0, y0, max(x1, x0 + pen), max(y1, y0 + pen)), start, start + float(rng.uniform(90, 300)),
                     fill=255, width=pen)
        else:
            r = side * rng.uniform(0.02, 0.12) if kind == 2 else pen * 0.7
            draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), outline=255 if kind == 2 else None,
                         fill=None if kind == 2 else 255, width=pen if kind == 2 else 0)
    return _placed(image, rng, side, 0.2)


def _dots(rng: np.random.Generator, side: int) -> Image.Image:
    image = Image.new("L", (side, side), 0)
    diameter = side * math.exp(rng.uniform(math.log(0.015), math.log(0.6)))
    w, h = diameter * rng.uniform(0.7, 1.0), diameter * rng.uniform(0.7, 1.0)
    x, y = rng.uniform(0, side - w), rng.uniform(0, side - h)
    ImageDraw.Draw(image).ellipse((x, y, x + w, y + h), fill=255)
    return image


@lru_cache(maxsize=1)
def system_fonts() -> tuple[str, ...]:
    """Paths of the system's text fonts (TrueType, OpenType); empty when there are none."""
    found = []
    for root in FONT_DIRS:
        for suffix in ("*.ttf", "*.otf"):
            found += [str(p) for p in Path(root).rglob(suffix) if not any(n in p.name.lower() for n in NOT_TEXT_FONTS)]
    return tuple(sorted(set(found)))


def _font(rng: np.random.Generator, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    fonts = system_fonts()
    if fonts:
        try:
            return ImageFont.truetype(fonts[int(rng.integers(len(fonts)))], size)
        except OSError:
            pass
    return ImageFont.load_default(size)


def _glyph(rng: np.random.Generator, side: int, characters: str) -> Image.Image:
    """One character, rendered white on black to fill most of a square, slightly rotated."""
    image = Image.new("L", (side * 2, side * 2), 0)
    draw = ImageDraw.Draw(image)
    draw.text((side, side), characters[int(rng.integers(len(characters)))], fill=255,
              font=_font(rng, side), anchor="mm")
    box = image.getbbox()
    if box is None:  # a font without this character
        draw.text((side, side), characters[0], fill=255, font=ImageFont.load_default(side), anchor="mm")
        box = image.getbbox() or (0, 0, side * 2, side * 2)
    glyph = image.crop(box).rotate(float(rng.uniform(-12, 12)), expand=True, fillcolor=0)
    scale = side * 0.9 / max(glyph.size)
    glyph = glyph.resize((max(1, round(glyph.width * scale)), max(1, round(glyph.height * scale))))
    square = Image.new("L", (side, side), 0)
    square.paste(glyph, ((side - glyph.width) // 2, (side - glyph.height) // 2))
    return _placed(square, rng, side, 0.3)


def _letters(rng: np.random.Generator, side: int) -> Image.Image:
    return _glyph(rng, side, LETTERS)


def _symbols(rng: np.random.Generator, side: int) -> Image.Image:
    return _glyph(rng, side, SYMBOLS)


def _stray(rng: np.random.Generator, side: int) -> Image.Image:
    image = Image.new("L", (side, side), 0)
    length = side * rng.uniform(0.0, 0.08)
    x, y = rng.uniform(0.05, 0.95, 2) * side
    angle = rng.uniform(0, 2 * math.pi)
    width = max(1, round(side * rng.uniform(0.01, 0.05)))
    draw = ImageDraw.Draw(image)
    end = (x + length * math.cos(angle), y + length * math.sin(angle))
    draw.line([(x, y), end], fill=255, width=width)
    for cx, cy in ((x, y), end):
        draw.ellipse((cx - width / 2, cy - width / 2, cx + width / 2, cy + width / 2), fill=255)
    return image


def _hatching(rng: np.random.Generator, side: int) -> Image.Image:
    image = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(image)
    kind = int(rng.integers(3))
    count = int(rng.integers(3, 8))
    pen = _pen(rng, side)
    if kind == 2:  # checkerboard
        cell = side / count
        for i in range(count):
            for j in range(i % 2, count, 2):
                draw.rectangle((j * cell, i * cell, (j + 1) * cell, (i + 1) * cell), fill=255)
        return _placed(image, rng, side, 0.3)
    angle = rng.uniform(0, math.pi)
    for direction in ((angle,) if kind == 0 else (angle, angle + math.pi / 2)):
        dx, dy = math.cos(direction), math.sin(direction)
        for offset in np.linspace(-0.4, 0.4, count) * side:
            cx, cy = side / 2 - dy * offset, side / 2 + dx * offset
            draw.line([(cx - dx * side * 0.45, cy - dy * side * 0.45), (cx + dx * side * 0.45, cy + dy * side * 0.45)],
                      fill=255, width=pen)
    return _placed(image, rng, side, 0.3)


def _doodles(rng: np.random.Generator, side: int) -> Image.Image:
    image = Image.new("L", (side, side), 0)
    draw, pen, s = ImageDraw.Draw(image), _pen(rng, side), side
    kind = int(rng.integers(5))
    if kind == 0:  # smiley
        draw.ellipse((0.08 * s, 0.08 * s, 0.92 * s, 0.92 * s), outline=255, width=pen)
        for ex in (0.35, 0.65):
            draw.ellipse(((ex - 0.05) * s, 0.3 * s, (ex + 0.05) * s, 0.4 * s), fill=255)
        draw.arc((0.28 * s, 0.35 * s, 0.72 * s, 0.72 * s), 20, 160, fill=255, width=pen)
    elif kind == 1:  # house
        draw.rectangle((0.2 * s, 0.45 * s, 0.8 * s, 0.92 * s), outline=255, width=pen)
        draw.line([(0.12 * s, 0.5 * s), (0.5 * s, 0.1 * s), (0.88 * s, 0.5 * s)], fill=255, width=pen)
        draw.rectangle((0.43 * s, 0.65 * s, 0.57 * s, 0.92 * s), outline=255, width=max(1, pen // 2))
    elif kind == 2:  # heart
        t = np.linspace(0, 2 * math.pi, 60)
        x, y = 16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        draw.line([(float(s / 2 + a * s / 40), float(s / 2 + b * s / 40)) for a, b in zip(x, y)], fill=255, width=pen)
    elif kind == 3:  # spiral
        t = np.linspace(0, rng.uniform(3, 5) * 2 * math.pi, 200)
        r = 0.45 * s * t / t[-1]
        draw.line([(float(s / 2 + a * math.cos(b)), float(s / 2 + a * math.sin(b))) for a, b in zip(r, t)],
                  fill=255, width=max(1, pen // 2))
    else:  # sun: a disc with rays
        draw.ellipse((0.33 * s, 0.33 * s, 0.67 * s, 0.67 * s), fill=255)
        for a in np.arange(int(rng.integers(6, 12))) * 2 * math.pi / 8:
            draw.line([(s / 2 + 0.25 * s * math.cos(a), s / 2 + 0.25 * s * math.sin(a)),
                       (s / 2 + 0.47 * s * math.cos(a), s / 2 + 0.47 * s * math.sin(a))], fill=255, width=pen)
    return _placed(image.rotate(float(rng.uniform(-20, 20)), fillcolor=0), rng, side, 0.3)


FAMILIES = (
    Family("scribbles", True, "dashes, rings, zig-zag scrawls, filled blobs", _scribbles),
    Family("shapes", True, "polygons, stars, rectangles: outlines or filled", _shapes),
    Family("textures", True, "natural-image-like pictures: 1/f noise, gratings, shaded gradients", _textures),
    Family("overlaps", True, "two or three digits drawn over each other", _overlaps),
    Family("jumbles", True, "halves of two digits joined, or a digit's quarters shuffled", _jumbles),
    Family("strokes", True, "two to five lines, arcs, rings and dots anywhere", _strokes),
    Family("marred", True, "a digit with strokes across it or a band of it wiped away", _marred),
    Family("dots", False, "one filled dot or disc, from a pen tip to most of the pad", _dots),
    Family("letters", False, "letters unlike digits, from the system's fonts", _letters),
    Family("stray", False, "an almost empty pad: one short tick or speck", _stray),
    Family("hatching", False, "parallel lines, grids and checkerboards", _hatching),
    Family("doodles", False, "smileys, houses, hearts, spirals, suns", _doodles),
    Family("symbols", False, "+ × ÷ = % & @ # ? and the like, from the system's fonts", _symbols),
    Family("numbers", False, "two or three digits side by side", lambda r, s: numbers(r, s, _digit_canvas)),
    Family("speckle", False, "a sprinkle of pen-tip specks over part of the pad", speckle),
    Family("marks", False, "arrows, check marks, crosses, wavy lines", marks),
    Family("cursive", False, "a word in joined handwriting: loops, arches, cups", cursive),
)
FITTED = tuple(f.name for f in FAMILIES if f.fitted)
HELD_OUT = tuple(f.name for f in FAMILIES if not f.fitted)
_BY_NAME = {f.name: f for f in FAMILIES}
# drawn from given digits, if any
_FROM_DIGITS = {"overlaps": _overlaps, "jumbles": _jumbles, "marred": _marred, "numbers": numbers}


def make_family(name: str, n: int, seed: int = 0, side: int = CANVAS,
                overlap_digits: np.ndarray | None = None) -> list[np.ndarray]:
    """n canvases of one family: uint8 (side, side). `overlap_digits` (N, 28, 28) uint8, white on
    black, are the digits "overlaps", "jumbles", "marred" and "numbers" are made of (synthetic ones when None)."""
    family = _BY_NAME[name]
    rng = np.random.default_rng(seed)
    draw = family.draw
    if name in _FROM_DIGITS and overlap_digits is not None:
        def pick(r: np.random.Generator, s: int) -> Image.Image:
            one = Image.fromarray(overlap_digits[int(r.integers(len(overlap_digits)))])
            return one.resize((s, s), Image.Resampling.BILINEAR)

        def draw(r: np.random.Generator, s: int) -> Image.Image:
            return _FROM_DIGITS[name](r, s, pick)
    return [np.asarray(draw(rng, side), dtype=np.uint8) for _ in range(n)]


def nondigit_frames(n: int, seed: int, frame: tuple[int, int] = (28, 28), families: tuple[str, ...] = FITTED,
                    overlap_digits: np.ndarray | None = None, side: int = 84) -> np.ndarray:
    """n non-digits of `families` (taking turns) framed the way the pad frames a drawing: float32
    (n, H, W) in [0, 1]. Drawn on small canvases (`side`): the same figures, 10× cheaper to frame."""
    from engine.digits.preprocess import frames_as_the_pad_sees

    per = -(-n // max(1, len(families)))
    canvases = [c for i, name in enumerate(families)
                for c in make_family(name, per, seed + 7919 * i, side, overlap_digits)]
    order = np.arange(per * len(families)).reshape(len(families), per).T.ravel()[:n]  # families take turns
    return frames_as_the_pad_sees([canvases[i] for i in order], frame)
