"""`TrainWorker`: iterates the engine's training generator on a worker thread.

Emits plain values only: coalesced step records at most every `interval_s` (80 ms), every
epoch record, a decision grid for 2-D point sets (numpy, computed here, not on the GUI
thread), and one `RunOutcome` at the end with the trained weights on the CPU and the test
evaluation. Never touches a widget; knows nothing of the view. Must not import widgets.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Iterator

from PySide6.QtCore import QObject, Signal, Slot
from torch import nn

from engine import session
from engine.calibration import calibration_entry
from engine.data import Dataset
from engine.training import (EpochRecord, EvalResult, FinishedRecord, StepRecord,
                             TrainConfig, TrainRecord, decision_grid, evaluate)
from engine.training.gradflow import GradientHistory, GradientRecord

EMIT_INTERVAL_S = 0.08  # step records are coalesced to at most one signal per interval
GRID_INTERVAL_S = 0.15  # tiny point sets run many epochs a second; a boundary per epoch is too many
GRID_RESOLUTION = 120
KEPT_STATUSES = ("completed", "early_stopped", "stopped")  # runs whose weights are worth keeping


@dataclass(frozen=True, eq=False)
class RunOutcome:
    """Everything a finished run hands to the GUI thread."""

    finished: FinishedRecord
    history: tuple[EpochRecord, ...]
    weights: dict[str, Any] | None  # CPU state dict; None when the previous weights must stay
    evaluation: EvalResult | None  # on the test split; None when skipped or impossible
    note: str = ""  # why weights or evaluation are missing, for the user
    gradients: dict[str, Any] = field(default_factory=dict)  # GradientHistory.to_dict() of the run
    calibration: dict[str, Any] | None = None  # engine.calibration entry for meta["calibration"]


def wants_grid(dataset: Dataset) -> bool:
    return dataset.kind == "points" and tuple(dataset.input_shape) == (2,)


class TrainWorker(QObject):
    steps_logged = Signal(object)  # tuple[StepRecord, ...], oldest first
    epoch_ended = Signal(object)  # EpochRecord
    grid_computed = Signal(object)  # DecisionGrid
    gradients_recorded = Signal(object)  # GradientRecord (per-layer gradient norms, engine.training.gradflow)
    run_finished = Signal(object)  # RunOutcome
    done = Signal()  # last signal of run(); the thread quits on it

    def __init__(self, records: Iterator[TrainRecord], module: nn.Module, dataset: Dataset,
                 config: TrainConfig, interval_s: float = EMIT_INTERVAL_S) -> None:
        super().__init__()
        self.records, self.module, self.dataset, self.config = records, module, dataset, config
        self.interval_s = interval_s
        self.evaluate_at_end = True  # cleared when the app closes: stop fast, skip the test pass
        self.outcome: RunOutcome | None = None
        self._pending: list[StepRecord] = []
        self._last_emit = self._last_grid = float("-inf")
        self._history: list[EpochRecord] = []
        self._gradients = GradientHistory()

    @Slot()
    def run(self) -> None:
        try:
            self.outcome = self._train()
        except Exception as exc:  # the engine never raises, but our own evaluation might
            self.outcome = self._crashed(exc)
        self.run_finished.emit(self.outcome)
        self.records = self.module = None  # let the GUI thread own the only references
        self.done.emit()

    def _train(self) -> RunOutcome:
        finished = None
        for record in self.records:
            if isinstance(record, StepRecord):
                self._on_step(record)
            elif isinstance(record, EpochRecord):
                self._on_epoch(record)
            elif isinstance(record, FinishedRecord):
                finished = record
            elif isinstance(record, GradientRecord):
                self._gradients.add(record)
                self.gradients_recorded.emit(record)
        self._flush_steps()
        if finished is None:
            finished = FinishedRecord("error", "Training ended without a result.", None, None, None,
                                      None, len(self._history))
        return self._outcome(finished)

    def _on_step(self, record: StepRecord) -> None:
        self._pending.append(record)
        if time.perf_counter() - self._last_emit >= self.interval_s:
            self._flush_steps()

    def _flush_steps(self) -> None:
        if self._pending:
            self.steps_logged.emit(tuple(self._pending))
            self._pending = []
            self._last_emit = time.perf_counter()

    def _on_epoch(self, record: EpochRecord) -> None:
        self._flush_steps()
        self._history.append(record)
        self.epoch_ended.emit(record)
        last = record.epoch == self.config.epochs
        if wants_grid(self.dataset) and (last or time.perf_counter() - self._last_grid >= GRID_INTERVAL_S):
            self._emit_grid()

    def _emit_grid(self) -> None:
        self._last_grid = time.perf_counter()
        try:
            grid = decision_grid(self.module, self.dataset, GRID_RESOLUTION)
        except Exception:  # a picture is not worth failing the run for
            self._last_grid = float("inf")  # and do not try again every epoch
            return
        self.grid_computed.emit(grid)

    def _outcome(self, finished: FinishedRecord) -> RunOutcome:
        outcome = self._plain_outcome(finished)
        if outcome.weights is None:
            return outcome
        calibration = calibration_entry(self.module, self.dataset, self.config.val_split, self.config.seed) \
            if self.evaluate_at_end else None
        return replace(outcome, gradients=self._gradients.to_dict(), calibration=calibration)

    def _plain_outcome(self, finished: FinishedRecord) -> RunOutcome:
        history = tuple(self._history)
        if finished.status not in KEPT_STATUSES:
            return RunOutcome(finished, history, None, None, "The previous weights are kept.")
        if not history:
            return RunOutcome(finished, history, None, None,
                              "No epoch finished, so the previous weights are kept.")
        weights = session.state_on_cpu(self.module)
        if not self.evaluate_at_end:
            return RunOutcome(finished, history, weights, None)
        if wants_grid(self.dataset):
            self._emit_grid()  # early stopping may have restored other weights
        try:
            evaluation = evaluate(self.module, self.dataset, "test", loss=self.config.loss)
        except Exception as exc:  # the weights are still good; only the analysis is missing
            return RunOutcome(finished, history, weights, None, f"Could not evaluate on the test set: {exc}")
        return RunOutcome(finished, history, weights, evaluation)

    def _crashed(self, exc: Exception) -> RunOutcome:
        message = f"Training failed: {type(exc).__name__}: {exc}"
        finished = FinishedRecord("error", message, None, None, None, None, len(self._history))
        return RunOutcome(finished, tuple(self._history), None, None, "The previous weights are kept.")
