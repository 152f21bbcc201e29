"""Copy and paste of node fragments within the app, as JSON in a custom MIME type.

A fragment is the selected nodes (layer, raw params, position) and the edges between
them. Pasting renames ids that are taken. Must not mutate the document.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

from PySide6.QtCore import QMimeData

from engine.graph import Edge, Graph, Node, valid_node_id

NODES_MIME = "application/x-netwright-nodes"


def fragment(graph: Graph, node_ids: Iterable[str]) -> dict[str, Any]:
    ids = [n for n in node_ids if n in graph]
    chosen = set(ids)
    nodes = [graph.node(n) for n in ids]
    return {
        "nodes": [{"id": n.id, "layer": n.layer, "params": _plain(n.params), "pos": list(n.pos)} for n in nodes],
        "edges": [[e.src, e.dst] for e in graph.edges if e.src in chosen and e.dst in chosen],
    }


def to_mime(frag: dict[str, Any]) -> QMimeData:
    mime = QMimeData()
    mime.setData(NODES_MIME, json.dumps(frag).encode("utf-8"))
    return mime


def from_mime(mime: QMimeData | None) -> dict[str, Any] | None:
    if mime is None or not mime.hasFormat(NODES_MIME):
        return None
    try:
        data = json.loads(bytes(mime.data(NODES_MIME)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("nodes"), list) else None


def instantiate(graph: Graph, frag: dict[str, Any], offset: tuple[float, float]) -> tuple[list[Node], list[Edge]]:
    """Nodes and edges to add: ids made unique in `graph`, positions shifted by `offset`."""
    taken = set(graph.nodes)
    rename: dict[str, str] = {}
    nodes = []
    for item in frag["nodes"]:
        new_id = _free_id(str(item["id"]), str(item["layer"]), taken)
        rename[item["id"]] = new_id
        taken.add(new_id)
        x, y = item.get("pos", (0.0, 0.0))
        nodes.append(Node(new_id, item["layer"], dict(item.get("params", {})),
                          (float(x) + offset[0], float(y) + offset[1])))
    edges = [Edge(rename[s], rename[d]) for s, d in frag.get("edges", []) if s in rename and d in rename]
    return nodes, edges


def centre_of(frag: dict[str, Any]) -> tuple[float, float]:
    xs = [float(n["pos"][0]) for n in frag["nodes"]] or [0.0]
    ys = [float(n["pos"][1]) for n in frag["nodes"]] or [0.0]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _free_id(wanted: str, layer: str, taken: set[str]) -> str:
    if wanted not in taken and valid_node_id(wanted):
        return wanted
    base = re.sub(r"_\d+$", "", wanted) if valid_node_id(wanted) else layer
    n = 2
    while f"{base}_{n}" in taken or not valid_node_id(f"{base}_{n}"):
        n += 1
    return f"{base}_{n}"


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
