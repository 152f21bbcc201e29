"""Netwright's engine: networks, analysis, building, templates and files. Never imports Qt.

The facade other parts and users script against:
    engine.templates.names(), engine.templates.load(name, input_shape=None, num_classes=None)
    engine.analyze(graph), engine.build_module(graph), engine.save(graph, path, weights=None),
    engine.load(path), engine.freeze(graph, node_or_block_ids, frozen=True)

The graph, the catalog, the templates and the layout are torch-free; the names that need
PyTorch (analysis, building, files with weights) are imported on first use, so
`import engine` costs milliseconds and a window can open before PyTorch has loaded.
"""
from __future__ import annotations

import importlib
from typing import Any

from . import templates
from .freezing import freeze
from .graph import Edge, Graph, GraphError, Node
from .serialize import ProjectError

_LAZY = {
    "Analysis": "analysis", "NodeRow": "analysis", "analyze": "analysis",
    "BuildError": "builder", "GraphModule": "builder", "build_module": "builder",
    "Project": "project", "check_weights": "project", "load": "project", "save": "project",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


__all__ = ["Analysis", "BuildError", "Edge", "Graph", "GraphError", "GraphModule", "Node", "NodeRow",
           "Project", "ProjectError", "analyze", "build_module", "check_weights", "freeze", "load", "save",
           "templates"]
