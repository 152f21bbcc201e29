"""`ProcessRunner`: the `TrainRunner` interface over a training process (engine.training.remote).

The GUI thread only checks the settings (a two-sample forward pass), sends the job, and
reads reports when the pipe has some (a QSocketNotifier; a 15 ms poll where pipes are not
sockets): no training thread shares its interpreter lock. The process is started early
(`warm_up`) and kept between runs. If it dies mid-run, the run ends as failed with a
message and the next run starts a fresh process; the document is untouched.
`shutdown()` stops the run, waits for its outcome, and ends the process. Must not touch
widgets.
"""
from __future__ import annotations

import os
import time

from PySide6.QtCore import QObject, QSocketNotifier, QTimer
from torch import nn

from engine.data import Dataset
from engine.training import FinishedRecord, Resume, TrainConfig, validate
from engine.training.gradflow import DEFAULT_EVERY as GRADIENT_EVERY
from engine.training.remote import RemoteTraining, outcome_from_wire
from engine.training.status import ERROR

from .runner import RunnerSignals
from .worker import RunOutcome

POLL_MS = 15
SHUTDOWN_WAIT_S = 60.0


class ProcessRunner(RunnerSignals):

    def __init__(self, parent: QObject | None = None, remote: RemoteTraining | None = None) -> None:
        super().__init__(parent)
        self.remote = remote or RemoteTraining()
        self.thread = None  # no training thread in this process
        self._watch: QSocketNotifier | QTimer | None = None
        self._delivered, self._paused = True, False
        self._history: list = []

    @property
    def running(self) -> bool:
        return not self._delivered

    @property
    def paused(self) -> bool:
        return self.running and self._paused

    def warm_up(self) -> None:
        """Start the training process now, so the first run does not wait for it to import torch."""
        if not self.remote.alive:
            self._unwatch()
            self.remote.start()
        if self._watch is None:
            self._watch_pipe()

    def _watch_pipe(self) -> None:
        self._unwatch()
        if os.name == "posix":
            self._watch = QSocketNotifier(self.remote.fileno(), QSocketNotifier.Read, self)
            self._watch.activated.connect(self._on_pipe_readable)
        else:
            self._watch = QTimer(self, interval=POLL_MS)
            self._watch.timeout.connect(self._on_pipe_readable)
            self._watch.start()

    def _unwatch(self) -> None:
        if isinstance(self._watch, QSocketNotifier):
            self._watch.setEnabled(False)
        elif self._watch is not None:
            self._watch.stop()
        if self._watch is not None:
            self._watch.deleteLater()
            self._watch = None

    def start(self, module: nn.Module, dataset: Dataset, config: TrainConfig, resume: Resume | None = None,
              network: dict | None = None) -> None:
        """Start a run; raises TrainingError (nothing started) when the settings are refused."""
        if self.running:
            raise RuntimeError("a training run is already going")
        if network is None:
            raise ValueError("a training process rebuilds the network from its graph: pass `network`")
        validate(module, dataset, config)  # refusals are immediate, as with a thread
        self.warm_up()
        last_epoch = (resume.epochs_done if resume is not None else 0) + config.epochs
        self.remote.send_job(dataset, network, module.state_dict(), config, resume, last_epoch, GRADIENT_EVERY)
        self._delivered, self._paused, self._history = False, False, []
        self.started.emit()

    def pause(self) -> None:
        if self.running and not self._paused:
            self.remote.send("pause")
            self._paused = True
            self.pause_changed.emit(True)

    def resume(self) -> None:
        if self.running and self._paused:
            self.remote.send("resume")
            self._paused = False
            self.pause_changed.emit(False)

    def stop(self) -> None:
        """Ask the run to stop after the current batch; run_finished follows."""
        if self.running:
            self.remote.send("stop", True)

    def shutdown(self) -> None:
        """Stop now, wait for the outcome (delivered before returning), and end the process."""
        stuck = False
        if self.running:
            self.remote.send("stop", False)
            deadline = time.monotonic() + SHUTDOWN_WAIT_S
            while self.running and time.monotonic() < deadline:
                self._handle(self.remote.receive(timeout=0.2))
            stuck = self.running
            if stuck:
                self._fail("The training process did not stop in time.")
        self._unwatch()
        self.remote.close(5.0 if stuck else 0.0)  # an idle child quits by itself: closing does not wait

    # -- reports ----------------------------------------------------------------------------
    def _on_pipe_readable(self, *args) -> None:
        self._handle(self.remote.receive())

    def _handle(self, messages: list) -> None:
        for kind, payload in messages:
            if kind == "steps":
                self.steps_logged.emit(payload)
            elif kind == "epoch":
                self._history.append(payload)
                self.epoch_ended.emit(payload)
            elif kind == "grid":
                self.grid_computed.emit(payload)
            elif kind == "gradients":
                self.gradients_recorded.emit(payload)
            elif kind == "ended":
                self.run_ended.emit(payload)
            elif kind == "outcome":
                self._deliver(outcome_from_wire(payload))
            elif kind == "refused":
                self._fail(f"Training failed: {payload}")
            elif kind == "died":
                self._unwatch()
                self._fail(f"The training process stopped unexpectedly (exit code {payload}); your project is "
                           "safe. Start again to use a fresh process.")

    def _fail(self, message: str) -> None:
        if self.running:
            finished = FinishedRecord(ERROR, message, None, None, None, None, len(self._history))
            self._deliver(RunOutcome(finished, tuple(self._history), None, None, "The previous weights are kept."))

    def _deliver(self, outcome: RunOutcome) -> None:
        if self._delivered:
            return
        self._delivered, self._paused = True, False
        self.run_finished.emit(outcome)
