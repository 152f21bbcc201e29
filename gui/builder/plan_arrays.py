"""Many thousand cards and lines drawn at the cost of the pixels they cover (numpy).

A 20,000-way fan-in has 40,000 edges; zoomed out to fit the window, most of them fall on the
same few thousand pixels, and drawing all 40,000 held the GUI thread a tenth of a second per
paint. These helpers take the cards' corners and the edges' ends as arrays in scene
coordinates, map them through the painter's transform, keep what meets the exposed part of
the view (an edge is clipped to it), and keep one shape per device pixel: what is drawn is
the same picture to the pixel, bounded by the size of the view instead of the network. The
overview item and the minimap use them. Must not mutate the document.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QTransform


def to_device(points: np.ndarray, transform: QTransform) -> np.ndarray:
    """(N, 2) scene points -> (N, 2) device points through an affine `transform`."""
    x, y = points[:, 0], points[:, 1]
    return np.column_stack((transform.m11() * x + transform.m21() * y + transform.dx(),
                            transform.m12() * x + transform.m22() * y + transform.dy()))


def clip_segments(segments: np.ndarray, box: QRectF) -> np.ndarray:
    """The parts of (N, 4) segments (x0, y0, x1, y1) inside `box` (Liang-Barsky, all at once);
    segments that miss it are dropped."""
    if not len(segments):
        return segments
    x0, y0, x1, y1 = segments.T
    dx, dy = x1 - x0, y1 - y0
    lo, hi = np.zeros(len(segments)), np.ones(len(segments))
    keep = np.ones(len(segments), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - box.left()), (dx, box.right() - x0), (-dy, y0 - box.top()), (dy, box.bottom() - y0)):
            ratio = q / p
            keep &= ~((p == 0) & (q < 0))  # parallel to this side and outside it
            lo = np.where(p < 0, np.maximum(lo, ratio), lo)
            hi = np.where(p > 0, np.minimum(hi, ratio), hi)
    keep &= lo <= hi
    lo, hi = lo[keep], hi[keep]
    x0, y0, dx, dy = x0[keep], y0[keep], dx[keep], dy[keep]
    return np.column_stack((x0 + lo * dx, y0 + lo * dy, x0 + hi * dx, y0 + hi * dy))


def _one_per_pixel(values: np.ndarray) -> np.ndarray:
    """The rows of `values` whose coordinates, rounded to a quarter pixel, were not seen in an
    earlier row (a quarter, not a whole pixel: a line's ends a pixel apart can light other pixels)."""
    if len(values) < 2:
        return values
    return values[first_of_each(np.rint(values * 4).astype(np.int64))]


def first_of_each(keys: np.ndarray) -> np.ndarray:
    """Where each distinct row of the (N, K) integer `keys` first appears, in order. (Rows as
    opaque bytes: `np.unique(axis=0)` took 0.1 s on its first call in a process.)"""
    rows = np.ascontiguousarray(keys).view(np.dtype((np.void, keys.dtype.itemsize * keys.shape[1]))).ravel()
    return np.sort(np.unique(rows, return_index=True)[1])


def device_lines(segments: np.ndarray, transform: QTransform, box: QRectF) -> list[QLineF]:
    """Segments in scene coordinates as lines in device pixels: clipped to `box` (device
    pixels), one per pair of ends rounded to a quarter pixel. Draw them with an identity world transform."""
    if not len(segments):
        return []
    ends = to_device(segments.reshape(-1, 2), transform).reshape(-1, 4)
    shown = _one_per_pixel(clip_segments(ends, box.adjusted(-2, -2, 2, 2)))
    return [QLineF(*row) for row in shown.tolist()]


def device_rects(corners: np.ndarray, size: tuple[float, float], transform: QTransform,
                 box: QRectF) -> list[QRectF]:
    """Cards (top-left `corners` in scene coordinates, all of `size`) as rectangles in device
    pixels: those meeting `box` (device pixels), one per corner rounded to a quarter pixel."""
    if not len(corners):
        return []
    at = to_device(corners, transform)
    far = to_device(corners[:1] + np.asarray(size), transform)[0] - at[0]
    w, h = abs(far[0]), abs(far[1])
    left, top = np.minimum(at[:, 0], at[:, 0] + far[0]), np.minimum(at[:, 1], at[:, 1] + far[1])
    seen = (left < box.right()) & (left + w > box.left()) & (top < box.bottom()) & (top + h > box.top())
    shown = _one_per_pixel(np.column_stack((left[seen], top[seen])))
    return [QRectF(x, y, w, h) for x, y in shown.tolist()]
