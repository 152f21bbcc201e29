"""The network a run trained: its snapshot (the file's "network" section) and a fingerprint.

The fingerprint hashes what decides the trained weights (layer ids, types, parameters,
blocks and the ordered connections) and leaves out where the boxes sit on the canvas, so
moving a layer keeps it and any structural or parameter edit changes it. Torch-free.
Must not import Qt.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from engine.graph import Graph
from engine.serialize import graph_to_dict


def snapshot(graph: Graph) -> dict[str, Any]:
    """The graph as it is saved in files: small, and enough to rebuild it."""
    return graph_to_dict(graph)


def fingerprint(network: Graph | Mapping[str, Any]) -> str:
    """A short hash of the architecture; equal for graphs that differ only in layout."""
    data = snapshot(network) if isinstance(network, Graph) else network
    nodes = sorted(([n.get("id"), n.get("layer"), n.get("params", {}), n.get("block", "")]
                    for n in data.get("nodes", ())), key=lambda entry: str(entry[0]))
    text = json.dumps({"nodes": nodes, "edges": list(data.get("edges", ()))}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
