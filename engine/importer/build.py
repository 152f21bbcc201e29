"""Planned nodes -> a laid-out Graph, and the source module's weights renamed for it.

Prunes ops whose results never reach the output, gives a node that reads one value twice
(`x * x`) an identity copy (edges are unique per pair of nodes), and checks that every
weight of the built network has exactly one source. Must not import Qt.
"""
from __future__ import annotations

from typing import Mapping

import torch

from ..graph import Graph, Node
from ..layout import apply_layout
from .convert import Plan, Planned


class ImportBug(Exception):
    """The importer produced something inconsistent (never the user's fault)."""


def reachable(plan: Plan) -> list[Planned]:
    """The planned nodes the output depends on, in order."""
    by_id = {p.id: p for p in plan.nodes}
    keep, stack = set(), [plan.output]
    while stack:
        node_id = stack.pop()
        if node_id in keep or node_id not in by_id:
            continue
        keep.add(node_id)
        stack.extend(by_id[node_id].inputs)
    return [p for p in plan.nodes if p.id in keep or p.layer == "input"]


def to_graph(nodes: list[Planned]) -> Graph:
    graph = Graph()
    for p in nodes:
        graph.insert_node(Node(p.id, p.layer, dict(p.params), (0.0, 0.0), p.block))
    for p in nodes:
        seen: set[str] = set()
        for src in p.inputs:
            if src in seen:  # the same value twice: route the repeat through an identity
                copy = _free_id(graph, f"{src}_copy")
                graph.insert_node(Node(copy, "identity", {}, (0.0, 0.0), p.block))
                graph.connect(src, copy)
                src = copy
            seen.add(src)
            graph.connect(src, p.id)
    apply_layout(graph)
    return graph


def _free_id(graph: Graph, base: str) -> str:
    candidate, n = base, 2
    while candidate in graph:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def weight_sources(nodes: list[Planned]) -> dict[str, str]:
    """Built network's state-dict key -> the source module's state-dict key."""
    return {f"{p.id}.{name}": src for p in nodes for name, src in p.weights.items()}


def expected_state(graph: Graph) -> dict[str, tuple[int, ...]]:
    """Shapes of the built network's state dict, from a meta-device build."""
    from ..builder import expected_state as names_shapes_dtypes

    return {k: shape for k, (shape, _) in names_shapes_dtypes(graph).items()}


def check_sources(expected: Mapping[str, tuple[int, ...]], sources: Mapping[str, str]) -> None:
    missing = sorted(set(expected) - set(sources))
    extra = sorted(set(sources) - set(expected))
    if missing or extra:
        raise ImportBug(f"weights without a source {missing[:3]} or sources without a weight {extra[:3]}")


def take_weights(expected: Mapping[str, tuple[int, ...]], sources: Mapping[str, str],
                 state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The source module's tensors under the built network's names (reshaped where a layer
    stores the same values in another layout, e.g. a layer scale of C×1×1 from 1×C×1×1).
    No copies: a 600 M-parameter model is imported without doubling its memory."""
    out = {}
    for key, shape in expected.items():
        tensor = state[sources[key]].detach()
        if tensor.numel() != _numel(shape):
            raise ImportBug(f"{key} expects {shape} but {sources[key]} is {tuple(tensor.shape)}")
        out[key] = tensor.reshape(shape).contiguous()  # shares memory with the source when it can
    return out


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n
