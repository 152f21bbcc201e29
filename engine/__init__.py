"""Netwright's engine: networks, analysis, building, templates and files. Never imports Qt.

The facade other parts and users script against:
    engine.templates.names(), engine.templates.load(name, input_shape=None, num_classes=None)
    engine.analyze(graph), engine.build_module(graph), engine.save(graph, path, weights=None),
    engine.load(path)
"""
from __future__ import annotations

from .analysis import Analysis, NodeRow, analyze
from .graph import Edge, Graph, GraphError, Node

__all__ = ["Analysis", "Edge", "Graph", "GraphError", "Node", "NodeRow", "analyze"]
