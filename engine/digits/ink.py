"""Separating ink from paper: polarity, background, noise and contrast of a grayscale picture.

Owns the photometric half of the MNIST recipe for pictures that are not clean canvases: which
way round the ink is, a smooth background estimate so shading and paper texture do not become
ink, a noise level measured on the paper, and the stretch that makes solid ink 1 on 0. A clean
drawing canvas passes through unchanged (flat border: no background model, no noise).

Input is a float32 (H, W) image in [0, 1]. Must not import Qt, pyqtgraph, torch or gui/.
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image

MIN_CONTRAST = 0.12  # ink fainter than this above the paper counts as no ink
FLAT_BORDER_IQR = 0.03  # a border this even is a canvas or a flat scan: no background model
BACKGROUND_GRID = 32  # cells along the longer side of the background model
BACKGROUND_WINDOW = 7  # cells square; its lower BACKGROUND_QUANTILE ignores ink-filled cells
BACKGROUND_QUANTILE = 30  # percent: robust to ink in up to ~2/3 of a window's cells
NOISE_SIGMAS = 4.0  # differences below this many paper-noise σ are paper, not ink
MIN_THRESHOLD = 0.02  # the least threshold, so a canvas' faint anti-aliasing stays ink
STAT_PIXELS = 16384  # statistics are taken on about this many pixels of a larger picture


def border(gray: np.ndarray) -> np.ndarray:
    """The outermost pixels of an image, as one flat array."""
    return np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])


def ink_is_dark(gray: np.ndarray) -> bool:
    """Guess the ink's polarity from how pixels depart from the border's (background) median."""
    background = float(np.median(border(gray)))
    dev = _sample(gray) - background
    for low, high in ((0.5, 99.5), (0.0, 100.0)):  # robust first; extremes for a tiny dot
        dark, bright = np.percentile(dev, [low, high])
        if max(-dark, bright) >= MIN_CONTRAST:
            return -float(dark) > float(bright)
    return background > 0.5


def _sample(image: np.ndarray) -> np.ndarray:
    """A regular subsample of about STAT_PIXELS pixels, for statistics of big pictures."""
    step = max(1, int(math.sqrt(image.size / STAT_PIXELS)))
    return image[::step, ::step]


def _cell_medians(ink: np.ndarray, cell: int) -> np.ndarray:
    """Median of each cell×cell block (edges padded), sampling every other pixel of big cells."""
    h, w = ink.shape
    gh, gw = -(-h // cell), -(-w // cell)
    padded = np.pad(ink, ((0, gh * cell - h), (0, gw * cell - w)), mode="edge")
    stride = 2 if cell >= 8 else 1
    blocks = padded.reshape(gh, cell, gw, cell)[:, ::stride, :, ::stride]  # (gh, c, gw, c)
    return np.median(blocks.transpose(0, 2, 1, 3).reshape(gh, gw, -1), axis=2)


def _percentile_filter(grid: np.ndarray, size: int, q: float) -> np.ndarray:
    radius = size // 2
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(grid, radius, mode="edge"), (size, size))
    return np.percentile(windows.reshape(*grid.shape, -1), q, axis=2)


def background(ink: np.ndarray) -> np.ndarray | float:
    """Paper level under bright ink: a constant for an even border, else a smooth map.

    The map is the median of each cell, then a low percentile over neighbouring cells (so cells
    that ink fills do not count), bilinearly interpolated back to full size.
    """
    edge = border(ink)
    q25, q50, q75 = np.percentile(edge, [25, 50, 75])
    if q75 - q25 < FLAT_BORDER_IQR:
        return float(q50)
    h, w = ink.shape
    cell = max(2, -(-max(h, w) // BACKGROUND_GRID))
    grid = _percentile_filter(_cell_medians(ink, cell), BACKGROUND_WINDOW, BACKGROUND_QUANTILE)
    grid = grid.astype(np.float32)
    full = Image.fromarray(grid).resize((grid.shape[1] * cell, grid.shape[0] * cell), Image.Resampling.BILINEAR)
    return np.asarray(full, dtype=np.float32)[:h, :w]


def _box_mean3(image: np.ndarray) -> np.ndarray:
    p = np.pad(image, 1, mode="edge")
    rows = p[:-2] + p[1:-1] + p[2:]
    return (rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]) * (1.0 / 9.0)


def noise_sigma(diff: np.ndarray) -> float:
    """Robust σ of the paper's noise (median absolute deviation; ink is a small minority)."""
    sample = _sample(diff)
    return 1.4826 * float(np.median(np.abs(sample - np.median(sample))))


def clean_ink(ink: np.ndarray) -> np.ndarray | None:
    """Bright-ink image -> ink in [0, 1] on exactly 0, solid ink 1; None when there is no ink.

    Ink must stand out from the paper by MIN_CONTRAST and by several noise σ after a 3×3 mean
    (so scattered sensor noise is not a digit). Values within NOISE_SIGMAS σ of the paper are 0.
    """
    diff = ink - background(ink)
    sigma = noise_sigma(diff)
    if float(_box_mean3(diff).max()) < max(MIN_CONTRAST, 2.0 * sigma):
        return None
    threshold = max(MIN_THRESHOLD, NOISE_SIGMAS * sigma)
    strong = diff[diff > max(MIN_CONTRAST, 2.0 * threshold)]
    peak = float(np.percentile(strong, 95)) if strong.size else float(diff.max())
    if peak <= threshold:
        return None
    return np.clip((diff - threshold) * (1.0 / (peak - threshold)), 0.0, 1.0).astype(np.float32)
