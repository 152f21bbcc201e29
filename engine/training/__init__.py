"""Training networks on device-resident data, as a plain generator of records.

The public face of engine.training; everything a caller needs is re-exported here.
Knows nothing of threads or Qt. Must not import Qt or pyqtgraph.
"""
from engine.training.checks import validate
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
from engine.training.device import pick_device
from engine.training.evaluate import DecisionGrid, EvalResult, decision_grid, evaluate
from engine.training.gradflow import GradientHistory, GradientRecord
from engine.training.loop import steps_per_epoch, train
from engine.training.records import STATUSES, EpochRecord, FinishedRecord, StepRecord, TrainRecord

__all__ = [
    "AMP_MODES", "DEVICES", "LOSSES", "OPTIMIZERS", "SCHEDULES", "STATUSES",
    "DecisionGrid", "EpochRecord", "EvalResult", "FinishedRecord", "GradientHistory", "GradientRecord",
    "StepRecord", "TrainConfig",
    "TrainControl", "TrainRecord", "TrainingError",
    "decision_grid", "evaluate", "pick_device", "steps_per_epoch", "train", "validate",
]
