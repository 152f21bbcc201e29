"""`RunCoordinator`: the one training job of a document, shared by the Train and Draw views.

There is one coordinator per document (`RunCoordinator.of(document)`, a child QObject of
the document), so a run started from the Draw view is the same live run the Train view
draws, and only one run trains at a time. It builds the module from the document (with
the adopted weights when a run continues), starts the `TrainRunner`, keeps the live run's
records, and when the run ends adopts it through `adoption.adopt`, the one adoption path.
`ended` says training is over the moment it is (the view shows "Stopped" at once); `finished`
follows once the run is tested and recorded. The adoption rule is the engine's
(engine.runs.lifecycle): a stopped run over trained weights, or one whose network was edited
meanwhile, leaves a `pending` decision the view offers. Decides nothing about runs itself.
Where the run trains: `NETWRIGHT_TRAINING=process` (what the app sets) trains in a warm child
process (ProcessRunner), anything else on a thread (TrainRunner, what tests use); both have
the same signals. Must not touch widgets.
"""
from __future__ import annotations

import os
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from engine.runs import default_name, fingerprint, lifecycle, new_run_id, snapshot
from engine.training import EpochRecord, Resume, TrainingError

from ..document import Document
from . import adoption
from .adoption import Finish, LiveRun, PendingKeep, RunRequest
from .process_runner import ProcessRunner
from .runner import TrainRunner
from .worker import RunOutcome


class RunCoordinator(QObject):
    started = Signal(object)  # LiveRun
    steps_logged = Signal(object)  # tuple[StepRecord, ...]
    epoch_ended = Signal(object)  # EpochRecord
    grid_computed = Signal(object)  # DecisionGrid
    gradients_recorded = Signal(object)  # GradientRecord (the Train view's gradient-flow panel)
    ended = Signal(object)  # FinishedRecord: training is over (the state to show now); `finished` follows
    finished = Signal(object)  # Finish, after the document took the run
    pause_changed = Signal(bool)
    pending_changed = Signal()

    def __init__(self, document: Document) -> None:
        super().__init__(document)
        self.setObjectName("run_coordinator")
        self.document = document
        self.runner = ProcessRunner(self) if os.environ.get("NETWRIGHT_TRAINING") == "process" else TrainRunner(self)
        self.live: LiveRun | None = None
        self.pending: PendingKeep | None = None
        self.last: Finish | None = None
        self.runner.steps_logged.connect(self._on_runner_steps_logged)
        self.runner.epoch_ended.connect(self._on_runner_epoch_ended)
        self.runner.grid_computed.connect(self.grid_computed)
        self.runner.gradients_recorded.connect(self.gradients_recorded)
        self.runner.pause_changed.connect(self.pause_changed)
        self.runner.run_ended.connect(self.ended)
        self.runner.run_finished.connect(self._on_runner_run_finished)
        document.graph_replaced.connect(self._on_document_graph_replaced)

    @classmethod
    def of(cls, document: Document) -> RunCoordinator:
        """The document's coordinator, made on first use."""
        found = document.findChild(RunCoordinator, "run_coordinator")
        return found if found is not None else cls(document)

    @property
    def running(self) -> bool:
        return self.runner.running

    @property
    def paused(self) -> bool:
        return self.runner.paused

    def start(self, request: RunRequest) -> LiveRun:
        """Train the document's network; raises TrainingError or BuildError (nothing started)."""
        if self.running:
            raise TrainingError("a training run is already going")
        doc = self.document
        module = lifecycle.fresh_module(doc.graph, request.config.seed)
        resume = None
        if request.parent is not None:
            adopted = doc.adopted_run
            if adopted is None or adopted.id != request.parent.id or doc.compatible_weights() is None:
                raise TrainingError("only the run whose weights the network holds can continue")
            module.load_state_dict(doc.compatible_weights())
            parent = request.parent
            resume = Resume(parent.epochs_run, parent.steps.steps, doc.optimizer_state)
        elif request.fine_tune:
            if doc.compatible_weights() is None:
                raise TrainingError("fine-tuning needs weights that fit the network: import or train some first")
            module.load_state_dict(doc.compatible_weights())
        network = snapshot(doc.graph)
        self.runner.start(module, request.dataset, request.config, resume, network=network)
        self.live = LiveRun(new_run_id(r.id for r in doc.runs), self._name(request), request, network,
                            fingerprint(network), doc.content_generation)
        self._set_pending(None)
        self.started.emit(self.live)
        return self.live

    def _name(self, request: RunRequest) -> str:
        if request.name:
            return request.name
        return default_name(self.document.runs, request.parent)

    def warm_up(self) -> None:
        """Start a training process now (when runs train in one), so the first run does not wait."""
        if hasattr(self.runner, "warm_up"):
            self.runner.warm_up()

    def pause(self) -> None:
        self.runner.pause()

    def resume(self) -> None:
        self.runner.resume()

    def stop(self) -> None:
        self.runner.stop()

    def shutdown(self) -> None:
        """Stop at once and wait (closing): the run is adopted before this returns."""
        self.runner.shutdown()

    # -- keeping a run trained on an edited network ---------------------------------------
    def keep_pending(self) -> bool:
        pending, ok = self.pending, False
        if pending is not None:
            ok = adoption.keep(self.document, pending)
        self._set_pending(None)
        return ok

    def discard_pending(self) -> None:
        self._set_pending(None)

    def _set_pending(self, pending: PendingKeep | None) -> None:
        if pending is not self.pending:
            self.pending = pending
            self.pending_changed.emit()

    def _on_document_graph_replaced(self) -> None:
        if self.pending is not None and self.document.run(self.pending.run.id) is None:
            self._set_pending(None)  # another project: its runs do not include this one

    # -- records --------------------------------------------------------------------------
    def _on_runner_steps_logged(self, records: tuple) -> None:
        if self.live is not None:
            self.live.steps.extend(records)
        self.steps_logged.emit(records)

    def _on_runner_epoch_ended(self, record: EpochRecord) -> None:
        if self.live is not None:
            self.live.epochs.append(record)
        self.epoch_ended.emit(record)

    def _on_runner_run_finished(self, outcome: RunOutcome) -> None:
        live, self.live = self.live, None
        finish = replace(adoption.adopt(self.document, live, outcome), live_id=live.id)
        self.last = finish
        self._set_pending(finish.pending)
        self.finished.emit(finish)
