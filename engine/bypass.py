"""Deleting a middle layer without leaving a gap: may its neighbours be joined directly?

`bridge(graph, node_id)` answers for a layer with exactly one input: the connections that
would carry its input straight to each of its successors (at the input slot the deleted layer
had), or None when there is nothing to bridge or the shapes do not allow it (a successor that
computes now would fail, e.g. a Linear whose input width changes). The answer comes from a
trial analysis of a copy of the graph, so it is the same rule every layer's shape checks use.
Must not import Qt.
"""
from __future__ import annotations

from dataclasses import dataclass

from .analysis import analyze
from .graph import Graph


@dataclass(frozen=True)
class Bridge:
    src: str                      # the deleted layer's single input
    dsts: tuple[tuple[str, int], ...]  # (successor, input index the deleted layer had there)


def bridge(graph: Graph, node_id: str) -> Bridge | None:
    """How to reconnect around `node_id` once it is deleted, or None (see the module docstring)."""
    if node_id not in graph:
        return None
    sources, dsts = graph.inputs_of(node_id), graph.outputs_of(node_id)
    if len(sources) != 1 or not dsts or any(graph.has_edge(sources[0], d) for d in dsts):
        return None
    plan = Bridge(sources[0], tuple((d, graph.input_index(node_id, d)) for d in dsts))
    before = analyze(graph)
    trial = graph.copy()
    trial.remove_node(node_id)
    for dst, index in plan.dsts:
        trial.connect(plan.src, dst, index)
    after = analyze(trial)
    broken = [r.node_id for r in after.rows if not r.ok and before.by_id[r.node_id].ok]
    return None if broken else plan
