"""How far a picture's features lie from those of training digits: the distance to the k-th nearest
training digit, for the digit pad's "unsure" (engine.training.digit_shape, part "neighbours").

Sun, Ming, Zhu, Li 2022, "Out-of-Distribution Detection with Deep Nearest Neighbors": the features
(the inputs of the network's last linear layers) are scaled to unit length, and the distance to the
k-th nearest of a subsample of training features is the score; nothing is assumed about their shape
(a class-conditional Gaussian, as the Mahalanobis distance assumes, fits a network's features
poorly). To keep the stored calibration small, the unit-length features are projected on their
RANK main directions (PCA of the bank) and BANK training digits are kept, as int8 with a scale per row:
about 0.2 MB of JSON for LeNet-5.

Measured (bench harness, LeNet-5 seeds 0-2, threshold at 4 % of redrawn validation digits, the
fitted families): replacing the Mahalanobis distance by this in the union flagged 81/80/87 % instead
of 78/79/83 %; the full 604 features instead of 64 directions, or 1000 to 4000 training digits, or
k from 5 to 20, within a point of it.
Must not import Qt.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import torch
from torch.nn import functional

from .digit_shape_store import pack, unpack

BANK = 2000  # training digits kept
RANK = 64  # directions of the unit-length features kept
K = 10  # the k-th nearest neighbour's distance is the score
MAX_WIDTH = 4096  # features wider than this get no neighbour score


def _unit(features: torch.Tensor) -> torch.Tensor:
    return functional.normalize(features.float(), dim=1)


def fit(features: torch.Tensor) -> dict[str, Any] | None:
    """{"mean", "directions", "bank", "k"} from training digits' features (N, D) in random order (the first
    BANK are kept); None when there are too few digits (under 2·K) or too many features."""
    if features.shape[0] < 2 * K or features.shape[1] > MAX_WIDTH:
        return None
    unit = _unit(features[:BANK])
    mean = unit.mean(0)
    _, _, vt = torch.linalg.svd(unit - mean, full_matrices=False)
    directions = vt[:min(RANK, vt.shape[0])]  # (rank, D)
    bank = (unit - mean) @ directions.T  # (bank, rank)
    return {"k": K, "mean": pack(mean, "f32"), "directions": pack(directions, "i8"), "bank": pack(bank, "i8")}


def score(model: Mapping[str, Any], features: torch.Tensor | None) -> torch.Tensor | None:
    """(N,) distance to the k-th nearest training digit in the projected unit-length features; None
    when the features do not fit."""
    mean, directions, bank = model["mean"], model["directions"], model["bank"]
    if features is None or features.shape[1] != mean.shape[0]:
        return None
    projected = (_unit(features) - mean) @ directions.T
    distances = torch.cdist(projected, bank)  # (N, bank)
    return distances.topk(min(int(model["k"]), bank.shape[0]), dim=1, largest=False).values[:, -1]


def read(stored: Any) -> dict[str, Any]:
    """The stored model as tensors, with its threshold; ValueError when sizes or numbers disagree."""
    if not isinstance(stored, Mapping):
        raise ValueError("damaged neighbours")
    k, threshold = stored.get("k"), stored.get("threshold")
    if not (isinstance(k, int) and not isinstance(k, bool) and k > 0):
        raise ValueError("damaged neighbours")
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold)):
        raise ValueError("damaged neighbours")
    mean, directions, bank = (unpack(stored[key]) for key in ("mean", "directions", "bank"))
    if mean.dim() != 1 or directions.dim() != 2 or bank.dim() != 2 or directions.shape[1] != mean.shape[0] \
            or bank.shape[1] != directions.shape[0]:
        raise ValueError("damaged neighbours sizes")
    return {"k": k, "threshold": float(threshold), "mean": mean, "directions": directions, "bank": bank}
