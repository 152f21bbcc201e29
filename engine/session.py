"""Glue between projects, datasets and the trainer, shared by the CLI and the GUI.

Owns what a trained project remembers: the dataset's name, shape, classes and
normalization (`meta`), and the training settings and history (`training`). Also turns
a project with weights back into a ready module. Must not import Qt.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import torch

from .builder import GraphModule, build_module
from .data import Dataset
from .graph import Graph
from .project import Project
from .templates import load as load_template
from .training import EpochRecord, FinishedRecord, TrainConfig, TrainingError


def dataset_meta(dataset: Dataset) -> dict[str, Any]:
    """What inference needs to treat new inputs like the training data."""
    return {"dataset": dataset.name, "kind": dataset.kind, "input_shape": list(dataset.input_shape),
            "num_classes": dataset.num_classes, "class_names": list(dataset.class_names),
            "mean": list(dataset.mean), "std": list(dataset.std)}


def training_section(config: TrainConfig, history: list[EpochRecord], finished: FinishedRecord | None) -> dict[str, Any]:
    return {"config": config.to_dict(), "history": [dataclasses.asdict(r) for r in history],
            "result": dataclasses.asdict(finished) if finished else None}


def graph_for_dataset(template: str, dataset: Dataset) -> Graph:
    """A template sized to the dataset's input shape and class count."""
    return load_template(template, dataset.input_shape, dataset.num_classes)


def config_from_project(project: Project) -> TrainConfig:
    """The settings the project was last trained with (defaults if none; TrainingError if damaged)."""
    stored = (project.training or {}).get("config")
    return TrainConfig.from_dict(stored) if isinstance(stored, dict) else TrainConfig()


def trained_module(project: Project) -> GraphModule:
    """The project's network with its trained weights, in eval mode on the CPU."""
    if not project.weights:
        set_aside = getattr(project, "warnings", None)  # e.g. weights of a network with errors
        raise TrainingError(set_aside[0] if set_aside else "this project has no trained weights yet — train it first")
    module = build_module(project.graph)
    module.load_state_dict(project.weights)
    return module.eval()


def state_on_cpu(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu").clone() for k, v in module.state_dict().items()}
