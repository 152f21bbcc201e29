"""A dataset living on the training device: per-batch normalization, seeded splits, index batches.

Owns moving the tensors to the device once (uint8 images stay uint8), normalizing a batch
in one fused step, the seeded validation split, the shuffled batch order, and batched
inference for evaluation. No DataLoader, no per-sample Python. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, ContextManager

import torch
from torch import nn

from engine.training.checks import val_count
from engine.training.objective import Objective

if TYPE_CHECKING:  # annotations only: importing the datasets would load torchvision
    from engine.data import Dataset

EVAL_BATCH = 1024  # samples per forward pass when nothing needs gradients


class Normalizer:
    """(x / 255 - mean) / std for uint8 images, (x - mean) / std for points: one kernel per batch."""

    def __init__(self, dataset: Dataset, device: torch.device) -> None:
        unit = 1.0 / 255.0 if dataset.x_train.dtype == torch.uint8 else 1.0
        mean = torch.tensor(dataset.mean, dtype=torch.float32)
        std = torch.tensor(dataset.std, dtype=torch.float32)
        view = (1, len(dataset.mean)) + (1,) * (len(dataset.input_shape) - 1)  # (C,) -> (1, C, 1, 1)
        self.scale = (unit / std).reshape(view).to(device)
        self.shift = (-mean / std).reshape(view).to(device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(self.shift, x.float(), self.scale)


@dataclass(frozen=True, eq=False)
class Resident:
    """Training data on the device; the splits are index tensors into x_train."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    train_idx: torch.Tensor  # int64 (N_train,)
    val_idx: torch.Tensor  # int64 (N_val,), possibly empty
    normalize: Normalizer
    device: torch.device

    def shuffled(self, generator: torch.Generator) -> torch.Tensor:
        """This epoch's order of training samples, as indices into x_train."""
        n = self.train_idx.numel()
        perm = torch.randperm(n, generator=generator, device=generator.device)
        return self.train_idx[perm.to(self.device)]


def make_resident(dataset: Dataset, device: torch.device, val_split: float, seed: int,
                  part: tuple[int, int] = (0, 1)) -> Resident:
    """Move the training split to `device` and draw the seeded validation split.

    `part` = (rank, world size) of a distributed run: the split is drawn identically on every
    rank, then each rank keeps only its shard on its device (training shards of equal length,
    so every rank takes the same number of steps)."""
    order = torch.randperm(dataset.num_train, generator=torch.Generator().manual_seed(seed))
    n_val = val_count(dataset.num_train, val_split)
    train_idx, val_idx = order[n_val:].sort().values, order[:n_val].sort().values
    rank, world = part
    if world == 1:
        return Resident(x_train=dataset.x_train.to(device), y_train=dataset.y_train.to(device),
                        train_idx=train_idx.to(device), val_idx=val_idx.to(device),
                        normalize=Normalizer(dataset, device), device=device)
    train_rows = train_idx[rank::world][:train_idx.numel() // world]
    rows = torch.cat([train_rows, val_idx[rank::world]])
    n_train = int(train_rows.numel())
    return Resident(x_train=dataset.x_train[rows].to(device), y_train=dataset.y_train[rows].to(device),
                    train_idx=torch.arange(n_train, device=device),
                    val_idx=torch.arange(n_train, int(rows.numel()), device=device),
                    normalize=Normalizer(dataset, device), device=device)


@dataclass(frozen=True, eq=False)
class SplitSums:
    """Loss and accuracy of a split, still on the device until read."""

    loss_sum: torch.Tensor  # 0-d float32
    correct: torch.Tensor  # 0-d int64
    count: int
    predictions: torch.Tensor | None  # int64 (N,) when asked for
    confidences: torch.Tensor | None = None  # float32 (N,): probability of the predicted class, when asked for

    def means(self) -> tuple[float, float]:
        """(mean loss, accuracy) as Python floats: a sync point."""
        n = max(self.count, 1)
        return float(self.loss_sum) / n, int(self.correct) / n


def run_inference(module: nn.Module, x: torch.Tensor, y: torch.Tensor, idx: torch.Tensor | None,
                  normalize: Callable[[torch.Tensor], torch.Tensor], objective: Objective,
                  autocast: Callable[[], ContextManager[object]],
                  keep_predictions: bool = False) -> SplitSums:
    """Loss and correct count over x[idx] (all of x when idx is None), in eval mode."""
    count = int(idx.numel()) if idx is not None else int(x.shape[0])
    preds, confs = [], []
    was_training = module.training
    module.eval()
    try:
        with torch.inference_mode(), autocast():
            loss_sum = torch.zeros((), device=x.device)
            correct = torch.zeros((), dtype=torch.int64, device=x.device)
            for start in range(0, count, EVAL_BATCH):
                rows = idx[start:start + EVAL_BATCH] if idx is not None else slice(start, start + EVAL_BATCH)
                out = module(normalize(x[rows]))
                labels = y[rows]
                loss_sum += objective.loss(out, labels) * labels.shape[0]
                predicted = objective.predict(out)
                correct += (predicted == labels).sum()
                if keep_predictions:
                    preds.append(predicted)
                    confs.append(objective.confidence(out))
    finally:
        module.train(was_training)
    if not keep_predictions:
        return SplitSums(loss_sum, correct, count, None)
    stacked = torch.cat(preds) if preds else torch.empty(0, dtype=torch.int64)
    confidences = torch.cat(confs) if confs else torch.empty(0)
    return SplitSums(loss_sum, correct, count, stacked, confidences)
