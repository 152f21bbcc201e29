"""Building the optimizer and learning-rate schedule a `TrainConfig` names.

Owns the mapping from config names to torch.optim classes (fused kernels where the device
has them) and to schedulers, and whether a scheduler steps per batch or per epoch.
Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

from typing import Any, Iterable

import torch
from torch.optim import lr_scheduler

from engine.training.config import TrainConfig

_CLASSES: dict[str, type[torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta, "rmsprop": torch.optim.RMSprop,
}
_FUSABLE = ("sgd", "adam", "adamw", "adagrad")
PER_BATCH = ("cosine", "onecycle")  # schedules that step after every batch; "step" steps per epoch


def make_optimizer(params: Iterable[torch.nn.Parameter], config: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer, with fused kernels when torch has them for this device."""
    params = [p for p in params if p.requires_grad]
    kwargs: dict[str, Any] = {"lr": config.lr, "weight_decay": config.weight_decay}
    if config.optimizer == "sgd":
        kwargs.update(momentum=config.momentum, nesterov=config.nesterov)
    elif config.optimizer == "rmsprop":
        kwargs.update(momentum=config.momentum)
    cls = _CLASSES[config.optimizer]
    if config.optimizer in _FUSABLE and params:
        try:  # one kernel for all parameters instead of one per parameter and operation
            return cls(params, fused=True, **kwargs)
        except (RuntimeError, ValueError, TypeError):
            pass  # this device or torch build has no fused kernel
    return cls(params, **kwargs)


def make_scheduler(optimizer: torch.optim.Optimizer, config: TrainConfig,
                   steps_per_epoch: int) -> lr_scheduler.LRScheduler | None:
    """The lr schedule; `step` divides the rate by 10 after each third of the epochs."""
    total = max(config.epochs * steps_per_epoch, 1)
    if config.schedule == "step":
        return lr_scheduler.StepLR(optimizer, step_size=max(config.epochs // 3, 1), gamma=0.1)
    if config.schedule == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    if config.schedule == "onecycle":
        defaults = optimizer.defaults
        cycle = "betas" in defaults or float(defaults.get("momentum", 0.0)) > 0
        return lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total, cycle_momentum=cycle)
    return None


def current_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])
