"""What an open document holds, as data: the `Content` that New, Open or a template swap in
in one step, the `RunsState` that run commands swap as a whole, and `read_project`, which makes
Content of a project file. Must not import widgets or torch.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import engine
from engine.graph import Graph
from engine.layout import apply_layout
from engine.runs import Run

if TYPE_CHECKING:
    from engine.training.resume import OptimizerState

    from .prepared import Prepared

UNTITLED = "Untitled"


@dataclass(frozen=True)
class RunsState:
    """The project's runs and what the adopted one left: swapped as a whole by run commands."""
    weights: dict[str, Any] | None = None  # the adopted run's (or a format-1 file's) trained weights
    runs: tuple[Run, ...] = ()  # oldest first
    meta: dict[str, Any] = field(default_factory=dict)  # dataset meta the weights expect (inference)
    adopted_run: str | None = None  # id of the run the weights come from
    optimizer_state: OptimizerState | None = None  # the adopted run's, for continuing it


@dataclass
class Content:
    """Everything a New, Open or template load swaps in one step."""
    graph: Graph
    path: str | None = None
    name: str = UNTITLED
    weights: dict[str, Any] | None = None
    runs: tuple[Run, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    adopted_run: str | None = None
    optimizer_state: OptimizerState | None = None
    warnings: tuple[str, ...] = ()  # parts of the file left out as damaged, for the user
    sections: dict[str, Any] = field(default_factory=dict)  # optional file sections (engine.sections)
    prepared: Prepared | None = None  # engine results computed off the GUI thread (gui.prepared)

    def __post_init__(self) -> None:
        self.runs = tuple(self.runs or ())

    def runs_state(self) -> RunsState:
        return RunsState(*(getattr(self, f.name) for f in fields(RunsState)))

    def with_runs_state(self, state: RunsState) -> Content:
        return replace(self, **{f.name: getattr(state, f.name) for f in fields(RunsState)})


def read_project(path: str) -> Content:
    """Content of a .nwproj file; raises engine.ProjectError (user-readable) or OSError."""
    project = engine.load(path)
    graph = project.graph
    positions = {n.pos for n in graph.nodes.values()}
    if len(graph) > 1 and len(positions) == 1:  # a file without a layout: lay it out
        apply_layout(graph)
    return Content(graph, str(path), Path(path).stem, project.weights, tuple(project.runs),
                   dict(project.meta or {}), project.adopted_run, project.optimizer_state,
                   tuple(project.warnings), dict(project.sections))
