"""Shape, parameter and MAC analysis of a graph, as immutable per-node rows.

Layers with a closed form (`LayerSpec.counts`, engine.catalog.formulas: recurrent layers,
attention, linear, activations, reshapes) are computed by formula; every other node on
PyTorch's meta device (no real weights are allocated) with `FlopCounterMode` counting
multiply-accumulates (MACs = counted FLOPs / 2). Results are memoized per (layer,
parameters with their types, input shapes), so re-analysis after one edit only redoes the
nodes whose inputs or parameters changed. Formatting lives elsewhere.
Must not import Qt. Reaches torch lazily (first meta run), so the app's window can import
the row types and analyse an empty graph before PyTorch has loaded.
"""
from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Sequence

from .catalog import CATALOG, LayerError, LayerSpec, Shape, fmt_shape
from .graph import Graph
from .lazy import LazyModule

torch = LazyModule("torch")

BYTES_PER_VALUE = 4  # float32 activations
MAX_COUNT = 2**63 - 1  # tensor sizes, parameter and MAC counts must fit PyTorch's int64


@dataclass(frozen=True)
class NodeRow:
    node_id: str
    layer_id: str
    input_shapes: tuple[Shape, ...] = ()
    output_shape: Shape | None = None
    params: int = 0
    trainable_params: int = 0
    macs: int = 0
    error: str | None = None
    explain: tuple[str, ...] = ()
    blocked: bool = False  # an upstream node has an error, so this one cannot be computed
    dtype: str = "float"

    @property
    def ok(self) -> bool:
        return self.error is None and not self.blocked


@dataclass(frozen=True)
class Analysis:
    rows: tuple[NodeRow, ...]
    graph_errors: tuple[str, ...] = ()
    sinks: frozenset[str] = frozenset()  # nodes whose output leaves the network
    by_id: dict[str, NodeRow] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id.update({r.node_id: r for r in self.rows})

    def row(self, node_id: str) -> NodeRow:
        return self.by_id[node_id]

    # Totals summed once per analysis (rows never change): a 20,000-layer network's window asked
    # for them a dozen times while opening.
    @cached_property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    @cached_property
    def trainable_params(self) -> int:
        return sum(r.trainable_params for r in self.rows)

    @cached_property
    def total_macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def errors(self) -> dict[str, str]:
        return dict(self._errors)

    @cached_property
    def _errors(self) -> tuple[tuple[str, str], ...]:
        return tuple((r.node_id, r.error) for r in self.rows if r.error)

    @property
    def valid(self) -> bool:
        return not self.errors and not self.graph_errors and bool(self.rows)

    @property
    def output_shape(self) -> Shape | None:
        outs = [self.by_id[n].output_shape for n in self.sinks if n in self.by_id]
        return outs[0] if len(outs) == 1 else None

    @property
    def input_shape(self) -> Shape | None:
        inputs = [r for r in self.rows if r.layer_id == "input"]
        return inputs[0].output_shape if inputs else None

    def activation_bytes(self, batch_size: int = 1) -> int:
        """Estimate of forward activation memory for a batch (float32, all outputs kept)."""
        values = sum(math.prod(r.output_shape) for r in self.rows if r.output_shape)
        return values * BYTES_PER_VALUE * batch_size


@dataclass(frozen=True)
class _Result:
    output_shape: Shape | None
    dtype: str
    params: int
    trainable: int
    macs: int
    explain: tuple[str, ...]
    error: str | None


_CACHE: "OrderedDict[tuple, _Result]" = OrderedDict()
_CACHE_SIZE = 8192
# Per graph: node id -> (node record, input shapes, dtypes, row) of the last analysis.
_NODE_MEMO: "weakref.WeakKeyDictionary[Graph, dict[str, tuple]]" = weakref.WeakKeyDictionary()


def warm_up() -> None:
    """Pay PyTorch's one-time meta-device start-up cost (seconds: the first batch norm and
    the first FLOP count import torch._dynamo) now, e.g. in a background thread at app
    start, instead of on the user's first edit."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"), torch.no_grad(), FlopCounterMode(display=False):
        torch.nn.BatchNorm2d(2).eval()(torch.empty(1, 2, 4, 4))
        torch.nn.Conv2d(2, 2, 3)(torch.empty(1, 2, 4, 4))


def clear_cache() -> None:
    _CACHE.clear()
    _NODE_MEMO.clear()


def analyze(graph: Graph) -> Analysis:
    """Analyze every node of `graph`; never raises for a bad graph (errors go on nodes)."""
    order, cyclic = graph.topological_order()
    inputs = graph.input_nodes()
    sources = graph.input_map()
    memo = _NODE_MEMO.setdefault(graph, {})
    done: dict[str, NodeRow] = {}
    for node_id in order:
        done[node_id] = _analyze_node(graph, node_id, sources[node_id], done, inputs, memo)
    for node_id in graph.nodes:
        if node_id in cyclic:
            done[node_id] = NodeRow(node_id, graph.node(node_id).layer, error=_cycle_message(graph, node_id, cyclic))
    rows = tuple(done[n] for n in order) + tuple(done[n] for n in graph.nodes if n in cyclic)
    sinks = frozenset(n for n in graph.sinks() if graph.node(n).layer != "input")
    return Analysis(rows, _graph_errors(graph, sinks), sinks)


def _graph_errors(graph: Graph, sinks: frozenset) -> tuple[str, ...]:
    errors = []
    if not graph.input_nodes():
        errors.append("the network has no input layer — add an input from the palette")
    elif not sinks:
        errors.append("the network has no layers after its input yet — add some from the palette")
    if len(sinks) > 1:
        names = ", ".join(sorted(sinks))
        errors.append(f"the network has {len(sinks)} outputs ({names}) — join them with add or concat, "
                      "or delete the ones you do not need")
    return tuple(errors)


def _cycle_message(graph: Graph, node_id: str, cyclic: set[str]) -> str:
    layer = graph.node(node_id).layer
    return f"{layer}: this layer is part of a loop — remove one of the connections between " \
           f"{', '.join(sorted(cyclic))}"


def _analyze_node(graph: Graph, node_id: str, sources: list[str], done: dict[str, NodeRow],
                  inputs: list[str], memo: dict[str, tuple]) -> NodeRow:
    node = graph.node(node_id)
    spec = CATALOG.get(node.layer)
    wiring = _wiring_error(spec, node_id, sources, inputs)
    if wiring:
        return NodeRow(node_id, node.layer, error=wiring)
    upstream = [done[s] for s in sources]
    if any(not r.ok for r in upstream):
        return NodeRow(node_id, node.layer, blocked=True)
    shapes = tuple(r.output_shape for r in upstream)
    dtypes = tuple(r.dtype for r in upstream)
    hit = memo.get(node_id)
    if hit and hit[0] is node and hit[1] == shapes and hit[2] == dtypes:
        return hit[3]  # same node record, same inputs: the same row (views compare rows cheaply)
    res = _compute(spec, node.params, shapes, dtypes)
    trainable = 0 if node.frozen else res.trainable  # a frozen layer's weights stay as they are
    row = NodeRow(node_id, node.layer, shapes, res.output_shape, res.params, trainable, res.macs,
                  res.error, res.explain, dtype=res.dtype)
    memo[node_id] = (node, shapes, dtypes, row)
    return row


def _wiring_error(spec: LayerSpec, node_id: str, sources: list[str], inputs: list[str]) -> str | None:
    n = len(sources)
    if spec.id == "input":
        if inputs and node_id != inputs[0]:
            return "input: a network has one input — delete this one and connect its layers to the first"
        return "input: the input layer takes no incoming connections — remove them" if n else None
    if n == 0:
        return f"{spec.id} has no input — connect a layer into it"
    if n < spec.min_inputs:
        return f"{spec.id} needs at least {spec.min_inputs} inputs but has {n} — connect another branch into it"
    if spec.max_inputs is not None and n > spec.max_inputs:
        return f"{spec.id} takes {spec.max_inputs} input but has {n} — merge them with add or concat first"
    return None


def _freeze(value: Any) -> Any:
    """A hashable stand-in that keeps types apart: True, 1 and 1.0 are equal in Python but
    not to a layer (a bool is not a valid integer), so they must not share a cache entry."""
    if isinstance(value, (list, tuple)):
        return (list, tuple(_freeze(v) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((_freeze(k), _freeze(v)) for k, v in value.items()))
    return (type(value), value)


_DEFAULTS: dict[str, dict[str, Any]] = {}


def _defaults(spec: LayerSpec) -> dict[str, Any]:
    if spec.id not in _DEFAULTS:
        _DEFAULTS[spec.id] = spec.defaults()
    return _DEFAULTS[spec.id]


def _compute(spec: LayerSpec, params: dict[str, Any], shapes: tuple[Shape, ...], dtypes: tuple[str, ...]) -> _Result:
    try:
        full = {**_defaults(spec), **params}  # explicit defaults and omitted ones share an entry
        key = (spec.id, tuple(sorted((k, _freeze(v)) for k, v in full.items())), shapes, dtypes)
        hash(key)
    except TypeError:
        return _compute_uncached(spec, params, shapes, dtypes)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    result = _compute_uncached(spec, params, shapes, dtypes)
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def _compute_uncached(spec: LayerSpec, params: dict[str, Any], shapes: tuple[Shape, ...],
                      dtypes: tuple[str, ...]) -> _Result:
    try:
        p = spec.resolve(params)
        if spec.id == "input":
            return _Result(tuple(p["shape"]), "tokens" if p["dtype"] == "tokens" else "float", 0, 0, 0, (), None)
        _check_dtypes(spec, dtypes)
        if spec.check:
            spec.check(shapes, p)
        return _formula_run(spec, p, shapes) if spec.counts else _meta_run(spec, p, shapes, dtypes)
    except LayerError as exc:
        msg = str(exc)
        return _Result(None, "float", 0, 0, 0, (), msg if msg.startswith(spec.id) else f"{spec.id}: {msg}")
    except Exception as exc:  # torch rejected it: still a node error, never a crash
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _Result(None, "float", 0, 0, 0, (), f"{spec.id}: cannot be computed for input "
                       f"{', '.join(fmt_shape(s) for s in shapes)} ({first})")


def _check_dtypes(spec: LayerSpec, dtypes: Sequence[str]) -> None:
    if spec.takes_tokens and any(d != "tokens" for d in dtypes):
        raise LayerError(f"{spec.id} expects integer token ids — set the input's dtype to tokens")
    if not spec.takes_tokens and any(d == "tokens" for d in dtypes):
        raise LayerError(f"{spec.id} receives token ids — put an embedding before it")


def _formula_run(spec: LayerSpec, p: dict[str, Any], shapes: tuple[Shape, ...]) -> _Result:
    """The layer's closed form (engine.catalog.formulas): microseconds, no tensors at all."""
    counts = spec.counts(shapes, p)
    return _finish(spec, p, shapes, counts.output_shape, counts.params, counts.params, counts.macs)


def _finish(spec: LayerSpec, p: dict[str, Any], shapes: tuple[Shape, ...], out_shape: Shape,
            total: int, trainable: int, macs: int) -> _Result:
    if any(d <= 0 for d in out_shape):
        raise LayerError(f"{spec.id}: the output would be empty ({fmt_shape(out_shape)})")
    if max(total, macs, math.prod(out_shape)) > MAX_COUNT:
        raise LayerError(f"{spec.id}: this layer would be far too large to build (over 2⁶³ values) — "
                         "use smaller sizes")
    explain = spec.explain(shapes, out_shape, p) if spec.explain else ()
    return _Result(out_shape, "float", total, trainable, macs, explain, None)


def _meta_run(spec: LayerSpec, p: dict[str, Any], shapes: tuple[Shape, ...], dtypes: tuple[str, ...]) -> _Result:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        module = spec.build(shapes, p).eval()
        xs = [torch.empty((1, *s), dtype=torch.long if d == "tokens" else torch.float32)
              for s, d in zip(shapes, dtypes)]
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            out = module(*xs)
    total = sum(t.numel() for t in module.parameters())
    trainable = sum(t.numel() for t in module.parameters() if t.requires_grad)
    return _finish(spec, p, shapes, tuple(out.shape[1:]), total, trainable, counter.get_total_flops() // 2)
