"""The run record: everything one training run leaves behind, as immutable plain values.

A `Run` remembers its settings (`TrainConfig`), the dataset (name, the options it was
loaded with, and the meta inference needs), a snapshot of the network it trained (the
graph dict, small, plus a fingerprint that ignores layout), its curves (per-epoch records
and the per-step loss and learning rate, decimated to at most `MAX_STEP_POINTS`), its
outcome, the test confusion matrix and the test mistakes. A run that continued another
carries that run's history before its own (`first_epoch` says where its own begins).
Its trained weights ride along as `RunWeights` (kept in the project file by engine.runs.weights,
unless the project's cap dropped them: then `weights` is None); `starred` runs keep them
whatever the cap. `extras` holds
further per-run series by name (e.g. per-layer gradient norms) without a format change.
`new_run` builds one from what the trainer yielded. Must not import Qt.
"""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import numpy as np

from engine.graph import GraphError
from engine.runs.fit import confusion_parts
from engine.runs.network import fingerprint
from engine.schema import ConfusionSummary
from engine.serialize import ProjectError, graph_from_dict
from engine.training.config import TrainConfig
from engine.training.doctor import Diagnosis, diagnose
from engine.training.network_remedy import applicable, plain_recurrent
from engine.training.records import EpochRecord, FinishedRecord, StepRecord
from engine.training.status import ERROR, is_failed

if TYPE_CHECKING:  # evaluation code pulls in the datasets; a run only reads its arrays
    from engine.training.evaluation import EvalResult

MAX_STEP_POINTS = 2000  # per-step points kept per run; min and max of each stretch survive
MAX_MISTAKES = 1000  # test mistakes kept per run, for the gallery


@dataclass(frozen=True, eq=False)
class StepSeries:
    """Per-step loss and learning rate; x is the position in epochs (step / steps per epoch)."""

    x: tuple[float, ...] = ()
    loss: tuple[float, ...] = ()
    lr: tuple[float, ...] = ()
    steps_per_epoch: int = 0
    steps: int = 0  # optimizer steps the run took in all (x keeps at most MAX_STEP_POINTS of them)


@dataclass(frozen=True, eq=False)
class Mistakes:
    """Test samples the network got wrong (the first MAX_MISTAKES by index)."""

    index: tuple[int, ...] = ()  # into the dataset's test split
    true: tuple[int, ...] = ()
    predicted: tuple[int, ...] = ()
    confidence: tuple[float, ...] = ()  # the probability the network gave its wrong answer
    total: int = 0  # how many it got wrong in all


CONTINUED = ", continued"


def default_name(runs: Sequence[Any], parent: Any | None = None) -> str:
    """A new run's name when the user gave none: "Run N" by its own number, or "<parent's name>,
    continued", said once however often a run is continued (not "…, continued, continued")."""
    if parent is None:
        return f"Run {len(runs) + 1}"
    base = parent.name
    while base.endswith(CONTINUED):
        base = base[: -len(CONTINUED)]
    return base + CONTINUED



def fine_tune_origin(adopted: Any | None, meta: Mapping[str, Any]) -> str:
    """Where a fine-tune starts: the adopted run, or the weights the project brought in (an import's
    `source`, else its `weights`)."""
    if adopted is not None:
        return adopted.name
    source = (meta.get("source") or meta.get("weights")) if isinstance(meta, Mapping) else None
    return f"{source} weights" if source else "the project's weights"


def fine_tune_name(runs: Sequence[Any], adopted: Any | None, meta: Mapping[str, Any]) -> str:
    """A fine-tuning run's name says where it started."""
    return f"Run {len(runs) + 1}: fine-tuned from {fine_tune_origin(adopted, meta)}"

@dataclass(frozen=True, eq=False)
class RunWeights:
    """The weights a run trained, and the calibration fitted to them (meta["calibration"])."""

    tensors: Mapping[str, Any]  # state_dict name -> torch.Tensor, float32 in memory
    calibration: Mapping[str, Any] | None = None


@dataclass(frozen=True, eq=False)
class Run:
    id: str  # unique within its project
    name: str  # the user's name for it
    created: str  # local date and time, ISO 8601 to the second ("" when unknown)
    config: TrainConfig
    dataset: str  # a dataset name (engine.data.DATASET_NAMES)
    dataset_meta: Mapping[str, Any]  # kind, input_shape, num_classes, class_names, mean, std
    dataset_options: Mapping[str, Any]  # what load_dataset was given (n_samples, noise, ...)
    network: Mapping[str, Any]  # the trained network: the project file's "network" section
    fingerprint: str  # of `network`, layout left out (engine.runs.network.fingerprint)
    epochs: tuple[EpochRecord, ...] = ()
    steps: StepSeries = StepSeries()
    result: FinishedRecord | None = None
    confusion: tuple[tuple[int, ...], ...] | None = None  # test split: rows true, columns predicted
    mistakes: Mistakes | None = None
    parent: str | None = None  # the run this one continued
    first_epoch: int = 1  # epochs before this come from `parent`
    extras: Mapping[str, Any] = field(default_factory=dict)  # more per-run series, by name
    # instead of `confusion` when there are more classes than a matrix is kept whole for (engine.runs.fit)
    confusion_summary: ConfusionSummary | None = None
    starred: bool = False  # the user's mark: a starred run keeps its weights whatever the cap
    weights: RunWeights | None = field(default=None, repr=False)  # None: not kept (or a failed run)

    @property
    def status(self) -> str:
        return self.result.status if self.result is not None else ERROR

    @property
    def epochs_run(self) -> int:
        return self.epochs[-1].epoch if self.epochs else 0

    @property
    def test_acc(self) -> float | None:
        return self.result.test_acc if self.result is not None else None

    @property
    def best_epoch(self) -> int | None:
        """The epoch with the lowest validation loss (training loss without validation)."""
        scored = [(r.val_loss if r.val_loss is not None else r.train_loss, r.epoch) for r in self.epochs]
        return min(scored)[1] if scored else None

    @property
    def num_classes(self) -> int | None:
        value = self.dataset_meta.get("num_classes")
        return value if isinstance(value, int) else None

    @cached_property
    def diagnosis(self) -> list[Diagnosis]:
        """The curve doctor's findings (computed from the curves, never stored)."""
        return diagnose(self.epochs, self.steps.loss, self.config, self.status, self.num_classes,
                        gradients=self.extras, network_changes=network_changes(self),
                        recurrent=plain_recurrent(self.network))

    @property
    def failed(self) -> bool:
        """True when the weights it produced are useless: it crashed, diverged or exploded."""
        return is_failed(self.status) or any(d.severity == "error" for d in self.diagnosis)


def network_changes(run: Run) -> tuple[str, ...] | None:
    """The doctor's network remedies that would change the network `run` trained; None if it cannot be read."""
    return changes_for(run.network)


def changes_for(network: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The doctor's network remedies that would change `network` (a graph dict); None if it cannot be read."""
    try:
        return applicable(graph_from_dict(dict(network)))
    except (ProjectError, GraphError, TypeError, ValueError):
        return None


def training_run(runs: Sequence[Run], adopted: str | None) -> Run | None:
    """The run that says how a project was trained: the adopted one, else the latest."""
    return next((r for r in runs if r.id == adopted), None) or (runs[-1] if runs else None)


def new_run_id(taken: Iterable[str] = ()) -> str:
    taken = set(taken)
    while True:
        candidate = secrets.token_hex(4)
        if candidate not in taken:
            return candidate


def now_text() -> str:
    return datetime.now().replace(microsecond=0).isoformat()


def new_run(*, run_id: str, name: str, config: TrainConfig, dataset: str, dataset_meta: Mapping[str, Any],
            dataset_options: Mapping[str, Any], network: Mapping[str, Any], steps: Sequence[StepRecord],
            epochs: Sequence[EpochRecord], result: FinishedRecord | None, evaluation: EvalResult | None = None,
            parent: Run | None = None, created: str | None = None) -> Run:
    """The record of a run that just ended (with `parent`'s history in front when it continued one)."""
    own_steps = step_series(steps)
    confusion, summary = confusion_parts(evaluation.confusion if evaluation is not None else None)
    before_epochs = parent.epochs if parent is not None else ()
    series = join_series(parent.steps, own_steps) if parent is not None else own_steps
    return Run(run_id, name, created if created is not None else now_text(), config, dataset,
               dict(dataset_meta), dict(dataset_options), dict(network), fingerprint(network),
               tuple(before_epochs) + tuple(clean_epoch(r) for r in epochs), series, result,
               confusion, mistakes_of(evaluation), parent.id if parent is not None else None,
               parent.epochs_run + 1 if parent is not None else 1, confusion_summary=summary)


def clean_epoch(record: EpochRecord) -> EpochRecord:
    """Non-finite optional values become None: JSON has no NaN, and the curve has a gap there."""
    def finite(value: float | None) -> float | None:
        return value if value is not None and math.isfinite(value) else None
    return EpochRecord(record.epoch, record.train_loss, record.train_acc, finite(record.val_loss),
                       finite(record.val_acc), record.lr, record.seconds, record.is_best)


def step_series(records: Sequence[StepRecord]) -> StepSeries:
    if not records:
        return StepSeries()
    per_epoch = max(records[-1].steps_per_epoch, 0)
    x = [r.step / per_epoch if per_epoch else float(r.epoch) for r in records]
    return decimate(StepSeries(tuple(x), tuple(r.loss for r in records), tuple(r.lr for r in records),
                               per_epoch, records[-1].step))


def join_series(before: StepSeries, after: StepSeries) -> StepSeries:
    return decimate(StepSeries(before.x + after.x, before.loss + after.loss, before.lr + after.lr,
                               after.steps_per_epoch or before.steps_per_epoch, max(after.steps, before.steps)))


def decimate(series: StepSeries, limit: int = MAX_STEP_POINTS) -> StepSeries:
    """At most `limit` points: the first, the last, and the lowest and highest loss of each stretch
    between, in order, so spikes (and the floor) stay visible however long the run was."""
    n = len(series.x)
    if n <= limit:
        return series
    edges = np.linspace(1, n - 1, (limit - 2) // 2 + 1).astype(int)
    loss = np.asarray(series.loss)
    chosen = {0, n - 1}
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi > lo:
            chosen.update((lo + int(loss[lo:hi].argmin()), lo + int(loss[lo:hi].argmax())))
    keep = sorted(chosen)
    pick = lambda values: tuple(values[i] for i in keep)  # noqa: E731
    return StepSeries(pick(series.x), pick(series.loss), pick(series.lr), series.steps_per_epoch, series.steps)


def mistakes_of(evaluation: EvalResult | None) -> Mistakes | None:
    if evaluation is None:
        return None
    wrong = np.asarray(evaluation.misclassified)[:MAX_MISTAKES]
    conf = evaluation.confidences
    return Mistakes(tuple(int(i) for i in wrong), tuple(int(evaluation.targets[i]) for i in wrong),
                    tuple(int(evaluation.predictions[i]) for i in wrong),
                    tuple(round(float(conf[i]), 4) if conf is not None else 0.0 for i in wrong),
                    int(len(evaluation.misclassified)))
