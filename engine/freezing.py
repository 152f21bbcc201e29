"""Freezing layers for transfer learning: which nodes of a graph keep their weights while the rest trains.

Owns resolving what the user named (node ids or block paths: a block freezes every layer
inside it, nested blocks included) and setting the nodes' `frozen` flag. What frozen means
for training lives where it acts: engine.builder (no gradients, frozen BatchNorm in eval
mode), engine.analysis (no trainable parameters), engine.training.optim (no optimizer state).
Must not import Qt or torch.
"""
from __future__ import annotations

from typing import Iterable

from .graph import Graph, GraphError


def members(graph: Graph, names: Iterable[str]) -> list[str]:
    """The node ids that `names` (node ids and block paths) stand for, in graph order; raises GraphError
    for a name that is neither."""
    wanted: set[str] = set()
    for name in names:
        if name in graph:
            wanted.add(name)
            continue
        inside = {n.id for n in graph.nodes.values() if n.block == name or n.block.startswith(name + ".")}
        if not inside:
            raise GraphError(f"'{name}' is neither a layer nor a block of this network")
        wanted |= inside
    return [node_id for node_id in graph.nodes if node_id in wanted]


def freeze(graph: Graph, node_or_block_ids: Iterable[str] | str, frozen: bool = True) -> dict[str, bool]:
    """Freeze (or with frozen=False unfreeze) layers and blocks; returns each changed node's old flag,
    which undo passes back to `restore`."""
    names = [node_or_block_ids] if isinstance(node_or_block_ids, str) else list(node_or_block_ids)
    ids = members(graph, names)
    return {node_id: graph.set_frozen(node_id, frozen) for node_id in ids if graph.node(node_id).frozen != frozen}


def restore(graph: Graph, old: dict[str, bool]) -> None:
    """Put back the flags `freeze` returned."""
    for node_id, frozen in old.items():
        graph.set_frozen(node_id, frozen)


def frozen_before(graph: Graph, node_id: str) -> list[str]:
    """Every node upstream of `node_id` (its ancestors), for "freeze everything before it"."""
    seen: set[str] = set()
    stack = list(graph.inputs_of(node_id))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(graph.inputs_of(current))
    return [n for n in graph.nodes if n in seen]
