"""The learning-rate range test (Smith 2017; fastai's `lr_find`, Lightning's `Tuner.lr_find`).

Owns one short probe: the learning rate grows exponentially from `start_lr` to `end_lr` over
`steps` mini-batches of the training split while the loss of each batch is recorded; it stops
early once the smoothed loss explodes (over `diverge` × its best), or before the next batch once
`should_stop()` says so (a Cancel button). The suggestion is the rate
where the smoothed loss falls fastest against log(lr). The module's weights (and BatchNorm
statistics) are put back afterwards and the optimizer is thrown away, so probing changes
nothing. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

import torch
from torch import nn

from engine.training import device as dev
from engine.training.checks import checked_output_shape
from engine.training.config import TrainConfig, TrainingError, check_config
from engine.training.objective import Objective
from engine.training.optim import make_optimizer
from engine.training.resident import make_resident

if TYPE_CHECKING:  # annotations only: importing the datasets would load torchvision
    from engine.data import Dataset

SMOOTHING = 0.98  # the EMA's beta, debiased (as fastai and TensorBoard do)
SKIP_START, SKIP_END = 10, 5  # points left out when looking for the steepest descent (noise, explosion)


@dataclass(frozen=True)
class LrFindResult:
    lrs: list[float]  # the rate of each probed batch
    losses: list[float]  # that batch's loss, raw
    smoothed: list[float]  # debiased exponential moving average of `losses`
    suggestion: float | None  # None when the probe was too short to say
    stopped_early: bool  # the loss exploded before end_lr
    cancelled: bool = False  # should_stop() ended it: the points so far, no suggestion

    def to_dict(self) -> dict[str, object]:
        """The `lr-find --json` form."""
        return {"lrs": self.lrs, "losses": self.losses, "suggestion": self.suggestion}


def lr_find(module: nn.Module, dataset: Dataset, config: TrainConfig = TrainConfig(), start_lr: float = 1e-7,
            end_lr: float = 10.0, steps: int = 100, diverge: float = 4.0,
            progress: Callable[[int, int], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> LrFindResult:
    """Probe `steps` batches with an exponentially growing rate; the module is left as it came.

    `should_stop()` is asked before every batch; when it answers True the probe ends at once with
    `cancelled` set (the weights are put back all the same)."""
    _check(start_lr, end_lr, steps, diverge)
    check_config(config)
    objective = Objective(config.loss, checked_output_shape(module, dataset, config)[0], dataset.num_classes)
    saved = {k: v.detach().clone() for k, v in module.state_dict().items()}
    was_training = module.training
    try:
        return _probe(module, dataset, config, objective, (start_lr, end_lr, steps, diverge), progress,
                      should_stop or _never)
    finally:
        module.load_state_dict(saved)
        module.train(was_training)


def _never() -> bool:
    return False


def _check(start_lr: float, end_lr: float, steps: int, diverge: float) -> None:
    if not (0 < start_lr < end_lr) or not all(math.isfinite(v) for v in (start_lr, end_lr)):
        raise TrainingError(f"the learning-rate range must run from a positive rate up to a larger one, not "
                            f"{start_lr:g} to {end_lr:g}")
    if not 5 <= steps <= 10_000:
        raise TrainingError(f"the range test needs between 5 and 10,000 steps, not {steps}")
    if not diverge > 1:
        raise TrainingError(f"the divergence factor must be above 1, not {diverge:g}")


def _probe(module: nn.Module, dataset: Dataset, config: TrainConfig, objective: Objective,
           limits: tuple[float, float, int, float], progress: Callable[[int, int], None] | None,
           should_stop: Callable[[], bool]) -> LrFindResult:
    start_lr, end_lr, steps, diverge = limits
    device = dev.pick_device(config.device)
    module.to(device).train()
    data = make_resident(dataset, device, config.val_split, config.seed)
    generator = dev.seeded_generator(device, config.seed)
    optimizer = make_optimizer(module.parameters(), replace(config, lr=start_lr))
    factor = (end_lr / start_lr) ** (1 / (steps - 1))
    lrs, losses, smoothed = [], [], []
    order, position, avg, best = data.shuffled(generator), 0, 0.0, math.inf
    batch = max(1, min(config.batch_size, int(data.train_idx.numel())))
    for i in range(steps):
        if should_stop():
            return LrFindResult(lrs, losses, smoothed, None, False, cancelled=True)
        if position + batch > order.numel():  # a new pass over the data, freshly shuffled
            order, position = data.shuffled(generator), 0
        rows, position = order[position:position + batch], position + batch
        lr = start_lr * factor ** i
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = _step(module, optimizer, objective, data, rows)
        if not math.isfinite(loss):
            return _result(lrs, losses, smoothed, True)
        avg = SMOOTHING * avg + (1 - SMOOTHING) * loss
        value = avg / (1 - SMOOTHING ** (i + 1))
        lrs.append(lr), losses.append(loss), smoothed.append(value)
        best = min(best, value)
        if progress is not None:
            progress(i + 1, steps)
        if value > diverge * best and i > SKIP_START:
            return _result(lrs, losses, smoothed, True)
    return _result(lrs, losses, smoothed, False)


def _step(module: nn.Module, optimizer: torch.optim.Optimizer, objective: Objective, data, rows) -> float:
    x = data.normalize(torch.index_select(data.x_train, 0, rows))
    y = torch.index_select(data.y_train, 0, rows)
    loss = objective.loss(module(x), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def _result(lrs: list[float], losses: list[float], smoothed: list[float], stopped: bool) -> LrFindResult:
    return LrFindResult(lrs, losses, smoothed, suggest(lrs, smoothed), stopped)


def suggest(lrs: list[float], smoothed: list[float]) -> float | None:
    """The rate where the smoothed loss falls fastest per unit of log(lr), ignoring the noisy start
    and the exploding end; None when fewer than a handful of points remain."""
    end = len(lrs) - SKIP_END
    if end - SKIP_START < 3:
        return None
    logs = [math.log10(lr) for lr in lrs]
    slopes = [(smoothed[i + 1] - smoothed[i - 1]) / (logs[i + 1] - logs[i - 1]) for i in range(SKIP_START, end - 1)]
    steepest = min(range(len(slopes)), key=slopes.__getitem__)
    return lrs[SKIP_START + steepest] if slopes[steepest] < 0 else None
