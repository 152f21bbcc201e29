"""Graph -> torch.nn.Module for any DAG (branches, residual adds, concats).

Submodules are registered under their node ids, so names read like the diagram
(`conv1`, `layer1_0_conv2`). Must not import Qt.
"""
from __future__ import annotations

import torch
from torch import nn

from .analysis import Analysis, analyze
from .catalog import CATALOG
from .graph import Graph


class BuildError(Exception):
    """The graph cannot become a module yet; the message lists what to fix."""


class GraphModule(nn.Module):
    """Runs the graph's layers in topological order, keeping each output only as long as needed."""

    def __init__(self, graph: Graph, analysis: Analysis | None = None) -> None:
        super().__init__()
        analysis = analysis or analyze(graph)
        require_valid(analysis)
        self.analysis = analysis  # for the pre-flight memory check when training starts
        self.input_id = graph.input_nodes()[0]
        self.output_id = next(iter(analysis.sinks))
        self.input_shape = analysis.input_shape
        self.input_dtype = analysis.row(self.input_id).dtype
        self.output_shape = analysis.output_shape
        self.plan: list[tuple[str, tuple[str, ...]]] = []
        for row in analysis.rows:
            if row.node_id == self.input_id:
                continue
            node = graph.node(row.node_id)
            spec = CATALOG.get(node.layer)
            layer = spec.build(row.input_shapes, spec.resolve(node.params))
            self.add_module(node.id, layer)
            self.plan.append((node.id, tuple(graph.inputs_of(node.id))))
            if node.frozen:
                _freeze(layer)
        self.frozen = frozenset(n.id for n in graph.nodes.values() if n.frozen)
        self._release = _last_uses(self.plan)

    def train(self, mode: bool = True) -> "GraphModule":
        """Train mode for every layer but the frozen ones, which stay in eval mode: a frozen BatchNorm
        keeps its running statistics and a frozen dropout does nothing."""
        super().train(mode)
        for node_id in self.frozen:
            if node_id in self._modules:
                self._modules[node_id].eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {self.input_id: x}
        for step, (node_id, sources) in enumerate(self.plan):
            values[node_id] = self._modules[node_id](*(values[s] for s in sources))
            for done in self._release[step]:
                del values[done]
        return values[self.output_id]

    def trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every node's output for `x` (for feature-map views); keeps them all."""
        values = {self.input_id: x}
        for node_id, sources in self.plan:
            values[node_id] = self._modules[node_id](*(values[s] for s in sources))
        return values


def _freeze(layer: nn.Module) -> None:
    for parameter in layer.parameters():
        parameter.requires_grad_(False)


def _last_uses(plan: list[tuple[str, tuple[str, ...]]]) -> list[list[str]]:
    """For each step, the values no later step reads (freed early to save memory)."""
    last: dict[str, int] = {}
    for step, (_, sources) in enumerate(plan):
        for s in sources:
            last[s] = step
    release: list[list[str]] = [[] for _ in plan]
    for value, step in last.items():
        release[step].append(value)
    return release


def require_valid(analysis: Analysis) -> None:
    problems = list(analysis.graph_errors)
    problems += [f"{node}: {msg}" if not msg.startswith(analysis.row(node).layer_id) else msg
                 for node, msg in analysis.errors.items()]
    if problems:
        raise BuildError("the network is not valid yet:\n  " + "\n  ".join(problems))


def build_module(graph: Graph) -> GraphModule:
    """A fresh, randomly initialised module for `graph`; raises BuildError if it is invalid or
    its weights would not fit in memory (engine.preflight), before anything is allocated."""
    from .preflight import CapacityError, check

    analysis = analyze(graph)
    require_valid(analysis)
    try:
        check(analysis, graph.input_map())  # weights only
    except CapacityError as exc:
        raise BuildError(str(exc)) from None
    return GraphModule(graph, analysis)


def expected_state(graph: Graph) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """State-dict names, shapes and dtypes of the module `graph` builds (on the meta device: no
    memory); raises BuildError when the network has errors."""
    with torch.device("meta"):
        state = GraphModule(graph).state_dict()
    return {k: (tuple(v.shape), v.dtype) for k, v in state.items()}
