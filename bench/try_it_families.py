"""The picture families bench/try_it_unsure.py shows a shape-trained network: the familiar ones (the
shape generator itself) and the unfamiliar ones, FIT (looked at while the novelty score was designed)
and HELD-OUT (nothing in the method was tuned on them), each as a list of uint8 (H, W, 3) arrays.

Held-out families were added in three rounds, each written down before any change that followed it:
triangles and smooth blobs; checkerboards and lines of text (after the first two were read); photo
crops, crosses, colour gradients and line scribbles (before the tied-covariance and fusion work).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CLASSES = ("circle", "square", "stripes")
SIDE = 64


def colours(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(background, foreground): a dark background and a bright shape, as every training picture has."""
    return tuple(int(v) for v in rng.integers(0, 120, 3)), tuple(int(v) for v in rng.integers(130, 256, 3))


def shape_picture(cls: str, rng: np.random.Generator) -> Image.Image:
    bg, fg = colours(rng)
    image = Image.new("RGB", (SIDE, SIDE), bg)
    draw = ImageDraw.Draw(image)
    (x, y), r = rng.integers(18, 46, 2), int(rng.integers(10, 18))
    if cls == "circle":
        draw.ellipse([x - r, y - r, x + r, y + r], fill=fg)
    elif cls == "square":
        draw.rectangle([x - r, y - r, x + r, y + r], fill=fg)
    else:
        w = int(rng.integers(3, 7))
        for left in range(0, SIDE, 2 * w):
            draw.rectangle([left, 0, left + w - 1, SIDE - 1], fill=fg)
    return image


def write_shapes(root: Path, per_class: int, rng: np.random.Generator) -> list[Path]:
    """An image folder, one sub-folder per class of PNGs; returns the files written."""
    files = []
    for cls in CLASSES:
        (root / cls).mkdir(parents=True)
        for i in range(per_class):
            files.append(root / cls / f"{i}.png")
            shape_picture(cls, rng).save(files[-1])
    return files


def fit_families(rng: np.random.Generator, digits: np.ndarray) -> dict[str, list[np.ndarray]]:
    """The families looked at while the score was designed. `digits`: (N, H, W) uint8 handwritten digits."""
    return {"uniform noise": [rng.integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8) for _ in range(100)],
            "solid colours": [np.full((SIDE, SIDE, 3), rng.integers(0, 256, 3), np.uint8) for _ in range(100)],
            "handwritten digits": [np.repeat(d[..., None], 3, 2) for d in digits],
            "blank pages": [np.full((SIDE, SIDE, 3), int(v), np.uint8) for v in rng.integers(200, 256, 100)]}


def held_out_families(seed: int) -> dict[str, list[np.ndarray]]:
    """Every held-out family, 100 pictures each, in the order they were added."""
    return {**_first_round(np.random.default_rng(seed + 1000)), **_second_round(np.random.default_rng(seed + 2000)),
            **_third_round(np.random.default_rng(seed + 4000))}


def _first_round(rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """A shape class the network never saw, and smooth random blobs."""
    triangles, blobs = [], []
    for _ in range(100):
        bg, fg = colours(rng)
        image = Image.new("RGB", (SIDE, SIDE), bg)
        (x, y), r = rng.integers(18, 46, 2), int(rng.integers(10, 18))
        ImageDraw.Draw(image).polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=fg)
        triangles.append(np.asarray(image))
        small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
        blobs.append(np.asarray(Image.fromarray(small).resize((SIDE, SIDE), Image.Resampling.BICUBIC)))
    return {"triangles (unseen class)": triangles, "smooth random blobs": blobs}


def _second_round(rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Checkerboards and lines of text."""
    boards, text = [], []
    for _ in range(100):
        side, (a, b) = int(rng.integers(2, 9)), (rng.integers(0, 256, 3), rng.integers(0, 256, 3))
        cells = (np.add.outer(np.arange(SIDE) // side, np.arange(SIDE) // side) % 2)[..., None]
        boards.append(np.where(cells == 1, a, b).astype(np.uint8))
        image = Image.new("RGB", (SIDE, SIDE), tuple(int(v) for v in rng.integers(150, 256, 3)))
        draw = ImageDraw.Draw(image)
        for row in range(0, SIDE, 12):
            words = "".join(chr(int(c)) for c in rng.integers(97, 123, 10))
            draw.text((2, row), words, fill=tuple(int(v) for v in rng.integers(0, 100, 3)))
        text.append(np.asarray(image))
    return {"checkerboards": boards, "lines of text": text}


def _third_round(rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Real photographs (crops of scikit-learn's two sample photos, any size), crosses (another unseen
    shape class in the training colours), linear colour gradients and scribbled lines."""
    return {"photo crops": _photo_crops(rng), "crosses (unseen class)": [_cross(rng) for _ in range(100)],
            "colour gradients": [_gradient(rng) for _ in range(100)],
            "line scribbles": [_scribble(rng) for _ in range(100)]}


def _photo_crops(rng: np.random.Generator) -> list[np.ndarray]:
    from sklearn.datasets import load_sample_images  # the bench's extra: pip install -e ".[test]"

    photos = load_sample_images().images  # china.jpg, flower.jpg: (427, 640, 3) uint8
    crops = []
    for _ in range(100):
        photo = photos[int(rng.integers(0, len(photos)))]
        side = int(rng.integers(40, 300))
        top, left = int(rng.integers(0, photo.shape[0] - side)), int(rng.integers(0, photo.shape[1] - side))
        crops.append(np.ascontiguousarray(photo[top:top + side, left:left + side]))
    return crops


def _cross(rng: np.random.Generator) -> np.ndarray:
    bg, fg = colours(rng)
    image = Image.new("RGB", (SIDE, SIDE), bg)
    draw = ImageDraw.Draw(image)
    (x, y), r, w = rng.integers(18, 46, 2), int(rng.integers(10, 18)), int(rng.integers(2, 5))
    draw.rectangle([x - r, y - w, x + r, y + w], fill=fg)
    draw.rectangle([x - w, y - r, x + w, y + r], fill=fg)
    return np.asarray(image)


def _gradient(rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:SIDE, 0:SIDE] / (SIDE - 1)
    t = (np.cos(angle) * xx + np.sin(angle) * yy)
    t = ((t - t.min()) / (t.max() - t.min()))[..., None]
    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    return (a * (1 - t) + b * t).astype(np.uint8)


def _scribble(rng: np.random.Generator) -> np.ndarray:
    image = Image.new("RGB", (SIDE, SIDE), tuple(int(v) for v in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 6))):
        points = [tuple(int(v) for v in rng.integers(0, SIDE, 2)) for _ in range(int(rng.integers(3, 7)))]
        draw.line(points, fill=tuple(int(v) for v in rng.integers(0, 256, 3)), width=int(rng.integers(1, 5)))
    return np.asarray(image)
