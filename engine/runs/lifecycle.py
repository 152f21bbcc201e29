"""One run lifecycle for every host: from a finished job's outcome to the run record and the
decision about its weights.

request → start → epochs → finish/stop/fail → evaluate once (engine.training.job) → record
(`record_of`) → adopt or not (`adoption`). `train` on the command line, the Train view, the
Draw view's one-click training and the Play view all end here, so a run trained with the same
settings and seed gives the same record wherever it ran, and its weights are treated by one
rule (`adoption`):

- a run that ran to its end (completed or stopped early) is adopted;
- a stopped run is kept with what it reached (tested once, its message says where it stopped);
  it is adopted only when the project had no weights, or later when the user says so;
- a failed run (NaN, out of memory, crash, or a loss the curve doctor calls exploded) is never
  adopted;
- a run whose network was edited while it trained waits for the user's choice.

The status words are engine.training.status's. Knows nothing of Qt. Must not import Qt.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import torch

from engine.builder import GraphModule, build_module
from engine.graph import Graph
from engine.runs.record import Run, RunWeights, new_run
from engine.training.config import TrainConfig
from engine.training.records import StepRecord
from engine.training.status import ADOPTED, CHANGED, EMPTY, FAILED, KEPT, STOPPED, is_failed

if TYPE_CHECKING:  # the job module imports torch; a decision only reads its fields
    from engine.training.job import RunOutcome


@dataclass(frozen=True)
class Adoption:
    """What becomes of a finished run's weights, and the sentence that says so."""

    verdict: str  # ADOPTED, KEPT, FAILED, CHANGED or EMPTY (engine.training.status)
    text: str  # for the user, after the run's own message

    @property
    def adopted(self) -> bool:
        return self.verdict == ADOPTED

    @property
    def offers_weights(self) -> bool:
        """The user may still make this run's weights the project's (one undo step)."""
        return self.verdict in (KEPT, CHANGED)


def fresh_module(graph: Graph, seed: int) -> GraphModule:
    """The network to train, its first weights drawn from `seed` (the run's): the same settings and
    seed give the same run wherever it trains. The caller's random state is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build_module(graph)


def record_of(outcome: RunOutcome, *, run_id: str, name: str, config: TrainConfig, dataset: str,
              dataset_meta: Mapping[str, Any], dataset_options: Mapping[str, Any], network: Mapping[str, Any],
              steps: Sequence[StepRecord], parent: Run | None = None, created: str | None = None) -> Run:
    """The run record of a finished job: the one constructor the CLI and the window share. It keeps
    the weights it trained (engine.runs.weights), unless it failed: those are of no use."""
    run = new_run(run_id=run_id, name=name, config=config, dataset=dataset, dataset_meta=dataset_meta,
                  dataset_options=dataset_options, network=network, steps=steps, epochs=outcome.history,
                  result=outcome.finished, evaluation=outcome.evaluation, parent=parent, created=created)
    run = replace(run, extras={**run.extras, **outcome.gradients}) if outcome.gradients else run
    if outcome.weights is None or run.failed or is_failed(run.status):
        return run
    return replace(run, weights=RunWeights(outcome.weights, outcome.calibration))


def meta_of(dataset_meta: Mapping[str, Any], outcome: RunOutcome) -> dict[str, Any]:
    """The project's meta for the run's weights: the dataset's, with the run's calibration."""
    meta = dict(dataset_meta)
    if outcome.calibration is not None:
        meta["calibration"] = outcome.calibration  # honest predictions (engine.training.calibration)
    return meta


def adoption(run: Run | None, outcome: RunOutcome, project_has_weights: bool, same_network: bool = True
             ) -> Adoption:
    """The adoption rule, the same everywhere (see the module's docstring)."""
    if run is None:  # stopped before an epoch ended
        return Adoption(EMPTY, outcome.note or "No epoch finished, so the previous weights are kept.")
    if run.failed or is_failed(run.status) or outcome.weights is None:
        return Adoption(FAILED, _previous(project_has_weights))
    if not same_network:
        return Adoption(CHANGED, "The network was edited while it trained, so its weights fit the version it "
                                 "trained, not this one. Keep the trained version (its network comes back with "
                                 "the weights; Undo brings your edits back) or discard it.")
    if run.status == STOPPED and project_has_weights:
        return Adoption(KEPT, f"It was stopped at epoch {_stopped_at(run)}: the run is kept with what it reached, "
                              "and the project keeps its previous weights.")
    if run.status == STOPPED:
        return Adoption(ADOPTED, f"It was stopped at epoch {_stopped_at(run)}; the project had no trained weights, "
                                 "so the ones it reached are now the project's.")
    return Adoption(ADOPTED, "The trained weights are now part of the project; Undo brings back the previous ones.")


def _previous(project_has_weights: bool) -> str:
    return "The previous weights are kept." if project_has_weights else "The network keeps no trained weights."


def _stopped_at(run: Run) -> int:
    """The epoch a stopped run was in when it stopped (its last full epoch + 1)."""
    return run.epochs_run + 1
