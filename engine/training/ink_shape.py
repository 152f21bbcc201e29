"""How big, how filled: the shape of the ink in the pad's picture, against real digits'.

The pad frames a drawing the way MNIST was made (engine.digits.framing): a digit's box is scaled to
fill the 20×20 box, while a mark under a fifth of the pad stays small. So two numbers of the framed
input tell what a network's features and a digit's subspace hardly see:
    size   the longer side of the ink's box, as a share of the field: a digit's fills the box
           (20/28); a stray tick or a pen-tip dot is kept smaller
    fill   the ink over the area of that box, widened to at least half as wide as it is long:
           strokes leave most of it empty, a disc or a blob fills it (a straight "1" is a thin
           box its stroke fills, but it is not filled once the box is widened)
Each is compared with the same number on training digits: its distance from their median, on the
side that is unlike a digit (smaller, more filled), in units of their spread (half the range between
the 1.5 % and 98.5 % quantiles, at least FLOOR of the median); the score is the larger of the two.
(The amount of ink, both ways, was left out: chosen on the FITTED families and synthetic digits, it
added nothing there and flagged 9 % of digits framed by another recipe than the pad's.) Fitted on
digits only; the threshold, like the other detectors', is set on validation digits as the pad
frames them (engine.training.digit_shape.shared_budget).

Stored as seven numbers. Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import torch

STATISTICS = ("size", "fill")
# Which side of the digits' range is unlike a digit: -1 below (smaller than a digit), +1 above (more
# filled than a digit's strokes leave it), 0 either.
DIRECTIONS = (-1, 1)
INK = 0.2  # ink fainter than this (anti-aliasing, blur) does not widen the box
SPREAD_QUANTILES = (0.015, 0.985)
FLOOR = 0.15  # the least spread, as a share of the median: a digit's size hardly varies (its box is 20/28),
# but a digit framed by another recipe may be 2 px short of it (the synthetic digits: 18/28): 3 px is one spread


def as_ink(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Normalized inputs (N, C, H, W) -> channel 0 as ink in about [0, 1] (N, H, W), from the training range."""
    return ((x[:, 0].float() - low) / max(high - low, 1e-6)).clamp(0, 1)


def statistics(ink: torch.Tensor) -> torch.Tensor:
    """(N, H, W) ink -> (N, 2): size, fill (STATISTICS), each a share; both 0 for an empty picture."""
    height, width = ink.shape[1:]
    marked = ink > INK
    rows, cols = marked.any(2), marked.any(1)
    tall = _span(rows)
    wide = _span(cols)
    mass = ink.sum((1, 2))
    size = torch.maximum(tall / height, wide / width)
    longer, shorter = torch.maximum(tall, wide), torch.minimum(tall, wide)
    fill = mass / (longer * torch.maximum(shorter, longer / 2)).clamp_min(1)
    return torch.stack([size, fill], 1)


def _span(marked: torch.Tensor) -> torch.Tensor:
    """(N, L) bool -> (N,) pixels from the first marked to the last, inclusive; 0 when none."""
    index = torch.arange(marked.shape[1], dtype=torch.float32)
    first = torch.where(marked, index, math.inf).min(1).values
    last = torch.where(marked, index, -math.inf).max(1).values
    return (last - first + 1).clamp_min(0).nan_to_num(0.0)


def fit(x: torch.Tensor, low: float, high: float) -> dict[str, Any] | None:
    """{"low", "high", "median": [2], "spread": [2]} from training digits x (N, C, H, W), normalized
    (low..high: their range); None without digits."""
    if x.shape[0] < 2:
        return None
    values = statistics(as_ink(x, low, high))
    median = values.median(0).values
    lower, upper = torch.quantile(values, torch.tensor(SPREAD_QUANTILES), dim=0)
    spread = torch.maximum((upper - lower) / 2, FLOOR * median.abs()).clamp_min(1e-6)
    return {"low": low, "high": high, "median": _plain(median), "spread": _plain(spread)}


def score(model: Mapping[str, Any], x: torch.Tensor) -> torch.Tensor:
    """(N,) the largest distance of a statistic from training digits' median, in units of their spread;
    0 for a picture without ink (an empty pad is not unlike a digit: there is nothing yet)."""
    values = statistics(as_ink(x, float(model["low"]), float(model["high"])))
    median = torch.tensor(model["median"], dtype=torch.float32)
    spread = torch.tensor(model["spread"], dtype=torch.float32)
    signed = (values - median) / spread
    directions = torch.tensor(DIRECTIONS, dtype=torch.float32)
    distance = torch.where(directions == 0, signed.abs(), (signed * directions).clamp_min(0)).max(1).values
    return torch.where(values[:, 0] > 0, distance, torch.zeros_like(distance))


def checked(stored: Any) -> dict[str, Any]:
    """The stored model if every number is there and finite; ValueError otherwise."""
    if not isinstance(stored, Mapping):
        raise ValueError("damaged ink")
    numbers = [stored.get(k) for k in ("low", "high", "threshold")]
    lists = [stored.get(k) for k in ("median", "spread")]
    if not all(isinstance(v, list) and len(v) == len(STATISTICS) for v in lists):
        raise ValueError("damaged ink")
    values = [*numbers, *lists[0], *lists[1]]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        raise ValueError("damaged ink")
    if min(lists[1]) <= 0 or stored["high"] <= stored["low"]:
        raise ValueError("damaged ink")
    return {k: stored[k] for k in ("low", "high", "threshold", "median", "spread")}


def _plain(values: torch.Tensor) -> list[float]:
    return [float(f"{v:.6g}") for v in values.tolist()]
