"""Block totals: each block's input and output shape (from the edges crossing its boundary),
parameters, MACs, layer count and the errors inside it, as immutable rows beside the
analysis's `NodeRow`s; and the rows of a network cut at a block depth (torchinfo's `depth`).

One O((N + E) · nesting depth) pass over an `Analysis`, memoized per (graph revision,
analysis). Formatting lives elsewhere. Must not import Qt; imports torch only through the
analysis it is handed (never at import time).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from .blocks import BlockTree, block_tree, cut, depth_of, lineage, name_of, parent_of
from .catalog import Shape
from .graph import Graph

if TYPE_CHECKING:
    from .analysis import Analysis, NodeRow


@dataclass(frozen=True)
class BlockRow:
    path: str                                  # "" is the whole network
    layers: int                                # member nodes, at any depth
    input_shapes: tuple[Shape, ...] = ()       # what flows in across the boundary
    output_shapes: tuple[Shape, ...] = ()      # what flows out (or leaves the network)
    params: int = 0
    trainable_params: int = 0
    macs: int = 0
    errors: tuple[tuple[str, str], ...] = ()   # (node id, message) of members with an error
    blocked: int = 0                           # members waiting on an error upstream
    first: str = ""                            # first member in reading order

    @property
    def name(self) -> str:
        return name_of(self.path)

    @property
    def parent(self) -> str:
        return parent_of(self.path)

    @property
    def depth(self) -> int:
        return depth_of(self.path)

    @property
    def output_shape(self) -> Shape | None:
        """The one shape leaving the block (None when several differ, or on errors)."""
        shapes = set(self.output_shapes)
        return self.output_shapes[0] if len(shapes) == 1 and not self.errors else None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.blocked


@dataclass
class _Acc:
    layers: int = 0
    params: int = 0
    trainable: int = 0
    macs: int = 0
    blocked: int = 0
    first: str = ""

    def __post_init__(self) -> None:
        self.errors: list[tuple[str, str]] = []


@dataclass(frozen=True)
class _Boundary:
    """What depends on the structure only (reused across parameter edits)."""
    lineages: dict[str, tuple[str, ...]]   # node -> "" and every block it lies in
    ins: dict[str, tuple[str, ...]]        # block -> nodes whose output enters it
    outs: dict[str, tuple[str, ...]]       # block -> its nodes whose output leaves it


_MEMO: "weakref.WeakKeyDictionary[Graph, tuple[int, int, dict[str, BlockRow]]]" = weakref.WeakKeyDictionary()
_BOUNDARIES: "weakref.WeakKeyDictionary[Graph, tuple[int, _Boundary]]" = weakref.WeakKeyDictionary()


def analyze_blocks(graph: Graph, analysis: "Analysis") -> dict[str, BlockRow]:
    """A BlockRow for every block of `graph` and for the whole network (path "")."""
    hit = _MEMO.get(graph)
    if hit is not None and hit[0] == graph.revision and hit[1] == id(analysis):
        return hit[2]
    rows = _compute(graph, analysis, block_tree(graph), _boundary(graph))
    _MEMO[graph] = (graph.revision, id(analysis), rows)
    return rows


def _boundary(graph: Graph) -> _Boundary:
    hit = _BOUNDARIES.get(graph)
    if hit is not None and hit[0] == graph.structure_revision:
        return hit[1]
    nodes = graph.nodes
    lineages = {n: ("", *lineage(node.block)) for n, node in nodes.items()}
    ins: dict[str, dict[str, None]] = {}
    outs: dict[str, dict[str, None]] = {}
    for node_id, node in nodes.items():
        if node.layer == "input":
            for path in lineages[node_id]:
                ins.setdefault(path, {})[node_id] = None
    for dst, sources in graph.input_map().items():
        inner = lineages[dst]
        for src in sources:
            outer = lineages[src]
            n = _shared(inner, outer)
            for path in inner[n:]:
                ins.setdefault(path, {})[src] = None
            for path in outer[n:]:
                outs.setdefault(path, {})[src] = None
    for node_id in graph.sinks():
        if nodes[node_id].layer != "input":
            for path in lineages[node_id]:
                outs.setdefault(path, {})[node_id] = None
    boundary = _Boundary(lineages, {p: tuple(v) for p, v in ins.items()}, {p: tuple(v) for p, v in outs.items()})
    _BOUNDARIES[graph] = (graph.structure_revision, boundary)
    return boundary


def _compute(graph: Graph, analysis: "Analysis", tree: BlockTree, boundary: _Boundary) -> dict[str, BlockRow]:
    by_id = analysis.by_id
    acc = {path: _Acc() for path in ("", *tree.paths)}
    for node_id in tree.order:
        row = by_id.get(node_id)
        for path in boundary.lineages[node_id]:
            _add_member(acc[path], node_id, row)
    return {path: _row(path, a, by_id, boundary) for path, a in acc.items()}


def _add_member(a: _Acc, node_id: str, row: "NodeRow | None") -> None:
    a.layers += 1
    a.first = a.first or node_id
    if row is None:
        return
    a.params += row.params
    a.trainable += row.trainable_params
    a.macs += row.macs
    a.blocked += row.blocked
    if row.error:
        a.errors.append((node_id, row.error))


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _row(path: str, a: _Acc, by_id: dict, boundary: _Boundary) -> BlockRow:
    def shapes(ids: tuple[str, ...]) -> tuple[Shape, ...]:
        found = (by_id[n].output_shape for n in ids if n in by_id)
        return tuple(dict.fromkeys(s for s in found if s is not None))
    return BlockRow(path, a.layers, shapes(boundary.ins.get(path, ())), shapes(boundary.outs.get(path, ())),
                    a.params, a.trainable, a.macs, tuple(a.errors), a.blocked, a.first)


# -- rows at a depth ------------------------------------------------------------------------------
DepthRow = Union["NodeRow", BlockRow]


def rows_at_depth(graph: Graph, analysis: "Analysis", depth: int | None) -> list[DepthRow]:
    """The network's rows down to block depth `depth`, like torchinfo's `depth`: 0 is one row
    for the whole network, 1 the top-level blocks and layers, ...; None is every layer.
    A node inside a block at `depth` or deeper is summed into that block's row, which sits
    where the block's first member would."""
    if depth is None:
        return list(analysis.rows)
    blocks = analyze_blocks(graph, analysis)
    nodes, out, placed = graph.nodes, [], set()
    for row in analysis.rows:
        path = nodes[row.node_id].block if row.node_id in nodes else ""
        if depth_of(path) < depth:
            out.append(row)
            continue
        block = cut(path, depth) if depth else ""
        if block not in placed:
            placed.add(block)
            out.append(blocks[block])
    return out
