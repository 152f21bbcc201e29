"""Offline handwritten-style digits drawn from randomized pen strokes (not fonts).

Owns `make_digits` and the per-sample randomization: style variant, control-point jitter,
pen lifted early or put down late, a smooth elastic warp, proportions, slant, rotation, aspect,
pen width and pressure, a slight tremor and, for some digits, ink bleed (soft edges). Each
digit is drawn with a round pen at about 3× the final resolution and then framed by the same
MNIST code the real-image preprocessing uses (`framing.frame_digit`).

Must not import Qt, pyqtgraph or anything from gui/.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from engine.digits.framing import frame_digit
from engine.digits.strokes import CLASS_SHAPE, DIGIT_STROKES, StrokeModel, stroke_model

RENDER_SIDE = 64  # px of the digit's larger side when drawn; framing shrinks it to 20
PATH_SPACING = 0.04  # unit-box distance between pen-path points (2.5 px when drawn)
CHUNK = 3  # path segments drawn with one pen width
PROGRESS_EVERY = 100  # digits between progress calls (about 0.1 s): how soon a load can be cancelled


@dataclass(frozen=True)
class SynthStyle:
    """Ranges of the per-sample randomization (unit box = the digit's skeleton box)."""

    jitter: tuple[float, float] = (0.01, 0.04)  # σ of control-point noise
    trim: float = 0.08  # up to this fraction of each stroke may be left off at either end
    warp: float = 0.06  # amplitude of the smooth elastic warp
    proportion: float = 0.25  # σ of log γ in x -> x**γ, y -> y**γ: moves loops and junctions
    rotation_deg: float = 15.0  # uniform ±
    slant: tuple[float, float] = (0.15, 0.22)  # shear (mean, σ); positive leans right like most MNIST
    aspect: tuple[float, float] = (0.7, 1.3)  # width scale, log-uniform
    thickness: tuple[float, float] = (0.055, 0.21)  # pen width over the digit's larger side
    pressure: float = 0.2  # relative pen-width swing along a stroke
    wobble: float = 0.006  # σ of the hand's tremor, smoothed along the path
    bleed: float = 2.0  # up to this Gaussian blur radius (px at RENDER_SIDE) for soft-edged pens


DEFAULT_STYLE = SynthStyle()


@lru_cache(maxsize=None)
def _models(label: int) -> tuple[np.ndarray, tuple[tuple[StrokeModel, ...], ...]]:
    """Cumulative variant weights and the precomputed strokes of each variant of a class."""
    variants = DIGIT_STROKES[label]
    cumulative = np.cumsum([weight for weight, _ in variants])
    strokes = tuple(tuple(stroke_model(s, PATH_SPACING) for s in v) for _, v in variants)
    return cumulative, strokes


def _pick_variant(label: int, rng: np.random.Generator) -> tuple[StrokeModel, ...]:
    cumulative, variants = _models(label)
    return variants[int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))]


def _stroke_path(model: StrokeModel, sigma: float, rng: np.random.Generator, style: SynthStyle) -> np.ndarray:
    """Jittered control points -> spline path -> trimmed ends -> tremor. (N, 2) unit coords."""
    noise = rng.normal(0.0, sigma, model.points.shape)
    if len(noise) > 6:  # dense outlines (ovals, loops): neighbours move together, no kinks
        noise[1:-1] = 1.6 * (0.25 * noise[:-2] + 0.5 * noise[1:-1] + 0.25 * noise[2:])
    path = model.basis @ (model.points + noise)  # (N, n) @ (n, 2) -> (N, 2)
    first, last = (rng.uniform(0.0, style.trim, 2) * len(path)).astype(int)
    path = path[first:max(first + 2, len(path) - last)]  # pens start late and lift early
    tremor = rng.normal(0.0, style.wobble, (len(path) + 2, 2))
    return path + (tremor[:-2] + tremor[1:-1] + tremor[2:]) * (1.0 / 3.0)  # smoothed: a hand, not noise


def _elastic(points: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Displace (N, 2) points by two random low-frequency plane waves per axis."""
    freqs = rng.normal(0.0, 1.2 * 2 * math.pi, (4, 2))
    waves = np.sin(points @ freqs.T + rng.uniform(0.0, 2 * math.pi, 4))  # (N, 2) -> (N, 4)
    waves *= amplitude * rng.uniform(0.3, 1.0, 4)
    return points + np.stack([waves[:, 0] + waves[:, 1], waves[:, 2] + waves[:, 3]], axis=1)


def _affine(label: int, rng: np.random.Generator, style: SynthStyle) -> np.ndarray:
    """2×2 matrix: width scale, then slant (x shifts with height), then rotation."""
    width, lean = CLASS_SHAPE[label]
    aspect = width * math.exp(rng.uniform(math.log(style.aspect[0]), math.log(style.aspect[1])))
    slant = float(np.clip(rng.normal(*style.slant) + lean, -0.8, 0.8))
    angle = math.radians(rng.uniform(-style.rotation_deg, style.rotation_deg))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    shear = np.array([[1.0, -slant], [0.0, 1.0]])  # y grows downwards: -slant leans the top right
    return rot @ shear @ np.diag([aspect, 1.0])


def digit_paths(label: int, rng: np.random.Generator, style: SynthStyle = DEFAULT_STYLE) -> list[np.ndarray]:
    """The randomized pen paths of one digit, (N_i, 2) each, in unit-ish coordinates."""
    sigma = rng.uniform(*style.jitter)
    paths = [_stroke_path(m, sigma, rng, style) for m in _pick_variant(label, rng)]
    sizes = np.cumsum([len(p) for p in paths])[:-1]
    gamma = np.exp(rng.normal(0.0, style.proportion, 2))
    points = np.concatenate(paths)
    points = np.sign(points) * np.abs(points) ** gamma  # unit box stays put, insides shift
    points = _elastic(points, rng, style.warp * rng.uniform(0.0, 1.0))
    points = (points - 0.5) @ _affine(label, rng, style).T
    return np.split(points, sizes)


def render_paths(paths: list[np.ndarray], thickness: float, rng: np.random.Generator,
                 pressure: float = DEFAULT_STYLE.pressure) -> Image.Image:
    """Draw paths with a round pen; an "L" image, ink 255 on 0, digit's larger side RENDER_SIDE px."""
    points = np.concatenate(paths)
    low, extent = points.min(axis=0), np.ptp(points, axis=0)
    scale = RENDER_SIDE / max(float(extent.max()), 1e-3)
    pen = thickness * RENDER_SIDE
    margin = pen + 2.0
    size = np.ceil(extent * scale + 2 * margin).astype(int)
    canvas = Image.new("L", (int(size[0]), int(size[1])), 0)
    draw = ImageDraw.Draw(canvas)
    for path in paths:
        xy = (path - low) * scale + margin  # (N, 2) unit -> pixel coordinates
        swing = pressure * rng.uniform(0.0, 1.0)
        phase, cycles = rng.uniform(0.0, 2 * math.pi), rng.uniform(0.3, 1.5)
        widths = pen * (1.0 + swing * np.sin(phase + 2 * math.pi * cycles * np.linspace(0.0, 1.0, len(xy))))
        _draw_path(draw, xy, widths)
    return canvas


def _draw_path(draw: ImageDraw.ImageDraw, xy: np.ndarray, widths: np.ndarray) -> None:
    """Draw in chunks of CHUNK segments, each with one width; round dots at joins and corners.

    PIL's own round joints cost ~20× more; between chunk ends the path turns so little per
    segment that plain joints leave no visible notch at the final 28×28 size.
    """
    last = len(xy) - 1
    coords = xy.tolist()
    for start in range(0, max(1, last), CHUNK):
        width = float(widths[min(start + CHUNK // 2, last)])
        draw.line([tuple(p) for p in coords[start:start + CHUNK + 1]], fill=255, width=max(1, round(width)))
        _dot(draw, coords[start], width)
    for i in [last, *_sharp_turns(xy)]:
        _dot(draw, coords[i], float(widths[i]))


def _dot(draw: ImageDraw.ImageDraw, xy: list[float], width: float) -> None:
    r = width / 2
    draw.ellipse((xy[0] - r, xy[1] - r, xy[0] + r, xy[1] + r), fill=255)


def _sharp_turns(xy: np.ndarray, min_cos: float = 0.9) -> list[int]:
    """Indices of path points where the direction turns by more than ~25° (corners)."""
    d = np.diff(xy, axis=0)
    d /= np.maximum(np.sqrt((d * d).sum(axis=1, keepdims=True)), 1e-9)
    return (np.flatnonzero((d[:-1] * d[1:]).sum(axis=1) < min_cos) + 1).tolist()


def make_digit(label: int, rng: np.random.Generator, style: SynthStyle = DEFAULT_STYLE) -> np.ndarray:
    """One synthetic digit as a 28×28 float32 image, ink 1 on 0, MNIST-framed."""
    thickness = rng.uniform(*style.thickness)
    canvas = render_paths(digit_paths(label, rng, style), thickness, rng, style.pressure)
    radius = rng.uniform(0.0, style.bleed)
    if radius > 0.5:
        canvas = canvas.filter(ImageFilter.GaussianBlur(radius))
    ink = np.asarray(canvas, dtype=np.float32) * (1.0 / 255.0)
    framed = frame_digit(ink, (28, 28), ignore_specks=False)
    if framed is None:  # cannot happen: a drawn path always leaves ink
        raise RuntimeError(f"synthetic digit {label} came out empty")
    return framed.centred


def make_digits(n: int, seed: int = 0, style: SynthStyle = DEFAULT_STYLE,
                progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """n synthetic digits: uint8 images (n, 28, 28), white ink on black, and int64 labels (n,).

    Labels are balanced over 0-9 (counts differ by at most one) in a shuffled order; the same
    seed gives the same digits. `progress(done)` is called every PROGRESS_EVERY digits and at
    the end; an exception it raises stops the drawing there (how a closing window cancels it).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}.")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n, dtype=np.int64) % 10)
    images = np.empty((n, 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels.tolist()):
        if progress is not None and i and i % PROGRESS_EVERY == 0:
            progress(i)
        images[i] = np.rint(make_digit(label, rng, style) * 255.0)
    if progress is not None:
        progress(n)
    return images, labels
