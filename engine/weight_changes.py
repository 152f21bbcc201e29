"""What changed in a network since its weights were trained, in words, layer by layer (the Draw
view's note under a stale network). Must not import Qt.
"""
from __future__ import annotations

from typing import Any, Mapping

from .graph import Graph


def weight_changes(graph: Graph, weights: Mapping[str, Any], limit: int = 3) -> list[str]:
    """What changed in the network since `weights` were trained, layer by layer, in words:
    "conv1's weight is 8×1×5×5 now (6×1×5×5 when trained)", 'fc4 is new', 'fc3 was removed'
    (at most `limit`, then how many more). Empty when they fit, or when the network has errors."""
    from .builder import BuildError, expected_state

    try:
        expected = {k: shape for k, (shape, _) in expected_state(graph).items()}
    except BuildError:
        return []
    found = {k: tuple(v.shape) for k, v in weights.items()}
    layers = dict.fromkeys(k.split(".")[0] for k in [*expected, *found])
    notes = []
    for layer in layers:
        mine = {k: v for k, v in expected.items() if k.split(".")[0] == layer}
        theirs = {k: v for k, v in found.items() if k.split(".")[0] == layer}
        if not theirs:
            notes.append(f"{layer} is new")
        elif not mine:
            notes.append(f"{layer} was removed")
        elif mine != theirs:
            key = next((k for k in mine if theirs.get(k) != mine[k]), next(iter(mine)))
            was = "×".join(map(str, theirs[key])) if key in theirs else "none"
            notes.append(f"{layer}'s {key.split('.', 1)[-1]} is {'×'.join(map(str, mine[key]))} now "
                         f"({was} when trained)")
    if len(notes) > limit:
        notes = notes[:limit] + [f"{len(notes) - limit} more"]
    return notes
