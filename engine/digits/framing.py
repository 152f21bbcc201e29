"""MNIST framing: crop a clean ink image to its ink, fit it into a box, centre it by mass.

Owns the geometric half of the MNIST recipe (LeCun et al.): the ink's bounding box is scaled
to fit a 20×20 box keeping its aspect ratio, anti-aliased, and pasted into a 28×28 field so
that its centre of mass sits at the field's centre. Other frame sizes keep the 20/28
proportion. Both `preprocess.py` and `synth.py` call this, so real and synthetic digits are
framed by the same code.

Input here is already clean: float32, ink bright (up to 1) on a 0 background.
Must not import Qt, pyqtgraph or anything from gui/.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

MNIST_BOX_RATIO = 20 / 28  # the digit's box over the field, as in MNIST
# A mark whose longer side is under this share of the picture's shorter side is not digit-sized
# (a dot, a stray tick): it is scaled as much as a mark of this share would be, no more, so it
# stays small in the field instead of being blown up into a 20×20 blob. Digits drawn on the pad
# or written on paper fill far more of the picture than a fifth.
MIN_DIGIT_SHARE = 0.2
SPECK_GRID = 32  # cells per side of the grid on which ink components are found
SPECK_MASS = 0.03  # components with less ink than this share of the largest do not count


@dataclass(frozen=True)
class Framed:
    """The three framing stages of one digit (float32, ink bright on 0)."""

    cropped: np.ndarray
    fitted: np.ndarray
    centred: np.ndarray


def box_for_frame(frame: tuple[int, int]) -> tuple[int, int]:
    """The (height, width) box the digit is fitted into for a field of `frame`."""
    return (max(1, round(frame[0] * MNIST_BOX_RATIO)), max(1, round(frame[1] * MNIST_BOX_RATIO)))


def _nonzero_span(mask: np.ndarray) -> tuple[slice, slice] | None:
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def rank_filter(image: np.ndarray, size: int, reduce: np.ufunc) -> np.ndarray:
    """Separable size×size min or max filter (`np.minimum` / `np.maximum`), edges replicated.

    Numpy slices rather than PIL's RankFilter, which is ~30× slower at these sizes.
    """
    radius = size // 2
    out = image
    for _ in range(2):  # rows, then (after a transpose) columns
        padded = np.pad(out, ((radius, radius), (0, 0)), mode="edge")
        n = out.shape[0]
        acc = padded[:n].copy()
        for k in range(1, size):
            reduce(acc, padded[k:k + n], out=acc)
        out = acc.T
    return out


def _component_labels(grid: np.ndarray) -> np.ndarray:
    """8-connected component labels of a small boolean grid (0 = none), by max-propagation.

    A label is the 1-based index of a cell in its component, so each round can also jump to
    the label of the cell it points at; that makes long strokes converge in a few rounds.
    """
    labels = np.where(grid, np.arange(1, grid.size + 1).reshape(grid.shape), 0)
    while True:
        grown = np.where(grid, rank_filter(labels, 3, np.maximum), 0)
        grown = np.where(grid, grown.ravel()[np.maximum(grown, 1) - 1], 0)
        if np.array_equal(grown, labels):
            return labels
        labels = grown


def _without_specks(ink: np.ndarray, threshold: float) -> np.ndarray:
    """The ink mask without components far lighter than the main one (dust, noise, specks).

    Components are found on a grid of about SPECK_GRID cells per side, so strokes that nearly
    touch count as one and a digit's separate strokes (the bar of a 5) are kept.
    """
    h, w = ink.shape
    cell = max(1, -(-max(h, w) // SPECK_GRID))
    gh, gw = -(-h // cell), -(-w // cell)
    padded = np.pad(np.where(ink > threshold, ink, 0.0), ((0, gh * cell - h), (0, gw * cell - w)))
    mass = padded.reshape(gh, cell, gw, cell).sum(axis=(1, 3))  # (H, W) -> (gh, gw)
    labels = _component_labels(mass > 0)
    totals = np.bincount(labels.ravel(), weights=mass.ravel())
    totals[0] = 0.0
    keep = totals >= SPECK_MASS * totals.max()
    cells = keep[labels] & (labels > 0)
    return np.repeat(np.repeat(cells, cell, axis=0), cell, axis=1)[:h, :w] & (ink > threshold)


def ink_bbox(ink: np.ndarray, ignore_specks: bool = True, threshold: float = 0.0) -> tuple[slice, slice] | None:
    """Rows and columns of the ink above `threshold`, or None when there is none.

    With `ignore_specks`, small separate specks (dust, sensor noise) do not stretch the box.
    """
    return _nonzero_span(_without_specks(ink, threshold) if ignore_specks else ink > threshold)


def fit_into_box(crop: np.ndarray, box: tuple[int, int], digit_side: float = 0.0) -> np.ndarray:
    """Scale `crop` to fit `box` keeping the aspect ratio, anti-aliased; a crop whose longer side
    is under `digit_side` px is scaled as one of `digit_side` px would be (it stays small).

    PIL's bicubic (clipped) gives the edge softness of real MNIST: of the synthetic digits'
    nonzero pixels 9.5% lie below 0.1 and 43% above 0.9 against 8.8% and 47% in MNIST; bilinear
    gives 17% and 32%, box 4.7% and 49%.
    """
    h, w = crop.shape
    scale = min(box[0] / h, box[1] / w, max(box) / digit_side if digit_side > 0 else math.inf)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # PIL wants (width, height)
    if size == (w, h):
        return crop.astype(np.float32, copy=True)
    img = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32))
    fitted = np.asarray(img.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    return np.clip(fitted, 0.0, 1.0)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) centre of mass in index coordinates; the middle for an empty image."""
    total = float(image.sum())
    if total <= 0.0:
        return (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    rows = image.sum(axis=1) @ np.arange(image.shape[0], dtype=np.float64)
    cols = image.sum(axis=0) @ np.arange(image.shape[1], dtype=np.float64)
    return float(rows) / total, float(cols) / total


def centre_by_mass(fitted: np.ndarray, frame: tuple[int, int]) -> np.ndarray:
    """Paste `fitted` into a zero field of `frame` with its centre of mass at the centre.

    The centre is (H/2, W/2) in index coordinates, which is where real MNIST digits' centres of
    mass sit (mean 14.0, 14.0). The shift is rounded to whole pixels like MNIST's, and clamped
    so the digit never leaves the field.
    """
    h, w = fitted.shape
    cy, cx = centre_of_mass(fitted)
    top = min(max(round(frame[0] / 2 - cy), 0), frame[0] - h)
    left = min(max(round(frame[1] / 2 - cx), 0), frame[1] - w)
    field = np.zeros(frame, dtype=np.float32)
    field[top:top + h, left:left + w] = fitted
    return field


def _in_box(fitted: np.ndarray, box: tuple[int, int]) -> np.ndarray:
    """A mark smaller than the box on both sides, centred in it: the "fitted" step shows it small."""
    h, w = fitted.shape
    if h >= box[0] or w >= box[1]:
        return fitted
    out = np.zeros(box, np.float32)
    top, left = (box[0] - h) // 2, (box[1] - w) // 2
    out[top:top + h, left:left + w] = fitted
    return out


def frame_digit(ink: np.ndarray, frame: tuple[int, int] = (28, 28), ignore_specks: bool = True,
                crop_threshold: float = 0.0, min_share: float = MIN_DIGIT_SHARE) -> Framed | None:
    """Crop, fit and centre a clean ink image; None when it has no ink above `crop_threshold`.

    The crop is the box of the ink above `crop_threshold`; fainter ink inside the box is kept.
    Ink smaller than `min_share` of the picture's shorter side keeps its size relative to a
    digit of that share (MNIST's scaling by the longer side is for digit-sized ink only).
    """
    span = ink_bbox(ink, ignore_specks, crop_threshold)
    if span is None:
        return None
    cropped = ink[span]
    box = box_for_frame(frame)
    fitted = _in_box(fit_into_box(cropped, box, min_share * min(ink.shape)), box)
    return Framed(cropped=cropped, fitted=fitted, centred=centre_by_mass(fitted, frame))
