"""Undo commands for training runs: add a finished run (adopting its weights or not), rename
one, star one, delete one, keep a trained version whose network was edited meanwhile, use any
run's kept weights again (`use_run`), and change how runs keep weights (`set_weight_settings`).
Every run keeps its weights (engine.runs.weights); adding a run applies the project's cap.

Each redo and undo swaps the document's whole `RunsState` (runs, adopted run, weights,
meta, optimizer state) with `Document.set_runs_state`, or the network with
`Document.set_graph`; the new state is computed when the command is made, which the undo
stack's order makes safe. Commands never touch a view. Must not import widgets.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine.graph import Graph
from engine.runs import Run, fingerprint
from engine.runs import weights as run_weights
from engine.serialize import graph_from_dict
from engine.training.resume import OptimizerState

from .commands import Macro, Swap
from .document import Document, RunsState
from .sections import SetSection


class SetRunsState(Swap):
    """Swap in a new RunsState; undo swaps the old one back."""

    def __init__(self, document: Document, state: RunsState, text: str) -> None:
        super().__init__(document.set_runs_state, state, text)


class SetNetwork(Swap):
    """Swap in another network (the one a run trained); undo brings the edited one back."""

    def __init__(self, document: Document, graph: Graph, text: str = "Restore network") -> None:
        super().__init__(document.set_graph, graph, text)


def adopted_state(state: RunsState, run: Run, weights: dict[str, Any], meta: dict[str, Any],
                  optimizer_state: OptimizerState | None) -> RunsState:
    return replace(state, weights=weights, meta=dict(meta), adopted_run=run.id, optimizer_state=optimizer_state)


def add_run(document: Document, run: Run, weights: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
            optimizer_state: OptimizerState | None = None, text: str = "Train network") -> SetRunsState:
    """The command that adds `run`; with `weights` it also becomes the adopted run."""
    state = replace(document.runs_state, runs=document.runs + (run,))
    if weights is not None:
        state = adopted_state(state, run, weights, meta or {}, optimizer_state)
    return SetRunsState(document, capped_state(document, state), text)


def capped_state(document: Document, state: RunsState, settings: run_weights.WeightSettings | None = None
                 ) -> RunsState:
    """`state` with the oldest unstarred runs' weights dropped beyond the project's cap."""
    settings = settings or run_weights.WeightSettings.of(document.sections)
    adopted = state.adopted_run if state.weights is not None else None
    return replace(state, runs=tuple(run_weights.capped(state.runs, settings.keep, adopted)))


def star_run(document: Document, run_id: str, starred: bool) -> SetRunsState:
    runs = tuple(replace(r, starred=starred) if r.id == run_id else r for r in document.runs)
    name = next((r.name for r in runs if r.id == run_id), "run")
    return SetRunsState(document, replace(document.runs_state, runs=runs),
                        f"{'Star' if starred else 'Unstar'} “{name}”")


def use_run(document: Document, run: Run) -> SetRunsState | KeepTrainedNetwork:
    """Make `run`'s kept weights the project's, one undo step; its network comes back with them
    when the network was edited since. Continuing another run than the adopted one starts a fresh
    optimizer (only the adopted run's optimizer state is kept)."""
    if run.weights is None:
        raise run_weights.RunWeightsError(f"{run.name} kept no weights")
    weights, meta = dict(run.weights.tensors), run_weights.weights_meta(run)
    adopted = document.adopted_run
    optimizer = document.optimizer_state if adopted is not None and adopted.id == run.id else None
    if fingerprint(document.graph) != run.fingerprint:
        return KeepTrainedNetwork(document, run, graph_from_dict(dict(run.network)), weights, meta, optimizer)
    return UseRunWeights(document, run, weights, meta, optimizer)


def set_weight_settings(document: Document, settings: run_weights.WeightSettings) -> Macro:
    """Change how runs keep weights (a lower cap drops weights at once; Undo brings them back)."""
    macro = Macro(document, "Change how runs keep weights")
    macro.add(SetSection(document, run_weights.SECTION, settings.to_section(), "Run weights"))
    macro.add(SetRunsState(document, capped_state(document, document.runs_state, settings), "Run weights"))
    return macro


def rename_run(document: Document, run_id: str, name: str) -> SetRunsState:
    runs = tuple(replace(r, name=name) if r.id == run_id else r for r in document.runs)
    return SetRunsState(document, replace(document.runs_state, runs=runs), f"Rename run to “{name}”")


def delete_runs(document: Document, run_ids: list[str]) -> SetRunsState:
    """Remove runs; deleting the adopted one keeps its weights (the network stays trained)."""
    state = document.runs_state
    gone = set(run_ids)
    adopted = None if state.adopted_run in gone else state.adopted_run
    text = "Delete run" if len(gone) == 1 else f"Delete {len(gone)} runs"
    return SetRunsState(document, replace(state, runs=tuple(r for r in state.runs if r.id not in gone),
                                          adopted_run=adopted), text)


class KeepTrainedNetwork(Macro):
    """Restore the network a run trained and adopt its weights: one undo step, which brings the
    edits made meanwhile back."""

    def __init__(self, document: Document, run: Run, graph: Graph, weights: dict[str, Any], meta: dict[str, Any],
                 optimizer_state: OptimizerState | None) -> None:
        super().__init__(document, f"Keep the trained version ({run.name})")
        self.add(SetNetwork(document, graph))
        self.add(SetRunsState(document, adopted_state(document.runs_state, run, weights, meta, optimizer_state),
                              "Adopt run"))


class UseRunWeights(SetRunsState):
    """Make a recorded run's weights the project's (a stopped run the rule did not adopt)."""

    def __init__(self, document: Document, run: Run, weights: dict[str, Any], meta: dict[str, Any],
                 optimizer_state: OptimizerState | None) -> None:
        super().__init__(document, adopted_state(document.runs_state, run, weights, meta, optimizer_state),
                         f"Use the weights of {run.name}")
