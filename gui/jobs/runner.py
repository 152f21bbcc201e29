"""`TrainRunner`: starts, pauses, stops and shuts down one training run at a time.

Lives on the GUI thread. It builds the engine generator (so a refused setting raises
TrainingError here, before any thread starts), hands it to a `TrainWorker` on a QThread
and re-emits the worker's signals. `shutdown()` is for closing the app: stop flag, let
the current batch end, quit, wait, and deliver the outcome at once so nothing is lost.
Must not touch widgets.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal
from torch import nn

from engine.data import Dataset
from engine.training import Resume, TrainConfig, TrainControl, train
from engine.training.gradflow import DEFAULT_EVERY as GRADIENT_EVERY

from .threads import is_running, start_in_thread
from .worker import RunOutcome, TrainWorker


class RunnerSignals(QObject):
    """What every runner reports, wherever it trains (a thread here, or a training process)."""
    started = Signal()
    steps_logged = Signal(object)  # tuple[StepRecord, ...]
    epoch_ended = Signal(object)  # EpochRecord
    grid_computed = Signal(object)  # DecisionGrid
    gradients_recorded = Signal(object)  # GradientRecord (per-layer gradient norms, engine.training.gradflow)
    run_ended = Signal(object)  # FinishedRecord: training ended (stopped, finished, failed); evaluation follows
    run_finished = Signal(object)  # RunOutcome, exactly once per started run
    pause_changed = Signal(bool)


class TrainRunner(RunnerSignals):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread: QThread | None = None  # kept after the run ends, for inspection
        self.control: TrainControl | None = None
        self._worker: TrainWorker | None = None
        self._delivered = True

    @property
    def running(self) -> bool:
        return not self._delivered

    @property
    def paused(self) -> bool:
        return self.running and self.control is not None and self.control.paused

    def start(self, module: nn.Module, dataset: Dataset, config: TrainConfig, resume: Resume | None = None,
              network: dict | None = None) -> None:
        """Start a run; raises TrainingError (nothing started) when the settings are refused. (`network`,
        the graph dict a training process needs, is not used here: this thread trains `module` itself.)"""
        if self.running:
            raise RuntimeError("a training run is already going")
        control = TrainControl()
        records = train(module, dataset, config, control, gradients=GRADIENT_EVERY, resume=resume,
                        final_test=False)  # checks first; the job tests the run once
        self._release_thread()
        self.control, self._delivered = control, False
        last_epoch = (resume.epochs_done if resume is not None else 0) + config.epochs
        self._worker = TrainWorker(records, module, dataset, config, control=control, last_epoch=last_epoch)
        self._worker.steps_logged.connect(self.steps_logged)
        self._worker.epoch_ended.connect(self.epoch_ended)
        self._worker.grid_computed.connect(self.grid_computed)
        self._worker.gradients_recorded.connect(self.gradients_recorded)
        self._worker.run_ended.connect(self.run_ended)
        self._worker.run_finished.connect(self._on_worker_run_finished)
        self.thread = start_in_thread(self._worker, "netwright-training")
        self.started.emit()

    def pause(self) -> None:
        if self.running and not self.control.paused:
            self.control.pause()
            self.pause_changed.emit(True)

    def resume(self) -> None:
        if self.running and self.control.paused:
            self.control.resume()
            self.pause_changed.emit(False)

    def stop(self) -> None:
        """Ask the run to stop after the current batch; run_finished follows."""
        if self.running:
            self.control.request_stop()

    def shutdown(self) -> None:
        """Stop now and wait for the thread (closing the app); run_finished is emitted before returning."""
        if self.running:
            self._worker.evaluate_at_end = False
            self.control.request_stop()
        if is_running(self.thread):
            self.thread.quit()
            self.thread.wait()
        if not self._delivered and self._worker_outcome() is not None:
            self._on_worker_run_finished(self._worker_outcome())

    def _worker_outcome(self) -> RunOutcome | None:
        try:
            return self._worker.outcome if self._worker is not None else None
        except RuntimeError:  # the worker was already deleted with its thread
            return None

    def _on_worker_run_finished(self, outcome: RunOutcome) -> None:
        if self._delivered:  # already handed over by shutdown()
            return
        self._delivered = True
        self.run_finished.emit(outcome)

    def _release_thread(self) -> None:
        """Forget the previous, finished thread (and its deleted worker)."""
        if self.thread is not None:
            self.thread.wait()
            self.thread.deleteLater()
        self.thread, self._worker = None, None
