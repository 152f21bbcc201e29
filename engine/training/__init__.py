"""Training networks on device-resident data, as a plain generator of records.

The public face of engine.training; everything a caller needs is re-exported here. Beside
the trainer: the curve doctor (doctor), continuing a run (resume), one run from records to
outcome for any host (job) and a training process (remote, imported on its own). The
settings, records, control and the doctor are torch-free and imported at once (forms, the
lints and the runs list read them before PyTorch has loaded); the trainer and its helpers are
imported on first use. Must not import Qt or pyqtgraph.
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
    SETTINGS,
    TrainConfig,
    TrainingError,
)
from engine.training.control import TrainControl
from engine.training.doctor import Diagnosis, diagnose
from engine.training.records import STATUSES, EpochRecord, FinishedRecord, StepRecord, TrainRecord
from engine.training.settings import Setting

# Submodules the GUI and scripts may import directly (beside this facade); any other submodule
# is internal (tests/engine/test_architecture.py checks the GUI keeps to this).
PUBLIC_SUBMODULES = ("augment", "augment_spec", "checks", "device", "doctor", "evidence", "false_alarms", "gradflow",
                     "job", "lr_range", "memory", "network_remedy", "remote", "resume", "status",)

_LAZY = {
    "validate": "checks", "pick_device": "device",
    "DecisionGrid": "evaluation", "EvalResult": "evaluation", "decision_grid": "evaluation", "evaluate": "evaluation",
    "GradientHistory": "gradflow", "GradientRecord": "gradflow",
    "OptimizerState": "resume", "Resume": "resume",
    "steps_per_epoch": "loop", "train": "loop",
    "LrFindResult": "lr_range", "lr_find": "lr_range",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'engine.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"engine.training.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AMP_MODES", "DEVICES", "LOSSES", "OPTIMIZERS", "SCHEDULES", "SETTINGS", "STATUSES",
    "DecisionGrid", "Diagnosis", "EpochRecord", "EvalResult", "FinishedRecord", "GradientHistory",
    "GradientRecord", "LrFindResult", "OptimizerState", "Resume", "Setting", "StepRecord", "TrainConfig",
    "TrainControl",
    "TrainRecord", "TrainingError", "decision_grid", "diagnose", "evaluate", "lr_find", "pick_device",
    "steps_per_epoch", "train", "validate",
]
