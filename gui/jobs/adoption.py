"""Turning a finished training job into a run of the project: the one adoption path of the
Train and Draw views.

`RunRequest` says what to train; `LiveRun` is the run while it trains (its id and name,
a snapshot of the network it trains, the records so far). `adopt` makes the finished run
part of the document with one undo command: with its weights when the network is still
the one it trained (`adopted`); without them when the run failed (NaN, crash, or the
curve doctor says the loss exploded: the previous weights stay); and, when the network
was edited meanwhile, without them but with a `PendingKeep` the view offers ("keep the
trained version" restores that network with its weights, as one more undo step). A run
whose project was closed meanwhile is not added. `Finish` carries the outcome and its
words. Must not touch widgets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import session
from engine.data import Dataset, dataset_info
from engine.runs import Run, new_run
from engine.serialize import graph_from_dict
from engine.training import EpochRecord, StepRecord, TrainConfig

from ..document import Document
from ..run_commands import KeepTrainedNetwork, add_run
from .worker import RunOutcome

_TITLES = {"completed": "Finished", "early_stopped": "Stopped early", "stopped": "Stopped",
           "nan": "Diverged", "oom": "Out of memory", "error": "Failed"}
FAILED = ("nan", "oom", "error")
ADOPTED, CHANGED, FAILED_RUN, REPLACED, EMPTY = "adopted", "changed", "failed", "replaced", "empty"


@dataclass(frozen=True, eq=False)
class RunRequest:
    dataset: Dataset
    config: TrainConfig
    options: dict[str, Any] = field(default_factory=dict)  # what the dataset was loaded with
    name: str = ""  # "" names it "Run N" (or "<parent>, continued")
    parent: Run | None = None  # continue this run: the document's weights and optimizer state
    fine_tune: bool = False  # a new run from the document's weights, with a fresh optimizer
    undo_text: str = "Train network"


@dataclass(eq=False)
class LiveRun:
    """The run in progress (records arrive on the GUI thread)."""

    id: str
    name: str
    request: RunRequest
    network: dict[str, Any]  # snapshot of the network trained
    fingerprint: str
    generation: int  # the document's content generation when it started
    steps: list[StepRecord] = field(default_factory=list)
    epochs: list[EpochRecord] = field(default_factory=list)

    @property
    def first_epoch(self) -> int:
        return self.request.parent.epochs_run + 1 if self.request.parent is not None else 1

    @property
    def last_epoch(self) -> int:
        return self.first_epoch - 1 + self.request.config.epochs


@dataclass(frozen=True, eq=False)
class PendingKeep:
    """A run whose network was edited while it trained: its weights, ready to be kept."""

    run: Run
    weights: dict[str, Any]
    meta: dict[str, Any]
    optimizer_state: Any


@dataclass(frozen=True, eq=False)
class Finish:
    kind: str  # ADOPTED, CHANGED, FAILED_RUN, REPLACED or EMPTY
    outcome: RunOutcome
    run: Run | None  # the run added to the document (None for REPLACED and EMPTY)
    text: str  # what happened, for the user
    pending: PendingKeep | None = None
    live_id: str = ""  # the LiveRun it ended (whoever started it knows this id)


def record(live: LiveRun, outcome: RunOutcome) -> Run:
    """The run record of a finished job."""
    req = live.request
    run = new_run(run_id=live.id, name=live.name, config=req.config, dataset=req.dataset.name,
                  dataset_meta=session.dataset_meta(req.dataset), dataset_options=req.options, network=live.network,
                  steps=live.steps, epochs=outcome.history, result=outcome.finished, evaluation=outcome.evaluation,
                  parent=req.parent)
    return session.with_extras(run, outcome.gradients)  # the gradient flow is stored with the run


def adopt(document: Document, live: LiveRun, outcome: RunOutcome) -> Finish:
    """Add the finished run to the document (one undo step) and say what happened."""
    message = outcome.finished.message
    if document.content_generation != live.generation:
        return Finish(REPLACED, outcome, None, f"{message} Another project was opened during training, so this "
                                               "run was not added to it.")
    if not outcome.history and outcome.finished.status not in FAILED:  # stopped before an epoch ended
        return Finish(EMPTY, outcome, None, " ".join(p for p in (message, outcome.note) if p))
    run = record(live, outcome)
    meta = session.dataset_meta(live.request.dataset)
    if outcome.calibration is not None:
        meta["calibration"] = outcome.calibration  # honest predictions (engine.training.calibration)
    if run.failed or outcome.weights is None:
        document.undo_stack.push(add_run(document, run, text=live.request.undo_text))
        return Finish(FAILED_RUN, outcome, run, f"{message} The previous weights are kept.")
    if document.graph_fingerprint() == run.fingerprint:
        document.undo_stack.push(add_run(document, run, outcome.weights, meta, outcome.optimizer_state,
                                         live.request.undo_text))
        return Finish(ADOPTED, outcome, run, f"{message} The trained weights are now part of the project; "
                                             "Undo brings back the previous ones.")
    document.undo_stack.push(add_run(document, run, text=live.request.undo_text))
    pending = PendingKeep(run, outcome.weights, meta, outcome.optimizer_state)
    return Finish(CHANGED, outcome, run, f"{message} The network was edited while it trained, so its weights fit "
                                         "the version it trained, not this one. Keep the trained version (its "
                                         "network comes back with the weights; Undo brings your edits back) or "
                                         "discard it.", pending)


def keep(document: Document, pending: PendingKeep) -> bool:
    """Restore the network `pending.run` trained and adopt its weights; False if the run is gone."""
    if document.run(pending.run.id) is None:
        return False
    graph = graph_from_dict(dict(pending.run.network))
    document.undo_stack.push(KeepTrainedNetwork(document, pending.run, graph, pending.weights, pending.meta,
                                                pending.optimizer_state))
    return True


def status_title(status: str) -> str:
    return _TITLES.get(status, status)


def run_title(run: Run) -> str:
    """The outcome in a word or two: the status, or the curve doctor's verdict when it failed a run
    the trainer would call finished (a loss that exploded without NaN)."""
    errors = [d for d in run.diagnosis if d.severity == "error"]
    if errors and run.status not in FAILED:
        return "Failed: the loss exploded" if errors[0].code == "exploding" else "Failed"
    return status_title(run.status)


def dataset_title(run: Run) -> str:
    try:
        return dataset_info(run.dataset).title
    except Exception:  # a dataset this version does not know (a newer file): show its name
        return run.dataset or "?"
