"""Traced function and method calls (torch.cat, F.relu, x.view, +, ...) -> catalog layers.

Shapes come from the concrete meta values, so a `view` whose sizes were computed from
`x.size()` becomes a reshape to the traced sizes. Must not import Qt.
"""
from __future__ import annotations

import operator
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import fx

from ..catalog.spec import LayerError
from .catalog_types import map_claimed_call
from .layer_makers import adaptive_layer, flatten_layers, pool_layer, reshape_layers, softmax_layer, upsample_layer
from .plan import (
    Alias,
    Context,
    Layer,
    Mapped,
    Pieces,
    Unsupported,
    arg,
    dims_arg,
    norm_dim,
)

Handler = Callable[[Context, fx.Node], Mapped]


def _first(node: fx.Node) -> fx.Node:
    return node.args[0] if node.args else next(iter(node.kwargs.values()))


def _binary(kind: str) -> Handler:
    def handler(ctx: Context, node: fx.Node) -> Mapped:
        a, b = node.args[0], arg(node, 1, "other")
        if ctx.value(node.kwargs.get("alpha", 1)) != 1:
            return Unsupported("torch.add with alpha")
        tensors = [x for x in (a, b) if ctx.is_tensor(x)]
        attrs = [x for x in (a, b) if ctx.attr(x)]
        if len(tensors) == 2:
            return _two_tensors(ctx, kind, a, b)
        if len(tensors) == 1 and len(attrs) == 1:
            return _with_parameter(ctx, node, kind, tensors[0], attrs[0])
        return Unsupported("adding a constant to a tensor" if kind == "add" else "multiplying a tensor by a constant")
    return handler


def _two_tensors(ctx: Context, kind: str, a: fx.Node, b: fx.Node) -> Mapped:
    if kind == "add":
        if ctx.shape(a) != ctx.shape(b):
            return Unsupported("adding tensors of different shapes (broadcasting)")
        return [Layer("add", {}, (a, b))]
    from ..catalog.layers_merge import broadcast_shape

    try:
        broadcast_shape([ctx.shape(a), ctx.shape(b)])
    except LayerError:
        return Unsupported("multiplying tensors whose shapes neither match nor broadcast as C×1×1")
    return [Layer("mul", {}, (a, b))]


def _with_parameter(ctx: Context, node: fx.Node, kind: str, x: fx.Node, attr: fx.Node) -> Mapped:
    """x + P (a learned position embedding) or x · γ (a learned per-channel layer scale)."""
    full, key = ctx.full_shape(x), ctx.attr(attr)
    t = ctx.attr_tensor(attr)
    shape = (1,) * (len(full) - t.dim()) + tuple(t.shape)
    if len(shape) != len(full) or shape[0] != 1:
        return Unsupported("using a parameter tensor directly")
    if kind == "add" and shape[1:] == full[1:]:
        return [Layer("position_embedding", {}, (x,), {"weight": key})]
    scaled = [d for d in range(1, len(full)) if shape[d] != 1]
    if kind == "mul" and len(scaled) == 1 and shape[scaled[0]] == full[scaled[0]]:
        real = ctx.gm.get_parameter(key) if key in dict(ctx.gm.named_parameters()) else None
        init = float(real.detach().flatten()[0]) if real is not None and real.device.type != "meta" else 1e-6
        return [Layer("layer_scale", {"dim": scaled[0] - 1, "init_value": max(init, 0.0)}, (x,), {"weight": key})]
    return Unsupported(f"{'adding' if kind == 'add' else 'multiplying by'} a parameter tensor (only a position "
                       "embedding or a per-channel layer scale)")


def _cat(ctx: Context, node: fx.Node) -> Mapped:
    items, dim = arg(node, 0, "tensors"), ctx.value(arg(node, 1, "dim", 0))
    if not isinstance(items, (list, tuple)):
        return Unsupported("concatenating a whole tuple at once")
    first = next((x for x in items if ctx.is_tensor(x)), None)
    if first is None:
        return Unsupported("concatenating tensors that are not layer outputs")
    rank = len(ctx.full_shape(first))
    dim = norm_dim(dim, rank)
    token = _class_token(ctx, items, dim)
    if token is not None:
        return token
    if not all(ctx.is_tensor(x) for x in items):
        return Unsupported("concatenating a parameter or constant with layer outputs")
    if dim == 0:
        return Unsupported("concatenating along the batch dim")
    if len(items) == 1:
        return Alias(items[0])
    return [Layer("concat", {"dim": dim - 1}, tuple(items))]


def _class_token(ctx: Context, items: Any, dim: int) -> Mapped | None:
    """cat([token.expand(B, -1, -1), x], dim=1): ViT's learned class token."""
    if len(items) != 2 or dim != 1 or not ctx.is_tensor(items[1]):
        return None
    head = items[0]
    if not (isinstance(head, fx.Node) and head.op == "call_method" and head.target == "expand"):
        return None
    key = ctx.attr(head.args[0])
    if key is None or tuple(ctx.attr_tensor(head.args[0]).shape[:2]) != (1, 1) or len(ctx.full_shape(items[1])) != 3:
        return None
    return [Layer("class_token", {}, (items[1],), {"token": key})]


def _view(ctx: Context, node: fx.Node) -> Mapped:
    return reshape_layers(ctx, node, node.args[0])


def _flatten(ctx: Context, node: fx.Node) -> Mapped:
    return flatten_layers(ctx, node, node.args[0], arg(node, 1, "start_dim", 0), arg(node, 2, "end_dim", -1))


def _permutation(ctx: Context, node: fx.Node, dims: list[int]) -> Mapped:
    source = node.args[0]
    if dims[0] != 0:
        return Unsupported("moving the batch dim")
    if dims == sorted(dims):
        return Alias(source)
    if len(dims) > 5:
        return Unsupported("permuting more than 4 dims per sample")
    return [Layer("permute", {"dims": [d - 1 for d in dims[1:]]}, (source,))]


def _permute(ctx: Context, node: fx.Node) -> Mapped:
    rank = len(ctx.full_shape(node.args[0]))
    return _permutation(ctx, node, [norm_dim(d, rank) for d in ctx.value(dims_arg(node, 1, "dims"))])


def _transpose(ctx: Context, node: fx.Node) -> Mapped:
    rank = len(ctx.full_shape(node.args[0]))
    a, b = (norm_dim(ctx.value(arg(node, i, n)), rank) for i, n in ((1, "dim0"), (2, "dim1")))
    dims = list(range(rank))
    dims[a], dims[b] = dims[b], dims[a]
    return _permutation(ctx, node, dims)


def _pieces(kind: str) -> Handler:
    def handler(ctx: Context, node: fx.Node) -> Mapped:
        source = node.args[0]
        amount = ctx.value(arg(node, 1, "chunks" if kind == "chunk" else "split_size_or_sections"))
        dim = norm_dim(ctx.value(arg(node, 2, "dim", 0)), len(ctx.full_shape(source)))
        if dim == 0:
            return Unsupported(f"{kind} along the batch dim")
        params = {"chunks": amount} if kind == "chunk" else \
            {"sizes": [amount] if isinstance(amount, int) else list(amount)}
        count = len(ctx.values[node])
        return Pieces(lambda i: [Layer(kind, {**params, "dim": dim - 1, "index": i}, (source,),
                                       name=f"{kind}_{i}")], count)
    return handler


def _mean(ctx: Context, node: fx.Node) -> Mapped:
    source = node.args[0]
    rank = len(ctx.full_shape(source))
    dims = ctx.value(arg(node, 1, "dim"))
    dims = {norm_dim(d, rank) for d in ([dims] if isinstance(dims, int) else dims or ())}
    keep = bool(ctx.value(arg(node, 2, "keepdim", False)))
    if rank == 4 and dims == {2, 3}:
        pool = adaptive_layer(ctx, source, 1)
        return pool if keep else pool + [Layer("flatten", {}, (), name="flatten")]
    if rank == 3 and dims == {1} and not keep:
        return [Layer("token_pool", {"mode": "mean"}, (source,))]
    return Unsupported("a mean over other dims than height and width, or a sequence (only a global average "
                       "over height and width, or over a sequence)")


def _getitem(ctx: Context, node: fx.Node) -> Mapped:
    source, index = node.args
    if len(ctx.full_shape(source)) == 3 and index == (slice(None, None, None), 0):
        return [Layer("token_pool", {"mode": "first"}, (source,))]
    return Unsupported("indexing a tensor (only x[:, 0], the class token)")


def _interpolate(ctx: Context, node: fx.Node) -> Mapped:
    v = [ctx.value(arg(node, i, n, d)) for i, n, d in ((1, "size", None), (2, "scale_factor", None),
                                                        (3, "mode", "nearest"), (4, "align_corners", None),
                                                        (5, "recompute_scale_factor", None))]
    if ctx.value(arg(node, 6, "antialias", False)):
        return Unsupported("interpolate with antialias=True")
    return upsample_layer(ctx, node.args[0], *v)


def _fpool(layer: str, has_dilation: bool) -> Handler:
    def handler(ctx: Context, node: fx.Node) -> Mapped:
        kernel, stride, padding = (ctx.value(arg(node, i, n, d)) for i, n, d in
                                   ((1, "kernel_size", None), (2, "stride", None), (3, "padding", 0)))
        if has_dilation:
            dilation, ceil = ctx.value(arg(node, 4, "dilation", 1)), ctx.value(arg(node, 5, "ceil_mode", False))
            bad = dilation not in (1, (1, 1), [1, 1]) or ctx.value(arg(node, 6, "return_indices", False))
        else:
            ceil = ctx.value(arg(node, 4, "ceil_mode", False))
            bad = not ctx.value(arg(node, 5, "count_include_pad", True)) or ctx.value(arg(node, 6, "divisor_override"))
        if bad:
            return Unsupported(f"{layer} with dilation, return_indices, count_include_pad=False or divisor_override")
        return [pool_layer(layer, node.args[0], kernel, stride, padding, ceil)]
    return handler


def _fsoftmax(layer: str) -> Handler:
    def handler(ctx: Context, node: fx.Node) -> Mapped:
        return softmax_layer(ctx, node, layer, ctx.value(arg(node, 1, "dim")))
    return handler


def _param(layer: str, name: str, index: int, default: Any) -> Handler:
    return lambda ctx, node: [Layer(layer, {name: ctx.value(arg(node, index, name, default))}, (node.args[0],))]


def _gelu(ctx: Context, node: fx.Node) -> Mapped:
    if ctx.value(node.kwargs.get("approximate", "none")) != "none":
        return Unsupported("gelu(approximate='tanh')")
    return [Layer("gelu", {}, (node.args[0],))]


def _layer_norm(ctx: Context, node: fx.Node) -> Mapped:
    shape, weight, bias = (arg(node, i, n) for i, n in ((1, "normalized_shape"), (2, "weight"), (3, "bias")))
    eps = ctx.value(arg(node, 4, "eps", 1e-5))
    if len(ctx.value(shape)) != 1 or not (ctx.attr(weight) and ctx.attr(bias)):
        return Unsupported("layer_norm over several dims, or without a learned weight and bias")
    return [Layer("layernorm", {"eps": eps}, (node.args[0],), {"weight": ctx.attr(weight), "bias": ctx.attr(bias)})]


def _stochastic_depth(ctx: Context, node: fx.Node) -> Mapped:
    # The traced `training` flag is a constant of the trace: the layer keeps its own mode instead.
    p, mode = ctx.value(arg(node, 1, "p")), ctx.value(arg(node, 2, "mode"))
    return [Layer("stochastic_depth", {"p": p, "mode": mode}, (node.args[0],))]


def _adaptive(ctx: Context, node: fx.Node) -> Mapped:
    return adaptive_layer(ctx, node.args[0], ctx.value(arg(node, 1, "output_size")))


def _alias(ctx: Context, node: fx.Node) -> Mapped:
    return Alias(node.args[0])


FUNCTIONS: dict[Any, Handler] = {
    operator.add: _binary("add"), operator.iadd: _binary("add"), torch.add: _binary("add"),
    operator.mul: _binary("mul"), operator.imul: _binary("mul"), torch.mul: _binary("mul"),
    torch.cat: _cat, torch.concat: _cat, torch.flatten: _flatten, torch.reshape: _view,
    torch.permute: _permute, torch.transpose: _transpose, torch.swapaxes: _transpose,
    torch.chunk: _pieces("chunk"), torch.split: _pieces("split"), torch.mean: _mean, operator.getitem: _getitem,
    F.gelu: _gelu,  # relu, sigmoid, tanh, leaky_relu, ...: their specs' torch_functions (catalog_types)
    F.softmax: _fsoftmax("softmax"), F.log_softmax: _fsoftmax("log_softmax"),
    F.dropout: _param("dropout", "p", 1, 0.5), F.dropout2d: _param("dropout2d", "p", 1, 0.5),
    F.adaptive_avg_pool2d: _adaptive, F.max_pool2d: _fpool("maxpool2d", True),
    F.avg_pool2d: _fpool("avgpool2d", False), F.max_pool1d: _fpool("maxpool1d", True),
    F.avg_pool1d: _fpool("avgpool1d", False), F.layer_norm: _layer_norm, F.interpolate: _interpolate,
}

METHODS: dict[str, Handler] = {
    "add": _binary("add"), "add_": _binary("add"), "mul": _binary("mul"), "mul_": _binary("mul"),
    "flatten": _flatten, "view": _view, "reshape": _view, "permute": _permute, "transpose": _transpose,
    "swapaxes": _transpose, "contiguous": _alias, "chunk": _pieces("chunk"), "split": _pieces("split"),
    "mean": _mean, "softmax": _fsoftmax("softmax"), "log_softmax": _fsoftmax("log_softmax"),
}


def _optional_functions() -> dict[Any, Handler]:
    """torchvision's wrapped calls, when torchvision is installed."""
    found: dict[Any, Handler] = {}
    try:
        from torchvision.models.shufflenetv2 import channel_shuffle
        from torchvision.ops import stochastic_depth
    except ImportError:
        return found
    found[stochastic_depth] = _stochastic_depth
    found[channel_shuffle] = _param("channel_shuffle", "groups", 1, 2)
    return found


def map_function(ctx: Context, node: fx.Node) -> Mapped:
    claimed = map_claimed_call(ctx, node)
    if claimed is not None:
        return claimed
    if node.op == "call_method":
        handler = METHODS.get(node.target)
        name = f"Tensor.{node.target}()"
    else:
        handler = FUNCTIONS.get(node.target) or _optional_functions().get(node.target)
        name = f"{getattr(node.target, '__module__', None) or 'torch'}.{getattr(node.target, '__name__', node.target)}"
    if handler is None:
        return Unsupported(name.replace("_operator.", "operator ").replace("torch._C._VariableFunctions.", "torch."))
    return handler(ctx, node)
