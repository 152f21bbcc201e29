"""How unlike the training pictures an input is, for image networks other than the digit pad's, and a
threshold on it that promises only what its validation data can support.

Three measurements, each one-sided "higher = less familiar" and scaled by its own median and 99th
percentile over training pictures (so that no one of them dominates by its units or its tail):
    energy     −T·logsumexp(logits / T) (Liu et al. 2020): the network's own conviction
    distance   the Mahalanobis distance of the penultimate features (the input of the last linear layer)
               to the nearest class mean under one covariance shared by the classes (Lee et al. 2018),
               shrunk and cut to what a run's calibration can store (engine.training.feature_density);
               statistics stored before it had only a diagonal covariance, and are read so
    contrast   how far the input's spread over its pixels (log of the standard deviation per channel)
               lies from the training pictures': a blank page has none, unlike any training picture
Each is scaled on the training pictures; the distance on each half of them as fitted on the other half
(a fit's own pictures lie nearer its means than new ones do). The score is the mean of the three
(stats["fusion"]); statistics stored before say nothing and mean the largest, as then. Above the
threshold, "unsure". bench/try_it_unsure.py, 20 seeds of LeNet-5 on shape folders, at the same false-alarm
rate (2.5 % of fresh familiar pictures): the tied covariance and the mean caught 44 % of eight held-out
families on average, the diagonal distance and the largest (before) 25 %, the energy alone 24 %.

`honest_threshold` sets the threshold as split conformal prediction does: with n validation scores,
the k-th smallest, k = ceil((n + 1)(1 − α)), leaves a new familiar picture above it with probability at
most α. When n is too small for α (k > n) the largest is used and the promise is what n allows,
1 / (n + 1); under MIN_SAMPLES no threshold is set at all (never "unsure"), and the calibration says so.
That promise is an average over the validation pictures a run happens to draw; `false_alarm_bound`
says how high one run's rate may be (19 validation pictures: 5 % on average, at most 11 % in 9 runs of 10).
Must not import Qt.
"""
from __future__ import annotations

import json
import math
from typing import Any, Mapping

import torch

from .feature_density import as_tensors, checked_density, distance, fit_density

MIN_SAMPLES = 10  # fewer validation pictures: no threshold, "unsure" is never said
MAX_NUMBERS = 1200  # class means + spreads stored at most (the stored calibration must stay small)
PARTS = ("energy", "distance", "contrast")
STORED_NUMBERS = 1800  # numbers of the feature fit stored at most: means, spreads and covariance directions
MAX_RANK = 16  # covariance directions kept at most
MAX_TEXT = 13_000  # characters of JSON the statistics take at most (a run keeps 16 KiB: engine.runs.weights)
FUSIONS = ("max", "mean", "fisher")
FUSION = "mean"
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


def false_alarm_bound(samples: int, promise: float, confidence: float = 0.9) -> float:
    """The false-alarm rate one run stays under with probability `confidence`, for a threshold set by
    `honest_threshold` on `samples` validation scores promising `promise` on average. Over the draws of
    the validation pictures, the share of new familiar pictures above the k-th smallest of n follows
    Beta(n + 1 − k, k) (Vovk 2012, "Conditional validity of inductive conformal predictors"); this is
    its `confidence` quantile. A raised threshold (training scores) only lowers the rate.
    n + 1 − k is floor((n + 1)·promise), as honest_threshold's k leaves it (1 when it used the largest);
    the binomial tail is summed in logs over its few low terms, so 50,000 validation pictures cost no more
    than 50 and overflow nothing."""
    above = max(1, math.floor(promise * (samples + 1) + 1e-6))  # n + 1 − k
    if samples <= 0 or above > samples:
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(50):  # bisection on the Beta(a, n + 1 − a) CDF: P(Binomial(n, x) ≥ a)
        mid = (low + high) / 2
        low, high = (mid, high) if _at_least(samples, above, mid) < confidence else (low, mid)
    return high


def _at_least(n: int, a: int, x: float) -> float:
    """P(Binomial(n, x) ≥ a), as 1 − the a lowest terms, each computed in logs."""
    log_x, log_rest = math.log(x), math.log1p(-x)
    whole = math.lgamma(n + 1)
    below = sum(math.exp(whole - math.lgamma(j + 1) - math.lgamma(n - j + 1) + j * log_x + (n - j) * log_rest)
                for j in range(a))
    return 1.0 - below


def contrast(x: torch.Tensor) -> torch.Tensor:
    """(N, C, ...) network inputs -> (N,) log of each input's spread over its pixels (standard deviation
    per channel, averaged): a page of one colour has none, whatever the colour."""
    spread = x.float().reshape(x.shape[0], x.shape[1], -1).std(2, unbiased=False).mean(1)
    return torch.log(spread + 1e-3)


def fit_novelty(features: torch.Tensor | None, labels: torch.Tensor, energies: torch.Tensor,
                inputs: torch.Tensor, rank: int | None = None, fusion: str = FUSION,
                max_text: float = MAX_TEXT) -> dict[str, Any]:
    """The statistics `novelty_score` needs, from the training split (plain lists, JSON-ready).

    No feature distance when the network has no penultimate features or they would take more than
    MAX_NUMBERS numbers to store (wide features or many classes): energy and contrast still count.
    `rank`: the principal directions the feature covariance keeps (engine.training.feature_density);
    None: as many as STORED_NUMBERS allows, at most MAX_RANK; 0: the diagonal distance alone.
    `fusion`: how the scaled measurements make one score: "max", "mean" or "fisher" (the sum of the
    squares of those above their training median), measured side by side in bench/try_it_unsure.py.
    `max_text`: see MAX_TEXT (math.inf: the whole covariance, a bench's reference, too big for a run)."""
    stats: dict[str, Any] = {"fusion": fusion} if fusion != "max" else {}
    if features is not None and _storable(features, labels):
        width = features.shape[1]
        if rank is None:
            rank = min(MAX_RANK, (STORED_NUMBERS - (int(labels.unique().numel()) + 1) * width) // width)
        stats.update(_stored_density(features, labels, rank, max_text))
    stats["contrast_mean"] = round(float(contrast(inputs).mean()), 6)
    parts = _parts(stats, features, energies, inputs)
    if "distance" in parts and features is not None:
        parts["distance"] = _cross_fitted(features, labels, len(stats.get("components", ())), parts["distance"])
    stats["scale"] = {name: [round(float(v.median()), 6), round(_spread(v, FLOORS.get(name, 1e-3)), 6)]
                      for name, v in parts.items()}
    return stats


def novelty_score(stats: Mapping[str, Any], features: torch.Tensor | None, energies: torch.Tensor,
                  inputs: torch.Tensor) -> torch.Tensor:
    """(N,) the scaled measurements the stats hold, fused as they say (the largest when they say nothing);
    higher = less like the training data. A measurement that cannot be taken (the network changed since)
    counts as its training median in a mean."""
    parts = _parts(stats, features, energies, inputs)
    z = torch.stack([(v - stats["scale"][name][0]) / stats["scale"][name][1] for name, v in parts.items()
                     if name in stats["scale"]])
    fusion = stats.get("fusion", "max")
    if fusion == "fisher":  # Fisher's combination for Gaussian tails: −log p ≈ z² / 2 above the median, 0 below
        return z.clamp_min(0).pow(2).sum(0)
    return z.sum(0) / len(stats["scale"]) if fusion == "mean" else z.max(0).values


def checked_novelty(value: Any) -> dict[str, Any]:
    """The stored statistics if their sizes agree and every number is finite; ValueError otherwise."""
    if not isinstance(value, Mapping) or not isinstance(value.get("scale"), Mapping):
        raise ValueError("damaged novelty statistics")
    scale = value["scale"]
    numbers = [float(value["contrast_mean"]), *(float(v) for pair in scale.values() for v in pair)]
    if set(scale) - set(PARTS) or any(len(pair) != 2 or pair[1] <= 0 for pair in scale.values()):
        raise ValueError("damaged novelty scales")
    if value.get("fusion", "max") not in FUSIONS:
        raise ValueError("damaged novelty fusion")
    if "means" in value:
        numbers += checked_density(value)
    if not all(math.isfinite(v) for v in numbers):
        raise ValueError("damaged novelty numbers")
    return dict(value)


def _parts(stats: Mapping[str, Any], features: torch.Tensor | None, energies: torch.Tensor,
           inputs: torch.Tensor) -> dict[str, torch.Tensor]:
    parts = {"energy": energies.float(), "contrast": (contrast(inputs) - stats["contrast_mean"]).abs()}
    if "means" in stats and features is not None:
        density = as_tensors(stats)
        if features.shape[1] == density["spread"].shape[0]:  # else the network changed: the distance says nothing
            parts["distance"] = distance(density, features)
    return parts


def _stored_density(features: torch.Tensor, labels: torch.Tensor, rank: int, max_text: float) -> dict[str, Any]:
    """fit_density's statistics as plain lists, with fewer covariance directions while over MAX_TEXT."""
    while True:
        stored = {k: _plain(v, 3 if k == "components" else 4) for k, v in fit_density(features, labels, rank).items()}
        if rank <= 0 or len(json.dumps(stored)) <= max_text:
            return stored
        rank -= 1


def _cross_fitted(features: torch.Tensor, labels: torch.Tensor, rank: int, fallback: torch.Tensor) -> torch.Tensor:
    """Each training picture's distance under a fit on the other half of them: what a new picture's is
    like. A fit's own pictures lie nearer its means than new ones (more so the more directions it keeps
    for the width), and a scale set on them would call every new picture far: the threshold would rise
    and the other measurements lose their say. `fallback` (the fit's own distances) when too few."""
    if features.shape[0] < 2 * MIN_SAMPLES:
        return fallback
    halves = (torch.arange(features.shape[0]) % 2).bool()
    out = torch.empty(features.shape[0])
    for held in (halves, ~halves):
        out[held] = distance(fit_density(features[~held], labels[~held], rank), features[held])
    return out


def _storable(features: torch.Tensor, labels: torch.Tensor) -> bool:
    return features.ndim == 2 and (int(labels.unique().numel()) + 1) * features.shape[1] <= MAX_NUMBERS


def _spread(values: torch.Tensor, floor: float) -> float:
    """From the median to the TAIL quantile: every measurement's tail on training pictures ends at 1, so
    a heavy-tailed one (the distance) does not set the bar for a light-tailed one (the energy). Never zero."""
    q = torch.quantile(values.float(), torch.tensor([0.5, TAIL]))
    return max(float(q[1] - q[0]), float(values.float().std()) * 0.1, floor)


def _plain(values: torch.Tensor, digits: int = 4) -> Any:
    """A tensor as plain (nested) lists of floats with `digits` significant digits: the stored size."""
    if values.ndim == 0:
        return float(f"{float(values):.{digits}g}")
    return [float(f"{v:.{digits}g}") for v in values.tolist()] if values.ndim == 1 else \
        [_plain(r, digits) for r in values]
