"""Layered auto-layout that uses the screen: top to bottom, branches side by side, long
chains wrapped into columns so a wide window is filled, room left for block frames.

Pure geometry (a simplified Sugiyama layout: longest-path ranks, a barycentre ordering
within each rank, then the rank sequence cut into columns at single-unit ranks that no
edge skips over, choosing the column count that lets the whole drawing appear largest in
an area of the given aspect ratio). It lays out any DAG of boxes: the graph's nodes, or
the units of a folded graph (`engine.blocks.fold`). Units are scene pixels at 100 % zoom;
the GUI draws cards NODE_WIDTH × NODE_HEIGHT and block frames FRAME_PAD around their
members with a FRAME_HEADER title line. Must not import Qt or torch.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Hashable, Iterable, Mapping, Sequence

from .blocks import BLOCK, BlockTree, Folded, block_tree, collapsed_beyond, depth_of, fold, lineage, parent_of
from .graph import Graph

NODE_WIDTH = 200.0
NODE_HEIGHT = 76.0
GAP_X = 40.0        # between neighbours in one rank
GAP_Y = 42.0        # between ranks: edge labels live here
FRAME_PAD = 10.0    # between a block's frame and what it holds
FRAME_HEADER = 22.0  # a frame's title line, above its first row
COLUMN_GAP = 100.0  # between wrapped columns: the lane a wrapping edge climbs (and its label)
AREA = (1120.0, 700.0)  # the canvas a layout aims to fill when none is given (width, height)
MAX_COLUMNS = 24
LEGIBLE_ZOOM = 0.75  # a fit at this zoom or more shows every card with all its text (cards.FULL_LOD)

Key = Hashable
Rect = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class Placement:
    positions: dict[Key, tuple[float, float]]  # top-left corner of every box
    columns: dict[Key, int]                    # the column each box landed in
    width: float
    height: float

    def fit_scale(self, width: float, height: float) -> float:
        """The zoom at which the whole drawing fits a width × height area."""
        return min(width / max(self.width, 1.0), height / max(self.height, 1.0))


def arrange(keys: Sequence[Key], inputs: Mapping[Key, Sequence[Key]],
            blocks: Mapping[Key, str] | None = None, area: tuple[float, float] = AREA,
            size: tuple[float, float] = (NODE_WIDTH, NODE_HEIGHT)) -> Placement:
    """Place boxes of `size`; `inputs` gives each key's sources, `blocks` the expanded block
    each box is drawn inside (frames need room), `area` the canvas to fill: the column count
    that shows the drawing largest there wins (fewer columns once it fits at 100 %)."""
    blocks = blocks or {}
    rank = _ranks(keys, inputs)
    rows: dict[int, list[Key]] = {}
    for key in keys:
        rows.setdefault(rank[key], []).append(key)
    levels = {k: lineage(blocks.get(k, "")) for k in keys}
    centre = _order(rows, inputs, levels, size[0])
    tops = _rank_tops(rows, levels, size[1])
    cuts = _cut_candidates(rows, rank, inputs)
    best = None
    for count in range(1, min(MAX_COLUMNS, len(cuts) + 1) + 1):
        plan = _columns(rows, tops, cuts, count, centre, levels, size)
        score = min(area[0] / plan[1], area[1] / plan[2], 1.0)
        if best is None or score > best[0] * 1.02:
            best = (score, plan)
    return _place(rows, tops, centre, levels, size, best[1][0])


def _ranks(keys: Sequence[Key], inputs: Mapping[Key, Sequence[Key]]) -> dict[Key, int]:
    """Longest-path depth from the sources; boxes caught in cycles go below everything else."""
    present = set(keys)
    indegree = {k: sum(1 for s in inputs.get(k, ()) if s in present) for k in keys}
    outputs: dict[Key, list[Key]] = {k: [] for k in keys}
    for k in keys:
        for s in inputs.get(k, ()):
            if s in present:
                outputs[s].append(k)
    ready = [k for k in keys if indegree[k] == 0]
    depth: dict[Key, int] = {}
    while ready:
        k = ready.pop()
        depth[k] = max((depth[s] + 1 for s in inputs.get(k, ()) if s in depth), default=0)
        for m in outputs[k]:
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    bottom = max(depth.values(), default=-1) + 1
    for i, k in enumerate(k for k in keys if k not in depth):
        depth[k] = bottom + i
    return depth


def _order(rows: dict[int, list[Key]], inputs: Mapping[Key, Sequence[Key]],
           levels: dict[Key, list[str]], width: float) -> dict[Key, float]:
    """Centre x of every box: under its parents' mean, neighbours pushed apart."""
    centre: dict[Key, float] = {}
    for r in sorted(rows):
        row = rows[r]
        wanted = {}
        for i, k in enumerate(row):
            parents = [centre[s] for s in inputs.get(k, ()) if s in centre]
            wanted[k] = sum(parents) / len(parents) if parents else i * (width + GAP_X)
        index = {k: i for i, k in enumerate(row)}
        ordered = sorted(row, key=lambda k: (wanted[k], index[k]))
        gaps = [width + GAP_X + FRAME_PAD * _differing(levels[a], levels[b]) for a, b in zip(ordered, ordered[1:])]
        centre.update(zip(ordered, _spread([wanted[k] for k in ordered], gaps)))
    return centre


def _differing(a: list[str], b: list[str]) -> int:
    """Frames that lie between two neighbours: blocks one is in and the other is not."""
    return len(set(a) ^ set(b))


def _spread(wanted: list[float], gaps: list[float]) -> list[float]:
    """Place sorted targets at least gaps[i] apart, centred on the targets' mean."""
    if not wanted:
        return []
    xs = [wanted[0]]
    for w, gap in zip(wanted[1:], gaps):
        xs.append(max(w, xs[-1] + gap))
    shift = (sum(wanted) - sum(xs)) / len(xs)
    return [x + shift for x in xs]


def _frame_levels(paths: Iterable[str]) -> int:
    return len({depth_of(p) for p in paths})


def _rank_tops(rows: dict[int, list[Key]], levels: dict[Key, list[str]], height: float) -> dict[int, float]:
    """Top y of every rank: boxes, then room for frames closing below and opening above."""
    tops, y, previous = {}, 0.0, set()
    for r in sorted(rows):
        active = {p for k in rows[r] for p in levels[k]}
        if tops:
            y += GAP_Y + FRAME_PAD * _frame_levels(previous - active)
        y += (FRAME_PAD + FRAME_HEADER) * _frame_levels(active - previous)
        tops[r] = y
        y += height
        previous = active
    return tops


def _cut_candidates(rows: dict[int, list[Key]], rank: dict[Key, int],
                    inputs: Mapping[Key, Sequence[Key]]) -> list[int]:
    """Ranks after which the drawing may wrap: one box, and every edge crossing below it
    starts at that box (so a branch or a skip connection is never split)."""
    ranks = sorted(rows)
    delta = [0] * (len(ranks) + 1)  # ranks are 0..R-1: a difference array counts crossings
    leaving: dict[Key, int] = {}
    for k, sources in inputs.items():
        for s in sources:
            if s in rank and k in rank and rank[s] < rank[k]:
                delta[rank[s]] += 1
                delta[rank[k]] -= 1
                leaving[s] = leaving.get(s, 0) + 1
    crossing, running = {}, 0
    for r in ranks:
        running += delta[r]
        crossing[r] = running
    return [r for r in ranks[:-1] if len(rows[r]) == 1 and crossing[r] == leaving.get(rows[r][0], 0)]


def _columns(rows, tops, cuts, count, centre, levels, size) -> tuple[list[tuple[int, int]], float, float]:
    """Split the ranks into at most `count` columns of about equal height at allowed cuts;
    returns the (first, last) rank spans and the total width and height."""
    ranks = sorted(rows)
    total = tops[ranks[-1]] + size[1]
    bottoms = [tops[r] + size[1] for r in cuts]  # cuts ascend, so do their bottoms
    spans, start, target = [], ranks[0], total / count
    for _ in range(count - 1):
        lo = bisect_left(cuts, start)
        if lo >= len(cuts):
            break
        goal = tops[start] + target
        at = min(max(bisect_left(bottoms, goal, lo), lo), len(cuts) - 1)
        if at > lo and abs(bottoms[at - 1] - goal) <= abs(bottoms[at] - goal):
            at -= 1
        end = cuts[at]
        spans.append((start, end))
        start = ranks[ranks.index(end) + 1]
    spans.append((start, ranks[-1]))
    width = height = 0.0
    for first, last in spans:
        left, right, pad, top_pad = _column_extent(rows, centre, levels, size, first, last)
        width += right - left + 2 * pad
        height = max(height, tops[last] + size[1] - tops[first] + top_pad + pad)
    return spans, width + COLUMN_GAP * (len(spans) - 1), height


def _column_extent(rows, centre, levels, size, first, last) -> tuple[float, float, float, float]:
    keys = [k for r in rows if first <= r <= last for k in rows[r]]
    left = min(centre[k] for k in keys) - size[0] / 2
    right = max(centre[k] for k in keys) + size[0] / 2
    depth = max((len(levels[k]) for k in keys), default=0)
    top_levels = _frame_levels(p for k in rows[first] for p in levels[k])
    return left, right, FRAME_PAD * depth, (FRAME_PAD + FRAME_HEADER) * top_levels


def _place(rows, tops, centre, levels, size, spans) -> Placement:
    positions, columns = {}, {}
    x0 = height = 0.0
    for column, (first, last) in enumerate(spans):
        left, right, pad, top_pad = _column_extent(rows, centre, levels, size, first, last)
        for r in (r for r in rows if first <= r <= last):
            for k in rows[r]:
                positions[k] = (x0 + pad + centre[k] - size[0] / 2 - left, tops[r] - tops[first] + top_pad)
                columns[k] = column
        height = max(height, tops[last] + size[1] - tops[first] + top_pad + pad)
        x0 += right - left + 2 * pad + COLUMN_GAP
    return Placement(positions, columns, max(0.0, x0 - COLUMN_GAP), height)


# -- graphs ---------------------------------------------------------------------------------------
def layout(graph: Graph, area: tuple[float, float] = AREA) -> dict[str, tuple[float, float]]:
    """Positions (top-left corners) for every node, every block expanded."""
    placement = folded_layout(graph, (), area)
    return {key[1]: pos for key, pos in placement.positions.items()}


def folded_layout(graph: Graph, collapsed: Iterable[str], area: tuple[float, float] = AREA) -> Placement:
    """Positions for the units of the graph with `collapsed` blocks folded into one card each."""
    return place_folded(graph, fold(graph, collapsed), area)


def place_folded(graph: Graph, folded: Folded, area: tuple[float, float] = AREA) -> Placement:
    """Positions for the units of an already folded graph (`engine.blocks.fold`)."""
    nodes = graph.nodes
    blocks = {u: (parent_of(u[1]) if u[0] == BLOCK else nodes[u[1]].block) for u in folded.units}
    if not folded.units:
        return Placement({}, {}, 0.0, 0.0)
    return arrange(folded.units, folded.inputs, blocks, area)


def legible_depth(graph: Graph, width: float, height: float, zoom: float = LEGIBLE_ZOOM) -> int:
    """The deepest fold depth ("expand to depth N") whose layout fits width × height at `zoom`
    or more; 0 when even the folded network does not. The tree's max depth means all expanded."""
    tree: BlockTree = block_tree(graph)
    for depth in range(tree.max_depth + 1):
        placement = folded_layout(graph, collapsed_beyond(tree, depth), (width, height))
        if placement.fit_scale(width, height) < zoom:
            return max(0, depth - 1)
    return tree.max_depth


def apply_layout(graph: Graph, area: tuple[float, float] = AREA) -> None:
    for node_id, pos in layout(graph, area).items():
        graph.set_pos(node_id, pos)


# -- frames -----------------------------------------------------------------------------------------
def frames(rects: Mapping[Key, Rect], blocks: Mapping[Key, str],
           columns: Mapping[Key, int] | None = None) -> list[tuple[str, Rect]]:
    """The frame of every expanded block around its boxes (`rects`), padded around nested frames;
    a block whose boxes lie in several columns (`columns`, else found from the gaps between
    them) gets one frame per column. Deepest first."""
    columns = columns if columns is not None else split_columns(rects)
    groups: dict[tuple[str, int], Rect] = {}
    for key, rect in rects.items():
        for path in lineage(blocks.get(key, "")):
            at = (path, columns.get(key, 0))
            groups[at] = _union(groups[at], rect) if at in groups else rect
    result: list[tuple[str, Rect]] = []
    for path, column in sorted(groups, key=lambda pc: (-depth_of(pc[0]), pc[1], pc[0])):
        rect = groups[(path, column)]
        padded = (rect[0] - FRAME_PAD, rect[1] - FRAME_PAD - FRAME_HEADER, rect[2] + FRAME_PAD, rect[3] + FRAME_PAD)
        result.append((path, padded))
        parent = (parent_of(path), column)
        if parent[0]:
            groups[parent] = _union(groups[parent], padded)
    return result


def split_columns(rects: Mapping[Key, Rect]) -> dict[Key, int]:
    """Columns of a drawing: boxes separated by a vertical gap of most of a column gap."""
    columns: dict[Key, int] = {}
    column, right = -1, None
    for key, rect in sorted(rects.items(), key=lambda kr: kr[1][0]):
        if right is None or rect[0] - right >= COLUMN_GAP * 0.9:
            column += 1
            right = rect[2]
        right = max(right, rect[2])
        columns[key] = column
    return columns


def _union(a: Rect, b: Rect) -> Rect:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


