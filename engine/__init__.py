"""Netwright's engine: networks, analysis, building, templates and files. Never imports Qt.

The facade other parts and users script against:
    engine.templates.names(), engine.templates.load(name, input_shape=None, num_classes=None)
    engine.analyze(graph), engine.build_module(graph), engine.save(graph, path, weights=None),
    engine.load(path)
"""
from __future__ import annotations

from . import templates
from .analysis import Analysis, NodeRow, analyze
from .builder import BuildError, GraphModule, build_module
from .graph import Edge, Graph, GraphError, Node
from .project import Project, check_weights, load, save
from .serialize import ProjectError

__all__ = ["Analysis", "BuildError", "Edge", "Graph", "GraphError", "GraphModule", "Node", "NodeRow",
           "Project", "ProjectError", "analyze", "build_module", "check_weights", "load", "save", "templates"]
