"""Graph <-> plain JSON-able dict (the "network" section of a project file).

Validates everything it reads and raises ProjectError with a message a user can act on.
The graph decides what a parameter may hold (engine.graph.check_params); this module
writes exactly that, so a value the graph accepted always opens again, with any problem
shown on its node by the analysis. Counts are checked before anything is built.
Must not import Qt or torch.
"""
from __future__ import annotations

import math
from typing import Any

from .catalog import CATALOG
from .graph import MAX_EDGES, MAX_NODES, Graph, GraphError, Node, clamp_pos, valid_block_path


class ProjectError(Exception):
    """Anything wrong with a project file, or with saving one. The message is for the user."""


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    nodes = [node_to_dict(n) for n in graph.nodes.values()]
    return {"nodes": nodes, "edges": [[e.src, e.dst] for e in graph.edges]}


def node_to_dict(node: Node) -> dict[str, Any]:
    """A node as it is written in files and fragments."""
    entry = {"id": node.id, "layer": node.layer, "params": _plain(node.params),
             "pos": [round(node.pos[0], 1), round(node.pos[1], 1)]}
    if node.block:
        entry["block"] = node.block
    if node.frozen:
        entry["frozen"] = True
    return entry


def _plain(value: Any) -> Any:
    """JSON-able: tuples become lists; NaN and infinities become the text "nan", "inf", "-inf"
    (JSON has no such numbers), which the analysis reports on the node like the number."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def json_safe(value: Any) -> Any:
    """The training and meta sections for JSON: tuples as lists, non-finite numbers as null
    (a diverged loss in a history must not make the project unsavable)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def max_depth(value: Any, limit: int = 1000) -> int:
    """Nesting depth of lists and dicts (a scalar is 0), without recursion; stops past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def graph_from_dict(data: Any) -> Graph:
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list) or not isinstance(data.get("edges"), list):
        raise ProjectError("the network section is damaged: it needs a list of nodes and a list of edges")
    if len(data["nodes"]) > MAX_NODES or len(data["edges"]) > MAX_EDGES:
        raise ProjectError(f"the network has {len(data['nodes']):,} layers and {len(data['edges']):,} "
                           f"connections; Netwright opens at most {MAX_NODES:,} layers and "
                           f"{MAX_EDGES:,} connections")
    graph = Graph()
    for raw in data["nodes"]:
        graph_insert(graph, node_from_dict(raw))
    for raw in data["edges"]:
        if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, str) for x in raw)):
            raise ProjectError(f"the network has a damaged connection entry: {str(raw)[:60]}")
        try:
            graph.connect(raw[0], raw[1])
        except GraphError as exc:
            raise ProjectError(f"the network has a bad connection {raw[0][:60]} → {raw[1][:60]}: {exc}") from None
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
    name = repr(raw["id"][:60])
    if raw["layer"] not in CATALOG:
        raise ProjectError(f"node {name} uses an unknown layer type {raw['layer'][:60]!r} — the file was "
                           "made by a newer Netwright or is damaged")
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise ProjectError(f"node {name} has damaged parameters")
    pos = raw.get("pos", [0, 0])
    if not (isinstance(pos, list) and len(pos) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos)):
        raise ProjectError(f"node {name} has a damaged position")
    block = raw.get("block", "")
    if not isinstance(block, str) or not valid_block_path(block):
        raise ProjectError(f"node {name} has a damaged block name")
    frozen = raw.get("frozen", False)
    if not isinstance(frozen, bool):
        raise ProjectError(f"node {name} has a damaged 'frozen' flag: it must be true or false")
    return Node(raw["id"], raw["layer"], dict(params), clamp_pos(pos), block, frozen)
