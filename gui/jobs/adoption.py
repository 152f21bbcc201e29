"""Turning a finished training job into a run of the project: the one adoption path of the
Train and Draw views, over the engine's run lifecycle (engine.runs.lifecycle).

`RunRequest` says what to train; `LiveRun` is the run while it trains (its id and name,
a snapshot of the network it trains, the records so far). `adopt` records the finished run
with `lifecycle.record_of` (the same record the CLI writes) and applies the engine's
adoption rule (`lifecycle.adoption`) with one undo command: adopted runs bring their weights;
failed runs never do; a stopped run over a project that already has weights is kept without
them and leaves a `PendingKeep` (the banner offers "Use this run's weights", one more undo
step); a run whose network was edited meanwhile leaves one too ("Keep the trained version"
restores that network with its weights). A run whose project was closed meanwhile is not
added. `Finish` carries the outcome and its words. Decides nothing itself. Must not touch
widgets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import session
from engine.data import Dataset, dataset_info
from engine.runs import Run, lifecycle
from engine.serialize import graph_from_dict
from engine.training import EpochRecord, StepRecord, TrainConfig
from engine.training.status import ADOPTED, CHANGED, EMPTY, FAILED_STATUSES, KEPT, REPLACED, status_title
from engine.training.status import FAILED as FAILED_RUN

from ..document import Document
from ..run_commands import KeepTrainedNetwork, UseRunWeights, add_run
from .worker import RunOutcome

FAILED = FAILED_STATUSES
__all__ = ["ADOPTED", "CHANGED", "EMPTY", "FAILED", "FAILED_RUN", "KEPT", "REPLACED", "Finish", "LiveRun",
           "PendingKeep", "RunRequest", "adopt", "dataset_title", "keep", "record", "run_title", "status_title"]


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
    network_changed: bool = True  # False: a stopped run over the same network, its weights not adopted


@dataclass(frozen=True, eq=False)
class Finish:
    kind: str  # ADOPTED, KEPT, CHANGED, FAILED_RUN, REPLACED or EMPTY (engine.training.status)
    outcome: RunOutcome
    run: Run | None  # the run added to the document (None for REPLACED and EMPTY)
    text: str  # what happened, for the user
    pending: PendingKeep | None = None
    live_id: str = ""  # the LiveRun it ended (whoever started it knows this id)


def record(live: LiveRun, outcome: RunOutcome) -> Run:
    """The run record of a finished job (engine.runs.lifecycle.record_of, as the CLI's)."""
    req = live.request
    return lifecycle.record_of(outcome, run_id=live.id, name=live.name, config=req.config, dataset=req.dataset.name,
                               dataset_meta=session.dataset_meta(req.dataset), dataset_options=req.options,
                               network=live.network, steps=live.steps, parent=req.parent)


def adopt(document: Document, live: LiveRun, outcome: RunOutcome) -> Finish:
    """Add the finished run to the document (one undo step), as the engine's adoption rule says."""
    message = outcome.finished.message
    if document.content_generation != live.generation:
        return Finish(REPLACED, outcome, None, f"{message} Another project was opened during training, so this "
                                               "run was not added to it.")
    run = record(live, outcome) if outcome.history or outcome.finished.status in FAILED else None
    same = document.graph_fingerprint() == live.fingerprint
    decision = lifecycle.adoption(run, outcome, document.compatible_weights() is not None, same)
    text = " ".join(p for p in (message, decision.text) if p)
    if run is None:
        return Finish(EMPTY, outcome, None, text)
    meta = lifecycle.meta_of(session.dataset_meta(live.request.dataset), outcome)
    if decision.adopted:
        document.undo_stack.push(add_run(document, run, outcome.weights, meta, outcome.optimizer_state,
                                         live.request.undo_text))
        return Finish(ADOPTED, outcome, run, text)
    document.undo_stack.push(add_run(document, run, text=live.request.undo_text))
    pending = None
    if decision.offers_weights:
        pending = PendingKeep(run, outcome.weights, meta, outcome.optimizer_state, decision.verdict == CHANGED)
        if decision.verdict == KEPT:
            text += " Use this run's weights to make them the project's (Undo brings the previous ones back)."
    return Finish(decision.verdict, outcome, run, text, pending)


def keep(document: Document, pending: PendingKeep) -> bool:
    """Adopt `pending.run`'s weights (restoring the network it trained when it was edited meanwhile),
    one undo step; False if the run is gone."""
    if document.run(pending.run.id) is None:
        return False
    if not pending.network_changed:
        document.undo_stack.push(UseRunWeights(document, pending.run, pending.weights, pending.meta,
                                               pending.optimizer_state))
        return True
    graph = graph_from_dict(dict(pending.run.network))
    document.undo_stack.push(KeepTrainedNetwork(document, pending.run, graph, pending.weights, pending.meta,
                                                pending.optimizer_state))
    return True


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
