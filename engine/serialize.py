"""Graph <-> plain JSON-able dict (the "network" section of a project file).

Validates everything it reads and raises ProjectError with a message a user can act on.
Must not import Qt.
"""
from __future__ import annotations

from typing import Any

from .catalog import CATALOG
from .graph import Graph, GraphError, Node, valid_block_path


class ProjectError(Exception):
    """Anything wrong with a project file, or with saving one. The message is for the user."""


_SCALARS = (str, int, float, bool, type(None))


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    nodes = [node_to_dict(n) for n in graph.nodes.values()]
    return {"nodes": nodes, "edges": [[e.src, e.dst] for e in graph.edges]}


def node_to_dict(node: Node) -> dict[str, Any]:
    """A node as it is written in files and fragments."""
    entry = {"id": node.id, "layer": node.layer, "params": _plain(node.params),
             "pos": [round(node.pos[0], 1), round(node.pos[1], 1)]}
    if node.block:
        entry["block"] = node.block
    return entry


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def graph_from_dict(data: Any) -> Graph:
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) or not isinstance(data.get("edges"), list):
        raise ProjectError("the network section is damaged: it needs a list of nodes and a list of edges")
    graph = Graph()
    for raw in data["nodes"]:
        graph_insert(graph, node_from_dict(raw))
    for raw in data["edges"]:
        if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, str) for x in raw)):
            raise ProjectError(f"the network has a damaged connection entry: {str(raw)[:60]}")
        try:
            graph.connect(raw[0], raw[1])
        except GraphError as exc:
            raise ProjectError(f"the network has a bad connection {raw[0]} → {raw[1]}: {exc}") from None
    return graph


def graph_insert(graph: Graph, node: Node) -> None:
    try:
        graph.insert_node(node)
    except GraphError as exc:
        raise ProjectError(f"the network has a bad node: {exc}") from None


def node_from_dict(raw: Any) -> Node:
    """A node from its file form, validated (raises ProjectError saying what is wrong)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("layer"), str):
        raise ProjectError(f"the network has a damaged node entry: {str(raw)[:60]}")
    if raw["layer"] not in CATALOG:
        raise ProjectError(f"node {raw['id']!r} uses an unknown layer type {raw['layer']!r} — the file was "
                           "made by a newer Netwright or is damaged")
    params = raw.get("params", {})
    if not isinstance(params, dict) or not all(_is_plain(v) for v in params.values()):
        raise ProjectError(f"node {raw['id']!r} has damaged parameters")
    pos = raw.get("pos", [0, 0])
    if not (isinstance(pos, list) and len(pos) == 2 and all(isinstance(v, (int, float)) for v in pos)):
        raise ProjectError(f"node {raw['id']!r} has a damaged position")
    block = raw.get("block", "")
    if not isinstance(block, str) or not valid_block_path(block):
        raise ProjectError(f"node {raw['id']!r} has a damaged block name")
    return Node(raw["id"], raw["layer"], dict(params), (float(pos[0]), float(pos[1])), block)


def _is_plain(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(v, _SCALARS) for v in value)
    return isinstance(value, _SCALARS)
