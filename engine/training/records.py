"""The small frozen records the trainer yields: per logged step, per epoch, and one at the end.

Plain Python values only (no tensors), so a GUI thread can keep them. Must not import
Qt, pyqtgraph or torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from engine.training.status import STATUSES  # noqa: F401  (re-exported: the one home is engine.training.status)


@dataclass(frozen=True)
class StepRecord:
    epoch: int  # 1-based; a continued run numbers on from the epochs before it
    step: int  # 1-based count of optimizer steps over the whole run (continued runs included)
    total_steps: int  # the step count at the end of this run, if nothing stops it
    loss: float  # mean training loss over the steps since the last StepRecord
    lr: float  # learning rate after this step
    samples_per_s: float  # training throughput since the last StepRecord
    steps_per_epoch: int = 0  # optimizer steps in one epoch (the x axis of a per-step curve is step / this)


@dataclass(frozen=True)
class EpochRecord:
    epoch: int  # 1-based
    train_loss: float  # mean over the epoch's batches, weighted by batch size
    train_acc: float  # 0..1, measured while training (dropout on)
    val_loss: float | None  # None when val_split is 0
    val_acc: float | None
    lr: float  # learning rate at the end of the epoch
    seconds: float  # wall time of the epoch, pauses excluded
    is_best: bool  # lowest validation loss so far (training loss without validation)


@dataclass(frozen=True)
class FinishedRecord:
    status: str  # one of STATUSES
    message: str  # one or two sentences for the user
    best_epoch: int | None  # epoch with the lowest validation loss, None before any epoch ended
    best_val_acc: float | None  # validation accuracy of that epoch
    test_acc: float | None  # on the test split; None unless completed or early_stopped
    test_loss: float | None
    epochs_run: int  # epochs finished, counting those of the run this one continued


TrainRecord = Union[StepRecord, EpochRecord, FinishedRecord]
