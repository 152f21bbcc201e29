"""Tracing a PyTorch module with torch.fx, and the concrete value of every traced node.

Owns the tracer (which modules stay whole, which functions stay calls) and a run of the
traced graph on the meta device, so shapes and shape arithmetic (`x.size(0)`, `h // 16`)
are known without computing anything. Must not import Qt.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import fx, nn

# Functions kept as single calls instead of being traced through (their bodies do shape
# arithmetic a catalog layer expresses whole). Looked up lazily: torchvision is optional here.
_WRAPPED = (("torchvision.models.shufflenetv2", "channel_shuffle"),)


class TraceError(Exception):
    """The module cannot be traced or run symbolically; the message says why."""


def _wrapped_functions() -> tuple[Any, ...]:
    import importlib

    found = []
    for module_name, attr in _WRAPPED:
        try:
            found.append(getattr(importlib.import_module(module_name), attr))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


class LayerTracer(fx.Tracer):
    """torch.nn's own modules stay whole (fx's default), and so does a user subclass of one
    that keeps the parent's forward (e.g. `class MyConv(nn.Conv2d)` that only changes init)."""

    def __init__(self) -> None:
        super().__init__(autowrap_functions=_wrapped_functions())

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        if super().is_leaf_module(m, qualname):
            return True
        for base in type(m).__mro__[1:]:
            if base.__module__.startswith("torch.nn.") and base is not nn.Module:
                return type(m).forward is base.forward and not isinstance(m, nn.Sequential)
        return False


def trace(module: nn.Module) -> fx.GraphModule:
    """The module's forward as an fx graph (raises TraceError)."""
    tracer = LayerTracer()
    try:
        graph = tracer.trace(module)
    except Exception as exc:  # fx raises many types for untraceable Python
        raise TraceError(f"torch.fx cannot trace its forward(): {_first_line(exc)} — data-dependent "
                         "control flow (if/for on tensor values) cannot become a fixed network") from None
    return fx.GraphModule(tracer.root, graph, type(module).__name__)


class _Recorder(fx.Interpreter):
    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__(gm, garbage_collect_values=False)
        self.values: dict[fx.Node, Any] = {}

    def run_node(self, n: fx.Node) -> Any:
        value = super().run_node(n)
        self.values[n] = value
        return value


class _Holder(nn.Module):
    """Lets torch.func.functional_call swap the traced module's tensors for meta ones."""

    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__()
        self.gm = gm
        self.recorder: _Recorder | None = None

    def forward(self, x: torch.Tensor) -> Any:
        self.recorder = _Recorder(self.gm)
        return self.recorder.run(x)


def node_values(gm: fx.GraphModule, example: torch.Tensor) -> dict[fx.Node, Any]:
    """Every node's value for a meta `example` (tensors on the meta device, Python values as is)."""
    holder = _Holder(gm)
    meta = {k: torch.empty_like(v, device="meta") for k, v in holder.state_dict(keep_vars=True).items()}
    meta.update({k: torch.empty_like(v, device="meta") for k, v in holder.named_buffers()})
    try:
        with torch.no_grad():
            torch.func.functional_call(holder, meta, (example,), tie_weights=True, strict=False)
    except Exception as exc:
        raise TraceError(f"running the traced network on an input of shape "
                         f"{'×'.join(map(str, example.shape[1:]))} failed: {_first_line(exc)}") from None
    assert holder.recorder is not None
    return holder.recorder.values


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
