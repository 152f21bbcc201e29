"""`TrainWorker`: runs an engine `TrainingJob` on a worker thread and turns what it reports
into Qt signals.

Plain values only cross the thread: coalesced step records (at most every 80 ms), epoch
records, decision grids for 2-D point sets (numpy, computed here, not on the GUI thread)
and one `RunOutcome` at the end. Never touches a widget; knows nothing of the view.
Must not import widgets.
"""
from __future__ import annotations

from typing import Any, Iterator

from PySide6.QtCore import QObject, Signal, Slot
from torch import nn

from engine.data import Dataset
from engine.training import TrainConfig, TrainControl, TrainRecord
from engine.training.job import EMIT_INTERVAL_S, GRID_RESOLUTION, RunOutcome, TrainingJob, wants_grid

__all__ = ["GRID_RESOLUTION", "RunOutcome", "TrainWorker", "wants_grid"]


class TrainWorker(QObject):
    steps_logged = Signal(object)  # tuple[StepRecord, ...], oldest first
    epoch_ended = Signal(object)  # EpochRecord
    grid_computed = Signal(object)  # DecisionGrid
    gradients_recorded = Signal(object)  # GradientRecord (per-layer gradient norms, engine.training.gradflow)
    run_ended = Signal(object)  # FinishedRecord, before the test evaluation
    run_finished = Signal(object)  # RunOutcome
    done = Signal()  # last signal of run(); the thread quits on it

    def __init__(self, records: Iterator[TrainRecord], module: nn.Module, dataset: Dataset,
                 config: TrainConfig, interval_s: float = EMIT_INTERVAL_S, control: TrainControl | None = None,
                 last_epoch: int | None = None) -> None:
        super().__init__()
        self.job = TrainingJob(records, module, dataset, config, self._emit, control, last_epoch, interval_s)
        self.outcome: RunOutcome | None = None

    @property
    def evaluate_at_end(self) -> bool:
        return self.job is not None and self.job.evaluate_at_end

    @evaluate_at_end.setter
    def evaluate_at_end(self, value: bool) -> None:  # cleared when the app closes: stop fast
        if self.job is not None:
            self.job.evaluate_at_end = value

    @Slot()
    def run(self) -> None:
        self.outcome = self.job.run()
        self.run_finished.emit(self.outcome)
        self.job = None  # let the GUI thread own the only references to the module
        self.done.emit()

    def _emit(self, kind: str, payload: Any) -> None:
        signals = {"steps": self.steps_logged, "epoch": self.epoch_ended, "grid": self.grid_computed,
                   "gradients": self.gradients_recorded, "ended": self.run_ended}
        signals[kind].emit(payload)
