"""Glue between projects, datasets and the trainer, shared by the CLI and the GUI.

Owns what a trained project remembers: the dataset's name, shape, classes and
normalization (`meta`), the run a training leaves in the project (`record_run`, with its
`--metrics` form in `run_metrics`), the settings to train with next, and how a run
continues the adopted one (`resume_from`). Also turns a project with weights back into a
ready module. Must not import Qt.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from .builder import GraphModule, build_module
from .data import Dataset
from .graph import Graph
from .project import Project
from .runs import Run, advise, default_name, new_run, new_run_id, run_to_dict, snapshot
from .serialize import graph_from_dict
from .templates import load as load_template
from .training import EpochRecord, EvalResult, FinishedRecord, Resume, StepRecord, TrainConfig, TrainingError
from .training.job import state_on_cpu  # noqa: F401  (re-exported: the CLI and GUI use it)


def dataset_meta(dataset: Dataset) -> dict[str, Any]:
    """What inference needs to treat new inputs like the training data."""
    return {"dataset": dataset.name, "kind": dataset.kind, "input_shape": list(dataset.input_shape),
            "num_classes": dataset.num_classes, "class_names": list(dataset.class_names),
            "mean": list(dataset.mean), "std": list(dataset.std)}


def graph_for_dataset(template: str, dataset: Dataset) -> Graph:
    """A template sized to the dataset's input shape and class count."""
    return load_template(template, dataset.input_shape, dataset.num_classes)


def config_from_project(project: Project | None) -> TrainConfig:
    """The settings of the adopted run, else of the latest run, else the defaults."""
    if project is None:
        return TrainConfig()
    run = adopted_run(project) or (project.runs[-1] if project.runs else None)
    return run.config if run is not None else TrainConfig()


def adopted_run(project: Project) -> Run | None:
    """The run whose weights the project holds (None when it has none)."""
    if not project.weights:
        return None
    return next((r for r in project.runs if r.id == project.adopted_run), None)


def resume_from(project: Project, parent: Run) -> Resume:
    """How a run continues `parent` (the adopted run): epoch and step numbering, optimizer state."""
    return Resume(parent.epochs_run, parent.steps.steps, project.optimizer_state)


def record_run(project: Project, graph: Graph, dataset: Dataset, config: TrainConfig, steps: list[StepRecord],
               history: list[EpochRecord], finished: FinishedRecord | None, evaluation: EvalResult | None = None,
               options: dict[str, Any] | None = None, parent: Run | None = None, name: str = "") -> Run:
    """The run just trained on `graph`, as it goes into `project.runs`, from its parts (for scripts and
    tests; the CLI and the window record a finished job with engine.runs.lifecycle.record_of)."""
    run_id = new_run_id(r.id for r in project.runs)
    name = name or default_name(project.runs, parent)
    return new_run(run_id=run_id, name=name, config=config, dataset=dataset.name, dataset_meta=dataset_meta(dataset),
                   dataset_options=options or {}, network=snapshot(graph), steps=steps, epochs=history,
                   result=finished, evaluation=evaluation, parent=parent)


def with_extras(run: Run, extras: dict[str, Any]) -> Run:
    """`run` with more per-run series (e.g. the gradient flow: grad_steps, grad_norms, update_ratios)."""
    return replace(run, extras={**run.extras, **extras}) if extras else run


def run_metrics(run: Run, runs: Sequence[Run] = ()) -> dict[str, Any]:
    """The `--metrics` JSON of a run: settings, per-epoch history, result and the curve doctor's findings
    (told by the project's earlier `runs` which one-click changes were already tried)."""
    data = run_to_dict(run)
    return {"config": data["config"], "history": data["history"], "result": data["result"],
            "diagnosis": [d.to_dict() for d in advise(run, runs)]}


def trained_module(project: Project) -> GraphModule:
    """The project's network with its trained weights, in eval mode on the CPU."""
    if not project.weights:
        set_aside = getattr(project, "warnings", None)  # e.g. weights of a network with errors
        raise TrainingError(set_aside[0] if set_aside else "this project has no trained weights yet — train it first")
    module = build_module(project.graph)
    module.load_state_dict(project.weights)
    return module.eval()


def export_run(run: Run, fmt: str, path: str | Path, title: str = "") -> list[Path]:
    """Export the network `run` trained with the weights it kept (engine.export_formats.export_to);
    RunWeightsError when it kept none."""
    from .export_formats import export_to
    from .runs.weights import RunWeightsError

    if run.weights is None:
        raise RunWeightsError(f"{run.name} kept no weights to export")
    return export_to(fmt, graph_from_dict(dict(run.network)), path, dict(run.weights.tensors), title=title or run.name)
