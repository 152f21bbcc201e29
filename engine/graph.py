"""The network graph: nodes (a layer id, raw parameters, a canvas position) and ordered edges.

Owns structure only. It stores parameter values as given; `engine.analysis` validates
them and reports problems per node, so an edit never raises for a bad value. Cycles,
extra inputs and wrong input counts are also reported by the analysis, not raised here.
Raises GraphError only for requests that make no sense (unknown node, self-loop,
duplicate edge) or that a project file could not hold: parameter values must be JSON-like
(numbers, text, booleans, None, lists and dicts of them, bounded in size and depth), and a
graph holds at most MAX_NODES nodes and MAX_EDGES edges, so whatever a graph holds can be
saved and opened again. Positions are kept finite and within ±MAX_COORD.
Must not import Qt or torch.
"""
from __future__ import annotations

import heapq
import keyword
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

_ID_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
_BLOCK_RE = re.compile(r"^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,15}$")
_RESERVED = {"forward", "training", "eval", "train", "to", "cuda", "cpu", "type", "float", "double",
             "half", "modules", "children", "parameters", "buffers", "state_dict", "apply", "zero_grad",
             "self", "torch", "nn", "super", "x"}  # also keeps exported code unambiguous
MAX_NODES = 50_000  # the largest templates have ~500; a 10,000-node chain loads in a fraction of a second
MAX_EDGES = 4 * MAX_NODES
MAX_ID_LENGTH = 200
MAX_COORD = 1e8  # canvas units; beyond ~1e15 adding a grid step no longer changes a float
# Parameter values: what a hand-edited file or a script may put there, bounded so it saves.
MAX_PARAM_ITEMS = 10_000  # values inside one node's parameters, all nesting levels together
MAX_PARAM_DEPTH = 4
MAX_TEXT = 10_000  # characters of one string
MAX_INT_BITS = 3_000  # about 900 digits; JSON readers refuse more than 4,300


class GraphError(Exception):
    """A request that cannot be applied to the graph; the message is for the user."""


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str


@dataclass(frozen=True)
class Node:
    id: str
    layer: str
    params: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)
    # The block the node belongs to, as a dotted path ("layer2.1" lies inside "layer2");
    # "" for a top-level node. Blocks exist through their members: no separate records.
    block: str = ""
    # Frozen: its weights are not trained (no gradients, no optimizer state) and a BatchNorm keeps
    # its running statistics (eval mode) while the rest of the network trains (transfer learning).
    frozen: bool = False


def valid_node_id(node_id: str) -> bool:
    return (isinstance(node_id, str) and len(node_id) <= MAX_ID_LENGTH and bool(_ID_RE.match(node_id))
            and not keyword.iskeyword(node_id) and node_id not in _RESERVED)


def clamp_coord(value: object) -> float:
    """A canvas coordinate: finite and within ±MAX_COORD (NaN becomes 0)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except OverflowError:  # an integer too large for a float
        v = MAX_COORD if value > 0 else -MAX_COORD  # type: ignore[operator]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(v) else min(max(v, -MAX_COORD), MAX_COORD)


def clamp_pos(pos: tuple[object, object]) -> tuple[float, float]:
    return clamp_coord(pos[0]), clamp_coord(pos[1])


def param_value_problem(value: object) -> str | None:
    """Why `value` cannot be a parameter value (a project file could not hold it), or None."""
    kind = type(value)
    if kind is float or kind is bool or value is None or (kind is int and value.bit_length() <= 64):
        return None  # the common case, without the walk below
    budget, stack = MAX_PARAM_ITEMS, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if budget < 0:
            return f"it holds more than {MAX_PARAM_ITEMS:,} values"
        if isinstance(item, (list, tuple, dict)):
            if depth >= MAX_PARAM_DEPTH:
                return f"it is nested more than {MAX_PARAM_DEPTH} levels deep"
            if isinstance(item, dict) and not all(isinstance(k, str) for k in item):
                return "its keys must be text"
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
        elif isinstance(item, str):
            if len(item) > MAX_TEXT:
                return f"its text is longer than {MAX_TEXT:,} characters"
        elif isinstance(item, int) and not isinstance(item, bool):
            if item.bit_length() > MAX_INT_BITS:
                return "it is a number with too many digits"
        elif not isinstance(item, (float, bool, type(None))):
            return f"a {type(item).__name__} cannot be saved in a project file"
    return None


def check_params(node_id: str, params: dict[str, Any]) -> None:
    """Raise GraphError unless every parameter name is text and every value could be saved."""
    for name, value in params.items():
        if not isinstance(name, str) or len(name) > MAX_ID_LENGTH:
            raise GraphError(f"{node_id}: parameter names must be short text, not {str(name)[:40]!r}")
        problem = param_value_problem(value)
        if problem:
            raise GraphError(f"{node_id}: the value of {name} cannot be used: {problem}")


def valid_block_path(path: str) -> bool:
    """"" (top level) or dot-separated names of letters, digits and _ ("layer2.1")."""
    return path == "" or bool(_BLOCK_RE.match(path))


class Graph:
    """A DAG of layer nodes. Input order of a node is the order of its incoming edges.

    Adjacency is kept per node (ordered input lists, output lists and an edge set), so
    every operation is O(1) or O(degree) and whole-graph walks are O(N + E).
    """

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._in: dict[str, list[str]] = {}  # node -> its sources, in input order
        self._out: dict[str, list[str]] = {}  # node -> the nodes it feeds
        self._edge_set: set[tuple[str, str]] = set()
        self._next_suffix: dict[str, int] = {}  # layer -> first suffix worth trying in new_id
        self.revision = 0  # bumped on every change; views and caches may key on it
        self.structure_revision = 0  # bumped when nodes, edges or blocks change (not parameters)

    # -- reading -------------------------------------------------------------------
    @property
    def nodes(self) -> dict[str, Node]:
        return dict(self._nodes)

    @property
    def edges(self) -> list[Edge]:
        """Every edge, grouped by destination in node order, each group in input order."""
        return [Edge(src, dst) for dst, sources in self._in.items() for src in sources]

    def node(self, node_id: str) -> Node:
        try:
            return self._nodes[node_id]
        except KeyError:
            raise GraphError(f"there is no node {node_id!r}") from None

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def has_edge(self, src: str, dst: str) -> bool:
        return (src, dst) in self._edge_set

    def edge_count(self) -> int:
        return len(self._edge_set)

    def inputs_of(self, node_id: str) -> list[str]:
        return list(self._in.get(node_id, ()))

    def input_index(self, src: str, dst: str) -> int:
        """Position of src among dst's inputs (raises GraphError when not connected)."""
        if (src, dst) not in self._edge_set:
            raise GraphError(f"{src} is not connected to {dst}")
        return self._in[dst].index(src)

    def input_map(self) -> dict[str, list[str]]:
        """Every node's sources in input order (for whole-graph walks)."""
        return {n: list(sources) for n, sources in self._in.items()}

    def outputs_of(self, node_id: str) -> list[str]:
        return list(self._out.get(node_id, ()))

    def input_nodes(self) -> list[str]:
        return [n.id for n in self._nodes.values() if n.layer == "input"]

    def sinks(self) -> list[str]:
        return [n for n, outs in self._out.items() if not outs]

    # -- mutation ------------------------------------------------------------------
    def new_id(self, layer: str) -> str:
        n = self._next_suffix.get(layer, 1)
        while f"{layer}_{n}" in self._nodes:
            n += 1
        self._next_suffix[layer] = n + 1
        return f"{layer}_{n}"

    def add_node(self, layer: str, params: dict[str, Any] | None = None, node_id: str | None = None,
                 pos: tuple[float, float] = (0.0, 0.0)) -> Node:
        from .catalog import CATALOG  # local: keeps graph importable without the catalog for tooling

        if layer not in CATALOG:
            raise GraphError(f"unknown layer type {layer!r}")
        node = Node(node_id or self.new_id(layer), layer, dict(params or {}), clamp_pos(pos))
        return self.insert_node(node)

    def insert_node(self, node: Node) -> Node:
        """Add an existing Node record as is (used by undo and file loading)."""
        if not valid_node_id(node.id):
            raise GraphError(f"{node.id!r} is not a valid node name: use lowercase letters, digits and _")
        if node.id in self._nodes:
            raise GraphError(f"a node named {node.id!r} already exists")
        if len(self._nodes) >= MAX_NODES:
            raise GraphError(f"a network can hold at most {MAX_NODES:,} layers")
        if not isinstance(node.block, str) or not valid_block_path(node.block):
            raise GraphError(f"{str(node.block)[:80]!r} is not a valid block name: use letters, digits and _, "
                             "with dots between nested blocks")
        if not isinstance(node.params, dict):
            raise GraphError(f"{node.id}: parameters must be a mapping of names to values")
        check_params(node.id, node.params)
        if clamp_pos(node.pos) != node.pos:
            node = replace(node, pos=clamp_pos(node.pos))
        self._nodes[node.id] = node
        self._in[node.id] = []
        self._out[node.id] = []
        self._touch()
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[tuple[int, Edge]]]:
        """Remove a node and its edges; returns them with each edge's input index at its
        destination, so an undo (`connect(src, dst, index)` in ascending index) restores them exactly."""
        node = self.node(node_id)
        removed = [(i, Edge(src, node_id)) for i, src in enumerate(self._in[node_id])]
        removed += [(self._in[dst].index(node_id), Edge(node_id, dst)) for dst in self._out[node_id]]
        for _, edge in removed:
            self._unlink(edge.src, edge.dst)
        del self._nodes[node_id], self._in[node_id], self._out[node_id]
        self._touch()
        return node, removed

    def connect(self, src: str, dst: str, index: int | None = None) -> Edge:
        """Add src -> dst as dst's input number `index` (default: after its other inputs)."""
        self.node(src), self.node(dst)
        if src == dst:
            raise GraphError("a layer cannot feed itself")
        if (src, dst) in self._edge_set:
            raise GraphError(f"{src} is already connected to {dst}")
        if len(self._edge_set) >= MAX_EDGES:
            raise GraphError(f"a network can hold at most {MAX_EDGES:,} connections")
        sources = self._in[dst]
        sources.insert(len(sources) if index is None else index, src)
        self._out[src].append(dst)
        self._edge_set.add((src, dst))
        self._touch()
        return Edge(src, dst)

    def disconnect(self, src: str, dst: str) -> int:
        """Remove the edge src -> dst; returns its input index at dst, for undo."""
        index = self.input_index(src, dst)
        self._unlink(src, dst)
        self._touch()
        return index

    def _unlink(self, src: str, dst: str) -> None:
        self._in[dst].remove(src)
        self._out[src].remove(dst)
        self._edge_set.discard((src, dst))

    def set_params(self, node_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """Replace a node's parameters; returns the old ones."""
        node = self.node(node_id)
        check_params(node_id, params)
        self._nodes[node_id] = replace(node, params=dict(params))
        self._touch(structure=False)
        return dict(node.params)

    def update_params(self, node_id: str, **changes: Any) -> dict[str, Any]:
        return self.set_params(node_id, {**self.node(node_id).params, **changes})

    def set_block(self, node_id: str, block: str) -> str:
        """Move a node into the block at dotted path `block` ("" = top level); returns the old path."""
        if not valid_block_path(block):
            raise GraphError(f"{block!r} is not a valid block name: use letters, digits and _, "
                             "with dots between nested blocks")
        node = self.node(node_id)
        self._nodes[node_id] = replace(node, block=block)
        self._touch()
        return node.block

    def set_frozen(self, node_id: str, frozen: bool) -> bool:
        """Freeze or unfreeze a node's weights; returns the old setting. Not structure: shapes stay."""
        node = self.node(node_id)
        self._nodes[node_id] = replace(node, frozen=bool(frozen))
        self._touch(structure=False)
        return node.frozen

    def frozen_nodes(self) -> set[str]:
        return {n.id for n in self._nodes.values() if n.frozen}

    def set_pos(self, node_id: str, pos: tuple[float, float]) -> None:
        self._nodes[node_id] = replace(self.node(node_id), pos=clamp_pos(pos))

    def _touch(self, structure: bool = True) -> None:
        self.revision += 1
        self.structure_revision += structure

    # -- structure -----------------------------------------------------------------
    def would_cycle(self, src: str, dst: str) -> bool:
        """True if adding src -> dst would close a cycle (dst already reaches src)."""
        return src == dst or src in self.descendants(dst)

    def descendants(self, node_id: str) -> set[str]:
        seen: set[str] = set()
        stack = [node_id]
        while stack:
            for nxt in self._out.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    def topological_order(self) -> tuple[list[str], set[str]]:
        """Kahn's algorithm, always taking the earliest-added ready node, O((N + E) log N);
        returns (order, nodes caught in cycles). Earliest-first keeps the order stable while
        the graph is edited: a chain cut in two, or a layer not wired yet, keeps its place
        instead of jumping to the top, and a branch reads through before the next begins."""
        rank = {n: i for i, n in enumerate(self._nodes)}
        indegree = {n: len(sources) for n, sources in self._in.items()}
        ready = [rank[n] for n, d in indegree.items() if d == 0]
        names = list(self._nodes)
        order: list[str] = []
        while ready:
            n = names[heapq.heappop(ready)]
            order.append(n)
            for m in self._out[n]:
                indegree[m] -= 1
                if indegree[m] == 0:
                    heapq.heappush(ready, rank[m])
        placed = set(order)
        return order, {n for n in self._nodes if n not in placed}

    def copy(self) -> "Graph":
        other = Graph()
        other._nodes = dict(self._nodes)
        other._in = {n: list(v) for n, v in self._in.items()}
        other._out = {n: list(v) for n, v in self._out.items()}
        other._edge_set = set(self._edge_set)
        return other

    def extend(self, nodes: Iterable[Node], edges: Iterable[Edge]) -> None:
        for node in nodes:
            self.insert_node(node)
        for edge in edges:
            self.connect(edge.src, edge.dst)
