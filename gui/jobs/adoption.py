"""Adopting a finished run into the project, and what the run means for the user.

`TrainingResult` is the undo command that makes a finished run's weights part of the
project: its redo and undo each call `Document.set_training_result` once, swapping the
weights, training record and dataset meta in and out (pushing it marks the document
modified, so the weights are saved with the project). It is the one adoption path for
the Train and Draw views. `RunInfo` remembers what a run was started with; `adopt`
pushes a `TrainingResult` with the trained weights, training record and dataset meta
(unless the run kept no weights or another network was opened meanwhile); `result_text`
and `status_title` put the outcome into words. Must not touch widgets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QUndoCommand

from engine import session
from engine.data import Dataset, dataset_info
from engine.graph import Graph
from engine.training import TrainConfig

from ..document import Document
from .worker import RunOutcome

_TITLES = {"completed": "Finished", "early_stopped": "Stopped early", "stopped": "Stopped",
           "nan": "Diverged", "oom": "Out of memory", "error": "Failed"}
FAILED = ("nan", "oom", "error")


class TrainingResult(QUndoCommand):
    def __init__(self, document: Document, weights: dict[str, Any], training: dict[str, Any],
                 meta: dict[str, Any], text: str = "Train network") -> None:
        super().__init__(text)
        self.document = document
        self.other = (weights, training, dict(meta))

    def redo(self) -> None:
        self.other = self.document.set_training_result(*self.other)

    def undo(self) -> None:
        self.other = self.document.set_training_result(*self.other)


@dataclass
class RunInfo:
    dataset: Dataset
    config: TrainConfig
    graph: Graph  # the graph object trained; replaced when another network is opened
    revision: int  # its revision at the start; edits during the run change it
    replaced: bool = False


def adopt(document: Document, outcome: RunOutcome, run: RunInfo) -> bool:
    """Make the run's weights part of the project (one undo step); False when there are none to keep."""
    if outcome.weights is None or run.replaced:
        return False
    training = session.training_section(run.config, list(outcome.history), outcome.finished)
    training.update(outcome.gradients)  # gradient flow, stored with the run
    meta = session.dataset_meta(run.dataset)
    if outcome.calibration is not None:
        meta["calibration"] = outcome.calibration  # honest predictions (engine.calibration)
    title = dataset_info(run.dataset.name).title
    document.undo_stack.push(TrainingResult(document, outcome.weights, training, meta, f"Train on {title}"))
    return True


def result_text(document: Document, outcome: RunOutcome, run: RunInfo, adopted: bool) -> str:
    parts = [outcome.finished.message]
    if adopted:
        parts.append("The trained weights are now part of the project; Undo brings back the previous ones.")
        if document.graph is run.graph and document.graph.revision != run.revision:
            parts.append("The network was edited during training: the weights fit the version that was "
                         "trained, so undo those edits to use them.")
    elif run.replaced and outcome.weights is not None:
        parts.append("Another network was opened during training, so these weights were not kept.")
    elif outcome.note:
        parts.append(outcome.note)
    return " ".join(parts)


def status_title(status: str) -> str:
    return _TITLES.get(status, status)
