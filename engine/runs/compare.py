"""What differs between runs: settings, data, the network they trained, and their results.

`differences` gives the rows of a side-by-side table, one value per run, keeping only the
settings, data options and layers that are not the same in every run (results are always
shown). Architecture rows come from the runs' network snapshots: layers added, removed or
with other parameters, and the parameter counts (from the engine's analysis, cached by
fingerprint). `change_summary` names what a re-run changed ("learning rate 0.01").
Must not import Qt.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from engine.analysis import analyze
from engine.catalog import CATALOG
from engine.formatting import count, percent
from engine.runs.record import Run
from engine.serialize import graph_from_dict
from engine.training.config import FIELD_TITLES, TrainConfig

_PARAMS_CACHE: dict[str, int | None] = {}
_CACHE_SIZE = 256


@dataclass(frozen=True)
class DiffRow:
    section: str  # "Settings", "Data", "Network" or "Result"
    label: str
    values: tuple[str, ...]  # one per run, in the order given


def differences(runs: Sequence[Run]) -> list[DiffRow]:
    """Rows that tell the runs apart, then their results."""
    return _settings(runs) + _data(runs) + _network(runs) + _results(runs)


def setting_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if name == "val_split":
        return percent(value, 0)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def change_summary(base: TrainConfig, new: TrainConfig) -> str:
    """The settings `new` changes from `base`, in words; "" when none."""
    old, now = base.to_dict(), new.to_dict()
    return ", ".join(f"{FIELD_TITLES.get(k, k)} {setting_text(k, now[k])}" for k in now if now[k] != old[k])


def _differing(values: Sequence[Any]) -> bool:
    return any(v != values[0] for v in values[1:])


def _settings(runs: Sequence[Run]) -> list[DiffRow]:
    rows = []
    for f in dataclasses.fields(TrainConfig):
        values = [getattr(r.config, f.name) for r in runs]
        if _differing(values):
            rows.append(DiffRow("Settings", FIELD_TITLES.get(f.name, f.name),
                                tuple(setting_text(f.name, v) for v in values)))
    return rows


def _data(runs: Sequence[Run]) -> list[DiffRow]:
    rows = []
    if _differing([r.dataset for r in runs]):
        rows.append(DiffRow("Data", "dataset", tuple(r.dataset or "?" for r in runs)))
    keys = sorted({k for r in runs for k in r.dataset_options})
    for key in keys:
        values = [r.dataset_options.get(key) for r in runs]
        if _differing(values):
            rows.append(DiffRow("Data", key.replace("_", " "), tuple("—" if v is None else str(v) for v in values)))
    return rows


def _network(runs: Sequence[Run]) -> list[DiffRow]:
    if not _differing([r.fingerprint for r in runs]):
        return []
    rows = [DiffRow("Network", "parameters", tuple(_param_text(r) for r in runs))]
    layers = [{n["id"]: n for n in r.network.get("nodes", ())} for r in runs]
    ids = list(dict.fromkeys(node_id for nodes in layers for node_id in nodes))
    for node_id in ids:
        texts = [_layer_text(nodes.get(node_id)) for nodes in layers]
        if _differing(texts):
            rows.append(DiffRow("Network", node_id, tuple(texts)))
    edges = [len(r.network.get("edges", ())) for r in runs]
    if _differing([sorted(map(tuple, r.network.get("edges", ()))) for r in runs]):
        rows.append(DiffRow("Network", "connections", tuple(str(n) for n in edges)))
    return rows


def _layer_text(node: Mapping[str, Any] | None) -> str:
    if node is None:
        return "—"
    spec = CATALOG.get(node["layer"]) if node["layer"] in CATALOG else None
    title = spec.name if spec is not None else node["layer"]
    params = ", ".join(f"{k} {v}" for k, v in sorted(node.get("params", {}).items()))
    return f"{title} ({params})" if params else title


def _param_text(run: Run) -> str:
    params = parameter_count(run)
    return count(params) if params is not None else "?"


def parameter_count(run: Run) -> int | None:
    """Parameters of the network the run trained (None when its snapshot cannot be analyzed)."""
    if run.fingerprint not in _PARAMS_CACHE:
        if len(_PARAMS_CACHE) >= _CACHE_SIZE:
            _PARAMS_CACHE.pop(next(iter(_PARAMS_CACHE)))
        try:
            _PARAMS_CACHE[run.fingerprint] = analyze(graph_from_dict(dict(run.network))).total_params
        except Exception:  # a snapshot from a newer catalog or a broken graph: no count
            _PARAMS_CACHE[run.fingerprint] = None
    return _PARAMS_CACHE[run.fingerprint]


def _results(runs: Sequence[Run]) -> list[DiffRow]:
    def last(run: Run, name: str) -> str:
        value = getattr(run.epochs[-1], name) if run.epochs else None
        return f"{value:.4g}" if value is not None else "—"

    def acc(value: float | None) -> str:
        return percent(value) if value is not None else "—"

    return [DiffRow("Result", "epochs", tuple(str(r.epochs_run) for r in runs)),
            DiffRow("Result", "best epoch", tuple(str(r.best_epoch or "—") for r in runs)),
            DiffRow("Result", "final training loss", tuple(last(r, "train_loss") for r in runs)),
            DiffRow("Result", "final validation loss", tuple(last(r, "val_loss") for r in runs)),
            DiffRow("Result", "test accuracy", tuple(acc(r.test_acc) for r in runs)),
            DiffRow("Result", "diagnosis", tuple(", ".join(d.code for d in r.diagnosis) or "healthy" for r in runs))]
