"""`TrainingJob`: one run from the trainer's generator to a `RunOutcome`, for any host.

Iterates the records, hands them on through an `emit(kind, payload)` callback (step
records coalesced to at most one "steps" batch per `interval_s`, every "epoch" record, a
"grid" of predicted classes for 2-D point sets, at most every GRID_INTERVAL_S, every
"gradients" record of per-layer gradient norms, and one "ended" record (the trainer's
FinishedRecord) the moment training ends, before anything is evaluated, so a host can show
"Stopped" at once), and ends with the outcome: the trained weights and optimizer state on
the CPU, the test evaluation (the only one: the trainer is started with final_test=False,
and every run with weights is tested here once, a stopped one too), the run's gradient flow
and the calibration of its predictions (engine.training.calibration). The same job runs on a
GUI worker thread (gui.jobs.worker) and in a training process (engine.training.remote), so
what a run reports does not depend on where it ran.
Knows nothing of threads, processes or Qt. Must not import Qt or pyqtgraph.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Iterator

from torch import nn

from engine.training.calibration import calibration_entry
from engine.training.config import TrainConfig
from engine.training.control import TrainControl
from engine.training.evaluation import EvalResult, decision_grid, evaluate
from engine.training.gradflow import GradientHistory, GradientRecord
from engine.training.linear_fit import ceiling_extras
from engine.training.records import EpochRecord, FinishedRecord, StepRecord, TrainRecord
from engine.training.resume import OptimizerState
from engine.training.status import ERROR, WEIGHTS_STATUSES

if TYPE_CHECKING:  # annotations only: importing the datasets would load torchvision
    from engine.data import Dataset

EMIT_INTERVAL_S = 0.08  # step records are coalesced to at most one batch per interval
GRID_INTERVAL_S = 0.15  # tiny point sets run many epochs a second; a boundary per epoch is too many
GRID_RESOLUTION = 120
KEPT_STATUSES = WEIGHTS_STATUSES  # runs whose weights are worth keeping (and testing)

Emit = Callable[[str, Any], None]


@dataclass(frozen=True, eq=False)
class RunOutcome:
    """Everything a finished run hands back."""

    finished: FinishedRecord
    history: tuple[EpochRecord, ...]
    weights: dict[str, Any] | None  # CPU state dict; None when the previous weights must stay
    evaluation: EvalResult | None  # on the test split; None when skipped or impossible
    note: str = ""  # why weights or evaluation are missing, for the user
    optimizer_state: OptimizerState | None = None  # with the weights, for continuing the run later
    gradients: dict[str, Any] = field(default_factory=dict)  # GradientHistory.to_dict() of the run
    calibration: dict[str, Any] | None = None  # the entry for meta["calibration"] (honest predictions)


def state_on_cpu(module: nn.Module) -> dict[str, Any]:
    """A CPU copy of the module's weights (its state_dict)."""
    return {k: v.detach().to("cpu").clone() for k, v in module.state_dict().items()}


def wants_grid(dataset: Dataset) -> bool:
    return dataset.kind == "points" and tuple(dataset.input_shape) == (2,)


class TrainingJob:
    def __init__(self, records: Iterator[TrainRecord], module: nn.Module, dataset: Dataset, config: TrainConfig,
                 emit: Emit, control: TrainControl | None = None, last_epoch: int | None = None,
                 interval_s: float = EMIT_INTERVAL_S) -> None:
        self.records, self.module, self.dataset, self.config = records, module, dataset, config
        self.emit, self.control, self.interval_s = emit, control, interval_s
        self.last_epoch = config.epochs if last_epoch is None else last_epoch
        self.evaluate_at_end = True  # cleared when the app closes: stop fast, skip the test pass
        self._pending: list[StepRecord] = []
        self._last_emit = self._last_grid = float("-inf")
        self._history: list[EpochRecord] = []
        self._gradients = GradientHistory()

    def run(self) -> RunOutcome:
        """Train to the end; never raises (a failure becomes the outcome)."""
        try:
            return self._train()
        except Exception as exc:  # the engine never raises, but our own evaluation might
            return self._crashed(exc)

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
                self.emit("gradients", record)
        self._flush_steps()
        if finished is None:
            finished = FinishedRecord(ERROR, "Training ended without a result.", None, None, None,
                                      None, len(self._history))
        self.emit("ended", finished)  # the state change first; the test pass follows
        return self._outcome(finished)

    def _on_step(self, record: StepRecord) -> None:
        self._pending.append(record)
        if time.perf_counter() - self._last_emit >= self.interval_s:
            self._flush_steps()

    def _flush_steps(self) -> None:
        if self._pending:
            self.emit("steps", tuple(self._pending))
            self._pending = []
            self._last_emit = time.perf_counter()

    def _on_epoch(self, record: EpochRecord) -> None:
        self._flush_steps()
        self._history.append(record)
        self.emit("epoch", record)
        last = record.epoch == self.last_epoch
        if wants_grid(self.dataset) and (last or time.perf_counter() - self._last_grid >= GRID_INTERVAL_S):
            self._emit_grid()

    def _emit_grid(self) -> None:
        self._last_grid = time.perf_counter()
        try:
            grid = decision_grid(self.module, self.dataset, GRID_RESOLUTION)
        except Exception:  # a picture is not worth failing the run for
            self._last_grid = float("inf")  # and do not try again every epoch
            return
        self.emit("grid", grid)

    def _outcome(self, finished: FinishedRecord) -> RunOutcome:
        outcome = self._plain_outcome(finished)
        gradients = self._gradients.to_dict()
        if outcome.weights is None or not self.evaluate_at_end:
            return replace(outcome, gradients=gradients)
        gradients.update(ceiling_extras(self.module, self.dataset, self.config.loss, self.config.val_split,
                                        self.config.seed))  # the doctor's evidence for a linear network
        calibration = calibration_entry(self.module, self.dataset, self.config.val_split, self.config.seed)
        return replace(outcome, gradients=gradients, calibration=calibration)

    def _plain_outcome(self, finished: FinishedRecord) -> RunOutcome:
        history = tuple(self._history)
        if finished.status not in KEPT_STATUSES:
            return RunOutcome(finished, history, None, None, "The previous weights are kept.")
        if not history:
            return RunOutcome(finished, history, None, None, "No epoch finished, so the previous weights are kept.")
        weights = state_on_cpu(self.module)
        state = self.control.optimizer_state if self.control is not None else None
        if not self.evaluate_at_end:
            return RunOutcome(finished, history, weights, None, optimizer_state=state)
        if wants_grid(self.dataset):
            self._emit_grid()  # early stopping may have restored other weights
        if self.dataset.num_test == 0:
            return RunOutcome(finished, history, weights, None, optimizer_state=state)
        try:
            evaluation = evaluate(self.module, self.dataset, "test", loss=self.config.loss)
        except Exception as exc:  # the weights are still good; only the analysis is missing
            return RunOutcome(finished, history, weights, None, f"Could not evaluate on the test set: {exc}", state)
        return RunOutcome(tested(finished, evaluation), history, weights, evaluation, optimizer_state=state)

    def _crashed(self, exc: Exception) -> RunOutcome:
        message = f"Training failed: {type(exc).__name__}: {exc}"
        finished = FinishedRecord(ERROR, message, None, None, None, None, len(self._history))
        return RunOutcome(finished, tuple(self._history), None, None, "The previous weights are kept.")


def tested(finished: FinishedRecord, evaluation: EvalResult | None) -> FinishedRecord:
    """`finished` with the run's one test evaluation in its figures and its message."""
    if evaluation is None or finished.test_acc is not None:
        return finished
    message = f"{finished.message} Test accuracy: {evaluation.accuracy:.1%}."
    return replace(finished, message=message, test_acc=float(evaluation.accuracy),
                   test_loss=float(evaluation.loss))
