"""Layered auto-layout: top to bottom, branches side by side, no overlapping nodes.

Pure geometry on the graph (a simplified Sugiyama layout: longest-path ranks, then a
barycentre ordering within each rank). Units are scene pixels at 100% zoom; the GUI
draws nodes NODE_WIDTH × NODE_HEIGHT. Must not import Qt or torch.
"""
from __future__ import annotations

from .graph import Graph

NODE_WIDTH = 190.0
NODE_HEIGHT = 64.0
GAP_X = 40.0   # horizontal space between nodes in one rank
GAP_Y = 46.0   # vertical space between ranks (edge labels live here)


def ranks(graph: Graph) -> dict[str, int]:
    """Longest-path depth from the sources; nodes in cycles go below everything else."""
    order, cyclic = graph.topological_order()
    depth: dict[str, int] = {}
    for node_id in order:
        depth[node_id] = max((depth[s] + 1 for s in graph.inputs_of(node_id) if s in depth), default=0)
    bottom = max(depth.values(), default=-1) + 1
    for i, node_id in enumerate(n for n in graph.nodes if n in cyclic):
        depth[node_id] = bottom + i
    return depth


def layout(graph: Graph) -> dict[str, tuple[float, float]]:
    """Positions (top-left corners) for every node."""
    depth = ranks(graph)
    rows: dict[int, list[str]] = {}
    for node_id in graph.nodes:
        rows.setdefault(depth[node_id], []).append(node_id)
    step_x, step_y = NODE_WIDTH + GAP_X, NODE_HEIGHT + GAP_Y
    centre: dict[str, float] = {}
    for rank in sorted(rows):
        wanted = {n: _barycentre(graph, n, centre, rows[rank].index(n) * step_x) for n in rows[rank]}
        ordered = sorted(rows[rank], key=lambda n: (wanted[n], rows[rank].index(n)))
        xs = _spread([wanted[n] for n in ordered], step_x)
        centre.update(zip(ordered, xs))
    return {n: (centre[n] - NODE_WIDTH / 2, depth[n] * step_y) for n in graph.nodes}


def _barycentre(graph: Graph, node_id: str, centre: dict[str, float], fallback: float) -> float:
    parents = [centre[s] for s in graph.inputs_of(node_id) if s in centre]
    if not parents:
        return fallback
    # Children of a fan-out sit under their parent's span, in edge order.
    return sum(parents) / len(parents)


def _spread(wanted: list[float], step: float) -> list[float]:
    """Place sorted targets at least `step` apart, centred on the targets' mean."""
    if not wanted:
        return []
    xs = [wanted[0]]
    for w in wanted[1:]:
        xs.append(max(w, xs[-1] + step))
    shift = (sum(wanted) - sum(xs)) / len(xs)
    return [x + shift for x in xs]


def apply_layout(graph: Graph) -> None:
    for node_id, pos in layout(graph).items():
        graph.set_pos(node_id, pos)
