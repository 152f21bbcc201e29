"""Scores of what digits ARE, for the digit pad's "unsure": fitted on training digits only.

The rejection head (engine.training.calibration) learns the non-digits it was shown and does not
reach kinds it never saw (letters, symbols: under half flagged). These scores model the digits
themselves, so they need no non-digits at all:
    pixels    the squared distance of the 28×28 input to its predicted class's PCA subspace
              (PIXEL_RANK directions per class, from training digits and the same digits with
              bolder and blurred strokes: the pad's pen is wider than MNIST's). Digits lie near a
              low-dimensional manifold per class; a letter, a hatching or a doodle mostly does not.
    features  the Mahalanobis distance of the network's features to the nearest class mean with
              one covariance shared by the classes (Lee et al. 2018, "A Simple Unified Framework
              for Detecting Out-of-Distribution Samples and Adversarial Attacks"), the covariance
              kept as its FEATURE_RANK main directions and one variance for the rest. Read in
              calibrations stored before round 6 of issue 16; no longer fitted, since
    neighbours  the distance of the unit-length features to the k-th nearest training digit's
              (engine.training.feature_neighbours, Sun et al. 2022) flagged more of the fitted
              non-digit families at the same false alarms on re-drawn validation digits (LeNet-5,
              three networks: 81/80/87 % against 78/79/83 %).
Another, the size of the ink (engine.training.ink_shape), sees what the pad's framing keeps small
(a stray tick, a dot). Each gets its own threshold on validation digits as the pad frames them, the
same quantile of each part's scores, the head's among them, chosen so that their union flags the
budget it is given (`shared_budget`); `fused` joins them into one score.

Stored as JSON: arrays as base64 (`pack`): the pixel bases as int8 with a scale per direction, the
rest as float16 or float32; about 0.5 MB for LeNet-5 (each run of a project keeps its own calibration).
Reading checks every size and value before any array is made. Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import torch
from torch.nn import functional

from . import feature_neighbours, ink_shape
from .digit_shape_store import pack, unpack
from .feature_density import low_rank_squared

__all__ = ["pack", "unpack"]  # re-exported: stored arrays have their home in digit_shape_store

PIXEL_RANK = 40  # principal directions per class
MAX_PIXELS = 64 * 64  # inputs larger than this get no pixel score (the basis would be too big to store)
MAX_FEATURE_WIDTH = 640  # feature values the Mahalanobis distance reads at most (its matrix grows as the square)
FEATURE_RANK = 32  # directions of the feature covariance kept apart; the others share one variance
MIN_SAMPLES_PER_FEATURE = 4  # fewer: the covariance is mostly noise and new digits look far (measured: 15 % flagged)
SHRINK = 1e-3  # share of the mean variance added to the covariance's diagonal: a stable inverse
BOLD_BLUR = 0.8  # σ in pixels of the blurred copies; their ink is stretched by BLUR_GAIN
BLUR_GAIN = 1.6


def as_ink(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Normalized inputs (N, 1, H, W) -> (N, H·W) ink in about [0, 1], from the training range low..high."""
    return ((x.float() - low) / max(high - low, 1e-6)).reshape(x.shape[0], -1)


def bolder_and_blurred(ink: torch.Tensor, side: tuple[int, int]) -> torch.Tensor:
    """Training digits, the same with strokes a pixel bolder, and blurred with their ink stretched."""
    pictures = ink.reshape(-1, 1, *side)
    bold = functional.max_pool2d(functional.pad(pictures, (0, 1, 0, 1)), 2, stride=1)
    radius = 2
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    g = torch.exp(-t ** 2 / (2 * BOLD_BLUR ** 2))
    g = g / g.sum()
    blurred = functional.conv2d(pictures, (g[:, None] * g[None, :])[None, None], padding=radius)
    return torch.cat([pictures, bold, (blurred * BLUR_GAIN).clamp(0, 1)]).reshape(-1, ink.shape[1])


def fit_pixels(x: torch.Tensor, y: torch.Tensor, classes: int) -> dict[str, Any] | None:
    """Per-class PCA of training digits x (N, 1, H, W), normalized, labels y; None when too big to store."""
    if x.shape[1] != 1 or x.shape[2] * x.shape[3] > MAX_PIXELS:
        return None
    low, high = float(x.min()), float(x.max())
    ink = bolder_and_blurred(as_ink(x, low, high), (x.shape[2], x.shape[3]))
    labels = y.repeat(3)
    means, bases = [], []
    for c in range(classes):
        rows = ink[labels == c]
        if rows.shape[0] < 2:
            return None
        mean = rows.mean(0)
        _, _, vt = torch.linalg.svd(rows - mean, full_matrices=False)
        basis = torch.zeros(PIXEL_RANK, ink.shape[1])
        basis[:min(PIXEL_RANK, vt.shape[0])] = vt[:PIXEL_RANK]
        means.append(mean)
        bases.append(basis)
    return {"low": low, "high": high, "per_ink": True, "means": pack(torch.stack(means)),
            "bases": pack(torch.stack(bases), "i8")}


def pixel_score(model: Mapping[str, torch.Tensor | float], x: torch.Tensor, predicted: torch.Tensor) -> torch.Tensor:
    """(N,) squared distance of each input to its predicted class's subspace, divided by the length of its
    ink when the model says "per_ink" (fitted since round 6 of issue 16): a bolder or softer pen scales the
    ink and what the subspace leaves unexplained alike, so the ratio moves less with the pen than with
    the shape (measured on LeNet-5, three networks, at the same false alarms on re-drawn validation
    digits: as many fitted non-digits flagged, and 6-11 % of validation digits drawn as 8×8 scans
    instead of 8-14 %). Zeros when sizes disagree."""
    means, bases = model["means"], model["bases"]
    assert isinstance(means, torch.Tensor) and isinstance(bases, torch.Tensor)
    ink = as_ink(x, float(model["low"]), float(model["high"]))
    if ink.shape[1] != means.shape[1] or (predicted.numel() and int(predicted.max()) >= means.shape[0]):
        return torch.zeros(x.shape[0])
    centred = ink - means[predicted]
    basis = bases[predicted]  # (N, k, D)
    along = torch.einsum("nd,nkd->nk", centred, basis)
    squared = (centred - torch.einsum("nk,nkd->nd", along, basis)).pow(2).sum(1)
    return squared / ink.norm(dim=1).clamp_min(1e-3) if model.get("per_ink") else squared


def fit_features(features: torch.Tensor, y: torch.Tensor, classes: int) -> dict[str, Any] | None:
    """Class means and the shared covariance as its FEATURE_RANK largest directions and variances plus
    one variance for all the rest (probabilistic PCA: a few kB instead of width² numbers; measured on
    LeNet-5 as good as the full inverse). None when there are too many features, or too few digits to
    estimate their covariance (under MIN_SAMPLES_PER_FEATURE per feature)."""
    if features.shape[1] > MAX_FEATURE_WIDTH or features.shape[0] < MIN_SAMPLES_PER_FEATURE * features.shape[1]:
        return None
    f = features.double()
    present = [c for c in range(classes) if (y == c).any()]
    means = torch.zeros(classes, f.shape[1], dtype=torch.float64)
    for c in present:
        means[c] = f[y == c].mean(0)
    residual = f - means[y]
    cov = residual.T @ residual / max(1, f.shape[0] - 1)
    cov += SHRINK * float(torch.diagonal(cov).mean()) * torch.eye(f.shape[1], dtype=torch.float64)
    values, vectors = torch.linalg.eigh(cov)  # ascending
    rank = min(FEATURE_RANK, f.shape[1] - 1)
    rest = float(values[:-rank].mean())
    return {"rest": rest, "means": pack(means[present].float(), "f32"),
            "vectors": pack(vectors[:, -rank:].float()), "variances": pack(values[-rank:].float(), "f32")}


def feature_score(model: Mapping[str, torch.Tensor | float], features: torch.Tensor | None) -> torch.Tensor | None:
    """(N,) Mahalanobis distance² to the nearest class mean; None when the features do not fit."""
    vectors, means, variances = model["vectors"], model["means"], model["variances"]
    assert isinstance(vectors, torch.Tensor) and isinstance(means, torch.Tensor) and isinstance(variances, torch.Tensor)
    if features is None or features.shape[1] != vectors.shape[0]:
        return None
    z = features.float()[:, None, :] - means[None]  # (N, classes, D)
    return low_rank_squared(z, vectors, variances, float(model["rest"])).min(1).values


def read(entry: Any) -> dict[str, dict[str, Any]]:
    """The stored `shape` entry as tensors: {"pixels": ..., "features": ..., "ink": ...}, any may be absent
    (projects calibrated before the ink statistics have none)."""
    if not isinstance(entry, Mapping):
        raise ValueError("damaged digit shape")
    out: dict[str, dict[str, Any]] = {}
    for part, arrays, numbers in (("pixels", ("means", "bases"), ("low", "high", "threshold")),
                                  ("features", ("means", "vectors", "variances"), ("rest", "threshold"))):
        stored = entry.get(part)
        if stored is None:
            continue
        values = {k: stored[k] for k in numbers} if isinstance(stored, Mapping) else None
        if values is None or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values.values()):
            raise ValueError(f"damaged {part}")
        out[part] = {**{k: float(v) for k, v in values.items()}, **{k: unpack(stored[k]) for k in arrays}}
        if part == "pixels" and stored.get("per_ink", False) is not False:
            if stored["per_ink"] is not True:
                raise ValueError("damaged pixels")
            out[part]["per_ink"] = True
    if entry.get("ink") is not None:
        out["ink"] = ink_shape.checked(entry["ink"])
    if entry.get("neighbours") is not None:
        out["neighbours"] = feature_neighbours.read(entry["neighbours"])
    pixels, features = out.get("pixels"), out.get("features")
    if pixels and (pixels["means"].dim() != 2 or pixels["bases"].dim() != 3
                   or pixels["bases"].shape[::2] != pixels["means"].shape):
        raise ValueError("damaged pixels")
    if features and (features["means"].shape[1:] != features["vectors"].shape[:1]
                     or features["vectors"].shape[1:] != features["variances"].shape
                     or not bool((features["variances"] > 0).all()) or features["rest"] <= 0):
        raise ValueError("damaged features")
    return out


def scores(model: Mapping[str, Mapping[str, Any]], x: torch.Tensor, features: torch.Tensor | None,
           predicted: torch.Tensor) -> dict[str, torch.Tensor]:
    """{"pixels": (N,), "features": (N,), "neighbours": (N,), "ink": (N,)} for the parts the model has and
    the input fits."""
    out = {}
    if "pixels" in model:
        out["pixels"] = pixel_score(model["pixels"], x, predicted)
    if "features" in model:
        score = feature_score(model["features"], features)
        if score is not None:
            out["features"] = score
    if "neighbours" in model:
        score = feature_neighbours.score(model["neighbours"], features)
        if score is not None:
            out["neighbours"] = score
    if "ink" in model:
        out["ink"] = ink_shape.score(model["ink"], x)
    return out


def fused(head_margin: torch.Tensor, model: Mapping[str, Mapping[str, Any]],
          parts: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """One score for the union of the detectors, above 0 when any of them is past its threshold:
    the head's margin (its score minus its threshold), and log(score / threshold) for each other part."""
    total = head_margin
    for name, score in parts.items():
        ratio = score.clamp_min(1e-12) / max(float(model[name]["threshold"]), 1e-12)
        total = torch.maximum(total, ratio.log())
    return total


def shared_budget(val_scores: Mapping[str, torch.Tensor], flagged: float) -> dict[str, float]:
    """Thresholds {part: the same quantile q of each part's validation scores}, q chosen so that the
    union of the parts flags `flagged` of the validation digits: the detectors share the false-alarm
    budget equally, whatever their number and however much they overlap."""
    finite = {k: v[torch.isfinite(v)].float() for k, v in val_scores.items()}
    finite = {k: v for k, v in finite.items() if v.numel()}
    if not finite:
        return {k: math.inf for k in val_scores}

    def thresholds(q: float) -> dict[str, float]:
        return {k: float(torch.quantile(v, q)) for k, v in finite.items()}

    def union(q: float) -> float:
        cut = thresholds(q)
        return float(torch.stack([val_scores[k] > cut[k] for k in finite]).any(0).float().mean())

    low, high = 0.5, 1.0  # union(high) = 0; bisection keeps union(high) <= flagged
    for _ in range(24):
        middle = (low + high) / 2
        low, high = (middle, high) if union(middle) > flagged else (low, middle)
    return {**{k: math.inf for k in val_scores}, **thresholds(high)}


def fit(x: torch.Tensor, y: torch.Tensor, features: torch.Tensor | None,
        pad_view: tuple[torch.Tensor, torch.Tensor | None, torch.Tensor], head_scores: torch.Tensor,
        flagged: float) -> dict[str, Any] | None:
    """The stored entry: the pixel, neighbour and ink models from training digits x (normalized, in random
    order) with labels y and the network's `features` of them; the thresholds (the head's among them, from
    its `head_scores` of the validation digits) share `flagged`, the share of the validation digits as the
    pad frames them (`pad_view`: inputs, features, logits) the union may flag
    (`shared_budget`). None when no model fits."""
    classes = int(y.max()) + 1
    shape: dict[str, Any] = {}
    low, high = float(x.min()), float(x.max())
    for part, model in (("pixels", fit_pixels(x, y, classes)),
                        ("neighbours", feature_neighbours.fit(features) if features is not None else None),
                        ("ink", ink_shape.fit(x, low, high))):
        if model is not None:
            shape[part] = model
    if not shape:
        return None
    unthresholded = {part: {**model, "threshold": 1.0} for part, model in shape.items()}
    val_x, val_features, logits = pad_view
    val_scores = {"head": head_scores, **scores(read(unthresholded), val_x, val_features, logits.argmax(1))}
    cuts = shared_budget(val_scores, flagged)
    shape = {part: {**model, "threshold": cuts[part]} for part, model in shape.items() if math.isfinite(cuts[part])}
    return {"head_threshold": cuts["head"], **shape}
