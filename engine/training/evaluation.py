"""Evaluating a trained network: loss, accuracy, confusion matrix, mistakes, decision regions.

Owns `evaluate` (for the metrics panel and the gallery of misclassified samples) and
`decision_grid` (predicted classes over the bounding box of a 2-D points dataset, for the
decision-boundary plot). Results are numpy arrays and Python floats. Must not import Qt
or pyqtgraph.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from engine.training import device as dev
from engine.training.checks import probe_output_shape
from engine.training.config import LOSSES, TrainingError
from engine.training.objective import Objective, guess_loss
from engine.training.resident import EVAL_BATCH, Normalizer, run_inference

if TYPE_CHECKING:  # annotations only: importing the datasets would load torchvision
    from engine.data import Dataset


@dataclass(frozen=True, eq=False)
class EvalResult:
    split: str  # "train" or "test"
    loss: float
    accuracy: float  # 0..1
    confusion: np.ndarray  # int64 (K, K): rows are true classes, columns predicted ones
    predictions: np.ndarray  # int64 (N,) predicted class per sample of the split
    targets: np.ndarray  # int64 (N,)
    misclassified: np.ndarray  # int64 (M,) indices into the split, for a gallery
    confidences: np.ndarray | None = None  # float32 (N,): the probability the network gave its answer


@dataclass(frozen=True, eq=False)
class DecisionGrid:
    xs: np.ndarray  # float32 (R,) first-feature coordinates of the columns
    ys: np.ndarray  # float32 (R,) second-feature coordinates of the rows
    classes: np.ndarray  # int64 (R, R) predicted class at (ys[row], xs[col])


def _prepare(module: nn.Module, dataset: Dataset, device: str | torch.device | None,
             loss: str | None) -> tuple[torch.device, Objective]:
    target = dev.module_device(module) if device is None else _as_device(device)
    module.to(target)
    width = probe_output_shape(module, dataset)
    if len(width) != 1:
        raise TrainingError(f"the network gives {'×'.join(map(str, width))} values per sample; "
                            "evaluating needs one score per class")
    name = guess_loss(width[0]) if loss is None else loss
    if name not in LOSSES:
        raise TrainingError(f"loss must be one of {', '.join(LOSSES)}, not '{name}'")
    return target, Objective(name, width[0], dataset.num_classes)


def _as_device(device: str | torch.device) -> torch.device:
    return dev.pick_device(device) if isinstance(device, str) else device


def evaluate(module: nn.Module, dataset: Dataset, split: str = "test",
             device: str | torch.device | None = None, loss: str | None = None) -> EvalResult:
    """Metrics of `module` on a split of `dataset`; `loss` defaults to the one its output suggests.

    `device` None keeps the module where it is; otherwise the module is moved there.
    """
    target, objective = _prepare(module, dataset, device, loss)
    x, y = dataset.split(split)  # type: ignore[arg-type]
    x, y = x.to(target), y.to(target)
    sums = run_inference(module, x, y, None, Normalizer(dataset, target), objective,
                         lambda: dev.autocast(target, "auto"), keep_predictions=True)
    mean_loss, accuracy = sums.means()
    predictions = sums.predictions.cpu() if sums.predictions is not None else torch.empty(0)
    targets = y.cpu()
    k = dataset.num_classes
    confusion = torch.bincount(targets * k + predictions.clamp(0, k - 1), minlength=k * k).reshape(k, k)
    wrong = torch.nonzero(predictions != targets).flatten()
    confidences = sums.confidences.float().cpu().numpy() if sums.confidences is not None else None
    return EvalResult(split, mean_loss, accuracy, confusion.numpy(), predictions.numpy(),
                      targets.numpy(), wrong.numpy(), confidences)


def decision_grid(module: nn.Module, dataset: Dataset, resolution: int = 100,
                  device: str | torch.device | None = None, margin: float = 0.1) -> DecisionGrid:
    """Predicted classes on a resolution × resolution grid over the data's bounding box (plus margin)."""
    if dataset.kind != "points" or tuple(dataset.input_shape) != (2,):
        raise TrainingError(f"a decision grid needs 2-D points, but {dataset.name} has samples of "
                            f"{'×'.join(map(str, dataset.input_shape))}")
    if resolution < 2:
        raise TrainingError(f"resolution must be at least 2, not {resolution}")
    target, objective = _prepare(module, dataset, device, None)
    xs, ys = _grid_axes(torch.cat([dataset.x_train, dataset.x_test]), resolution, margin)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    points = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1).to(target)  # (R, R) x2 -> (R*R, 2)
    classes = _predict(module, points, Normalizer(dataset, target), objective, target)
    return DecisionGrid(xs.numpy(), ys.numpy(), classes.reshape(resolution, resolution).numpy())


def _grid_axes(points: torch.Tensor, resolution: int, margin: float) -> tuple[torch.Tensor, torch.Tensor]:
    low, high = points.min(dim=0).values, points.max(dim=0).values
    pad = (high - low).clamp_min(1e-6) * margin
    low, high = low - pad, high + pad
    xs = torch.linspace(float(low[0]), float(high[0]), resolution)
    ys = torch.linspace(float(low[1]), float(high[1]), resolution)
    return xs, ys


def _predict(module: nn.Module, points: torch.Tensor, normalize: Normalizer, objective: Objective,
             target: torch.device) -> torch.Tensor:
    was_training = module.training
    module.eval()
    try:
        with torch.inference_mode(), dev.autocast(target, "auto"):
            parts = [objective.predict(module(normalize(points[i:i + EVAL_BATCH])))
                     for i in range(0, points.shape[0], EVAL_BATCH)]
    finally:
        module.train(was_training)
    return torch.cat(parts).cpu()
