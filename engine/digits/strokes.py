"""Pen-stroke models of the ten digits, and the curve maths that turns them into paths.

Owns the skeletons: per digit class several style variants, each a few strokes of points in a
unit box (x right, y down). A point with a third element is a corner: the smooth spline through
the points breaks there, as a pen does at the top of a 7. Also owns Catmull-Rom evaluation and
precomputation as a per-stroke matrix. Randomization and rendering live in `synth.py`.

Must not import Qt, pyqtgraph, torch or anything from gui/.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Point = tuple[float, ...]  # (x, y) or (x, y, 1) for a corner
Stroke = list[Point]
Variant = tuple[float, list[Stroke]]  # (relative weight, strokes)


def arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, n: int) -> Stroke:
    """n points on an ellipse from angle `start` to `stop` in degrees (0 right, 90 down)."""
    angles = np.radians(np.linspace(start, stop, n))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def C(x: float, y: float) -> Point:  # noqa: N802 - reads like the notation in the tables below
    """A corner point."""
    return (x, y, 1.0)


_BOWL5 = [(0.45, 0.37), (0.78, 0.48), (0.85, 0.72), (0.65, 0.95), (0.3, 1.0), (0.05, 0.86)]
_LOOP9 = [(0.85, 0.2), (0.55, 0.0), (0.2, 0.1), (0.15, 0.3), (0.4, 0.45), (0.75, 0.35), C(0.85, 0.06)]
_TOP2 = [(0.1, 0.28), (0.3, 0.04), (0.6, 0.0), (0.85, 0.15), (0.85, 0.38), (0.6, 0.62)]

DIGIT_STROKES: dict[int, list[Variant]] = {
    0: [
        (3.0, [arc(0.5, 0.5, 0.42, 0.5, -80, -450, 14)]),
        (1.5, [arc(0.5, 0.5, 0.42, 0.5, -100, 275, 14)]),
        (1.0, [arc(0.5, 0.5, 0.42, 0.5, -45, -400, 14)]),
    ],
    1: [
        (6.0, [[(0.5, 0.0), (0.5, 0.5), (0.5, 1.0)]]),
        (1.5, [[(0.6, 0.0), (0.45, 0.5), (0.45, 1.0)]]),
        (1.5, [[(0.36, 0.12), C(0.5, 0.0), (0.5, 0.5), (0.5, 1.0)]]),
        (0.3, [[(0.36, 0.12), C(0.5, 0.0), (0.5, 0.5), (0.5, 1.0)], [(0.3, 1.0), (0.7, 1.0)]]),
    ],
    2: [
        (3.0, [_TOP2 + [(0.3, 0.82), C(0.05, 1.0), (0.5, 0.97), (0.95, 1.0)]]),
        (1.5, [_TOP2 + [(0.3, 0.8), (0.1, 0.95), (0.05, 0.84), (0.16, 0.77), (0.26, 0.92), (0.5, 1.0), (0.95, 0.97)]]),
        (2.0, [_TOP2 + [(0.25, 0.85), (0.05, 0.95), (0.0, 0.8), (0.15, 0.68), (0.35, 0.8), (0.4, 0.95), (0.65, 1.0),
                        (0.95, 0.95)]]),
        (4.0, [_TOP2 + [(0.3, 0.78), (0.08, 0.92), (0.14, 1.0), (0.35, 0.97), (0.45, 0.85), (0.6, 0.9), (0.8, 0.98),
                        (1.0, 0.93)]]),
        (1.5, [[(0.05, 0.2), (0.35, 0.0), (0.7, 0.05), (0.75, 0.3), (0.45, 0.65), (0.15, 0.95), (0.0, 0.8),
                (0.2, 0.65), (0.4, 0.85), (0.6, 1.0), (1.0, 0.95)]]),
        (1.5, [_TOP2 + [(0.3, 0.82), (0.1, 0.98), (0.3, 0.92), (0.6, 0.97), (0.95, 0.9)]]),
    ],
    3: [
        (3.0, [[(0.1, 0.15), (0.45, 0.0), (0.8, 0.12), (0.75, 0.35), C(0.4, 0.48), (0.8, 0.6), (0.85, 0.85),
                (0.5, 1.0), (0.1, 0.88)]]),
        (1.5, [[(0.12, 0.12), (0.45, 0.0), (0.8, 0.1), (0.8, 0.32), (0.5, 0.47), (0.45, 0.5), (0.82, 0.62),
                (0.86, 0.86), (0.5, 1.0), (0.1, 0.9)]]),
        (0.7, [[(0.1, 0.0), C(0.85, 0.0), C(0.4, 0.42), (0.8, 0.55), (0.88, 0.8), (0.55, 1.0), (0.1, 0.9)]]),
    ],
    4: [
        (3.0, [[(0.3, 0.0), C(0.05, 0.62), (0.9, 0.62)], [(0.72, 0.05), (0.72, 1.0)]]),
        (1.5, [[(0.3, 0.0), C(0.05, 0.62), (0.85, 0.6)], [(0.68, 0.3), (0.68, 1.0)]]),
        (0.4, [[(0.68, 0.0), C(0.05, 0.65), (0.95, 0.65)], [(0.68, 0.0), (0.68, 1.0)]]),
        (0.8, [[(0.12, 0.0), (0.1, 0.45), (0.35, 0.6), (0.95, 0.55)], [(0.8, 0.0), (0.78, 1.0)]]),
        (1.5, [[(0.15, 0.0), C(0.12, 0.6), (0.9, 0.6)], [(0.72, 0.05), (0.72, 1.0)]]),
    ],
    5: [
        (3.0, [[(0.22, 0.0), C(0.17, 0.45)] + _BOWL5, [(0.22, 0.0), (0.9, 0.0)]]),
        (1.5, [[(0.9, 0.0), C(0.22, 0.0), C(0.17, 0.45)] + _BOWL5]),
        (1.0, [[(0.22, 0.0), (0.17, 0.42)] + _BOWL5, [(0.22, 0.0), (0.9, -0.02)]]),
    ],
    6: [
        (3.0, [[(0.65, 0.0), (0.36, 0.24), (0.17, 0.55), (0.15, 0.82), (0.42, 1.0), (0.78, 0.88), (0.8, 0.62),
                (0.5, 0.5), (0.26, 0.6)]]),
        (1.5, [[(0.6, 0.0), (0.3, 0.35), (0.15, 0.7), (0.3, 0.98), (0.65, 0.95), (0.75, 0.72), (0.5, 0.55),
                (0.25, 0.65)]]),
        (2.0, [[(0.85, 0.0), (0.45, 0.3), (0.15, 0.72), (0.25, 0.97), (0.6, 0.98), (0.8, 0.82), (0.6, 0.66),
                (0.26, 0.76)]]),
    ],
    7: [
        (3.0, [[(0.05, 0.05), C(0.95, 0.0), (0.6, 0.5), (0.4, 1.0)]]),
        (0.8, [[(0.05, 0.05), C(0.95, 0.0), (0.6, 0.5), (0.4, 1.0)], [(0.3, 0.5), (0.85, 0.48)]]),
        (1.2, [[(0.05, 0.2), C(0.08, 0.02), C(0.95, 0.02), (0.55, 0.55), (0.45, 1.0)]]),
        (1.5, [[(0.05, 0.05), C(0.95, 0.0), (0.65, 0.4), (0.5, 0.7), (0.45, 1.0)]]),
        (2.0, [[(0.2, 0.1), (0.5, 0.02), C(0.9, 0.0), (0.75, 0.45), (0.62, 1.0)]]),
    ],
    8: [
        (3.0, [[(0.78, 0.12), (0.5, 0.0), (0.2, 0.12), (0.25, 0.35), (0.5, 0.5), (0.8, 0.68), (0.75, 0.92),
                (0.5, 1.0), (0.2, 0.9), (0.2, 0.68), (0.5, 0.5), (0.75, 0.3), (0.8, 0.1)]]),
        (0.6, [arc(0.5, 0.25, 0.3, 0.25, -90, -450, 11), arc(0.5, 0.73, 0.4, 0.27, -90, -450, 11)]),
        (1.0, [[(0.25, 0.12), (0.5, 0.0), (0.8, 0.12), (0.75, 0.35), (0.5, 0.5), (0.2, 0.68), (0.25, 0.92),
                (0.5, 1.0), (0.8, 0.9), (0.8, 0.68), (0.5, 0.5), (0.25, 0.3), (0.22, 0.1)]]),
    ],
    9: [
        (3.0, [_LOOP9 + [(0.82, 0.5), (0.78, 1.0)]]),
        (1.5, [_LOOP9 + [(0.85, 0.6), (0.6, 0.95), (0.25, 0.95)]]),
        (1.0, [arc(0.5, 0.25, 0.38, 0.25, 0, -360, 12), [(0.88, 0.0), (0.82, 1.0)]]),
        (2.0, [arc(0.5, 0.22, 0.35, 0.22, -20, -340, 9) + [C(0.86, 0.05), (0.75, 0.5), (0.55, 1.0)]]),
        (3.0, [arc(0.55, 0.19, 0.33, 0.18, -10, -350, 9) + [C(0.9, 0.08), (0.62, 0.55), (0.38, 1.0)]]),
    ],
}


# Per class (width factor, extra slant): calibrates the skeletons' width-to-height ratio and
# lean to those of real MNIST digits (second moments of the 8k "train" split).
CLASS_SHAPE: dict[int, tuple[float, float]] = {
    0: (1.0, 0.09), 1: (1.0, 0.08), 2: (0.95, -0.18), 3: (0.9, -0.07), 4: (0.87, 0.17),
    5: (0.97, 0.08), 6: (0.95, -0.15), 7: (0.87, -0.18), 8: (0.85, 0.0), 9: (0.75, -0.07),
}


@dataclass(frozen=True)
class StrokeModel:
    """One stroke ready to draw: a jittered copy of `points` times `basis` is its pen path.

    Catmull-Rom splines are linear in their control points, so the spline (broken at corners,
    sampled about every `spacing` of the skeleton's length) is precomputed once as a matrix.
    """

    points: np.ndarray  # (n, 2) control points in the unit box
    basis: np.ndarray  # (N, n): path (N, 2) = basis @ points


def _segment_weights(t: np.ndarray) -> np.ndarray:
    """Uniform Catmull-Rom weights of P0..P3 at parameters t: (S,) -> (S, 4)."""
    t2, t3 = t * t, t * t * t
    return 0.5 * np.stack([-t + 2 * t2 - t3, 2 - 5 * t2 + 3 * t3, t + 4 * t2 - 3 * t3, t3 - t2], axis=1)


def _piece_basis(samples: list[int]) -> np.ndarray:
    """(N, m) basis of a smooth piece through m = len(samples) + 1 points, ends included."""
    m = len(samples) + 1
    eye = np.eye(m)
    if m == 2:
        t = np.arange(samples[0] + 1) / samples[0]
        return np.stack([1 - t, t], axis=1)
    padded = np.concatenate([2 * eye[:1] - eye[1:2], eye, 2 * eye[-1:] - eye[-2:-1]])  # mirrored ends
    rows = [_segment_weights(np.arange(s) / s) @ padded[j:j + 4] for j, s in enumerate(samples)]
    return np.concatenate(rows + [eye[-1:]])


def stroke_model(stroke: Stroke, spacing: float) -> StrokeModel:
    """Precompute the path basis of a stroke, breaking the spline at its corner points."""
    points = np.array([p[:2] for p in stroke], dtype=np.float64)
    n = len(points)
    lengths = np.linalg.norm(np.diff(points, axis=0), axis=1)
    samples = [max(1, math.ceil(length / spacing)) for length in lengths]
    cuts = [0] + [i for i, p in enumerate(stroke) if len(p) > 2 and 0 < i < n - 1] + [n - 1]
    blocks = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        block = np.zeros((sum(samples[a:b]) + 1, n))
        block[:, a:b + 1] = _piece_basis(samples[a:b])
        blocks.append(block if not blocks else block[1:])  # pieces share their corner point
    return StrokeModel(points=points, basis=np.concatenate(blocks))
