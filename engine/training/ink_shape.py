"""How big the ink is in the pad's picture, against real digits': the mark the framing kept small.

The pad frames a drawing the way MNIST was made (engine.digits.framing): a digit's box is scaled to
fill the 20×20 box, while a mark under a fifth of the pad (a stray tick, a pen-tip dot) is kept small
instead of being blown up. So the longer side of the ink's box in the framed input, as a share of the
field, tells what a network's features and a digit's subspace hardly see: a digit's is the box's
(20/28), whatever its pen and its writer; a stray mark's is smaller.

The score is how far the size falls short of training digits' median, in units of their spread (half
the range between their 1.5 % and 98.5 % quantiles, at least FLOOR of the median), beyond a first
spread that is no evidence (DEAD_ZONE: another framing recipe leaves a digit a pixel or two short).
Fitted on digits only; the threshold, like the other detectors', is set on validation digits as the
pad frames them (engine.training.digit_shape.shared_budget).

How filled the box is (a disc fills it) and how much ink there is were tried and left out: both
depend on the pen. Chosen on validation digits, they flagged 8 % of the MNIST test digits re-drawn
with bolder pens and 22 % of scikit-learn's (bench/ood.py).

Stored as five numbers. Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import torch

INK = 0.2  # ink fainter than this (anti-aliasing, blur) does not widen the box
SPREAD_QUANTILES = (0.015, 0.985)
FLOOR = 0.15  # the least spread, as a share of the median: 3 px of a digit's 20
DEAD_ZONE = 1.0  # spreads short of the median that are no evidence (the synthetic digits are framed 18/28)
NUMBERS = ("low", "high", "median", "spread", "threshold")


def as_ink(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Normalized inputs (N, C, H, W) -> channel 0 as ink in about [0, 1] (N, H, W), from the training range."""
    return ((x[:, 0].float() - low) / max(high - low, 1e-6)).clamp(0, 1)


def size(ink: torch.Tensor) -> torch.Tensor:
    """(N, H, W) ink -> (N,) the longer side of its box as a share of the field's side; 0 without ink."""
    marked = ink > INK
    return torch.maximum(_span(marked.any(2)) / ink.shape[1], _span(marked.any(1)) / ink.shape[2])


def _span(marked: torch.Tensor) -> torch.Tensor:
    """(N, L) bool -> (N,) pixels from the first marked to the last, inclusive; 0 when none."""
    index = torch.arange(marked.shape[1], dtype=torch.float32)
    first = torch.where(marked, index, math.inf).min(1).values
    last = torch.where(marked, index, -math.inf).max(1).values
    return (last - first + 1).clamp_min(0).nan_to_num(0.0)


def fit(x: torch.Tensor, low: float, high: float) -> dict[str, Any] | None:
    """{"low", "high", "median", "spread"} from training digits x (N, C, H, W), normalized (low..high:
    their range); None without digits."""
    if x.shape[0] < 2:
        return None
    values = size(as_ink(x, low, high))
    median = float(values.median())
    lower, upper = (float(v) for v in torch.quantile(values, torch.tensor(SPREAD_QUANTILES)))
    spread = max((upper - lower) / 2, FLOOR * median, 1e-6)
    return {"low": low, "high": high, "median": round(median, 6), "spread": round(spread, 6)}


def score(model: Mapping[str, Any], x: torch.Tensor) -> torch.Tensor:
    """(N,) spreads by which the ink falls short of digits' size, beyond DEAD_ZONE; 0 for a picture
    without ink (an empty pad is not unlike a digit: there is nothing yet) and for any digit-sized mark."""
    values = size(as_ink(x, float(model["low"]), float(model["high"])))
    short = (float(model["median"]) - values) / float(model["spread"]) - DEAD_ZONE
    return torch.where(values > 0, short.clamp_min(0), torch.zeros_like(short))


def checked(stored: Any) -> dict[str, Any]:
    """The stored model if every number is there and finite; ValueError otherwise."""
    if not isinstance(stored, Mapping):
        raise ValueError("damaged ink")
    values = [stored.get(k) for k in NUMBERS]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        raise ValueError("damaged ink")
    if stored["spread"] <= 0 or stored["high"] <= stored["low"]:
        raise ValueError("damaged ink")
    return {k: stored[k] for k in NUMBERS}
