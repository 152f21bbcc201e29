"""Offline handwritten-style digits drawn from randomized pen strokes (not fonts).

Owns `make_digits` and the per-sample randomization: style variant, control-point jitter, a
smooth elastic warp, slant, rotation, aspect, pen width and pressure, and a slight tremor.
Each digit is drawn with a round pen at about 3× the final resolution and then framed by the
same MNIST code the real-image preprocessing uses (`framing.frame_digit`).

Must not import Qt, pyqtgraph or anything from gui/.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from engine.digits.framing import frame_digit
from engine.digits.strokes import CLASS_SHAPE, DIGIT_STROKES, resample, smooth_path

RENDER_SIDE = 64  # px of the digit's larger side when drawn; framing shrinks it to 20
PATH_SPACING = 0.025  # unit-box distance between points of a drawn path
CHUNK = 4  # path segments drawn with one pen width


@dataclass(frozen=True)
class SynthStyle:
    """Ranges of the per-sample randomization (unit box = the digit's skeleton box)."""

    jitter: tuple[float, float] = (0.01, 0.04)  # σ of control-point noise
    warp: float = 0.06  # amplitude of the smooth elastic warp
    proportion: float = 0.25  # σ of log γ in x -> x**γ, y -> y**γ: moves loops and junctions
    rotation_deg: float = 15.0  # uniform ±
    slant: tuple[float, float] = (0.15, 0.22)  # shear (mean, σ); positive leans right like most MNIST
    aspect: tuple[float, float] = (0.7, 1.3)  # width scale, log-uniform
    thickness: tuple[float, float] = (0.05, 0.2)  # pen width over the digit's larger side
    pressure: float = 0.2  # relative pen-width swing along a stroke
    wobble: float = 0.006  # σ of the hand's tremor, smoothed along the path


DEFAULT_STYLE = SynthStyle()


def _pick_variant(label: int, rng: np.random.Generator) -> list[list[tuple[float, ...]]]:
    variants = DIGIT_STROKES[label]
    cumulative = np.cumsum([w for w, _ in variants])
    return variants[int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))][1]


def _stroke_path(stroke: list[tuple[float, ...]], sigma: float, rng: np.random.Generator,
                 style: SynthStyle) -> np.ndarray:
    """Jittered control points -> smooth path -> even spacing -> tremor. (N, 2) unit coords."""
    points = np.array([p[:2] for p in stroke], dtype=np.float64)
    corners = np.array([len(p) > 2 for p in stroke])
    noise = rng.normal(0.0, sigma, points.shape)
    if len(points) > 6:  # dense outlines (ovals, loops): neighbours move together, no kinks
        noise[1:-1] = 0.25 * noise[:-2] + 0.5 * noise[1:-1] + 0.25 * noise[2:]
        noise *= 1.6  # smoothing shrinks the noise; keep its size
    points += noise
    path = resample(smooth_path(points, corners), PATH_SPACING)
    tremor = rng.normal(0.0, style.wobble, path.shape)
    kernel = np.ones(5) / 5.0
    tremor = np.stack([np.convolve(tremor[:, i], kernel, mode="same") for i in (0, 1)], axis=1)
    return path + tremor


def _elastic(points: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Displace (N, 2) points by two random low-frequency plane waves per axis."""
    out = points.copy()
    for axis in (0, 1):
        for _ in range(2):
            freq = rng.normal(0.0, 1.2, 2)
            phase = rng.uniform(0.0, 2 * math.pi)
            out[:, axis] += amplitude * rng.uniform(0.3, 1.0) * np.sin(2 * math.pi * points @ freq + phase)
    return out


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
    paths = [_stroke_path(s, sigma, rng, style) for s in _pick_variant(label, rng)]
    sizes = [len(p) for p in paths]
    gamma = np.exp(rng.normal(0.0, style.proportion, 2))
    points = np.concatenate(paths)
    points = np.sign(points) * np.abs(points) ** gamma  # unit box stays put, insides shift
    points = _elastic(points, rng, style.warp * rng.uniform(0.0, 1.0))
    points = (points - 0.5) @ _affine(label, rng, style).T
    return np.split(points, np.cumsum(sizes)[:-1])


def _pen_widths(n: int, base: float, rng: np.random.Generator, pressure: float) -> np.ndarray:
    """Pen width at each of n path points: a slow random swing around `base`."""
    t = np.linspace(0.0, 1.0, n)
    swing = np.sin(2 * math.pi * rng.uniform(0.3, 1.5) * t + rng.uniform(0, 2 * math.pi))
    return base * (1.0 + pressure * rng.uniform(0.0, 1.0) * swing)


def render_paths(paths: list[np.ndarray], thickness: float, rng: np.random.Generator,
                 pressure: float = DEFAULT_STYLE.pressure) -> np.ndarray:
    """Draw paths with a round pen; float32 image, ink 1 on 0, digit's larger side RENDER_SIDE px."""
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
        _draw_path(draw, xy, _pen_widths(len(xy), pen, rng, pressure))
    return np.asarray(canvas, dtype=np.float32) * (1.0 / 255.0)


def _draw_path(draw: ImageDraw.ImageDraw, xy: np.ndarray, widths: np.ndarray) -> None:
    """Draw in chunks of CHUNK segments, each with one width; round dots at chunk ends.

    PIL's own round joints cost ~20× more; between chunk ends the path turns so little per
    segment that plain mitre-less joints leave no visible notch at the final 28×28 size.
    """
    last = len(xy) - 1
    for start in range(0, max(1, last), CHUNK):
        chunk = xy[start:start + CHUNK + 1]
        width = float(widths[min(start + CHUNK // 2, last)])
        draw.line(chunk.ravel().tolist(), fill=255, width=max(1, round(width)))
        r = width / 2
        x, y = chunk[0]
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    for i in [last, *_sharp_turns(xy)]:
        r = float(widths[i]) / 2
        x, y = xy[i]
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


def _sharp_turns(xy: np.ndarray, min_cos: float = 0.9) -> list[int]:
    """Indices of path points where the direction turns by more than ~25° (corners)."""
    d = np.diff(xy, axis=0)
    d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9)
    return (np.flatnonzero((d[:-1] * d[1:]).sum(axis=1) < min_cos) + 1).tolist()


def make_digit(label: int, rng: np.random.Generator, style: SynthStyle = DEFAULT_STYLE) -> np.ndarray:
    """One synthetic digit as a 28×28 float32 image, ink 1 on 0, MNIST-framed."""
    thickness = rng.uniform(*style.thickness)
    ink = render_paths(digit_paths(label, rng, style), thickness, rng, style.pressure)
    framed = frame_digit(ink, (28, 28), ignore_specks=False)
    assert framed is not None  # a drawn path always leaves ink
    return framed.centred


def make_digits(n: int, seed: int = 0, style: SynthStyle = DEFAULT_STYLE) -> tuple[np.ndarray, np.ndarray]:
    """n synthetic digits: uint8 images (n, 28, 28), white ink on black, and int64 labels (n,).

    Labels are balanced over 0-9 (counts differ by at most one) in a shuffled order; the same
    seed gives the same digits.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}.")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n, dtype=np.int64) % 10)
    images = np.empty((n, 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i] = np.rint(make_digit(int(label), rng, style) * 255.0).astype(np.uint8)
    return images, labels
