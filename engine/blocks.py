"""Blocks: named, nested groups of nodes ("layer2.1" lies inside "layer2"), derived from the graph.

A block exists through its members: every `Node` carries the dotted path of its block
(`engine.graph`). This module owns what follows from those paths: the block tree in
reading order, which unit (a node, or a collapsed block) stands for a node when some
blocks are folded, the folded graph between those units, finding layers and blocks by
text, and *plans* for grouping, ungrouping, renaming and moving nodes between blocks.
A plan is `{node_id: new block path}`; callers apply it (the GUI as one undo command).
Walks are O((N + E) · nesting depth) and memoized per graph revision.
Must not import Qt or torch.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from .catalog import CATALOG
from .graph import Edge, Graph, valid_block_path

NODE, BLOCK = "node", "block"
Unit = tuple[str, str]  # (NODE, node id) or (BLOCK, block path): ids and paths may coincide


class BlockError(ValueError):
    """A block edit that cannot be made; the message is for the user."""


# -- paths ---------------------------------------------------------------------------------
def parent_of(path: str) -> str:
    return path.rpartition(".")[0]


def name_of(path: str) -> str:
    return path.rpartition(".")[2]


def depth_of(path: str) -> int:
    """0 for the top level, 1 for "layer2", 2 for "layer2.1"."""
    return 0 if not path else path.count(".") + 1


def join(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def is_within(path: str, block: str) -> bool:
    """True if `path` is `block` or lies inside it ("" contains everything)."""
    return not block or path == block or path.startswith(block + ".")


def lineage(path: str) -> list[str]:
    """The blocks a path lies in, outermost first, itself last: "a.b" -> ["a", "a.b"]."""
    return list(_lineage(path))


@lru_cache(maxsize=4096)
def _lineage(path: str) -> tuple[str, ...]:
    parts = path.split(".") if path else []
    return tuple(".".join(parts[:i]) for i in range(1, len(parts) + 1))


def cut(path: str, depth: int) -> str:
    """The ancestor of `path` at `depth` (the path itself when it is shallower)."""
    return ".".join(path.split(".")[:depth]) if depth_of(path) > depth else path


# -- the tree --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BlockTree:
    """Every block of a graph with its members, in reading (topological) order."""
    order: tuple[str, ...]                     # node ids, topological, nodes in loops last
    paths: tuple[str, ...]                     # every block, by its first member's position
    members: dict[str, tuple[str, ...]]        # block -> node ids inside it at any depth
    children: dict[str, tuple[Unit, ...]]      # block ("" = the network) -> direct nodes and blocks

    def __contains__(self, path: object) -> bool:
        return path in self.members

    @property
    def max_depth(self) -> int:
        return max((depth_of(p) for p in self.paths), default=0)


_TREES: "weakref.WeakKeyDictionary[Graph, tuple[int, BlockTree]]" = weakref.WeakKeyDictionary()


def block_tree(graph: Graph) -> BlockTree:
    """The graph's blocks; recomputed only when its structure changed (not on parameter edits)."""
    hit = _TREES.get(graph)
    if hit is not None and hit[0] == graph.structure_revision:
        return hit[1]
    tree = _build_tree(graph)
    _TREES[graph] = (graph.structure_revision, tree)
    return tree


def _build_tree(graph: Graph) -> BlockTree:
    order, cyclic = graph.topological_order()
    order = order + [n for n in graph.nodes if n in cyclic]
    nodes = graph.nodes
    members: dict[str, list[str]] = {}
    children: dict[str, list[Unit]] = {"": []}
    for node_id in order:
        path = nodes[node_id].block
        for block in _lineage(path):
            if block not in members:
                members[block] = []
                children.setdefault(parent_of(block), []).append((BLOCK, block))
                children[block] = []
            members[block].append(node_id)
        children[path].append((NODE, node_id))
    return BlockTree(tuple(order), tuple(members), {k: tuple(v) for k, v in members.items()},
                     {k: tuple(v) for k, v in children.items()})


def block_paths(graph: Graph) -> set[str]:
    return set(block_tree(graph).members)


def collapsed_beyond(tree: BlockTree, depth: int) -> frozenset[str]:
    """The fold state "expand to depth N": blocks deeper than N are collapsed (0 = all folded)."""
    return frozenset(p for p in tree.paths if depth_of(p) > depth)


# -- folding -----------------------------------------------------------------------------------
def unit_of(graph: Graph, node_id: str, collapsed: Iterable[str]) -> Unit:
    """What stands for a node on a folded canvas: its outermost collapsed block, or itself."""
    folded = collapsed if isinstance(collapsed, (set, frozenset)) else set(collapsed)
    for block in lineage(graph.node(node_id).block):
        if block in folded:
            return (BLOCK, block)
    return (NODE, node_id)


@dataclass(frozen=True)
class Folded:
    """The graph as seen with some blocks collapsed: units and the edges between them."""
    units: tuple[Unit, ...]                          # in reading order
    unit_of: dict[str, Unit]                         # node id -> the unit showing it
    inputs: dict[Unit, tuple[Unit, ...]]             # unit -> its source units, first-seen order
    edges: dict[tuple[Unit, Unit], tuple[Edge, ...]]  # visible edge -> the graph edges it stands for


_FOLDS: "weakref.WeakKeyDictionary[Graph, tuple[int, frozenset[str], Folded]]" = weakref.WeakKeyDictionary()


def fold(graph: Graph, collapsed: Iterable[str]) -> Folded:
    """Contract every collapsed block (the outermost ones) into one unit. O(N + E); the last
    result per graph is memoized for its revision (read it, never mutate it)."""
    tree = block_tree(graph)
    folded = frozenset(collapsed) & frozenset(tree.members)
    hit = _FOLDS.get(graph)
    if hit is not None and hit[0] == graph.revision and hit[1] == folded:
        return hit[2]
    result = _fold(graph, tree, folded)
    _FOLDS[graph] = (graph.revision, folded, result)
    return result


def _fold(graph: Graph, tree: BlockTree, folded: frozenset[str]) -> Folded:
    nodes = graph.nodes
    owner: dict[str, Unit] = {}
    units: list[Unit] = []
    seen: set[Unit] = set()
    for node_id in tree.order:
        unit = next(((BLOCK, b) for b in _lineage(nodes[node_id].block) if b in folded), (NODE, node_id))
        owner[node_id] = unit
        if unit not in seen:
            seen.add(unit)
            units.append(unit)
    edges: dict[tuple[Unit, Unit], list[Edge]] = {}
    inputs: dict[Unit, list[Unit]] = {u: [] for u in units}
    for dst, sources in graph.input_map().items():
        for src in sources:
            pair = (owner[src], owner[dst])
            if pair[0] == pair[1]:
                continue
            if pair not in edges:
                edges[pair] = []
                inputs[pair[1]].append(pair[0])
            edges[pair].append(Edge(src, dst))
    return Folded(tuple(units), owner, {u: tuple(v) for u, v in inputs.items()},
                  {k: tuple(v) for k, v in edges.items()})


# -- plans ---------------------------------------------------------------------------------------
_NAME_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def check_name(name: str) -> str:
    """A block name (one path component), stripped; raises BlockError saying what is allowed."""
    name = name.strip().replace(" ", "_")
    if not _NAME_RE.match(name):
        raise BlockError(f"{name!r} is not a valid block name: use letters, digits and _ (up to 64)")
    return name


def common_block(paths: Iterable[str]) -> str:
    """The deepest block containing every path ("" when they share none)."""
    parts: list[str] | None = None
    for path in paths:
        mine = path.split(".") if path else []
        if parts is None:
            parts = mine
            continue
        n = 0
        while n < min(len(parts), len(mine)) and parts[n] == mine[n]:
            n += 1
        parts = parts[:n]
    return ".".join(parts or [])


def group_plan(graph: Graph, node_ids: Iterable[str], name: str) -> dict[str, str]:
    """Put the nodes into a new block `name`, created inside their deepest common block;
    blocks they were in below that level move along inside the new one."""
    ids = [n for n in dict.fromkeys(node_ids) if n in graph]
    if not ids:
        raise BlockError("select the layers to group first")
    name = check_name(name)
    nodes = graph.nodes
    parent = common_block(nodes[n].block for n in ids)
    new = join(parent, name)
    _check_free(graph, new)
    plan = {}
    for node_id in ids:
        rest = nodes[node_id].block[len(parent):].lstrip(".")
        plan[node_id] = join(new, rest) if rest else new
    return _checked(plan)


def ungroup_plan(graph: Graph, path: str) -> dict[str, str]:
    """Dissolve block `path`: its members (and sub-blocks) move up into its parent."""
    tree = block_tree(graph)
    if path not in tree:
        raise BlockError(f"there is no block {path!r}")
    parent, nodes = parent_of(path), graph.nodes
    plan = {}
    for node_id in tree.members[path]:
        rest = nodes[node_id].block[len(path):].lstrip(".")
        plan[node_id] = join(parent, rest) if rest else parent
    return _checked(plan)


def rename_plan(graph: Graph, path: str, name: str) -> dict[str, str]:
    """Rename block `path` (its last component) to `name`; sub-blocks follow."""
    tree = block_tree(graph)
    if path not in tree:
        raise BlockError(f"there is no block {path!r}")
    new = join(parent_of(path), check_name(name))
    if new == path:
        return {}
    _check_free(graph, new)
    nodes = graph.nodes
    return _checked({n: new + nodes[n].block[len(path):] for n in tree.members[path]})


def move_plan(graph: Graph, node_ids: Iterable[str], block: str) -> dict[str, str]:
    """Move the nodes into `block` ("" = the top level)."""
    if not valid_block_path(block):
        raise BlockError(f"{block!r} is not a valid block path")
    return {n: block for n in node_ids if n in graph and graph.node(n).block != block}


def _check_free(graph: Graph, path: str) -> None:
    if path in block_tree(graph):
        raise BlockError(f"a block named {path!r} already exists — choose another name")
    if depth_of(path) > 16:
        raise BlockError("blocks nest at most 16 deep")


def _checked(plan: dict[str, str]) -> dict[str, str]:
    bad = [p for p in plan.values() if not valid_block_path(p)]
    if bad:
        raise BlockError(f"{bad[0]!r} would not be a valid block path (at most 16 levels of 64 characters)")
    return plan


def free_path(wanted: str, taken: set[str]) -> str:
    """`wanted`, or its last component with _2, _3, ... appended, whichever is not taken."""
    if wanted not in taken:
        return wanted
    base = re.sub(r"_\d+$", "", name_of(wanted)) or "block"
    n = 2
    while join(parent_of(wanted), f"{base}_{n}") in taken:
        n += 1
    return join(parent_of(wanted), f"{base}_{n}")


# -- finding ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    unit: Unit
    label: str   # what to show in a list of results: "conv1 · Conv 2D" or "layer2.1 · block"


def find(graph: Graph, query: str, limit: int = 200) -> list[Match]:
    """Layers (by id, type id or type name) and blocks (by path) matching `query`, best first:
    exact names, then names that start with it, then names that contain it; each group in
    reading order. Dots and underscores are one separator: `layer3.20.conv2` finds the layer
    `layer3_20_conv2` (in block `layer3.20`), and `layer3_20` finds that block."""
    text = _spelling(query.strip().lower())
    if not text:
        return []
    tree = block_tree(graph)
    nodes = graph.nodes
    scored: list[tuple[int, int, Match]] = []
    for i, path in enumerate(tree.paths):
        score = _score(text, (_spelling(path.lower()), _spelling(name_of(path).lower())))
        if score is not None:
            scored.append((score, i, Match((BLOCK, path), f"{path} · block of {len(tree.members[path])}")))
    for i, node_id in enumerate(tree.order):
        spec = CATALOG.get(nodes[node_id].layer)
        block = nodes[node_id].block
        path = _spelling(f"{block}.{node_id}".lower()) if block else ""  # a path however the id is spelled
        score = _score(text, (_spelling(node_id.lower()), spec.id, spec.name.lower(), path))
        if score is not None:
            scored.append((score, len(tree.paths) + i, Match((NODE, node_id), f"{node_id} · {spec.name}")))
    scored.sort(key=lambda s: (s[0], s[1]))
    return [m for _, _, m in scored[:limit]]


def _spelling(name: str) -> str:
    """Blocks are named with dots (`layer3.20`), layers with underscores (`layer3_20_conv2`)."""
    return name.replace(".", "_")


def _score(text: str, names: tuple[str, ...]) -> int | None:
    if text in names:
        return 0
    if any(n.startswith(text) for n in names):
        return 1
    if any(text in n for n in names):
        return 2
    return None
