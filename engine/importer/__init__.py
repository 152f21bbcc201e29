"""Import a PyTorch nn.Module (a torchvision model or a user's class) as a Netwright graph.

    result = import_module(module, (3, 224, 224), weights=True)
    result.graph, result.weights, result.exact, result.notes

The module is traced with torch.fx and run on the meta device; every traced op becomes
catalog layers or is named in an ImportRefused. Ids are sanitized module paths and each
node's block is its module path. `engine.importer.sources` resolves `torchvision:NAME`
and `file.py:Class`. Must not import Qt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import torch
from torch import nn

from ..analysis import analyze
from ..graph import Graph
from .build import (
    ImportBug,
    check_sources,
    expected_state,
    reachable,
    take_weights,
    to_graph,
    weight_sources,
)
from .convert import Converter, Problem
from .trace import TraceError, node_values, trace

# Submodules the GUI and scripts may import directly (beside this facade); any other submodule
# is internal (tests/engine/test_architecture.py checks the GUI keeps to this).
PUBLIC_SUBMODULES = ("sources",)

if TYPE_CHECKING:
    from .sources import Source

MAX_LISTED = 6  # places named per unsupported op before "and N more"


class ImportRefused(Exception):
    """The module cannot become a Netwright network; the message names each unsupported op and where."""


@dataclass
class ImportResult:
    graph: Graph
    weights: dict[str, torch.Tensor] | None  # state dict of the built network, when asked for
    sources: dict[str, str]  # built network's state-dict key -> source module's key
    source_params: int  # parameters of the original module
    params: int  # parameters of the imported network
    notes: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """Every parameter of the original is in the network, once."""
        return self.source_params == self.params


def import_module(module: nn.Module, input_shape: Sequence[int], *, input_dtype: str = "float",
                  weights: bool = False) -> ImportResult:
    """Trace `module` (put in eval mode) for one sample of `input_shape` (batch excluded)."""
    module.eval()
    try:
        gm = trace(module)
        dtype = torch.long if input_dtype == "tokens" else torch.float32
        values = node_values(gm, torch.zeros((2, *input_shape), dtype=dtype, device="meta"))
    except TraceError as exc:
        raise ImportRefused(f"cannot import {type(module).__name__}: {exc}") from None
    plan = Converter(gm, values, input_dtype).run()
    if plan.problems or plan.output is None:
        raise ImportRefused(refusal_message(type(module).__name__, plan.problems))
    nodes = reachable(plan)
    graph = to_graph(nodes)
    analysis = analyze(graph)
    if not analysis.valid:
        problems = [f"{node}: {msg}" for node, msg in analysis.errors.items()] + list(analysis.graph_errors)
        raise ImportRefused(f"cannot import {type(module).__name__}: the catalog cannot reproduce these "
                            "settings:\n  " + "\n  ".join(problems[:MAX_LISTED]))
    expected = expected_state(graph)
    sources = weight_sources([n for n in nodes if n.id in graph])
    check_sources(expected, sources)
    source_params = sum(p.numel() for p in module.parameters())
    result = ImportResult(graph, None, sources, source_params, analysis.total_params)
    if weights:
        result.weights = take_weights(expected, sources, module.state_dict())
    if not result.exact:
        result.notes.append(_unused_note(module, sources, source_params, analysis.total_params))
    return result


def import_source(text: str, input_shape: Sequence[int] | None = None, input_dtype: str = "float",
                  weights: bool = False, real: bool = False) -> tuple[ImportResult, "Source"]:
    """Import `torchvision:NAME` or `file.py:Class` (raises SourceError or ImportRefused).
    `real` builds the module with real (random) weights even when none are kept, for comparisons."""
    from .sources import SourceError, open_source

    source = open_source(text, weights, real)
    shape = tuple(input_shape) if input_shape else source.input_shape
    if not shape:
        raise SourceError("give the shape of one input sample with --input, e.g. 3,32,32 (or set "
                          "input_shape on the module)")
    source.input_shape = shape
    if source.meta.get("input_shape"):
        source.meta["input_shape"] = list(shape)
    result = import_module(source.module, shape, input_dtype=input_dtype, weights=weights)
    result.notes[:0] = source.notes
    return result, source


def refusal_message(name: str, problems: list[Problem]) -> str:
    """One line per unsupported op, with the module paths where it occurs."""
    places: dict[str, list[str]] = {}
    for p in problems:
        places.setdefault(p.op, []).append(p.where or "(top level)")
    lines = []
    for op, where in places.items():
        shown = ", ".join(dict.fromkeys(where[:MAX_LISTED]))
        more = f" and {len(where) - MAX_LISTED} more" if len(where) > MAX_LISTED else ""
        lines.append(f"{op} — at {shown}{more}")
    return (f"cannot import {name}: Netwright cannot express {len(places)} of its operations:\n  "
            + "\n  ".join(lines))


def _unused_note(module: nn.Module, sources: dict[str, str], total: int, imported: int) -> str:
    used = {src.rpartition(".")[0] for src in sources.values()}
    unused = [name for name, _ in module.named_parameters() if name.rpartition(".")[0] not in used]
    sample = ", ".join(sorted({n.rpartition(".")[0] for n in unused})[:4])
    return (f"the network has {imported:,} parameters, the original {total:,}: parameters its forward() "
            f"does not use were left out ({sample or 'shared weights'})")


def compare_outputs(result: ImportResult, module: nn.Module, x: torch.Tensor) -> float:
    """Largest absolute difference between the module's and the imported network's outputs on `x`,
    with the module's own weights copied in."""
    from ..builder import GraphModule

    with torch.device("meta"):  # the module's own tensors are assigned in: no second copy
        net = GraphModule(result.graph).eval()
    net.load_state_dict(take_weights(expected_state(result.graph), result.sources, module.state_dict()),
                        assign=True)
    module.eval()
    with torch.no_grad():
        ours, theirs = net(x), module(x)
    return float((ours - theirs).abs().max())


__all__ = ["ImportBug", "ImportRefused", "ImportResult", "compare_outputs", "import_module", "import_source",
           "refusal_message"]
