"""What every lint rule reads: the graph, its analysis, the loss and class count, and a few
walks over the graph (single inputs, the layers between the last learned layer and the output).

Layer families are looked up by catalog id first and by catalog category second, so layer types
added later fall into a sensible family. Must not import Qt; torch only through engine.analysis.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..analysis import Analysis, NodeRow
from ..catalog import CATALOG, LayerError
from ..graph import Graph

LEARNED_MAPS = frozenset({"linear", "conv1d", "conv2d"})  # y = Wx + b: stacked, they collapse
# Layers that keep a map linear (or only move values): a chain through them is still linear.
LINEAR_PASS = frozenset({"dropout", "flatten", "reshape", "permute", "batchnorm1d", "batchnorm2d",
                         "avgpool2d", "adaptive_avgpool2d", "token_pool"})
SATURATING = frozenset(CATALOG.with_role("saturating"))  # roles live on the layer specs
SQUASHING_OUTPUTS = frozenset(CATALOG.with_role("squashing_output"))  # judged by the loss rules
POOL_AFTER = frozenset(CATALOG.with_role("pool_after"))  # LeNet and VGG pool after these
DOWNSAMPLERS = frozenset({"maxpool2d", "avgpool2d", "adaptive_avgpool2d", "patch_embed"})


def category(layer: str) -> str:
    return CATALOG.get(layer).category if layer in CATALOG else ""


def is_learned_map(layer: str) -> bool:
    return layer in LEARNED_MAPS or category(layer) in ("Dense", "Convolution")


def is_linear_pass(layer: str) -> bool:
    return layer in LINEAR_PASS or category(layer) == "Reshape"


def is_norm(layer: str) -> bool:
    return category(layer) == "Normalization"


def is_merge(layer: str) -> bool:
    return category(layer) == "Merge"


@dataclass
class Context:
    graph: Graph
    analysis: Analysis
    loss: str  # the training loss the network is judged against
    num_classes: int | None  # from the dataset it was trained on, when known
    data_name: str = "the data"  # that dataset's name, for messages
    _inputs: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._inputs = self.graph.input_map()

    def layer(self, node_id: str) -> str:
        return self.graph.node(node_id).layer

    def row(self, node_id: str) -> NodeRow | None:
        return self.analysis.by_id.get(node_id)

    def ok(self, node_id: str) -> bool:
        row = self.row(node_id)
        return row is not None and row.ok

    def inputs(self, node_id: str) -> list[str]:
        return self._inputs.get(node_id, [])

    def single_input(self, node_id: str) -> str | None:
        sources = self._inputs.get(node_id, [])
        return sources[0] if len(sources) == 1 else None

    def params(self, node_id: str) -> dict[str, Any] | None:
        """The node's parameters with defaults, or None when they are invalid (an error shows instead)."""
        node = self.graph.node(node_id)
        try:
            return CATALOG.get(node.layer).resolve(node.params)
        except (LayerError, KeyError):
            return None

    def walk_up(self, node_id: str, through) -> tuple[str | None, str]:
        """From `node_id`, go up single inputs while `through(layer)` holds.

        Returns (the first node that does not pass, the node just below it on the path)."""
        below, current = node_id, self.single_input(node_id)
        while current is not None and through(self.layer(current)):
            below, current = current, self.single_input(current)
        return current, below

    @property
    def sink(self) -> str | None:
        sinks = sorted(self.analysis.sinks)
        return sinks[0] if len(sinks) == 1 else None

    def output_tail(self) -> tuple[str | None, list[str]]:
        """(the last learned layer before the output, the layers after it up to the output, in order).

        The "last learned layer" is the first node above the output that holds parameters and is
        not a normalization (a linear, a convolution, a recurrent layer ...). A layer with an error
        on the way has no known parameters, so nothing is judged: (None, [])."""
        sink = self.sink
        tail: list[str] = []
        current = sink
        while current is not None:
            row = self.row(current)
            layer = self.layer(current)
            if row is None or not row.ok:
                return None, []
            if layer == "input" or (row is not None and row.params > 0 and not is_norm(layer)):
                return current, tail[::-1]
            tail.append(current)
            current = self.single_input(current)
        return None, tail[::-1]
