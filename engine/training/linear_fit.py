"""Fits the linear ceiling (engine.training.linear_ceiling) of a finished run of a linear network.

Cost, measured (bench/linear_ceiling_cost.py, one CPU thread): about 0.01 s on the 2-D point sets, 0.2 s on
the offline digits (784 inputs), 0.5 s on MNIST, a few seconds at most on 3,072 inputs (CIFAR): FIT_SAMPLES
× inputs floats at most (2,000 × 3,072 × 4 bytes = 25 MB) besides the dataset itself. No Qt.
"""
from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from engine.training.findings import chance_loss
from engine.training.linear_ceiling import Ceiling

if TYPE_CHECKING:  # annotations only: importing the datasets would load torchvision
    from engine.data import Dataset

FIT_SAMPLES = 2000  # training samples the linear map is fitted on (bounds time and memory for big inputs)
SCORE_SAMPLES = 1000  # other training samples it is scored on
MAX_ITER = 100  # L-BFGS iterations (each one evaluation of the loss and its gradient, or a few)
L2S = (1e-1, 1e-2, 1e-3, 1e-4)  # penalties on the weights tried, strongest first (each fit starts from the last):
# the one whose map scores the lowest loss is kept. Without one, separable data has no finite optimum, and with more
# inputs than fitted samples (MNIST, CIFAR) a weak one memorizes them: on MNIST 1e-4 scored 0.52, 1e-2 0.33
MAX_INPUTS = 16_384  # inputs per sample above which it is not measured (bounds the weights: inputs × classes)
LINEAR_LAYERS = (nn.Linear, nn.Flatten, nn.Dropout, nn.Identity)  # network_remedy.LINEAR_ONLY, built


def is_linear_module(module: nn.Module) -> bool:
    """True when the built network is one linear map: dense layers and nothing that bends (the module-side
    twin of network_remedy.is_linear, for the training job, which holds the module and not the graph)."""
    layers = list(module.children())
    return any(isinstance(m, nn.Linear) for m in layers) and all(isinstance(m, LINEAR_LAYERS) for m in layers)


def measures(module: nn.Module, dataset: Dataset, loss: str) -> bool:
    """Whether a run of `module` on `dataset` gets a ceiling: a linear network, a classification loss with a
    chance level, numeric inputs of at most MAX_INPUTS values."""
    inputs = math.prod(dataset.input_shape)
    return (is_linear_module(module) and chance_loss(loss, dataset.num_classes) is not None
            and dataset.x_train.dtype in (torch.uint8, torch.float32, torch.float64) and 0 < inputs <= MAX_INPUTS)


def ceiling_extras(module: nn.Module, dataset: Dataset, loss: str, val_split: float, seed: int) -> dict[str, Any]:
    """The extras entries for a finished run of `module`: empty when it is not measured (`measures`) or the
    measurement failed (a missing ceiling makes the doctor say less, never wrong)."""
    if not measures(module, dataset, loss):
        return {}
    try:
        found = fit_ceiling(dataset, val_split, seed)
    except (RuntimeError, ValueError):
        return {}
    return found.to_extras() if found is not None else {}


def fit_ceiling(dataset: Dataset, val_split: float, seed: int, fit_samples: int = FIT_SAMPLES,
                score_samples: int = SCORE_SAMPLES, max_iter: int = MAX_ITER) -> Ceiling | None:
    """The best linear map's accuracy and loss on the run's training split (see the module's docstring);
    None with fewer than 4 training samples."""
    from engine.training.resident import make_resident  # the trainer's own split: one home for it

    began = time.perf_counter()
    data = make_resident(dataset, torch.device("cpu"), val_split, seed)
    rows = data.train_idx[torch.randperm(data.train_idx.numel(), generator=torch.Generator().manual_seed(seed))]
    if rows.numel() < 4:
        return None
    n_score = min(score_samples, rows.numel() // 3)  # small sets: two thirds fitted, one third scored
    fit_rows, score_rows = rows[n_score:][:fit_samples], rows[:n_score]
    x_fit, x_score = (data.normalize(data.x_train[r]).flatten(1) for r in (fit_rows, score_rows))
    y_fit, y_score = data.y_train[fit_rows], data.y_train[score_rows]
    layer = nn.Linear(x_fit.shape[1], dataset.num_classes)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    scores = []
    for l2 in L2S:
        _fit(layer, x_fit, y_fit, l2, max_iter)
        scores.append(_score(layer, x_score, y_score))
    loss, accuracy = min(scores)
    if not math.isfinite(loss):
        return None
    return Ceiling(accuracy, loss, int(n_score), time.perf_counter() - began)


def _score(layer: nn.Linear, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """(cross-entropy, accuracy) of the linear map on (x, y)."""
    with torch.no_grad():
        logits = layer(x)
        return float(nn.functional.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean())


def _fit(layer: nn.Linear, x: torch.Tensor, y: torch.Tensor, l2: float, max_iter: int) -> None:
    """Multinomial logistic regression of y on x by L-BFGS (inputs already normalized), from `layer`'s weights."""
    optimizer = torch.optim.LBFGS(layer.parameters(), lr=1.0, max_iter=max_iter, history_size=10,
                                  line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        value = nn.functional.cross_entropy(layer(x), y) + l2 * layer.weight.pow(2).sum()
        value.backward()
        return value

    with torch.enable_grad():
        optimizer.step(closure)
