"""What a Start, Continue or Re-run press means: the checks that can refuse it and the
`RunRequest` it becomes.

Reads the form, the loaded dataset and the document; never starts anything itself (the
view hands the request to the document's RunCoordinator). Must not import widgets.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Sequence

from engine.data import Dataset, dataset_info
from engine.fitting import FitReport
from engine.graph import Graph
from engine.preflight import MemoryEstimate
from engine.runs import Run, change_summary
from engine.serialize import graph_from_dict
from engine.training import TrainConfig
from engine.training.doctor import NETWORK_CHANGES
from engine.training.memory import run_estimate
from engine.training.network_remedy import apply_change

from ..document import Document
from ..jobs.adoption import RunRequest
from ..jobs.loader import DatasetRequest


def start_problem(running: bool, dataset: Dataset | None, config: TrainConfig | None, problems: list[str],
                  fit: FitReport | None, estimate: MemoryEstimate | None = None) -> str | None:
    """Why Start cannot be pressed now, or None."""
    if running:
        return "Training is running"
    if dataset is None:
        return "Load a dataset first"
    if config is None:
        return "Fix the settings first: " + (problems or ["?"])[0]
    if fit is not None and not fit.ok:
        return fit.message
    if estimate is not None and not estimate.fits:
        return "Not enough memory: " + estimate.message()
    return None


def memory_estimate(document: Document, config: TrainConfig | None, dataset: Dataset | None,
                    fit: FitReport | None) -> MemoryEstimate | None:
    """What a run with these settings would need, from the analysis (no weight is allocated);
    None while the network has errors, the settings are incomplete or the data does not fit."""
    if config is None or dataset is None or (fit is not None and not fit.ok) or not document.analysis_current \
            or not document.analysis.valid:
        return None
    return run_estimate(document.graph, config, dataset)


def same_data(run: Run, dataset: Dataset | None, loaded: DatasetRequest | None) -> bool:
    """True when `dataset` (loaded with `loaded`) is the data `run` trained on."""
    if dataset is None or loaded is None or dataset.name != run.dataset:
        return False
    return _canonical(loaded.options) == _canonical(run.dataset_options)


def _canonical(options: dict[str, Any]) -> str:
    return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}, sort_keys=True,
                      default=str)


def continue_problem(document: Document, running: bool, dataset: Dataset | None,
                     loaded: DatasetRequest | None) -> str | None:
    """Why the adopted run cannot continue now, or None."""
    run = document.adopted_run
    if running:
        return "Training is running"
    if run is None or document.compatible_weights() is None:
        return "Continue needs a run whose weights the network holds: train it first"
    if not same_data(run, dataset, loaded):
        return f"Load {_title(run.dataset)} as {run.name} had it, then continue"
    return None


def _title(name: str) -> str:
    try:
        return dataset_info(name).title
    except Exception:  # a dataset this version does not know
        return name


def next_run_number(runs: Sequence[Run]) -> int:
    """The number a new run gets: one more than any "Run N" so far (and than the count of runs)."""
    numbers = [int(m.group(1)) for r in runs if (m := re.match(r"Run (\d+)\b", r.name))]
    return max(numbers + [len(runs)]) + 1


def rerun_name(base: Run | None, config: TrainConfig, number: int) -> str:
    """A re-run is named once, by its own number and what it changes from its base
    ("Run 3: learning rate 0.1"), never by its base's name and changes again."""
    if base is None:
        return ""
    change = change_summary(base.config, config)
    return f"Run {number}: {change}" if change else f"Run {number}: {base.name.split(':')[0]} again"


def request(dataset: Dataset, config: TrainConfig, loaded: DatasetRequest | None, name: str = "",
            parent: Run | None = None) -> RunRequest:
    options = dict(loaded.options) if loaded is not None else {}
    return RunRequest(dataset, config, options, name, parent)


def changed_config(base: Run, change: dict[str, Any]) -> TrainConfig:
    return replace(base.config, **change)


def remedied_network(base: Run, kind: str) -> Graph:
    """The network `base` trained, with the doctor's network change `kind` (raises ProjectError, KeyError)."""
    return apply_change(graph_from_dict(dict(base.network)), kind)


def remedy_title(kind: str) -> str:
    """The network change in words, for the undo stack and the new run's name ("batch normalization")."""
    return NETWORK_CHANGES[kind][0]
