"""Fragments: a selection of nodes and the edges between them, for copy and paste.

A fragment is plain JSON-able data in the file format's node and edge entries
(`engine.serialize`), so pasting validates exactly as opening a file does: whatever
another program puts on the clipboard is refused unless it is a well-formed fragment of
known layers. Pasting renames ids that are taken, and renames a block copied whole when the
graph already has one of that name, so a pasted block never merges into the original.
Must not import Qt.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

from .blocks import block_paths, free_path, lineage
from .graph import Edge, Graph, Node, valid_block_path, valid_node_id
from .serialize import ProjectError, node_from_dict, node_to_dict

MAX_FRAGMENT_BYTES = 16 * 2**20  # a clipboard holding more than this is not ours


def fragment(graph: Graph, node_ids: Iterable[str]) -> dict[str, Any]:
    """The chosen nodes (in the given order), the edges among them and the blocks copied
    whole (every member chosen)."""
    ids = [n for n in node_ids if n in graph]
    chosen = set(ids)
    edges = [[src, n] for n in ids for src in graph.inputs_of(n) if src in chosen]
    sizes: dict[str, int] = {}
    for node in graph.nodes.values():
        for path in lineage(node.block):
            sizes[path] = sizes.get(path, 0) + (1 if node.id in chosen else 1_000_000)
    whole = sorted(p for p, n in sizes.items() if n < 1_000_000)
    return {"nodes": [node_to_dict(graph.node(n)) for n in ids], "edges": edges, "blocks": whole}


def blocks_of(raw: Any) -> tuple[str, ...]:
    """The blocks a fragment holds whole (its "blocks" entry), valid paths only."""
    found = raw.get("blocks", []) if isinstance(raw, dict) else []
    if not isinstance(found, list):
        return ()
    return tuple(p for p in found if isinstance(p, str) and p and valid_block_path(p))


def encode(frag: dict[str, Any]) -> bytes:
    return json.dumps(frag).encode("utf-8")


def decode(data: bytes) -> dict[str, Any] | None:
    """An encoded fragment back as data, if it parses as one (see `parse`); None otherwise."""
    if len(data) > MAX_FRAGMENT_BYTES:
        return None
    try:
        raw = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return raw if parse(raw) is not None else None


def parse(raw: Any) -> tuple[list[Node], list[Edge]] | None:
    """The nodes and edges of a fragment, validated like a file's; None for anything else."""
    try:
        nodes = [node_from_dict(item) for item in raw["nodes"]]
        ids = {n.id for n in nodes}
        edges = [Edge(s, d) for s, d in raw.get("edges", [])
                 if isinstance(s, str) and isinstance(d, str) and s in ids and d in ids and s != d]
    except (ValueError, TypeError, KeyError, AttributeError, ProjectError):
        return None
    return (nodes, edges) if nodes and len(ids) == len(nodes) else None


def instantiate(graph: Graph, nodes: list[Node], edges: list[Edge], offset: tuple[float, float],
                blocks: Iterable[str] = ()) -> tuple[list[Node], list[Edge]]:
    """Copies to add to `graph`: ids made unique there, positions shifted by `offset`, and each
    block copied whole (`blocks`) renamed if `graph` has a block of that name."""
    taken = set(graph.nodes)
    rename: dict[str, str] = {}
    moved = _block_renames(graph, nodes, set(blocks))
    copies = []
    for node in nodes:
        new_id = _free_id(node.id, node.layer, taken)
        rename[node.id] = new_id
        taken.add(new_id)
        pos = (node.pos[0] + offset[0], node.pos[1] + offset[1])
        copies.append(Node(new_id, node.layer, dict(node.params), pos, _renamed(node.block, moved), node.frozen))
    return copies, list(dict.fromkeys(Edge(rename[e.src], rename[e.dst]) for e in edges))


def _block_renames(graph: Graph, nodes: list[Node], whole: set[str]) -> dict[str, str]:
    """Outermost whole blocks -> a free path each (`layer1.0` -> `layer1.0_2` when taken)."""
    taken = block_paths(graph)
    moved: dict[str, str] = {}
    for node in nodes:
        root = next((p for p in lineage(node.block) if p in whole), None)
        if root is not None and root not in moved:
            moved[root] = free_path(root, taken)
            taken.add(moved[root])
    return moved


def _renamed(block: str, moved: dict[str, str]) -> str:
    for root, new in moved.items():
        if block == root or block.startswith(root + "."):
            result = new + block[len(root):]
            return result if valid_block_path(result) else block
    return block


def centre_of(nodes: list[Node]) -> tuple[float, float]:
    xs = [n.pos[0] for n in nodes] or [0.0]
    ys = [n.pos[1] for n in nodes] or [0.0]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _free_id(wanted: str, layer: str, taken: set[str]) -> str:
    if wanted not in taken and valid_node_id(wanted):
        return wanted
    base = re.sub(r"_\d+$", "", wanted) if valid_node_id(wanted) else layer
    n = 2
    while f"{base}_{n}" in taken or not valid_node_id(f"{base}_{n}"):
        n += 1
    return f"{base}_{n}"
