"""Which rows the gradient-flow view shows: one per layer, or, for deep networks, one per block
with its layers folded inside (ResNet-152's 156 layers read as conv1, layer1..layer4, fc).

Blocks come from the trained network itself (the `block` path every node of a run's stored
network carries, "layer3.20" lies inside "layer3"). A folded block's value per measurement is
the gradient norm over all its layers' weights (sqrt of the sum of their squared norms: the
norm of the block's parameters, exactly) or, for update ratios, the median of its layers'.
Pure numpy; must not import widgets.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

FLAT_LIMIT = 12  # rows shown unfolded at most when a network first appears (what the tab shows at 1100 px)


@dataclass(frozen=True)
class FlowRow:
    """One row of the heat map: a layer or a block of them."""

    key: str  # the layer id, or "block:" + the block path
    label: str
    depth: int  # nesting, for the indent
    layers: tuple[int, ...]  # indices into the history's layers
    expandable: bool = False
    expanded: bool = False


@dataclass
class _Block:
    path: str
    children: list[Any] = field(default_factory=list)  # layer indices (int) and _Blocks, in network order

    def layers(self) -> tuple[int, ...]:
        return tuple(i for child in self.children
                     for i in ((child,) if isinstance(child, int) else child.layers()))


def layer_blocks(network: Mapping[str, Any] | None) -> dict[str, str]:
    """{node id: block path} of a stored network (the project file's "network" section)."""
    nodes = (network or {}).get("nodes") if isinstance(network, Mapping) else None
    if not isinstance(nodes, list):
        return {}
    return {str(n["id"]): str(n.get("block") or "") for n in nodes if isinstance(n, Mapping) and "id" in n}


def _tree(layers: Sequence[str], blocks: Mapping[str, str]) -> _Block:
    root = _Block("")
    made: dict[str, _Block] = {"": root}
    for index, layer in enumerate(layers):
        path = blocks.get(layer, "")
        parts = path.split(".") if path else []
        for depth in range(1, len(parts) + 1):
            sub = ".".join(parts[:depth])
            if sub not in made:
                made[sub] = _Block(sub)
                made[".".join(parts[:depth - 1])].children.append(made[sub])
        made[path].children.append(index)
    return root


def rows_of(layers: Sequence[str], blocks: Mapping[str, str], expanded: set[str]) -> list[FlowRow]:
    """The visible rows: layers, and blocks (unfolded when their path is in `expanded`)."""
    rows: list[FlowRow] = []

    def walk(block: _Block, depth: int) -> None:
        for child in block.children:
            if isinstance(child, int):
                rows.append(FlowRow(layers[child], layers[child], depth, (child,)))
            elif len(child.layers()) == 1:  # a block of one layer: the layer itself
                rows.append(FlowRow(layers[child.layers()[0]], layers[child.layers()[0]], depth, child.layers()))
            else:
                is_open = child.path in expanded
                rows.append(FlowRow("block:" + child.path, child.path, depth, child.layers(),
                                    True, is_open))
                if is_open:
                    walk(child, depth + 1)

    walk(_tree(layers, blocks), 0)
    return rows


def default_expanded(layers: Sequence[str], blocks: Mapping[str, str], limit: int = FLAT_LIMIT) -> set[str]:
    """Unfold blocks level by level while the rows still fit in `limit` (all, for a shallow network)."""
    expanded: set[str] = set()
    while True:
        closed = {r.key.removeprefix("block:") for r in rows_of(layers, blocks, expanded) if r.expandable
                  and not r.expanded}
        if not closed or len(rows_of(layers, blocks, expanded | closed)) > limit:
            return expanded
        expanded |= closed


def row_values(rows: Sequence[FlowRow], data: np.ndarray, measure: str) -> np.ndarray:
    """(rows, measurements) from (layers, measurements); NaN where nothing finite was measured."""
    out = np.full((len(rows), data.shape[1] if data.ndim == 2 else 0), np.nan)
    for r, row in enumerate(rows):
        part = data[list(row.layers)]
        if len(row.layers) == 1:
            out[r] = part[0]
            continue
        finite = np.isfinite(part)
        if measure == "grad_norms":  # the norm of the block's weights' gradient
            combined = np.sqrt(np.where(finite, part * part, 0.0).sum(axis=0))
        else:
            with warnings.catch_warnings():  # an all-NaN column is NaN, said below
                warnings.simplefilter("ignore", RuntimeWarning)
                combined = np.nanmedian(np.where(finite, part, np.nan), axis=0)
        out[r] = np.where(finite.any(axis=0), combined, np.nan)
    return out
