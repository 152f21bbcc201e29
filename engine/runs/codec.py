"""Runs <-> the "runs" section of a project file, both directions through engine.schema.

Writing fits each run to the file's limits (engine.runs.fit) and passes it through the same
conversion the reader applies (`schema.write_as`), so what is written opens again. Reading
converts each run with the schema (types, sizes, identifiers, finite numbers, accuracies in
[0, 1]), then checks what a type cannot say: the settings (TrainConfig's own checks), the
network snapshot (the file format's node validation), a square confusion matrix, epochs in
order, columns of equal length. `read_runs` reads the section run by run: a damaged run is
left out with a warning instead of failing the file, so a bad history never costs the
network. A format-1 file's "training" section becomes one run. Must not import Qt.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from engine.runs.fit import confusion_parts, thin_extras, thin_history
from engine.runs.network import fingerprint
from engine.runs.record import Mistakes, Run, StepSeries
from engine.schema import (
    MAX_MESSAGE,
    MAX_RUNS,
    MAX_TEXT,
    ConfusionSummary,
    Epoch,
    MistakeList,
    Result,
    RunEntry,
    Steps,
    free_depth,
    read_as,
    write_as,
)
from engine.serialize import ProjectError, graph_from_dict, graph_to_dict, json_safe
from engine.training.config import TrainConfig, TrainingError
from engine.training.records import EpochRecord, FinishedRecord

LEGACY_ID = "v1run"


def run_to_dict(run: Run, scale: int = 1) -> dict[str, Any]:
    """The run's file form, fitted to the file's limits (`scale` > 1 fits it tighter)."""
    history = thin_history(run.epochs, scale)
    confusion, summary = confusion_parts(run.confusion, scale) if run.confusion else (None, run.confusion_summary)
    raw = {"id": run.id, "name": run.name[:MAX_TEXT], "created": run.created[:MAX_TEXT],
           "config": run.config.to_dict(),
           "dataset": {"name": run.dataset[:MAX_TEXT], "options": json_safe(dict(run.dataset_options)),
                       "meta": json_safe(dict(run.dataset_meta))},
           "network": dict(run.network), "fingerprint": run.fingerprint,
           "parent": run.parent, "first_epoch": run.first_epoch,
           "history": [_epoch_entry(r) for r in history],
           "steps": {"x": list(run.steps.x), "loss": list(run.steps.loss), "lr": list(run.steps.lr),
                     "steps_per_epoch": run.steps.steps_per_epoch, "steps": run.steps.steps},
           "result": _result_entry(run.result),
           "confusion": [list(row) for row in confusion] if confusion is not None else None,
           "confusion_summary": summary,
           "mistakes": _mistakes_entry(run.mistakes), "extras": thin_extras(run.extras, scale),
           "starred": run.starred}
    _free_parts(raw["dataset"], "cannot save: ")
    return write_as(raw, RunEntry)


def _epoch_entry(record: EpochRecord) -> dict[str, Any]:
    return {"epoch": record.epoch, "train_loss": record.train_loss, "train_acc": record.train_acc,
            "lr": record.lr, "seconds": record.seconds, "val_loss": record.val_loss, "val_acc": record.val_acc,
            "is_best": record.is_best}


def _result_entry(result: FinishedRecord | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"status": result.status, "message": result.message[:MAX_MESSAGE], "best_epoch": result.best_epoch,
            "best_val_acc": result.best_val_acc, "test_acc": result.test_acc, "test_loss": result.test_loss,
            "epochs_run": result.epochs_run}


def _mistakes_entry(mistakes: Mistakes | None) -> dict[str, Any] | None:
    if mistakes is None:
        return None
    return {"index": list(mistakes.index), "true": list(mistakes.true), "predicted": list(mistakes.predicted),
            "confidence": list(mistakes.confidence), "total": mistakes.total}


def read_runs(doc: Mapping[str, Any], has_weights: bool) -> tuple[list[Run], str | None, list[str]]:
    """(runs, adopted run id, warnings) of a project document; damaged runs are left out."""
    warnings: list[str] = []
    raw = doc.get("runs")
    if raw is None:
        return _legacy(doc, has_weights, warnings)
    if not isinstance(raw, list) or len(raw) > MAX_RUNS:
        return [], None, ["the training history (runs) is damaged and was left out; the network is intact"]
    runs: list[Run] = []
    for position, entry in enumerate(raw, 1):
        try:
            run = run_from_dict(entry)
            _need(run.id not in {r.id for r in runs}, f"its id {run.id!r} is used twice")
            runs.append(run)
        except ProjectError as exc:
            warnings.append(f"run {position} of the training history is damaged and was left out: {exc}")
    adopted = doc.get("adopted_run")
    if adopted is not None and adopted not in {r.id for r in runs}:
        adopted = None
    return runs, adopted, warnings


def _legacy(doc: Mapping[str, Any], has_weights: bool, warnings: list[str]) -> tuple[list[Run], str | None,
                                                                                        list[str]]:
    """A format-1 "training" section (settings, history, result) as one run."""
    training = doc.get("training")
    if not isinstance(training, dict) or not training:
        return [], None, warnings
    meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
    entry = {"id": LEGACY_ID, "name": "Run 1", "created": "", "config": training.get("config") or {},
             "dataset": {"name": str(meta.get("dataset", ""))[:MAX_TEXT], "options": {}, "meta": meta},
             "network": doc.get("network"), "history": training.get("history") or [],
             "result": training.get("result")}
    try:
        run = run_from_dict(entry)
    except ProjectError as exc:
        warnings.append(f"the saved training record is damaged and was left out: {exc}")
        return [], None, warnings
    return [run], (run.id if has_weights else None), warnings


def run_from_dict(data: Any) -> Run:
    """One run from its file form; ProjectError says what is wrong."""
    _need(isinstance(data, dict), "it is not an object")
    entry = read_as(data, RunEntry)
    _free_parts(data["dataset"], "")
    network = graph_to_dict(graph_from_dict(entry.network))  # the file format's own checks; normalized form
    _need(entry.parent is None or entry.parent != entry.id, "it names itself as its parent")
    return Run(entry.id, entry.name, entry.created, _config(entry.config), entry.dataset.name,
               dict(entry.dataset.meta), dict(entry.dataset.options), network, fingerprint(network),
               _epochs(entry.history), _steps(entry.steps), _result(entry.result), _confusion(entry.confusion),
               _mistakes(entry.mistakes), entry.parent, entry.first_epoch, dict(entry.extras),
               _summary(entry.confusion_summary), entry.starred)


# -- what the types cannot say ----------------------------------------------------------------
def _need(condition: Any, problem: str) -> None:
    if not condition:
        raise ProjectError(problem)


def _free_parts(dataset: Any, prefix: str) -> None:
    if isinstance(dataset, dict):
        _need(free_depth(dataset.get("meta")) and free_depth(dataset.get("options")),
              f"{prefix}its dataset meta is nested too deeply")


def _config(value: dict[str, Any]) -> TrainConfig:
    try:
        return TrainConfig.from_dict(value)
    except TrainingError as exc:
        raise ProjectError(f"its settings are damaged ({exc})") from None


def _epochs(entries: list[Epoch]) -> tuple[EpochRecord, ...]:
    _need(all(a.epoch < b.epoch for a, b in zip(entries, entries[1:])), "its epochs are not in order")
    return tuple(EpochRecord(e.epoch, e.train_loss, e.train_acc, e.val_loss, e.val_acc, e.lr, e.seconds, e.is_best)
                 for e in entries)


def _steps(entry: Steps | None) -> StepSeries:
    if entry is None:
        return StepSeries()
    _need(len(entry.x) == len(entry.loss) == len(entry.lr), "its per-step curve has columns of different lengths")
    return StepSeries(tuple(entry.x), tuple(entry.loss), tuple(entry.lr), entry.steps_per_epoch, entry.steps)


def _result(entry: Result | None) -> FinishedRecord | None:
    if entry is None:
        return None
    return FinishedRecord(entry.status, entry.message, entry.best_epoch, entry.best_val_acc, entry.test_acc,
                          entry.test_loss, entry.epochs_run or 0)


def _confusion(rows: list[list[int]] | None) -> tuple[tuple[int, ...], ...] | None:
    if rows is None:
        return None
    _need(all(len(row) == len(rows) for row in rows), "its confusion matrix is not a square table of counts")
    return tuple(tuple(row) for row in rows)


def _summary(entry: ConfusionSummary | None) -> ConfusionSummary | None:
    if entry is None:
        return None
    _need(len(entry.per_class_correct) == len(entry.per_class_total) in (0, entry.classes)
          and all(t < entry.classes and p < entry.classes for t, p, _ in entry.top)
          and entry.correct <= entry.total, "its confusion summary does not add up")
    return entry


def _mistakes(entry: MistakeList | None) -> Mistakes | None:
    if entry is None:
        return None
    columns = (entry.index, entry.true, entry.predicted, entry.confidence)
    _need(len({len(c) for c in columns}) == 1, "its list of mistakes has uneven columns")
    _need(entry.total >= len(entry.index), "its count of mistakes is damaged")
    return Mistakes(*(tuple(c) for c in columns), entry.total)


def runs_section(runs: Sequence[Run], adopted: str | None, scale: int = 1) -> dict[str, Any]:
    """The keys a project document gets for its runs."""
    if len(runs) > MAX_RUNS:
        raise ProjectError(f"cannot save: the project holds {len(runs):,} runs and a project file keeps at most "
                           f"{MAX_RUNS:,} — delete old runs (Train view, runs list) and save again")
    return {"runs": [run_to_dict(r, scale) for r in runs],
            "adopted_run": adopted if adopted in {r.id for r in runs} else None}
