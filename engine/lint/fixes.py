"""Carrying out a lint's `Fix` on a copy of a graph (`apply_fix`), for tests, the command line and
previews. The GUI carries out the same steps as undo commands (gui.builder.lint.fix_command); both follow
`plan_replace` and `bridge_edges`, so they agree step for step. Must not import Qt or torch.
"""
from __future__ import annotations

from ..catalog import CATALOG
from ..graph import Edge, Graph, GraphError, Node
from ..layout import GAP_Y, NODE_HEIGHT, NODE_WIDTH
from .model import Fix, Step


def apply_fix(graph: Graph, fix: Fix) -> Graph:
    """A copy of `graph` with every step of `fix` done (the original is untouched).

    Raises GraphError when a step no longer fits the graph (it changed since the lint)."""
    result = graph.copy()
    for step in fix.steps:
        apply_step(result, step)
    return result


def plan_node(graph: Graph, step: Step) -> Node | None:
    """The new node an insert or replace step adds (its id is the next free one), else None."""
    if step.action == "insert":
        return new_node(graph, step.layer, dict(step.params), between=(step.src, step.dst))
    if step.action == "replace":
        return plan_replace(graph, graph.node(step.node), step.layer, dict(step.params))
    return None


def apply_step(graph: Graph, step: Step, planned: Node | None = None) -> None:
    """Carry out one step on `graph` in place (with the node `plan_node` gave, when given)."""
    node = planned or plan_node(graph, step)
    if step.action == "insert":
        index = graph.disconnect(step.src, step.dst)
        graph.insert_node(node)
        graph.connect(step.src, node.id)
        graph.connect(node.id, step.dst, index)
    elif step.action == "remove":
        _, removed = graph.remove_node(step.node)
        for src, dst, index in bridge_edges(step.node, removed):
            if not graph.has_edge(src, dst):
                graph.connect(src, dst, index)
    elif step.action == "replace":
        _, removed = graph.remove_node(step.node)
        graph.insert_node(node)
        rename = {step.node: node.id}
        for index, edge in sorted(removed, key=lambda ie: ie[0]):
            graph.connect(rename.get(edge.src, edge.src), rename.get(edge.dst, edge.dst), index)
    else:
        graph.update_params(step.node, **step.params)


def new_node(graph: Graph, layer: str, params: dict, between: tuple[str, str]) -> Node:
    """A fresh node of `layer` with its defaults overlaid by `params`, placed between two nodes."""
    spec = CATALOG.get(layer)
    src, dst = graph.node(between[0]), graph.node(between[1])
    (x1, y1), (x2, y2) = src.pos, dst.pos
    mid = ((x1 + x2) / 2, (y1 + y2) / 2)
    roomy = abs(y2 - y1) >= 2 * NODE_HEIGHT + GAP_Y
    pos = mid if roomy else (mid[0] + NODE_WIDTH * 0.6, mid[1])  # beside the wire when there is no room on it
    block = src.block if src.block == dst.block else ""
    return Node(graph.new_id(layer), layer, {**spec.defaults(), **params}, pos, block)


def plan_replace(graph: Graph, old: Node, layer: str, params: dict) -> Node:
    """The node that takes `old`'s place: a generic id (such as "act3") is kept, one named after the
    old layer type ("sigmoid_3") gets a fresh name after the new type."""
    keep = not old.id.startswith(old.layer)
    node_id = old.id if keep else graph.new_id(layer)
    return Node(node_id, layer, {**CATALOG.get(layer).defaults(), **params}, old.pos, old.block)


def bridge_edges(node_id: str, removed: list[tuple[int, Edge]]) -> list[tuple[str, str, int | None]]:
    """After removing a single-input node: connect its input to each node it fed, at the same input index."""
    sources = [e.src for _, e in removed if e.dst == node_id]
    if len(sources) != 1:
        raise GraphError(f"{node_id} does not have exactly one input, so it cannot be bridged")
    return [(sources[0], e.dst, index) for index, e in removed if e.src == node_id]
