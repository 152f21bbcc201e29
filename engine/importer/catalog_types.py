"""torch.nn modules and calls the catalog claims: a layer spec's `torch_types` ("torch.nn.ReLU")
map an instance of exactly that class to the layer, each parameter read from the module
attribute of the same name (`negative_slope`), its weights taken over as they are; its
`torch_functions` ("torch.nn.functional.leaky_relu", "Tensor.relu_") map a call, each
parameter read from the argument after the input at its position, or by its name.

Modules that need more than that (a padding mode to refuse, a dim to check) keep their own
function in engine.importer.modules_map. Must not import Qt.
"""
from __future__ import annotations

import importlib
from typing import Any

from torch import fx, nn

from ..catalog import CATALOG, LayerSpec
from .layer_makers import canon
from .plan import Context, Layer, Mapped, arg

_index: tuple[tuple[str, ...], dict[type, LayerSpec]] = ((), {})
_calls: tuple[tuple[str, ...], dict[Any, LayerSpec]] = ((), {})


def _resolve(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def claimed_types() -> dict[type, LayerSpec]:
    """Module class -> the layer spec that names it, over the catalog as it is now."""
    global _index
    ids = tuple(CATALOG.ids())
    if _index[0] != ids:  # a layer registered since (a plug-in, a test's throwaway spec)
        _index = (ids, {_resolve(t): spec for spec in CATALOG for t in spec.torch_types})
    return _index[1]


def claimed_calls() -> dict[Any, LayerSpec]:
    """Function (or "Tensor.<method>" name) -> the layer spec that names it."""
    global _calls
    ids = tuple(CATALOG.ids())
    if _calls[0] != ids:
        _calls = (ids, {(name.removeprefix("Tensor.") if name.startswith("Tensor.") else _resolve(name)): spec
                        for spec in CATALOG for name in spec.torch_functions})
    return _calls[1]


def map_claimed_call(ctx: Context, node: fx.Node) -> Mapped | None:
    """The layer a catalog spec claims a function or method call for, or None."""
    key = node.target if node.op in ("call_method", "call_function") else None
    try:
        spec = claimed_calls().get(key)
    except TypeError:  # an unhashable target
        return None
    if spec is None or (node.op == "call_method") != isinstance(key, str):
        return None
    source = node.args[0] if node.args else next(iter(node.kwargs.values()))
    params = {p.name: ctx.value(arg(node, i + 1, p.name, p.default)) for i, p in enumerate(spec.params)}
    return [Layer(spec.id, params, (source,))]


def map_claimed(ctx: Context, node: fx.Node, module: nn.Module) -> Mapped | None:
    """The layer a catalog spec claims `module` for, or None when no spec names its class."""
    spec = claimed_types().get(type(module))
    if spec is None:
        return None
    params = {p.name: canon(getattr(module, p.name)) for p in spec.params if hasattr(module, p.name)}
    return [Layer(spec.id, params, (node.args[0],), ctx.leaf_weights(node))]
