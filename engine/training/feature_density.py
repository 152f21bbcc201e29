"""How far a network's features lie from the class means of its training pictures: a class-conditional
Gaussian with one covariance shared by all classes (Lee et al. 2018, "A simple unified framework for
detecting out-of-distribution samples"), small enough to store as plain JSON.

The fit, from features (N, D) and their labels:
    means       each class's mean feature vector (K, D)
    spread      each feature's pooled within-class standard deviation, floored so that a near-silent unit
                does not turn a tiny activation into a huge distance (the diagonal part)
    components  `rank` principal directions of the standardized within-class residuals (rank, D): those
                whose variance differs most from the rest's, small ones included (see _kept),
    variances   their variances (rank,), and
    rest        the average variance of every other direction: the covariance of the standardized
                residuals is components' directions at their variances plus `rest` elsewhere (as
                probabilistic PCA, Tipping & Bishop 1999, but keeping the small directions too), estimated
                after Ledoit-Wolf shrinkage (Ledoit & Wolf 2004) so that a few hundred pictures do not
                make up correlations that are not there. rank = D stores the whole covariance.
The distance of x is the smallest over classes of the Mahalanobis distance under that covariance, divided
by √D (so its size does not grow with the width). rank 0 with rest 1 is the plain diagonal distance;
`distance` reads stats without components that way (what projects fitted before stored).
Shared helper: any calibration that wants a feature distance can use it. Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import torch

EPS = 1e-6
FLOOR = 0.1  # × the median spread: the least spread a feature is given


def fit_density(features: torch.Tensor, labels: torch.Tensor, rank: int) -> dict[str, torch.Tensor]:
    """means, spread and (rank > 0) components, variances, rest; see the module's docstring."""
    features = features.float()
    classes = sorted(int(c) for c in labels.unique())
    means = torch.stack([features[labels == c].mean(0) for c in classes])
    residual = features - means[torch.searchsorted(torch.tensor(classes), labels.cpu())]
    spread = residual.std(0)
    spread = spread.clamp_min(EPS) + FLOOR * spread.median()
    stats = {"means": means, "spread": spread}
    rank = min(rank, features.shape[1])
    if rank <= 0:
        return stats
    standard = residual / spread
    shrink, values, vectors = _shrunk_eigen(standard)  # ascending
    kept = _kept(values, rank)
    values = ((1 - shrink) * values + shrink * values.mean()).clamp_min(EPS)  # Ledoit-Wolf's, same directions
    rest = values[~kept].mean() if bool((~kept).any()) else values.mean()
    return {**stats, "components": vectors[:, kept].T.contiguous(), "variances": values[kept],
            "rest": rest.reshape(())}


def _kept(values: torch.Tensor, rank: int) -> torch.Tensor:
    """Which eigen-directions to keep: those whose variance differs most from the
    others' average, large or small (the small ones are where a Mahalanobis distance finds what a
    diagonal one misses). Greedy on the KL divergence of the approximation, each left-out direction
    costing r − 1 − log r, r = λ / rest."""
    keep = torch.zeros(values.numel(), dtype=torch.bool)
    values = values.clamp_min(EPS)
    for _ in range(min(rank, values.numel())):
        rest = values[~keep].mean()
        cost = values / rest - 1 - torch.log(values / rest)
        cost[keep] = -1.0
        keep[int(cost.argmax())] = True
    return keep


def _shrunk_eigen(x: torch.Tensor) -> tuple[float, torch.Tensor, torch.Tensor]:
    """(Ledoit-Wolf shrinkage, eigenvalues ascending, eigenvectors as columns) of the sample covariance of
    the rows of x (already centred per class). The shrunk covariance, (1 − s)·S + s·mean(λ)·I, has the
    same directions."""
    n, d = x.shape
    x = x.double()
    sample = x.T @ x / n
    mu = torch.trace(sample) / d
    delta = ((sample - mu * torch.eye(d, dtype=x.dtype)) ** 2).sum() / d
    # Σ_k ‖x_k x_kᵀ − S‖² = Σ_k ‖x_k‖⁴ − n‖S‖², without an (n, d, d) tensor
    beta = (x.pow(2).sum(1).pow(2).sum() - n * sample.pow(2).sum()) / (d * n * n)
    shrink = float(min(beta, delta) / delta) if float(delta) > 0 else 1.0
    values, vectors = torch.linalg.eigh(sample)
    return shrink, values.float(), vectors.float()


def shrunk_covariance(x: torch.Tensor) -> torch.Tensor:
    """The Ledoit-Wolf covariance of the rows of x (already centred per class): the sample covariance
    pulled towards a multiple of the identity by the amount that minimizes the expected squared error."""
    shrink, values, vectors = _shrunk_eigen(x)
    return (vectors * ((1 - shrink) * values + shrink * values.mean())) @ vectors.T


def distance(stats: Mapping[str, torch.Tensor], features: torch.Tensor) -> torch.Tensor:
    """(N,) the Mahalanobis distance to the nearest class mean, divided by √D."""
    z = (features.float()[:, None, :] - stats["means"][None]) / stats["spread"]  # (N, K, D)
    squared = z.pow(2).sum(2)
    if "components" in stats:
        squared = low_rank_squared(z, stats["components"].T, stats["variances"], stats["rest"])
    return (squared.min(1).values / features.shape[1] + EPS).sqrt()


def low_rank_squared(z: torch.Tensor, vectors: torch.Tensor, variances: torch.Tensor,
                     rest: torch.Tensor | float) -> torch.Tensor:
    """(N, K) squared Mahalanobis lengths of the offsets z (N, K, D) under a covariance given as a few
    directions (vectors, (D, rank) columns) with their variances, and one variance `rest` for the others."""
    along = z @ vectors  # (N, K, rank)
    return (along.pow(2) / variances).sum(2) + (z.pow(2).sum(2) - along.pow(2).sum(2)).clamp_min(0) / rest


def as_tensors(stored: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """The stored lists (plain JSON) as float tensors, for `distance`."""
    return {k: torch.tensor(stored[k], dtype=torch.float32) for k in DENSITY_KEYS if k in stored}


def checked_density(stored: Mapping[str, Any]) -> list[float]:
    """Every stored number, after checking the sizes agree; ValueError otherwise."""
    means, spread = stored["means"], stored["spread"]
    width = len(spread)
    if not means or any(len(row) != width for row in means) or min(spread) <= 0:
        raise ValueError("damaged novelty sizes")
    numbers = [float(v) for row in means for v in row] + [float(v) for v in spread]
    if "components" in stored:
        components, variances, rest = stored["components"], stored["variances"], float(stored["rest"])
        if len(components) != len(variances) or any(len(row) != width for row in components) \
                or min(variances, default=1.0) <= 0 or not rest > 0:
            raise ValueError("damaged novelty components")
        numbers += [float(v) for row in components for v in row] + [float(v) for v in variances] + [rest]
    if not all(math.isfinite(v) for v in numbers):
        raise ValueError("damaged novelty numbers")
    return numbers


DENSITY_KEYS = ("means", "spread", "components", "variances", "rest")
