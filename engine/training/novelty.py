"""How unlike the training pictures an input is, for image networks other than the digit pad's, and a
threshold on it that promises only what its validation data can support.

Three measurements, each one-sided "higher = less familiar" and scaled by its own median and 99th
percentile over training pictures (so that no one of them dominates by its units or its tail):
    energy     −T·logsumexp(logits / T) (Liu et al. 2020): the network's own conviction
    distance   the distance of the penultimate features (the input of the last linear layer) to the
               nearest class mean, each feature scaled by its pooled within-class spread: a diagonal
               Mahalanobis distance (Lee et al. 2018, with a diagonal covariance so the whole fit stays
               a few thousand numbers and fits the project's stored calibration)
    contrast   how far the input's spread over its pixels (log of the standard deviation per channel)
               lies from the training pictures': a blank page has none, unlike any training picture
The score is the largest of the three; above the threshold, "unsure".

`honest_threshold` sets the threshold as split conformal prediction does: with n validation scores,
the k-th smallest, k = ceil((n + 1)(1 − α)), leaves a new familiar picture above it with probability at
most α. When n is too small for α (k > n) the largest is used and the promise is what n allows,
1 / (n + 1); under MIN_SAMPLES no threshold is set at all (never "unsure"), and the calibration says so.
Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import torch

MIN_SAMPLES = 10  # fewer validation pictures: no threshold, "unsure" is never said
MAX_NUMBERS = 1200  # class means + spreads stored at most (the stored calibration must stay small)
PARTS = ("energy", "distance", "contrast")
EPS = 1e-6
TAIL = 0.99  # the training quantile each measurement is scaled to (see _spread)
# Contrast: training pictures all alike (one camera, one size) give a narrow range, and a photo merely
# smoother than them (a large one shrunk) would count as unlike them; a spread within 4× of theirs never does.
FLOORS = {"contrast": math.log(4.0)}


def honest_threshold(scores: torch.Tensor, alpha: float,
                     training: torch.Tensor | None = None) -> tuple[float, float]:
    """(threshold, false-alarm rate it promises) from validation `scores`: (inf, 0.0) when too few.

    `training`: the same score on training samples. Their (1 − α) quantile, when higher, raises the
    threshold: a few validation samples often miss the tail of the score (19 of them set it below 27 %
    of a shape set's test pictures, seed 0 of bench/try_it_unsure.py); training samples score lower than
    new ones, so this never sets it above what they need, and raising a threshold keeps the promise."""
    finite = torch.sort(scores[torch.isfinite(scores)].float()).values
    n = int(finite.numel())
    if n < MIN_SAMPLES:
        return math.inf, 0.0
    k = math.ceil((n + 1) * (1 - alpha))
    threshold, promise = (float(finite[k - 1]), alpha) if k <= n else (float(finite[-1]), 1.0 / (n + 1))
    usable = training[torch.isfinite(training)].float() if training is not None else torch.zeros(0)
    if usable.numel() >= MIN_SAMPLES:
        threshold = max(threshold, float(torch.quantile(usable, 1 - alpha)))
    return threshold, promise


def contrast(x: torch.Tensor) -> torch.Tensor:
    """(N, C, ...) network inputs -> (N,) log of each input's spread over its pixels (standard deviation
    per channel, averaged): a page of one colour has none, whatever the colour."""
    spread = x.float().reshape(x.shape[0], x.shape[1], -1).std(2, unbiased=False).mean(1)
    return torch.log(spread + 1e-3)


def fit_novelty(features: torch.Tensor | None, labels: torch.Tensor, energies: torch.Tensor,
                inputs: torch.Tensor) -> dict[str, Any]:
    """The statistics `novelty_score` needs, from the training split (plain lists, JSON-ready).

    No feature distance when the network has no penultimate features or they would take more than
    MAX_NUMBERS numbers to store (wide features or many classes): energy and contrast still count."""
    stats: dict[str, Any] = {}
    if features is not None and _storable(features, labels):
        classes = sorted(int(c) for c in labels.unique())
        means = torch.stack([features[labels == c].mean(0) for c in classes])
        residual = features - means[torch.searchsorted(torch.tensor(classes), labels)]
        spread = residual.std(0)  # a near-silent unit would turn any small activation into a huge distance:
        stats.update(means=_plain(means), spread=_plain(spread.clamp_min(EPS) + 0.1 * spread.median()))  # floor
    stats["contrast_mean"] = round(float(contrast(inputs).mean()), 6)
    parts = _parts(stats, features, energies, inputs)
    stats["scale"] = {name: [round(float(v.median()), 6), round(_spread(v, FLOORS.get(name, 1e-3)), 6)]
                      for name, v in parts.items()}
    return stats


def novelty_score(stats: Mapping[str, Any], features: torch.Tensor | None, energies: torch.Tensor,
                  inputs: torch.Tensor) -> torch.Tensor:
    """(N,) the largest scaled measurement the stats hold; higher = less like the training data."""
    parts = _parts(stats, features, energies, inputs)
    z = [(v - stats["scale"][name][0]) / stats["scale"][name][1] for name, v in parts.items()
         if name in stats["scale"]]
    return torch.stack(z).max(0).values


def checked_novelty(value: Any) -> dict[str, Any]:
    """The stored statistics if their sizes agree and every number is finite; ValueError otherwise."""
    if not isinstance(value, Mapping) or not isinstance(value.get("scale"), Mapping):
        raise ValueError("damaged novelty statistics")
    scale = value["scale"]
    numbers = [float(value["contrast_mean"]), *(float(v) for pair in scale.values() for v in pair)]
    if set(scale) - set(PARTS) or any(len(pair) != 2 or pair[1] <= 0 for pair in scale.values()):
        raise ValueError("damaged novelty scales")
    if "means" in value:
        means, spread = value["means"], value["spread"]
        if not means or any(len(row) != len(spread) for row in means) or min(spread) <= 0:
            raise ValueError("damaged novelty sizes")
        numbers += [float(v) for row in means for v in row] + [float(v) for v in spread]
    if not all(math.isfinite(v) for v in numbers):
        raise ValueError("damaged novelty numbers")
    return dict(value)


def _parts(stats: Mapping[str, Any], features: torch.Tensor | None, energies: torch.Tensor,
           inputs: torch.Tensor) -> dict[str, torch.Tensor]:
    parts = {"energy": energies.float(), "contrast": (contrast(inputs) - stats["contrast_mean"]).abs()}
    if "means" in stats and features is not None:
        means, spread = torch.tensor(stats["means"]), torch.tensor(stats["spread"])
        if features.shape[1] == means.shape[1]:  # else the network changed since: the distance says nothing
            z = (features.float()[:, None, :] - means[None]) / spread
            parts["distance"] = (z.pow(2).mean(2).min(1).values + EPS).sqrt()
    return parts


def _storable(features: torch.Tensor, labels: torch.Tensor) -> bool:
    return features.ndim == 2 and (int(labels.unique().numel()) + 1) * features.shape[1] <= MAX_NUMBERS


def _spread(values: torch.Tensor, floor: float) -> float:
    """From the median to the TAIL quantile: every measurement's tail on training pictures ends at 1, so
    a heavy-tailed one (the distance) does not set the bar for a light-tailed one (the energy). Never zero."""
    q = torch.quantile(values.float(), torch.tensor([0.5, TAIL]))
    return max(float(q[1] - q[0]), float(values.float().std()) * 0.1, floor)


def _plain(values: torch.Tensor) -> list[Any]:
    return [float(f"{v:.4g}") for v in values.tolist()] if values.ndim == 1 else [_plain(r) for r in values]
