"""Runs <-> the "runs" section of a project file, validating everything read.

Each run is a JSON object (see README, "Project files"). Reading trusts nothing: types,
sizes, identifiers, finite numbers, the settings (TrainConfig's own checks) and the network
snapshot (the file format's node validation) are all checked, and anything wrong raises
ProjectError saying what. `read_runs` reads the whole section run by run: a damaged run is
left out with a warning instead of failing the file, so a bad history never costs the
network. A format-1 file's "training" section becomes one run. Must not import Qt.
"""
from __future__ import annotations

import dataclasses
import math
import re
from typing import Any, Mapping, Sequence

from engine.runs.network import fingerprint
from engine.runs.record import MAX_MISTAKES, MAX_STEP_POINTS, Mistakes, Run, StepSeries
from engine.serialize import ProjectError, graph_from_dict, graph_to_dict
from engine.training.config import TrainConfig, TrainingError
from engine.training.records import STATUSES, EpochRecord, FinishedRecord

MAX_RUNS = 1000
MAX_EPOCHS = 100_000
MAX_POINTS_READ = 10 * MAX_STEP_POINTS  # files from elsewhere may keep more points than we write
MAX_CLASSES = 1000
MAX_TEXT = 400
MAX_PLAIN_ITEMS = 200_000  # numbers in a run's free-form mappings (meta, options, extras) together
LEGACY_ID = "v1run"
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def run_to_dict(run: Run) -> dict[str, Any]:
    return {"id": run.id, "name": run.name, "created": run.created, "config": run.config.to_dict(),
            "dataset": {"name": run.dataset, "options": dict(run.dataset_options), "meta": dict(run.dataset_meta)},
            "network": dict(run.network), "fingerprint": run.fingerprint,
            "parent": run.parent, "first_epoch": run.first_epoch,
            "history": [dataclasses.asdict(r) for r in run.epochs],
            "steps": {"x": list(run.steps.x), "loss": list(run.steps.loss), "lr": list(run.steps.lr),
                      "steps_per_epoch": run.steps.steps_per_epoch, "steps": run.steps.steps},
            "result": dataclasses.asdict(run.result) if run.result is not None else None,
            "confusion": [list(row) for row in run.confusion] if run.confusion is not None else None,
            "mistakes": dataclasses.asdict(run.mistakes) if run.mistakes is not None else None,
            "extras": dict(run.extras)}


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
             "dataset": {"name": str(meta.get("dataset", "")), "options": {}, "meta": meta},
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
    run_id = data.get("id")
    _need(isinstance(run_id, str) and _ID.fullmatch(run_id) is not None, "its id is missing or not a short name")
    budget = [MAX_PLAIN_ITEMS]
    dataset = data.get("dataset")
    _need(isinstance(dataset, dict), "its dataset entry is damaged")
    network = _network(data.get("network"))
    epochs = _epochs(data.get("history"))
    first_epoch = data.get("first_epoch", 1)
    _need(_is_int(first_epoch) and 1 <= first_epoch <= MAX_EPOCHS + 1, "its first epoch is damaged")
    parent = data.get("parent")
    _need(parent is None or (isinstance(parent, str) and _ID.fullmatch(parent)), "its parent run id is damaged")
    return Run(run_id, _text(data.get("name", ""), "name"), _text(data.get("created", ""), "date"),
               _config(data.get("config")), _text(dataset.get("name", ""), "dataset name"),
               _plain_map(dataset.get("meta", {}), "dataset meta", budget),
               _plain_map(dataset.get("options", {}), "dataset options", budget), network, fingerprint(network),
               epochs, _steps(data.get("steps")), _result(data.get("result")),
               _confusion(data.get("confusion")), _mistakes(data.get("mistakes")), parent, first_epoch,
               _plain_map(data.get("extras", {}), "extras", budget, depth=3))


# -- the parts ---------------------------------------------------------------------------
def _need(condition: Any, problem: str) -> None:
    if not condition:
        raise ProjectError(problem)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _text(value: Any, what: str) -> str:
    _need(isinstance(value, str) and len(value) <= MAX_TEXT, f"its {what} is not text of at most {MAX_TEXT} "
                                                              "characters")
    return value


def _config(value: Any) -> TrainConfig:
    try:
        return TrainConfig.from_dict(value)
    except TrainingError as exc:
        raise ProjectError(f"its settings are damaged ({exc})") from None


def _network(value: Any) -> dict[str, Any]:
    return graph_to_dict(graph_from_dict(value))  # the file format's own checks; normalized form


def _epochs(value: Any) -> tuple[EpochRecord, ...]:
    _need(isinstance(value, list) and len(value) <= MAX_EPOCHS, "its per-epoch history is damaged")
    records, last = [], 0
    for raw in value:
        record = _epoch(raw)
        _need(record.epoch > last, "its epochs are not in order")
        records.append(record)
        last = record.epoch
    return tuple(records)


def _epoch(raw: Any) -> EpochRecord:
    _need(isinstance(raw, dict), "an epoch record is damaged")
    _need(_is_int(raw.get("epoch")) and 1 <= raw["epoch"] <= MAX_EPOCHS, "an epoch number is damaged")
    _need(all(_is_finite(raw.get(k)) for k in ("train_loss", "train_acc", "lr", "seconds")),
          f"epoch {raw['epoch']} has a missing or non-finite number")
    _need(all(raw.get(k) is None or _is_finite(raw[k]) for k in ("val_loss", "val_acc")),
          f"epoch {raw['epoch']} has a damaged validation number")
    _need(isinstance(raw.get("is_best", False), bool), f"epoch {raw['epoch']} has a damaged best flag")
    return EpochRecord(raw["epoch"], float(raw["train_loss"]), float(raw["train_acc"]), _opt(raw.get("val_loss")),
                       _opt(raw.get("val_acc")), float(raw["lr"]), float(raw["seconds"]),
                       bool(raw.get("is_best", False)))


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


def _numbers(value: Any, what: str, limit: int) -> tuple[float, ...]:
    _need(isinstance(value, list) and len(value) <= limit and all(_is_finite(v) for v in value),
          f"its {what} are damaged (at most {limit:,} finite numbers)")
    return tuple(float(v) for v in value)


def _steps(value: Any) -> StepSeries:
    if value is None:
        return StepSeries()
    _need(isinstance(value, dict), "its per-step curve is damaged")
    x, loss, lr = (_numbers(value.get(k, []), f"per-step {k} values", MAX_POINTS_READ) for k in ("x", "loss", "lr"))
    _need(len(x) == len(loss) == len(lr), "its per-step curve has columns of different lengths")
    per_epoch, steps = value.get("steps_per_epoch", 0), value.get("steps", len(x))
    _need(_is_int(per_epoch) and _is_int(steps) and per_epoch >= 0 and steps >= 0, "its step counts are damaged")
    return StepSeries(x, loss, lr, per_epoch, steps)


def _result(value: Any) -> FinishedRecord | None:
    if value is None:
        return None
    _need(isinstance(value, dict) and value.get("status") in STATUSES, "its result is damaged")
    _need(isinstance(value.get("message", ""), str) and len(value.get("message", "")) <= 4 * MAX_TEXT,
          "its result message is damaged")
    ints = {k: value.get(k) for k in ("best_epoch", "epochs_run")}
    _need(all(v is None or (_is_int(v) and v >= 0) for v in ints.values()), "its result's epochs are damaged")
    floats = {k: value.get(k) for k in ("best_val_acc", "test_acc", "test_loss")}
    _need(all(v is None or _is_finite(v) for v in floats.values()), "its result's numbers are damaged")
    return FinishedRecord(value["status"], value.get("message", ""), ints["best_epoch"],
                          _opt(floats["best_val_acc"]), _opt(floats["test_acc"]), _opt(floats["test_loss"]),
                          ints["epochs_run"] or 0)


def _confusion(value: Any) -> tuple[tuple[int, ...], ...] | None:
    if value is None:
        return None
    _need(isinstance(value, list) and 0 < len(value) <= MAX_CLASSES, "its confusion matrix is damaged")
    k = len(value)
    _need(all(isinstance(row, list) and len(row) == k and all(_is_int(v) and v >= 0 for v in row) for row in value),
          "its confusion matrix is not a square table of counts")
    return tuple(tuple(row) for row in value)


def _mistakes(value: Any) -> Mistakes | None:
    if value is None:
        return None
    _need(isinstance(value, dict), "its list of mistakes is damaged")
    columns = [value.get(k, []) for k in ("index", "true", "predicted")]
    _need(all(isinstance(c, list) and len(c) <= MAX_MISTAKES and all(_is_int(v) and v >= 0 for v in c)
              for c in columns), "its list of mistakes is damaged")
    confidence = _numbers(value.get("confidence", []), "mistake confidences", MAX_MISTAKES)
    _need(len({len(c) for c in columns} | {len(confidence)}) == 1, "its list of mistakes has uneven columns")
    total = value.get("total", len(columns[0]))
    _need(_is_int(total) and total >= len(columns[0]), "its count of mistakes is damaged")
    return Mistakes(tuple(columns[0]), tuple(columns[1]), tuple(columns[2]), confidence, total)


def _plain_map(value: Any, what: str, budget: list[int], depth: int = 2) -> dict[str, Any]:
    _need(isinstance(value, dict) and len(value) <= 64, f"its {what} are damaged")
    _need(all(isinstance(k, str) and len(k) <= 64 for k in value), f"its {what} have damaged names")
    return {k: _plain(v, what, budget, depth) for k, v in value.items()}


def _plain(value: Any, what: str, budget: list[int], depth: int) -> Any:
    """JSON scalars, and lists or mappings of them down to `depth`, within the run's budget."""
    budget[0] -= 1
    _need(budget[0] >= 0, f"its {what} are implausibly large")
    if value is None or isinstance(value, bool) or _is_int(value):
        return value
    if isinstance(value, float):
        _need(math.isfinite(value), f"its {what} hold a non-finite number")
        return value
    if isinstance(value, str):
        return _text(value, what)
    _need(depth > 0, f"its {what} are nested too deeply")
    if isinstance(value, list):
        return [_plain(v, what, budget, depth - 1) for v in value]
    if isinstance(value, dict):
        return _plain_map(value, what, budget, depth - 1)
    raise ProjectError(f"its {what} hold a value of an unknown kind")


def runs_section(runs: Sequence[Run], adopted: str | None) -> dict[str, Any]:
    """The keys a project document gets for its runs."""
    return {"runs": [run_to_dict(r) for r in runs],
            "adopted_run": adopted if adopted in {r.id for r in runs} else None}
