"""Which run the Train view shows and what comes with it, derived from the document.

`focus_run` is the run in detail: the one the user picked, else the adopted run, else the
latest. `initial_settings` are the settings and dataset a newly opened project suggests.
`RunFocus` holds the picked and just-finished runs. `boundary_grid` computes the decision
boundary of the adopted weights on a 2-D point set
(small networks: milliseconds), cached for the last weights and dataset.
Must not import widgets.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from engine.builder import build_module
from engine.data import Dataset
from engine.data.info import dataset_info, datasets_for
from engine.runs import Run
from engine.training import DecisionGrid, TrainConfig, decision_grid

from ..document import Document
from ..jobs.worker import GRID_RESOLUTION

_GRID_CACHE: dict[str, tuple[tuple[int, int, str], DecisionGrid | None]] = {}


def focus_run(document: Document, picked: str | None) -> Run | None:
    run = document.run(picked) if picked else None
    return run or document.adopted_run or (document.runs[-1] if document.runs else None)


def initial_settings(document: Document) -> tuple[TrainConfig | None, str | None]:
    """(settings, dataset name) of the adopted or latest run; the weights' dataset without runs."""
    run = document.adopted_run or (document.runs[-1] if document.runs else None)
    if run is not None:
        return run.config, run.dataset or None
    wanted = (document.meta or {}).get("dataset")
    return None, str(wanted) if wanted else None


def fitting_dataset(document: Document, current: str) -> str | None:
    """A dataset the open network takes, when `current` (the previous project's) has another input
    or class count; None keeps `current`. An image folder fits any image network."""
    analysis = document.analysis
    shape, out = analysis.input_shape, analysis.output_shape
    classes = out[-1] if out else None
    info = dataset_info(current)
    if (info.input_shape is None or info.input_shape == shape) and info.num_classes in (None, classes):
        return None
    fits = datasets_for(shape, classes)
    return fits[0] if fits else None


def boundary_grid(document: Document, run: Run, dataset: Dataset) -> DecisionGrid | None:
    """The adopted weights' predicted class over the plane, when `run` is the adopted run."""
    adopted = document.adopted_run
    weights = document.compatible_weights()
    if adopted is None or adopted.id != run.id or weights is None or document.analysis.total_params > 1_000_000:
        return None
    key = (id(weights), id(dataset), run.id)
    cached = _GRID_CACHE.get("last")
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        module = build_module(document.graph)
        module.load_state_dict(weights)
        grid = decision_grid(module, dataset, GRID_RESOLUTION, device="cpu")
    except Exception:  # a picture is not worth an error dialog
        grid = None
    _GRID_CACHE["last"] = (key, grid)
    return grid


@dataclass
class RunFocus:
    """Which run the Train view is about: the one the user picked (`picked`), the one that just
    finished (its message wins over comparing), and what was said of each run when it finished."""

    picked: str | None = None
    finished: str | None = None
    notes: dict[str, str] = field(default_factory=dict)  # run id -> said once, after the run's own message

    def pick(self, run_id: str | None) -> None:
        self.picked, self.finished = run_id, None
