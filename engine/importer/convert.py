"""A traced fx graph -> planned Netwright nodes (ids, blocks, inputs, weight sources), or the
list of everything the catalog cannot express.

Ids are sanitized module paths (`layer1.0.conv1` -> `layer1_0_conv1`; a function call inside
`layer1.0` -> `layer1_0_add`) and blocks are module paths (`layer1.0`), so the canvas can fold
the network the way the code nests it. An op that cannot be expressed is recorded, not raised,
and only reported when a layer needs its result. Must not import Qt.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import fx

from ..graph import valid_block_path, valid_node_id
from .functions_map import map_function
from .modules_map import map_module
from .plan import Alias, Context, Layer, Pieces, Unsupported


@dataclass
class Planned:
    id: str
    layer: str
    params: dict[str, Any]
    inputs: list[str]
    block: str
    weights: dict[str, str]


@dataclass
class Problem:
    op: str
    where: str  # module path, "" for the top level


@dataclass
class Plan:
    nodes: list[Planned] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    output: str | None = None


def _sanitize_id(text: str) -> str:
    out = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "layer"
    return f"m{out}" if out[0].isdigit() else out


def _sanitize_block(path: str) -> str:
    parts = [re.sub(r"[^A-Za-z0-9_]", "_", p)[:64] for p in path.split(".") if p][:16]
    block = ".".join(parts)
    return block if valid_block_path(block) else ""


def scope_of(node: fx.Node) -> str:
    """The module path whose forward made this call ("" at the top level)."""
    if node.op == "call_module":
        return str(node.target).rpartition(".")[0]
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    path = list(stack.values())[-1][0]
    return path if isinstance(path, str) else ""


class Converter:
    def __init__(self, gm: fx.GraphModule, values: dict[fx.Node, Any], input_dtype: str) -> None:
        self.ctx = Context(gm, values)
        self.input_dtype = input_dtype
        self.plan = Plan()
        self.produced: dict[fx.Node, str] = {}  # fx node -> id of the graph node holding its value
        self.pending: dict[fx.Node, Pieces] = {}
        self.failed: dict[fx.Node, Problem] = {}  # ops the catalog cannot express, reported when used
        self.reported: set[fx.Node] = set()
        self.blocked: set[fx.Node] = set()  # ops downstream of a problem: nothing more to say
        self.taken: set[str] = set()
        self.calls: dict[str, int] = {}  # module path -> times called (shared weights check)

    def run(self) -> Plan:
        for node in self.ctx.gm.graph.nodes:
            handler = getattr(self, f"_on_{node.op}")
            handler(node)
        # Ops feeding only other unsupported ops were never looked up by a layer: name them too.
        # (One whose users all became layers was absorbed by them, as a class token's expand.)
        for node in self.ctx.gm.graph.nodes:
            stuck = any(u in self.failed or u in self.blocked for u in node.users)
            if node in self.failed and node not in self.reported and stuck:
                self.reported.add(node)
                self.plan.problems.append(self.failed[node])
        return self.plan

    # -- node kinds --------------------------------------------------------------------
    def _on_placeholder(self, node: fx.Node) -> None:
        if not isinstance(self.ctx.values.get(node), torch.Tensor):
            return  # an optional argument left at its default
        if self.plan.nodes and self.plan.nodes[0].layer == "input":
            self._problem(node, f"a second input ({node.target}): a network has one input")
            return
        shape = list(self.ctx.shape(node))
        self._emit(node, [Layer("input", {"shape": shape, "dtype": self.input_dtype})], "input")

    def _on_get_attr(self, node: fx.Node) -> None:
        return  # consumed by the op that reads it (layer_norm, class token, layer scale)

    def _on_output(self, node: fx.Node) -> None:
        result = node.args[0]
        if isinstance(result, (tuple, list)) and len(result) == 1:
            result = result[0]
        if not isinstance(result, fx.Node) or not isinstance(self.ctx.values.get(result), torch.Tensor):
            self.plan.problems.append(Problem("returning several values (a network has one output)", ""))
            return
        self.plan.output = self._ref(result)

    def _on_call_module(self, node: fx.Node) -> None:
        self._call(node)

    def _on_call_function(self, node: fx.Node) -> None:
        if node.target is operator.getitem and node.args[0] in self.pending:
            self._piece(node)
            return
        self._call(node)

    _on_call_method = _on_call_function

    def _call(self, node: fx.Node) -> None:
        value = self.ctx.values.get(node)
        if not _holds_tensor(value):
            return  # shape arithmetic, asserts: already concrete
        mapped = map_module(self.ctx, node) if node.op == "call_module" else map_function(self.ctx, node)
        if node.op == "call_module":
            self._count_call(node)
        if isinstance(mapped, Unsupported):
            self.failed[node] = Problem(mapped.reason, scope_of(node) if node.op != "call_module" else node.target)
        elif isinstance(mapped, Alias):
            self._alias(node, mapped.source)
        elif isinstance(mapped, Pieces):
            self.pending[node] = mapped
        else:
            self._emit(node, mapped, self._base_name(node))

    def _piece(self, node: fx.Node) -> None:
        pieces, index = self.pending[node.args[0]], node.args[1]
        made = pieces.make(index) if isinstance(index, int) else Unsupported("slicing a tuple of pieces")
        if isinstance(made, Unsupported):
            self.failed[node] = Problem(made.reason, scope_of(node.args[0]))
        else:
            source = node.args[0]
            self._emit(node, made, self._base_name(source) if source.op == "call_module" else
                       _join(scope_of(source), made[-1].name or made[-1].layer), block_of=source)

    def _count_call(self, node: fx.Node) -> None:
        path = str(node.target)
        self.calls[path] = self.calls.get(path, 0) + 1
        has_weights = any(True for _ in self.ctx.module(node).parameters())
        if self.calls[path] == 2 and has_weights:
            self._problem(node, f"{type(self.ctx.module(node)).__name__} called twice with the same weights "
                          "(every Netwright layer owns its weights)")

    # -- building nodes ----------------------------------------------------------------
    def _alias(self, node: fx.Node, source: fx.Node) -> None:
        if source in self.produced:
            self.produced[node] = self.produced[source]
        elif source in self.blocked:
            self.blocked.add(node)
        elif source in self.failed:
            self.failed[node] = self.failed[source]
            if source in self.reported:
                self.reported.add(node)
        else:
            self._problem(node, "passing on a value that is not a layer output")

    def _base_name(self, node: fx.Node) -> str:
        return str(node.target) if node.op == "call_module" else ""

    def _emit(self, node: fx.Node, layers: list[Layer], base: str, block_of: fx.Node | None = None) -> None:
        """Add the op's layers as a chain; the first is named after the module (`layer1_0_conv1`),
        the others, and function calls, after their scope and layer (`layer1_0_add`)."""
        block = _sanitize_block(scope_of(block_of or node))
        previous: str | None = None
        for i, layer in enumerate(layers):
            inputs = [self._ref(x) for x in layer.inputs] if layer.inputs else [previous]
            if layer.layer == "input":
                inputs = []
            elif any(x is None for x in inputs):
                self.blocked.add(node)  # a problem upstream, already recorded
                return
            name = base if base and i == 0 else _join(base or scope_of(node), layer.name or layer.layer)
            node_id = self._unique(_sanitize_id(name))
            self.plan.nodes.append(Planned(node_id, layer.layer, layer.params, inputs, block, layer.weights))
            previous = node_id
        self.produced[node] = previous

    def _ref(self, arg: Any) -> str | None:
        """The graph node holding an fx value; records a problem (once) when there is none."""
        if isinstance(arg, fx.Node) and arg in self.produced:
            return self.produced[arg]
        if isinstance(arg, fx.Node) and arg in self.blocked:
            return None
        if isinstance(arg, fx.Node) and arg in self.failed:
            if arg not in self.reported:
                self.reported.add(arg)
                self.plan.problems.append(self.failed[arg])
            return None
        if isinstance(arg, fx.Node) and arg.op == "get_attr":
            where = str(arg.target).rpartition(".")[0]
            self.plan.problems.append(Problem("using a parameter or buffer tensor directly", where))
        elif isinstance(arg, fx.Node) and arg in self.pending:
            self.plan.problems.append(Problem("using a whole tuple of results at once", scope_of(arg)))
        else:
            self.plan.problems.append(Problem(f"a layer input that is not a layer output ({str(arg)[:40]})", ""))
        return None

    def _problem(self, node: fx.Node, text: str) -> None:
        where = str(node.target) if node.op == "call_module" else scope_of(node)
        self.plan.problems.append(Problem(text, where))

    def _unique(self, node_id: str) -> str:
        candidate = node_id if valid_node_id(node_id) else f"{node_id}_"
        n = 2
        while candidate in self.taken or not valid_node_id(candidate):
            candidate, n = f"{node_id}_{n}", n + 1
        self.taken.add(candidate)
        return candidate


def _join(scope: str, name: str) -> str:
    return f"{scope}.{name}" if scope else name


def _holds_tensor(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return True
    return isinstance(value, (tuple, list)) and any(isinstance(v, torch.Tensor) for v in value)
