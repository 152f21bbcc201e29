"""Training networks on device-resident data, as a plain generator of records.

The public face of engine.training; everything a caller needs is re-exported here. The
settings, records and control are torch-free and imported at once (forms and the lints read
them before PyTorch has loaded); the trainer and its helpers are imported on first use.
Knows nothing of threads or Qt. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import importlib
from typing import Any

from engine.training.config import (
    AMP_MODES,
    DEVICES,
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
    TrainConfig,
    TrainingError,
)
from engine.training.control import TrainControl
from engine.training.records import STATUSES, EpochRecord, FinishedRecord, StepRecord, TrainRecord

_LAZY = {
    "validate": "checks", "pick_device": "device",
    "DecisionGrid": "evaluation", "EvalResult": "evaluation", "decision_grid": "evaluation", "evaluate": "evaluation",
    "GradientHistory": "gradflow", "GradientRecord": "gradflow",
    "steps_per_epoch": "loop", "train": "loop",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'engine.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"engine.training.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AMP_MODES", "DEVICES", "LOSSES", "OPTIMIZERS", "SCHEDULES", "STATUSES",
    "DecisionGrid", "EpochRecord", "EvalResult", "FinishedRecord", "GradientHistory", "GradientRecord",
    "StepRecord", "TrainConfig",
    "TrainControl", "TrainRecord", "TrainingError",
    "decision_grid", "evaluate", "pick_device", "steps_per_epoch", "train", "validate",
]
