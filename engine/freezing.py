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


# The layers of a dense classifier stack (Linear, its activations, dropout and 1-d norms): what
# `feature_extractor` walks back through from the head to find where the features end.
_DENSE = {"linear", "relu", "relu6", "leaky_relu", "prelu", "elu", "gelu", "silu", "tanh", "sigmoid", "hardswish",
          "hardsigmoid", "dropout", "batchnorm1d", "layernorm", "identity", "softmax", "log_softmax"}


def frozen_before(graph: Graph, node_id: str) -> list[str]:
    """Every node upstream of `node_id` (its ancestors), for "freeze everything before it"."""
    return _ancestors(graph, list(graph.inputs_of(node_id)))


def feature_extractor(graph: Graph, head: str) -> list[str]:
    """The layers before the dense classifier stack that ends in `head` (LeNet-5: conv1 ... pool2, not
    fc1 and fc2; VGG: `features`; ResNet: everything before `fc`, which is the same as `frozen_before`).
    Walks back from the head through dense layers to the first that is not one (a flatten, a global
    pool, a convolution); empty when the walk reaches the input (a network of dense layers only)."""
    node_id = head
    while True:
        sources = graph.inputs_of(node_id)
        if len(sources) != 1:
            return []
        node_id = sources[0]
        layer = graph.node(node_id).layer
        if layer == "input":
            return []
        if layer not in _DENSE:
            return _ancestors(graph, [node_id])


def _ancestors(graph: Graph, start: list[str]) -> list[str]:
    """`start` and every node upstream of it, in graph order."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(graph.inputs_of(current))
    return [n for n in graph.nodes if n in seen]
