"""What the canvas shows for a fold state: which units (layers and folded blocks), where, and
which frames surround expanded blocks. Plain Python over engine records, no widgets.

Two ways to place units: with every block expanded the canvas shows the positions stored in
the graph (the user's arrangement, saved in the file); as soon as a block is folded, the
folded graph is laid out automatically (`engine.layout.folded_layout`), because stored
positions cannot say where a folded block's card belongs or how its neighbours make room.
Must not mutate the document.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.blocks import BLOCK, Folded, Unit, block_tree, collapsed_beyond, fold, parent_of
from engine.graph import Graph
from engine.layout import NODE_HEIGHT, NODE_WIDTH, Rect, frames, legible_depth, place_folded


@dataclass(frozen=True)
class CanvasPlan:
    folded: Folded
    positions: dict[Unit, tuple[float, float]]
    collapsed: frozenset[str]    # the folded blocks that exist
    auto: bool                   # positions come from the auto-layout, not from the graph


def plan(graph: Graph, collapsed: frozenset[str], area: tuple[float, float]) -> CanvasPlan:
    live = frozenset(collapsed) & frozenset(block_tree(graph).members)
    folded = fold(graph, live)
    if live:
        positions = place_folded(graph, folded, area).positions
    else:
        nodes = graph.nodes
        positions = {u: nodes[u[1]].pos for u in folded.units}
    return CanvasPlan(folded, positions, live, bool(live))


def unit_block(graph: Graph, unit: Unit) -> str:
    """The expanded block a unit is drawn inside: a node's own block, a folded block's parent."""
    return parent_of(unit[1]) if unit[0] == BLOCK else graph.node(unit[1]).block


def frame_rects(graph: Graph, rects: dict[Unit, Rect]) -> list[tuple[str, Rect]]:
    return frames(rects, {u: unit_block(graph, u) for u in rects})


def card_rect(pos: tuple[float, float]) -> Rect:
    return (pos[0], pos[1], pos[0] + NODE_WIDTH, pos[1] + NODE_HEIGHT)


def opening_folds(graph: Graph, area: tuple[float, float]) -> frozenset[str]:
    """How a network opens: folded at the deepest level whose layout fits `area` legibly."""
    tree = block_tree(graph)
    if not tree.paths:
        return frozenset()
    return collapsed_beyond(tree, legible_depth(graph, *area))
